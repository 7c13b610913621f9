package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
)

func importCmd() *cmd {
	var uai string
	var dry, asJSON bool
	return &cmd{name: "import", summary: "import SIECLE files into an establishment", subs: []*cmd{
		{name: "siecle", summary: "import a SIECLE student export (ElevesSansAdresses.xml or its ZIP)", args: "FILE",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&uai, "uai", "", "UAI of the establishment (required)")
				fs.BoolVar(&dry, "dry-run", false, "compare and report, change nothing")
				fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				if uai == "" || len(args) != 1 {
					return usagef("import siecle needs --uai and one FILE")
				}
				f, src, err := openSource(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				boundMemory(r)
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				rep, err := app.Importer.Siecle(ctx, authz.OperatorPrincipal(), uai, src, dry)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(r.stdout, rep)
				}
				printReport(r.stdout, rep)
				return nil
			}},
		{name: "nomenclature", summary: "import the MEF labels of a Nomenclature.xml", args: "FILE",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&uai, "uai", "", "UAI of the establishment (required)")
				fs.BoolVar(&asJSON, "json", false, "print JSON")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				if uai == "" || len(args) != 1 {
					return usagef("import nomenclature needs --uai and one FILE")
				}
				f, src, err := openSource(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				n, err := app.Importer.Nomenclature(ctx, authz.OperatorPrincipal(), uai, src)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(r.stdout, map[string]int{"mefs": n})
				}
				fmt.Fprintf(r.stdout, "%d MEF labels imported\n", n)
				return nil
			}},
	}}
}

// importMemoryLimit is the soft memory limit of the import command: the live data of a
// 100,000-student import is about 85 MB, and without a limit the collector lets the heap
// grow to twice that. GOMEMLIMIT, when set, wins.
const importMemoryLimit = 128 << 20

func boundMemory(r *runner) {
	if r.env.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(importMemoryLimit)
	}
}

func openSource(path string) (*os.File, importer.Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, importer.Source{}, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, importer.Source{}, err
	}
	return f, importer.Source{Name: filepath.Base(path), R: f, Size: st.Size()}, nil
}

func printReport(w io.Writer, rep importer.Report) {
	verb := "imported"
	if rep.DryRun {
		verb = "dry run (nothing changed)"
	}
	fmt.Fprintf(w, "%s into %s: %s, %d students in the file, %.2fs\n", rep.File, rep.UAI, verb, rep.InFile,
		rep.FinishedAt.Sub(rep.StartedAt).Seconds())
	fmt.Fprintf(w, "  created %d, updated %d, deactivated %d, reactivated %d, unchanged %d; accounts created %d\n",
		rep.Created, rep.Updated, rep.Deactivated, rep.Reactivated, rep.Unchanged, rep.AccountsCreated)
	if rep.Refused > 0 {
		fmt.Fprintf(w, "  %d student(s) not imported: incomplete identity (see the warnings)\n", rep.Refused)
	}
	if len(rep.Absent) > 0 {
		fmt.Fprintf(w, "  %d student(s) of the establishment are not in the file (kept):", len(rep.Absent))
		for i, a := range rep.Absent {
			if i == 10 {
				fmt.Fprintf(w, " …")
				break
			}
			fmt.Fprintf(w, " %s (%s)", a.Name, a.EleveID)
		}
		fmt.Fprintln(w)
	}
	if len(rep.Warnings) > 0 {
		fmt.Fprintf(w, "  %d warning(s):\n", len(rep.Warnings))
		for i, x := range rep.Warnings {
			if i == 50 {
				fmt.Fprintf(w, "    … (%d more; use --json for all)\n", len(rep.Warnings)-50)
				break
			}
			// In English, as the rest of the command line (the JSON keeps the French
			// message, with the warning's key and parameters).
			fmt.Fprintf(w, "    ELEVE_ID %s (line %d), %s: %s\n", x.EleveID, x.Line, x.Field, x.Text(i18n.EN))
		}
	}
}

func genCmd() *cmd {
	var o siecle.GenOptions
	var out, prev string
	return &cmd{name: "gen", summary: "generate synthetic files for tests, demos and benchmarks", subs: []*cmd{
		{name: "siecle", summary: "write a realistic synthetic SIECLE student export",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&o.UAI, "uai", "", "UAI of the establishment (required)")
				fs.IntVar(&o.Students, "students", 500, "number of students")
				fs.Int64Var(&o.Seed, "seed", 1, "seed: the same options give the same file")
				fs.IntVar(&o.LeftPercent, "left", 5, "percentage of students who left (with an exit date)")
				fs.IntVar(&o.FirstIndex, "first-index", 0, "index of the first person: overlapping ranges describe the same students in two files")
				fs.StringVar(&prev, "previous-uai", "", "comma-separated UAIs newcomers come from")
				fs.IntVar(&o.Year, "year", 0, "school year (first year, e.g. 2024)")
				fs.StringVar(&out, "out", "", "output file (default: standard output)")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				if o.UAI == "" {
					return usagef("gen siecle needs --uai")
				}
				if prev != "" {
					o.PreviousUAIs = strings.Split(prev, ",")
				}
				return writeOut(r, out, func(w io.Writer) error { return siecle.Generate(w, o) })
			}},
		{name: "nomenclature", summary: "write the Nomenclature.xml of the MEFs the generator uses",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&out, "out", "", "output file (default: standard output)")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				return writeOut(r, out, siecle.GenerateNomenclature)
			}},
	}}
}

func writeOut(r *runner, path string, fn func(io.Writer) error) error {
	if path == "" {
		bw := bufio.NewWriterSize(r.stdout, 1<<16)
		if err := fn(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	tmp := path + ".tmp-" + fmt.Sprint(time.Now().UnixNano())
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := fn(bw); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
