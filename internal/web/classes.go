package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/student"
)

// isStaff reports whether p works in an establishment (teacher, administrator,
// inspector): his home page is his work, "Mes classes".
func isStaff(p *authz.Principal) bool {
	return p != nil && !p.PassportOnly && (len(p.Establishments(authz.RoleTeacher)) > 0 ||
		len(p.Establishments(authz.RoleAdmin)) > 0 || len(p.Establishments(authz.RoleInspector)) > 0)
}

type myClassRow struct {
	student.MyClass
	// Latest is the class's newest evaluation, if any: its grid is one click away.
	Latest *competency.Evaluation
}

type myClassesData struct {
	Classes        []myClassRow
	Recent         []competency.Evaluation
	Establishments []establishment.Establishment
	// Manage lists the establishments whose classes p may assign.
	Manage []establishment.Establishment
}

// myClassesPage is the staff's home: the classes assigned to the teacher, each with its
// latest grid, his latest evaluations, and the establishments (for everything else).
func (s *Server) myClassesPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	ctx := r.Context()
	var d myClassesData
	classes, err := s.Students.MyClasses(ctx, p)
	if err != nil {
		return err
	}
	// The school year's services and main-teacher classes give the teacher his classes
	// too (issue 14), besides the assignments made by hand.
	have := map[string]bool{}
	for _, c := range classes {
		have[c.UAI+"\x00"+c.Class] = true
	}
	more, err := s.mySchoolYearClasses(ctx, p, have)
	if err != nil {
		return err
	}
	classes = append(classes, more...)
	ests, err := s.Establishments.Visible(ctx, p)
	if err != nil {
		return err
	}
	for _, e := range ests {
		if p.Has(authz.RoleAdmin, e.ID) || p.Has(authz.RoleTeacher, e.ID) || p.Has(authz.RoleInspector, e.ID) {
			d.Establishments = append(d.Establishments, e)
		}
		if p.IsPlatformAdmin() || p.Has(authz.RoleAdmin, e.ID) {
			d.Manage = append(d.Manage, e)
		}
	}
	for _, c := range classes {
		row := myClassRow{MyClass: c}
		evs, err := s.Competencies.List(ctx, p, c.UAI, competency.ListFilter{Class: c.Class, Limit: 1})
		if err != nil {
			return err
		}
		if len(evs) > 0 {
			row.Latest = &evs[0]
		}
		d.Classes = append(d.Classes, row)
	}
	for _, uai := range teacherUAIs(p, ests) {
		evs, err := s.Competencies.List(ctx, p, uai, competency.ListFilter{AuthorID: p.AccountID, Limit: 10})
		if err != nil {
			return err
		}
		d.Recent = append(d.Recent, evs...)
	}
	pg := s.newPage(r, "classes.title")
	pg.Data = d
	return s.render(w, r, "classes", pg)
}

func teacherUAIs(p *authz.Principal, ests []establishment.Establishment) []string {
	var out []string
	for _, e := range ests {
		if p.Has(authz.RoleTeacher, e.ID) || p.Has(authz.RoleAdmin, e.ID) {
			out = append(out, e.UAI)
		}
	}
	return out
}

type classTeachersData struct {
	E        establishment.Establishment
	Classes  []classTeachersRow
	Teachers []account.Member
	CanEdit  bool
}

type classTeachersRow struct {
	Class    string
	Active   int
	MEFLabel string
	Teachers []student.ClassTeacher
}

// classTeachersPage shows who teaches each class; administrators assign and remove.
func (s *Server) classTeachersPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.classTeachers(r.Context(), principal(r), r.PathValue("uai"))
	if err != nil {
		return err
	}
	pg := s.newPage(r, "class_teachers.title", d.E.Name)
	switch r.URL.Query().Get("done") {
	case "assigned":
		pg.Info = T(lang(r), "class_teachers.done")
	case "removed":
		pg.Info = T(lang(r), "class_teachers.removed")
	}
	pg.Data = d
	return s.render(w, r, "class_teachers", pg)
}

func (s *Server) classTeachers(ctx context.Context, p *authz.Principal, uai string) (classTeachersData, error) {
	e, err := s.Establishments.Resolve(ctx, p, uai, authz.RoleAdmin, authz.RoleTeacher, authz.RoleInspector)
	if err != nil {
		return classTeachersData{}, err
	}
	d := classTeachersData{E: e, CanEdit: p.IsPlatformAdmin() || p.Has(authz.RoleAdmin, e.ID)}
	counts, err := s.Students.Classes(ctx, p, e.UAI)
	if err != nil {
		return d, err
	}
	mefs, err := s.Students.ClassMEFs(ctx, p, e.UAI)
	if err != nil {
		return d, err
	}
	assigned, err := s.Students.ClassTeachers(ctx, p, e.UAI)
	if err != nil {
		return d, err
	}
	byClass := map[string][]student.ClassTeacher{}
	for _, a := range assigned {
		byClass[a.Class] = append(byClass[a.Class], a)
	}
	for _, c := range counts {
		if c.Class == "" || c.Active == 0 {
			continue
		}
		d.Classes = append(d.Classes, classTeachersRow{Class: c.Class, Active: c.Active, MEFLabel: mefName(mefs[c.Class]), Teachers: byClass[c.Class]})
	}
	if d.CanEdit {
		if d.Teachers, err = s.Students.Teachers(ctx, p, e.UAI); err != nil {
			return d, err
		}
	}
	return d, nil
}

// mefName is a formation as people read it: its label, else its code.
func mefName(m student.ClassMEF) string {
	if m.MEFLabel != "" {
		return m.MEFLabel
	}
	return m.MEF
}

// setClassTeacher assigns (or, with remove=1, removes) a teacher to a class.
func (s *Server) setClassTeacher(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	uai := r.PathValue("uai")
	class := r.PostFormValue("class")
	id, err := strconv.ParseInt(r.PostFormValue("teacher"), 10, 64)
	if err != nil {
		err = apperr.Invalid("not_a_teacher", "choose a teacher").With("uai", uai)
	} else if r.PostFormValue("remove") == "1" {
		err = s.Students.RemoveTeacher(r.Context(), p, uai, class, id)
	} else {
		err = s.Students.AssignTeacher(r.Context(), p, uai, class, id)
	}
	if err != nil {
		if k := apperr.KindOf(err); k != apperr.KindInvalid {
			return err
		}
		d, derr := s.classTeachers(r.Context(), p, uai)
		if derr != nil {
			return derr
		}
		pg := s.newPage(r, "class_teachers.title", d.E.Name)
		pg.Error = errorMessage(lang(r), err)
		pg.Data = d
		return s.renderStatus(w, r, httpStatus(err), "class_teachers", pg)
	}
	done := "assigned"
	if r.PostFormValue("remove") == "1" {
		done = "removed"
	}
	http.Redirect(w, r, "/establishments/"+url.PathEscape(uai)+"/classes?done="+done, http.StatusSeeOther)
	return nil
}
