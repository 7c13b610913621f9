package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/bench"
	"github.com/cartable/cartable/internal/config"
)

// The bench commands parse their flags and call package bench (docs/benchmarks.md).

// benchApp is the application as the benchmarks use it.
func (a *App) benchApp() *bench.App {
	return &bench.App{Services: a.Services, Config: a.Config, DB: a.DB, Serve: a.Serve, Close: a.Close}
}

// openBench assembles the application for a benchmark that runs its own server, quiet.
func openBench(ctx context.Context, cfg config.Config, migrate bool) (*bench.App, error) {
	app, err := NewApp(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Migrate: migrate})
	if err != nil {
		return nil, err
	}
	return app.benchApp(), nil
}

func benchCmd() *cmd {
	var clients, duration, rates, cpuProfile string
	var users int
	var asJSON bool
	return &cmd{name: "bench", summary: "measure performance (login on a throw-away database; load fills the configured one)", subs: []*cmd{
		loadCmd(),
		benchPagesCmd(),
		benchSoakCmd(),
		benchTransferCmd(),
		benchPurgeCmd(),
		benchSSOCmd(),
		{name: "login", summary: "login throughput and latency over HTTP (POST /api/v1/sessions), argon2id at production settings",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&clients, "clients", "1,2,4,8,16", "comma-separated numbers of concurrent clients (closed loop)")
				fs.StringVar(&rates, "rates", "", "comma-separated open-loop arrival rates in logins/s (e.g. 4× capacity, to check overload answers 503)")
				fs.StringVar(&duration, "duration", "10s", "duration of each run")
				fs.IntVar(&users, "users", 0, "accounts to create (default: enough for the runs)")
				fs.BoolVar(&asJSON, "json", false, "print JSON")
				fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the runs to this file")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				o := bench.LoginOptions{Users: users}
				runs, err := parseRuns(duration, clients, cpuProfile)
				if err != nil {
					return err
				}
				defer runs.close()
				o.Duration, o.Clients, o.CPUProfile = runs.duration, runs.clients, runs.profile
				if o.Rates, err = intList(rates); err != nil {
					return usagef("--rates: %v", err)
				}
				rep, err := bench.Login(ctx, r.cfg, openBench, o, r.stderr)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(r.stdout, rep.Runs)
				}
				return rep.Print(r.stdout)
			}},
	}}
}

func intList(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", p)
		}
		out = append(out, n)
	}
	return out, nil
}

// loadCmd fills a database for the scale benchmarks (bench.Load).
func loadCmd() *cmd {
	var o bench.LoadOptions
	return &cmd{name: "load", summary: "bulk-load establishments × students into the configured database (scale benchmarks)",
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&o.Establishments, "establishments", 100, "number of establishments")
			fs.IntVar(&o.Students, "students", 1000, "students per establishment")
			fs.IntVar(&o.FirstUAI, "first-uai", 1000000, "number of the first UAI (7 digits; the check letter is computed)")
			fs.IntVar(&o.Results, "results", 0, "evaluation results per student (4 per evaluation, one evaluation per class every 4 results)")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			app, err := r.open(ctx)
			if err != nil {
				return err
			}
			defer app.Close()
			start := time.Now()
			n, err := bench.Load(ctx, app.benchApp(), o, func(done int) {
				fmt.Fprintf(r.stderr, "\r%d/%d establishments, %.0fs", done, o.Establishments, time.Since(start).Seconds())
			})
			fmt.Fprintln(r.stderr)
			if err != nil {
				return err
			}
			el := time.Since(start)
			fmt.Fprintf(r.stdout, "loaded %d establishments, %d students (and their accounts) in %.1fs: %.0f students/s\n",
				o.Establishments, n, el.Seconds(), float64(n)/el.Seconds())
			return nil
		}}
}

// benchPagesCmd measures a student's pages on the configured database (bench.Pages).
func benchPagesCmd() *cmd {
	var samples int
	var asJSON bool
	return &cmd{name: "pages", summary: "latency of a student's page, passport JSON and a 35×40 grid save on the configured database",
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&samples, "samples", 300, "requests per measure")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			res, err := bench.Pages(ctx, r.cfg, openBench, samples)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(r.stdout, res)
			}
			return res.Print(r.stdout)
		}}
}

// benchSoakCmd runs a long mixed load (bench.Soak).
func benchSoakCmd() *cmd {
	var o bench.SoakOptions
	var asJSON bool
	var svg string
	return &cmd{name: "soak", summary: "a long mixed load (results, passports, grid saves) at a fixed rate on the configured database: errors, p95 and memory per window",
		flags: func(fs *flag.FlagSet) {
			fs.DurationVar(&o.Duration, "duration", 30*time.Minute, "length of the run")
			fs.DurationVar(&o.Window, "window", time.Minute, "interval of each line of figures")
			fs.Float64Var(&o.Rate, "rate", 50, "requests per second (open loop; set it to about 70 % of what bench pages shows the machine sustains)")
			fs.IntVar(&o.Clients, "clients", 32, "most requests in flight (an arrival finding all busy is counted as dropped)")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			fs.StringVar(&svg, "svg", "", "also write the plot of the run (latency and memory per window) to this SVG file")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			res, err := bench.Soak(ctx, r.cfg, openBench, o)
			if err != nil {
				return err
			}
			if svg != "" {
				var b bytes.Buffer
				if err := res.PlotSVG(&b); err != nil {
					return err
				}
				if err := os.WriteFile(svg, b.Bytes(), 0o644); err != nil {
					return fmt.Errorf("bench soak --svg: %w", err)
				}
			}
			if asJSON {
				err = printJSON(r.stdout, res)
			} else {
				err = res.Print(r.stdout)
			}
			if err != nil {
				return err
			}
			// A soak passes only without errors: CI runs it as a gate.
			if n := res.Errors(); n > 0 {
				return fmt.Errorf("bench soak: %d requests failed", n)
			}
			return nil
		}}
}

// benchTransferCmd times the transfer job (bench.Transfer).
func benchTransferCmd() *cmd {
	var o bench.TransferOptions
	var asJSON bool
	return &cmd{name: "transfer", summary: "time the daily transfer job on new students (some with records elsewhere) added to the configured database",
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&o.Pending, "pending", 10000, "new students (nouvelEleve = 1) waiting for their records")
			fs.IntVar(&o.WithData, "with-data", 5000, "how many of them left another establishment with records")
			fs.IntVar(&o.Evaluations, "evaluations", 20, "evaluations per student with records (4 results and a comment each)")
			fs.IntVar(&o.Situations, "situations", 2, "professional situations per student with records (one file each)")
			fs.IntVar(&o.FileSize, "file-size", 16<<10, "size of each attached file in bytes")
			fs.IntVar(&o.FirstUAI, "first-uai", 9000000, "number of the first UAI of the establishments the benchmark adds")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			if o.WithData > o.Pending {
				return usagef("--with-data (%d) cannot exceed --pending (%d)", o.WithData, o.Pending)
			}
			app, err := r.open(ctx)
			if err != nil {
				return err
			}
			defer app.Close()
			res, err := bench.Transfer(ctx, app.benchApp(), o, r.stderr)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(r.stdout, res)
			}
			res.Print(r.stdout, app.DB.String())
			return nil
		}}
}

// benchPurgeCmd times the purge (bench.Purge).
func benchPurgeCmd() *cmd {
	var o bench.PurgeOptions
	var asJSON bool
	return &cmd{name: "purge", summary: "time the weekly purge of students who left more than six months ago, on the configured database",
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&o.Students, "students", 100000, "active students of the database (the first by id) made to have left seven months ago")
			fs.IntVar(&o.WithFiles, "with-files", 10000, "how many of them have a professional situation with a file")
			fs.IntVar(&o.FileSize, "file-size", 4096, "size of each file in bytes")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			app, err := r.open(ctx)
			if err != nil {
				return err
			}
			defer app.Close()
			res, err := bench.Purge(ctx, app.benchApp(), o, r.stderr)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(r.stdout, res)
			}
			res.Print(r.stdout, app.DB.String())
			return nil
		}}
}

// benchSSOCmd measures the single sign-on callback (bench.SSO).
func benchSSOCmd() *cmd {
	var clients, duration, cpuProfile string
	var o bench.SSOOptions
	var asJSON bool
	return &cmd{name: "sso", summary: "single sign-on callback throughput and latency (CAS ticket validated against an in-process stub)",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&clients, "clients", "1,2,4,8,16", "comma-separated numbers of concurrent clients (closed loop)")
			fs.StringVar(&duration, "duration", "10s", "duration of each run")
			fs.IntVar(&o.Users, "users", 200, "linked accounts")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the runs to this file")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			runs, err := parseRuns(duration, clients, cpuProfile)
			if err != nil {
				return err
			}
			defer runs.close()
			o.Duration, o.Clients, o.CPUProfile = runs.duration, runs.clients, runs.profile
			rep, err := bench.SSO(ctx, r.cfg, openBench, o, r.stderr)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(r.stdout, rep)
			}
			return rep.Print(r.stdout)
		}}
}

// benchRuns are the settings the login and single sign-on benchmarks share.
type benchRuns struct {
	duration time.Duration
	clients  []int
	profile  io.Writer // nil without --cpuprofile (never a nil *os.File: the benchmark tests it against nil)
	file     *os.File
}

// parseRuns reads --duration and --clients and creates the --cpuprofile file; close
// closes it.
func parseRuns(duration, clients, cpuProfile string) (benchRuns, error) {
	var r benchRuns
	var err error
	if r.duration, err = time.ParseDuration(duration); err != nil {
		return r, usagef("--duration: %v", err)
	}
	if r.clients, err = intList(clients); err != nil {
		return r, usagef("--clients: %v", err)
	}
	if cpuProfile != "" {
		if r.file, err = os.Create(cpuProfile); err != nil {
			return r, err
		}
		r.profile = r.file
	}
	return r, nil
}

func (r benchRuns) close() {
	if r.file != nil {
		r.file.Close()
	}
}
