package agreement

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
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
	"github.com/cartable/cartable/internal/student"
)

// benchEngine is PostgreSQL when CARTABLE_BENCH_ENGINE=postgres (with
// CARTABLE_TEST_POSTGRES), SQLite otherwise.
func benchEngine() store.Engine {
	if strings.EqualFold(os.Getenv("CARTABLE_BENCH_ENGINE"), "postgres") {
		return store.Postgres
	}
	return store.SQLite
}

const benchUnits = 10 // units per version: 5 per semester, 6 ECTS each

// load makes a university with a programme, its catalogue of 10 units and n students,
// each with an agreement whose one version is in a state given by state(i), written
// set-based (COPY on PostgreSQL), and returns the service and the establishment's UAI.
func load(b *testing.B, n int, state func(i int) State) (*Service, string) {
	b.Helper()
	ctx := context.Background()
	db := storetest.Open(b, benchEngine())
	now := func() time.Time { return time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC) }
	log := audit.New(db, now)
	est := establishment.New(db, log, now)
	he := highered.New(db, log, est, now)
	s := New(db, log, he, now)
	op := authz.OperatorPrincipal()
	name, sector := "Université", establishment.SectorHigher
	e, err := est.Create(ctx, authz.Operator, establishment.Input{UAI: "0691999Y", Name: &name, Sector: &sector})
	if err != nil {
		b.Fatal(err)
	}
	prog, err := he.SaveProgramme(ctx, op, e.UAI, highered.Programme{Code: "LIC", Label: "Licence", DurationYears: 3})
	if err != nil {
		b.Fatal(err)
	}
	var cat strings.Builder
	cat.WriteString("year;programme;step;step_version;semester;code;label;ects;kind\n")
	for u := range benchUnits {
		fmt.Fprintf(&cat, "2026;LIC;L1;V1;%d;UE%02d;Unité %d;6;obligatoire\n", 1+u/5, u, u)
	}
	if _, err := s.ImportCatalogue(ctx, op, e.UAI, Source{Name: "c.csv", R: strings.NewReader(cat.String()), Size: int64(cat.Len())}, false); err != nil {
		b.Fatal(err)
	}
	statuses := []string{"oui-si", "employed", "disability", "athlete"}
	measures := []string{"", "tutoring", "", "remediation tutoring"}
	for start := 0; start < n; start += 10000 {
		k := min(10000, n-start)
		err := db.Tx(ctx, func(ctx context.Context) error {
			ins := make([]student.Insert, k)
			for i := range ins {
				ins[i] = student.Insert{Record: &student.Record{EleveID: fmt.Sprintf("%08d", start+i), LastName: fmt.Sprintf("Nom%06d", start+i), FirstName: "Étudiant",
					INEStatus: "missing", Status: student.StatusActive}, NouvelEleve: "0"}
			}
			sids, err := student.Apply(ctx, db, e, ins, nil, now())
			if err != nil {
				return err
			}
			aids, err := db.NextIDs(ctx, "agreements", k)
			if err != nil {
				return err
			}
			vids, err := db.NextIDs(ctx, "agreement_versions", k)
			if err != nil {
				return err
			}
			t := now()
			if _, err := db.CopyFunc(ctx, "agreements", []string{"id", "establishment_id", "student_id", "programme_id", "year", "step", "step_version",
				"kind", "status", "closed", "created_at", "updated_at"}, k, func(i int) []any {
				kind, status := "standard", ""
				if (start+i)%6 == 0 {
					kind, status = "adapted", statuses[(start+i)/6%4]
				}
				return []any{aids[i], e.ID, sids[i], prog.ID, 2026, "L1", "V1", kind, status, false, t, t}
			}); err != nil {
				return err
			}
			if _, err := db.CopyFunc(ctx, "agreement_versions", []string{"id", "establishment_id", "agreement_id", "number", "uid", "state", "measures",
				"adjustments", "reason", "director_signed_at", "latest", "ects", "created_at", "updated_at"}, k, func(i int) []any {
				st := state(start + i)
				var signed any
				if st == Signed || st == Transmitted {
					signed = t
				}
				ects := 600
				if (start+i)%9 == 0 {
					ects = 540 // one unit exempted (below)
				}
				return []any{vids[i], e.ID, aids[i], 1, fmt.Sprintf("bench%08d", start+i), string(st), measures[(start+i)%4], "", "", signed, true, ects, t, t}
			}); err != nil {
				return err
			}
			_, err = db.CopyFunc(ctx, "agreement_version_units", []string{"version_id", "unit_code", "semester", "ects", "origin"}, k*benchUnits, func(j int) []any {
				i, u := j/benchUnits, j%benchUnits
				// A few students hold one unit fewer (54 ECTS).
				code := fmt.Sprintf("UE%02d", u)
				if (start+i)%9 == 0 && u == 9 {
					return []any{vids[i], code, 2, 60, "exemption"}
				}
				return []any{vids[i], code, 1 + u/5, 60, "year"}
			})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	return s, e.UAI
}

func p95(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[(len(ds)*95+99)/100-1]
}

// director is a programme director of the establishment uai (office for the export).
func director(b *testing.B, s *Service, uai string, role authz.Role) *authz.Principal {
	e, err := s.resolve(context.Background(), authz.OperatorPrincipal(), uai)
	if err != nil {
		b.Fatal(err)
	}
	return &authz.Principal{Login: "bench", Roles: []authz.Membership{{Role: role, EstablishmentID: e.ID, UAI: e.UAI}}}
}

// BenchmarkInbox: a programme director's inbox over 1,000 agreements — the five pages
// of 200 (the whole inbox), and the first page filtered by state (submitted).
func BenchmarkInbox(b *testing.B) {
	states := []State{Draft, Submitted, Submitted, ToRevise, Validated, Signed}
	s, uai := load(b, 1000, func(i int) State { return states[i%len(states)] })
	ctx := context.Background()
	p := director(b, s, uai, authz.RoleProgrammeDirector)
	var whole, filtered []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		n := 0
		f := Filter{}
		for {
			rows, err := s.Inbox(ctx, p, uai, f)
			if err != nil {
				b.Fatal(err)
			}
			n += len(rows)
			if len(rows) < inboxPageSize {
				break
			}
			f.After = rows[len(rows)-1].ID
		}
		whole = append(whole, time.Since(t0))
		if n != 1000 {
			b.Fatalf("%d agreements", n)
		}
		t1 := time.Now()
		if _, err := s.Inbox(ctx, p, uai, Filter{State: Submitted}); err != nil {
			b.Fatal(err)
		}
		filtered = append(filtered, time.Since(t1))
	}
	b.ReportMetric(float64(p95(whole).Microseconds())/1000, "p95-all-1000-ms")
	b.ReportMetric(float64(p95(filtered).Microseconds())/1000, "p95-submitted-page-ms")
}

// BenchmarkRegistrarExport: the registrar file of 20,000 signed versions (10 units
// each: 200,000 lines) — the first export (the versions become transmitted) and a
// re-export; the peak of the heap in use while it runs is sampled every millisecond.
func BenchmarkRegistrarExport(b *testing.B) {
	s, uai := load(b, 20000, func(int) State { return Signed })
	ctx := context.Background()
	p := director(b, s, uai, authz.RoleOffice)
	var first time.Duration
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	runtime.GC()
	t0 := time.Now()
	rep, err := s.Export(ctx, p, uai, 2026, io.Discard)
	first = time.Since(t0)
	if err != nil || rep.Transmitted != 20000 || rep.Lines != 200000 {
		b.Fatalf("%+v %v", rep, err)
	}
	var again []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		rep, err := s.Export(ctx, p, uai, 2026, io.Discard)
		if err != nil || rep.Versions != 20000 {
			b.Fatalf("%+v %v", rep, err)
		}
		again = append(again, time.Since(t))
	}
	close(stop)
	b.ReportMetric(first.Seconds(), "first-export-s")
	b.ReportMetric(p95(again).Seconds(), "p95-reexport-s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}

// BenchmarkDashboard: a programme's dashboard over 100,000 agreements (run it on
// PostgreSQL: CARTABLE_BENCH_ENGINE=postgres).
func BenchmarkDashboard(b *testing.B) {
	n := 100000
	if v := os.Getenv("CARTABLE_BENCH_AGREEMENTS"); v != "" {
		fmt.Sscan(v, &n)
	}
	states := []State{Draft, Submitted, ToRevise, Validated, Signed, Transmitted, Integrated, Rejected}
	s, uai := load(b, n, func(i int) State { return states[i%len(states)] })
	ctx := context.Background()
	p := director(b, s, uai, authz.RolePilotage)
	var ds []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		d, err := s.Dashboard(ctx, p, uai, "LIC", 2026)
		if err != nil || d.Total != n {
			b.Fatalf("%d %v", d.Total, err)
		}
		ds = append(ds, time.Since(t))
	}
	b.ReportMetric(float64(p95(ds).Microseconds())/1000, "p95-ms")
}
