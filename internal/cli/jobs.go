package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"
)

func jobsCmd() *cmd {
	var asJSON bool
	var job string
	var limit int
	run := func(name string) *cmd {
		return &cmd{name: name, summary: "run the " + name + " job now (under the same lease as the scheduled runs)",
			flags: func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print the counts as JSON") },
			run: func(ctx context.Context, r *runner, args []string) error {
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				fn, _ := app.Transfers.Job(name)
				res, err := app.Jobs.Do(ctx, name, "operator", fn)
				if res.ID == 0 || res.FinishedAt == nil {
					return err // not run (another instance holds the lease) or not recorded
				}
				// The counts are printed even when the run failed; the exit status says it failed.
				if asJSON {
					if _, werr := r.stdout.Write(append(res.Counts, '\n')); werr != nil {
						return werr
					}
				} else {
					fmt.Fprintf(r.stdout, "%s: %s in %.1fs — %s\n", name, res.Status, res.FinishedAt.Sub(res.StartedAt).Seconds(), res.Counts)
				}
				return err
			}}
	}
	return &cmd{name: "jobs", summary: "background jobs: the daily transfer and the weekly purge", subs: []*cmd{
		{name: "run", summary: "run a job now", subs: []*cmd{
			run("transfer"),
			run("purge"),
		}},
		{name: "list", summary: "the history of job runs",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&job, "job", "", "transfer or purge (default: all)")
				fs.IntVar(&limit, "limit", 50, "number of runs")
				fs.BoolVar(&asJSON, "json", false, "print JSON")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				runs, err := app.Jobs.History(ctx, job, limit)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(r.stdout, runs)
				}
				tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tJOB\tSTARTED\tDURATION\tSTATUS\tBY\tCOUNTS\tERROR")
				for _, x := range runs {
					d := "-"
					if x.FinishedAt != nil {
						d = x.FinishedAt.Sub(x.StartedAt).Round(time.Millisecond).String()
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.Job, x.StartedAt.Format(time.RFC3339), d, x.Status, x.StartedBy, x.Counts, x.Error)
				}
				return tw.Flush()
			}},
	}}
}
