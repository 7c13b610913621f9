package web

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/cartable/cartable/internal/agreement"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/i18n"
)

// agreementRoutes adds the pages of the learning agreements (docs/agreements.md).
func (s *Server) agreementRoutes(authed, selfChecked func(string, handlerFunc)) {
	authed("GET /me/agreements", s.myAgreementsPage)
	authed("GET /establishments/{uai}/agreements", s.agreementInboxPage)
	authed("POST /establishments/{uai}/agreements", s.agreementStart)
	authed("POST /establishments/{uai}/agreements/validate", s.agreementBulkValidate)
	selfChecked("POST /establishments/{uai}/agreements/imports/{kind}/file", s.agreementImport)
	authed("POST /establishments/{uai}/agreements/years/{year}/registrar.csv", s.agreementRegistrarFile)
	authed("GET /establishments/{uai}/agreements/years/{year}/report.csv", s.agreementReportFile)
	authed("POST /establishments/{uai}/agreements/years/{year}/close", s.agreementCloseYear)
	authed("GET /establishments/{uai}/agreements/dashboard", s.agreementDashboardPage)
	authed("GET /establishments/{uai}/agreements/dashboard.xlsx", s.agreementDashboardXLSX)
	authed("GET /establishments/{uai}/agreements/{id}", s.agreementPage)
	authed("POST /establishments/{uai}/agreements/{id}/actions", s.agreementActionForm)
	authed("POST /establishments/{uai}/agreements/{id}/content", s.agreementContentForm)
	authed("POST /establishments/{uai}/agreements/{id}/comments", s.agreementCommentForm)
	authed("POST /establishments/{uai}/agreements/{id}/amend", s.agreementAmendForm)
	authed("GET /establishments/{uai}/agreements/{id}/agreement.pdf", s.agreementPDFFile)
}

// agreementWords are the labels the agreement templates look up by code.
type agreementWords map[string]string

func agreementVocabulary(l string) agreementWords {
	w := agreementWords{}
	for _, st := range agreement.States {
		w["state."+string(st)] = T(l, "agreement.state."+string(st))
	}
	for _, a := range append(agreement.Actions, "create") {
		w["action."+string(a)] = T(l, "agreement.action."+string(a))
	}
	for _, group := range []struct {
		prefix string
		list   []string
	}{{"kind.", agreement.Kinds}, {"status.", agreement.Statuses}, {"origin.", agreement.Origins}, {"measure.", agreement.Measures},
		{"adjustment.", agreement.Adjustments}} {
		for _, x := range group.list {
			w[group.prefix+x] = T(l, "agreement."+group.prefix+x)
		}
	}
	return w
}

type myAgreementsData struct {
	Groups []struct {
		UAI  string
		Rows []agreement.Row
	}
	Words agreementWords
}

// myAgreementsPage lists the student's own agreements, in each establishment where he
// is a student.
func (s *Server) myAgreementsPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	d := myAgreementsData{Words: agreementVocabulary(lang(r))}
	for _, m := range p.Roles {
		if m.Role != authz.RoleStudent || m.UAI == "" {
			continue
		}
		rows, err := s.Agreements.Mine(r.Context(), p, m.UAI)
		if err != nil {
			if apperr.KindOf(err) == apperr.KindInvalid {
				continue // not of higher education
			}
			return err
		}
		d.Groups = append(d.Groups, struct {
			UAI  string
			Rows []agreement.Row
		}{m.UAI, rows})
	}
	pg := s.newPage(r, "agreement.page.mine")
	pg.Data = d
	return s.render(w, r, "agreement_mine", pg)
}

type inboxData struct {
	UAI        string
	Rows       []agreement.Row
	Filter     agreement.Filter
	States     []agreement.State
	Words      agreementWords
	Office     bool
	Director   bool
	Disability bool
	Pilotage   bool
	Adjust     []agreement.FollowedAdjustments
	Report     *agreement.ImportReport
	Problems   []string
	Year       int
	Next       int64
	Kinds      []string
	Statuses   []string
}

func (s *Server) inboxData(r *http.Request) (inboxData, error) {
	p := principal(r)
	uai := strings.ToUpper(r.PathValue("uai"))
	q := r.URL.Query()
	d := inboxData{UAI: uai, States: agreement.States, Words: agreementVocabulary(lang(r)), Year: s.academicYear(),
		Kinds: agreement.Kinds, Statuses: agreement.Statuses}
	d.Filter = agreement.Filter{Programme: q.Get("programme"), State: agreement.State(q.Get("state"))}
	if y, err := strconv.Atoi(q.Get("year")); err == nil {
		d.Filter.Year = y
	}
	if a, err := strconv.ParseInt(q.Get("after"), 10, 64); err == nil {
		d.Filter.After = a
	}
	var e int64
	for _, m := range p.Roles {
		if strings.EqualFold(m.UAI, uai) {
			e = m.EstablishmentID
		}
	}
	d.Office = p.IsPlatformAdmin() || p.Has(authz.RoleOffice, e) || p.Has(authz.RoleAdmin, e)
	d.Director = p.Has(authz.RoleProgrammeDirector, e)
	d.Disability = p.Has(authz.RoleDisabilityOffice, e)
	d.Pilotage = p.Has(authz.RolePilotage, e)
	staff := d.Office || d.Director || p.Has(authz.RoleReferent, e)
	if d.Disability {
		list, err := s.Agreements.Adjustments(r.Context(), p, uai)
		if err != nil {
			return d, err
		}
		d.Adjust = list
	}
	if staff || !d.Disability && !d.Pilotage {
		rows, err := s.Agreements.Inbox(r.Context(), p, uai, d.Filter)
		if err != nil {
			return d, err
		}
		d.Rows = rows
		if len(rows) == 200 {
			d.Next = rows[len(rows)-1].ID
		}
	}
	return d, nil
}

// academicYear is the first civil year of the current academic year (September).
func (s *Server) academicYear() int {
	now := s.Now()
	if now.Month() >= 9 {
		return now.Year()
	}
	return now.Year() - 1
}

// agreementInboxPage is the agreements page of an establishment: the director's and
// office's inbox (filters by state, programme and year; bulk validation), the office's
// imports and registrar files, the disability office's list of adjustments, the
// pilotage's link to the dashboard.
func (s *Server) agreementInboxPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.inboxData(r)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "agreement.page.inbox")
	switch r.URL.Query().Get("done") {
	case "validated":
		pg.Info = T(lang(r), "agreement.page.validated", r.URL.Query().Get("n"))
	case "closed":
		pg.Info = T(lang(r), "agreement.page.closed", r.URL.Query().Get("n"))
	}
	pg.Data = d
	return s.render(w, r, "agreement_inbox", pg)
}

// agreementStart opens a student's agreement from the office's form (student number,
// programme, year, kind, status); version 1 is his IP.
func (s *Server) agreementStart(w http.ResponseWriter, r *http.Request) error {
	y, _ := strconv.Atoi(r.PostFormValue("year"))
	a, err := s.Agreements.Start(r.Context(), principal(r), r.PathValue("uai"), agreement.StartInput{StudentNumber: r.PostFormValue("student_number"),
		ProgrammeCode: strings.TrimSpace(r.PostFormValue("programme")), Year: y, Kind: r.PostFormValue("kind"), Status: r.PostFormValue("status")})
	if err != nil {
		k := apperr.KindOf(err)
		if k != apperr.KindInvalid && k != apperr.KindNotFound {
			return err
		}
		d, derr := s.inboxData(r)
		if derr != nil {
			return derr
		}
		pg := s.newPage(r, "agreement.page.inbox")
		pg.Error, pg.Data = errorMessage(lang(r), err), d
		return s.renderStatus(w, r, httpStatus(err), "agreement_inbox", pg)
	}
	http.Redirect(w, r, "/establishments/"+r.PathValue("uai")+"/agreements/"+strconv.FormatInt(a.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) agreementBulkValidate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalid("invalid_form", "unreadable form")
	}
	var ids []int64
	for _, v := range r.PostForm["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err == nil {
			ids = append(ids, id)
		}
	}
	res, err := s.Agreements.BulkValidate(r.Context(), principal(r), r.PathValue("uai"), ids)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/establishments/"+r.PathValue("uai")+"/agreements?state=validated&done=validated&n="+strconv.Itoa(len(res.Done)), http.StatusSeeOther)
	return nil
}

// agreementImport reads an uploaded catalogue, IP or acknowledgement file: a dry run
// (the diff) unless "apply" is checked.
func (s *Server) agreementImport(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	uai := r.PathValue("uai")
	kind := r.PathValue("kind")
	if kind != "catalogue" && kind != "enrolments" && kind != "acknowledgements" {
		return apperr.NotFound("not_found", "no such import")
	}
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, s.MaxUpload)
	if err != nil {
		return err
	}
	defer up.Close()
	if !s.checkCSRFValue(r, up.Form["csrf"]) {
		return apperr.Forbidden("csrf", "CSRF check failed")
	}
	src := agreement.Source{Name: up.Name, R: up.File, Size: up.Size}
	dry := up.Form["apply"] != "1"
	var rep agreement.ImportReport
	switch kind {
	case "catalogue":
		rep, err = s.Agreements.ImportCatalogue(r.Context(), p, uai, src, dry)
	case "enrolments":
		rep, err = s.Agreements.ImportEnrolments(r.Context(), p, uai, src, dry)
	default:
		rep, err = s.Agreements.Acknowledge(r.Context(), p, uai, src, dry)
	}
	if err != nil && apperr.KindOf(err) != apperr.KindInvalid {
		return err
	}
	d, derr := s.inboxData(r)
	if derr != nil {
		return derr
	}
	d.Report = &rep
	for _, e := range rep.Errors {
		d.Problems = append(d.Problems, T(lang(r), "agreement.page.row_error", e.Row, e.Field)+" "+i18n.T(lang(r), e.Key, toArgs(e.Params)))
	}
	pg := s.newPage(r, "agreement.page.inbox")
	status := http.StatusOK
	switch {
	case err != nil && len(rep.Errors) > 0:
		pg.Error, status = errorMessage(lang(r), err), http.StatusUnprocessableEntity
	case err != nil:
		pg.Error, status = errorMessage(lang(r), err), httpStatus(err)
	case dry:
		pg.Info = T(lang(r), "agreement.page.dry_run")
	default:
		pg.Info = T(lang(r), "agreement.page.applied")
	}
	pg.Data = d
	return s.renderStatus(w, r, status, "agreement_inbox", pg)
}

func formYear(r *http.Request) (int, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || y < 2000 || y > 2100 {
		return 0, apperr.Invalid("agreement.error.year", "invalid year %q", r.PathValue("year")).With("value", r.PathValue("year"))
	}
	return y, nil
}

// agreementRegistrarFile downloads the registrar file (a POST: signed versions become
// transmitted).
func (s *Server) agreementRegistrarFile(w http.ResponseWriter, r *http.Request) error {
	y, err := formYear(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := s.Agreements.Export(r.Context(), principal(r), r.PathValue("uai"), y, &buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	httpx.Attachment(w, "ip-contrats-"+strconv.Itoa(y)+".csv")
	_, err = w.Write(buf.Bytes())
	return err
}

func (s *Server) agreementReportFile(w http.ResponseWriter, r *http.Request) error {
	y, err := formYear(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := s.Agreements.Report(r.Context(), principal(r), r.PathValue("uai"), y, &buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	httpx.Attachment(w, "contrats-pilotage-"+strconv.Itoa(y)+".csv")
	_, err = w.Write(buf.Bytes())
	return err
}

func (s *Server) agreementCloseYear(w http.ResponseWriter, r *http.Request) error {
	y, err := formYear(r)
	if err != nil {
		return err
	}
	n, err := s.Agreements.CloseYear(r.Context(), principal(r), r.PathValue("uai"), y)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/establishments/"+r.PathValue("uai")+"/agreements?done=closed&n="+strconv.Itoa(n), http.StatusSeeOther)
	return nil
}

type agreementData struct {
	UAI      string
	View     agreement.View
	Current  agreement.Version
	Words    agreementWords
	Units    []agreement.Unit
	Chosen   map[string]string // unit code -> origin
	Problems []string
	Diff     []string
	Semester []semesterTotal
	Measures []string
	Adjusts  []string
	Has      map[string]bool
	Reason   bool // an action of the form needs a reason
}

type semesterTotal struct {
	Semester int
	ECTS     string
}

func (s *Server) agreementData(r *http.Request, v agreement.View) (agreementData, error) {
	l := lang(r)
	d := agreementData{UAI: strings.ToUpper(r.PathValue("uai")), View: v, Current: v.Current(), Words: agreementVocabulary(l),
		Chosen: map[string]string{}, Measures: agreement.Measures, Adjusts: agreement.Adjustments, Has: map[string]bool{}}
	totals := map[int]agreement.Tenths{}
	var order []int
	for _, u := range d.Current.Units {
		d.Chosen[u.Code] = u.Origin
		if _, ok := totals[u.Semester]; !ok {
			order = append(order, u.Semester)
		}
		if u.Origin != "exemption" {
			totals[u.Semester] += u.ECTS
		} else {
			totals[u.Semester] += 0
		}
	}
	for _, sem := range order {
		d.Semester = append(d.Semester, semesterTotal{sem, totals[sem].String()})
	}
	for _, x := range d.Current.Measures {
		d.Has["measure."+x] = true
	}
	for _, x := range d.Current.Adjustments {
		d.Has["adjustment."+x] = true
	}
	if v.Diff != nil {
		d.Diff = agreement.DiffLines(l, *v.Diff)
	}
	if v.CanEdit {
		units, err := s.Agreements.Catalogue(r.Context(), principal(r), r.PathValue("uai"), v.Agreement.ProgrammeCode, v.Agreement.Year)
		if err != nil {
			return d, err
		}
		d.Units = units
	}
	if v.CanEdit || len(v.Can) > 0 {
		problems, err := s.Agreements.Check(r.Context(), principal(r), r.PathValue("uai"), v.Agreement.ID)
		if err != nil {
			return d, err
		}
		for _, p := range problems {
			d.Problems = append(d.Problems, i18n.T(l, p.Key, toArgs(p.Params)))
		}
	}
	return d, nil
}

// agreementPage is an agreement's page, phone-first: the newest version (units by
// semester, ECTS, measures, adjustments, signatures), what changed against the previous
// version, the checks, the actions the reader may take, the edit form, the history and
// the comment thread.
func (s *Server) agreementPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAgreement(w, r, http.StatusOK, nil)
}

func (s *Server) renderAgreement(w http.ResponseWriter, r *http.Request, status int, failure error) error {
	id, err := pathInt(r, "id", "agreement_not_found")
	if err != nil {
		return err
	}
	v, err := s.Agreements.Get(r.Context(), principal(r), r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	d, err := s.agreementData(r, v)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "agreement.page.title", v.Agreement.StudentName, v.Agreement.ProgrammeCode, strconv.Itoa(v.Agreement.Year))
	if failure != nil {
		pg.Error = errorMessage(lang(r), failure)
		var problems *agreement.Problems
		if errors.As(failure, &problems) {
			pg.Error = T(lang(r), "agreement.page.checks_failed")
		}
	}
	if r.URL.Query().Get("saved") == "1" {
		pg.Info = T(lang(r), "agreement.page.saved")
	}
	pg.Data = d
	return s.renderStatus(w, r, status, "agreement", pg)
}

func (s *Server) agreementAfter(w http.ResponseWriter, r *http.Request, err error) error {
	if err != nil {
		k := apperr.KindOf(err)
		if k != apperr.KindInvalid && k != apperr.KindConflict {
			return err
		}
		return s.renderAgreement(w, r, httpStatus(err), err)
	}
	http.Redirect(w, r, "/establishments/"+r.PathValue("uai")+"/agreements/"+r.PathValue("id")+"?saved=1", http.StatusSeeOther)
	return nil
}

func (s *Server) agreementActionForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "agreement_not_found")
	if err != nil {
		return err
	}
	_, err = s.Agreements.Act(r.Context(), principal(r), r.PathValue("uai"), id, agreement.Action(r.PostFormValue("action")), r.PostFormValue("reason"))
	return s.agreementAfter(w, r, err)
}

func (s *Server) agreementContentForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "agreement_not_found")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Invalid("invalid_form", "unreadable form")
	}
	var in agreement.Edit
	for _, code := range r.PostForm["unit"] {
		in.Units = append(in.Units, agreement.VersionUnit{Code: code, Origin: r.PostFormValue("origin_" + code)})
	}
	in.Measures = r.PostForm["measure"]
	in.Adjustments = r.PostForm["adjustment"]
	_, err = s.Agreements.SetContent(r.Context(), principal(r), r.PathValue("uai"), id, in)
	return s.agreementAfter(w, r, err)
}

func (s *Server) agreementCommentForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "agreement_not_found")
	if err != nil {
		return err
	}
	return s.agreementAfter(w, r, s.Agreements.Comment(r.Context(), principal(r), r.PathValue("uai"), id, r.PostFormValue("text")))
}

func (s *Server) agreementAmendForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "agreement_not_found")
	if err != nil {
		return err
	}
	_, err = s.Agreements.Amend(r.Context(), principal(r), r.PathValue("uai"), id)
	return s.agreementAfter(w, r, err)
}

func (s *Server) agreementPDFFile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "agreement_not_found")
	if err != nil {
		return err
	}
	pdf, err := s.Agreements.PDF(r.Context(), principal(r), r.PathValue("uai"), id, lang(r))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	httpx.Attachment(w, "contrat-pedagogique-"+strconv.FormatInt(id, 10)+".pdf")
	_, err = w.Write(pdf)
	return err
}

type agreementDashboardData struct {
	UAI        string
	Programmes []string
	Programme  string
	Year       int
	D          *agreement.Dashboard
	Charts     []agreementChart
	Words      agreementWords
}

type agreementChart struct {
	ID    string
	Title string
	SVG   template.HTML
	Rows  []agreement.Count
	Label map[string]string
}

// agreementDashboardPage shows a programme's aggregates: each one as a server-rendered
// SVG bar chart with its table (the accessible alternative), and the XLSX link.
func (s *Server) agreementDashboardPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	uai := strings.ToUpper(r.PathValue("uai"))
	l := lang(r)
	d := agreementDashboardData{UAI: uai, Year: s.academicYear(), Programme: r.URL.Query().Get("programme"), Words: agreementVocabulary(l)}
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil {
		d.Year = y
	}
	progs, err := s.Agreements.Programmes(r.Context(), p, uai)
	if err != nil {
		return err
	}
	for _, pr := range progs {
		d.Programmes = append(d.Programmes, pr.Code)
	}
	if d.Programme == "" && len(d.Programmes) > 0 {
		d.Programme = d.Programmes[0]
	}
	if d.Programme != "" {
		db, err := s.Agreements.Dashboard(r.Context(), p, uai, d.Programme, d.Year)
		if err != nil {
			return err
		}
		d.D = &db
		if !db.Suppressed {
			for _, c := range []struct {
				id, title, prefix string
				rows              []agreement.Count
			}{{"state", "agreement.dashboard.by_state", "state.", db.ByState}, {"status", "agreement.dashboard.by_status", "status.", db.ByStatus},
				{"measure", "agreement.dashboard.by_measure", "measure.", db.ByMeasure}, {"ects", "agreement.dashboard.ects", "", db.ECTS}} {
				labels := map[string]string{}
				for _, row := range c.rows {
					labels[row.Key] = row.Key
					if c.prefix != "" {
						labels[row.Key] = d.Words[c.prefix+row.Key]
					}
				}
				title := T(l, c.title)
				d.Charts = append(d.Charts, agreementChart{ID: c.id, Title: title, Rows: c.rows, Label: labels, SVG: barChart(title, c.rows, labels)})
			}
		}
	}
	pg := s.newPage(r, "agreement.page.dashboard")
	pg.Data = d
	return s.render(w, r, "agreement_dashboard", pg)
}

func (s *Server) agreementDashboardXLSX(w http.ResponseWriter, r *http.Request) error {
	y, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil {
		y = s.academicYear()
	}
	d, err := s.Agreements.Dashboard(r.Context(), principal(r), r.PathValue("uai"), r.URL.Query().Get("programme"), y)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := agreement.DashboardXLSX(lang(r), d, &buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	httpx.Attachment(w, "contrats-"+d.Programme+"-"+strconv.Itoa(y)+".xlsx")
	_, err = w.Write(buf.Bytes())
	return err
}

// barChart draws a horizontal bar chart as SVG (no script, no external file): one bar
// per row, its value written at its end; a hidden cell is drawn as nothing and written
// "< 5". The table next to it says the same for screen readers (the SVG is aria-hidden
// apart from its title).
func barChart(title string, rows []agreement.Count, labels map[string]string) template.HTML {
	const labelW, barW, rowH, pad = 190, 260, 26, 6
	maxN := 1
	for _, r := range rows {
		maxN = max(maxN, r.N)
	}
	h := len(rows)*rowH + 2*pad
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg"><title>%s</title>`,
		labelW+barW+60, h, html.EscapeString(title), html.EscapeString(title))
	for i, r := range rows {
		y := pad + i*rowH
		w := 0
		if !r.Hidden {
			w = r.N * barW / maxN
		}
		value := strconv.Itoa(r.N)
		if r.Hidden {
			value = "< 5"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="13" fill="#1f2328">%s</text>`, labelW-8, y+17, html.EscapeString(labels[r.Key]))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#1d4ed8"></rect>`, labelW, y+4, w, rowH-8)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" fill="#1f2328">%s</text>`, labelW+w+6, y+17, html.EscapeString(value))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
