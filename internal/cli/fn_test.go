package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/fn"
	"github.com/cartable/cartable/internal/qr"
	"github.com/cartable/cartable/internal/store/storetest"
	"go.yaml.in/yaml/v3"
)

// fnClock is a clock the test moves.
type fnClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fnClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fnClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fnEnv is a database, an application to set it up, and the three functions, each in
// the process shape `cartable fn NAME` gives it, behind a gateway.
type fnEnv struct {
	app     *App
	clock   *fnClock
	gateway *httptest.Server
	direct  map[string]string // function name -> its own base URL (the watchdog's port)
	metrics map[string]string // function name -> its /metrics URL
}

// startFunctions starts the three functions on db the way `cartable fn NAME` does, and a
// gateway in front of them that does what the OpenFaaS gateway does: POST
// /function/NAME[/path] is forwarded to the function's "/[path]" with X-Forwarded-For,
// X-Forwarded-Host, X-Call-Id and X-Start-Time set and the body untouched.
func startFunctions(t testing.TB, db string) *fnEnv {
	t.Helper()
	data := t.TempDir()
	cfg := config.Default()
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	cfg.Register(fs, func(string) string { return "" })
	if err := fs.Parse([]string{"--data", data, "--db", db, "--log-level", "warn", "--base-url", "https://cartable.example.fr",
		"--trusted-proxies", "127.0.0.1/32", "--login-rate", "600000", "--login-burst", "100000"}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	clock := &fnClock{t: time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	app, err := NewApp(context.Background(), cfg, log, Options{Now: clock.Now, Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	env := &fnEnv{app: app, clock: clock, direct: map[string]string{}, metrics: map[string]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	for _, name := range append(fn.Names(), fn.JobPrefix+"transfer", fn.JobPrefix+"purge") {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		// The environment the watchdog gives the process; the secrets are files.
		secrets := t.TempDir()
		if err := os.WriteFile(filepath.Join(secrets, "cartable-db"), []byte(db+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		watchdog := map[string]string{"read_timeout": "5s", "write_timeout": "5", "exec_timeout": "5s"}
		var s fnSettings
		if err := s.fromEnv(func(k string) string { return watchdog[k] }); err != nil {
			t.Fatal(err)
		}
		s.name, s.secretsDir, s.now = name, secrets, clock.Now
		mln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s.metricsAddr = mln.Addr().String()
		mln.Close()
		env.metrics[name] = "http://" + s.metricsAddr + "/metrics"
		fcfg := cfg
		fcfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "not-this-one.db") // the secret file wins
		r := &runner{cfg: fcfg, env: Env{Getenv: func(string) string { return "" }}, log: log, stdout: io.Discard, stderr: io.Discard}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := runFn(ctx, r, s, ln); err != nil {
				t.Errorf("fn %s: %v", name, err)
			}
		}()
		env.direct[name] = "http://" + ln.Addr().String()
	}
	for name, base := range env.direct {
		waitHealthy(t, name, base)
	}
	env.gateway = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, "/function/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		name, path, _ := strings.Cut(rest, "/")
		base, ok := env.direct[name]
		if !ok {
			http.Error(w, "no endpoints available for: "+name, http.StatusBadGateway)
			return
		}
		target, _ := url.Parse(base)
		proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = "/" + path
			pr.SetXForwarded()
			pr.Out.Header.Set("X-Call-Id", "call-"+strconv.FormatInt(time.Now().UnixNano(), 36))
			pr.Out.Header.Set("X-Start-Time", strconv.FormatInt(time.Now().UnixNano(), 10))
		}}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(env.gateway.Close)
	return env
}

func waitHealthy(t testing.TB, name, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/_/health")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && string(body) == "OK" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("function %s never became healthy: %v", name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// invoke calls a function through the gateway, as a client of OpenFaaS does.
func (e *fnEnv) invoke(t testing.TB, name string, in any, out any) int {
	t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(e.gateway.URL+"/function/"+name, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store (answers hold secrets)", name, cc)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s: answer %d is not JSON: %v", name, resp.StatusCode, err)
		}
	}
	return resp.StatusCode
}

// newEnrolment creates a pending account and returns the token of its enrolment link.
func (e *fnEnv) newEnrolment(t testing.TB, login string) string {
	t.Helper()
	_, enr, err := e.app.Accounts.Create(context.Background(), authz.OperatorPrincipal(),
		account.CreateInput{Login: login, Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
	if err != nil {
		t.Fatal(err)
	}
	return enr.Token
}

type fnError struct {
	Error   struct{ Code, Message string } `json:"error"`
	Renewal *fn.Renewal                    `json:"renewal"`
}

// TestFunctions drives the three OpenFaaS functions through a gateway the whole way of
// the seed: the password and TOTP QR codes of an enrolment link, activation by the first
// code, authentication, expiry and its renewal, and the errors a client can cause.
func TestFunctions(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			env := startFunctions(t, storetest.DSN(t, e))
			token := env.newEnrolment(t, "fn.user")

			// generate-password: the link's credentials, the QR codes decode to them.
			var pw fn.PasswordOutput
			if st := env.invoke(t, fn.GeneratePassword, map[string]string{"token": token}, &pw); st != http.StatusCreated {
				t.Fatalf("generate-password: status %d", st)
			}
			if pw.Login != "fn.user" || len(pw.Password) != 24 || len(pw.RecoveryCodes) != account.RecoveryCodeCount {
				t.Fatalf("generate-password: %+v", pw)
			}
			if got, err := qr.DecodeDataURL(pw.PasswordQR); err != nil || got != pw.Password {
				t.Fatalf("password QR decodes to %q, %v", got, err)
			}
			got, err := qr.DecodeDataURL(pw.TOTPQR)
			if err != nil || got != pw.TOTPURI {
				t.Fatalf("TOTP QR decodes to %q, %v", got, err)
			}
			_, login, secret, err := credential.ParseOTPAuthURI(got)
			if err != nil || login != "fn.user" {
				t.Fatalf("otpauth URI %q: %s, %v", got, login, err)
			}
			// The link works once.
			var fe fnError
			if st := env.invoke(t, fn.GeneratePassword, map[string]string{"token": token}, &fe); st != http.StatusGone || fe.Error.Code != "enrollment_used" {
				t.Fatalf("second opening: %d %+v", st, fe)
			}

			code := func() string { return credential.TOTPCode(secret, credential.TOTPStep(env.clock.Now())) }
			proof := func(c string) map[string]string {
				return map[string]string{"login": "fn.user", "password": pw.Password, "code": c}
			}
			// Not active yet: authenticate says so.
			if st := env.invoke(t, fn.Authenticate, proof(code()), &fe); st != http.StatusForbidden || fe.Error.Code != "not_activated" {
				t.Fatalf("authenticate before activation: %d %+v", st, fe)
			}
			// generate-2fa: a wrong code does not activate; the app's code does.
			if st := env.invoke(t, fn.Generate2FA, proof("000000"), &fe); st != http.StatusUnauthorized || fe.Error.Code != "invalid_credentials" {
				t.Fatalf("generate-2fa with a wrong code: %d %+v", st, fe)
			}
			var acc fn.AccountOutput
			if st := env.invoke(t, fn.Generate2FA, proof(code()), &acc); st != http.StatusOK || acc.Status != "active" || acc.CredentialsExpireAt == nil {
				t.Fatalf("generate-2fa: %d %+v", st, acc)
			}
			if want := env.clock.Now().AddDate(0, 6, 0); !acc.CredentialsExpireAt.Equal(want) {
				t.Fatalf("credentials expire at %v, want %v (6 months)", acc.CredentialsExpireAt, want)
			}
			// The code that activated cannot log in (replay); the next one does.
			if st := env.invoke(t, fn.Authenticate, proof(code()), &fe); st != http.StatusUnauthorized {
				t.Fatalf("replayed code: %d %+v", st, fe)
			}
			env.clock.Add(30 * time.Second)
			if st := env.invoke(t, fn.Authenticate, proof(code()), &acc); st != http.StatusOK || acc.Status != "authenticated" {
				t.Fatalf("authenticate: %d %+v", st, acc)
			}
			wrong := proof("")
			wrong["recovery_code"] = pw.RecoveryCodes[0]
			wrong["password"] = strings.Repeat("x", 24)
			if st := env.invoke(t, fn.Authenticate, wrong, &fe); st != http.StatusUnauthorized || fe.Error.Code != "invalid_credentials" {
				t.Fatalf("wrong password: %d %+v", st, fe)
			}

			// Six months and a week later: expired, renewable, a new link relaunches the process.
			env.clock.Add(6*31*24*time.Hour + 7*24*time.Hour)
			if st := env.invoke(t, fn.Authenticate, proof(code()), &fe); st != http.StatusForbidden || fe.Error.Code != "credentials_expired" ||
				fe.Renewal == nil || !strings.HasPrefix(fe.Renewal.EnrollmentURL, "https://cartable.example.fr/") {
				t.Fatalf("expired: %d %+v", st, fe)
			}
			newToken := fe.Renewal.EnrollmentURL[strings.LastIndex(fe.Renewal.EnrollmentURL, "/")+1:]
			var pw2 fn.PasswordOutput
			if st := env.invoke(t, fn.GeneratePassword, map[string]string{"token": newToken}, &pw2); st != http.StatusCreated || pw2.Password == pw.Password {
				t.Fatalf("renewal link: %d %+v", st, pw2)
			}
			// After the grace period: expired, no renewal.
			env.clock.Add(60 * 24 * time.Hour)
			token3 := env.newEnrolment(t, "fn.late")
			var pw3 fn.PasswordOutput
			env.invoke(t, fn.GeneratePassword, map[string]string{"token": token3}, &pw3)
			_, _, secret3, _ := credential.ParseOTPAuthURI(pw3.TOTPURI)
			p3 := map[string]string{"login": "fn.late", "password": pw3.Password, "code": credential.TOTPCode(secret3, credential.TOTPStep(env.clock.Now()))}
			if st := env.invoke(t, fn.Generate2FA, p3, &acc); st != http.StatusOK {
				t.Fatalf("activate fn.late: %d", st)
			}
			env.clock.Add(8 * 31 * 24 * time.Hour)
			p3["code"] = credential.TOTPCode(secret3, credential.TOTPStep(env.clock.Now()))
			fe = fnError{}
			if st := env.invoke(t, fn.Authenticate, p3, &fe); st != http.StatusForbidden || fe.Error.Code != "credentials_expired" || fe.Renewal != nil {
				t.Fatalf("expired past the grace: %d %+v", st, fe)
			}

			// What a client can get wrong.
			for _, c := range []struct {
				name, body, ctype string
				status            int
				code              string
			}{
				{fn.GeneratePassword, `{}`, "application/json", 400, "invalid_request"},
				{fn.GeneratePassword, `{"token": "nope"}`, "application/json", 404, "enrollment_not_found"},
				{fn.GeneratePassword, `{"token": 1}`, "application/json", 400, "invalid_json"},
				{fn.Authenticate, `{"login": "a", "password": "b", "code": "1", "extra": 1}`, "application/json", 400, "invalid_json"},
				{fn.Authenticate, `{"login": "a"} {}`, "application/json", 400, "invalid_json"},
				{fn.Authenticate, ``, "application/json", 400, "invalid_json"},
				{fn.Authenticate, `{"login": "a"}`, "text/plain", 415, "unsupported_media_type"},
				{fn.Generate2FA, `{"login": "a", "password": "b"}`, "application/json", 400, "invalid_request"},
				{fn.Generate2FA, `{"login": "a", "password": "` + strings.Repeat("p", 20000) + `"}`, "application/json", 413, "request_too_large"},
			} {
				resp, err := http.Post(env.gateway.URL+"/function/"+c.name, c.ctype, strings.NewReader(c.body))
				if err != nil {
					t.Fatal(err)
				}
				var fe fnError
				_ = json.NewDecoder(resp.Body).Decode(&fe)
				resp.Body.Close()
				if resp.StatusCode != c.status || fe.Error.Code != c.code {
					t.Errorf("%s %.40q: %d %q, want %d %q", c.name, c.body, resp.StatusCode, fe.Error.Code, c.status, c.code)
				}
			}
			resp, err := http.Get(env.gateway.URL + "/function/" + fn.Authenticate)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Allow") != "POST" {
				t.Errorf("GET: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
			}

			// The jobs, as the cron connector invokes them: one run each, recorded.
			for _, job := range []string{"transfer", "purge"} {
				var run struct {
					ID          int64
					Job, Status string
					StartedBy   string `json:"started_by"`
				}
				if st := env.invoke(t, fn.JobPrefix+job, nil, &run); st != http.StatusOK || run.Job != job || run.Status != "ok" || run.ID == 0 {
					t.Errorf("job-%s: %d %+v", job, st, run)
				}
			}
			runs, err := env.app.Jobs.History(context.Background(), "transfer", 10)
			if err != nil || len(runs) != 1 || runs[0].StartedBy != "cron-connector" {
				t.Errorf("transfer history: %+v %v", runs, err)
			}

			// Each function measures its latencies, by status, on its metrics address.
			for name, want := range map[string]string{
				fn.GeneratePassword: `cartable_function_duration_seconds_count{function="generate-password",status="201"} 3`,
				fn.Generate2FA:      `cartable_function_duration_seconds_count{function="generate-2fa",status="200"} 2`,
				fn.Authenticate:     `cartable_function_duration_seconds_count{function="authenticate",status="403"} 3`,
			} {
				resp, err := http.Get(env.metrics[name])
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !strings.Contains(string(b), want) {
					t.Errorf("%s metrics lack %s", name, want)
				}
			}
		})
	}
}

// TestFnSettings checks what `cartable fn` takes from the watchdog's environment and
// refuses.
func TestFnSettings(t *testing.T) {
	var s fnSettings
	env := map[string]string{"port": "9090", "read_timeout": "3", "write_timeout": "4s", "exec_timeout": "1m"}
	if err := s.fromEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if s.port != "9090" || s.read != 3*time.Second || s.write != 4*time.Second || s.exec != time.Minute {
		t.Fatalf("%+v", s)
	}
	s = fnSettings{port: "8082"} // --port wins over $port (the watchdog's own)
	if err := s.fromEnv(func(k string) string { return env[k] }); err != nil || s.port != "8082" {
		t.Fatalf("%+v %v", s, err)
	}
	s = fnSettings{}
	if err := s.fromEnv(func(string) string { return "" }); err != nil || s.port != "8080" || s.exec != 10*time.Second {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	if err := s.fromEnv(func(k string) string { return map[string]string{"exec_timeout": "soon"}[k] }); err == nil || !strings.Contains(err.Error(), "exec_timeout") {
		t.Fatalf("bad timeout: %v", err)
	}
	code, _, stderr := runCLI(t, "--data", t.TempDir(), "--migrate", "fn", "nope")
	if code != 2 || !strings.Contains(stderr, "generate-password") || !strings.Contains(stderr, "job-transfer") {
		t.Fatalf("unknown function: %d %s", code, stderr)
	}
	code, _, stderr = runCLI(t, "--data", t.TempDir(), "fn")
	if code != 2 || !strings.Contains(stderr, "cartable fn NAME") {
		t.Fatalf("no function: %d %s", code, stderr)
	}
}

// TestOpenFaaSStack checks deploy/openfaas/stack.yml against the binary: every function
// runs `cartable fn` with a function this binary has, on the port of upstream_url, with
// the secrets it reads; the jobs go through the cron connector on cartable's own
// default schedules.
func TestOpenFaaSStack(t *testing.T) {
	b, err := os.ReadFile("../../deploy/openfaas/stack.yml")
	if err != nil {
		t.Fatal(err)
	}
	var stack struct {
		Functions map[string]struct {
			Image       string
			Environment map[string]string
			Secrets     []string
			Annotations map[string]string
		}
	}
	if err := yaml.Unmarshal(b, &stack); err != nil {
		t.Fatal(err)
	}
	def := config.Default()
	cron := map[string]string{ // cartable's schedules, Europe/Paris, in cron's words
		"transfer": "30 2 * * *", // --transfer-schedule 02:30
		"purge":    "30 3 * * 0", // --purge-schedule "sun 03:30"
	}
	if def.TransferSchedule != "02:30" || def.PurgeSchedule != "sun 03:30" {
		t.Fatalf("the default schedules changed (%q, %q): update stack.yml and this test", def.TransferSchedule, def.PurgeSchedule)
	}
	srv := &fn.Server{Jobs: openTestApp(t, []string{"--data", t.TempDir(), "--migrate"}).Jobs}
	seen := map[string]bool{}
	for name, f := range stack.Functions {
		args := strings.Fields(f.Environment["fprocess"])
		if len(args) != 5 || args[0] != "cartable" || args[1] != "fn" || args[3] != "--port" {
			t.Errorf("%s: fprocess %q is not `cartable fn NAME --port PORT`", name, f.Environment["fprocess"])
			continue
		}
		if _, err := srv.Handler(args[2]); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		seen[args[2]] = true
		if f.Environment["mode"] != "http" || f.Environment["upstream_url"] != "http://127.0.0.1:"+args[4] {
			t.Errorf("%s: mode %q, upstream_url %q: want http mode on the port of fprocess", name, f.Environment["mode"], f.Environment["upstream_url"])
		}
		for _, k := range []string{"read_timeout", "write_timeout", "exec_timeout"} {
			if _, err := watchdogDuration(func(string) string { return f.Environment[k] }, k, 0); err != nil || f.Environment[k] == "" {
				t.Errorf("%s: %s %q (%v)", name, k, f.Environment[k], err)
			}
		}
		if !slices.Equal(f.Secrets, []string{"cartable-db", "cartable-keys"}) {
			t.Errorf("%s: secrets %v, want the two `cartable fn` reads", name, f.Secrets)
		}
		if !strings.HasPrefix(args[2], fn.JobPrefix) {
			// The watchdog is the peer: unless it is trusted, every client is 127.0.0.1
			// and the per-IP limit becomes one limit for everybody.
			c := config.Default()
			fs := flag.NewFlagSet("", flag.ContinueOnError)
			c.Register(fs, func(k string) string { return f.Environment[k] })
			trusted := false
			for _, p := range c.TrustedProxies {
				trusted = trusted || p.Contains(netip.MustParseAddr("127.0.0.1"))
			}
			if !trusted {
				t.Errorf("%s: CARTABLE_TRUSTED_PROXIES %q does not trust the watchdog (127.0.0.1)", name, f.Environment["CARTABLE_TRUSTED_PROXIES"])
			}
		}
		if job, ok := strings.CutPrefix(args[2], fn.JobPrefix); ok {
			if f.Annotations["topic"] != "cron-function" || f.Annotations["schedule"] != cron[job] {
				t.Errorf("%s: annotations %v, want topic cron-function and schedule %q", name, f.Annotations, cron[job])
			}
		}
	}
	for _, want := range append(fn.Names(), "job-transfer", "job-purge") {
		if !seen[want] {
			t.Errorf("stack.yml does not deploy %s", want)
		}
	}
}
