package schoolyear_test

import (
	"context"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/schoolyear"
	"github.com/cartable/cartable/internal/student"
)

const uai, otherUAI = "0691111H", "0692222R"

type fixture struct {
	s        *apptest.Server
	e, other establishment.Establishment
	students []int64
	admin    *authz.Principal
	teacher  *authz.Principal
	teacher2 *authz.Principal
	otherAdm *authz.Principal
	year     schoolyear.Year
}

func member(u *apptest.User, role authz.Role, e establishment.Establishment) *authz.Principal {
	return &authz.Principal{AccountID: u.ID, Login: u.Login, Roles: []authz.Membership{{Role: role, EstablishmentID: e.ID, UAI: e.UAI}}}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("%s: got %v (code %q), want %s", what, err, apperr.CodeOf(err), code)
	}
}

// setup makes two secondary schools, n students in the first (class "OLD" in SIECLE),
// an administrator, two teachers, and the year 2026-2027 in semesters; the clock is
// 2026-10-01.
func setup(t *testing.T, s *apptest.Server, n int) *fixture {
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
	ins := make([]student.Insert, n)
	for i := range ins {
		ins[i] = student.Insert{Record: &student.Record{EleveID: "E" + string(rune('A'+i)), LastName: "NOM" + string(rune('Z'-i)), FirstName: "Élève",
			Class: "OLD", INEStatus: "missing", Status: student.StatusActive}, NouvelEleve: "0"}
	}
	err := s.App.DB.Tx(ctx, func(ctx context.Context) error {
		var err error
		f.students, err = student.Apply(ctx, s.App.DB, f.e, ins, nil, s.Clock.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.admin = member(s.CreateUser("adm.sy", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: f.e.ID}), authz.RoleAdmin, f.e)
	f.teacher = member(s.CreateUser("prof.sy", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: f.e.ID}), authz.RoleTeacher, f.e)
	f.teacher2 = member(s.CreateUser("prof2.sy", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: f.e.ID}), authz.RoleTeacher, f.e)
	f.otherAdm = member(s.CreateUser("adm.other", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: f.other.ID}), authz.RoleAdmin, f.other)
	s.Clock.Advance(time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC).Sub(s.Clock.Now()))
	if f.year, err = s.App.SchoolYear.SaveYear(ctx, f.admin, uai, schoolyear.YearInput{StartYear: 2026, PeriodKind: schoolyear.Semestre}); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestYearsAndPeriods(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 2)
		sy := s.App.SchoolYear
		y := f.year
		if y.Label() != "2026-2027" || len(y.Periods) != 2 || y.Periods[0].Code() != "S1" || y.Periods[1].StartDate != "2027-02-01" || y.EndDate != "2027-07-04" {
			t.Fatalf("year: %+v", y)
		}
		cur, err := sy.CurrentYear(ctx, f.e.ID)
		if err != nil || cur.ID != y.ID {
			t.Fatalf("current year: %+v, %v", cur, err)
		}
		if _, err := sy.CurrentYear(ctx, f.other.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("the other school has no year: %v", err)
		}
		p, err := sy.PeriodAt(ctx, f.e.ID, "2027-03-10")
		if err != nil || p.Position != 2 {
			t.Fatalf("period at: %+v, %v", p, err)
		}
		// A teacher reads the years but cannot create one.
		if _, err := sy.Years(ctx, f.teacher, uai); err != nil {
			t.Fatal(err)
		}
		_, err = sy.SaveYear(ctx, f.teacher, uai, schoolyear.YearInput{StartYear: 2027})
		wantCode(t, "teacher saves a year", err, "forbidden")
		_, err = sy.SaveYear(ctx, f.admin, uai, schoolyear.YearInput{StartYear: 2026, PeriodKind: schoolyear.Trimestre})
		wantCode(t, "change the kind", err, "period_kind_fixed")
		_, err = sy.SaveYear(ctx, f.admin, uai, schoolyear.YearInput{StartYear: 2026, PeriodKind: schoolyear.Semestre, EndDate: "2026-08-01"})
		wantCode(t, "end before start", err, "invalid_dates")
		// Another establishment's administrator sees nothing of it.
		_, err = sy.Years(ctx, f.otherAdm, uai)
		wantCode(t, "other admin", err, "establishment_not_found")
		if _, err := sy.Period(ctx, f.other.ID, y.Periods[0].ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("period through another establishment: %v", err)
		}

		// Close S1: read-only; S2 stays open.
		s1 := y.Periods[0].ID
		if _, err := sy.SetPeriodClosed(ctx, f.teacher, uai, s1, true); apperr.CodeOf(err) != "forbidden" {
			t.Fatalf("a teacher closes a period: %v", err)
		}
		if _, err := sy.SetPeriodClosed(ctx, f.admin, uai, s1, true); err != nil {
			t.Fatal(err)
		}
		if open, err := sy.PeriodOpen(ctx, f.e.ID, s1); err != nil || open {
			t.Fatalf("S1 open after closing: %v %v", open, err)
		}
		wantCode(t, "check S1", sy.CheckOpen(ctx, f.e.ID, s1), "period_closed")
		if err := sy.CheckOpen(ctx, f.e.ID, y.Periods[1].ID); err != nil {
			t.Fatal(err)
		}
		_, err = sy.SavePeriod(ctx, f.admin, uai, s1, "2026-09-02", "2027-01-31")
		wantCode(t, "move a closed period", err, "period_closed")
		// Close the year: every period read-only, and reopening a period is refused.
		if _, err := sy.SetYearClosed(ctx, f.admin, uai, y.ID, true); err != nil {
			t.Fatal(err)
		}
		if open, _ := sy.PeriodOpen(ctx, f.e.ID, y.Periods[1].ID); open {
			t.Fatal("S2 open in a closed year")
		}
		_, err = sy.SetPeriodClosed(ctx, f.admin, uai, s1, false)
		wantCode(t, "reopen a period of a closed year", err, "year_closed_reopen")
		_, err = sy.SaveClass(ctx, f.admin, uai, y.ID, schoolyear.ClassInput{Code: "3A"})
		wantCode(t, "class in a closed year", err, "year_closed")
		if _, err := sy.SetYearClosed(ctx, f.admin, uai, y.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := sy.SetPeriodClosed(ctx, f.admin, uai, s1, false); err != nil {
			t.Fatal(err)
		}
		if open, _ := sy.PeriodOpen(ctx, f.e.ID, s1); !open {
			t.Fatal("S1 still closed after reopening")
		}
	})
}

func TestClassesEnrolmentsServices(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 3)
		sy := s.App.SchoolYear
		y := f.year
		c3a, err := sy.SaveClass(ctx, f.admin, uai, y.ID, schoolyear.ClassInput{Code: "3A", Label: "3e A", MEF: "10310019110", Capacity: 2, MainTeacherID: f.teacher.AccountID})
		if err != nil {
			t.Fatal(err)
		}
		c3b, err := sy.SaveClass(ctx, f.admin, uai, y.ID, schoolyear.ClassInput{Code: "3B", Capacity: 30})
		if err != nil {
			t.Fatal(err)
		}
		_, err = sy.SaveClass(ctx, f.admin, uai, y.ID, schoolyear.ClassInput{Code: "3C", MainTeacherID: f.otherAdm.AccountID})
		wantCode(t, "main teacher of another school", err, "teacher_unknown")
		_, err = sy.SaveClass(ctx, f.admin, uai, y.ID, schoolyear.ClassInput{Code: "3C", Capacity: -1})
		wantCode(t, "negative capacity", err, "invalid_capacity")
		if c3a.MainTeacherName == "" || c3a.Name() != "3e A" {
			t.Fatalf("class: %+v", c3a)
		}
		for i, id := range f.students {
			class := c3a.ID
			if i == 2 {
				class = c3b.ID
			}
			n, err := sy.Enrol(ctx, f.admin, uai, y.ID, schoolyear.EnrolmentInput{StudentID: id, ClassID: class, Regime: "demi-pensionnaire"})
			if err != nil {
				t.Fatal(err)
			}
			if n.Status != schoolyear.Enrolled || n.MEF == "" && class == c3a.ID {
				t.Fatalf("enrolment: %+v", n)
			}
		}
		_, err = sy.Enrol(ctx, f.admin, uai, y.ID, schoolyear.EnrolmentInput{StudentID: f.students[0], Regime: "pensionnaire"})
		wantCode(t, "unknown régime", err, "invalid_choice")
		// The read copy students.class follows the current year's class.
		st, err := s.App.Students.Get(ctx, f.admin, uai, f.students[2])
		if err != nil || st.Class != "3B" {
			t.Fatalf("students.class: %q, %v", st.Class, err)
		}
		// Move the third pupil into 3A: over its capacity of 2, the move is done and said.
		res, err := sy.Move(ctx, f.admin, uai, y.ID, []int64{f.students[2]}, c3a.ID)
		if err != nil || res.Moved != 1 || len(res.Over) != 1 || res.Over[0] != "3A" {
			t.Fatalf("move: %+v, %v", res, err)
		}
		pupils, err := sy.ClassPupils(ctx, f.e.ID, c3a.ID)
		if err != nil || len(pupils) != 3 || pupils[0].LastName != "NOMX" {
			t.Fatalf("pupils of 3A: %+v, %v", pupils, err)
		}
		if _, err := sy.ClassPupils(ctx, f.other.ID, c3a.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("3A through another establishment: %v", err)
		}
		_, err = sy.Move(ctx, f.otherAdm, uai, y.ID, []int64{f.students[0]}, c3b.ID)
		wantCode(t, "other admin moves", err, "establishment_not_found")
		wantCode(t, "delete 3A", sy.DeleteClass(ctx, f.admin, uai, c3a.ID), "class_not_empty")
		// One leaves: still listed, with his status.
		if _, err := sy.Leave(ctx, f.admin, uai, y.ID, f.students[1], schoolyear.LeaveInput{On: "2026-11-15", Reason: "déménagement", Destination: "0693333C"}); err != nil {
			t.Fatal(err)
		}
		hist, err := sy.History(ctx, f.e.ID, f.students[1])
		if err != nil || len(hist) != 1 || hist[0].Status != schoolyear.Left || hist[0].Destination != "0693333C" || hist[0].StartYear != 2026 {
			t.Fatalf("history: %+v, %v", hist, err)
		}

		// Services.
		one, half := 100, 150
		maths, err := sy.SaveTeaching(ctx, f.admin, uai, y.ID, schoolyear.TeachingInput{ClassCode: "3A", SubjectCode: "MATHS", SubjectLabel: "Mathématiques",
			TeacherID: f.teacher.AccountID, Coefficient: &half})
		if err != nil {
			t.Fatal(err)
		}
		latin, err := sy.SaveTeaching(ctx, f.admin, uai, y.ID, schoolyear.TeachingInput{GroupCode: "LATIN", SubjectCode: "LCA", TeacherID: f.teacher2.AccountID, Coefficient: &one})
		if err != nil {
			t.Fatal(err)
		}
		_, err = sy.SaveTeaching(ctx, f.admin, uai, y.ID, schoolyear.TeachingInput{ClassCode: "3A", GroupCode: "LATIN", SubjectCode: "X"})
		wantCode(t, "class and group", err, "class_or_group")
		_, err = sy.SaveTeaching(ctx, f.admin, uai, y.ID, schoolyear.TeachingInput{ClassCode: "9Z", SubjectCode: "X"})
		wantCode(t, "unknown class", err, "class_code_not_found")
		_, err = sy.SaveTeaching(ctx, f.teacher, uai, y.ID, schoolyear.TeachingInput{ClassCode: "3A", SubjectCode: "X"})
		wantCode(t, "teacher saves a service", err, "forbidden")
		// Saving the same class × subject × teacher again updates it.
		again, err := sy.SaveTeaching(ctx, f.admin, uai, y.ID, schoolyear.TeachingInput{ClassCode: "3A", SubjectCode: "MATHS", SubjectLabel: "Maths", TeacherID: f.teacher.AccountID})
		if err != nil || again.ID != maths.ID || again.Coefficient != 150 || again.SubjectLabel != "Maths" {
			t.Fatalf("update a service: %+v, %v", again, err)
		}
		mine, err := sy.TeachingsOfTeacher(ctx, f.e.ID, y.ID, f.teacher.AccountID)
		if err != nil || len(mine) != 1 || mine[0].ID != maths.ID || mine[0].ClassCode != "3A" || mine[0].TeacherName == "" {
			t.Fatalf("services of the teacher: %+v, %v", mine, err)
		}
		if got, err := sy.Teaching(ctx, f.e.ID, latin.ID); err != nil || got.Target() != "LATIN" {
			t.Fatalf("service by id: %+v, %v", got, err)
		}
		if _, err := sy.Teaching(ctx, f.other.ID, maths.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("service through another establishment: %v", err)
		}
		for _, c := range []struct {
			who  *authz.Principal
			id   int64
			want bool
		}{{f.teacher, maths.ID, true}, {f.teacher2, maths.ID, false}, {f.teacher2, latin.ID, true}, {f.admin, maths.ID, true},
			{f.otherAdm, maths.ID, false}, {authz.OperatorPrincipal(), maths.ID, true}} {
			got, err := sy.MayEnterMarks(ctx, c.who, f.e.ID, c.id)
			if err != nil || got != c.want {
				t.Errorf("%s may enter marks for %d: %v, %v, want %v", c.who.Login, c.id, got, err, c.want)
			}
		}
		if ok, _ := sy.IsMainTeacher(ctx, f.teacher, f.e.ID, c3a.ID); !ok {
			t.Error("the main teacher of 3A is not")
		}
		if ok, _ := sy.IsMainTeacher(ctx, f.teacher2, f.e.ID, c3a.ID); ok {
			t.Error("teacher2 is main teacher of 3A")
		}
		pupils, err = sy.TeachingPupils(ctx, f.e.ID, maths.ID)
		if err != nil || len(pupils) != 3 {
			t.Fatalf("pupils of maths: %d, %v", len(pupils), err)
		}
		if list, err := sy.TeachingsOfClass(ctx, f.e.ID, c3a.ID); err != nil || len(list) != 1 {
			t.Fatalf("services of 3A: %+v, %v", list, err)
		}
		if err := sy.DeleteTeaching(ctx, f.admin, uai, latin.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCoefficients(t *testing.T) {
	for in, want := range map[string]int{"1": 100, "1,5": 150, "0.25": 25, " 2 ": 200, "0": 0, "100": 10000, ",5": 50} {
		got, err := schoolyear.ParseCoefficient(in)
		if err != nil || got != want {
			t.Errorf("ParseCoefficient(%q) = %d, %v; want %d", in, got, err, want)
		}
		if err == nil && in == "1,5" && schoolyear.FormatCoefficient(got) != "1,5" {
			t.Errorf("FormatCoefficient(150) = %q", schoolyear.FormatCoefficient(got))
		}
	}
	for _, in := range []string{"", "-1", "1,555", "abc", "100,01", "1.-5", ".", "+1"} {
		if _, err := schoolyear.ParseCoefficient(in); apperr.CodeOf(err) != "invalid_coefficient" {
			t.Errorf("ParseCoefficient(%q): %v, want invalid_coefficient", in, err)
		}
	}
	if schoolyear.FormatCoefficient(125) != "1,25" || schoolyear.FormatCoefficient(300) != "3" {
		t.Error("FormatCoefficient")
	}
}
