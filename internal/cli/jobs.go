package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/cartable/cartable/internal/jobs"
)

func jobsCmd() *cmd {
	var asJSON bool
	var job string
	var limit int
	return &cmd{name: "jobs", summary: "background jobs: run one now, list the runs", subs: []*cmd{
		{name: "run", summary: "run a job now (under the same lease as the scheduled runs); without JOB, list the jobs", args: "JOB",
			flags: func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print the counts as JSON") },
			run: func(ctx context.Context, r *runner, args []string) error {
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				if len(args) != 1 {
					printJobs(r.stderr, app.Jobs)
					return usagef("jobs run needs one JOB")
				}
				res, err := app.Jobs.Run(ctx, args[0], "operator")
				if errors.Is(err, jobs.ErrUnknownJob) {
					printJobs(r.stderr, app.Jobs)
					return usagef("no job is called %q", args[0])
				}
				if res.ID == 0 || res.FinishedAt == nil {
					return err // not run (another instance holds the lease) or not recorded
				}
				// The counts are printed even when the run failed; the exit status says it failed.
				if asJSON {
					if _, werr := r.stdout.Write(append(res.Counts, '\n')); werr != nil {
						return werr
					}
				} else {
					fmt.Fprintf(r.stdout, "%s: %s in %.1fs — %s\n", res.Job, res.Status, res.FinishedAt.Sub(res.StartedAt).Seconds(), res.Counts)
				}
				return err
			}},
		{name: "list", summary: "the history of job runs",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&job, "job", "", "only the runs of this job (default: all; `cartable jobs run` lists the jobs)")
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

// printJobs lists the registered jobs and when serve runs them.
func printJobs(w io.Writer, r *jobs.Runner) {
	fmt.Fprintln(w, "Jobs:")
	for _, j := range r.Jobs() {
		when := "only when asked"
		if j.Schedule != "" {
			when = "scheduled " + j.Schedule + " (Europe/Paris)"
		}
		fmt.Fprintf(w, "  %-14s %s\n", j.Name, when)
	}
}
