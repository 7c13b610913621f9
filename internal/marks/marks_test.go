package marks_test

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/marks"
	"github.com/cartable/cartable/internal/pdfdoc/pdftest"
	"github.com/cartable/cartable/internal/schoolyear"
	"github.com/cartable/cartable/internal/student"
)

const uai, otherUAI = "0691111H", "0692222R"

type fixture struct {
	s                   *apptest.Server
	e, other            establishment.Establishment
	students, accounts  []int64
	admin, main, french *authz.Principal
	otherAdm            *authz.Principal
	year                schoolyear.Year
	class               schoolyear.Class
	maths, frenchS      schoolyear.Teaching
	s1, s2              int64
}

func member(u *apptest.User, role authz.Role, e establishment.Establishment) *authz.Principal {
	return &authz.Principal{AccountID: u.ID, Login: u.Login, Roles: []authz.Membership{{Role: role, EstablishmentID: e.ID, UAI: e.UAI}}}
}

func (f *fixture) pupil(i int) *authz.Principal {
	return &authz.Principal{AccountID: f.accounts[i], Login: "eleve", Roles: []authz.Membership{{Role: authz.RoleStudent, EstablishmentID: f.e.ID, UAI: f.e.UAI}}}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("%s: got %v (code %q), want %s", what, err, apperr.CodeOf(err), code)
	}
}

// setup: a school with 3 pupils (with accounts) in class 3A, 2026-2027 in semesters;
// maths (coef 3) by the main teacher, French (coef 2) by another teacher; the clock on
// 2026-10-01.
func setup(t *testing.T, s *apptest.Server) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{s: s}
	for i, u := range []string{uai, otherUAI} {
		name := "Collège " + u
		e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: u, Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.e = e
		} else {
			f.other = e
		}
	}
	err := s.App.DB.Tx(ctx, func(ctx context.Context) error {
		people := []account.Person{{FirstName: "Léa", LastName: "ARNAUD"}, {FirstName: "Paul", LastName: "BRUN"}, {FirstName: "Zoé", LastName: "CAMUS"}}
		accs, err := s.App.Accounts.CreateMany(ctx, authz.Operator, authz.Membership{Role: authz.RoleStudent, EstablishmentID: f.e.ID, UAI: f.e.UAI}, people)
		if err != nil {
			return err
		}
		ins := make([]student.Insert, len(people))
		for i := range ins {
			ins[i] = student.Insert{Record: &student.Record{EleveID: "00" + string(rune('1'+i)), LastName: people[i].LastName, FirstName: people[i].FirstName,
				INEStatus: "missing", Status: student.StatusActive}, AccountID: accs[i].ID, NouvelEleve: "0"}
			f.accounts = append(f.accounts, accs[i].ID)
		}
		f.students, err = student.Apply(ctx, s.App.DB, f.e, ins, nil, s.Clock.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.admin = member(s.CreateUser("adm.mk", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: f.e.ID}), authz.RoleAdmin, f.e)
	f.main = member(s.CreateUser("prof.maths", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: f.e.ID}), authz.RoleTeacher, f.e)
	f.french = member(s.CreateUser("prof.fr", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: f.e.ID}), authz.RoleTeacher, f.e)
	f.otherAdm = member(s.CreateUser("adm.other", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: f.other.ID}), authz.RoleAdmin, f.other)
	s.Clock.Advance(time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC).Sub(s.Clock.Now()))
	sy := s.App.SchoolYear
	if f.year, err = sy.SaveYear(ctx, f.admin, uai, schoolyear.YearInput{StartYear: 2026, PeriodKind: schoolyear.Semestre}); err != nil {
		t.Fatal(err)
	}
	f.s1, f.s2 = f.year.Periods[0].ID, f.year.Periods[1].ID
	if f.class, err = sy.SaveClass(ctx, f.admin, uai, f.year.ID, schoolyear.ClassInput{Code: "3A", Label: "3e A", MainTeacherID: f.main.AccountID}); err != nil {
		t.Fatal(err)
	}
	for _, id := range f.students {
		if _, err := sy.Enrol(ctx, f.admin, uai, f.year.ID, schoolyear.EnrolmentInput{StudentID: id, ClassID: f.class.ID}); err != nil {
			t.Fatal(err)
		}
	}
	three, two := 300, 200
	if f.maths, err = sy.SaveTeaching(ctx, f.admin, uai, f.year.ID, schoolyear.TeachingInput{ClassCode: "3A", SubjectCode: "MATHS", SubjectLabel: "Mathématiques", TeacherID: f.main.AccountID, Coefficient: &three}); err != nil {
		t.Fatal(err)
	}
	if f.frenchS, err = sy.SaveTeaching(ctx, f.admin, uai, f.year.ID, schoolyear.TeachingInput{ClassCode: "3A", SubjectCode: "FRANC", SubjectLabel: "Français", TeacherID: f.french.AccountID, Coefficient: &two}); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestMarksGridAndAverages(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s)
		m := s.App.Marks
		a1, err := m.CreateAssessment(ctx, f.main, uai, f.maths.ID, f.s1, marks.AssessmentInput{Title: "Contrôle 1", Date: "2026-10-01"})
		if err != nil {
			t.Fatal(err)
		}
		a2, err := m.CreateAssessment(ctx, f.main, uai, f.maths.ID, f.s1, marks.AssessmentInput{Title: "DM", Date: "2026-10-05", OutOf: "10", Coef: "2"})
		if err != nil || a2.OutOf != 1000 || a2.Coef != 200 {
			t.Fatalf("DM: %+v %v", a2, err)
		}
		// Only the service's teacher and the admin: not the French teacher, not another school.
		_, err = m.CreateAssessment(ctx, f.french, uai, f.maths.ID, f.s1, marks.AssessmentInput{Title: "x", Date: "2026-10-01"})
		wantCode(t, "French teacher creates in maths", err, "not_service_teacher")
		_, err = m.CreateAssessment(ctx, f.otherAdm, uai, f.maths.ID, f.s1, marks.AssessmentInput{Title: "x", Date: "2026-10-01"})
		wantCode(t, "other school", err, "establishment_not_found")
		_, err = m.Grid(ctx, f.otherAdm, otherUAI, f.maths.ID, f.s1)
		wantCode(t, "service through another school", err, "service_not_found")
		_, err = m.CreateAssessment(ctx, f.main, uai, f.maths.ID, f.s1, marks.AssessmentInput{Title: "x", Date: "2026-10-01", OutOf: "0"})
		wantCode(t, "out of 0", err, "invalid_out_of")

		p0, p1, p2 := f.students[0], f.students[1], f.students[2]
		// Pupil 0: 12/20 and 8/10 (16/20) → (12 + 32)/3 = 14.666… → 14,67.
		// Pupil 1: ABS and 5,5/10 (11/20) → 11,00. Pupil 2: nothing.
		n, err := m.SaveMarks(ctx, f.main, uai, f.maths.ID, f.s1, []marks.Change{
			{StudentID: p0, AssessmentID: a1.ID, Value: "12"}, {StudentID: p0, AssessmentID: a2.ID, Value: "8"},
			{StudentID: p1, AssessmentID: a1.ID, Value: "abs"}, {StudentID: p1, AssessmentID: a2.ID, Value: "5,5"}})
		if err != nil || n != 4 {
			t.Fatalf("save: %d %v", n, err)
		}
		_, err = m.SaveMarks(ctx, f.main, uai, f.maths.ID, f.s1, []marks.Change{{StudentID: p2, AssessmentID: a2.ID, Value: "11"}})
		wantCode(t, "11 out of 10", err, "mark_out_of_bounds")
		_, err = m.SaveMarks(ctx, f.french, uai, f.maths.ID, f.s1, []marks.Change{{StudentID: p2, AssessmentID: a1.ID, Value: "11"}})
		wantCode(t, "French teacher types in maths", err, "not_service_teacher")
		g, err := m.Grid(ctx, f.french, uai, f.maths.ID, f.s1)
		if err != nil {
			t.Fatal(err)
		}
		if g.CanWrite || g.Averages[p0] != 1467 || g.Averages[p1] != 1100 || len(g.Pupils) != 3 {
			t.Fatalf("grid: write %v, averages %v, %d pupils", g.CanWrite, g.Averages, len(g.Pupils))
		}
		// (14.67 + 11)/2 = 12.835 → 12,84
		if g.Stats != (marks.Stats{N: 2, Avg: 1284, Min: 1100, Max: 1467}) {
			t.Fatalf("stats: %+v", g.Stats)
		}
		// Clearing a mark: pupil 0's DM gone → 12,00.
		if _, err := m.SaveMarks(ctx, f.admin, uai, f.maths.ID, f.s1, []marks.Change{{StudentID: p0, AssessmentID: a2.ID, Value: ""}}); err != nil {
			t.Fatal(err)
		}
		// Lowering the DM's maximum under 5,5 is refused.
		_, err = m.UpdateAssessment(ctx, f.main, uai, a2.ID, marks.AssessmentInput{Title: "DM", Date: "2026-10-05", OutOf: "5", Coef: "2"})
		wantCode(t, "out of under a mark", err, "out_of_below_marks")
		if g, _ = m.Grid(ctx, f.main, uai, f.maths.ID, f.s1); g.Averages[p0] != 1200 || !g.CanWrite {
			t.Fatalf("after clearing: %v", g.Averages)
		}

		// A closed period is read-only.
		if _, err := s.App.SchoolYear.SetPeriodClosed(ctx, f.admin, uai, f.s1, true); err != nil {
			t.Fatal(err)
		}
		_, err = m.SaveMarks(ctx, f.main, uai, f.maths.ID, f.s1, []marks.Change{{StudentID: p2, AssessmentID: a1.ID, Value: "10"}})
		wantCode(t, "closed period", err, "period_closed")
		if g, _ = m.Grid(ctx, f.main, uai, f.maths.ID, f.s1); g.CanWrite || !g.Locked {
			t.Fatal("a closed period's grid is writable")
		}
	})
}

func TestMarksSheetImport(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s)
		m := s.App.Marks
		a1, err := m.CreateAssessment(ctx, f.french, uai, f.frenchS.ID, f.s1, marks.AssessmentInput{Title: "Dictée", Date: "2026-10-01"})
		if err != nil {
			t.Fatal(err)
		}
		sh, err := m.Template(ctx, f.french, uai, f.frenchS.ID, f.s1)
		if err != nil || len(sh.Students) != 3 {
			t.Fatalf("template: %+v %v", sh, err)
		}
		var buf bytes.Buffer
		if err := marks.WriteSheetXLSX(&buf, sh); err != nil {
			t.Fatal(err)
		}
		file := "eleve_id;nom;prenom;Dictée [#" + itoa(a1.ID) + "]\n001;ARNAUD;Léa;14,5\n002;BRUN;Paul;ABS\n003;CAMUS;Zoé;\n"
		rep, err := m.ImportSheet(ctx, f.french, uai, f.frenchS.ID, f.s1, strings.NewReader(file), true)
		if err != nil || rep.Added != 2 || rep.Unchanged != 1 || len(rep.Diff) != 2 {
			t.Fatalf("dry run: %+v %v", rep, err)
		}
		if g, _ := m.Grid(ctx, f.french, uai, f.frenchS.ID, f.s1); len(g.Marks) != 0 {
			t.Fatal("the dry run saved marks")
		}
		if rep, err = m.ImportSheet(ctx, f.french, uai, f.frenchS.ID, f.s1, strings.NewReader(file), false); err != nil || rep.Added != 2 {
			t.Fatalf("import: %+v %v", rep, err)
		}
		// Re-runnable: the same file changes nothing.
		if rep, err = m.ImportSheet(ctx, f.french, uai, f.frenchS.ID, f.s1, strings.NewReader(file), false); err != nil || rep.Added+rep.Changed+rep.Removed != 0 || rep.Unchanged != 3 {
			t.Fatalf("again: %+v %v", rep, err)
		}
		// One bad cell: nothing saved, the problem names its row and column.
		bad := "eleve_id;Dictée\n001;15\n002;21\n"
		rep, err = m.ImportSheet(ctx, f.french, uai, f.frenchS.ID, f.s1, strings.NewReader(bad), false)
		wantCode(t, "bad sheet", err, "sheet_problems")
		if len(rep.Problems) != 1 || rep.Problems[0].Row != 3 || rep.Problems[0].Column != "Dictée" || rep.Problems[0].Key != "marks.problem.above_max" {
			t.Fatalf("problems: %+v", rep.Problems)
		}
		g, _ := m.Grid(ctx, f.french, uai, f.frenchS.ID, f.s1)
		if g.Marks[f.students[0]][a1.ID] != (marks.Mark{Value: 1450}) {
			t.Fatalf("a refused file changed a mark: %+v", g.Marks[f.students[0]])
		}
		// The maths teacher does not import into French.
		_, err = m.ImportSheet(ctx, f.main, uai, f.frenchS.ID, f.s1, strings.NewReader(file), false)
		wantCode(t, "maths teacher imports French", err, "not_service_teacher")
	})
}

// cp1252 is a text as the PDF's core fonts carry it.
func cp1252(s string) string {
	b, _ := charmap.Windows1252.NewEncoder().String(s)
	return b
}

func itoa(n int64) string {
	return strings.TrimSpace(strings.Replace(marks.FormatPoints(n*100, "en"), ",", "", -1))
}

func TestCouncilAndReportCards(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s)
		m := s.App.Marks
		am, _ := m.CreateAssessment(ctx, f.main, uai, f.maths.ID, f.s1, marks.AssessmentInput{Title: "Contrôle", Date: "2026-10-01"})
		af, _ := m.CreateAssessment(ctx, f.french, uai, f.frenchS.ID, f.s1, marks.AssessmentInput{Title: "Dictée", Date: "2026-10-01"})
		p0, p1 := f.students[0], f.students[1]
		if _, err := m.SaveMarks(ctx, f.main, uai, f.maths.ID, f.s1, []marks.Change{{StudentID: p0, AssessmentID: am.ID, Value: "15"}, {StudentID: p1, AssessmentID: am.ID, Value: "9"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.SaveMarks(ctx, f.french, uai, f.frenchS.ID, f.s1, []marks.Change{{StudentID: p0, AssessmentID: af.ID, Value: "10"}}); err != nil {
			t.Fatal(err)
		}
		// The French teacher writes his subject's appreciation, not maths', not the opinion.
		err := m.SaveCouncil(ctx, f.french, uai, f.class.ID, f.s1, marks.CouncilInput{Appreciations: []marks.Appreciation{{StudentID: p0, ServiceID: f.frenchS.ID, Text: "Bon trimestre."}}})
		if err != nil {
			t.Fatal(err)
		}
		err = m.SaveCouncil(ctx, f.french, uai, f.class.ID, f.s1, marks.CouncilInput{Appreciations: []marks.Appreciation{{StudentID: p0, ServiceID: f.maths.ID, Text: "x"}}})
		wantCode(t, "French teacher in maths", err, "not_service_teacher")
		err = m.SaveCouncil(ctx, f.french, uai, f.class.ID, f.s1, marks.CouncilInput{Opinions: map[int64]marks.Opinion{p0: {Appreciation: "x"}}})
		wantCode(t, "French teacher writes the opinion", err, "not_main_teacher")
		err = m.SaveCouncil(ctx, f.main, uai, f.class.ID, f.s1, marks.CouncilInput{Opinions: map[int64]marks.Opinion{
			p0: {Appreciation: "Très bon semestre, continuez.", Mention: "felicitations", Decision: "Passage en 2de"}}})
		if err != nil {
			t.Fatal(err)
		}
		co, err := m.Council(ctx, f.french, uai, f.class.ID, f.s1)
		if err != nil {
			t.Fatal(err)
		}
		// Pupil 0: maths 15 (coef 3), French 10 (coef 2) → (45 + 20)/5 = 13,00. Pupil 1: maths 9 → 9,00.
		if co.Results.General[p0] != 1300 || co.Results.General[p1] != 900 || co.MayChair || !co.MayAppreciate[f.frenchS.ID] || co.MayAppreciate[f.maths.ID] {
			t.Fatalf("council: %+v chair %v may %v", co.Results.General, co.MayChair, co.MayAppreciate)
		}
		var buf bytes.Buffer
		err = m.ReportCardPDF(ctx, f.admin, uai, f.class.ID, f.s1, p0, &buf, "fr")
		wantCode(t, "card before the lock", err, "report_card_not_found")
		_, err = m.SetLock(ctx, f.french, uai, f.class.ID, f.s1, true, "2026-10-10")
		wantCode(t, "French teacher locks", err, "not_main_teacher")
		if _, err := m.SetLock(ctx, f.main, uai, f.class.ID, f.s1, true, "2026-10-10"); err != nil {
			t.Fatal(err)
		}
		_, err = m.SaveMarks(ctx, f.main, uai, f.maths.ID, f.s1, []marks.Change{{StudentID: p1, AssessmentID: am.ID, Value: "10"}})
		wantCode(t, "marks after the lock", err, "class_locked")
		_, err = m.SetLock(ctx, f.main, uai, f.class.ID, f.s1, false, "")
		wantCode(t, "main teacher unlocks", err, "unlock_admin_only")

		// Staff get the card; the pupil not before 2026-10-10.
		buf.Reset()
		if err := m.ReportCardPDF(ctx, f.main, uai, f.class.ID, f.s1, p0, &buf, "fr"); err != nil {
			t.Fatal(err)
		}
		text := pdftest.Text(buf.Bytes())
		for _, want := range []string{"Collège " + uai, "ARNAUD Léa", "Mathématiques", "15,00", "13,00", "Bon trimestre.", "Félicitations", "Passage en 2de"} {
			if !strings.Contains(text, cp1252(want)) {
				t.Errorf("the card lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "DUPLICATA") {
			t.Error("the first issue is a duplicate")
		}
		err = m.ReportCardPDF(ctx, f.pupil(0), uai, f.class.ID, f.s1, p0, &buf, "fr")
		wantCode(t, "pupil before publication", err, "report_card_not_found")
		s.Clock.Advance(10 * 24 * time.Hour)
		buf.Reset()
		if err := m.ReportCardPDF(ctx, f.pupil(0), uai, f.class.ID, f.s1, p0, &buf, "fr"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(pdftest.Text(buf.Bytes()), "DUPLICATA") {
			t.Error("the second issue is not marked DUPLICATA")
		}
		err = m.ReportCardPDF(ctx, f.pupil(0), uai, f.class.ID, f.s1, p1, &buf, "fr")
		wantCode(t, "another pupil's card", err, "report_card_not_found")
		// A pupil's own downloads issue nothing: the school's first print of his card
		// is still the original.
		for range 2 {
			buf.Reset()
			if err := m.ReportCardPDF(ctx, f.pupil(1), uai, f.class.ID, f.s1, p1, &buf, "fr"); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(pdftest.Text(buf.Bytes()), "DUPLICATA") {
				t.Error("the pupil's copy before the school's is marked DUPLICATA")
			}
		}
		buf.Reset()
		if err := m.ReportCardPDF(ctx, f.main, uai, f.class.ID, f.s1, p1, &buf, "fr"); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(pdftest.Text(buf.Bytes()), "DUPLICATA") {
			t.Error("the school's first print after the pupil's downloads is marked DUPLICATA")
		}
		mine, err := m.Mine(ctx, f.pupil(0))
		if err != nil || len(mine) != 1 || !mine[0].Periods[0].Card || mine[0].Periods[0].General != 1300 || mine[0].Periods[1].Card {
			t.Fatalf("mine: %+v %v", mine, err)
		}
		// The class's cards as one ZIP: one PDF per pupil.
		buf.Reset()
		if err := m.ClassReportCardsZIP(ctx, f.admin, uai, f.class.ID, f.s1, &buf, "fr"); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil || len(zr.File) != 3 {
			t.Fatalf("zip: %v, %d files", err, len(zr.File))
		}
		buf.Reset()
		if err := m.EstablishmentReportCardsZIP(ctx, f.admin, uai, f.s1, &buf, "en"); err != nil {
			t.Fatal(err)
		}
		err = m.EstablishmentReportCardsZIP(ctx, f.main, uai, f.s1, &buf, "en")
		wantCode(t, "teacher's establishment ZIP", err, "forbidden")
	})
}
