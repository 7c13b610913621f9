package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/cartable/cartable/docs"
	"github.com/cartable/cartable/internal/api"
	"github.com/cartable/cartable/internal/app"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/secret"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/web"
)

// App is the assembled application: the database, the services (built once, by
// app.New) and the HTTP handler. Commands build one; tests start one on a temporary
// database (internal/apptest).
type App struct {
	*app.Services
	Config  config.Config
	DB      *store.DB
	Keys    *Keys
	Metrics *httpx.Metrics

	// APIRoutes and WebRoutes list every registered route, for the isolation tests.
	APIRoutes []httpx.Route
	WebRoutes []httpx.Route
	handler   http.Handler
}

// Options are what tests may replace when building an App.
type Options struct {
	Now func() time.Time
	// Migrate applies pending migrations instead of refusing a schema that is behind.
	Migrate bool
	// Keys, when set, is the key ring in CARTABLE_KEYS's format, read from elsewhere
	// (an OpenFaaS secret file for `cartable fn`); it wins over CARTABLE_KEYS.
	Keys string
}

// NewApp opens the database and builds the services. It refuses a schema that is behind
// unless o.Migrate or the configuration's --migrate asks to apply it.
func NewApp(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (*App, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	a := &App{Config: cfg, Metrics: httpx.NewMetrics()}
	env := o.Keys
	if env == "" {
		env = cfg.Keys
	}
	keys, err := loadKeys(&cfg, env, o.Now)
	if err != nil {
		return nil, err
	}
	a.Keys = keys
	db, err := store.Open(ctx, cfg.DB, store.Options{})
	if err != nil {
		return nil, err
	}
	a.DB = db
	if err := checkSchema(ctx, db, o.Migrate || cfg.Migrate, log, o.Now); err != nil {
		db.Close()
		return nil, err
	}
	if a.Services, err = app.New(cfg, db, keys, log, o.Now); err != nil {
		db.Close()
		return nil, err
	}
	// The first start after migration 0014 puts the classes of students.class into the
	// current school year (docs/decisions/0023-school-year.md); then a no-op.
	if n, err := a.SchoolYear.Backfill(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("school year backfill: %w", err)
	} else if n > 0 {
		log.Info("school year created from the students' classes", "establishments", n)
	}
	a.Accounts.OnLogin = a.Metrics.Login
	a.Accounts.OnCreate = a.Metrics.Creation
	a.Metrics.AccountStates(a.Accounts.CountByState, log)
	a.Jobs.OnRun = a.Metrics.Job
	return a, nil
}

func checkSchema(ctx context.Context, db *store.DB, migrate bool, log *slog.Logger, now func() time.Time) error {
	st, err := db.Status(ctx)
	if err != nil {
		return err
	}
	if !st.Behind() {
		return nil
	}
	if !migrate {
		return fmt.Errorf("the database schema is at version %d but this binary needs %d: run `cartable migrate` (or serve with --migrate)", st.Current, st.Latest)
	}
	applied, err := db.Migrate(ctx, now())
	if err != nil {
		return err
	}
	log.Info("migrated database", "applied", applied, "db", db.String())
	return nil
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// Handler builds (once) the HTTP handler: web pages, JSON API, health and metrics.
func (a *App) Handler(ctx context.Context) (http.Handler, error) {
	if a.handler != nil {
		return a.handler, nil
	}
	cfg := a.Config
	csrf, err := a.Secrets.Get(ctx, secret.CSRF)
	if err != nil {
		return nil, err
	}
	authLimiter := httpx.NewLimiter(cfg.LoginRate/60, cfg.LoginBurst, a.Now)
	signupLimiter := httpx.NewLimiter(cfg.SignupRate/3600, 3, a.Now)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		st, err := a.DB.Status(ctx)
		if err != nil || st.Behind() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "database not ready")
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", a.Metrics.Handler())
	apiSrv := &api.Server{Services: a.Services, AuthLimiter: authLimiter, SignupLimiter: signupLimiter, OpenAPI: docs.OpenAPI}
	a.APIRoutes = apiSrv.Register(mux)
	webSrv := &web.Server{Services: a.Services, AuthLimiter: authLimiter, SignupLimiter: signupLimiter, CSRFKey: csrf,
		VerifyLimiter: httpx.NewLimiter(cfg.VerifyRate/60, 10, a.Now),
		SecureCookies: cfg.SecureCookie(), TrustedProxies: cfg.TrustedProxies, PrivacyContact: cfg.PrivacyContact}
	if a.WebRoutes, err = webSrv.Register(mux); err != nil {
		return nil, err
	}
	a.handler = httpx.Wrap(mux, httpx.Options{Log: a.Log, Metrics: a.Metrics, TrustedProxies: cfg.TrustedProxies, HSTS: cfg.SecureCookie()})
	return a.handler, nil
}

// Keys is the keyring in use. When it comes from the key file, an unknown key id
// (another instance rotated the keys) makes it reload the file once before failing.
type Keys struct {
	mu   sync.RWMutex
	ring *keyring.Ring
	file string // "" when the keys come from CARTABLE_KEYS
}

// LoadKeys reads CARTABLE_KEYS (or CARTABLE_KEYS_FILE), or the key file of the data directory (created 0600 on
// first start).
func LoadKeys(cfg *config.Config, now func() time.Time) (*Keys, error) {
	return loadKeys(cfg, cfg.Keys, now)
}

// loadKeys reads the key ring from v (CARTABLE_KEYS's format) when set, else from the
// key file of the data directory.
func loadKeys(cfg *config.Config, v string, now func() time.Time) (*Keys, error) {
	if v != "" {
		ks, primary, err := keyring.ParseEnv(v)
		if err != nil {
			return nil, fmt.Errorf("CARTABLE_KEYS: %w", err)
		}
		ring, err := keyring.New(ks, primary)
		if err != nil {
			return nil, fmt.Errorf("CARTABLE_KEYS: %w", err)
		}
		return &Keys{ring: ring}, nil
	}
	f, _, err := keyring.LoadOrCreate(cfg.KeyFile(), rand.Reader, now())
	if err != nil {
		return nil, err
	}
	ring, err := f.Ring()
	if err != nil {
		return nil, err
	}
	return &Keys{ring: ring, file: cfg.KeyFile()}, nil
}

// Ring returns the current keyring.
func (k *Keys) Ring() *keyring.Ring {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.ring
}

// Encrypt encrypts with the primary key.
func (k *Keys) Encrypt(plaintext []byte, ad keyring.AD) ([]byte, error) {
	return k.Ring().Encrypt(plaintext, ad)
}

// Decrypt decrypts, reloading the key file once when the key id is unknown.
func (k *Keys) Decrypt(ct []byte, ad keyring.AD) ([]byte, error) {
	pt, err := k.Ring().Decrypt(ct, ad)
	if !errors.Is(err, keyring.ErrUnknownKey) || k.file == "" {
		return pt, err
	}
	if rerr := k.Reload(); rerr != nil {
		return nil, err
	}
	return k.Ring().Decrypt(ct, ad)
}

// Reload rereads the key file.
func (k *Keys) Reload() error {
	if k.file == "" {
		return nil
	}
	f, err := keyring.LoadFile(k.file)
	if err != nil {
		return err
	}
	ring, err := f.Ring()
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.ring = ring
	k.mu.Unlock()
	return nil
}

// newLogger builds the process logger.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
