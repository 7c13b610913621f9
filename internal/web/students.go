package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/letter"
	"github.com/cartable/cartable/internal/student"
)

type dashboardData struct {
	E       establishment.Establishment
	Classes []student.ClassCount
	Imports []importer.Summary
	Active  int
	Left    int
	Pending int
	IsAdmin bool
	Staff   bool
	// Received is the number of students whose records came from another establishment
	// in the last week (administrators only).
	Received int
	// Attention is the number of other establishments' requests about its former
	// students that its administrators should look at (transfer.Service.Attention).
	Attention int
}

// dashboard is an establishment's home: students per class, last imports, accounts
// not activated yet.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	e, all, err := s.Students.Access(r.Context(), p, r.PathValue("uai"))
	if err != nil {
		return err
	}
	if !all {
		http.Redirect(w, r, "/me", http.StatusSeeOther)
		return nil
	}
	d := dashboardData{E: e, Staff: true, IsAdmin: p.IsPlatformAdmin() || p.Has(authz.RoleAdmin, e.ID)}
	if d.Classes, err = s.Students.Classes(r.Context(), p, e.UAI); err != nil {
		return err
	}
	for _, c := range d.Classes {
		d.Active += c.Active
		d.Left += c.Deactivated
		d.Pending += c.Pending
	}
	if d.IsAdmin {
		if d.Imports, err = s.Importer.History(r.Context(), p, e.UAI, 5); err != nil {
			return err
		}
		if d.Received, err = s.Transfers.Received(r.Context(), p, e.UAI, 7); err != nil {
			return err
		}
		if d.Attention, err = s.Transfers.Attention(r.Context(), p, e.UAI); err != nil {
			return err
		}
	}
	pg := s.newPage(r, "est.dashboard", e.Name)
	pg.Data = d
	return s.render(w, r, "dashboard", pg)
}

type studentsData struct {
	E        establishment.Establishment
	Page     student.Page
	Filter   student.Filter
	Classes  []student.ClassCount
	Prev     string
	Next     string
	From, To int
}

const studentsPerPage = 100

func (s *Server) studentsPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	e, all, err := s.Students.Access(r.Context(), p, r.PathValue("uai"))
	if err != nil {
		return err
	}
	if !all {
		return apperr.Forbidden("forbidden", "staff only")
	}
	q := r.URL.Query()
	f := student.Filter{Query: q.Get("q"), Class: q.Get("class"), Status: q.Get("status"), NouvelEleve: q.Get("nouvel"), Limit: studentsPerPage}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	f.Offset = max(f.Offset, 0)
	d := studentsData{E: e, Filter: f}
	if d.Page, err = s.Students.List(r.Context(), p, e.UAI, f); err != nil {
		return err
	}
	if d.Classes, err = s.Students.Classes(r.Context(), p, e.UAI); err != nil {
		return err
	}
	link := func(offset int) string {
		v := url.Values{}
		for k, x := range map[string]string{"q": f.Query, "class": f.Class, "status": f.Status, "nouvel": f.NouvelEleve} {
			if x != "" {
				v.Set(k, x)
			}
		}
		v.Set("offset", strconv.Itoa(offset))
		return "?" + v.Encode()
	}
	if f.Offset > 0 {
		d.Prev = link(max(0, f.Offset-studentsPerPage))
	}
	if f.Offset+studentsPerPage < d.Page.Total {
		d.Next = link(f.Offset + studentsPerPage)
	}
	d.From, d.To = f.Offset+1, f.Offset+len(d.Page.Students)
	pg := s.newPage(r, "students.title", e.Name)
	pg.Data = d
	return s.render(w, r, "students", pg)
}

type studentData struct {
	E       establishment.Establishment
	Student student.Student
	Staff   bool
	IsAdmin bool
}

func (s *Server) studentPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound("student_not_found", "no such student")
	}
	e, all, err := s.Students.Access(r.Context(), p, r.PathValue("uai"))
	if err != nil {
		return err
	}
	st, err := s.Students.Get(r.Context(), p, e.UAI, id)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "student.title", st.DisplayName())
	pg.Data = studentData{E: e, Student: st, Staff: all, IsAdmin: p.IsPlatformAdmin() || p.Has(authz.RoleAdmin, e.ID)}
	return s.render(w, r, "student", pg)
}

type importsData struct {
	E       establishment.Establishment
	Imports []importer.Summary
	MaxMiB  int64
}

func (s *Server) importsPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	e, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin)
	if err != nil {
		return err
	}
	list, err := s.Importer.History(r.Context(), p, e.UAI, 50)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "imports.title", e.Name)
	pg.Data = importsData{E: e, Imports: list, MaxMiB: s.MaxUpload >> 20}
	return s.render(w, r, "imports", pg)
}

// upload receives a SIECLE or Nomenclature file; the report page follows.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	e, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin)
	if err != nil {
		return err
	}
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, s.MaxUpload)
	if err != nil {
		return s.importError(w, r, e, err)
	}
	defer up.Close()
	// The CSRF check of wrap reads the form; a multipart body is checked here instead.
	if !s.checkCSRFValue(r, up.Form["csrf"]) {
		return apperr.Forbidden("csrf", "CSRF check failed")
	}
	src := importer.Source{Name: up.Name, R: up.File, Size: up.Size}
	if up.Form["kind"] == "nomenclature" {
		if _, err := s.Importer.Nomenclature(r.Context(), p, e.UAI, src); err != nil {
			return s.importError(w, r, e, err)
		}
		http.Redirect(w, r, "/establishments/"+e.UAI+"/imports", http.StatusSeeOther)
		return nil
	}
	dry := up.Form["dry_run"] == "on"
	rep, err := s.Importer.Siecle(r.Context(), p, e.UAI, src, dry)
	if err != nil {
		return s.importError(w, r, e, err)
	}
	if dry {
		pg := s.newPage(r, "imports.report", e.Name)
		pg.Data = reportData{E: e, Report: rep}
		return s.render(w, r, "import_report", pg)
	}
	http.Redirect(w, r, fmt.Sprintf("/establishments/%s/imports/%d", e.UAI, rep.ImportID), http.StatusSeeOther)
	return nil
}

func (s *Server) importError(w http.ResponseWriter, r *http.Request, e establishment.Establishment, err error) error {
	if k := apperr.KindOf(err); k == apperr.KindInternal || k == apperr.KindUnavailable {
		return err
	}
	list, lerr := s.Importer.History(r.Context(), principal(r), e.UAI, 50)
	if lerr != nil {
		return lerr
	}
	pg := s.newPage(r, "imports.title", e.Name)
	pg.Error = errorMessage(lang(r), err)
	pg.Data = importsData{E: e, Imports: list, MaxMiB: s.MaxUpload >> 20}
	return s.renderStatus(w, r, httpStatus(err), "imports", pg)
}

type reportData struct {
	E      establishment.Establishment
	Report importer.Report
}

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound("import_not_found", "no such import")
	}
	e, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin)
	if err != nil {
		return err
	}
	rep, err := s.Importer.Get(r.Context(), p, e.UAI, id)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "imports.report", e.Name)
	pg.Data = reportData{E: e, Report: rep}
	return s.render(w, r, "import_report", pg)
}

// classLetters prints the enrolment letters of a class's students whose accounts are
// not activated yet; each gets a new link (earlier ones stop working).
func (s *Server) classLetters(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	e, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin)
	if err != nil {
		return err
	}
	class := r.PostFormValue("class")
	page, err := s.Students.List(r.Context(), p, e.UAI, student.Filter{Class: class, Status: student.StatusActive, Limit: 10000})
	if err != nil {
		return err
	}
	var ids []int64
	for _, st := range page.Students {
		if st.AccountID != 0 && st.AccountState == string(account.StatusPending) {
			ids = append(ids, st.AccountID)
		}
	}
	if r.PostFormValue("confirm") != "1" {
		// First a confirmation: which students get a letter, and which letters (or opened
		// links) printed before stop working.
		return s.lettersConfirm(w, r, e, class, page.Students, ids)
	}
	// All or nothing: a student's account the administrator may not manage (it also
	// has roles in another establishment) refuses the print.
	done, err := s.Accounts.ReissuePending(r.Context(), p, ids)
	if err != nil {
		return err
	}
	links := make(map[int64]account.Enrollment, len(done))
	for _, d := range done {
		links[d.Account.ID] = d.Enrollment
	}
	var out []letter.Letter
	for _, st := range page.Students {
		enr, ok := links[st.AccountID]
		if st.AccountID == 0 || !ok {
			continue
		}
		out = append(out, letter.Letter{Establishment: e.Name, Login: st.Login, FullName: st.FirstName + " " + st.DisplayLast(),
			Class: st.Class, URL: enr.URL, ExpiresAt: enr.ExpiresAt, Issuer: s.Accounts.Policy().Issuer})
	}
	if len(out) == 0 {
		return apperr.Invalid("no_pending_in_class", "no student of this class is awaiting activation")
	}
	var buf bytes.Buffer
	if err := letter.Write(&buf, out, letter.Options{Lang: lang(r), Generated: s.Now().UTC(), PrivacyURL: s.PrivacyURL, Title: e.Name + " — " + class}); err != nil {
		return err
	}
	if err := s.Audit.Record(r.Context(), audit.Event{Action: audit.LettersPrinted, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
		EstablishmentID: &e.ID, Detail: map[string]any{"class": class, "letters": len(out)}}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	httpx.Attachment(w, fmt.Sprintf("courriers-%s-%s.pdf", e.UAI, safeFileName(class)))
	_, err = w.Write(buf.Bytes())
	return err
}

func safeFileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "classe"
	}
	return string(b)
}

type lettersConfirmData struct {
	E     establishment.Establishment
	Class string
	Rows  []letterRow
	// Void counts the letters printed before that stop working; Opened the links opened
	// but not activated whose credentials stop working.
	Void, Opened int
}

type letterRow struct {
	Name, Login string
	Link        *account.Link
}

func (s *Server) lettersConfirm(w http.ResponseWriter, r *http.Request, e establishment.Establishment, class string, students []student.Student, ids []int64) error {
	if len(ids) == 0 {
		return apperr.Invalid("no_pending_in_class", "no student of this class is awaiting activation")
	}
	links, err := s.Accounts.CurrentLinks(r.Context(), principal(r), ids)
	if err != nil {
		return err
	}
	d := lettersConfirmData{E: e, Class: class}
	for _, st := range students {
		if st.AccountID == 0 || st.AccountState != string(account.StatusPending) {
			continue
		}
		row := letterRow{Name: st.FirstName + " " + st.DisplayLast(), Login: st.Login}
		if l, ok := links[st.AccountID]; ok {
			row.Link = &l
			if l.OpenedAt != nil {
				d.Opened++
			} else {
				d.Void++
			}
		}
		d.Rows = append(d.Rows, row)
	}
	pg := s.newPage(r, "letters.confirm.title", class)
	pg.Data = d
	return s.render(w, r, "letters_confirm", pg)
}
