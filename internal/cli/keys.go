package cli

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/notify"
	"github.com/cartable/cartable/internal/secret"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/store"
)

// encryptedColumns lists every column holding keyring ciphertexts.
func encryptedColumns() []store.EncryptedColumn {
	return slices.Concat(account.EncryptedColumns(), secret.EncryptedColumns(), notify.EncryptedColumns(), sso.EncryptedColumns())
}

func keysCmd() *cmd {
	var id string
	idFlag := func(fs *flag.FlagSet) { fs.StringVar(&id, "id", "", "key id (required)") }
	return &cmd{name: "keys", summary: "manage the encryption keys of secrets at rest", subs: []*cmd{
		{name: "list", summary: "list keys and how many secrets each protects",
			run: func(ctx context.Context, r *runner, args []string) error {
				f, db, err := openKeyFile(ctx, r)
				if err != nil {
					return err
				}
				defer db.Close()
				counts, err := countByKey(ctx, db)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tCREATED\tSTATE\tSECRETS")
				for _, k := range f.Keys() {
					state := "active"
					switch {
					case k.ID == f.Primary():
						state = "primary"
					case k.Retired:
						state = "retired"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", k.ID, k.Created.Format(time.RFC3339), state, counts[k.ID])
				}
				return tw.Flush()
			}},
		{name: "rotate", summary: "add a new primary key and re-encrypt every secret with it",
			run: func(ctx context.Context, r *runner, args []string) error {
				f, db, err := openKeyFile(ctx, r)
				if err != nil {
					return err
				}
				defer db.Close()
				newID, err := f.Rotate(rand.Reader, time.Now())
				if err != nil {
					return err
				}
				if err := f.Save(); err != nil {
					return err
				}
				ring, err := f.Ring()
				if err != nil {
					return err
				}
				n, err := reencrypt(ctx, db, ring)
				if err != nil {
					return fmt.Errorf("new key %s saved, but re-encryption stopped (run `cartable keys rotate` again or `keys reencrypt`): %w", newID, err)
				}
				if err := audit.New(db, time.Now).Record(ctx, audit.Event{Action: audit.KeyRotated, ActorLogin: authz.Operator.Login,
					Detail: map[string]any{"key_id": newID, "reencrypted": n}}); err != nil {
					return err
				}
				fmt.Fprintf(r.stdout, "new primary key %s; %d secret(s) re-encrypted\nRestart the other instances, or let them reload the key file on their next unknown key.\n", newID, n)
				return nil
			}},
		{name: "reencrypt", summary: "re-encrypt secrets still under an old key with the primary key",
			run: func(ctx context.Context, r *runner, args []string) error {
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				db, ring := app.DB, app.Keys.Ring()
				n, err := reencrypt(ctx, db, ring)
				if err != nil {
					return err
				}
				fmt.Fprintf(r.stdout, "%d secret(s) re-encrypted under %s\n", n, ring.Primary())
				return nil
			}},
		{name: "retire", summary: "retire an old key once no secret uses it", flags: idFlag,
			run: func(ctx context.Context, r *runner, args []string) error {
				return changeUnusedKey(ctx, r, "retire", id, ": run `cartable keys reencrypt` first", func(f *keyring.File, db *store.DB) error {
					if err := f.Retire(id); err != nil {
						return err
					}
					if err := f.Save(); err != nil {
						return err
					}
					if err := audit.New(db, time.Now).Record(ctx, audit.Event{Action: audit.KeyRetired, ActorLogin: authz.Operator.Login,
						Detail: map[string]any{"key_id": id}}); err != nil {
						return err
					}
					fmt.Fprintf(r.stdout, "key %s retired\n", id)
					return nil
				})
			}},
		{name: "remove", summary: "delete a retired key from the key file", flags: idFlag,
			run: func(ctx context.Context, r *runner, args []string) error {
				return changeUnusedKey(ctx, r, "remove", id, "", func(f *keyring.File, db *store.DB) error {
					if err := f.Remove(id); err != nil {
						return err
					}
					if err := f.Save(); err != nil {
						return err
					}
					fmt.Fprintf(r.stdout, "key %s removed\n", id)
					return nil
				})
			}},
	}}
}

// changeUnusedKey opens the key file and the database, checks that no secret is
// encrypted under key id, and calls change. hint ends the refusal's message.
func changeUnusedKey(ctx context.Context, r *runner, verb, id, hint string, change func(*keyring.File, *store.DB) error) error {
	if id == "" {
		return usagef("keys %s needs --id", verb)
	}
	f, db, err := openKeyFile(ctx, r)
	if err != nil {
		return err
	}
	defer db.Close()
	counts, err := countByKey(ctx, db)
	if err != nil {
		return err
	}
	if counts[id] > 0 {
		return fmt.Errorf("key %s still protects %d secret(s)%s", id, counts[id], hint)
	}
	return change(f, db)
}

var errEnvKeys = fmt.Errorf("the keys come from CARTABLE_KEYS, not from a key file: to rotate, put a new key first in the variable, restart the instances, then run `cartable keys reencrypt`")

// openKeyFile opens the key file (key commands need it: keys given by CARTABLE_KEYS are
// rotated by changing the variable) and the migrated database.
func openKeyFile(ctx context.Context, r *runner) (*keyring.File, *store.DB, error) {
	if r.cfg.Keys != "" {
		return nil, nil, errEnvKeys
	}
	f, _, err := keyring.LoadOrCreate(r.cfg.KeyFile(), rand.Reader, time.Now())
	if err != nil {
		return nil, nil, err
	}
	db, err := openDB(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	st, err := db.Status(ctx)
	if err != nil || st.Behind() {
		db.Close()
		if err == nil {
			err = fmt.Errorf("the database schema is behind: run `cartable migrate` first")
		}
		return nil, nil, err
	}
	return f, db, nil
}

func reencrypt(ctx context.Context, db *store.DB, ring *keyring.Ring) (int, error) {
	total := 0
	for _, col := range encryptedColumns() {
		n, err := db.Reencrypt(ctx, col, ring.NeedsRotation, func(ct []byte, row string) ([]byte, error) {
			ad := keyring.AD{Table: col.Table, Column: col.Column, Row: row}
			pt, err := ring.Decrypt(ct, ad)
			if err != nil {
				return nil, err
			}
			return ring.Encrypt(pt, ad)
		})
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func countByKey(ctx context.Context, db *store.DB) (map[string]int, error) {
	counts := map[string]int{}
	for _, col := range encryptedColumns() {
		_, err := db.CountWhere(ctx, col, func(ct []byte) bool {
			if id, err := keyring.KeyID(ct); err == nil {
				counts[id]++
			}
			return false
		})
		if err != nil {
			return nil, err
		}
	}
	return counts, nil
}
