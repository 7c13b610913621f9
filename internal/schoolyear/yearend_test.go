package schoolyear_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/pdfdoc/pdftest"
	"github.com/cartable/cartable/internal/schoolyear"
)

func TestResultsAndCampaign(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 4)
		sy := s.App.SchoolYear
		y := f.year
		c, err := sy.SaveClass(ctx, f.admin, uai, y.ID, schoolyear.ClassInput{Code: "4A", MEF: "10210001110"})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range f.students {
			if _, err := sy.Enrol(ctx, f.admin, uai, y.ID, schoolyear.EnrolmentInput{StudentID: id, ClassID: c.ID, Regime: "externe"}); err != nil {
				t.Fatal(err)
			}
		}
		// A manual first entry.
		n, err := sy.CreatePupil(ctx, f.admin, uai, y.ID, schoolyear.NewPupil{LastName: "Nouveau", FirstName: "Élise", BirthDate: "2012-03-04", Sex: "F",
			EnrolmentInput: schoolyear.EnrolmentInput{ClassID: c.ID}})
		if err != nil || n.Class != "4A" || n.MEF != "10210001110" {
			t.Fatalf("first entry: %+v, %v", n, err)
		}
		_, err = sy.CreatePupil(ctx, f.admin, uai, y.ID, schoolyear.NewPupil{FirstName: "Sans nom"})
		wantCode(t, "first entry without a name", err, "required")
		st, err := s.App.Students.Get(ctx, f.admin, uai, n.StudentID)
		if err != nil || st.LastName != "NOUVEAU" || st.Class != "4A" || st.AccountID == 0 {
			t.Fatalf("the student entered by hand: %+v, %v", st, err)
		}
		all := append(append([]int64{}, f.students...), n.StudentID)
		results := []schoolyear.Result{
			{StudentID: all[0], Decision: "passage", NextMEF: "10310019110"},
			{StudentID: all[1], Decision: "redoublement"},
			{StudentID: all[2], Decision: "depart"},
			{StudentID: all[3], Decision: "orientation", NextMEF: "24000000000", Orientation: "3e prépa-métiers"},
			{StudentID: all[4], Decision: "passage", NextMEF: "10310019110", Diploma: "DNB", DiplomaResult: "admis", DiplomaMention: "bien"},
		}
		_, err = sy.SaveResults(ctx, f.admin, uai, y.ID, []schoolyear.Result{{StudentID: all[0], Decision: "triomphe"}})
		wantCode(t, "unknown decision", err, "invalid_choice")
		_, err = sy.SaveResults(ctx, f.teacher, uai, y.ID, results)
		wantCode(t, "a teacher saves results", err, "forbidden")
		if _, err := sy.SaveResults(ctx, f.admin, uai, y.ID, results); err != nil {
			t.Fatal(err)
		}
		props, _, err := sy.Campaign(ctx, f.admin, uai, y.ID)
		if err != nil || len(props) != 5 {
			t.Fatalf("campaign: %+v, %v", props, err)
		}
		want := map[int64]string{all[0]: "10310019110", all[1]: "10210001110", all[3]: "24000000000", all[4]: "10310019110"}
		for _, p := range props {
			if p.Pupil.StudentID == all[2] {
				if !p.Skip {
					t.Error("a départ is proposed for next year")
				}
				continue
			}
			if p.Skip || p.MEF != want[p.Pupil.StudentID] {
				t.Errorf("proposal for %d: %+v, want MEF %s", p.Pupil.StudentID, p, want[p.Pupil.StudentID])
			}
		}
		// Confirm all but the last: next year exists, four pre-enrolments... three.
		created, err := sy.ConfirmCampaign(ctx, f.admin, uai, y.ID, all[:4])
		if err != nil || created != 3 {
			t.Fatalf("confirm: %d, %v", created, err)
		}
		ny, err := sy.YearOf(ctx, f.e.ID, 2027)
		if err != nil || ny.PeriodKind != schoolyear.Semestre {
			t.Fatalf("next year: %+v, %v", ny, err)
		}
		next, _ := sy.YearPupils(ctx, f.e.ID, ny.ID)
		if len(next) != 3 || next[0].Status != schoolyear.PreEnrolled || next[0].Regime != "externe" {
			t.Fatalf("next year's pupils: %+v", next)
		}
		// Confirming again creates nothing more; the last one can still be added.
		if created, err := sy.ConfirmCampaign(ctx, f.admin, uai, y.ID, all); err != nil || created != 1 {
			t.Fatalf("second confirm: %d, %v", created, err)
		}
		// students.class follows the current year only: next year's enrolments leave it.
		st, _ = s.App.Students.Get(ctx, f.admin, uai, all[0])
		if st.Class != "4A" {
			t.Fatalf("students.class after the campaign: %q", st.Class)
		}
	})
}

func TestAttestation(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 2)
		sy := s.App.SchoolYear
		c, err := sy.SaveClass(ctx, f.admin, uai, f.year.ID, schoolyear.ClassInput{Code: "2NDE1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sy.Enrol(ctx, f.admin, uai, f.year.ID, schoolyear.EnrolmentInput{StudentID: f.students[0], ClassID: c.ID}); err != nil {
			t.Fatal(err)
		}
		_, err = sy.IssueAttestation(ctx, f.admin, uai, f.students[1])
		wantCode(t, "attestation of a pupil not enrolled", err, "enrolment_not_found")
		_, err = sy.IssueAttestation(ctx, f.otherAdm, uai, f.students[0])
		wantCode(t, "another school's admin", err, "establishment_not_found")
		a, err := sy.IssueAttestation(ctx, f.admin, uai, f.students[0])
		if err != nil {
			t.Fatal(err)
		}
		v, err := sy.Verify(ctx, a.Token)
		if err != nil || v.Revoked || v.Year != "2026-2027" || v.UAI != uai || !strings.Contains(v.Name, "NOMZ") {
			t.Fatalf("verify: %+v, %v", v, err)
		}
		// Forged, altered or truncated tokens are all "not found".
		for _, bad := range []string{"", "x", a.Token + "x", strings.Replace(a.Token, ".", ".A", 1), "1.abc.def", strings.Repeat("9", 300)} {
			if _, err := sy.Verify(ctx, bad); apperr.CodeOf(err) != "attestation_not_found" {
				t.Errorf("verify %q: %v", bad, err)
			}
		}
		var buf bytes.Buffer
		if err := sy.AttestationPDF(ctx, f.admin, uai, f.students[0], a.ID, &buf, "fr"); err != nil {
			t.Fatal(err)
		}
		text := pdftest.Text(buf.Bytes())
		for _, want := range []string{"Certificat de scolarit", "2026-2027", "2NDE1", "/attestations/"} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF lacks %q:\n%s", want, text)
			}
		}
		if err := sy.RevokeAttestation(ctx, f.teacher, uai, f.students[0], a.ID); apperr.CodeOf(err) != "forbidden" {
			t.Fatalf("a teacher revokes: %v", err)
		}
		if err := sy.RevokeAttestation(ctx, f.admin, uai, f.students[0], a.ID); err != nil {
			t.Fatal(err)
		}
		if v, err := sy.Verify(ctx, a.Token); err != nil || !v.Revoked {
			t.Fatalf("verify after revocation: %+v, %v", v, err)
		}
		wantCode(t, "revoke twice", sy.RevokeAttestation(ctx, f.admin, uai, f.students[0], a.ID), "attestation_not_found")
	})
}

const stsSample = `<?xml version="1.0" encoding="ISO-8859-15"?>
<STS_EDT>
  <PARAMETRES><UAJ>0691111H</UAJ><ANNEE_SCOLAIRE ANNEE="2026"/></PARAMETRES>
  <DONNEES>
    <NOMENCLATURES><MATIERES>
      <MATIERE CODE="061300"><CODE_GESTION>MATHS</CODE_GESTION><LIBELLE_COURT>MATHEMATIQUES</LIBELLE_COURT></MATIERE>
      <MATIERE CODE="020700"><CODE_GESTION>LCALA</CODE_GESTION><LIBELLE_LONG>LANGUES ET CULTURES DE L'ANTIQUITE LATIN</LIBELLE_LONG></MATIERE>
    </MATIERES></NOMENCLATURES>
    <INDIVIDUS>
      <INDIVIDU ID="11" TYPE="epp"><NOM_USAGE>DURAND</NOM_USAGE><PRENOM>Alice</PRENOM></INDIVIDU>
      <INDIVIDU ID="12" TYPE="epp"><NOM_USAGE>INCONNU</NOM_USAGE><PRENOM>Bob</PRENOM></INDIVIDU>
    </INDIVIDUS>
    <STRUCTURE>
      <DIVISIONS>
        <DIVISION CODE="3A"><SERVICES>
          <SERVICE CODE_MATIERE="061300"><ENSEIGNANTS><ENSEIGNANT ID="11" TYPE="epp"/></ENSEIGNANTS></SERVICE>
        </SERVICES></DIVISION>
      </DIVISIONS>
      <GROUPES>
        <GROUPE CODE="LATIN3"><DIVISIONS_APPARTENANCE><DIVISION_APPARTENANCE CODE="3A"/></DIVISIONS_APPARTENANCE>
          <SERVICES><SERVICE CODE_MATIERE="020700"><ENSEIGNANTS><ENSEIGNANT ID="12" TYPE="epp"/></ENSEIGNANTS></SERVICE></SERVICES>
        </GROUPE>
      </GROUPES>
    </STRUCTURE>
  </DONNEES>
</STS_EDT>`

func TestImportServices(t *testing.T) {
	rows, err := schoolyear.ParseSTS(strings.NewReader(stsSample))
	if err != nil || len(rows) != 2 {
		t.Fatalf("parse: %+v, %v", rows, err)
	}
	if rows[0].ClassCode != "3A" || rows[0].SubjectLabel != "MATHEMATIQUES" || rows[0].Teacher != "DURAND Alice" ||
		rows[1].GroupCode != "LATIN3" || rows[1].ClassCode != "" || rows[1].Teacher != "INCONNU Bob" || !strings.HasPrefix(rows[1].SubjectLabel, "LANGUES") {
		t.Fatalf("rows: %+v", rows)
	}
	deep := strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40)
	if _, err := schoolyear.ParseSTS(strings.NewReader(deep)); apperr.CodeOf(err) != "xml_too_deep" {
		t.Fatalf("deep XML: %v", err)
	}
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 1)
		sy := s.App.SchoolYear
		if _, err := sy.SaveClass(ctx, f.admin, uai, f.year.ID, schoolyear.ClassInput{Code: "3A"}); err != nil {
			t.Fatal(err)
		}
		alice, _, err := s.App.Accounts.Create(ctx, authz.OperatorPrincipal(), account.CreateInput{Login: "alice.durand", DisplayName: "DURAND Alice",
			Roles: []authz.Membership{{Role: authz.RoleTeacher, EstablishmentID: f.e.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := sy.ImportServices(ctx, f.admin, uai, f.year.ID, "sts.xml", strings.NewReader(stsSample), true)
		if err != nil || rep.Created != 2 || len(rep.Errors) != 0 || len(rep.Warnings) != 1 || rep.Warnings[0].Line == 0 {
			t.Fatalf("dry run: %+v, %v", rep, err)
		}
		if list, _ := sy.TeachingsOfYear(ctx, f.e.ID, f.year.ID); len(list) != 0 {
			t.Fatalf("a dry run wrote %d services", len(list))
		}
		if _, err := sy.ImportServices(ctx, f.admin, uai, f.year.ID, "sts.xml", strings.NewReader(stsSample), false); err != nil {
			t.Fatal(err)
		}
		mine, _ := sy.TeachingsOfTeacher(ctx, f.e.ID, f.year.ID, alice.ID)
		if len(mine) != 1 || mine[0].SubjectCode != "061300" {
			t.Fatalf("the teacher's services: %+v", mine)
		}
		// CSV: a bad row names its line and field, and nothing is written.
		csv := "classe;groupe;matiere;libelle;enseignant;coefficient\n3A;;061300;Maths;alice.durand;2\n9Z;;030201;Anglais;;1\n"
		rep, err = sy.ImportServices(ctx, f.admin, uai, f.year.ID, "s.csv", strings.NewReader(csv), false)
		if err != nil || len(rep.Errors) != 1 || rep.Errors[0].Line != 3 || rep.Errors[0].Field != "class" {
			t.Fatalf("CSV with an error: %+v, %v", rep, err)
		}
		if m, _ := sy.TeachingsOfTeacher(ctx, f.e.ID, f.year.ID, alice.ID); m[0].Coefficient != 100 {
			t.Fatalf("a refused import changed a coefficient: %+v", m)
		}
		rep, err = sy.ImportServices(ctx, f.admin, uai, f.year.ID, "s.csv", strings.NewReader(csv[:strings.LastIndex(csv[:len(csv)-1], "\n")+1]), false)
		if err != nil || len(rep.Errors) != 0 || rep.Updated != 1 {
			t.Fatalf("CSV: %+v, %v", rep, err)
		}
		if m, _ := sy.TeachingsOfTeacher(ctx, f.e.ID, f.year.ID, alice.ID); m[0].Coefficient != 200 || m[0].SubjectLabel != "Maths" {
			t.Fatalf("after the CSV: %+v", m)
		}
		_, err = sy.ImportServices(ctx, f.admin, uai, f.year.ID, "s.csv", strings.NewReader("classe;x\n3A;1\n"), false)
		wantCode(t, "no subject column", err, "services_columns")
	})
}
