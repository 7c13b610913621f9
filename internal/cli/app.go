package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cartable/cartable/docs"
	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/api"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/blob"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/jobs"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/secret"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
	"github.com/cartable/cartable/internal/transfer"
	"github.com/cartable/cartable/internal/web"
)

// App is the assembled application: the database, the services and the HTTP handler.
// Commands build one; tests start one on a temporary database (internal/apptest).
type App struct {
	Config         config.Config
	Log            *slog.Logger
	DB             *store.DB
	Keys           *Keys
	Audit          *audit.Log
	Accounts       *account.Service
	Establishments *establishment.Service
	Secrets        *secret.Store
	Students       *student.Service
	Importer       *importer.Service
	Competencies   *competency.Service
	Passports      *passport.Service
	Blobs          blob.Store
	Transfers      *transfer.Service
	Jobs           *jobs.Runner
	Metrics        *httpx.Metrics
	Now            func() time.Time

	// Routes lists every registered route (API and web), for the isolation tests.
	APIRoutes []api.Route
	WebRoutes []webRoute
	handler   http.Handler
}

type webRoute struct {
	Pattern string
	Auth    bool
}

// Options are what tests may replace when building an App.
type Options struct {
	Now func() time.Time
	// Migrate applies pending migrations instead of refusing a schema that is behind.
	Migrate bool
}

// NewApp opens the database and builds the services. It refuses a schema that is behind
// unless o.Migrate or the configuration's --migrate asks to apply it.
func NewApp(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (*App, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	a := &App{Config: cfg, Log: log, Now: o.Now, Metrics: httpx.NewMetrics()}
	keys, err := LoadKeys(&cfg, o.Now)
	if err != nil {
		return nil, err
	}
	a.Keys = keys
	db, err := store.Open(ctx, cfg.DB, store.Options{})
	if err != nil {
		return nil, err
	}
	a.DB = db
	if err := a.checkSchema(ctx, o.Migrate || cfg.Migrate); err != nil {
		db.Close()
		return nil, err
	}
	a.Audit = audit.New(db, o.Now)
	a.Accounts, err = account.New(db, a.Audit, keys, o.Now, account.PolicyFrom(&cfg), account.Options{})
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Accounts.OnLogin = a.Metrics.Login
	a.Establishments = establishment.New(db, a.Audit, o.Now)
	a.Secrets = secret.New(db, keys, o.Now)
	a.Students = student.New(db, a.Audit, a.Establishments, o.Now)
	a.Importer = importer.New(db, a.Audit, a.Establishments, a.Accounts, a.Secrets, o.Now)
	// The XML decompressed from a ZIP is held to the upload limit, as a plain upload is.
	a.Importer.MaxSize = cfg.MaxUpload()
	a.Competencies = competency.New(db, a.Audit, a.Establishments, a.Students, o.Now)
	blobs, err := blob.NewLocal(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Blobs = blobs
	a.Passports = passport.New(db, a.Audit, a.Establishments, a.Students, a.Competencies, blobs, o.Now)
	a.Passports.MaxAttachment = int64(cfg.MaxAttachmentMiB) << 20
	a.Passports.TempDir = cfg.TempDir()
	a.Accounts.AccessRule = a.Students.AccessMode
	a.Transfers = transfer.New(db, a.Audit, a.Establishments, blobs, o.Now)
	a.Jobs = jobs.New(db, log, o.Now)
	a.Jobs.OnRun = a.Metrics.Job
	return a, nil
}

func (a *App) checkSchema(ctx context.Context, migrate bool) error {
	st, err := a.DB.Status(ctx)
	if err != nil {
		return err
	}
	if !st.Behind() {
		return nil
	}
	if !migrate {
		return fmt.Errorf("the database schema is at version %d but this binary needs %d: run `cartable migrate` (or serve with --migrate)", st.Current, st.Latest)
	}
	applied, err := a.DB.Migrate(ctx, a.Now())
	if err != nil {
		return err
	}
	a.Log.Info("migrated database", "applied", applied, "db", a.DB.String())
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
	apiSrv := &api.Server{Accounts: a.Accounts, Establishments: a.Establishments, Students: a.Students, Importer: a.Importer,
		Competencies: a.Competencies, Passports: a.Passports, Transfers: a.Transfers, Jobs: a.Jobs,
		TempDir: cfg.TempDir(), MaxUpload: cfg.MaxUpload(), Audit: a.Audit, Log: a.Log,
		AuthLimiter: authLimiter, SignupLimiter: signupLimiter, OpenAPI: docs.OpenAPI, Now: a.Now}
	a.APIRoutes = apiSrv.Register(mux)
	webSrv := &web.Server{Accounts: a.Accounts, Establishments: a.Establishments, Students: a.Students, Importer: a.Importer,
		Competencies: a.Competencies, Passports: a.Passports, Transfers: a.Transfers, Jobs: a.Jobs,
		TempDir: cfg.TempDir(), MaxUpload: cfg.MaxUpload(), Audit: a.Audit, Log: a.Log,
		AuthLimiter: authLimiter, SignupLimiter: signupLimiter, CSRFKey: csrf, SecureCookies: cfg.SecureCookie(),
		TrustedProxies: cfg.TrustedProxies, Now: a.Now}
	routes, err := webSrv.Register(mux)
	if err != nil {
		return nil, err
	}
	for _, r := range routes {
		a.WebRoutes = append(a.WebRoutes, webRoute{Pattern: r.Pattern, Auth: r.Auth})
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

// LoadKeys reads CARTABLE_KEYS, or the key file of the data directory (created 0600 on
// first start).
func LoadKeys(cfg *config.Config, now func() time.Time) (*Keys, error) {
	if v := os.Getenv("CARTABLE_KEYS"); v != "" {
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
