package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/i18n"
)

// graduationRoutes adds the pages of higher education and the graduation tracker.
func (s *Server) graduationRoutes(authed, selfChecked func(string, handlerFunc)) {
	authed("GET /me/graduation", s.myGraduationPage)
	authed("GET /establishments/{uai}/graduation", s.cohortsPage)
	authed("POST /establishments/{uai}/graduation/programmes", s.saveProgramme)
	authed("POST /establishments/{uai}/graduation/cohorts", s.saveCohort)
	authed("GET /establishments/{uai}/graduation/queue", s.queuePage)
	selfChecked("POST /establishments/{uai}/graduation/registrar", s.registrarUpload)
	authed("GET /establishments/{uai}/cohorts/{id}", s.matrixPage)
	authed("GET /establishments/{uai}/cohorts/{id}/rules", s.rulesPage)
	authed("POST /establishments/{uai}/cohorts/{id}/rules", s.saveRule)
	authed("GET /establishments/{uai}/students/{id}/graduation", s.checklistPage)
	authed("POST /establishments/{uai}/students/{id}/graduation/items/{iid}", s.itemAction)
	selfChecked("POST /establishments/{uai}/students/{id}/graduation/items/{iid}/proof", s.proofUpload)
	authed("GET /establishments/{uai}/students/{id}/graduation/items/{iid}/proof", s.proofDownload)
	authed("GET /establishments/{uai}/cohorts/{id}/matrix.xlsx", s.matrixFile)
	authed("GET /establishments/{uai}/cohorts/{id}/matrix.csv", s.matrixFile)
	selfChecked("POST /establishments/{uai}/cohorts/{id}/matrix.xlsx", s.matrixImport)
	authed("GET /establishments/{uai}/cohorts/{id}/prejury.pdf", s.preJuryPDF)
	authed("GET /establishments/{uai}/cohorts/{id}/minutes", s.minutesPage)
	authed("POST /establishments/{uai}/cohorts/{id}/minutes", s.saveMinutes)
	authed("GET /establishments/{uai}/students/{id}/graduation.pdf", s.statementPDF)
}

// matrixFile downloads the cohort matrix, XLSX (coloured by state, the import
// template) or CSV.
func (s *Server) matrixFile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "cohort_not_found")
	if err != nil {
		return err
	}
	m, reasons, err := s.Graduation.ExportMatrix(r.Context(), principal(r), r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if strings.HasSuffix(r.URL.Path, ".csv") {
		if err := graduation.WriteMatrixCSV(&buf, m, reasons, lang(r)); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		httpx.Attachment(w, "promotion-"+m.Cohort.Code+".csv")
	} else {
		if err := graduation.WriteMatrixXLSX(&buf, m, reasons, lang(r)); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		httpx.Attachment(w, "promotion-"+m.Cohort.Code+".xlsx")
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// matrixImport reads a filled matrix: a dry run unless "apply" is checked.
func (s *Server) matrixImport(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := pathInt(r, "id", "cohort_not_found")
	if err != nil {
		return err
	}
	if _, err := s.Highered.Resolve(r.Context(), p, r.PathValue("uai"), highered.Managers...); err != nil {
		return err
	}
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, s.MaxUpload)
	if err != nil {
		return err
	}
	defer up.Close()
	if !s.checkCSRFValue(r, up.Form["csrf"]) {
		return apperr.Forbidden("csrf", "CSRF check failed")
	}
	rep, err := s.Graduation.ImportMatrix(r.Context(), p, r.PathValue("uai"), id, up.File, up.Size, up.Form["apply"] != "1")
	if err != nil && apperr.KindOf(err) != apperr.KindInvalid {
		return err
	}
	m, merr := s.Graduation.Matrix(r.Context(), p, r.PathValue("uai"), id, "")
	if merr != nil {
		return merr
	}
	pg := s.newPage(r, "graduation.matrix", m.Cohort.Code)
	status := http.StatusOK
	if err != nil {
		pg.Error, status = errorMessage(lang(r), err), httpStatus(err)
	} else if len(rep.Errors) > 0 {
		pg.Error, status = T(lang(r), "graduation.sheet.errors"), http.StatusUnprocessableEntity
	}
	d := matrixData{UAI: strings.ToUpper(r.PathValue("uai")), Matrix: m, Words: words(lang(r)), Office: true, Report: &rep}
	for _, e := range rep.Errors {
		d.Problems = append(d.Problems, T(lang(r), "graduation.sheet.error", e.Row, e.Column, e.Header)+" "+i18n.T(lang(r), e.Key, toArgs(e.Params)))
	}
	for _, c := range rep.Changes {
		d.Diff = append(d.Diff, T(lang(r), "graduation.sheet.change", c.Row, c.Number, c.Rule, d.Words[string(c.From)], d.Words[string(c.To)]))
	}
	pg.Data = d
	return s.renderStatus(w, r, status, "graduation_matrix", pg)
}

func toArgs(m map[string]string) i18n.Args {
	a := i18n.Args{}
	for k, v := range m {
		a[k] = v
	}
	return a
}

func (s *Server) preJuryPDF(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "cohort_not_found")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.Graduation.PreJuryPDF(r.Context(), principal(r), r.PathValue("uai"), id, &buf, lang(r)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	httpx.Attachment(w, "pre-jury.pdf")
	_, err = w.Write(buf.Bytes())
	return err
}

func (s *Server) statementPDF(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.Graduation.StatementPDF(r.Context(), principal(r), r.PathValue("uai"), id, &buf, lang(r)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	httpx.Attachment(w, "conditions-diplomation.pdf")
	_, err = w.Write(buf.Bytes())
	return err
}

// stateWords are the words of the states, statuses and categories in the page's language.
type stateWords map[string]string

func words(l string) stateWords {
	w := stateWords{}
	for _, st := range graduation.States {
		w[string(st)] = T(l, "graduation.state."+string(st))
	}
	for _, st := range []graduation.Status{graduation.Graduable, graduation.OnTrack, graduation.AtRisk, graduation.Blocked} {
		w[string(st)] = T(l, "graduation.status."+string(st))
	}
	for _, c := range graduation.Categories {
		w["category."+c] = T(l, "graduation.category."+c)
	}
	return w
}

type checklistData struct {
	Lists []graduation.Checklist
	Words stateWords
	// Self: the student himself (deposits); Office: reviews; Chief: exempts.
	Self, Office, Chief bool
	MaxMiB              int64
}

func (s *Server) myGraduationPage(w http.ResponseWriter, r *http.Request) error {
	lists, err := s.Graduation.Mine(r.Context(), principal(r))
	if err != nil {
		return err
	}
	pg := s.newPage(r, "graduation.mine")
	pg.Data = checklistData{Lists: lists, Words: words(lang(r)), Self: true, MaxMiB: s.Graduation.MaxProof >> 20}
	return s.render(w, r, "graduation_checklist", pg)
}

func (s *Server) checklistData(r *http.Request) (checklistData, error) {
	p := principal(r)
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return checklistData{}, err
	}
	cl, err := s.Graduation.Checklist(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return checklistData{}, err
	}
	e, err := s.Establishments.ByUAI(r.Context(), r.PathValue("uai"))
	if err != nil {
		return checklistData{}, err
	}
	office := p.IsPlatformAdmin() || p.Has(authz.RoleOffice, e.ID) || p.Has(authz.RoleAdmin, e.ID)
	chief := p.Has(authz.RoleProgrammeDirector, e.ID)
	self := !office && !chief && !p.Has(authz.RoleJury, e.ID)
	return checklistData{Lists: []graduation.Checklist{cl}, Words: words(lang(r)), Self: self, Office: office, Chief: chief,
		MaxMiB: s.Graduation.MaxProof >> 20}, nil
}

func (s *Server) checklistPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.checklistData(r)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "graduation.checklist")
	pg.Data = d
	return s.render(w, r, "graduation_checklist", pg)
}

// back returns where to go after an action: the review queue or the checklist.
func back(r *http.Request, uai string, studentID int64) string {
	if r.FormValue("back") == "queue" {
		return "/establishments/" + uai + "/graduation/queue"
	}
	return fmt.Sprintf("/establishments/%s/students/%d/graduation", uai, studentID)
}

func (s *Server) itemAction(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, iid, err := itemPath(r)
	if err != nil {
		return err
	}
	c := graduation.Change{Action: graduation.Action(r.PostFormValue("action")), Reason: r.PostFormValue("reason"), ProofDate: r.PostFormValue("proof_date")}
	if v := strings.TrimSpace(r.PostFormValue("value")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1
		}
		c.Value = &n
	}
	if _, err := s.Graduation.Act(r.Context(), p, r.PathValue("uai"), id, iid, c); err != nil {
		return s.checklistError(w, r, err)
	}
	http.Redirect(w, r, back(r, r.PathValue("uai"), id), http.StatusSeeOther)
	return nil
}

func (s *Server) checklistError(w http.ResponseWriter, r *http.Request, err error) error {
	if k := apperr.KindOf(err); k == apperr.KindInternal || k == apperr.KindUnavailable || k == apperr.KindNotFound || k == apperr.KindForbidden {
		return err
	}
	d, derr := s.checklistData(r)
	if derr != nil {
		return derr
	}
	pg := s.newPage(r, "graduation.checklist")
	pg.Error = errorMessage(lang(r), err)
	pg.Data = d
	return s.renderStatus(w, r, httpStatus(err), "graduation_checklist", pg)
}

func (s *Server) proofUpload(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, iid, err := itemPath(r)
	if err != nil {
		return err
	}
	// Access first: nothing of the body is read for someone who may not deposit.
	if _, err := s.Graduation.History(r.Context(), p, r.PathValue("uai"), id, iid); err != nil {
		return err
	}
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, s.Graduation.MaxProof)
	if err != nil {
		return s.checklistError(w, r, err)
	}
	defer up.Close()
	if !s.checkCSRFValue(r, up.Form["csrf"]) {
		return apperr.Forbidden("csrf", "CSRF check failed")
	}
	c := graduation.Change{ProofDate: strings.TrimSpace(up.Form["proof_date"])}
	if v := strings.TrimSpace(up.Form["value"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1
		}
		c.Value = &n
	}
	if _, err := s.Graduation.SubmitProof(r.Context(), p, r.PathValue("uai"), id, iid, up.Name, up.File, c); err != nil {
		return s.checklistError(w, r, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/establishments/%s/students/%d/graduation", r.PathValue("uai"), id), http.StatusSeeOther)
	return nil
}

func (s *Server) proofDownload(w http.ResponseWriter, r *http.Request) error {
	id, iid, err := itemPath(r)
	if err != nil {
		return err
	}
	it, rc, err := s.Graduation.OpenProof(r.Context(), principal(r), r.PathValue("uai"), id, iid)
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", it.ProofType)
	httpx.Attachment(w, it.ProofName)
	_, err = io.Copy(w, rc)
	return err
}

type cohortsData struct {
	UAI        string
	Programmes []highered.Programme
	Cohorts    []highered.Cohort
	Office     bool
	Report     *highered.RegistrarReport
}

func (s *Server) cohortsData(r *http.Request) (cohortsData, error) {
	p := principal(r)
	uai := r.PathValue("uai")
	progs, err := s.Highered.Programmes(r.Context(), p, uai)
	if err != nil {
		return cohortsData{}, err
	}
	cohorts, err := s.Highered.Cohorts(r.Context(), p, uai)
	if err != nil {
		return cohortsData{}, err
	}
	e, err := s.Establishments.ByUAI(r.Context(), uai)
	if err != nil {
		return cohortsData{}, err
	}
	return cohortsData{UAI: e.UAI, Programmes: progs, Cohorts: cohorts,
		Office: p.IsPlatformAdmin() || p.Has(authz.RoleOffice, e.ID) || p.Has(authz.RoleAdmin, e.ID)}, nil
}

func (s *Server) cohortsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.cohortsData(r)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "graduation.cohorts")
	pg.Data = d
	return s.render(w, r, "graduation_cohorts", pg)
}

func (s *Server) cohortsError(w http.ResponseWriter, r *http.Request, err error, rep *highered.RegistrarReport) error {
	if k := apperr.KindOf(err); err != nil && (k == apperr.KindInternal || k == apperr.KindUnavailable || k == apperr.KindNotFound || k == apperr.KindForbidden) {
		return err
	}
	d, derr := s.cohortsData(r)
	if derr != nil {
		return derr
	}
	d.Report = rep
	pg := s.newPage(r, "graduation.cohorts")
	status := http.StatusOK
	if err != nil {
		pg.Error = errorMessage(lang(r), err)
		status = httpStatus(err)
	}
	pg.Data = d
	return s.renderStatus(w, r, status, "graduation_cohorts", pg)
}

func (s *Server) saveProgramme(w http.ResponseWriter, r *http.Request) error {
	years, _ := strconv.Atoi(r.PostFormValue("duration_years"))
	_, err := s.Highered.SaveProgramme(r.Context(), principal(r), r.PathValue("uai"), highered.Programme{Code: r.PostFormValue("code"),
		Label: r.PostFormValue("label"), Level: r.PostFormValue("level"), DurationYears: years})
	if err != nil {
		return s.cohortsError(w, r, err, nil)
	}
	http.Redirect(w, r, "/establishments/"+r.PathValue("uai")+"/graduation", http.StatusSeeOther)
	return nil
}

func (s *Server) saveCohort(w http.ResponseWriter, r *http.Request) error {
	entry, _ := strconv.Atoi(r.PostFormValue("entry_year"))
	grad, _ := strconv.Atoi(r.PostFormValue("graduation_year"))
	_, err := s.Highered.SaveCohort(r.Context(), principal(r), r.PathValue("uai"), highered.CohortInput{ProgrammeCode: r.PostFormValue("programme"),
		Code: r.PostFormValue("code"), EntryYear: entry, GraduationYear: grad, JuryDate: r.PostFormValue("jury_date")})
	if err != nil {
		return s.cohortsError(w, r, err, nil)
	}
	http.Redirect(w, r, "/establishments/"+r.PathValue("uai")+"/graduation", http.StatusSeeOther)
	return nil
}

// registrarUpload imports the registrar's export (dry run unless "apply" is checked).
func (s *Server) registrarUpload(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if _, err := s.Highered.Resolve(r.Context(), p, r.PathValue("uai"), highered.Managers...); err != nil {
		return err
	}
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, s.MaxUpload)
	if err != nil {
		return s.cohortsError(w, r, err, nil)
	}
	defer up.Close()
	if !s.checkCSRFValue(r, up.Form["csrf"]) {
		return apperr.Forbidden("csrf", "CSRF check failed")
	}
	mapping, err := highered.ParseMapping(up.Form["mapping"])
	if err != nil {
		return s.cohortsError(w, r, err, nil)
	}
	rep, err := s.Highered.Registrar(r.Context(), p, r.PathValue("uai"), highered.RegistrarSource{Name: up.Name, R: up.File, Size: up.Size},
		highered.RegistrarOptions{DryRun: up.Form["apply"] != "1", Full: up.Form["full"] == "1", Mapping: mapping})
	if err != nil {
		return s.cohortsError(w, r, err, nil)
	}
	return s.cohortsError(w, r, nil, &rep)
}

type matrixData struct {
	UAI    string
	Matrix graduation.Matrix
	Filter string
	Words  stateWords
	Office bool
	// Report of an import, its errors and its changes in words.
	Report   *graduation.SheetReport
	Problems []string
	Diff     []string
	// Minutes: the jury's minutes section (nil when the caller may not read them).
	Minutes *minutesData
}

// Columns is the number of columns of the matrix: the student, his summary, a rule each.
func (d matrixData) Columns() int { return len(d.Matrix.Rules) + 2 }

// Cells writes a row's cells, one per rule: built here rather than by the template,
// whose reflective calls per cell made 30,000 cells (2,000 students × 15 rules) cost
// most of the page's time (docs/benchmarks.md, BenchmarkMatrixPage). The state is one of
// graduation.States (a class name) and its word is escaped.
func (d matrixData) Cells(r graduation.Row) template.HTML {
	var b strings.Builder
	b.Grow(len(r.Cells) * 48)
	for _, c := range r.Cells {
		b.WriteString(`<td class="state-`)
		b.WriteString(template.HTMLEscapeString(string(c.State)))
		b.WriteString(`">`)
		b.WriteString(template.HTMLEscapeString(d.Words[string(c.State)]))
		b.WriteString(`</td>`)
	}
	return template.HTML(b.String())
}

func (s *Server) matrixPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := pathInt(r, "id", "cohort_not_found")
	if err != nil {
		return err
	}
	filter := r.URL.Query().Get("filter")
	if filter != graduation.FilterAtRisk && filter != graduation.FilterSubmitted && filter != graduation.FilterInactive {
		filter = graduation.FilterAll
	}
	m, err := s.Graduation.Matrix(r.Context(), p, r.PathValue("uai"), id, filter)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "graduation.matrix", m.Cohort.Code)
	e, err := s.Establishments.ByUAI(r.Context(), r.PathValue("uai"))
	if err != nil {
		return err
	}
	d := matrixData{UAI: e.UAI, Matrix: m, Filter: filter, Words: words(lang(r)),
		Office: p.IsPlatformAdmin() || p.Has(authz.RoleOffice, e.ID) || p.Has(authz.RoleAdmin, e.ID)}
	if graduation.CanMinutes(p, e.ID) {
		if d.Minutes, err = s.minutesData(r, pg, m.Cohort.ID); err != nil {
			return err
		}
	}
	pg.Data = d
	return s.render(w, r, "graduation_matrix", pg)
}

// minutesData is the jury's minutes section of a cohort: the sessions' minutes and the
// form that writes them (the matrix page and the minutes page).
type minutesData struct {
	UAI        string
	CSRF       string
	Cohort     highered.Cohort
	List       []graduation.Minutes
	Session    string
	Text       string
	Max        int
	Standalone bool
}

func (s *Server) minutesData(r *http.Request, pg *page, cohortID int64) (*minutesData, error) {
	c, list, err := s.Graduation.CohortMinutes(r.Context(), principal(r), r.PathValue("uai"), cohortID)
	if err != nil {
		return nil, err
	}
	d := &minutesData{UAI: strings.ToUpper(r.PathValue("uai")), CSRF: pg.CSRF, Cohort: c, List: list, Session: c.JuryDate, Max: graduation.MaxMinutes}
	for _, m := range list {
		if m.SessionDate == c.JuryDate {
			d.Text = m.Text
		}
	}
	return d, nil
}

// minutesPage shows the jury's minutes of a cohort and the form that writes them.
func (s *Server) minutesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderMinutes(w, r, http.StatusOK, "", "", nil)
}

func (s *Server) renderMinutes(w http.ResponseWriter, r *http.Request, status int, session, text string, failure error) error {
	id, err := pathInt(r, "id", "cohort_not_found")
	if err != nil {
		return err
	}
	pg := s.newPage(r, "graduation.minutes.title")
	d, err := s.minutesData(r, pg, id)
	if err != nil {
		return err
	}
	pg.Title = T(lang(r), "graduation.minutes.page", d.Cohort.Code)
	d.Standalone = true
	if failure != nil {
		pg.Error = errorMessage(lang(r), failure)
		d.Session, d.Text = session, text
	}
	if r.URL.Query().Get("saved") == "1" {
		pg.Info = T(lang(r), "graduation.minutes.saved")
	}
	pg.Data = d
	return s.renderStatus(w, r, status, "graduation_minutes", pg)
}

// saveMinutes writes the minutes of a session (jury, office, programme director).
func (s *Server) saveMinutes(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "cohort_not_found")
	if err != nil {
		return err
	}
	session, text := r.PostFormValue("session_date"), r.PostFormValue("text")
	if _, err := s.Graduation.SaveMinutes(r.Context(), principal(r), r.PathValue("uai"), id, session, text); err != nil {
		if apperr.KindOf(err) != apperr.KindInvalid {
			return err
		}
		return s.renderMinutes(w, r, httpStatus(err), session, text, err)
	}
	http.Redirect(w, r, r.URL.Path+"?saved=1", http.StatusSeeOther)
	return nil
}

type rulesData struct {
	UAI        string
	CohortID   int64
	Rules      []graduation.Rule
	Categories []string
	Measures   []string
	Words      stateWords
	New        graduation.Rule
}

func (s *Server) rulesData(r *http.Request) (rulesData, error) {
	id, err := pathInt(r, "id", "cohort_not_found")
	if err != nil {
		return rulesData{}, err
	}
	rules, err := s.Graduation.Rules(r.Context(), principal(r), r.PathValue("uai"), id)
	if err != nil {
		return rulesData{}, err
	}
	return rulesData{UAI: strings.ToUpper(r.PathValue("uai")), CohortID: id, Rules: rules, Categories: graduation.Categories, Measures: graduation.Measures,
		Words: words(lang(r)), New: graduation.Rule{Category: "other", Mandatory: true}}, nil
}

func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.rulesData(r)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "graduation.rules")
	pg.Data = d
	return s.render(w, r, "graduation_rules", pg)
}

func (s *Server) saveRule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "cohort_not_found")
	if err != nil {
		return err
	}
	num := func(k string) int {
		n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(k)))
		return n
	}
	in := graduation.Rule{Code: r.PostFormValue("code"), Label: r.PostFormValue("label"), Category: r.PostFormValue("category"),
		Proof: r.PostFormValue("proof"), Measure: r.PostFormValue("measure"), Threshold: num("threshold"), Mandatory: r.PostFormValue("mandatory") == "1",
		Deadline: r.PostFormValue("deadline"), ExemptionAllowed: r.PostFormValue("exemption") == "1", ValidityMonths: num("validity_months"), Position: num("position")}
	if _, err := s.Graduation.SaveRule(r.Context(), principal(r), r.PathValue("uai"), id, in); err != nil {
		if k := apperr.KindOf(err); k != apperr.KindInvalid && k != apperr.KindConflict {
			return err
		}
		d, derr := s.rulesData(r)
		if derr != nil {
			return derr
		}
		d.New = in
		pg := s.newPage(r, "graduation.rules")
		pg.Error = errorMessage(lang(r), err)
		pg.Data = d
		return s.renderStatus(w, r, httpStatus(err), "graduation_rules", pg)
	}
	http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
	return nil
}

type queueData struct {
	UAI   string
	Items []graduation.Pending
	Words stateWords
}

func (s *Server) queuePage(w http.ResponseWriter, r *http.Request) error {
	q, err := s.Graduation.Queue(r.Context(), principal(r), r.PathValue("uai"))
	if err != nil {
		return err
	}
	pg := s.newPage(r, "graduation.queue")
	pg.Data = queueData{UAI: strings.ToUpper(r.PathValue("uai")), Items: q, Words: words(lang(r))}
	return s.render(w, r, "graduation_queue", pg)
}

// itemPath reads the student and item ids of an item's route.
func itemPath(r *http.Request) (int64, int64, error) {
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return 0, 0, err
	}
	iid, err := pathInt(r, "iid", "graduation_item_not_found")
	return id, iid, err
}
