package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

var paris, _ = time.LoadLocation("Europe/Paris")

func TestParseSchedule(t *testing.T) {
	for _, c := range []struct {
		in      string
		weekday string
		hour    int
		minute  int
		err     bool
	}{
		{in: "02:30", hour: 2, minute: 30},
		{in: "sun 03:30", weekday: "Sunday", hour: 3, minute: 30},
		{in: "Dimanche 03:30", weekday: "Sunday", hour: 3, minute: 30},
		{in: "mer 23:59", weekday: "Wednesday", hour: 23, minute: 59},
		{in: "25:00", err: true},
		{in: "2h30", err: true},
		{in: "someday 02:30", err: true},
		{in: "sun 02:30 extra", err: true},
		{in: "", err: true},
	} {
		sc, err := ParseSchedule(c.in, paris)
		if (err != nil) != c.err {
			t.Errorf("%q: error %v", c.in, err)
			continue
		}
		if c.err {
			continue
		}
		wd := ""
		if sc.Weekday != nil {
			wd = sc.Weekday.String()
		}
		if wd != c.weekday || sc.Hour != c.hour || sc.Minute != c.minute {
			t.Errorf("%q: %s %02d:%02d", c.in, wd, sc.Hour, sc.Minute)
		}
	}
}

func TestNextAndPrev(t *testing.T) {
	daily, _ := ParseSchedule("02:30", paris)
	weekly, _ := ParseSchedule("sun 03:30", paris)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		sc         Schedule
		now        string
		next, prev string
	}{
		{daily, "2026-11-23 10:00", "2026-11-24 02:30", "2026-11-23 02:30"},
		{daily, "2026-11-23 02:30", "2026-11-24 02:30", "2026-11-23 02:30"},
		{daily, "2026-11-23 02:29", "2026-11-23 02:30", "2026-11-22 02:30"},
		// 29 March 2026: 02:30 does not exist in Paris (clocks go from 02:00 to 03:00).
		{daily, "2026-03-28 12:00", "2026-03-29 03:30", "2026-03-28 02:30"},
		{weekly, "2026-11-23 10:00", "2026-11-29 03:30", "2026-11-22 03:30"}, // a Monday
		{weekly, "2026-11-29 03:30", "2026-12-06 03:30", "2026-11-29 03:30"},
	} {
		now := at(c.now)
		if got := c.sc.Next(now); !got.Equal(at(c.next)) {
			t.Errorf("Next(%s) = %s, want %s", c.now, got.Format("2006-01-02 15:04 MST"), c.next)
		}
		if got := c.sc.Prev(now); !got.Equal(at(c.prev)) {
			t.Errorf("Prev(%s) = %s, want %s", c.now, got.Format("2006-01-02 15:04 MST"), c.prev)
		}
	}
}

// clock is a settable clock shared by the runners of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newRunner(db *store.DB, c *clock, name string) *Runner {
	r := New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), c.now)
	return r.WithInstance(name)
}

func TestLeaseAndHistory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 11, 23, 2, 30, 0, 0, time.UTC)}
		one, two := newRunner(db, c, "one"), newRunner(db, c, "two")

		// A run records its counts; a failed one its error.
		run, err := one.Do(ctx, "transfer", "test", func(context.Context) (any, error) { return map[string]int{"moved": 3}, nil })
		if err != nil || run.Status != "ok" || string(run.Counts) != `{"moved":3}` {
			t.Fatalf("run: %+v %v", run, err)
		}
		boom := errors.New("boom")
		if run, err = two.Do(ctx, "transfer", "test", func(context.Context) (any, error) { return nil, boom }); !errors.Is(err, boom) || run.Status != "failed" {
			t.Fatalf("failed run: %+v %v", run, err)
		}
		runs, err := one.History(ctx, "transfer", 10)
		if err != nil || len(runs) != 2 || runs[0].Error != "boom" || runs[0].Instance != "two" || runs[1].Status != "ok" || runs[0].FinishedAt == nil {
			t.Fatalf("history: %+v %v", runs, err)
		}
		if shown := ForEstablishments(runs); shown[0].Error != "" || runs[0].Error == "" {
			t.Fatal("ForEstablishments must hide the error text without touching its input")
		}

		// A lease left by a crashed instance blocks the others until it expires.
		if _, err := db.Exec(ctx, `INSERT INTO job_leases (job, owner, lease_until) VALUES ('purge', 'crashed', $1)`, c.now().Add(one.LeaseTTL)); err != nil {
			t.Fatal(err)
		}
		ran := false
		if _, err := one.Do(ctx, "purge", "test", func(context.Context) (any, error) { ran = true; return nil, nil }); !errors.Is(err, ErrBusy) || ran {
			t.Fatalf("ran under another's lease: %v", err)
		}
		c.add(one.LeaseTTL + time.Second)
		if _, err := one.Do(ctx, "purge", "test", func(context.Context) (any, error) { ran = true; return nil, nil }); err != nil || !ran {
			t.Fatalf("expired lease not taken over: %v", err)
		}
		// Released at the end of the run.
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM job_leases`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d leases left (%v)", n, err)
		}
	})
}

// TestEveryCatchesUp: an instance that starts after a scheduled time passed without a run
// runs the job at once, and not again before the next scheduled time.
func TestEveryCatchesUp(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
		r := newRunner(db, c, "one")
		// The job last ran the day before yesterday: yesterday's run was missed.
		if _, err := db.Exec(context.Background(), `INSERT INTO job_runs (job, instance, started_by, started_at, finished_at, status)
			VALUES ('transfer', 'old', 'schedule', $1, $1, 'ok')`, c.now().Add(-56*time.Hour)); err != nil {
			t.Fatal(err)
		}
		sc, _ := ParseSchedule("02:30", time.UTC)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		runs := make(chan struct{}, 10)
		go func() {
			defer close(done)
			r.Every(ctx, "transfer", sc, func(context.Context) (any, error) { runs <- struct{}{}; return nil, nil })
		}()
		select {
		case <-runs:
		case <-time.After(10 * time.Second):
			t.Fatal("the missed run was not caught up")
		}
		cancel()
		<-done
		if len(runs) != 0 {
			t.Fatalf("%d extra runs", len(runs))
		}
		h, _ := r.History(context.Background(), "transfer", 10)
		if len(h) != 2 || !strings.Contains(h[0].StartedBy, "schedule") {
			t.Fatalf("history %+v", h)
		}
	})
}

// TestScheduledRunIsCheckedUnderTheLease: an instance that saw the period's run as
// missing, but takes the lease after another instance made it, does not run it again.
func TestScheduledRunIsCheckedUnderTheLease(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
		a, b := newRunner(db, c, "a"), newRunner(db, c, "b")
		sc, _ := ParseSchedule("02:30", time.UTC)
		var n int
		fn := func(context.Context) (any, error) { n++; return nil, nil }
		if _, err := a.runDue(ctx, "transfer", sc, fn); err != nil {
			t.Fatal(err)
		}
		// b read the history before a's run (Every's check), then takes the free lease.
		if _, err := b.runDue(ctx, "transfer", sc, fn); !errors.Is(err, errNotDue) {
			t.Fatalf("second instance: %v, want errNotDue", err)
		}
		if n != 1 {
			t.Fatalf("%d runs, want 1", n)
		}
		// The lease was released: the next period runs.
		c.add(24 * time.Hour)
		if _, err := b.runDue(ctx, "transfer", sc, fn); err != nil || n != 2 {
			t.Fatalf("next day: %v, %d runs", err, n)
		}
		h, _ := a.History(ctx, "transfer", 10)
		if len(h) != 2 {
			t.Fatalf("history %+v", h)
		}
	})
}

// TestRegistry: jobs are registered once under a valid name, listed in order, run by
// name under the same lease and history as Do, and shared by the runner's copies.
func TestRegistry(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
		r := newRunner(db, c, "one")
		r.Register(Job{Name: "transfer", Schedule: "02:30", Run: func(context.Context) (any, error) { return map[string]int{"moved": 1}, nil }})
		r.Register(Job{Name: "purge_2", Deletes: true, Run: func(context.Context) (any, error) { return nil, nil }})
		for _, bad := range []Job{
			{Name: "transfer", Run: func(context.Context) (any, error) { return nil, nil }},
			{Name: "", Run: func(context.Context) (any, error) { return nil, nil }},
			{Name: "Purge", Run: func(context.Context) (any, error) { return nil, nil }},
			{Name: "2purge", Run: func(context.Context) (any, error) { return nil, nil }},
			{Name: "a/b", Run: func(context.Context) (any, error) { return nil, nil }},
			{Name: "norun"},
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("Register(%q) did not panic", bad.Name)
					}
				}()
				r.Register(bad)
			}()
		}
		two := r.WithInstance("two")
		if got := strings.Join(two.Names(), ","); got != "transfer,purge_2" {
			t.Fatalf("names seen by a copy: %s", got)
		}
		if j, ok := r.Job("purge_2"); !ok || !j.Deletes || j.Schedule != "" {
			t.Fatalf("Job(purge_2) = %+v %v", j, ok)
		}
		if _, err := r.Run(ctx, "nosuch", "test"); !errors.Is(err, ErrUnknownJob) {
			t.Fatalf("unknown job: %v", err)
		}
		run, err := two.Run(ctx, "transfer", "test")
		if err != nil || run.Job != "transfer" || run.Instance != "two" || string(run.Counts) != `{"moved":1}` {
			t.Fatalf("run: %+v %v", run, err)
		}
		if h, err := r.History(ctx, "transfer", 10); err != nil || len(h) != 1 || h[0].ID != run.ID {
			t.Fatalf("history: %+v %v", h, err)
		}
	})
}

// TestStart: serve's Start runs the registered jobs that have a schedule (here, a
// missed run caught up at once), and refuses a bad schedule before starting any.
func TestStart(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
		bad := newRunner(db, c, "bad")
		bad.Register(Job{Name: "transfer", Schedule: "25:00", Run: func(context.Context) (any, error) { return nil, nil }})
		if err := bad.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "transfer") {
			t.Fatalf("bad schedule: %v", err)
		}

		r := newRunner(db, c, "one")
		runs := make(chan string, 10)
		r.Register(Job{Name: "transfer", Schedule: "02:30", Run: func(context.Context) (any, error) { runs <- "transfer"; return nil, nil }})
		r.Register(Job{Name: "purge", Run: func(context.Context) (any, error) { runs <- "purge"; return nil, nil }})
		if _, err := db.Exec(context.Background(), `INSERT INTO job_runs (job, instance, started_by, started_at, finished_at, status)
			VALUES ('transfer', 'old', 'schedule', $1, $1, 'ok')`, c.now().Add(-56*time.Hour)); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case j := <-runs:
			if j != "transfer" {
				t.Fatalf("%s ran", j)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the scheduled job was not started")
		}
	})
}

// TestIntervalSchedule: "every 2m" runs at every multiple of two minutes; intervals
// outside 1m–24h are refused.
func TestIntervalSchedule(t *testing.T) {
	sc, err := ParseSchedule("every 2m", paris)
	if err != nil || sc.Interval != 2*time.Minute {
		t.Fatalf("every 2m: %+v %v", sc, err)
	}
	at := time.Date(2026, 12, 3, 10, 3, 30, 0, time.UTC)
	if got := sc.Next(at); !got.Equal(time.Date(2026, 12, 3, 10, 4, 0, 0, time.UTC)) {
		t.Errorf("Next: %v", got)
	}
	if got := sc.Prev(at); !got.Equal(time.Date(2026, 12, 3, 10, 2, 0, 0, time.UTC)) {
		t.Errorf("Prev: %v", got)
	}
	for _, bad := range []string{"every 30s", "every 25h", "every often", "every"} {
		if _, err := ParseSchedule(bad, paris); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
