package graduation

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/blob"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/notify"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
	"github.com/cartable/cartable/internal/student"
)

// benchEngine is the engine of the benchmarks: PostgreSQL when CARTABLE_TEST_POSTGRES
// names one (and CARTABLE_BENCH_ENGINE=postgres), SQLite otherwise.
func benchEngine(b *testing.B) store.Engine {
	if strings.EqualFold(getenv("CARTABLE_BENCH_ENGINE"), "postgres") {
		return store.Postgres
	}
	return store.SQLite
}

// loadCohort makes a school with a cohort of n students and r rules, every student
// with his items, written set-based (student.Apply, ensureItems), and returns the
// service, the cohort and the operator.
func loadCohort(b *testing.B, n, r int) (*Service, highered.Cohort, *store.DB) {
	return loadCohortNotified(b, n, r, false)
}

// loadCohortNotified is loadCohort; with notified, every student has his account (made
// set-based by account.CreateMany, as an import does) and the service notifies through
// internal/notify, so that reminders and digests write their notices as in production.
func loadCohortNotified(b *testing.B, n, r int, notified bool) (*Service, highered.Cohort, *store.DB) {
	b.Helper()
	ctx := context.Background()
	db := storetest.Open(b, benchEngine(b))
	now := func() time.Time { return time.Date(2027, 3, 1, 11, 0, 0, 0, time.UTC) }
	log := audit.New(db, now)
	est := establishment.New(db, log, now)
	he := highered.New(db, log, est, now)
	blobs, err := blob.NewLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	s := New(db, log, est, he, blobs, now)
	var accounts *account.Service
	if notified {
		ring, err := keyring.New([]keyring.Key{{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32)}}, "k1")
		if err != nil {
			b.Fatal(err)
		}
		cfg := config.Default()
		if accounts, err = account.New(db, log, ring, now, account.PolicyFrom(&cfg), account.Options{}); err != nil {
			b.Fatal(err)
		}
		s.Notifier = notify.New(db, log, ring, accounts, now, notify.Options{})
	}
	op := authz.OperatorPrincipal()
	name, sector := "École", establishment.SectorHigher
	e, err := est.Create(ctx, authz.Operator, establishment.Input{UAI: "0691999Y", Name: &name, Sector: &sector})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := he.SaveProgramme(ctx, op, e.UAI, highered.Programme{Code: "ING", Label: "Ingénieur", DurationYears: 3}); err != nil {
		b.Fatal(err)
	}
	c, err := he.SaveCohort(ctx, op, e.UAI, highered.CohortInput{ProgrammeCode: "ING", Code: "ING-2027", EntryYear: 2024, GraduationYear: 2027, JuryDate: "2027-07-01"})
	if err != nil {
		b.Fatal(err)
	}
	var ruleIDs []int64
	for i := range r {
		rule, err := s.SaveRule(ctx, op, e.UAI, c.ID, Rule{Code: fmt.Sprintf("R%02d", i), Label: fmt.Sprintf("Règle %d", i), Category: "other",
			Mandatory: i%5 != 4, Deadline: fmt.Sprintf("2027-%02d-15", 3+i%4), ValidityMonths: 24 * (i % 3 / 2), Position: i})
		if err != nil {
			b.Fatal(err)
		}
		ruleIDs = append(ruleIDs, rule.ID)
	}
	for start := 0; start < n; start += 10000 {
		k := min(10000, n-start)
		err := db.Tx(ctx, func(ctx context.Context) error {
			ins := make([]student.Insert, k)
			for i := range ins {
				ins[i] = student.Insert{Record: &student.Record{EleveID: fmt.Sprintf("%08d", start+i), LastName: fmt.Sprintf("Nom%06d", start+i), FirstName: "Élève",
					INEStatus: "missing", Status: student.StatusActive}, NouvelEleve: "0"}
			}
			if accounts != nil {
				people := make([]account.Person, k)
				for i := range people {
					people[i] = account.Person{FirstName: ins[i].Record.FirstName, LastName: ins[i].Record.LastName}
				}
				accs, err := accounts.CreateMany(ctx, authz.Operator, authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.ID, UAI: e.UAI}, people)
				if err != nil {
					return err
				}
				for i := range ins {
					ins[i].AccountID = accs[i].ID
				}
			}
			ids, err := student.Apply(ctx, db, e, ins, nil, now())
			if err != nil {
				return err
			}
			ms := make([]highered.Member, k)
			for i, id := range ids {
				ms[i] = highered.Member{StudentID: id, CohortID: c.ID, YearOfStudy: 3}
			}
			if err := he.SetMembers(ctx, e.ID, ms); err != nil {
				return err
			}
			if err := s.ensureItems(ctx, e.ID, ruleIDs, ids); err != nil {
				return err
			}
			// Various states: a third validated, a tenth submitted, some refused.
			_, err = db.Exec(ctx, `UPDATE graduation_items SET state = CASE WHEN id % 3 = 0 THEN 'validated' WHEN id % 10 = 1 THEN 'submitted'
				WHEN id % 17 = 2 THEN 'refused' ELSE state END, proof_date = CASE WHEN id % 3 = 0 THEN '2025-02-01' ELSE '' END
				WHERE establishment_id = $1 AND student_id >= $2`, e.ID, ids[0])
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	return s, c, db
}

func p95(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[(len(ds)*95+99)/100-1]
}

// BenchmarkMatrix: the cohort matrix of 2,000 students × 15 rules (the data of the
// page: rules, members, names, items, summaries, the filter, the audit event).
func BenchmarkMatrix(b *testing.B) {
	s, c, _ := loadCohort(b, 2000, 15)
	ctx := context.Background()
	var ds []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		m, err := s.Matrix(ctx, authz.OperatorPrincipal(), "0691999Y", c.ID, "")
		if err != nil || len(m.Rows) != 2000 {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t))
	}
	b.ReportMetric(float64(p95(ds).Microseconds())/1000, "p95-ms")
}

// BenchmarkMatrixXLSX: the matrix written as a coloured workbook (the download).
func BenchmarkMatrixXLSX(b *testing.B) {
	s, c, _ := loadCohort(b, 2000, 15)
	ctx := context.Background()
	m, reasons, err := s.ExportMatrix(ctx, authz.OperatorPrincipal(), "0691999Y", c.ID)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteMatrixXLSX(&buf, m, reasons, "fr"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImportMatrix: a filled matrix of 2,000 × 15 where every mandatory cell not
// validated becomes validated (about 20,000 changes), applied in one transaction; the
// peak heap is sampled every millisecond.
func BenchmarkImportMatrix(b *testing.B) {
	s, c, db := loadCohort(b, 2000, 15)
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	m, reasons, err := s.ExportMatrix(ctx, op, "0691999Y", c.ID)
	if err != nil {
		b.Fatal(err)
	}
	var clean bytes.Buffer
	if err := WriteMatrixXLSX(&clean, m, reasons, "fr"); err != nil {
		b.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(clean.Bytes()))
	if err != nil {
		b.Fatal(err)
	}
	sheet := x.GetSheetList()[0]
	for i := range m.Rows {
		for j := range m.Rules {
			cell, _ := excelize.CoordinatesToCellName(5+j, i+2)
			x.SetCellValue(sheet, cell, "validé")
		}
	}
	var filled bytes.Buffer
	if err := x.Write(&filled); err != nil {
		b.Fatal(err)
	}
	data := filled.Bytes()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	b.ResetTimer()
	changes := 0
	for b.Loop() {
		b.StopTimer()
		// Every run starts from the same states.
		if _, err := db.Exec(ctx, `UPDATE graduation_items SET state = CASE WHEN id % 3 = 0 THEN 'validated' WHEN id % 10 = 1 THEN 'submitted'
			WHEN id % 17 = 2 THEN 'refused' ELSE 'to_provide' END`); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.StartTimer()
		rep, err := s.ImportMatrix(ctx, op, "0691999Y", c.ID, bytes.NewReader(data), int64(len(data)), false)
		if err != nil || len(rep.Errors) > 0 {
			b.Fatalf("%v %+v", err, rep.Errors)
		}
		changes = len(rep.Changes)
	}
	b.StopTimer()
	close(done)
	b.ReportMetric(float64(changes), "changes")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}

// BenchmarkNightly: the nightly pass over 100,000 students × 15 rules (CARTABLE_BENCH_N
// changes the count).
func BenchmarkNightly(b *testing.B) {
	n := 100000
	if v := getenv("CARTABLE_BENCH_N"); v != "" {
		fmt.Sscan(v, &n)
	}
	t0 := time.Now()
	s, _, db := loadCohortNotified(b, n, 15, true)
	b.Logf("loaded %d students × 15 items in %s", n, time.Since(t0).Round(time.Second))
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		rep, err := s.RunNightly(ctx)
		if err != nil || rep.Students != n {
			b.Fatalf("%+v %v", rep, err)
		}
		var notices int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM notify_notices").Scan(&notices); err != nil {
			b.Fatal(err)
		}
		b.Logf("pass in %s: %+v; %d notices in all", time.Since(t).Round(10*time.Millisecond), rep, notices)
	}
}

func getenv(k string) string { return os.Getenv(k) }
