package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/cartable/cartable/internal/backup"
	"github.com/cartable/cartable/internal/blob"
	"github.com/cartable/cartable/internal/store"
)

func backupCmd() *cmd {
	var out, keysOut string
	return &cmd{name: "backup", summary: "a consistent copy of the SQLite database and the local files into a new directory, the key ring into a file apart (docs/backup.md)",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&out, "out", "", "backup directory (new or empty)")
			fs.StringVar(&keysOut, "keys-out", "", "file receiving the key ring, outside the backup directory (to be stored apart)")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			if len(args) != 0 || out == "" {
				return usagef("backup needs --out DIR (and --keys-out FILE)")
			}
			db, err := openDB(ctx, r)
			if err != nil {
				return err
			}
			defer db.Close()
			o := backup.Options{DB: db, Out: out, KeysOut: keysOut, Version: Version, Now: time.Now}
			if r.cfg.Files == "local" {
				if o.Blobs, err = blob.NewLocal(r.cfg.BlobDir()); err != nil {
					return err
				}
			}
			if r.cfg.Keys == "" {
				o.KeyFile = r.cfg.KeyFile()
			}
			t0 := time.Now()
			m, err := backup.Backup(ctx, o)
			if err != nil {
				return err
			}
			return printManifest(r, "backup", m, time.Since(t0))
		}}
}

func restoreCmd() *cmd {
	var from, keys string
	return &cmd{name: "restore", summary: "recreate the database, the files and the key file of a new data directory from a backup (docs/backup.md)",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&from, "from", "", "backup directory (made by cartable backup)")
			fs.StringVar(&keys, "keys", "", "the key file written apart by cartable backup --keys-out")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			if len(args) != 0 || from == "" {
				return usagef("restore needs --from DIR (and --keys FILE)")
			}
			engine, path, err := store.ParseDSN(r.cfg.DB)
			if err != nil {
				return err
			}
			if engine != store.SQLite {
				return usagef("restore writes an SQLite database; a PostgreSQL one is restored with pg_restore (docs/backup.md)")
			}
			o := backup.RestoreOptions{From: from, Keys: keys, Database: path, BlobDir: r.cfg.BlobDir(), KeyFile: r.cfg.KeyFile()}
			t0 := time.Now()
			m, err := backup.Restore(ctx, o)
			if err != nil {
				return err
			}
			return printManifest(r, "restored", m, time.Since(t0))
		}}
}

func printManifest(r *runner, verb string, m backup.Manifest, d time.Duration) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stderr, "%s in %.1fs\n", verb, d.Seconds())
	_, err = fmt.Fprintf(r.stdout, "%s\n", b)
	return err
}
