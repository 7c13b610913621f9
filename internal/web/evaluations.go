package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/student"
)

type evaluationsData struct {
	E            establishment.Establishment
	Evaluations  []competency.Evaluation
	Referentials []competency.Referential
	Classes      []student.ClassCount
	CanWrite     bool
	Today        string
	Form         competency.Input
	// MEFs is each class's main formation; Mismatch asks to confirm a diploma that the
	// class's formation does not prepare.
	MEFs     map[string]student.ClassMEF
	Mismatch bool
	// Open opens the new-evaluation form (an error, or a class chosen from "Mes classes").
	Open bool
}

func canWrite(p *authz.Principal, e establishment.Establishment) bool {
	return p.IsPlatformAdmin() || p.Has(authz.RoleTeacher, e.ID) || p.Has(authz.RoleAdmin, e.ID)
}

func (s *Server) evaluationsData(r *http.Request) (evaluationsData, error) {
	p := principal(r)
	e, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin, authz.RoleTeacher, authz.RoleInspector)
	if err != nil {
		return evaluationsData{}, err
	}
	d := evaluationsData{E: e, CanWrite: canWrite(p, e), Today: calendar.Date(s.Now())}
	if d.Evaluations, err = s.Competencies.List(r.Context(), p, e.UAI, competency.ListFilter{Class: r.URL.Query().Get("class")}); err != nil {
		return d, err
	}
	if d.Referentials, err = s.Competencies.Referentials(r.Context()); err != nil {
		return d, err
	}
	if d.Classes, err = s.Students.Classes(r.Context(), p, e.UAI); err != nil {
		return d, err
	}
	if d.MEFs, err = s.Students.ClassMEFs(r.Context(), p, e.UAI); err != nil {
		return d, err
	}
	if c := r.URL.Query().Get("class"); c != "" {
		d.Form.Class, d.Open = c, true
	}
	return d, nil
}

// diplomaFor is the referential of a class: the first one its main formation prepares.
func diplomaFor(refs []competency.Referential, m student.ClassMEF) (competency.Referential, bool) {
	if m.MEF == "" {
		return competency.Referential{}, false
	}
	for _, r := range refs {
		if r.PreparedBy(m.MEF) {
			return r, true
		}
	}
	return competency.Referential{}, false
}

// chooseDiploma fills in the diploma of a new evaluation from its class when none was
// chosen, and refuses, unless confirmed, one the class's formation does not prepare.
func chooseDiploma(d evaluationsData, in *competency.Input, confirmed bool) error {
	m := d.MEFs[in.Class]
	if in.Diploma == "" {
		ref, ok := diplomaFor(d.Referentials, m)
		if !ok {
			return apperr.Invalid("no_referential_for_class", "no referential matches the formation of class %q: choose the diploma", in.Class).
				With("class", in.Class).With("mef", mefName(m))
		}
		in.Diploma = ref.Code
		return nil
	}
	if confirmed || m.MEF == "" {
		return nil
	}
	for _, r := range d.Referentials {
		if r.Code == in.Diploma && !r.PreparedBy(m.MEF) {
			return apperr.Conflict("diploma_mismatch", "class %q follows MEF %s, which %s does not prepare", in.Class, m.MEF, r.Code).
				With("class", in.Class).With("mef", mefName(m)).With("diploma", r.Label)
		}
	}
	return nil
}

func (s *Server) evaluationsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.evaluationsData(r)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "evals.title", d.E.Name)
	if r.URL.Query().Get("done") == "deleted" {
		pg.Info = T(lang(r), "evals.deleted")
	}
	pg.Data = d
	return s.render(w, r, "evaluations", pg)
}

func (s *Server) createEvaluation(w http.ResponseWriter, r *http.Request) error {
	d, err := s.evaluationsData(r)
	if err != nil {
		return err
	}
	in := competency.Input{Title: r.PostFormValue("title"), Date: r.PostFormValue("date"), Level: r.PostFormValue("level"),
		Class: r.PostFormValue("class"), Diploma: r.PostFormValue("diploma")}
	chosen := in.Diploma
	var ev competency.Evaluation
	err = chooseDiploma(d, &in, r.PostFormValue("confirm") == "1")
	if err == nil {
		ev, err = s.Competencies.Create(r.Context(), principal(r), d.E.UAI, in)
	}
	if err != nil {
		d.Mismatch = apperr.CodeOf(err) == "diploma_mismatch"
		d.Open = true
		in.Diploma = chosen
		if k := apperr.KindOf(err); k == apperr.KindInternal || k == apperr.KindUnavailable {
			return err
		}
		pg := s.newPage(r, "evals.title", d.E.Name)
		pg.Error = errorMessage(lang(r), err)
		d.Form = in
		pg.Data = d
		return s.renderStatus(w, r, httpStatus(err), "evaluations", pg)
	}
	http.Redirect(w, r, fmt.Sprintf("/establishments/%s/evaluations/%d?class=%s", d.E.UAI, ev.ID, url.QueryEscape(in.Class)), http.StatusSeeOther)
	return nil
}

// gridData is a class × competencies grid of one evaluation.
type gridData struct {
	E          establishment.Establishment
	Evaluation competency.Evaluation
	Ref        competency.Referential
	Blocks     []competency.Block
	Class      string
	Classes    []student.ClassCount
	Rows       []gridRow
	CanWrite   bool
	// CanDelete: the evaluation's author or an administrator.
	CanDelete bool
	Problems  []gridProblem
	Saved     int
	Levels    []gridLevel
}

type gridRow struct {
	Student student.Student
	Cells   []gridCell
	Comment string
}

type gridCell struct {
	Competency string
	Label      string
	Value      string
	// Tier is the value's colour, 0 (lowest) to 3 (highest), -1 when empty.
	Tier int
}

// gridLevel is a value of the scale with its colour tier, for the legend and the cells.
type gridLevel struct {
	competency.ScaleValue
	Tier int
}

// tier places the i-th of n values of a scale, lowest first, on four colours.
func tier(i, n int) int {
	if i < 0 {
		return -1
	}
	if n <= 1 {
		return 3
	}
	return (i*3 + (n-1)/2) / (n - 1)
}

func (s *Server) grid(r *http.Request) (gridData, error) {
	p := principal(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return gridData{}, apperr.NotFound("evaluation_not_found", "no such evaluation")
	}
	e, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin, authz.RoleTeacher, authz.RoleInspector)
	if err != nil {
		return gridData{}, err
	}
	ev, err := s.Competencies.Get(r.Context(), p, e.UAI, id)
	if err != nil {
		return gridData{}, err
	}
	ref, err := s.Competencies.Referential(r.Context(), ev.Diploma)
	if err != nil {
		return gridData{}, err
	}
	d := gridData{E: e, Evaluation: ev, Ref: ref, Blocks: ref.Blocks(), CanWrite: canWrite(p, e),
		CanDelete: p.IsPlatformAdmin() || p.Has(authz.RoleAdmin, e.ID) || (ev.AuthorID != 0 && ev.AuthorID == p.AccountID)}
	d.Class = r.URL.Query().Get("class")
	if d.Class == "" {
		d.Class = ev.Class
	}
	if d.Classes, err = s.Students.Classes(r.Context(), p, e.UAI); err != nil {
		return d, err
	}
	// The rows: the class's active students, and anyone else who already has a result.
	values := map[int64]map[string]string{}
	for _, res := range ev.Results {
		if values[res.StudentID] == nil {
			values[res.StudentID] = map[string]string{}
		}
		values[res.StudentID][res.Competency] = res.Value
	}
	comments := map[int64]string{}
	for _, c := range ev.Comments {
		comments[c.StudentID] = c.Text
	}
	var students []student.Student
	if d.Class != "" {
		page, err := s.Students.List(r.Context(), p, e.UAI, student.Filter{Class: d.Class, Status: student.StatusActive, Limit: 10000})
		if err != nil {
			return d, err
		}
		students = page.Students
	}
	seen := map[int64]bool{}
	for _, st := range students {
		seen[st.ID] = true
	}
	for id := range values {
		if !seen[id] {
			if st, _, err := s.Students.Lookup(r.Context(), p, e.UAI, id); err == nil {
				students = append(students, st)
				seen[id] = true
			}
		}
	}
	sort.SliceStable(students, func(i, j int) bool { return students[i].DisplayName() < students[j].DisplayName() })
	tiers := map[string]int{}
	for i, v := range ref.Scale {
		tiers[v.Value] = tier(i, len(ref.Scale))
		d.Levels = append(d.Levels, gridLevel{v, tier(i, len(ref.Scale))})
	}
	for _, st := range students {
		row := gridRow{Student: st, Comment: comments[st.ID]}
		for _, c := range ref.Competencies {
			v := values[st.ID][c.Code]
			t, ok := tiers[v]
			if !ok {
				t = -1
			}
			row.Cells = append(row.Cells, gridCell{Competency: c.Code, Label: c.Label, Value: v, Tier: t})
		}
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}

func (s *Server) gridPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.grid(r)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "grid.title", d.Evaluation.Title)
	pg.Data = d
	return s.render(w, r, "grid", pg)
}

// saveGrid is the form fallback of the grid (without JavaScript): every cell posted.
func (s *Server) saveGrid(w http.ResponseWriter, r *http.Request) error {
	d, err := s.grid(r)
	if err != nil {
		return err
	}
	var results []competency.Result
	var comments []competency.Comment
	for _, row := range d.Rows {
		for _, c := range row.Cells {
			key := fmt.Sprintf("v-%d-%s", row.Student.ID, c.Competency)
			if _, ok := r.PostForm[key]; ok {
				if v := r.PostFormValue(key); v != c.Value {
					results = append(results, competency.Result{StudentID: row.Student.ID, Competency: c.Competency, Value: v})
				}
			}
		}
		key := fmt.Sprintf("c-%d", row.Student.ID)
		if _, ok := r.PostForm[key]; ok && r.PostFormValue(key) != row.Comment {
			comments = append(comments, competency.Comment{StudentID: row.Student.ID, Text: r.PostFormValue(key)})
		}
	}
	if _, err := s.Competencies.SaveResults(r.Context(), principal(r), d.E.UAI, d.Evaluation.ID, results, comments); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/establishments/%s/evaluations/%d?class=%s&saved=%d", d.E.UAI, d.Evaluation.ID, url.QueryEscape(d.Class), len(results)+len(comments)), http.StatusSeeOther)
	return nil
}

// saveCells is what the grid's script calls as the teacher types: a JSON list of
// changed cells, answered with the number saved. The CSRF token comes in a header.
func (s *Server) saveCells(w http.ResponseWriter, r *http.Request) error {
	if !s.checkCSRFValue(r, r.Header.Get("X-CSRF-Token")) {
		return apperr.Forbidden("csrf", "CSRF check failed")
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound("evaluation_not_found", "no such evaluation")
	}
	var in struct {
		Results  []competency.Result  `json:"results"`
		Comments []competency.Comment `json:"comments"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	if err := dec.Decode(&in); err != nil {
		return apperr.Invalid("invalid_json", "invalid JSON body")
	}
	n, err := s.Competencies.SaveResults(r.Context(), principal(r), r.PathValue("uai"), id, in.Results, in.Comments)
	if err != nil {
		// grid.js shows the message: in the page's language.
		httpx.WriteError(w, r, s.Log, localized(lang(r), err))
		return nil
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"saved": n, "at": s.Now().UTC().Format(time.RFC3339)})
	return nil
}

func (s *Server) gridCSV(w http.ResponseWriter, r *http.Request) error {
	d, err := s.grid(r)
	if err != nil {
		return err
	}
	g := competency.Grid{Referential: &d.Ref, Values: map[int64]map[string]string{}, Comments: map[int64]string{}}
	for _, row := range d.Rows {
		g.Students = append(g.Students, competency.GridStudent{ID: row.Student.ID, EleveID: row.Student.EleveID, LastName: row.Student.DisplayLast(), FirstName: row.Student.FirstName})
		g.Values[row.Student.ID] = map[string]string{}
		for _, c := range row.Cells {
			if c.Value != "" {
				g.Values[row.Student.ID][c.Competency] = c.Value
			}
		}
		if row.Comment != "" {
			g.Comments[row.Student.ID] = row.Comment
		}
	}
	var buf bytes.Buffer
	if err := competency.WriteGridCSV(&buf, &g); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	httpx.Attachment(w, fmt.Sprintf("evaluation-%d-%s.csv", d.Evaluation.ID, safeFileName(d.Class)))
	_, err = w.Write(buf.Bytes())
	return err
}

// importGridCSV reads a grid edited in a spreadsheet and saves it; the problems (bad
// cells, unknown students) are shown on the grid, the good cells are saved.
func (s *Server) importGridCSV(w http.ResponseWriter, r *http.Request) error {
	d, err := s.grid(r)
	if err != nil {
		return err
	}
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, 10<<20)
	if err != nil {
		return s.gridError(w, r, d, err)
	}
	defer up.Close()
	if !s.checkCSRFValue(r, up.Form["csrf"]) {
		return apperr.Forbidden("csrf", "CSRF check failed")
	}
	var students []competency.GridStudent
	for _, row := range d.Rows {
		students = append(students, competency.GridStudent{ID: row.Student.ID, EleveID: row.Student.EleveID, LastName: row.Student.DisplayLast(), FirstName: row.Student.FirstName})
	}
	values, comments, problems, err := competency.ParseGridCSV(up.File, &d.Ref, students)
	if err != nil {
		detail := err.Error()
		if key, params := competency.ErrorKey(err); key != "" {
			detail = i18n.T(lang(r), key, toArgs(params)) // in the reader's language
		}
		return s.gridError(w, r, d, apperr.Invalid("invalid_file", "%v", err).With("detail", detail))
	}
	var results []competency.Result
	for _, st := range students {
		for code, v := range values[st.ID] {
			results = append(results, competency.Result{StudentID: st.ID, Competency: code, Value: v})
		}
	}
	var cs []competency.Comment
	for id, text := range comments {
		cs = append(cs, competency.Comment{StudentID: id, Text: text})
	}
	n, err := s.Competencies.SaveResults(r.Context(), principal(r), d.E.UAI, d.Evaluation.ID, results, cs)
	if err != nil {
		return err
	}
	d2, err := s.grid(r)
	if err != nil {
		return err
	}
	for _, pr := range problems {
		d2.Problems = append(d2.Problems, gridProblem{Line: pr.Line, Column: pr.Column, Message: i18n.T(lang(r), pr.Key, toArgs(pr.Params))})
	}
	d2.Saved = n
	pg := s.newPage(r, "grid.title", d2.Evaluation.Title)
	pg.Info = T(lang(r), "grid.imported", n)
	pg.Data = d2
	return s.render(w, r, "grid", pg)
}

// deleteEvaluation deletes an evaluation and its results (its author or an
// administrator), after the confirmation box was ticked.
func (s *Server) deleteEvaluation(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound("evaluation_not_found", "no such evaluation")
	}
	if err := confirmed(r); err != nil {
		return err
	}
	if err := s.Competencies.Delete(r.Context(), principal(r), r.PathValue("uai"), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/establishments/"+url.PathEscape(r.PathValue("uai"))+"/evaluations?done=deleted", http.StatusSeeOther)
	return nil
}

// gridError shows a refused grid file on the grid page itself, with the reason (the line,
// when the file says which), instead of an error page: the teacher fixes his file and
// sends it again from where he is.
func (s *Server) gridError(w http.ResponseWriter, r *http.Request, d gridData, err error) error {
	switch apperr.KindOf(err) {
	case apperr.KindInvalid, apperr.KindUnsupported, apperr.KindTooLarge:
	default:
		return err
	}
	pg := s.newPage(r, "grid.title", d.Evaluation.Title)
	pg.Error = errorMessage(lang(r), err)
	pg.Data = d
	return s.renderStatus(w, r, httpStatus(err), "grid", pg)
}

// gridProblem is a problem of a grid file, in the reader's language.
type gridProblem struct {
	Line            int
	Column, Message string
}
