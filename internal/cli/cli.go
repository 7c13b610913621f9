// Package cli is cartable's command line: the server (serve, demo) and the maintenance
// commands (migrate, account, token, establishment, keys, audit…). It assembles the
// process (app.go): the keys, the database, the services that internal/app builds, and
// the transports that receive them.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/config"
)

// Version is set at build time with -ldflags "-X github.com/cartable/cartable/internal/cli.Version=…".
var Version = "dev"

// Env is what a command receives from the process.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// cmd is one (sub)command.
type cmd struct {
	name    string
	summary string
	// args describes positional arguments in the usage line.
	args  string
	flags func(fs *flag.FlagSet)
	run   func(ctx context.Context, r *runner, args []string) error
	subs  []*cmd
}

// runner carries the parsed configuration and the outputs to a command.
type runner struct {
	cfg    config.Config
	env    Env
	log    *slog.Logger
	stdout io.Writer
	stderr io.Writer
}

func commands() []*cmd {
	return []*cmd{
		serveCmd(), demoCmd(), migrateCmd(), accountCmd(), tokenCmd(), establishmentCmd(),
		keysCmd(), auditCmd(), privacyCmd(), mailCmd(), importCmd(), ssoCmd(), referentialCmd(), jobsCmd(), filesCmd(), backupCmd(), restoreCmd(), genCmd(), benchCmd(), fnCmd(), versionCmd(),
	}
}

// Main runs the command line and returns the exit status.
func Main(e Env) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, e)
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(e.Stderr, "cartable:", ue.msg)
		return 2
	}
	fmt.Fprintln(e.Stderr, "cartable:", userMessage(err))
	return 1
}

// userMessage is the message printed for err: the user-facing message of an apperr, or
// the error itself.
func userMessage(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Kind != apperr.KindInternal {
		return ae.Message
	}
	return err.Error()
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func run(ctx context.Context, e Env) error {
	cfg := config.Default()
	top := flag.NewFlagSet("cartable", flag.ContinueOnError)
	top.SetOutput(e.Stderr)
	cfg.Register(top, e.Getenv)
	all := commands()
	top.Usage = func() { printUsage(e.Stderr, "cartable", all, top) }
	if err := top.Parse(e.Args); err != nil {
		return err
	}
	rest := top.Args()
	if len(rest) == 0 {
		top.Usage()
		return usagef("missing command")
	}
	path := []string{"cartable"}
	cmds := all
	for {
		c := find(cmds, rest[0])
		if c == nil {
			printUsage(e.Stderr, strings.Join(path, " "), cmds, nil)
			return usagef("unknown command %q", rest[0])
		}
		path = append(path, c.name)
		rest = rest[1:]
		if len(c.subs) == 0 {
			return runLeaf(ctx, e, cfg, c, strings.Join(path, " "), rest)
		}
		if len(rest) == 0 || rest[0] == "-h" || rest[0] == "--help" || rest[0] == "help" {
			printUsage(e.Stderr, strings.Join(path, " "), c.subs, nil)
			if len(rest) == 0 {
				return usagef("%s needs a subcommand", strings.Join(path, " "))
			}
			return flag.ErrHelp
		}
		cmds = c.subs
	}
}

func find(cmds []*cmd, name string) *cmd {
	for _, c := range cmds {
		if c.name == name {
			return c
		}
	}
	return nil
}

func runLeaf(ctx context.Context, e Env, cfg config.Config, c *cmd, name string, args []string) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	if c.flags != nil {
		c.flags(fs)
	}
	// The settings may also follow the command (cartable serve --addr …); their
	// environment variables were read already.
	own := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { own[f.Name] = true })
	shared := flag.NewFlagSet("", flag.ContinueOnError)
	cfg.Register(shared, func(string) string { return "" })
	shared.VisitAll(func(f *flag.Flag) {
		if !own[f.Name] {
			fs.Var(f.Value, f.Name, f.Usage)
		}
	})
	fs.Usage = func() {
		fmt.Fprintf(e.Stderr, "usage: %s [flags] %s\n\n%s\n\n", name, c.args, c.summary)
		if c.flags != nil {
			only := flag.NewFlagSet("", flag.ContinueOnError)
			c.flags(only)
			only.SetOutput(e.Stderr)
			only.PrintDefaults()
		}
		fmt.Fprintf(e.Stderr, "\nSettings (see docs/config.md) are accepted too, e.g. --data, --db.\n")
	}
	args, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}
	r := &runner{cfg: cfg, env: e, stdout: e.Stdout, stderr: e.Stderr,
		log: newLogger(e.Stderr, cfg.LogFormat, cfg.LogLevel)}
	return c.run(ctx, r, args)
}

// parseArgs parses the flags of fs wherever they stand among the positional arguments
// (cartable import siecle --uai U FILE --dry-run), and returns the positional arguments
// in order. flag.FlagSet.Parse stops at the first argument that is not a flag; here an
// argument is a flag by flag's own syntax (-x, --x, -x=v, --x=v; a flag that is not
// boolean takes the next argument as its value, whatever it looks like), "-" is an
// argument (standard input), and "--" ends the flags: what follows are arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue // an unknown flag (or -h) is reported by Parse
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	if err := fs.Parse(flags); err != nil {
		return nil, err
	}
	return positional, nil
}

func printUsage(w io.Writer, name string, cmds []*cmd, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: %s [flags] <command> [arguments]\n\nCommands:\n", name)
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	if fs != nil {
		fmt.Fprintln(w, "\nFlags (also settable as CARTABLE_* variables, see docs/config.md):")
		fs.PrintDefaults()
	}
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// open builds the application for a maintenance command (no HTTP).
func (r *runner) open(ctx context.Context) (*App, error) {
	return NewApp(ctx, r.cfg, r.log, Options{})
}

func versionCmd() *cmd {
	return &cmd{name: "version", summary: "print the version", run: func(ctx context.Context, r *runner, args []string) error {
		v := Version
		if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					v += " " + s.Value
				}
			}
			v += " " + bi.GoVersion
		}
		fmt.Fprintln(r.stdout, "cartable", v)
		return nil
	}}
}
