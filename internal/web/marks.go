package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/marks"
)

// marksRoutes adds the pages of marks, class councils and report cards
// (docs/school-year.md).
func (s *Server) marksRoutes(authed, selfChecked func(string, handlerFunc)) {
	const grid = "/establishments/{uai}/marks/services/{sid}/periods/{pid}"
	const council = "/establishments/{uai}/marks/classes/{cid}/periods/{pid}"
	authed("GET /establishments/{uai}/marks", s.marksIndexPage)
	authed("GET "+grid, s.marksGridPage)
	authed("POST "+grid, s.saveMarksForm)
	selfChecked("POST "+grid+"/cells", s.saveMarksCells)
	authed("POST "+grid+"/assessments", s.createAssessment)
	authed("POST /establishments/{uai}/marks/assessments/{aid}", s.updateAssessment)
	authed("POST /establishments/{uai}/marks/assessments/{aid}/delete", s.deleteAssessment)
	authed("GET "+grid+"/sheet.csv", s.marksSheet)
	authed("GET "+grid+"/sheet.xlsx", s.marksSheet)
	selfChecked("POST "+grid+"/sheet", s.importMarksSheet)
	authed("GET "+council, s.councilPage)
	authed("POST "+council, s.saveCouncil)
	authed("POST "+council+"/lock", s.lockCouncil)
	authed("GET "+council+"/report-cards.zip", s.classReportCards)
	authed("GET "+council+"/report-cards/{sid}", s.reportCardPDF)
	authed("GET /establishments/{uai}/marks/periods/{pid}/report-cards.zip", s.establishmentReportCards)
	authed("GET /me/marks", s.myMarksPage)
}

func (s *Server) marksIndexPage(w http.ResponseWriter, r *http.Request) error {
	pid, _ := strconv.ParseInt(r.URL.Query().Get("period"), 10, 64)
	o, err := s.Marks.Overview(r.Context(), principal(r), r.PathValue("uai"), pid)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "marks.title", o.E.Name)
	pg.Data = o
	return s.render(w, r, "marks_index", pg)
}

// gridIDs reads the service and period of a grid's path.
func gridIDs(r *http.Request) (int64, int64, error) {
	sid, err := pathInt(r, "sid", "service_not_found")
	if err != nil {
		return 0, 0, err
	}
	pid, err := pathInt(r, "pid", "period_not_found")
	return sid, pid, err
}

type marksGridData struct {
	UAI      string
	G        marks.Grid
	Base     string
	Rows     []marksGridRow
	Report   *marks.ImportReport
	Problems []string
	Today    string
	Saved    string
	Stats    map[int64]string
}

type marksGridRow struct {
	Pupil   marks.Pupil
	Cells   []marksGridCell
	Average string
}

type marksGridCell struct {
	AssessmentID int64
	Title        string
	Value        string
}

func (s *Server) marksGridData(r *http.Request) (marksGridData, error) {
	sid, pid, err := gridIDs(r)
	if err != nil {
		return marksGridData{}, err
	}
	uai := r.PathValue("uai")
	g, err := s.Marks.Grid(r.Context(), principal(r), uai, sid, pid)
	if err != nil {
		return marksGridData{}, err
	}
	l := lang(r)
	d := marksGridData{UAI: uai, G: g, Base: fmt.Sprintf("/establishments/%s/marks/services/%d/periods/%d", uai, sid, pid),
		Today: time.Now().Format("2006-01-02"), Stats: map[int64]string{}}
	for _, pu := range g.Pupils {
		row := marksGridRow{Pupil: pu, Average: "—"}
		if v, ok := g.Averages[pu.StudentID]; ok {
			row.Average = marks.FormatAverage(v, l)
		}
		for _, a := range g.Assessments {
			c := marksGridCell{AssessmentID: a.ID, Title: a.Title}
			if m, ok := g.Marks[pu.StudentID][a.ID]; ok {
				c.Value = m.Format(l)
			}
			row.Cells = append(row.Cells, c)
		}
		d.Rows = append(d.Rows, row)
	}
	for _, a := range g.Assessments {
		if st, ok := g.AssessmentStats[a.ID]; ok && st.N > 0 {
			d.Stats[a.ID] = marks.FormatAverage(st.Avg, l)
		}
	}
	return d, nil
}

func (s *Server) marksGridPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.marksGridData(r)
	if err != nil {
		return err
	}
	d.Today = s.Now().Format("2006-01-02")
	d.Saved = r.URL.Query().Get("saved")
	pg := s.newPage(r, "marks.grid.title", d.G.Service.Subject, d.G.Class.Name, d.G.Period.Label)
	pg.Data = d
	return s.render(w, r, "marks_grid", pg)
}

// saveMarksForm is the grid without JavaScript: every changed cell posted.
func (s *Server) saveMarksForm(w http.ResponseWriter, r *http.Request) error {
	d, err := s.marksGridData(r)
	if err != nil {
		return err
	}
	var changes []marks.Change
	for _, row := range d.Rows {
		for _, c := range row.Cells {
			key := fmt.Sprintf("m-%d-%d", row.Pupil.StudentID, c.AssessmentID)
			if v, ok := r.PostForm[key]; ok && strings.TrimSpace(v[0]) != c.Value {
				changes = append(changes, marks.Change{StudentID: row.Pupil.StudentID, AssessmentID: c.AssessmentID, Value: v[0]})
			}
		}
	}
	n, err := s.Marks.SaveMarks(r.Context(), principal(r), d.UAI, d.G.Service.ID, d.G.Period.ID, changes)
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("%s?saved=%d", d.Base, n), http.StatusSeeOther)
	return nil
}

// saveMarksCells is what marks.js calls as the teacher types: a JSON list of changed
// cells; the CSRF token comes in a header.
func (s *Server) saveMarksCells(w http.ResponseWriter, r *http.Request) error {
	if !s.checkCSRFValue(r, r.Header.Get("X-CSRF-Token")) {
		return apperr.Forbidden("csrf", "CSRF check failed")
	}
	sid, pid, err := gridIDs(r)
	if err != nil {
		return err
	}
	var in struct {
		Marks []marks.Change `json:"marks"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		return apperr.Invalid("invalid_json", "invalid JSON body")
	}
	n, err := s.Marks.SaveMarks(r.Context(), principal(r), r.PathValue("uai"), sid, pid, in.Marks)
	if err != nil {
		httpx.WriteError(w, r, s.Log, localized(lang(r), err))
		return nil
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"saved": n, "at": s.Now().UTC().Format(time.RFC3339)})
	return nil
}

func assessmentForm(r *http.Request) marks.AssessmentInput {
	return marks.AssessmentInput{Title: r.PostFormValue("title"), Date: r.PostFormValue("date"), OutOf: r.PostFormValue("out_of"), Coef: r.PostFormValue("coefficient")}
}

func (s *Server) createAssessment(w http.ResponseWriter, r *http.Request) error {
	sid, pid, err := gridIDs(r)
	if err != nil {
		return err
	}
	uai := r.PathValue("uai")
	if _, err := s.Marks.CreateAssessment(r.Context(), principal(r), uai, sid, pid, assessmentForm(r)); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/establishments/%s/marks/services/%d/periods/%d", uai, sid, pid), http.StatusSeeOther)
	return nil
}

func (s *Server) updateAssessment(w http.ResponseWriter, r *http.Request) error {
	aid, err := pathInt(r, "aid", "assessment_not_found")
	if err != nil {
		return err
	}
	uai := r.PathValue("uai")
	a, err := s.Marks.UpdateAssessment(r.Context(), principal(r), uai, aid, assessmentForm(r))
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/establishments/%s/marks/services/%d/periods/%d", uai, a.ServiceID, a.PeriodID), http.StatusSeeOther)
	return nil
}

func (s *Server) deleteAssessment(w http.ResponseWriter, r *http.Request) error {
	aid, err := pathInt(r, "aid", "assessment_not_found")
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "1" {
		return apperr.Invalid("confirm_required", "tick the box to confirm")
	}
	uai := r.PathValue("uai")
	if err := s.Marks.DeleteAssessment(r.Context(), principal(r), uai, aid); err != nil {
		return err
	}
	sid, pid := r.PostFormValue("sid"), r.PostFormValue("pid")
	if _, err := strconv.ParseInt(sid, 10, 64); err != nil {
		http.Redirect(w, r, "/establishments/"+uai+"/marks", http.StatusSeeOther)
		return nil
	}
	if _, err := strconv.ParseInt(pid, 10, 64); err != nil {
		http.Redirect(w, r, "/establishments/"+uai+"/marks", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/establishments/%s/marks/services/%s/periods/%s", uai, sid, pid), http.StatusSeeOther)
	return nil
}

// marksSheet downloads the class × subject template, with the marks already entered.
func (s *Server) marksSheet(w http.ResponseWriter, r *http.Request) error {
	sid, pid, err := gridIDs(r)
	if err != nil {
		return err
	}
	sh, err := s.Marks.Template(r.Context(), principal(r), r.PathValue("uai"), sid, pid)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	name := fmt.Sprintf("notes-%d-%d", sid, pid)
	if strings.HasSuffix(r.URL.Path, ".csv") {
		if err := marks.WriteSheetCSV(&buf, sh); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		httpx.Attachment(w, name+".csv")
	} else {
		if err := marks.WriteSheetXLSX(&buf, sh); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		httpx.Attachment(w, name+".xlsx")
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// importMarksSheet reads a filled sheet: a dry run (the diff) unless "apply" is ticked.
func (s *Server) importMarksSheet(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, marks.MaxSheetBytes+64<<10)
	if err := r.ParseMultipartForm(marks.MaxSheetBytes + 64<<10); err != nil {
		return apperr.TooLarge("sheet_too_large", "the file is larger than 2 MiB")
	}
	if !s.checkCSRFValue(r, r.PostFormValue("csrf")) {
		return apperr.Forbidden("csrf", "CSRF check failed")
	}
	sid, pid, err := gridIDs(r)
	if err != nil {
		return err
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return apperr.Invalid("required", "file is required").With("field", "file")
	}
	defer f.Close()
	rep, ierr := s.Marks.ImportSheet(r.Context(), principal(r), r.PathValue("uai"), sid, pid, f, r.PostFormValue("apply") != "1")
	if ierr != nil && len(rep.Problems) == 0 {
		return ierr
	}
	d, err := s.marksGridData(r)
	if err != nil {
		return err
	}
	d.Report = &rep
	for _, p := range rep.Problems {
		d.Problems = append(d.Problems, problemText(lang(r), p))
	}
	pg := s.newPage(r, "marks.grid.title", d.G.Service.Subject, d.G.Class.Name, d.G.Period.Label)
	pg.Data = d
	status := http.StatusOK
	if ierr != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.renderStatus(w, r, status, "marks_grid", pg)
}

// problemText writes a sheet problem in the reader's language.
func problemText(l string, p marks.SheetProblem) string {
	return i18n.T(l, "marks.problem", i18n.Args{"row": strconv.Itoa(p.Row), "column": p.Column, "message": i18n.T(l, p.Key, toArgs(p.Params))})
}

func councilIDs(r *http.Request) (int64, int64, error) {
	cid, err := pathInt(r, "cid", "class_not_found")
	if err != nil {
		return 0, 0, err
	}
	pid, err := pathInt(r, "pid", "period_not_found")
	return cid, pid, err
}

type councilData struct {
	UAI      string
	Mentions []string
	C        marks.Council
	Base     string
	Rows     []councilRow
	Cols     []councilCol
	Gen      string
	Done     string
}

type councilCol struct {
	Service marks.TeachingService
	Stats   string
	Write   bool
}

type councilRow struct {
	Pupil   marks.Pupil
	Cells   []councilCell
	General string
	Rank    int
	Opinion marks.Opinion
}

type councilCell struct {
	ServiceID    int64
	Average      string
	Appreciation string
	Write        bool
}

func (s *Server) councilData(r *http.Request) (councilData, error) {
	cid, pid, err := councilIDs(r)
	if err != nil {
		return councilData{}, err
	}
	uai := r.PathValue("uai")
	co, err := s.Marks.Council(r.Context(), principal(r), uai, cid, pid)
	if err != nil {
		return councilData{}, err
	}
	l := lang(r)
	avg := func(v int64, ok bool) string {
		if !ok {
			return "—"
		}
		return marks.FormatAverage(v, l)
	}
	d := councilData{UAI: uai, C: co, Mentions: marks.Mentions, Base: fmt.Sprintf("/establishments/%s/marks/classes/%d/periods/%d", uai, cid, pid)}
	editable := !co.Lock.Locked && co.Period.Open
	for _, sv := range co.Services {
		st := co.Results.SubjectStats[sv.ID]
		d.Cols = append(d.Cols, councilCol{Service: sv, Stats: avg(st.Avg, st.N > 0), Write: editable && co.MayAppreciate[sv.ID]})
	}
	d.Gen = avg(co.Results.GeneralStats.Avg, co.Results.GeneralStats.N > 0)
	for _, pu := range co.Pupils {
		row := councilRow{Pupil: pu, Opinion: co.Opinions[pu.StudentID], Rank: co.Results.Rank[pu.StudentID]}
		g, ok := co.Results.General[pu.StudentID]
		row.General = avg(g, ok)
		for _, col := range d.Cols {
			v, ok := co.Results.Subject[pu.StudentID][col.Service.ID]
			row.Cells = append(row.Cells, councilCell{ServiceID: col.Service.ID, Average: avg(v, ok),
				Appreciation: co.Appreciations[pu.StudentID][col.Service.ID], Write: col.Write})
		}
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}

func (s *Server) councilPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.councilData(r)
	if err != nil {
		return err
	}
	d.Done = r.URL.Query().Get("done")
	pg := s.newPage(r, "marks.council.title", d.C.Class.Name, d.C.Period.Label)
	pg.Data = d
	return s.render(w, r, "marks_council", pg)
}

func (s *Server) saveCouncil(w http.ResponseWriter, r *http.Request) error {
	d, err := s.councilData(r)
	if err != nil {
		return err
	}
	in := marks.CouncilInput{Opinions: map[int64]marks.Opinion{}}
	for _, row := range d.Rows {
		for _, c := range row.Cells {
			key := fmt.Sprintf("a-%d-%d", row.Pupil.StudentID, c.ServiceID)
			if v, ok := r.PostForm[key]; ok && c.Write && strings.TrimSpace(v[0]) != c.Appreciation {
				in.Appreciations = append(in.Appreciations, marks.Appreciation{StudentID: row.Pupil.StudentID, ServiceID: c.ServiceID, Text: v[0]})
			}
		}
		if !d.C.MayChair {
			continue
		}
		id := row.Pupil.StudentID
		o := marks.Opinion{Appreciation: r.PostFormValue(fmt.Sprintf("g-%d", id)), Mention: r.PostFormValue(fmt.Sprintf("mention-%d", id)),
			Decision: r.PostFormValue(fmt.Sprintf("decision-%d", id))}
		if _, ok := r.PostForm[fmt.Sprintf("g-%d", id)]; ok && o != row.Opinion {
			in.Opinions[id] = o
		}
	}
	if err := s.Marks.SaveCouncil(r.Context(), principal(r), d.UAI, d.C.Class.ID, d.C.Period.ID, in); err != nil {
		return err
	}
	http.Redirect(w, r, d.Base+"?done=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) lockCouncil(w http.ResponseWriter, r *http.Request) error {
	cid, pid, err := councilIDs(r)
	if err != nil {
		return err
	}
	uai := r.PathValue("uai")
	if _, err := s.Marks.SetLock(r.Context(), principal(r), uai, cid, pid, r.PostFormValue("locked") == "1", r.PostFormValue("publish_on")); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/establishments/%s/marks/classes/%d/periods/%d?done=locked", uai, cid, pid), http.StatusSeeOther)
	return nil
}

func (s *Server) classReportCards(w http.ResponseWriter, r *http.Request) error {
	cid, pid, err := councilIDs(r)
	if err != nil {
		return err
	}
	// Streamed: the headers go before the first card; an error after that cuts the ZIP,
	// which the browser reports as a failed download.
	w.Header().Set("Content-Type", "application/zip")
	httpx.Attachment(w, fmt.Sprintf("bulletins-%d-%d.zip", cid, pid))
	return s.Marks.ClassReportCardsZIP(r.Context(), principal(r), r.PathValue("uai"), cid, pid, &lazyWriter{w: w}, lang(r))
}

func (s *Server) establishmentReportCards(w http.ResponseWriter, r *http.Request) error {
	pid, err := pathInt(r, "pid", "period_not_found")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	httpx.Attachment(w, fmt.Sprintf("bulletins-%s-%d.zip", r.PathValue("uai"), pid))
	return s.Marks.EstablishmentReportCardsZIP(r.Context(), principal(r), r.PathValue("uai"), pid, &lazyWriter{w: w}, lang(r))
}

// lazyWriter writes nothing to the response until the first byte comes: an error
// before it (not found, forbidden) is still rendered as a page.
type lazyWriter struct {
	w       http.ResponseWriter
	started bool
}

func (l *lazyWriter) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(b)
}

func (s *Server) reportCardPDF(w http.ResponseWriter, r *http.Request) error {
	cid, pid, err := councilIDs(r)
	if err != nil {
		return err
	}
	sid, err := strconv.ParseInt(strings.TrimSuffix(r.PathValue("sid"), ".pdf"), 10, 64)
	if err != nil {
		return apperr.NotFound("report_card_not_found", "no such report card")
	}
	var buf bytes.Buffer
	if err := s.Marks.ReportCardPDF(r.Context(), principal(r), r.PathValue("uai"), cid, pid, sid, &buf, lang(r)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	httpx.Attachment(w, fmt.Sprintf("bulletin-%d-%d.pdf", pid, sid))
	_, err = w.Write(buf.Bytes())
	return err
}

type myMarksData struct {
	Classes []marks.MyClass
}

func (s *Server) myMarksPage(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Marks.Mine(r.Context(), principal(r))
	if err != nil {
		return err
	}
	pg := s.newPage(r, "marks.mine.title")
	pg.Data = myMarksData{Classes: list}
	return s.render(w, r, "marks_mine", pg)
}
