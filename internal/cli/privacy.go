package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/cartable/cartable/internal/notify"
	"github.com/cartable/cartable/internal/privacy"
)

// privacyCmd exports the record of processing activities (article 30 GDPR) made of the
// data catalogue, for the data protection officer.
func privacyCmd() *cmd {
	var format, lang string
	return &cmd{name: "privacy", summary: "the record of processing activities (GDPR article 30)", subs: []*cmd{
		{name: "register", summary: "print the record of processing activities, one row per table, as Markdown or CSV",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&format, "format", "md", "md (Markdown) or csv")
				fs.StringVar(&lang, "lang", "fr", "fr or en")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				if lang != "fr" && lang != "en" {
					return usagef("--lang: fr or en")
				}
				switch format {
				case "md":
					return privacy.WriteMarkdown(r.stdout, lang)
				case "csv":
					return privacy.WriteCSV(r.stdout, lang)
				}
				return usagef("--format: md or csv")
			}},
	}}
}

// mailCmd shows the e-mails waiting in the outbox and queues the failed ones again.
func mailCmd() *cmd {
	var limit int
	var asJSON bool
	return &cmd{name: "mail", summary: "the e-mail outbox: what waits, what failed", subs: []*cmd{
		{name: "outbox", summary: "list the e-mails not sent (pending or failed), oldest first: no address, no content",
			flags: func(fs *flag.FlagSet) {
				fs.IntVar(&limit, "limit", 100, "maximum number of e-mails")
				fs.BoolVar(&asJSON, "json", false, "print JSON")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				list, err := app.Notify.Outbox(ctx, limit)
				if err != nil {
					return err
				}
				if asJSON {
					if list == nil {
						list = []notify.OutboxEntry{}
					}
					return printJSON(r.stdout, list)
				}
				tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tACCOUNT\tKIND\tKEY\tSTATUS\tATTEMPTS\tNEXT\tLAST ERROR")
				for _, e := range list {
					fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%d\t%s\t%s\n", e.ID, e.AccountID, e.Kind, e.Key, e.Status, e.Attempts,
						e.NextAttemptAt.Format(time.RFC3339), e.LastError)
				}
				return tw.Flush()
			}},
		{name: "retry", summary: "queue the failed e-mails again, due now (after the mail server was fixed)",
			run: func(ctx context.Context, r *runner, args []string) error {
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				n, err := app.Notify.Retry(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(r.stdout, "%d e-mails queued again\n", n)
				return nil
			}},
	}}
}
