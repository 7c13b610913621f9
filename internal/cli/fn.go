package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/fn"
	"github.com/cartable/cartable/internal/httpx"
)

// fnSecretsDir is where OpenFaaS mounts a function's secrets, one file per secret.
const fnSecretsDir = "/var/openfaas/secrets"

// fnSettings are what the watchdog's environment gives a function process (of-watchdog:
// port, read_timeout, write_timeout, exec_timeout) and where its secrets are.
type fnSettings struct {
	port                          string
	read, write, exec             time.Duration
	secretsDir, metricsAddr, name string
	now                           func() time.Time // tests: the clock (default time.Now)
}

// watchdogDuration reads a timeout as the watchdog writes it: a Go duration ("10s") or
// a number of seconds ("10").
func watchdogDuration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, usagef("%s=%q: give a duration such as 10s, or a number of seconds", name, v)
	}
	return d, nil
}

func (s *fnSettings) fromEnv(getenv func(string) string) error {
	var err error
	if s.port == "" {
		s.port = getenv("port")
	}
	if s.port == "" {
		s.port = "8080"
	}
	if s.read, err = watchdogDuration(getenv, "read_timeout", 10*time.Second); err != nil {
		return err
	}
	if s.write, err = watchdogDuration(getenv, "write_timeout", 10*time.Second); err != nil {
		return err
	}
	if s.exec, err = watchdogDuration(getenv, "exec_timeout", 10*time.Second); err != nil {
		return err
	}
	return nil
}

// readSecret returns the content of secret name in dir, trimmed, or "" when absent.
func readSecret(dir, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("secret %s: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func fnCmd() *cmd {
	var s fnSettings
	return &cmd{name: "fn", args: "NAME",
		summary: "serve one OpenFaaS function (" + strings.Join(fn.Names(), ", ") + ", or job-JOB) on the watchdog's port",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&s.port, "port", "", "listen port (default: $port, else 8080)")
			fs.StringVar(&s.secretsDir, "secrets-dir", fnSecretsDir, "directory of the OpenFaaS secrets: cartable-db (the database URL) and cartable-keys (the key ring, CARTABLE_KEYS's format), used when CARTABLE_DB / CARTABLE_KEYS are not set")
			fs.StringVar(&s.metricsAddr, "metrics-addr", "", "also serve /metrics on this address (e.g. :9102); off by default")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			if len(args) != 1 {
				return usagef("cartable fn NAME: NAME is one of %s, or job- and the name of a job (job-transfer, job-purge)", strings.Join(fn.Names(), ", "))
			}
			s.name = args[0]
			if err := s.fromEnv(r.env.Getenv); err != nil {
				return err
			}
			return runFn(ctx, r, s, nil)
		}}
}

// runFn serves function s.name until ctx ends. ln, when given, replaces the listener on
// the port (tests).
func runFn(ctx context.Context, r *runner, s fnSettings, ln net.Listener) error {
	cfg := r.cfg
	if r.env.Getenv("CARTABLE_DB") == "" && r.env.Getenv("CARTABLE_DB_FILE") == "" {
		db, err := readSecret(s.secretsDir, "cartable-db")
		if err != nil {
			return err
		}
		if db != "" {
			cfg.DB = db
		}
	}
	var keys string
	if cfg.Keys == "" {
		var err error
		if keys, err = readSecret(s.secretsDir, "cartable-keys"); err != nil {
			return err
		}
	}
	app, err := NewApp(ctx, cfg, r.log, Options{Keys: keys, Now: s.now})
	if err != nil {
		return err
	}
	defer app.Close()
	srv := &fn.Server{Accounts: app.Accounts, Jobs: app.Jobs, Log: app.Log, Metrics: app.Metrics, ExecTimeout: s.exec,
		TrustedProxies: cfg.TrustedProxies, Limiter: httpx.NewLimiter(cfg.LoginRate/60, cfg.LoginBurst, app.Now),
		Ready: func(ctx context.Context) error {
			st, err := app.DB.Status(ctx)
			if err == nil && st.Behind() {
				err = fmt.Errorf("the database schema is at version %d, this binary needs %d", st.Current, st.Latest)
			}
			return err
		}}
	h, err := srv.Handler(s.name)
	if err != nil {
		return usagef("%s", userMessage(err))
	}
	if ln == nil {
		if ln, err = net.Listen("tcp", net.JoinHostPort("", s.port)); err != nil {
			return fmt.Errorf("listen on port %s: %w", s.port, err)
		}
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: s.read, ReadTimeout: s.read, WriteTimeout: s.write,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	var ms *http.Server
	if s.metricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", app.Metrics.Handler())
		ms = &http.Server{Addr: s.metricsAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- ms.ListenAndServe() }()
	}
	app.Log.Info("function serving", "function", s.name, "addr", ln.Addr().String(), "exec_timeout", s.exec, "db", app.DB.String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.write+time.Second)
	defer cancel()
	if ms != nil {
		_ = ms.Shutdown(sctx)
	}
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
