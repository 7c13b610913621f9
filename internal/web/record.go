package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/student"
)

func pathInt(r *http.Request, name, code string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFound(code, "not found")
	}
	return id, nil
}

type resultsData struct {
	Results competency.StudentResults
	Staff   bool
	Charts  map[string]template.HTML
}

// resultsPage shows a student's results by competency, their evolution (a chart per
// referential) and the comments.
func (s *Server) resultsPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return err
	}
	res, err := s.Competencies.Results(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	d := resultsData{Results: res, Staff: res.Student.AccountID != p.AccountID, Charts: map[string]template.HTML{}}
	for _, rr := range res.Referentials {
		d.Charts[rr.Code] = chart(rr, lang(r))
	}
	pg := s.newPage(r, "results.title", res.Student.DisplayName())
	pg.Data = d
	return s.render(w, r, "results", pg)
}

// chart draws, for one referential, the average rank of the student's results per
// evaluation date as an SVG line (0 = lowest value of the scale, 1 = highest), with a
// text alternative: the same figures in the table under it.
func chart(rr competency.ReferentialResults, l string) template.HTML {
	type point struct {
		date string
		sum  float64
		n    int
	}
	var pts []*point
	byDate := map[string]*point{}
	top := float64(max(1, len(rr.Scale)-1))
	for _, b := range rr.Blocks {
		for _, c := range b.Competencies {
			for _, x := range c.Points {
				pt := byDate[x.Date]
				if pt == nil {
					pt = &point{date: x.Date}
					byDate[x.Date] = pt
					pts = append(pts, pt)
				}
				pt.sum += float64(x.Rank) / top
				pt.n++
			}
		}
	}
	if len(pts) == 0 {
		return ""
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].date < pts[j].date })
	const wd, ht, pad = 600.0, 200.0, 30.0
	x := func(i int) float64 {
		if len(pts) == 1 {
			return wd / 2
		}
		return pad + float64(i)*(wd-2*pad)/float64(len(pts)-1)
	}
	y := func(v float64) float64 { return ht - pad - v*(ht-2*pad) }
	var b strings.Builder
	title := T(l, "results.chart", rr.Label)
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, wd, ht, template.HTMLEscapeString(title))
	for _, v := range []float64{0, 0.5, 1} {
		fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" class="grid"/>`, pad, y(v), wd-pad, y(v))
	}
	fmt.Fprintf(&b, `<text x="2" y="%.1f" class="axis">%s</text>`, y(1)+4, template.HTMLEscapeString(rr.Scale[len(rr.Scale)-1].Value))
	fmt.Fprintf(&b, `<text x="2" y="%.1f" class="axis">%s</text>`, y(0)+4, template.HTMLEscapeString(rr.Scale[0].Value))
	var path []string
	for i, pt := range pts {
		path = append(path, fmt.Sprintf("%.1f,%.1f", x(i), y(pt.sum/float64(pt.n))))
	}
	fmt.Fprintf(&b, `<polyline points="%s" class="line"/>`, strings.Join(path, " "))
	for i, pt := range pts {
		v := pt.sum / float64(pt.n)
		long, short := pt.date, pt.date
		if d, err := calendar.ParseDate(pt.date); err == nil {
			long = calendar.LongDate(l, d)
			// The axis has room for a short date, written the reader's way.
			short = d.Format("02/01/2006")
			if l == langEN {
				short = d.Format("2 Jan 2006")
			}
		}
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" class="dot"><title>%s : %.0f %%</title></circle>`, x(i), y(v), template.HTMLEscapeString(long), 100*v)
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" class="axis" text-anchor="middle">%s</text>`, x(i), ht-8, template.HTMLEscapeString(short))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from escaped parts above
}

type situationsData struct {
	Student    student.Student
	Situations []passport.Situation
	Staff      bool
	CanAssess  bool
	// Admin may delete any sheet; Login is the reader's, who may delete his own.
	Admin  bool
	Login  string
	MaxMiB int64
	// New prefills the form of a new sheet.
	New passport.Situation
	// Refs are the referentials of the student's diploma: his sheets' competencies are
	// chosen from them. Levels are the levels the diploma has (bac pro: bac and bep).
	Refs   []competency.Referential
	Levels []string
}

func (s *Server) situationsData(r *http.Request) (situationsData, error) {
	p := principal(r)
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return situationsData{}, err
	}
	st, staff, err := s.Students.Lookup(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return situationsData{}, err
	}
	list, err := s.Passports.Situations(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return situationsData{}, err
	}
	refs, err := s.Passports.Referentials(r.Context(), st)
	if err != nil {
		return situationsData{}, err
	}
	levels := passport.Levels(refs)
	return situationsData{Student: st, Situations: list, Staff: staff, MaxMiB: s.Passports.MaxAttachment >> 20, New: passport.Situation{Level: levels[0]},
		Refs: refs, Levels: levels,
		CanAssess: staff && (p.IsPlatformAdmin() || p.Has(authz.RoleTeacher, st.EstablishmentID) || p.Has(authz.RoleAdmin, st.EstablishmentID)),
		Admin:     p.IsPlatformAdmin() || p.Has(authz.RoleAdmin, st.EstablishmentID), Login: p.Login}, nil
}

func (s *Server) situationsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.situationsData(r)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "situations.title", d.Student.DisplayName())
	// What the last action did (the redirect after it says so): success is told.
	if done := r.URL.Query().Get("done"); situationDone[done] {
		pg.Info = T(lang(r), "situations.done."+done)
	}
	pg.Data = d
	return s.render(w, r, "situations", pg)
}

// situationDone are the outcomes the situations page announces after a redirect.
var situationDone = map[string]bool{"created": true, "saved": true, "assessed": true, "attached": true, "deleted": true, "file_deleted": true}

// situationsURL is the situations page of a student, announcing done.
func situationsURL(uai string, studentID int64, done string) string {
	return fmt.Sprintf("/establishments/%s/students/%d/situations?done=%s", uai, studentID, done)
}

// confirmed checks the confirmation box of a deletion form.
func confirmed(r *http.Request) error {
	if r.PostFormValue("confirm") != "1" {
		return apperr.Invalid("confirm_required", "tick the box to confirm the deletion")
	}
	return nil
}

func (s *Server) deleteSituation(w http.ResponseWriter, r *http.Request) error {
	return s.deleteOfSheet(w, r, "sid", "situation_not_found", s.Passports.DeleteSituation, "deleted")
}

func (s *Server) deleteAttachment(w http.ResponseWriter, r *http.Request) error {
	return s.deleteOfSheet(w, r, "aid", "attachment_not_found", s.Passports.DeleteAttachment, "file_deleted")
}

// deleteOfSheet deletes what the path's key names (a sheet, a file) with del, once the
// confirmation box is ticked, and goes back to the situations page, which says done.
func (s *Server) deleteOfSheet(w http.ResponseWriter, r *http.Request, key, notFound string,
	del func(ctx context.Context, p *authz.Principal, uai string, studentID, id int64) error, done string) error {
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return err
	}
	x, err := pathInt(r, key, notFound)
	if err != nil {
		return err
	}
	if err := confirmed(r); err != nil {
		return s.situationError(w, r, err)
	}
	if err := del(r.Context(), principal(r), r.PathValue("uai"), id, x); err != nil {
		return err
	}
	http.Redirect(w, r, situationsURL(r.PathValue("uai"), id, done), http.StatusSeeOther)
	return nil
}

func situationInput(r *http.Request) passport.SituationInput {
	// Ticked boxes (one value each) or, without a referential, codes typed in one field.
	var comps []string
	_ = r.ParseForm()
	for _, v := range r.PostForm["competencies"] {
		for _, c := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
			comps = append(comps, strings.TrimSpace(c))
		}
	}
	return passport.SituationInput{Level: r.PostFormValue("level"), Context: r.PostFormValue("context"), Period: r.PostFormValue("period"),
		Company: r.PostFormValue("company"), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), Competencies: comps}
}

func (s *Server) saveSituation(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return err
	}
	in := situationInput(r)
	done := "created"
	if sid := r.PostFormValue("situation_id"); sid != "" {
		done = "saved"
		n, perr := strconv.ParseInt(sid, 10, 64)
		if perr != nil {
			return apperr.NotFound("situation_not_found", "no such situation")
		}
		_, err = s.Passports.UpdateSituation(r.Context(), p, r.PathValue("uai"), id, n, in)
	} else {
		_, err = s.Passports.CreateSituation(r.Context(), p, r.PathValue("uai"), id, in)
	}
	if err != nil {
		if k := apperr.KindOf(err); k != apperr.KindInvalid {
			return err
		}
		d, derr := s.situationsData(r)
		if derr != nil {
			return derr
		}
		pg := s.newPage(r, "situations.title", d.Student.DisplayName())
		pg.Error = errorMessage(lang(r), err)
		pg.Data = d
		return s.renderStatus(w, r, httpStatus(err), "situations", pg)
	}
	http.Redirect(w, r, situationsURL(r.PathValue("uai"), id, done), http.StatusSeeOther)
	return nil
}

func (s *Server) assessSituation(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return err
	}
	sid, err := pathInt(r, "sid", "situation_not_found")
	if err != nil {
		return err
	}
	a := passport.Assessment{Evaluator: r.PostFormValue("evaluator"), Result: r.PostFormValue("result"), Comment: r.PostFormValue("comment")}
	if _, err := s.Passports.Assess(r.Context(), p, r.PathValue("uai"), id, sid, a); err != nil {
		return err
	}
	http.Redirect(w, r, situationsURL(r.PathValue("uai"), id, "assessed"), http.StatusSeeOther)
	return nil
}

// attach receives a file for a situation (multipart; CSRF checked from the form).
func (s *Server) attach(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return err
	}
	sid, err := pathInt(r, "sid", "situation_not_found")
	if err != nil {
		return err
	}
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, s.Passports.MaxAttachment)
	if err != nil {
		return s.situationError(w, r, err)
	}
	defer up.Close()
	if !s.checkCSRFValue(r, up.Form["csrf"]) {
		return apperr.Forbidden("csrf", "CSRF check failed")
	}
	if _, err := s.Passports.Attach(r.Context(), p, r.PathValue("uai"), id, sid, up.Name, up.File); err != nil {
		return s.situationError(w, r, err)
	}
	http.Redirect(w, r, situationsURL(r.PathValue("uai"), id, "attached"), http.StatusSeeOther)
	return nil
}

func (s *Server) situationError(w http.ResponseWriter, r *http.Request, err error) error {
	if k := apperr.KindOf(err); k == apperr.KindInternal || k == apperr.KindUnavailable || k == apperr.KindNotFound || k == apperr.KindForbidden {
		return err
	}
	d, derr := s.situationsData(r)
	if derr != nil {
		return derr
	}
	pg := s.newPage(r, "situations.title", d.Student.DisplayName())
	pg.Error = errorMessage(lang(r), err)
	pg.Data = d
	return s.renderStatus(w, r, httpStatus(err), "situations", pg)
}

func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return err
	}
	aid, err := pathInt(r, "aid", "attachment_not_found")
	if err != nil {
		return err
	}
	a, rc, err := s.Passports.OpenAttachment(r.Context(), principal(r), r.PathValue("uai"), id, aid)
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", a.ContentType)
	httpx.Attachment(w, a.Name)
	_, err = io.Copy(w, rc)
	return err
}

type passportData struct {
	Passport *passport.Passport
	Until    string
	Restrict bool
}

// passportPage is a student's "my data" page — the only page a student who left may
// still open.
func (s *Server) passportPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	pp, err := s.Passports.Mine(r.Context(), p)
	if err != nil {
		return err
	}
	d := passportData{Passport: pp, Restrict: p.PassportOnly}
	if p.PassportOnly {
		d.Until = s.formatTime(lang(r), p.AccessUntil, false)
	}
	pg := s.newPage(r, "passport.title")
	pg.Data = d
	return s.render(w, r, "passport", pg)
}

func (s *Server) passportZIP(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	pp, err := s.Passports.Mine(r.Context(), p)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.Passports.WriteZIP(r.Context(), &buf, pp, lang(r)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	httpx.Attachment(w, "passeport-"+p.Login+".zip")
	_, err = w.Write(buf.Bytes())
	return err
}

// studentPassportZIP lets staff produce a student's passport (audited): that
// establishment's record only.
func (s *Server) studentPassportZIP(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "student_not_found")
	if err != nil {
		return err
	}
	pp, err := s.Passports.ForStudent(r.Context(), principal(r), r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.Passports.WriteZIP(r.Context(), &buf, pp, lang(r)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	httpx.Attachment(w, "passeport-"+pp.Student.Login+".zip")
	_, err = w.Write(buf.Bytes())
	return err
}
