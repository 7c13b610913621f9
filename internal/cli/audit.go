package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/cartable/cartable/internal/audit"
)

func auditCmd() *cmd {
	var f audit.Filter
	var since string
	var asJSON bool
	return &cmd{name: "audit", summary: "read the audit trail", subs: []*cmd{
		{name: "list", summary: "list audit events, newest first",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&f.Action, "action", "", `action, or a prefix ending in "." (e.g. login.)`)
				fs.StringVar(&f.Login, "login", "", "events by or about this login")
				fs.StringVar(&since, "since", "", "only events after this date (YYYY-MM-DD) or duration ago (e.g. 24h)")
				fs.IntVar(&f.Limit, "limit", 100, "maximum number of events")
				fs.BoolVar(&asJSON, "json", false, "print JSON")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				if since != "" {
					if d, err := time.ParseDuration(since); err == nil {
						f.Since = time.Now().Add(-d)
					} else if t, err := time.Parse("2006-01-02", since); err == nil {
						f.Since = t
					} else {
						return usagef("--since: a date (YYYY-MM-DD) or a duration (24h)")
					}
				}
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				evs, err := app.Audit.List(ctx, f)
				if err != nil {
					return err
				}
				if asJSON {
					if evs == nil {
						evs = []audit.Event{}
					}
					return printJSON(r.stdout, evs)
				}
				tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tTIME\tACTION\tOUTCOME\tACTOR\tTARGET\tIP\tDETAIL")
				for _, e := range evs {
					detail := ""
					if len(e.Detail) > 0 {
						b, _ := json.Marshal(e.Detail)
						detail = string(b)
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.At.Format(time.RFC3339), e.Action, e.Outcome, e.ActorLogin, e.TargetLogin, e.IP, detail)
				}
				return tw.Flush()
			}},
	}}
}
