// Package apptest starts the whole application on a temporary database and a free
// port, for HTTP and browser tests, on every engine the test run covers.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/cli"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// Clock is a settable clock; the zero value reads the real time until Set.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Server is a running application.
type Server struct {
	URL   string
	App   *cli.App
	Clock *Clock
	Logs  *LogBuffer
	t     testing.TB
}

// Option changes the configuration before start.
type Option func(*config.Config)

// Start runs the application on engine e until the test ends.
func Start(t testing.TB, e store.Engine, opts ...Option) *Server {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DB = storetest.DSN(t, e)
	cfg.LogLevel = "warn"
	// Small argon2id parameters keep tests fast; the benchmarks use the real ones.
	cfg.Argon2Memory, cfg.Argon2Time = 64, 1
	cfg.HashQueueWait = 30 * time.Second
	cfg.LoginRate, cfg.LoginBurst = 6000, 1000
	cfg.TransferSchedule, cfg.PurgeSchedule, cfg.SSOFlowsSchedule = "", "", "" // tests run the jobs when they want
	cfg.MailSchedule, cfg.ReminderSchedule = "", ""
	cfg.GraduationSchedule, cfg.GraduationDigestSchedule, cfg.GraduationPurgeSchedule = "", "", ""
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = ln.Addr().String()
	cfg.BaseURL = "http://" + cfg.Addr
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	clock := &Clock{}
	logs := &LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	app, err := cli.NewApp(ctx, cfg, log, cli.Options{Now: clock.Now, Migrate: true})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if _, err := app.Handler(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	if _, err := cli.LoadBuiltinReferentials(ctx, app); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		app.Close()
	})
	return &Server{URL: cfg.BaseURL, App: app, Clock: clock, Logs: logs, t: t}
}

// LogBuffer keeps everything the application logged, for tests that check what a log
// must never contain.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *LogBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

// String returns the logs so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Engines runs fn against an application on every engine.
func Engines(t *testing.T, fn func(t *testing.T, s *Server), opts ...Option) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) { fn(t, Start(t, e, opts...)) })
	}
}

// User is an activated account with what its owner knows.
type User struct {
	ID       int64
	Login    string
	Password string
	Secret   []byte
	Recovery []string
	lastStep int64
	mu       sync.Mutex
}

// Code returns a TOTP code for a step not used yet by this helper, advancing the
// server clock by one step when needed so tests never wait.
func (u *User) Code(s *Server) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	step := credential.TOTPStep(s.Clock.Now())
	if step <= u.lastStep {
		s.Clock.Advance(time.Duration(u.lastStep-step+1) * 30 * time.Second)
		step = credential.TOTPStep(s.Clock.Now())
	}
	u.lastStep = step
	return credential.TOTPCode(u.Secret, step)
}

// CreateUser creates, enrols and activates an account with roles, through the services.
func (s *Server) CreateUser(login string, roles ...authz.Membership) *User {
	t := s.t
	t.Helper()
	ctx := context.Background()
	_, enr, err := s.App.Accounts.Create(ctx, authz.OperatorPrincipal(), account.CreateInput{Login: login, Roles: roles})
	if err != nil {
		t.Fatalf("create %s: %v", login, err)
	}
	c, err := s.App.Accounts.OpenEnrollment(ctx, enr.Token)
	if err != nil {
		t.Fatal(err)
	}
	u := &User{ID: c.AccountID, Login: c.Login, Password: c.Password, Secret: c.TOTPSecret, Recovery: c.RecoveryCodes}
	if _, err := s.App.Accounts.Activate(ctx, account.Proof{Login: u.Login, Password: u.Password, Code: u.Code(s)}); err != nil {
		t.Fatalf("activate %s: %v", login, err)
	}
	return u
}

// Activate delivers new credentials to an existing account (a student's, created by an
// import) and activates it, through the services.
func (s *Server) Activate(accountID int64) *User {
	t := s.t
	t.Helper()
	ctx := context.Background()
	enr, err := s.App.Accounts.Reissue(ctx, authz.OperatorPrincipal(), accountID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.App.Accounts.OpenEnrollment(ctx, enr.Token)
	if err != nil {
		t.Fatal(err)
	}
	u := &User{ID: c.AccountID, Login: c.Login, Password: c.Password, Secret: c.TOTPSecret, Recovery: c.RecoveryCodes}
	if _, err := s.App.Accounts.Activate(ctx, account.Proof{Login: u.Login, Password: u.Password, Code: u.Code(s)}); err != nil {
		t.Fatalf("activate %s: %v", c.Login, err)
	}
	return u
}

// Token logs u in through the API and returns a bearer token.
func (s *Server) Token(u *User) string {
	s.t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	resp := s.Do("POST", "/api/v1/sessions", "", map[string]string{"login": u.Login, "password": u.Password, "code": u.Code(s)}, &out)
	if resp.StatusCode != http.StatusCreated {
		s.t.Fatalf("login %s: %d", u.Login, resp.StatusCode)
	}
	return out.Token
}

// Do sends a JSON request (body nil for none) with an optional bearer token and decodes
// the JSON answer into out (when not nil).
func (s *Server) Do(method, path, token string, body, out any) *http.Response {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return resp
}

// Browser is an HTTP client with cookies, for the HTML pages.
func (s *Server) Browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// DataDir is the application's data directory.
func (s *Server) DataDir() string { return filepath.Clean(s.App.Config.DataDir) }
