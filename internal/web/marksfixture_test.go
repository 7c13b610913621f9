package web_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/marks"
	"github.com/cartable/cartable/internal/schoolyear"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/student"
)

// marksSchool is a secondary school with a class of three pupils, a maths service
// taught by its main teacher, an assessment with marks and a locked period whose
// report cards are published.
type marksSchool struct {
	UAI                    string
	Teacher, Admin         *apptest.User
	Pupils                 []student.Student
	ServiceID, ClassID     int64
	PeriodID, OpenPeriodID int64
	AssessmentID           int64
	Grid, Council          string // paths of the open period's grid and the locked period's council
}

func marksSchoolOf(t *testing.T, s *apptest.Server, uai string) marksSchool {
	t.Helper()
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	name := "Collège des Pentes"
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	var gen bytes.Buffer
	if err := siecle.Generate(&gen, siecle.GenOptions{UAI: uai, Students: 3, Seed: 21}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Importer.Siecle(ctx, op, uai, importer.Source{Name: "e.xml", R: bytes.NewReader(gen.Bytes()), Size: int64(gen.Len())}, false); err != nil {
		t.Fatal(err)
	}
	list, err := s.App.Students.List(ctx, op, uai, student.Filter{Status: "active", Limit: 10})
	if err != nil || len(list.Students) < 3 {
		t.Fatalf("students: %v", err)
	}
	m := marksSchool{UAI: uai, Pupils: list.Students[:3]}
	m.Teacher = s.CreateUser("prof.pentes", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.ID})
	m.Admin = s.CreateUser("adm.pentes", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: e.ID})
	sy := s.App.SchoolYear
	y, err := sy.CurrentYear(ctx, e.ID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		y, err = sy.SaveYear(ctx, op, uai, schoolyear.YearInput{StartYear: s.Clock.Now().Year(), PeriodKind: schoolyear.Semestre})
	}
	if err != nil {
		t.Fatal(err)
	}
	if y.Periods, err = sy.Periods(ctx, e.ID, y.ID); err != nil || len(y.Periods) < 2 {
		t.Fatalf("periods: %v", err)
	}
	c, err := sy.SaveClass(ctx, op, uai, y.ID, schoolyear.ClassInput{Code: "3PENTES", Label: "3e Pentes", MainTeacherID: m.Teacher.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Pupils {
		if _, err := sy.Enrol(ctx, op, uai, y.ID, schoolyear.EnrolmentInput{StudentID: p.ID, ClassID: c.ID}); err != nil {
			t.Fatal(err)
		}
	}
	sv, err := sy.SaveTeaching(ctx, op, uai, y.ID, schoolyear.TeachingInput{ClassCode: c.Code, SubjectCode: "MATHS", SubjectLabel: "Mathématiques", TeacherID: m.Teacher.ID})
	if err != nil {
		t.Fatal(err)
	}
	m.ServiceID, m.ClassID, m.PeriodID, m.OpenPeriodID = sv.ID, c.ID, y.Periods[0].ID, y.Periods[1].ID
	a, err := s.App.Marks.CreateAssessment(ctx, op, uai, sv.ID, m.PeriodID, marks.AssessmentInput{Title: "Équations", Date: y.Periods[0].StartDate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Marks.SaveMarks(ctx, op, uai, sv.ID, m.PeriodID, []marks.Change{{StudentID: m.Pupils[0].ID, AssessmentID: a.ID, Value: "15,5"},
		{StudentID: m.Pupils[1].ID, AssessmentID: a.ID, Value: "ABS"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Marks.SaveCouncil(ctx, op, uai, c.ID, m.PeriodID, marks.CouncilInput{
		Appreciations: []marks.Appreciation{{StudentID: m.Pupils[0].ID, ServiceID: sv.ID, Text: "Travail sérieux."}},
		Opinions:      map[int64]marks.Opinion{m.Pupils[0].ID: {Appreciation: "Bon semestre.", Mention: "encouragements"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Marks.SetLock(ctx, op, uai, c.ID, m.PeriodID, true, "2000-01-01"); err != nil {
		t.Fatal(err)
	}
	open, err := s.App.Marks.CreateAssessment(ctx, op, uai, sv.ID, m.OpenPeriodID, marks.AssessmentInput{Title: "Fonctions", Date: y.Periods[1].StartDate, OutOf: "10"})
	if err != nil {
		t.Fatal(err)
	}
	m.AssessmentID = open.ID
	m.Grid = fmt.Sprintf("/establishments/%s/marks/services/%d/periods/%d", uai, sv.ID, m.OpenPeriodID)
	m.Council = fmt.Sprintf("/establishments/%s/marks/classes/%d/periods/%d", uai, c.ID, m.PeriodID)
	return m
}
