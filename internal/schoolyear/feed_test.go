package schoolyear_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/student"
)

func genSiecle(t *testing.T, o siecle.GenOptions) importer.Source {
	t.Helper()
	var buf bytes.Buffer
	if err := siecle.Generate(&buf, o); err != nil {
		t.Fatal(err)
	}
	return importer.Source{Name: "eleves.xml", R: bytes.NewReader(buf.Bytes()), Size: int64(buf.Len())}
}

// students returns every student of the establishment, by id.
func students(t *testing.T, s *apptest.Server, e int64) map[int64]student.Placement {
	t.Helper()
	list, err := student.Placements(context.Background(), s.App.DB, e)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]student.Placement{}
	for _, p := range list {
		out[p.StudentID] = p
	}
	return out
}

// TestSiecleFeedsTheYear: a SIECLE import creates the file's school year, its classes
// and the enrolments, in its transaction; a dry run writes none; a re-import with
// students gone marks them left; the classes agree with students.class.
func TestSiecleFeedsTheYear(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		op := authz.OperatorPrincipal()
		name := "Lycée de test"
		e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		s.Clock.Advance(time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC).Sub(s.Clock.Now()))
		sy := s.App.SchoolYear
		if _, err := s.App.Importer.Siecle(ctx, op, uai, genSiecle(t, siecle.GenOptions{UAI: uai, Students: 120, Seed: 3, Year: 2026}), true); err != nil {
			t.Fatal(err)
		}
		if years, _ := sy.YearsOf(ctx, e.ID); len(years) != 0 {
			t.Fatalf("a dry run created %d years", len(years))
		}
		if _, err := s.App.Importer.Siecle(ctx, op, uai, genSiecle(t, siecle.GenOptions{UAI: uai, Students: 120, Seed: 3, Year: 2026, LeftPercent: 10}), false); err != nil {
			t.Fatal(err)
		}
		y, err := sy.YearOf(ctx, e.ID, 2026)
		if err != nil || len(y.Periods) != 3 {
			t.Fatalf("year 2026: %+v, %v", y, err)
		}
		check := func(wantLeft bool) {
			t.Helper()
			all := students(t, s, e.ID)
			pupils, err := sy.YearPupils(ctx, e.ID, y.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(pupils) != len(all) {
				t.Fatalf("%d enrolments for %d students", len(pupils), len(all))
			}
			left := 0
			classes := map[string]bool{}
			for _, p := range pupils {
				st := all[p.StudentID]
				if p.Class != st.Class {
					t.Fatalf("pupil %d: class %q, students.class %q", p.StudentID, p.Class, st.Class)
				}
				if (p.Status == "left") != !st.Active {
					t.Fatalf("pupil %d: status %s, active %v", p.StudentID, p.Status, st.Active)
				}
				if p.Status == "left" {
					left++
				} else if p.Class != "" {
					classes[p.Class] = true
				}
			}
			if wantLeft != (left > 0) {
				t.Fatalf("%d left, want some: %v", left, wantLeft)
			}
			list, err := sy.ClassesOf(ctx, e.ID, y.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range list {
				if c.MEF == "" && c.Enrolled > 0 {
					t.Errorf("class %s has no MEF", c.Code)
				}
				delete(classes, c.Code)
			}
			if len(classes) != 0 || len(list) == 0 {
				t.Fatalf("classes of pupils without a class row: %v (%d classes)", classes, len(list))
			}
		}
		check(true)
		// The same file again: nothing new, nothing lost.
		if _, err := s.App.Importer.Siecle(ctx, op, uai, genSiecle(t, siecle.GenOptions{UAI: uai, Students: 120, Seed: 3, Year: 2026, LeftPercent: 10}), false); err != nil {
			t.Fatal(err)
		}
		check(true)
		// A closed year is not written by an import.
		if _, err := sy.SetYearClosed(ctx, op, uai, y.ID, true); err != nil {
			t.Fatal(err)
		}
		before, _ := sy.YearPupils(ctx, e.ID, y.ID)
		if _, err := s.App.Importer.Siecle(ctx, op, uai, genSiecle(t, siecle.GenOptions{UAI: uai, Students: 130, Seed: 3, Year: 2026}), false); err != nil {
			t.Fatal(err)
		}
		after, _ := sy.YearPupils(ctx, e.ID, y.ID)
		if len(after) != len(before) {
			t.Fatalf("an import wrote a closed year: %d enrolments, then %d", len(before), len(after))
		}
	})
}

// TestBackfill: the first start after migration 0014 puts students.class into the
// current year, once.
func TestBackfill(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := &fixture{s: s}
		name := "Collège"
		var err error
		if f.e, err = s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name}); err != nil {
			t.Fatal(err)
		}
		recs := []student.Record{
			{EleveID: "1", LastName: "A", FirstName: "a", Class: "6A", MEF: "10010012110", INEStatus: "missing", Status: student.StatusActive},
			{EleveID: "2", LastName: "B", FirstName: "b", Class: "6A", MEF: "10010012110", INEStatus: "missing", Status: student.StatusActive},
			{EleveID: "3", LastName: "C", FirstName: "c", Class: "5B", MEF: "10110001110", INEStatus: "missing", Status: student.StatusActive},
			{EleveID: "4", LastName: "D", FirstName: "d", Class: "5B", INEStatus: "missing", Status: student.StatusDeactivated, ExitDate: "2025-07-04"},
			{EleveID: "5", LastName: "E", FirstName: "e", INEStatus: "missing", Status: student.StatusActive},
		}
		ins := make([]student.Insert, len(recs))
		for i := range recs {
			ins[i] = student.Insert{Record: &recs[i], NouvelEleve: "0"}
		}
		if err := s.App.DB.Tx(ctx, func(ctx context.Context) error {
			_, err := student.Apply(ctx, s.App.DB, f.e, ins, nil, s.Clock.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		s.Clock.Advance(time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC).Sub(s.Clock.Now()))
		n, err := s.App.SchoolYear.Backfill(ctx)
		if err != nil || n != 1 {
			t.Fatalf("backfill: %d, %v", n, err)
		}
		y, err := s.App.SchoolYear.CurrentYear(ctx, f.e.ID)
		if err != nil || y.StartYear != 2026 {
			t.Fatalf("current year: %+v, %v", y, err)
		}
		classes, err := s.App.SchoolYear.ClassesOf(ctx, f.e.ID, y.ID)
		if err != nil || len(classes) != 2 || classes[0].Code != "5B" || classes[0].Enrolled != 1 || classes[1].Enrolled != 2 || classes[1].MEF != "10010012110" {
			t.Fatalf("classes: %+v, %v", classes, err)
		}
		pupils, _ := s.App.SchoolYear.YearPupils(ctx, f.e.ID, y.ID)
		if len(pupils) != 4 { // the three in a class and the one without; not the one who left
			t.Fatalf("pupils: %+v", pupils)
		}
		if n, err := s.App.SchoolYear.Backfill(ctx); err != nil || n != 0 {
			t.Fatalf("second backfill: %d, %v", n, err)
		}
	})
}
