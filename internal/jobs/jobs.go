// Package jobs runs background jobs (the daily transfer, the weekly purge) durably: each
// run is recorded with its counts or its error, and a lease in the database makes one
// instance alone run a job when several serve the same database.
//
// The jobs are registered on the Runner where the services are built (internal/app);
// the command line, serve's schedules, the API and the pages list and run them from
// there, so a new job is one Register call.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/store"
)

// ErrBusy is returned when another instance holds the job's lease.
var ErrBusy = errors.New("jobs: another instance is running this job")

// ErrUnknownJob is returned for a name no job was registered under.
var ErrUnknownJob = errors.New("jobs: no such job")

// Job is a background job, as registered on a Runner.
type Job struct {
	// Name names the job in leases, run history and metrics, in the command line
	// (cartable jobs run NAME), the URLs (/admin/jobs/{job}, /api/v1/jobs/{job}/runs)
	// and the pages' label (the catalogue key jobs.job.<name>): lower-case letters,
	// digits and '_', starting with a letter.
	Name string
	// Run does one run; what it returns (its counts) is recorded as JSON.
	Run func(ctx context.Context) (any, error)
	// Schedule is when serve runs the job: "HH:MM" every day or "sun HH:MM" every week,
	// Europe/Paris (see ParseSchedule); empty, the job runs only when asked.
	Schedule string
	// Deletes tells that a run deletes data: the pages mark its button as dangerous.
	Deletes bool
}

// registry holds the registered jobs, in the order of registration; the copies of a
// Runner (WithInstance) share it.
type registry struct {
	mu   sync.RWMutex
	jobs []Job
}

// Run is one run of a job.
type Run struct {
	ID         int64           `json:"id"`
	Job        string          `json:"job"`
	Instance   string          `json:"instance"`
	StartedBy  string          `json:"started_by"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
	Status     string          `json:"status"`
	Counts     json.RawMessage `json:"counts"`
	Error      string          `json:"error,omitempty"`
}

// Runner runs jobs.
type Runner struct {
	db       *store.DB
	now      func() time.Time
	log      *slog.Logger
	instance string
	// LeaseTTL is how long a lease lasts without being renewed; a crashed instance's
	// lease frees itself after it.
	LeaseTTL time.Duration
	// OnRun, when set, is told each run's outcome (for metrics).
	OnRun func(job, outcome string)
	reg   *registry
}

// New returns a Runner identified by the host name and process id, with no job
// registered.
func New(db *store.DB, log *slog.Logger, now func() time.Time) *Runner {
	host, _ := os.Hostname()
	return &Runner{db: db, log: log, now: now, instance: host + ":" + strconv.Itoa(os.Getpid()), LeaseTTL: 10 * time.Minute,
		reg: &registry{}}
}

// Register adds a job. It is called while the application is wired, and panics on a
// job without a valid name or a Run, or under a name already registered: these are
// wiring mistakes, found by any test that starts the application.
func (r *Runner) Register(j Job) {
	if !validName(j.Name) || j.Run == nil {
		panic(fmt.Sprintf("jobs: Register %q: a job needs a name (a-z, 0-9, _) and a Run", j.Name))
	}
	r.reg.mu.Lock()
	defer r.reg.mu.Unlock()
	for _, x := range r.reg.jobs {
		if x.Name == j.Name {
			panic(fmt.Sprintf("jobs: Register %q: registered twice", j.Name))
		}
	}
	r.reg.jobs = append(r.reg.jobs, j)
}

func validName(name string) bool {
	for i, c := range name {
		if !('a' <= c && c <= 'z' || i > 0 && ('0' <= c && c <= '9' || c == '_')) {
			return false
		}
	}
	return name != ""
}

// Jobs returns the registered jobs, in the order of registration.
func (r *Runner) Jobs() []Job {
	r.reg.mu.RLock()
	defer r.reg.mu.RUnlock()
	return append([]Job(nil), r.reg.jobs...)
}

// Names returns the registered jobs' names, in the order of registration.
func (r *Runner) Names() []string {
	var names []string
	for _, j := range r.Jobs() {
		names = append(names, j.Name)
	}
	return names
}

// Job returns the job registered under name.
func (r *Runner) Job(name string) (Job, bool) {
	for _, j := range r.Jobs() {
		if j.Name == name {
			return j, true
		}
	}
	return Job{}, false
}

// Run runs the job registered under name now, as Do does: under its lease, recorded.
// It returns ErrUnknownJob when no job has that name.
func (r *Runner) Run(ctx context.Context, name, startedBy string) (Run, error) {
	j, ok := r.Job(name)
	if !ok {
		return Run{}, fmt.Errorf("%w: %q", ErrUnknownJob, name)
	}
	return r.Do(ctx, j.Name, startedBy, j.Run)
}

// Start runs every registered job that has a schedule on it (see Every), each in its
// own goroutine, until ctx ends. It checks every schedule before it starts any.
func (r *Runner) Start(ctx context.Context) error {
	type scheduled struct {
		job Job
		sc  Schedule
	}
	var all []scheduled
	for _, j := range r.Jobs() {
		if j.Schedule == "" {
			continue
		}
		sc, err := ParseSchedule(j.Schedule, calendar.Paris)
		if err != nil {
			return fmt.Errorf("the %s job: %w", j.Name, err)
		}
		all = append(all, scheduled{j, sc})
	}
	for _, x := range all {
		go r.Every(ctx, x.job.Name, x.sc, x.job.Run)
	}
	return nil
}

// Instance names this runner in leases and runs.
func (r *Runner) Instance() string { return r.instance }

// WithInstance returns a copy of the runner under another name (tests run several
// "instances" in one process).
func (r *Runner) WithInstance(name string) *Runner {
	c := *r
	c.instance = name
	return &c
}

// lease takes the job's lease if it is free or expired.
func (r *Runner) lease(ctx context.Context, job string) (bool, error) {
	now := r.now()
	n, err := r.db.ExecCount(ctx, `INSERT INTO job_leases (job, owner, lease_until) VALUES ($1, $2, $3)
		ON CONFLICT (job) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
		WHERE job_leases.lease_until < $4 OR job_leases.owner = excluded.owner`, job, r.instance, now.Add(r.LeaseTTL), now)
	return n == 1, err
}

func (r *Runner) release(ctx context.Context, job string) {
	if _, err := r.db.Exec(ctx, `DELETE FROM job_leases WHERE job = $1 AND owner = $2`, job, r.instance); err != nil {
		r.log.Warn("release job lease", "job", job, "err", err)
	}
}

// renew keeps the lease alive while a long run goes on.
func (r *Runner) renew(ctx context.Context, job string) {
	t := time.NewTicker(r.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := r.db.Exec(ctx, `UPDATE job_leases SET lease_until = $3 WHERE job = $1 AND owner = $2`,
				job, r.instance, r.now().Add(r.LeaseTTL)); err != nil {
				r.log.Warn("renew job lease", "job", job, "err", err)
			}
		}
	}
}

// Do runs fn as job under the lease and records the run. startedBy says who asked
// ("schedule", "operator"…). It returns ErrBusy when another instance holds the lease.
func (r *Runner) Do(ctx context.Context, job, startedBy string, fn func(ctx context.Context) (any, error)) (Run, error) {
	return r.do(ctx, job, startedBy, fn, nil)
}

// errNotDue is do's answer when the run, checked under the lease, is no longer due.
var errNotDue = errors.New("jobs: already run for this period")

// do is Do; when due is not nil, it is asked under the lease whether the run is still
// to be made, and a run that is not is skipped (errNotDue). The check must be made
// under the lease: an instance that read the history before another instance's run
// started, and took the lease after that run ended, would otherwise run the job twice.
func (r *Runner) do(ctx context.Context, job, startedBy string, fn func(ctx context.Context) (any, error), due func(ctx context.Context) (bool, error)) (Run, error) {
	ok, err := r.lease(ctx, job)
	if err != nil {
		return Run{}, err
	}
	if !ok {
		r.observe(job, "busy")
		return Run{}, ErrBusy
	}
	defer r.release(context.WithoutCancel(ctx), job)
	if due != nil {
		if ok, err := due(ctx); err != nil || !ok {
			if err == nil {
				err = errNotDue
			}
			return Run{}, err
		}
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go r.renew(rctx, job)

	run := Run{Job: job, Instance: r.instance, StartedBy: startedBy, StartedAt: r.now().UTC(), Status: "running", Counts: json.RawMessage("{}")}
	if err := r.db.QueryRow(ctx, `INSERT INTO job_runs (job, instance, started_by, started_at, status) VALUES ($1, $2, $3, $4, 'running') RETURNING id`,
		job, r.instance, startedBy, run.StartedAt).Scan(&run.ID); err != nil {
		return run, err
	}
	counts, ferr := fn(ctx)
	finished := r.now().UTC()
	run.FinishedAt = &finished
	run.Status = "ok"
	if ferr != nil {
		run.Status, run.Error = "failed", ferr.Error()
	}
	if counts != nil {
		if b, err := json.Marshal(counts); err == nil {
			run.Counts = b
		}
	}
	// Recorded even when the run's context was cancelled (shutdown): history matters.
	if _, err := r.db.Exec(context.WithoutCancel(ctx), `UPDATE job_runs SET finished_at = $2, status = $3, counts = $4, error = $5 WHERE id = $1`,
		run.ID, finished, run.Status, string(run.Counts), run.Error); err != nil {
		return run, err
	}
	r.observe(job, run.Status)
	r.log.Info("job run", "job", job, "status", run.Status, "counts", string(run.Counts), "duration", finished.Sub(run.StartedAt), "err", run.Error)
	return run, ferr
}

func (r *Runner) observe(job, outcome string) {
	if r.OnRun != nil {
		r.OnRun(job, outcome)
	}
}

// History lists the runs of job (all jobs when empty), newest first.
func (r *Runner) History(ctx context.Context, job string, limit int) ([]Run, error) {
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	q := `SELECT id, job, instance, started_by, started_at, finished_at, status, counts, error FROM job_runs`
	var args []any
	if job != "" {
		q += ` WHERE job = $1`
		args = append(args, job)
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit)
	out := []Run{}
	err := r.db.Each(ctx, func(rows *sql.Rows) error {
		var x Run
		var finished sql.NullTime
		var counts string
		if err := rows.Scan(&x.ID, &x.Job, &x.Instance, &x.StartedBy, &x.StartedAt, &finished, &x.Status, &counts, &x.Error); err != nil {
			return err
		}
		x.StartedAt, x.FinishedAt, x.Counts = x.StartedAt.UTC(), store.NullTime(finished), json.RawMessage(counts)
		out = append(out, x)
		return nil
	}, q, args...)
	return out, err
}

// lastStart returns when the last successful or running run of job started.
func (r *Runner) lastStart(ctx context.Context, job string) (time.Time, error) {
	var t time.Time
	err := r.db.QueryRow(ctx, `SELECT started_at FROM job_runs WHERE job = $1 AND status <> 'failed' ORDER BY started_at DESC LIMIT 1`, job).Scan(&t)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, nil
	}
	return t, err
}

// Schedule is when a job runs: every day at a time, or every week on a day at a time,
// in a time zone, or at a fixed interval (the mail job's "every 2m").
type Schedule struct {
	Weekday *time.Weekday // nil: every day
	Hour    int
	Minute  int
	Loc     *time.Location
	// Interval, when set, runs the job at every multiple of it (from the Unix epoch);
	// the other fields are then unused.
	Interval time.Duration
}

// ParseSchedule reads "HH:MM" (daily), "sun HH:MM" (weekly; mon…sun, French lun…dim
// accepted) or "every 2m" (an interval from 1 minute to 24 hours).
func ParseSchedule(s string, loc *time.Location) (Schedule, error) {
	sc := Schedule{Loc: loc}
	fields := strings.Fields(strings.ToLower(s))
	if len(fields) == 2 && fields[0] == "every" {
		d, err := time.ParseDuration(fields[1])
		if err != nil || d < time.Minute || d > 24*time.Hour {
			return sc, fmt.Errorf("schedule %q: \"every\" takes a duration from 1m to 24h", s)
		}
		sc.Interval = d
		return sc, nil
	}
	if len(fields) == 2 {
		days := map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
			"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday, "dim": time.Sunday, "lun": time.Monday,
			"mar": time.Tuesday, "mer": time.Wednesday, "jeu": time.Thursday, "ven": time.Friday, "sam": time.Saturday}
		d, ok := days[fields[0][:min(3, len(fields[0]))]]
		if !ok {
			return sc, fmt.Errorf("schedule %q: unknown day %q", s, fields[0])
		}
		sc.Weekday = &d
		fields = fields[1:]
	}
	if len(fields) != 1 {
		return sc, fmt.Errorf("schedule %q: use HH:MM or \"sun HH:MM\"", s)
	}
	t, err := time.Parse("15:04", fields[0])
	if err != nil {
		return sc, fmt.Errorf("schedule %q: use HH:MM or \"sun HH:MM\"", s)
	}
	sc.Hour, sc.Minute = t.Hour(), t.Minute()
	return sc, nil
}

// Next returns the first scheduled time strictly after t.
func (sc Schedule) Next(t time.Time) time.Time {
	if sc.Interval > 0 {
		return t.Truncate(sc.Interval).Add(sc.Interval)
	}
	loc := sc.Loc
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	next := time.Date(lt.Year(), lt.Month(), lt.Day(), sc.Hour, sc.Minute, 0, 0, loc)
	for !next.After(lt) || (sc.Weekday != nil && next.Weekday() != *sc.Weekday) {
		next = time.Date(next.Year(), next.Month(), next.Day()+1, sc.Hour, sc.Minute, 0, 0, loc)
	}
	return next
}

// Prev returns the last scheduled time at or before t.
func (sc Schedule) Prev(t time.Time) time.Time {
	if sc.Interval > 0 {
		return t.Truncate(sc.Interval)
	}
	step := 24 * time.Hour
	if sc.Weekday != nil {
		step = 7 * 24 * time.Hour
	}
	n := sc.Next(t.Add(-step - time.Hour))
	for {
		m := sc.Next(n)
		if m.After(t) {
			return n
		}
		n = m
	}
}

// Every runs job on the schedule until ctx ends. An instance that starts after a
// scheduled time that passed without a run (every instance was down) runs the job at
// once; a run already made for the current period, by any instance, is not repeated.
// A database where the job never ran waits for the first scheduled time.
func (r *Runner) Every(ctx context.Context, job string, sc Schedule, fn func(ctx context.Context) (any, error)) {
	woke := false // true once a scheduled time was reached while running
	for {
		last, err := r.lastStart(ctx, job)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			r.log.Warn("job schedule", "job", job, "err", err)
		case last.Before(sc.Prev(r.now())) && (woke || !last.IsZero()):
			if _, err := r.runDue(ctx, job, sc, fn); err != nil && !errors.Is(err, ErrBusy) && !errors.Is(err, errNotDue) && ctx.Err() == nil {
				r.log.Error("scheduled job failed", "job", job, "err", err)
			}
		}
		t := time.NewTimer(max(sc.Next(r.now()).Sub(r.now()), time.Second))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
			woke = true
		}
	}
}

// runDue runs job unless, under its lease, the history shows a run (by any instance)
// for the current period of sc.
func (r *Runner) runDue(ctx context.Context, job string, sc Schedule, fn func(ctx context.Context) (any, error)) (Run, error) {
	return r.do(ctx, job, "schedule", fn, func(ctx context.Context) (bool, error) {
		last, err := r.lastStart(ctx, job)
		return err == nil && last.Before(sc.Prev(r.now())), err
	})
}

// ForEstablishments returns the runs as shown to establishment administrators: the
// platform-wide counts and the status, without the error text (it may name another
// establishment's students by id); platform administrators read it in full.
func ForEstablishments(runs []Run) []Run {
	out := make([]Run, len(runs))
	for i, r := range runs {
		r.Error = ""
		out[i] = r
	}
	return out
}
