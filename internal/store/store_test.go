package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// The conformance suite: the behaviour every feature relies on, on both engines.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()

		t.Run("migrate is idempotent and status is current", func(t *testing.T) {
			applied, err := db.Migrate(ctx, time.Now())
			if err != nil || len(applied) != 0 {
				t.Fatalf("second migrate applied %v, err %v", applied, err)
			}
			st, err := db.Status(ctx)
			if err != nil || st.Behind() || st.Current == 0 {
				t.Fatalf("status %+v, err %v", st, err)
			}
		})

		t.Run("instants round trip in UTC with microseconds and compare in SQL", func(t *testing.T) {
			loc := time.FixedZone("X", 3*3600)
			at := time.Date(2026, 3, 1, 10, 0, 0, 123456789, loc)
			if _, err := db.Exec(ctx, `INSERT INTO platform_secrets (name, value_enc, created_at) VALUES ($1, $2, $3)`, "t1", []byte{1}, at); err != nil {
				t.Fatal(err)
			}
			var got time.Time
			if err := db.QueryRow(ctx, `SELECT created_at FROM platform_secrets WHERE name = $1`, "t1").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if want := at.Truncate(time.Microsecond); !got.Equal(want) {
				t.Fatalf("got %v want %v", got, want)
			}
			// Comparison in SQL, including a value whose fraction has trailing zeros.
			var n int
			later := at.Add(-time.Duration(at.Nanosecond())).Add(500 * time.Millisecond)
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM platform_secrets WHERE created_at < $1`, later).Scan(&n); err != nil || n != 1 {
				t.Fatalf("created_at < later: n=%d err=%v", n, err)
			}
		})

		t.Run("not found and conflict are portable", func(t *testing.T) {
			var s string
			err := db.QueryRow(ctx, `SELECT name FROM platform_secrets WHERE name = $1`, "nope").Scan(&s)
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("want ErrNotFound, got %v", err)
			}
			_, err = db.Exec(ctx, `INSERT INTO platform_secrets (name, value_enc, created_at) VALUES ($1, $2, $3)`, "t1", []byte{2}, time.Now())
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("want ErrConflict, got %v", err)
			}
		})

		t.Run("transaction rolls back on error and nests", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.Tx(ctx, func(ctx context.Context) error {
				if _, err := db.Exec(ctx, `INSERT INTO platform_secrets (name, value_enc, created_at) VALUES ($1, $2, $3)`, "t2", []byte{1}, time.Now()); err != nil {
					return err
				}
				return db.Tx(ctx, func(ctx context.Context) error { return boom })
			})
			if !errors.Is(err, boom) {
				t.Fatalf("got %v", err)
			}
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM platform_secrets WHERE name = $1`, "t2").Scan(&n); err != nil || n != 0 {
				t.Fatalf("row survived rollback: n=%d err=%v", n, err)
			}
		})

		t.Run("placeholders may repeat and come in any order", func(t *testing.T) {
			var a, b int
			if err := db.QueryRow(ctx, `SELECT CAST($2 AS INTEGER) + CAST($1 AS INTEGER), CAST($2 AS INTEGER)`, 1, 10).Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			if a != 11 || b != 10 {
				t.Fatalf("got %d %d", a, b)
			}
		})

		t.Run("audit trail is append-only", func(t *testing.T) {
			if _, err := db.Exec(ctx, `INSERT INTO audit_events (at, action) VALUES ($1, $2)`, time.Now(), "test"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, `UPDATE audit_events SET action = 'x'`); err == nil {
				t.Fatal("UPDATE of audit_events succeeded")
			}
			if _, err := db.Exec(ctx, `DELETE FROM audit_events`); err == nil {
				t.Fatal("DELETE of audit_events succeeded")
			}
		})

		t.Run("membership roles are checked by the schema", func(t *testing.T) {
			now := time.Now()
			var id int64
			if err := db.QueryRow(ctx, `INSERT INTO accounts (login, status, created_at, updated_at) VALUES ($1, 'pending', $2, $2) RETURNING id`, "m1", now).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, `INSERT INTO memberships (account_id, role, created_at) VALUES ($1, 'platform-admin', $2)`, id, now); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, `INSERT INTO memberships (account_id, role, created_at) VALUES ($1, 'platform-admin', $2)`, id, now); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("duplicate platform-admin membership: %v", err)
			}
			if _, err := db.Exec(ctx, `INSERT INTO memberships (account_id, role, created_at) VALUES ($1, 'teacher', $2)`, id, now); err == nil {
				t.Fatal("teacher without establishment accepted")
			}
		})
	})
}

func TestParseDSN(t *testing.T) {
	for _, tc := range []struct {
		in     string
		engine store.Engine
		ok     bool
	}{
		{"sqlite:/tmp/x.db", store.SQLite, true},
		{"sqlite:///tmp/x.db", store.SQLite, true},
		{"postgres://u:p@h/db", store.Postgres, true},
		{"postgresql://h/db", store.Postgres, true},
		{"mysql://h/db", "", false},
	} {
		e, _, err := store.ParseDSN(tc.in)
		if (err == nil) != tc.ok || e != tc.engine {
			t.Errorf("%s: engine %q err %v", tc.in, e, err)
		}
	}
	if got := store.Redact("postgres://u:secret@h/db"); got != "postgres://u:xxxxx@h/db" {
		t.Errorf("Redact: %s", got)
	}
}

func TestBulkRows(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		var rows [][]any
		for i := range 2500 { // several batches
			rows = append(rows, []any{fmt.Sprintf("bulk%04d", i), "pending", now, now})
		}
		ids := map[string]int64{}
		err := db.InsertRows(ctx, "accounts", []string{"login", "status", "created_at", "updated_at"}, rows, "id, login", func(r *sql.Rows) error {
			var id int64
			var login string
			if err := r.Scan(&id, &login); err != nil {
				return err
			}
			ids[login] = id
			return nil
		})
		if err != nil || len(ids) != 2500 {
			t.Fatalf("insert: %d ids, %v", len(ids), err)
		}
		var upd [][]any
		for i := range 1500 {
			login := fmt.Sprintf("bulk%04d", i)
			upd = append(upd, []any{ids[login], "Name " + login})
		}
		later := now.Add(time.Hour)
		n, err := db.UpdateRows(ctx, "accounts", "id", "BIGINT", []string{"display_name"}, upd, "updated_at = $1", later)
		if err != nil || n != 1500 {
			t.Fatalf("update: %d rows, %v", n, err)
		}
		var name string
		var at time.Time
		if err := db.QueryRow(ctx, `SELECT display_name, updated_at FROM accounts WHERE login = $1`, "bulk1499").Scan(&name, &at); err != nil || name != "Name bulk1499" || !at.Equal(later.Truncate(time.Microsecond)) {
			t.Fatalf("row after update: %q %v %v", name, at, err)
		}
		if err := db.QueryRow(ctx, `SELECT display_name FROM accounts WHERE login = $1`, "bulk1500").Scan(&name); err != nil || name != "" {
			t.Fatalf("untouched row: %q %v", name, err)
		}
		if _, err := db.UpdateRows(ctx, "accounts", "login", "TEXT", []string{"display_name"}, [][]any{{"bulk0001", "x"}}, "", nil); err != nil {
			t.Fatalf("update without extra: %v", err)
		}
	})
}

// TestSQLitePathWithURISyntax: a data directory with '#' or '?' must not open another file.
func TestSQLitePathWithURISyntax(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#b?c%d")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x.db")
	db, err := store.Open(context.Background(), "sqlite:"+path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not where asked: %v", err)
	}
}

// TestNextIDs: ids reserved twice in one transaction do not overlap, rows copied with
// them land, and an ordinary insert afterwards gets a later id.
func TestNextIDs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		err := db.Tx(ctx, func(ctx context.Context) error {
			a, err := db.NextIDs(ctx, "accounts", 3)
			if err != nil {
				return err
			}
			b, err := db.NextIDs(ctx, "accounts", 2)
			if err != nil {
				return err
			}
			if len(a) != 3 || len(b) != 2 || b[0] <= a[2] {
				t.Fatalf("overlapping reservations %v %v", a, b)
			}
			var rows [][]any
			for i, id := range append(a, b...) {
				rows = append(rows, []any{id, fmt.Sprintf("next%d", i), "pending", now, now})
			}
			_, err = db.CopyRows(ctx, "accounts", []string{"id", "login", "status", "created_at", "updated_at"}, rows)
			if err != nil {
				return err
			}
			var id int64
			if err := db.QueryRow(ctx, `INSERT INTO accounts (login, status, created_at, updated_at) VALUES ('after', 'pending', $1, $1) RETURNING id`, now).Scan(&id); err != nil {
				return err
			}
			if id <= b[1] {
				t.Fatalf("insert after the reservations got id %d (reserved up to %d)", id, b[1])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestAnalyze: on PostgreSQL, Analyze gathers the statistics of every table of the
// current schema (a table never analyzed has reltuples -1); on SQLite it does nothing.
func TestAnalyze(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		unknown := func() int {
			t.Helper()
			if db.Engine() != store.Postgres {
				return 0
			}
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.reltuples < 0`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := unknown()
		if err := db.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		if after := unknown(); after != 0 || db.Engine() == store.Postgres && before == 0 {
			t.Errorf("tables never analyzed: %d before, %d after", before, after)
		}
	})
}
