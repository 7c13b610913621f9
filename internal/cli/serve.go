package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/cartable/cartable/internal/blob"
)

func serveCmd() *cmd {
	return &cmd{name: "serve", summary: "run the web server (pages, JSON API, health, metrics)",
		run: func(ctx context.Context, r *runner, args []string) error {
			app, err := r.open(ctx)
			if err != nil {
				return err
			}
			defer app.Close()
			if err := app.checkFiles(ctx); err != nil {
				return err
			}
			return app.Serve(ctx, nil)
		}}
}

// checkFiles fails when the files are in an object store that cannot be reached, so
// that a misconfigured instance stops at start instead of failing each upload.
func (a *App) checkFiles(ctx context.Context) error {
	if s3, ok := a.Blobs.(*blob.S3); ok {
		return s3.Check(ctx)
	}
	return nil
}

// Serve answers HTTP on the configured address (or on ln when given) until ctx ends,
// then shuts down in order: stop accepting, finish in-flight requests (bounded by
// --shutdown-timeout), stop background work.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	h, err := a.Handler(ctx)
	if err != nil {
		return err
	}
	if ln == nil {
		ln, err = net.Listen("tcp", a.Config.Addr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
		}
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // imports upload large files
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	if err := a.Jobs.Start(bg); err != nil {
		return err
	}
	go a.background(bg)
	errc := make(chan error, 2)
	var ms *http.Server
	if a.Config.MetricsAddr != "" {
		// The counters on a port of their own, which the ingress does not route.
		mln, err := net.Listen("tcp", a.Config.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen on %s (--metrics-addr): %w", a.Config.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", a.Metrics.Handler())
		ms = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
		go func() { errc <- ms.Serve(mln) }()
		a.Log.Info("serving metrics", "addr", mln.Addr().String())
	}
	go func() {
		if a.Config.TLSCert != "" {
			errc <- srv.ServeTLS(ln, a.Config.TLSCert, a.Config.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	a.Log.Info("serving", "addr", ln.Addr().String(), "url", a.Config.BaseURL, "db", a.DB.String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if ms != nil {
		_ = ms.Shutdown(sctx)
	}
	stopBG()
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// background runs the periodic housekeeping of this instance.
func (a *App) background(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := a.Accounts.PurgeSessions(ctx); err != nil {
				a.Log.Warn("purge sessions", "err", err)
			} else if n > 0 {
				a.Log.Debug("purged expired sessions", "count", n)
			}
		}
	}
}

func migrateCmd() *cmd {
	var status bool
	return &cmd{name: "migrate", summary: "apply pending database migrations (or show the schema version)",
		flags: func(fs *flag.FlagSet) { fs.BoolVar(&status, "status", false, "only print the schema version") },
		run: func(ctx context.Context, r *runner, args []string) error {
			db, err := openDB(ctx, r)
			if err != nil {
				return err
			}
			defer db.Close()
			if status {
				st, err := db.Status(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(r.stdout, "schema version %d of %d\n", st.Current, st.Latest)
				return nil
			}
			applied, err := db.Migrate(ctx, time.Now())
			if err != nil {
				return err
			}
			st, err := db.Status(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(r.stdout, "applied %d migration(s); schema version %d\n", len(applied), st.Current)
			return nil
		}}
}
