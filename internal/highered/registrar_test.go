package highered_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/highered"
)

const uai = "0691999Y"

func school(t *testing.T, s *apptest.Server, sector string) establishment.Establishment {
	t.Helper()
	ctx := context.Background()
	name := "École"
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name, Sector: &sector})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestProgrammesAndCohorts(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		op := authz.OperatorPrincipal()
		e := school(t, s, establishment.SectorSecondary)
		_, err := s.App.Highered.SaveProgramme(ctx, op, uai, highered.Programme{Code: "ING", Label: "Ingénieur", DurationYears: 3})
		if apperr.CodeOf(err) != "not_higher_education" {
			t.Fatalf("secondary: %v", err)
		}
		higher := establishment.SectorHigher
		if _, err := s.App.Establishments.Update(ctx, authz.Operator, establishment.Input{UAI: uai, Sector: &higher}); err != nil {
			t.Fatal(err)
		}
		bad := "university"
		if _, err := s.App.Establishments.Update(ctx, authz.Operator, establishment.Input{UAI: uai, Sector: &bad}); apperr.CodeOf(err) != "invalid_sector" {
			t.Fatalf("bad sector: %v", err)
		}
		if _, err := s.App.Highered.SaveProgramme(ctx, op, uai, highered.Programme{Code: "ING", Label: "Ingénieur", DurationYears: 0}); apperr.CodeOf(err) != "invalid_duration" {
			t.Fatalf("duration: %v", err)
		}
		p, err := s.App.Highered.SaveProgramme(ctx, op, uai, highered.Programme{Code: "ING", Label: "Ingénieur", Level: "Bac+5", DurationYears: 3})
		if err != nil {
			t.Fatal(err)
		}
		// Saving by code again updates.
		if p2, err := s.App.Highered.SaveProgramme(ctx, op, uai, highered.Programme{Code: "ING", Label: "Diplôme d'ingénieur", DurationYears: 3}); err != nil || p2.ID != p.ID {
			t.Fatalf("update: %+v %v", p2, err)
		}
		if _, err := s.App.Highered.SaveCohort(ctx, op, uai, highered.CohortInput{ProgrammeCode: "XX", Code: "C", EntryYear: 2024, GraduationYear: 2027, JuryDate: "2027-07-01"}); apperr.CodeOf(err) != "programme_not_found" {
			t.Fatalf("unknown programme: %v", err)
		}
		if _, err := s.App.Highered.SaveCohort(ctx, op, uai, highered.CohortInput{ProgrammeCode: "ING", Code: "C", EntryYear: 2024, GraduationYear: 2027, JuryDate: "01/07/2027"}); apperr.CodeOf(err) != "invalid_date" {
			t.Fatalf("bad date: %v", err)
		}
		c, err := s.App.Highered.SaveCohort(ctx, op, uai, highered.CohortInput{ProgrammeCode: "ING", Code: "ING-2027", EntryYear: 2024, GraduationYear: 2027, JuryDate: "2027-07-01"})
		if err != nil || c.ProgrammeCode != "ING" || c.JuryDate != "2027-07-01" {
			t.Fatalf("cohort: %+v %v", c, err)
		}
		// Roles: the jury reads, does not write; a teacher of another school sees nothing.
		jury := s.CreateUser("jury.x", authz.Membership{Role: authz.RoleJury, EstablishmentID: e.ID})
		pj := &authz.Principal{AccountID: jury.ID, Login: jury.Login, Roles: []authz.Membership{{Role: authz.RoleJury, EstablishmentID: e.ID}}}
		if list, err := s.App.Highered.Cohorts(ctx, pj, uai); err != nil || len(list) != 1 {
			t.Fatalf("jury reads: %v %v", list, err)
		}
		if _, err := s.App.Highered.SaveProgramme(ctx, pj, uai, highered.Programme{Code: "M", Label: "M", DurationYears: 2}); apperr.CodeOf(err) != "forbidden" {
			t.Fatalf("jury writes: %v", err)
		}
		stranger := &authz.Principal{AccountID: 999, Roles: []authz.Membership{{Role: authz.RoleOffice, EstablishmentID: e.ID + 100}}}
		if _, err := s.App.Highered.Cohorts(ctx, stranger, uai); apperr.CodeOf(err) != "establishment_not_found" {
			t.Fatalf("stranger: %v", err)
		}
	})
}

const csvFile = "N° étudiant;Nom;Prénom;Date de naissance;Courriel;Formation;Promotion;Année\n" +
	"2024001;Martin;Léa;03/05/2003;lea.martin@example.org;ING;ING-2027;3\n" +
	"2024002;Durand;Hugo;2003-11-21;;ING;ING-2027;3\n" +
	"2024003;Petit;Inès;31/02/2003;ines@example.org;ING;ING-2027;3\n" +
	"2024004;Roux;;01/01/2003;x;ING;ING-2099;12\n" +
	"2024001;Martin;Léa;03/05/2003;;ING;ING-2027;3\n"

func setupHigher(t *testing.T, s *apptest.Server) (establishment.Establishment, highered.Cohort) {
	t.Helper()
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	e := school(t, s, establishment.SectorHigher)
	if _, err := s.App.Highered.SaveProgramme(ctx, op, uai, highered.Programme{Code: "ING", Label: "Ingénieur", DurationYears: 3}); err != nil {
		t.Fatal(err)
	}
	c, err := s.App.Highered.SaveCohort(ctx, op, uai, highered.CohortInput{ProgrammeCode: "ING", Code: "ING-2027", EntryYear: 2024, GraduationYear: 2027, JuryDate: "2027-07-01"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Graduation.SaveRule(ctx, op, uai, c.ID, graduation.Rule{Code: "TOEIC", Label: "TOEIC", Category: "language", Mandatory: true, Deadline: "2027-06-01"}); err != nil {
		t.Fatal(err)
	}
	return e, c
}

func TestRegistrarImport(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		op := authz.OperatorPrincipal()
		_, c := setupHigher(t, s)
		src := func(body string) highered.RegistrarSource {
			return highered.RegistrarSource{Name: "scol.csv", R: strings.NewReader(body), Size: int64(len(body))}
		}
		// Dry run: the diff, the warnings by row and field, nothing written.
		rep, err := s.App.Highered.Registrar(ctx, op, uai, src(csvFile), highered.RegistrarOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 5 || rep.Created != 2 || rep.Rejected != 3 {
			t.Fatalf("dry run: %+v", rep)
		}
		want := map[string]bool{"4/birth_date": true, "5/first_name": true, "5/email": true, "5/cohort": true, "5/year": true, "6/student_number": true}
		got := map[string]bool{}
		for _, w := range rep.Warnings {
			got[itoa(w.Row)+"/"+w.Field] = true
		}
		for k := range want {
			if !got[k] {
				t.Errorf("missing warning %s in %+v", k, rep.Warnings)
			}
		}
		if m, _ := s.App.Highered.Members(ctx, c.EstablishmentID, c.ID); len(m) != 0 {
			t.Fatalf("dry run wrote %d members", len(m))
		}
		rep, err = s.App.Highered.Registrar(ctx, op, uai, src(csvFile), highered.RegistrarOptions{})
		if err != nil || rep.Created != 2 || rep.AccountsCreated != 2 {
			t.Fatalf("apply: %+v %v", rep, err)
		}
		members, _ := s.App.Highered.Members(ctx, c.EstablishmentID, c.ID)
		if len(members) != 2 || members[0].Email != "lea.martin@example.org" || members[0].YearOfStudy != 3 {
			t.Fatalf("members: %+v", members)
		}
		// The graduation items came with the cohort.
		m, err := s.App.Graduation.Matrix(ctx, op, uai, c.ID, "")
		if err != nil || len(m.Rows) != 2 || m.Rows[0].Cells[0].State != graduation.ToProvide {
			t.Fatalf("matrix: %+v %v", m, err)
		}
		// Idempotent: the same file again changes nothing.
		rep, err = s.App.Highered.Registrar(ctx, op, uai, src(csvFile), highered.RegistrarOptions{})
		if err != nil || rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 2 {
			t.Fatalf("re-run: %+v %v", rep, err)
		}
		// An XLSX with other headers, through the mapping (remembered), as a full
		// export: Durand is absent and deactivated, Martin changes name.
		x := excelize.NewFile()
		for i, row := range [][]any{{"ID", "NOM_USAGE", "PRENOM", "DN", "MAIL", "FORM", "PROMO", "AN"},
			{"2024001", "Martin-Roy", "Léa", "03/05/2003", "lea.martin@example.org", "ING", "ING-2027", 3}} {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := x.SetSheetRow("Sheet1", cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := x.Write(&buf); err != nil {
			t.Fatal(err)
		}
		mapping, err := highered.ParseMapping("student_number=ID\nlast_name = NOM_USAGE;first_name=PRENOM;birth_date=DN;email=MAIL;programme=FORM;cohort=PROMO;year=AN")
		if err != nil || mapping["last_name"] != "NOM_USAGE" || len(mapping) != 8 {
			t.Fatalf("mapping: %v %v", mapping, err)
		}
		if _, err := highered.ParseMapping("nom=NOM"); apperr.CodeOf(err) != "invalid_mapping" {
			t.Fatalf("bad mapping: %v", err)
		}
		xsrc := func() highered.RegistrarSource {
			return highered.RegistrarSource{Name: "scol.xlsx", R: bytes.NewReader(buf.Bytes()), Size: int64(buf.Len())}
		}
		if _, err := s.App.Highered.Registrar(ctx, op, uai, xsrc(), highered.RegistrarOptions{DryRun: true}); apperr.CodeOf(err) != "registrar_columns" {
			t.Fatalf("no mapping: %v", err)
		}
		rep, err = s.App.Highered.Registrar(ctx, op, uai, xsrc(), highered.RegistrarOptions{Mapping: mapping, Full: true})
		if err != nil || rep.Updated != 1 || rep.Deactivated != 1 || rep.Changes.Deactivated[0].StudentNumber != "2024002" {
			t.Fatalf("xlsx full: %+v %v", rep, err)
		}
		// The mapping is remembered: the same workbook again, without one, changes nothing.
		rep, err = s.App.Highered.Registrar(ctx, op, uai, xsrc(), highered.RegistrarOptions{Full: true})
		if err != nil || rep.Unchanged != 1 || rep.Updated+rep.Deactivated+rep.Created != 0 {
			t.Fatalf("remembered mapping: %+v %v", rep, err)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
