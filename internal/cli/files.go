package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/cartable/cartable/internal/app"
	"github.com/cartable/cartable/internal/blob"
)

func filesCmd() *cmd {
	var to string
	return &cmd{name: "files", summary: "the store of attached files", subs: []*cmd{
		{name: "migrate", summary: "copy the local files (DATA/blobs) to the object store of the --s3-* settings, each verified by its SHA-256; re-runnable",
			flags: func(fs *flag.FlagSet) { fs.StringVar(&to, "to", "", "destination store: s3") },
			run: func(ctx context.Context, r *runner, args []string) error {
				if len(args) != 0 {
					return usagef("files migrate takes no argument")
				}
				if to != "s3" {
					return usagef("files migrate needs --to s3")
				}
				cfg := r.cfg
				cfg.Files = "s3"
				if err := cfg.Validate(); err != nil {
					return usagef("%v", err)
				}
				dst, err := app.NewBlobs(cfg)
				if err != nil {
					return err
				}
				if err := dst.(*blob.S3).Check(ctx); err != nil {
					return err
				}
				src, err := blob.NewLocal(cfg.BlobDir())
				if err != nil {
					return err
				}
				rep, err := blob.Migrate(ctx, src, dst, func(p blob.MigrateReport) {
					if n := p.Copied + p.Present + len(p.Failed); n%500 == 0 {
						fmt.Fprintf(r.stderr, "%d files checked\n", n)
					}
				})
				for _, f := range rep.Failed {
					fmt.Fprintf(r.stderr, "%s: %v\n", f.Sum, f.Err)
				}
				fmt.Fprintf(r.stdout, "copied %d, already there %d, failed %d\n", rep.Copied, rep.Present, len(rep.Failed))
				if err != nil {
					return err
				}
				if len(rep.Failed) > 0 {
					return fmt.Errorf("%d file(s) not copied: run the command again once the cause is fixed (a damaged local file must be restored from a backup)", len(rep.Failed))
				}
				return nil
			}},
	}}
}
