package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/schoolyear"
	"github.com/cartable/cartable/internal/student"
)

// schoolYearRoutes adds the pages of the school year (internal/schoolyear): the years
// and periods, the classes screen, the services, the first entry of a pupil, the
// end-of-year results, the re-enrolment campaign, the pupil's file and the
// attestations de scolarité (with their public verification page).
func (s *Server) schoolYearRoutes(open, authed, selfChecked func(string, handlerFunc)) {
	authed("GET /establishments/{uai}/year", s.yearPage)
	authed("POST /establishments/{uai}/year", s.saveYear)
	authed("POST /establishments/{uai}/year/{id}/state", s.yearState)
	authed("POST /establishments/{uai}/periods/{id}", s.savePeriod)
	authed("GET /establishments/{uai}/year/{id}/classes", s.syClassesPage)
	authed("POST /establishments/{uai}/year/{id}/classes", s.syClassSave)
	authed("POST /establishments/{uai}/year/{id}/moves", s.syMove)
	authed("GET /establishments/{uai}/year/{id}/services", s.syServicesPage)
	authed("POST /establishments/{uai}/year/{id}/services", s.syServiceSave)
	selfChecked("POST /establishments/{uai}/year/{id}/services/import", s.syServicesImport)
	authed("POST /establishments/{uai}/services/{sid}/delete", s.syServiceDelete)
	authed("GET /establishments/{uai}/year/{id}/pupils/new", s.syNewPupilPage)
	authed("POST /establishments/{uai}/year/{id}/pupils", s.syNewPupil)
	authed("GET /establishments/{uai}/year/{id}/results", s.syResultsPage)
	authed("POST /establishments/{uai}/year/{id}/results", s.syResultsSave)
	authed("GET /establishments/{uai}/year/{id}/campaign", s.syCampaignPage)
	authed("POST /establishments/{uai}/year/{id}/campaign", s.syCampaignConfirm)
	authed("GET /establishments/{uai}/students/{id}/file", s.pupilFilePage)
	authed("POST /establishments/{uai}/students/{id}/leave", s.pupilLeave)
	authed("POST /establishments/{uai}/students/{id}/attestations", s.issueAttestation)
	authed("GET /establishments/{uai}/students/{id}/attestations/{aid}/pdf", s.attestationPDF)
	authed("POST /establishments/{uai}/students/{id}/attestations/{aid}/revoke", s.revokeAttestation)
	open("GET /attestations/{token}", s.verifyAttestation)
}

// soft reports whether err is the user's to fix on the same page (a bad value, a
// conflict), rather than an access refusal or a failure.
func soft(err error) bool {
	k := apperr.KindOf(err)
	return k == apperr.KindInvalid || k == apperr.KindConflict || k == apperr.KindTooMany
}

func canManage(p *authz.Principal, e establishment.Establishment) bool {
	return p.IsPlatformAdmin() || p.Has(authz.RoleAdmin, e.ID)
}

// --- Years and periods ---

type yearData struct {
	E       establishment.Establishment
	Years   []schoolyear.Year
	Current int64
	CanEdit bool
	Next    int
}

func (s *Server) yearPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderYearPage(w, r, nil, "")
}

func (s *Server) renderYearPage(w http.ResponseWriter, r *http.Request, fail error, info string) error {
	p := principal(r)
	e, err := s.SchoolYear.Resolve(r.Context(), p, r.PathValue("uai"), schoolyear.Staff...)
	if err != nil {
		return err
	}
	years, err := s.SchoolYear.Years(r.Context(), p, e.UAI)
	if err != nil {
		return err
	}
	d := yearData{E: e, Years: years, CanEdit: canManage(p, e), Next: schoolyear.StartYearAt(s.Now())}
	if cur, err := s.SchoolYear.CurrentYear(r.Context(), e.ID); err == nil {
		d.Current = cur.ID
	}
	if len(years) > 0 && years[0].StartYear >= d.Next {
		d.Next = years[0].StartYear + 1
	}
	pg := s.newPage(r, "sy.title", e.Name)
	pg.Data, pg.Info = d, info
	status := http.StatusOK
	if fail != nil {
		pg.Error, status = errorMessage(lang(r), fail), httpStatus(fail)
	}
	return s.renderStatus(w, r, status, "schoolyear", pg)
}

func formInt(r *http.Request, name string) int {
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
	if err != nil {
		return -1
	}
	return n
}

func formID(r *http.Request, name string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func (s *Server) saveYear(w http.ResponseWriter, r *http.Request) error {
	_, err := s.SchoolYear.SaveYear(r.Context(), principal(r), r.PathValue("uai"), schoolyear.YearInput{StartYear: formInt(r, "start_year"),
		PeriodKind: r.PostFormValue("period_kind"), StartDate: r.PostFormValue("start_date"), EndDate: r.PostFormValue("end_date")})
	if err != nil {
		if soft(err) {
			return s.renderYearPage(w, r, err, "")
		}
		return err
	}
	return s.renderYearPage(w, r, nil, T(lang(r), "sy.saved"))
}

func (s *Server) yearState(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "school_year_not_found")
	if err != nil {
		return err
	}
	if _, err := s.SchoolYear.SetYearClosed(r.Context(), principal(r), r.PathValue("uai"), id, r.PostFormValue("action") == "close"); err != nil {
		if soft(err) {
			return s.renderYearPage(w, r, err, "")
		}
		return err
	}
	http.Redirect(w, r, "/establishments/"+r.PathValue("uai")+"/year", http.StatusSeeOther)
	return nil
}

func (s *Server) savePeriod(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "period_not_found")
	if err != nil {
		return err
	}
	p, uai := principal(r), r.PathValue("uai")
	switch r.PostFormValue("action") {
	case "close", "open":
		_, err = s.SchoolYear.SetPeriodClosed(r.Context(), p, uai, id, r.PostFormValue("action") == "close")
	default:
		_, err = s.SchoolYear.SavePeriod(r.Context(), p, uai, id, r.PostFormValue("start_date"), r.PostFormValue("end_date"))
	}
	if err != nil {
		if soft(err) {
			return s.renderYearPage(w, r, err, "")
		}
		return err
	}
	http.Redirect(w, r, "/establishments/"+uai+"/year", http.StatusSeeOther)
	return nil
}

// yearOf resolves the page's establishment (staff) and its year {id}.
func (s *Server) yearOf(r *http.Request) (establishment.Establishment, schoolyear.Year, error) {
	e, err := s.SchoolYear.Resolve(r.Context(), principal(r), r.PathValue("uai"), schoolyear.Staff...)
	if err != nil {
		return e, schoolyear.Year{}, err
	}
	id, err := pathInt(r, "id", "school_year_not_found")
	if err != nil {
		return e, schoolyear.Year{}, err
	}
	y, err := s.SchoolYear.Year(r.Context(), e.ID, id)
	return e, y, err
}

// --- Classes ---

type syClassesData struct {
	E        establishment.Establishment
	Year     schoolyear.Year
	Classes  []schoolyear.Class
	Pupils   []schoolyear.Pupil
	Teachers []account.Member
	Filter   int64 // class shown (0: all; -1: without a class)
	CanEdit  bool
	Over     []string
	Siecle   bool
}

func (s *Server) syClassesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderClasses(w, r, nil, "", nil)
}

func (s *Server) renderClasses(w http.ResponseWriter, r *http.Request, fail error, info string, over []string) error {
	p := principal(r)
	e, y, err := s.yearOf(r)
	if err != nil {
		return err
	}
	d := syClassesData{E: e, Year: y, CanEdit: canManage(p, e) && !y.Closed, Over: over}
	if d.Classes, err = s.SchoolYear.ClassesOf(r.Context(), e.ID, y.ID); err != nil {
		return err
	}
	pupils, err := s.SchoolYear.Pupils(r.Context(), p, e.UAI, y.ID, 0)
	if err != nil {
		return err
	}
	if v := r.URL.Query().Get("class"); v == "none" {
		d.Filter = -1
	} else {
		d.Filter = formID(r, "class")
	}
	for _, pu := range pupils {
		if pu.Status == schoolyear.Left {
			continue
		}
		if d.Filter == 0 || (d.Filter == -1 && pu.ClassID == 0) || pu.ClassID == d.Filter {
			d.Pupils = append(d.Pupils, pu)
		}
	}
	if d.CanEdit {
		if d.Teachers, err = s.Students.Teachers(r.Context(), p, e.UAI); err != nil {
			return err
		}
	}
	if hist, err := s.Importer.History(r.Context(), p, e.UAI, 1); err == nil && len(hist) > 0 {
		d.Siecle = true
	}
	pg := s.newPage(r, "sy.classes.title", y.Label())
	pg.Data, pg.Info = d, info
	status := http.StatusOK
	if fail != nil {
		pg.Error, status = errorMessage(lang(r), fail), httpStatus(fail)
	}
	return s.renderStatus(w, r, status, "schoolyear_classes", pg)
}

func (s *Server) syClassSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "school_year_not_found")
	if err != nil {
		return err
	}
	capacity := 0
	if v := strings.TrimSpace(r.PostFormValue("capacity")); v != "" {
		capacity = formInt(r, "capacity")
	}
	c, err := s.SchoolYear.SaveClass(r.Context(), principal(r), r.PathValue("uai"), id, schoolyear.ClassInput{Code: r.PostFormValue("code"),
		Label: r.PostFormValue("label"), MEF: r.PostFormValue("mef"), Capacity: capacity, MainTeacherID: formID(r, "main_teacher")})
	if err != nil {
		if soft(err) {
			return s.renderClasses(w, r, err, "", nil)
		}
		return err
	}
	return s.renderClasses(w, r, nil, T(lang(r), "sy.class.saved", c.Code), nil)
}

func (s *Server) syMove(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "school_year_not_found")
	if err != nil {
		return err
	}
	var ids []int64
	for _, v := range r.PostForm["student"] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return apperr.Invalid("no_pupil", "choose at least one pupil to move").With("field", "student")
		}
		ids = append(ids, n)
	}
	res, err := s.SchoolYear.Move(r.Context(), principal(r), r.PathValue("uai"), id, ids, formID(r, "to"))
	if err != nil {
		if soft(err) {
			return s.renderClasses(w, r, err, "", nil)
		}
		return err
	}
	return s.renderClasses(w, r, nil, T(lang(r), "sy.moved", res.Moved), res.Over)
}

// --- Services ---

type syServicesData struct {
	E        establishment.Establishment
	Year     schoolyear.Year
	Services []schoolyear.Teaching
	Classes  []schoolyear.Class
	Teachers []account.Member
	CanEdit  bool
	Report   *schoolyear.ServicesReport
	Problems []string
	Warnings []string
	MaxMiB   int
}

func (s *Server) syServicesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderServices(w, r, nil, "", nil)
}

func (s *Server) renderServices(w http.ResponseWriter, r *http.Request, fail error, info string, rep *schoolyear.ServicesReport) error {
	p := principal(r)
	e, y, err := s.yearOf(r)
	if err != nil {
		return err
	}
	d := syServicesData{E: e, Year: y, CanEdit: canManage(p, e) && !y.Closed, Report: rep, MaxMiB: schoolyear.MaxServicesFile >> 20}
	if d.Services, err = s.SchoolYear.TeachingsOfYear(r.Context(), e.ID, y.ID); err != nil {
		return err
	}
	if d.Classes, err = s.SchoolYear.ClassesOf(r.Context(), e.ID, y.ID); err != nil {
		return err
	}
	if d.CanEdit {
		if d.Teachers, err = s.Students.Teachers(r.Context(), p, e.UAI); err != nil {
			return err
		}
	}
	l := lang(r)
	if rep != nil {
		for _, pr := range rep.Errors {
			d.Problems = append(d.Problems, T(l, "sy.import.line", pr.Line, pr.Field)+" "+errorMessage(l, pr.Err))
		}
		for _, pr := range rep.Warnings {
			d.Warnings = append(d.Warnings, T(l, "sy.import.line", pr.Line, pr.Field)+" "+errorMessage(l, pr.Err))
		}
	}
	pg := s.newPage(r, "sy.services.title", y.Label())
	pg.Data, pg.Info = d, info
	status := http.StatusOK
	if fail != nil {
		pg.Error, status = errorMessage(l, fail), httpStatus(fail)
	} else if rep != nil && len(rep.Errors) > 0 {
		pg.Error, status = T(l, "sy.import.refused", len(rep.Errors)), http.StatusUnprocessableEntity
	}
	return s.renderStatus(w, r, status, "schoolyear_services", pg)
}

func (s *Server) syServiceSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "school_year_not_found")
	if err != nil {
		return err
	}
	in := schoolyear.TeachingInput{SubjectCode: r.PostFormValue("subject_code"), SubjectLabel: r.PostFormValue("subject_label"), TeacherID: formID(r, "teacher")}
	if t := r.PostFormValue("target"); strings.HasPrefix(t, "group:") || r.PostFormValue("group") != "" {
		in.GroupCode = strings.TrimSpace(strings.TrimPrefix(t, "group:") + r.PostFormValue("group"))
		if strings.HasPrefix(t, "class:") {
			in.ClassCode = strings.TrimPrefix(t, "class:")
		}
	} else {
		in.ClassCode = strings.TrimPrefix(t, "class:")
	}
	if v := strings.TrimSpace(r.PostFormValue("coefficient")); v != "" {
		c, err := schoolyear.ParseCoefficient(v)
		if err != nil {
			return s.renderServices(w, r, err, "", nil)
		}
		in.Coefficient = &c
	}
	if _, err := s.SchoolYear.SaveTeaching(r.Context(), principal(r), r.PathValue("uai"), id, in); err != nil {
		if soft(err) || apperr.CodeOf(err) == "class_code_not_found" {
			return s.renderServices(w, r, err, "", nil)
		}
		return err
	}
	return s.renderServices(w, r, nil, T(lang(r), "sy.service.saved"), nil)
}

func (s *Server) syServiceDelete(w http.ResponseWriter, r *http.Request) error {
	sid, err := pathInt(r, "sid", "service_not_found")
	if err != nil {
		return err
	}
	p := principal(r)
	e, err := s.SchoolYear.Resolve(r.Context(), p, r.PathValue("uai"), schoolyear.Managers...)
	if err != nil {
		return err
	}
	t, err := s.SchoolYear.Teaching(r.Context(), e.ID, sid)
	if err != nil {
		return err
	}
	if err := s.SchoolYear.DeleteTeaching(r.Context(), p, e.UAI, sid); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/establishments/%s/year/%d/services", e.UAI, t.YearID), http.StatusSeeOther)
	return nil
}

func (s *Server) syServicesImport(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := pathInt(r, "id", "school_year_not_found")
	if err != nil {
		return err
	}
	// Access first: nothing of the body is read for someone who may not import.
	if _, err := s.SchoolYear.Resolve(r.Context(), p, r.PathValue("uai"), schoolyear.Managers...); err != nil {
		return err
	}
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, int64(schoolyear.MaxServicesFile))
	if err != nil {
		if soft(err) {
			return s.renderServices(w, r, err, "", nil)
		}
		return err
	}
	defer up.Close()
	if !s.checkCSRFValue(r, up.Form["csrf"]) {
		return apperr.Forbidden("csrf", "CSRF check failed")
	}
	rep, err := s.SchoolYear.ImportServices(r.Context(), p, r.PathValue("uai"), id, up.Name, up.File, up.Form["apply"] != "1")
	if err != nil {
		if soft(err) {
			return s.renderServices(w, r, err, "", nil)
		}
		return err
	}
	info := ""
	if len(rep.Errors) == 0 {
		key := "sy.import.done"
		if rep.DryRun {
			key = "sy.import.dry"
		}
		info = T(lang(r), key, rep.Rows, rep.Created, rep.Updated)
	}
	return s.renderServices(w, r, nil, info, &rep)
}

// --- First entry of a pupil ---

type syNewPupilData struct {
	E       establishment.Establishment
	Year    schoolyear.Year
	Classes []schoolyear.Class
	Form    map[string]string
}

func (s *Server) syNewPupilPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderNewPupil(w, r, nil)
}

func (s *Server) renderNewPupil(w http.ResponseWriter, r *http.Request, fail error) error {
	p := principal(r)
	e, y, err := s.yearOf(r)
	if err != nil {
		return err
	}
	if !canManage(p, e) {
		return apperr.Forbidden("forbidden", "administrators only")
	}
	d := syNewPupilData{E: e, Year: y, Form: map[string]string{}}
	if d.Classes, err = s.SchoolYear.ClassesOf(r.Context(), e.ID, y.ID); err != nil {
		return err
	}
	for _, k := range []string{"last_name", "first_name", "birth_date", "sex", "previous_uai", "mef", "regime", "class_id", "status"} {
		d.Form[k] = r.PostFormValue(k)
	}
	pg := s.newPage(r, "sy.pupil.new", y.Label())
	pg.Data = d
	status := http.StatusOK
	if fail != nil {
		pg.Error, status = errorMessage(lang(r), fail), httpStatus(fail)
	}
	return s.renderStatus(w, r, status, "schoolyear_pupil", pg)
}

func (s *Server) syNewPupil(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "school_year_not_found")
	if err != nil {
		return err
	}
	n, err := s.SchoolYear.CreatePupil(r.Context(), principal(r), r.PathValue("uai"), id, schoolyear.NewPupil{
		LastName: r.PostFormValue("last_name"), FirstName: r.PostFormValue("first_name"), BirthDate: r.PostFormValue("birth_date"),
		Sex: r.PostFormValue("sex"), PreviousUAI: r.PostFormValue("previous_uai"),
		EnrolmentInput: schoolyear.EnrolmentInput{ClassID: formID(r, "class_id"), MEF: r.PostFormValue("mef"), Regime: r.PostFormValue("regime"), Status: r.PostFormValue("status")}})
	if err != nil {
		if soft(err) || apperr.CodeOf(err) == "class_not_found" {
			return s.renderNewPupil(w, r, err)
		}
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/establishments/%s/students/%d/file", r.PathValue("uai"), n.StudentID), http.StatusSeeOther)
	return nil
}

// --- End-of-year results ---

type syResultsRow struct {
	Pupil     schoolyear.Pupil
	Enrolment schoolyear.Enrolment
}

type syResultsData struct {
	E         establishment.Establishment
	Year      schoolyear.Year
	Classes   []schoolyear.Class
	Filter    int64
	Rows      []syResultsRow
	CanEdit   bool
	Decisions []string
	Results   []string
}

func (s *Server) syResultsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderResults(w, r, nil, "")
}

func (s *Server) renderResults(w http.ResponseWriter, r *http.Request, fail error, info string) error {
	p := principal(r)
	e, y, err := s.yearOf(r)
	if err != nil {
		return err
	}
	if !canManage(p, e) {
		return apperr.Forbidden("forbidden", "administrators only")
	}
	d := syResultsData{E: e, Year: y, CanEdit: !y.Closed, Filter: formID(r, "class"), Decisions: schoolyear.Decisions, Results: schoolyear.DiplomaResults}
	if d.Classes, err = s.SchoolYear.ClassesOf(r.Context(), e.ID, y.ID); err != nil {
		return err
	}
	if d.Filter == 0 && len(d.Classes) > 0 {
		d.Filter = d.Classes[0].ID
	}
	var pupils []schoolyear.Pupil
	if d.Filter != 0 {
		if pupils, err = s.SchoolYear.ClassPupils(r.Context(), e.ID, d.Filter); err != nil {
			return err
		}
	}
	for _, pu := range pupils {
		n, err := s.SchoolYear.EnrolmentOf(r.Context(), e.ID, y.ID, pu.StudentID)
		if err != nil {
			return err
		}
		d.Rows = append(d.Rows, syResultsRow{Pupil: pu, Enrolment: n})
	}
	pg := s.newPage(r, "sy.results.title", y.Label())
	pg.Data, pg.Info = d, info
	status := http.StatusOK
	if fail != nil {
		pg.Error, status = errorMessage(lang(r), fail), httpStatus(fail)
	}
	return s.renderStatus(w, r, status, "schoolyear_results", pg)
}

func (s *Server) syResultsSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "school_year_not_found")
	if err != nil {
		return err
	}
	var list []schoolyear.Result
	for _, v := range r.PostForm["pupil"] {
		sid, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		f := func(name string) string { return r.PostFormValue(name + "-" + v) }
		list = append(list, schoolyear.Result{StudentID: sid, Decision: f("decision"), NextMEF: f("next_mef"), Orientation: f("orientation"),
			Diploma: f("diploma"), DiplomaResult: f("diploma_result"), DiplomaMention: f("diploma_mention")})
	}
	n, err := s.SchoolYear.SaveResults(r.Context(), principal(r), r.PathValue("uai"), id, list)
	if err != nil {
		if soft(err) || apperr.CodeOf(err) == "pupil_not_enrolled" {
			return s.renderResults(w, r, err, "")
		}
		return err
	}
	return s.renderResults(w, r, nil, T(lang(r), "sy.results.saved", n))
}

// --- Re-enrolment campaign ---

type syCampaignData struct {
	E         establishment.Establishment
	Year      schoolyear.Year
	Proposals []schoolyear.Proposal
	NextLabel string
}

func (s *Server) syCampaignPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCampaign(w, r, nil, "")
}

func (s *Server) renderCampaign(w http.ResponseWriter, r *http.Request, fail error, info string) error {
	e, y, err := s.yearOf(r)
	if err != nil {
		return err
	}
	props, _, err := s.SchoolYear.Campaign(r.Context(), principal(r), e.UAI, y.ID)
	if err != nil {
		return err
	}
	d := syCampaignData{E: e, Year: y, Proposals: props, NextLabel: schoolyear.Year{StartYear: y.StartYear + 1}.Label()}
	pg := s.newPage(r, "sy.campaign.title", d.NextLabel)
	pg.Data, pg.Info = d, info
	status := http.StatusOK
	if fail != nil {
		pg.Error, status = errorMessage(lang(r), fail), httpStatus(fail)
	}
	return s.renderStatus(w, r, status, "schoolyear_campaign", pg)
}

func (s *Server) syCampaignConfirm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "school_year_not_found")
	if err != nil {
		return err
	}
	var ids []int64
	for _, v := range r.PostForm["student"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	n, err := s.SchoolYear.ConfirmCampaign(r.Context(), principal(r), r.PathValue("uai"), id, ids)
	if err != nil {
		if soft(err) {
			return s.renderCampaign(w, r, err, "")
		}
		return err
	}
	return s.renderCampaign(w, r, nil, T(lang(r), "sy.campaign.done", n))
}

// --- The pupil's file and the attestations ---

type pupilFileData struct {
	E            establishment.Establishment
	Student      student.Student
	File         schoolyear.File
	Results      *competency.StudentResults
	Situations   []passport.Situation
	Attestations []schoolyear.Attestation
	Staff        bool
	CanEdit      bool
	// Sections are the file's sections from part B (schoolyear.FileSections), in the
	// reader's language.
	Sections []fileSectionView
}

type fileSectionView struct {
	Title string
	Rows  []struct{ Label, Value string }
	Links []struct{ Text, Href string }
}

// sectionViews writes the sections' keys in the reader's language.
func sectionViews(l string, list []*schoolyear.FileSection) []fileSectionView {
	var out []fileSectionView
	for _, sec := range list {
		v := fileSectionView{Title: T(l, sec.TitleKey)}
		for _, r := range sec.Rows {
			label := r.Label
			if r.LabelKey != "" {
				label = T(l, r.LabelKey)
			}
			v.Rows = append(v.Rows, struct{ Label, Value string }{label, r.Value})
		}
		for _, k := range sec.Links {
			v.Links = append(v.Links, struct{ Text, Href string }{T(l, k.TextKey), k.Href})
		}
		out = append(out, v)
	}
	return out
}

// pupilFilePage is the "fiche élève": enrolments and classes, competencies,
// professional situations, where he came from (transfers), the attestations, and the
// sections part B adds (marks, report cards) through schoolyear.Service.FileSections.
func (s *Server) pupilFilePage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	ctx := r.Context()
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return err
	}
	f, err := s.SchoolYear.PupilFile(ctx, p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	e, all, err := s.Students.Access(ctx, p, r.PathValue("uai"))
	if err != nil {
		return err
	}
	st, err := s.Students.Get(ctx, p, e.UAI, id)
	if err != nil {
		return err
	}
	d := pupilFileData{E: e, Student: st, File: f, Staff: all, CanEdit: canManage(p, e), Sections: sectionViews(lang(r), f.Sections)}
	if res, err := s.Competencies.Results(ctx, p, e.UAI, id); err == nil {
		d.Results = &res
	} else if k := apperr.KindOf(err); k != apperr.KindForbidden && k != apperr.KindNotFound {
		return err
	}
	if sits, err := s.Passports.Situations(ctx, p, e.UAI, id); err == nil {
		d.Situations = sits
	} else if k := apperr.KindOf(err); k != apperr.KindForbidden && k != apperr.KindNotFound {
		return err
	}
	if d.CanEdit {
		if d.Attestations, err = s.SchoolYear.Attestations(ctx, p, e.UAI, id); err != nil {
			return err
		}
	}
	pg := s.newPage(r, "sy.file.title", st.DisplayName())
	pg.Data = d
	if r.URL.Query().Get("revoked") == "1" {
		pg.Info = T(lang(r), "sy.attestation.revoked")
	}
	return s.render(w, r, "pupil_file", pg)
}

// pupilLeave records a pupil's departure from the current year (date, reason,
// destination when known), from his file.
func (s *Server) pupilLeave(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return err
	}
	e, err := s.SchoolYear.Resolve(r.Context(), p, r.PathValue("uai"), schoolyear.Managers...)
	if err != nil {
		return err
	}
	y, err := s.SchoolYear.CurrentYear(r.Context(), e.ID)
	if err != nil {
		return err
	}
	if _, err := s.SchoolYear.Leave(r.Context(), p, e.UAI, y.ID, id, schoolyear.LeaveInput{On: r.PostFormValue("on"),
		Reason: r.PostFormValue("reason"), Destination: r.PostFormValue("destination")}); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/establishments/%s/students/%d/file", e.UAI, id), http.StatusSeeOther)
	return nil
}

func (s *Server) issueAttestation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return err
	}
	a, err := s.SchoolYear.IssueAttestation(r.Context(), principal(r), r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/establishments/%s/students/%d/attestations/%d/pdf", r.PathValue("uai"), id, a.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) attestationPDF(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return err
	}
	aid, err := pathInt(r, "aid", "attestation_not_found")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.SchoolYear.AttestationPDF(r.Context(), principal(r), r.PathValue("uai"), id, aid, &buf, lang(r)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	httpx.Attachment(w, "certificat-scolarite.pdf")
	_, err = w.Write(buf.Bytes())
	return err
}

func (s *Server) revokeAttestation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return err
	}
	aid, err := pathInt(r, "aid", "attestation_not_found")
	if err != nil {
		return err
	}
	if err := s.SchoolYear.RevokeAttestation(r.Context(), principal(r), r.PathValue("uai"), id, aid); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/establishments/%s/students/%d/file?revoked=1", r.PathValue("uai"), id), http.StatusSeeOther)
	return nil
}

// verifyAttestation is the public page a verification URL opens: the name, the
// establishment, the year and "authentique" (or "révoquée"), nothing else. It is
// rate-limited per client like the logins.
func (s *Server) verifyAttestation(w http.ResponseWriter, r *http.Request) error {
	if err := limit(r, s.VerifyLimiter); err != nil {
		return err
	}
	v, err := s.SchoolYear.Verify(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	pg := s.newPage(r, "sy.verify.title")
	pg.Data = v
	return s.render(w, r, "attestation_verify", pg)
}

// mySchoolYearClasses are the classes the school year gives the teacher ("Mes
// classes"): his services and the classes he is the main teacher of, not already
// assigned to him by hand (class_teachers).
func (s *Server) mySchoolYearClasses(ctx context.Context, p *authz.Principal, have map[string]bool) ([]student.MyClass, error) {
	list, err := s.SchoolYear.MyClasses(ctx, p)
	if err != nil {
		return nil, err
	}
	var out []student.MyClass
	for _, c := range list {
		if have[c.UAI+"\x00"+c.Class.Code] {
			continue
		}
		have[c.UAI+"\x00"+c.Class.Code] = true
		out = append(out, student.MyClass{UAI: c.UAI, EstablishmentName: c.EstablishmentName, Class: c.Class.Code, MEF: c.Class.MEF, Active: c.Class.Enrolled})
	}
	return out, nil
}
