package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/competency/builtin"
)

// LoadBuiltinReferentials saves the example referentials shipped with cartable (the
// demo and the tests use them; a real deployment imports its own).
func LoadBuiltinReferentials(ctx context.Context, app *App) ([]competency.Referential, error) {
	refs, err := builtin.All()
	if err != nil {
		return nil, err
	}
	for i, r := range refs {
		if refs[i], err = app.Competencies.Save(ctx, authz.OperatorPrincipal(), r); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

func referentialCmd() *cmd {
	var code, format string
	return &cmd{name: "referential", summary: "competency referentials (diplomas)", subs: []*cmd{
		{name: "list", summary: "list the referentials",
			run: func(ctx context.Context, r *runner, args []string) error {
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				refs, err := app.Competencies.Referentials(ctx)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "CODE\tKIND\tCOMPETENCIES\tMEFS\tLABEL")
				for _, x := range refs {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", x.Code, x.Kind, len(x.Competencies), strings.Join(x.MEFs, ","), x.Label)
				}
				return tw.Flush()
			}},
		{name: "import", summary: "create or replace a referential from a JSON or CSV file", args: "FILE",
			run: func(ctx context.Context, r *runner, args []string) error {
				if len(args) != 1 {
					return usagef("referential import needs one FILE (.json or .csv)")
				}
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				var ref competency.Referential
				if strings.EqualFold(filepath.Ext(args[0]), ".csv") {
					ref, err = competency.ParseCSV(f)
				} else {
					ref, err = competency.ParseJSON(f)
				}
				if err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				saved, err := app.Competencies.Save(ctx, authz.OperatorPrincipal(), ref)
				if err != nil {
					return err
				}
				fmt.Fprintf(r.stdout, "referential %s saved: %d competencies\n", saved.Code, len(saved.Competencies))
				return nil
			}},
		{name: "export", summary: "write a referential as JSON or CSV",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&code, "code", "", "code of the referential (required)")
				fs.StringVar(&format, "format", "json", "json or csv")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				if code == "" {
					return usagef("referential export needs --code")
				}
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				ref, err := app.Competencies.Referential(ctx, code)
				if err != nil {
					return err
				}
				if format == "csv" {
					return competency.WriteCSV(r.stdout, &ref)
				}
				return ref.WriteJSON(r.stdout)
			}},
		{name: "examples", summary: "load the example referentials shipped with cartable (invented, for demos and trials)",
			run: func(ctx context.Context, r *runner, args []string) error {
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				refs, err := LoadBuiltinReferentials(ctx, app)
				if err != nil {
					return err
				}
				for _, x := range refs {
					fmt.Fprintf(r.stdout, "%s: %s\n", x.Code, x.Label)
				}
				return nil
			}},
	}}
}
