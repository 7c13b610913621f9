package marks

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/schoolyear"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
	"github.com/cartable/cartable/internal/student"
)

// The benchmarks of docs/benchmarks.md ("Marks"). PostgreSQL when CARTABLE_BENCH_ENGINE=
// postgres (and CARTABLE_TEST_POSTGRES names a server), SQLite otherwise. The school has
// CARTABLE_BENCH_PUPILS pupils (1,000 by default) in classes of 35, ten subjects a class,
// ten assessments a subject in the first term: 100 marks a pupil.

func benchEngine() store.Engine {
	if strings.EqualFold(os.Getenv("CARTABLE_BENCH_ENGINE"), "postgres") {
		return store.Postgres
	}
	return store.SQLite
}

type benchSchool struct {
	s        *Service
	e        establishment.Establishment
	period   Period
	classes  []schoolyear.Class
	services map[int64][]TeachingService // class → services
	pupils   map[int64][]Pupil           // class → pupils
}

func loadSchool(b *testing.B, n int) *benchSchool {
	b.Helper()
	ctx := context.Background()
	db := storetest.Open(b, benchEngine())
	clock := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	log := audit.New(db, now)
	est := establishment.New(db, log, now)
	students := student.New(db, log, est, now)
	sy := schoolyear.New(db, log, est, now)
	s := New(db, log, est, students, SchoolYear(sy), now)
	op := authz.OperatorPrincipal()
	name := "Collège de la mesure"
	e, err := est.Create(ctx, authz.Operator, establishment.Input{UAI: "0691234S", Name: &name})
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	err = db.Tx(ctx, func(ctx context.Context) error {
		ins := make([]student.Insert, n)
		for i := range ins {
			ins[i] = student.Insert{Record: &student.Record{EleveID: fmt.Sprintf("%07d", i+1), LastName: fmt.Sprintf("NOM%05d", i), FirstName: "Élève",
				INEStatus: "missing", Status: student.StatusActive}, NouvelEleve: "0"}
		}
		ids, err = student.Apply(ctx, db, e, ins, nil, now())
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	places := make([]student.Placement, n)
	for i, id := range ids {
		places[i] = student.Placement{StudentID: id, Class: fmt.Sprintf("C%03d", i/35), MEF: "10310019110", Active: true}
	}
	var res schoolyear.FeedResult
	if err := db.Tx(ctx, func(ctx context.Context) error { res, err = sy.Feed(ctx, e.ID, 2026, places, "bench"); return err }); err != nil {
		b.Fatal(err)
	}
	y, err := sy.Year(ctx, e.ID, res.YearID)
	if err != nil {
		b.Fatal(err)
	}
	teacher := int64(0)
	_ = teacher
	bs := &benchSchool{s: s, e: e, services: map[int64][]TeachingService{}, pupils: map[int64][]Pupil{}}
	if bs.period, err = s.year.Period(ctx, e.ID, y.Periods[0].ID); err != nil {
		b.Fatal(err)
	}
	if bs.classes, err = sy.ClassesOf(ctx, e.ID, y.ID); err != nil {
		b.Fatal(err)
	}
	// Services without a teacher account: the operator (an admin everywhere) types.
	for _, c := range bs.classes {
		for k := range 10 {
			coef := 100 + 50*(k%3)
			if _, err := sy.SaveTeaching(ctx, op, e.UAI, y.ID, schoolyear.TeachingInput{ClassCode: c.Code, SubjectCode: fmt.Sprintf("S%02d", k),
				SubjectLabel: fmt.Sprintf("Matière %d", k), Coefficient: &coef}); err != nil {
				b.Fatal(err)
			}
		}
		if bs.services[c.ID], err = s.year.ClassServices(ctx, e.ID, c.ID); err != nil {
			b.Fatal(err)
		}
		if bs.pupils[c.ID], err = s.year.ClassPupils(ctx, e.ID, c.ID); err != nil {
			b.Fatal(err)
		}
		for si, sv := range bs.services[c.ID] {
			var as []Assessment
			for k := range 10 {
				a, err := s.CreateAssessment(ctx, op, e.UAI, sv.ID, bs.period.ID, AssessmentInput{Title: fmt.Sprintf("Devoir %d", k+1), Date: "2026-10-01", OutOf: []string{"20", "10", "40"}[k%3]})
				if err != nil {
					b.Fatal(err)
				}
				as = append(as, a)
			}
			if _, err := s.SaveMarks(ctx, op, e.UAI, sv.ID, bs.period.ID, changes(as, bs.pupils[c.ID], si)); err != nil {
				b.Fatal(err)
			}
		}
	}
	return bs
}

// changes are marks for every pupil × assessment, shifted by seed.
func changes(as []Assessment, pupils []Pupil, seed int) []Change {
	var out []Change
	for pi, p := range pupils {
		for ai, a := range as {
			v := int64((pi*7+ai*13+seed*3)%21) * a.OutOf / 20
			value := FormatPoints(v, "fr")
			if (pi+ai+seed)%23 == 0 {
				value = "ABS"
			}
			out = append(out, Change{StudentID: p.StudentID, AssessmentID: a.ID, Value: value})
		}
	}
	return out
}

func p95(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[(len(d)*95+99)/100-1]
}

func benchPupils() int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("CARTABLE_BENCH_PUPILS"), &n); err != nil || n < 35 {
		return 1000
	}
	return n
}

// BenchmarkGridSave: a class's grid, 35 pupils × 10 assessments, saved whole (350 cells,
// every value changed) in one transaction, as the API's PUT does.
func BenchmarkGridSave(b *testing.B) {
	bs := loadSchool(b, benchPupils())
	ctx := context.Background()
	c := bs.classes[0]
	sv := bs.services[c.ID][0]
	as, err := bs.s.assessments(ctx, bs.e.ID, sv.ID, bs.period.ID)
	if err != nil {
		b.Fatal(err)
	}
	op := authz.OperatorPrincipal()
	var times []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		if n, err := bs.s.SaveMarks(ctx, op, bs.e.UAI, sv.ID, bs.period.ID, changes(as, bs.pupils[c.ID], i+1)); err != nil || n != 350 {
			b.Fatal(n, err)
		}
		times = append(times, time.Since(t0))
	}
	b.ReportMetric(float64(p95(times).Microseconds())/1000, "p95-ms")
}

// BenchmarkPupilMarks: a pupil's marks page data (every period, ten subjects, 100 marks,
// averages and report-card state), as Mine builds it for each of his classes.
func BenchmarkPupilMarks(b *testing.B) {
	bs := loadSchool(b, benchPupils())
	ctx := context.Background()
	c := bs.classes[len(bs.classes)/2]
	cl, err := bs.s.year.Class(ctx, bs.e.ID, c.ID)
	if err != nil {
		b.Fatal(err)
	}
	today := calendar.Date(bs.s.now())
	var times []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		pu := bs.pupils[c.ID][i%len(bs.pupils[c.ID])]
		t0 := time.Now()
		mc, err := bs.s.myClass(ctx, bs.e, pu.StudentID, cl, today)
		if err != nil || len(mc.Periods) == 0 || !mc.Periods[0].HasGeneral {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	b.ReportMetric(float64(p95(times).Microseconds())/1000, "p95-ms")
}

// BenchmarkPeriodAverages: the averages of every class of the establishment for the
// term (the council data of every class: subject, general and class figures).
func BenchmarkPeriodAverages(b *testing.B) {
	bs := loadSchool(b, benchPupils())
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for _, c := range bs.classes {
			co, err := bs.s.council(ctx, bs.e, class(c), bs.period)
			if err != nil {
				b.Fatal(err)
			}
			n += len(co.Results.General)
		}
		if n != benchPupils() {
			b.Fatalf("%d general averages", n)
		}
	}
}

func lockAll(b *testing.B, bs *benchSchool) {
	ctx := context.Background()
	for _, c := range bs.classes {
		if _, err := bs.s.SetLock(ctx, authz.OperatorPrincipal(), bs.e.UAI, c.ID, bs.period.ID, true, "2026-11-20"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClassReportCards: the report cards of a class of 35 as one ZIP.
func BenchmarkClassReportCards(b *testing.B) {
	bs := loadSchool(b, benchPupils())
	lockAll(b, bs)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		var w countWriter
		if err := bs.s.ClassReportCardsZIP(ctx, authz.OperatorPrincipal(), bs.e.UAI, bs.classes[0].ID, bs.period.ID, &w, "fr"); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(w.n)/(1<<20), "zip-MiB")
	}
}

// BenchmarkEstablishmentReportCards: every report card of the establishment as one
// streamed ZIP, with the peak of the Go heap sampled every 5 ms while it runs.
func BenchmarkEstablishmentReportCards(b *testing.B) {
	bs := loadSchool(b, benchPupils())
	lockAll(b, bs)
	ctx := context.Background()
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	b.ResetTimer()
	for b.Loop() {
		var w countWriter
		if err := bs.s.EstablishmentReportCardsZIP(ctx, authz.OperatorPrincipal(), bs.e.UAI, bs.period.ID, &w, "fr"); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(w.n)/(1<<20), "zip-MiB")
	}
	b.StopTimer()
	close(stop)
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
