package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/store"
)

// benchDB makes a throw-away database: a SQLite file in a temporary directory, or a new
// schema in the PostgreSQL database of --db (dropped at the end).
func benchDB(ctx context.Context, dsn string) (string, func(), error) {
	engine, _, err := store.ParseDSN(dsn)
	if err != nil {
		return "", nil, err
	}
	if engine == store.SQLite {
		dir, err := os.MkdirTemp("", "cartable-bench-")
		if err != nil {
			return "", nil, err
		}
		return "sqlite:" + filepath.Join(dir, "bench.db"), func() { os.RemoveAll(dir) }, nil
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	schema := "bench_" + hex.EncodeToString(b)
	admin, err := store.Open(ctx, dsn, store.Options{MaxOpenConns: 1})
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", nil, err
	}
	u, err := url.Parse(dsn)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		_, _ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	}, nil
}

// throwAway assembles the application on a throw-away database (benchDB) and data
// directory, with the per-IP limit off, for a server on the returned listener;
// cleanup closes and removes everything.
func throwAway(ctx context.Context, cfg config.Config, open Open) (*App, net.Listener, store.Engine, func(), error) {
	dsn, dropDB, err := benchDB(ctx, cfg.DB)
	if err != nil {
		return nil, nil, "", nil, err
	}
	cfg.DB = dsn
	if cfg.DataDir, err = os.MkdirTemp("", "cartable-bench-data-"); err != nil {
		dropDB()
		return nil, nil, "", nil, err
	}
	cleanup := func() { os.RemoveAll(cfg.DataDir); dropDB() }
	cfg.LoginRate, cfg.LoginBurst = 1e9, 1e9
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cleanup()
		return nil, nil, "", nil, err
	}
	cfg.Addr = ln.Addr().String()
	cfg.BaseURL = "http://" + cfg.Addr
	app, err := open(ctx, cfg, true)
	if err != nil {
		ln.Close()
		cleanup()
		return nil, nil, "", nil, err
	}
	engine, _, _ := store.ParseDSN(dsn)
	return app, ln, engine, func() { app.Close(); cleanup() }, nil
}

// benchUser is an activated account and the last TOTP step it used.
type benchUser struct {
	login, password string
	secret          []byte
	mu              sync.Mutex
	last            int64
}

// nextCode returns a code of a step of the ±1 window not used yet, or "" when the user
// used them all (each code works once). The previous step is skipped in the last two
// seconds of the current one: crossing the boundary while the request waits would
// push it out of the window.
func (u *benchUser) nextCode(now time.Time) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	cur := credential.TOTPStep(now)
	first := cur - account.TOTPWindow
	if time.Unix((cur+1)*30, 0).Sub(now) < 2*time.Second {
		first = cur
	}
	step := max(u.last+1, first)
	if step > cur+account.TOTPWindow {
		return ""
	}
	u.last = step
	return credential.TOTPCode(u.secret, step)
}

// LoginResult is one run of the login benchmark.
type LoginResult struct {
	Engine      string  `json:"engine"`
	Clients     int     `json:"clients,omitempty"`
	Rate        int     `json:"rate,omitempty"`
	Requests    int     `json:"requests"`
	OK          int     `json:"ok"`
	Throttled   int     `json:"throttled"`
	Failed      int     `json:"failed"`
	PerSecond   float64 `json:"logins_per_second"`
	P50ms       float64 `json:"p50_ms"`
	P95ms       float64 `json:"p95_ms"`
	P99ms       float64 `json:"p99_ms"`
	Maxms       float64 `json:"max_ms"`
	Over2s      int     `json:"over_2s"`
	HashMs      float64 `json:"hash_ms"`
	CeilingRate float64 `json:"ceiling_logins_per_second"`
}

// LoginOptions are the runs of the login benchmark.
type LoginOptions struct {
	Clients  []int         // closed-loop runs, by number of concurrent clients
	Rates    []int         // open-loop runs, by arrival rate (logins/s)
	Duration time.Duration // of each run
	Users    int           // accounts to create (0: enough for the runs)
	// CPUProfile, when set, receives a CPU profile of the runs.
	CPUProfile io.Writer
}

// LoginReport is the output of the login benchmark.
type LoginReport struct {
	Engine          string        `json:"engine"`
	CPUs            int           `json:"cpus"`
	HashMs          float64       `json:"hash_ms"`
	Ceiling         float64       `json:"ceiling_logins_per_second"`
	HashConcurrency int           `json:"hash_concurrency"`
	Runs            []LoginResult `json:"runs"`
}

// Login measures POST /api/v1/sessions (password and a fresh TOTP code each time) on a
// throw-away database (a SQLite file, or a new schema of cfg's PostgreSQL database),
// served in-process with production argon2id settings and the per-IP limit off, so that
// the hashing guard is what is measured.
func Login(ctx context.Context, cfg config.Config, open Open, o LoginOptions, progress io.Writer) (LoginReport, error) {
	var rep LoginReport
	clients, rates, d, nUsers := o.Clients, o.Rates, o.Duration, o.Users
	// The hashing guard is measured, not the per-IP limit.
	app, ln, engine, cleanup, err := throwAway(ctx, cfg, open)
	if err != nil {
		return rep, err
	}
	defer cleanup()
	cfg = app.Config

	// The physical limit: one argon2id hash per core at a time.
	params := account.PolicyFrom(&cfg).Argon2
	start := time.Now()
	const samples = 10
	for range samples {
		if _, err := credential.HashPassword("benchmark password", params, rand.Reader); err != nil {
			return rep, err
		}
	}
	hash := time.Since(start) / samples
	ceiling := float64(cfg.HashConcurrency) / hash.Seconds()

	need := nUsers
	if need == 0 {
		// Each user can log in with the 3 codes of the window, then once per 30-second
		// step (each code works once): enough users for the runs at the ceiling.
		total, runs := 0.0, 0.0
		for range clients {
			total += ceiling * d.Seconds()
			runs++
		}
		for _, rt := range rates {
			total += float64(rt) * d.Seconds()
			runs++
		}
		perUser := 3 + runs*d.Seconds()/30
		need = int(1.3*total/perUser) + 50
	}
	fmt.Fprintf(progress, "creating %d activated accounts on %s (argon2id m=%d KiB t=%d p=%d)…\n", need, engine, params.Memory, params.Time, params.Threads)
	users, err := benchUsers(ctx, app, need)
	if err != nil {
		return rep, err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- app.Serve(sctx, ln) }()
	defer func() { stop(); <-done }()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
	if o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
			return rep, err
		}
		defer pprof.StopCPUProfile()
	}
	var results []LoginResult
	var next atomic.Uint64
	login := func() (int, time.Duration) {
		now := time.Now()
		for range len(users) {
			u := users[next.Add(1)%uint64(len(users))]
			code := u.nextCode(now)
			if code == "" {
				continue
			}
			body, _ := json.Marshal(map[string]string{"login": u.login, "password": u.password, "code": code})
			t0 := time.Now()
			resp, err := client.Post(cfg.BaseURL+"/api/v1/sessions", "application/json", bytes.NewReader(body))
			if err != nil {
				return 0, time.Since(t0)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode, time.Since(t0)
		}
		// Every user has used his codes of this step: wait for the next step rather than
		// spin (the load generator shares the CPU with the server).
		time.Sleep(100 * time.Millisecond)
		return -1, 0
	}
	for _, c := range clients {
		res := runLoad(ctx, d, login, c, 0)
		res.Engine, res.Clients = string(engine), c
		results = append(results, res)
	}
	for _, rt := range rates {
		res := runLoad(ctx, d, login, 0, rt)
		res.Engine, res.Rate = string(engine), rt
		results = append(results, res)
	}
	for i := range results {
		results[i].HashMs = float64(hash.Microseconds()) / 1000
		results[i].CeilingRate = ceiling
	}
	return LoginReport{Engine: string(engine), CPUs: runtime.NumCPU(), HashMs: float64(hash.Microseconds()) / 1000, Ceiling: ceiling,
		HashConcurrency: cfg.HashConcurrency, Runs: results}, nil
}

// Print writes the report as a table.
func (rep LoginReport) Print(w io.Writer) error {
	fmt.Fprintf(w, "engine %s, %d CPU, argon2id %.1f ms per hash → ceiling %.1f logins/s (%d hashes at once)\n",
		rep.Engine, rep.CPUs, rep.HashMs, rep.Ceiling, rep.HashConcurrency)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "clients\trate/s\trequests\tok\t503/429\tlogins/s\t% ceiling\tp50 ms\tp95 ms\tp99 ms\tmax ms\t>2s\t")
	for _, x := range rep.Runs {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%.1f\t%.0f%%\t%.0f\t%.0f\t%.0f\t%.0f\t%d\t\n", x.Clients, x.Rate, x.Requests, x.OK, x.Throttled,
			x.PerSecond, 100*x.PerSecond/rep.Ceiling, x.P50ms, x.P95ms, x.P99ms, x.Maxms, x.Over2s)
	}
	return tw.Flush()
}

// benchUsers creates n activated accounts, computing the hashes on every core.
func benchUsers(ctx context.Context, app *App, n int) ([]*benchUser, error) {
	users := make([]*benchUser, n)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	sem := make(chan struct{}, runtime.NumCPU())
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			login := fmt.Sprintf("bench%06d", i)
			_, enr, err := app.Accounts.Create(ctx, authz.OperatorPrincipal(), account.CreateInput{Login: login, Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
			if err == nil {
				var c account.Credentials
				if c, err = app.Accounts.OpenEnrollment(ctx, enr.Token); err == nil {
					u := &benchUser{login: login, password: c.Password, secret: c.TOTPSecret}
					if _, err = app.Accounts.Activate(ctx, account.Proof{Login: login, Password: c.Password, Code: u.nextCode(time.Now())}); err == nil {
						users[i] = u
					}
				}
			}
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("account %s: %w", login, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return users, firstErr
}

// runLoad drives do for d: closed loop with clients workers, or open loop at rate
// requests per second.
func runLoad(ctx context.Context, d time.Duration, do func() (int, time.Duration), clients, rate int) LoginResult {
	var mu sync.Mutex
	var lat []time.Duration
	var res LoginResult
	record := func(status int, l time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if status < 0 {
			return // no code left: not a request
		}
		res.Requests++
		lat = append(lat, l)
		switch {
		case status == http.StatusCreated:
			res.OK++
		case status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests:
			res.Throttled++
		default:
			res.Failed++
		}
		if l > 2*time.Second {
			res.Over2s++
		}
	}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	t0 := time.Now()
	if clients > 0 {
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) && ctx.Err() == nil {
					record(do())
				}
			}()
		}
	} else {
		tick := time.NewTicker(time.Second / time.Duration(rate))
		for now := range tick.C {
			if now.After(deadline) || ctx.Err() != nil {
				break
			}
			wg.Add(1)
			go func() { defer wg.Done(); record(do()) }()
		}
		tick.Stop()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	slices.Sort(lat)
	q := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	res.PerSecond = float64(res.OK) / elapsed.Seconds()
	res.P50ms, res.P95ms, res.P99ms = q(0.50), q(0.95), q(0.99)
	if len(lat) > 0 {
		res.Maxms = float64(lat[len(lat)-1].Microseconds()) / 1000
	}
	return res
}
