package web_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/student"
)

// gradSchool is a school of higher education with one cohort, two rules and its people:
// the office, a jury member, and a student holding one item with a proof to check
// (Submitted) and one to provide (ToProvide).
type gradSchool struct {
	UAI                  string
	Cohort               highered.Cohort
	Student              student.Student
	Other                student.Student
	Office, Jury         *apptest.User
	Submitted, ToProvide int64
}

// graduationSchool builds a gradSchool in s under uai.
func graduationSchool(t testing.TB, s *apptest.Server, uai string) gradSchool {
	t.Helper()
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	name, higher := "École d'ingénieurs des Canuts", establishment.SectorHigher
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name, Sector: &higher})
	if err != nil {
		t.Fatal(err)
	}
	var gen bytes.Buffer
	if err := siecle.Generate(&gen, siecle.GenOptions{UAI: uai, Students: 4, Seed: 12}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Importer.Siecle(ctx, op, uai, importer.Source{Name: "e.xml", R: bytes.NewReader(gen.Bytes()), Size: int64(gen.Len())}, false); err != nil {
		t.Fatal(err)
	}
	list, err := s.App.Students.List(ctx, op, uai, student.Filter{Status: "active", Limit: 2})
	if err != nil || len(list.Students) < 2 {
		t.Fatalf("students: %v", err)
	}
	g := gradSchool{UAI: uai, Student: list.Students[0], Other: list.Students[1]}
	if _, err := s.App.Highered.SaveProgramme(ctx, op, uai, highered.Programme{Code: "ING", Label: "Ingénieur", DurationYears: 3}); err != nil {
		t.Fatal(err)
	}
	if g.Cohort, err = s.App.Highered.SaveCohort(ctx, op, uai, highered.CohortInput{ProgrammeCode: "ING", Code: "ING-2027", EntryYear: 2024, GraduationYear: 2027, JuryDate: "2099-07-01"}); err != nil {
		t.Fatal(err)
	}
	if err := s.App.DB.Tx(ctx, func(ctx context.Context) error {
		return s.App.Highered.SetMembers(ctx, e.ID, []highered.Member{{StudentID: g.Student.ID, CohortID: g.Cohort.ID, YearOfStudy: 3}, {StudentID: g.Other.ID, CohortID: g.Cohort.ID, YearOfStudy: 3}})
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []graduation.Rule{
		{Code: "TOEIC", Label: "Anglais B2 (TOEIC)", Category: "language", Measure: "toeic", Threshold: 785, Deadline: "2099-06-01", Mandatory: true},
		{Code: "STAGE", Label: "Stage de fin d'études", Category: "internship", Measure: "weeks", Threshold: 20, Deadline: "2099-06-15", Mandatory: true, ExemptionAllowed: true},
	} {
		if _, err := s.App.Graduation.SaveRule(ctx, op, uai, g.Cohort.ID, r); err != nil {
			t.Fatal(err)
		}
	}
	cl, err := s.App.Graduation.Checklist(ctx, op, uai, g.Student.ID)
	if err != nil || len(cl.Items) != 2 {
		t.Fatalf("checklist: %v", err)
	}
	for _, it := range cl.Items {
		switch it.Rule.Code {
		case "TOEIC":
			g.Submitted = it.ID
		case "STAGE":
			g.ToProvide = it.ID
		}
	}
	score := 800
	if _, err := s.App.Graduation.SubmitProof(ctx, op, uai, g.Student.ID, g.Submitted, "toeic.pdf", bytes.NewReader(minimalPDF), graduation.Change{Value: &score}); err != nil {
		t.Fatal(err)
	}
	g.Office = s.CreateUser("scol.canuts", authz.Membership{Role: authz.RoleOffice, EstablishmentID: e.ID})
	g.Jury = s.CreateUser("jury.canuts", authz.Membership{Role: authz.RoleJury, EstablishmentID: e.ID})
	return g
}

var minimalPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
