package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	sql     string
}

// Migrations returns the embedded migrations in order. File names are
// NNNN_name.sql; the SQL is shared by both engines, with the macros of dialect.go.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		b, err := migrationFS.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: rest, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %04d_%s: versions must be 1, 2, 3… without gaps", m.Version, m.Name)
		}
	}
	return ms, nil
}

// SchemaStatus tells the applied and the latest known schema versions.
type SchemaStatus struct {
	Current int `json:"current"`
	Latest  int `json:"latest"`
}

// Behind reports whether migrations are pending.
func (s SchemaStatus) Behind() bool { return s.Current < s.Latest }

// Status reads the schema version.
func (db *DB) Status(ctx context.Context) (SchemaStatus, error) {
	ms, err := Migrations()
	if err != nil {
		return SchemaStatus{}, err
	}
	st := SchemaStatus{Latest: len(ms)}
	if err := db.ensureMigrationTable(ctx); err != nil {
		return st, err
	}
	var cur *int64
	if err := db.QueryRow(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&cur); err != nil {
		return st, err
	}
	if cur != nil {
		st.Current = int(*cur)
	}
	if st.Current > st.Latest {
		return st, fmt.Errorf("database schema version %d is newer than this binary knows (%d): upgrade cartable", st.Current, st.Latest)
	}
	return st, nil
}

func (db *DB) ensureMigrationTable(ctx context.Context) error {
	_, err := db.Exec(ctx, db.expand(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at {{timestamp}} NOT NULL)`))
	return err
}

// Migrate applies the pending migrations, each in its own transaction, and returns the
// versions applied. On PostgreSQL an advisory lock makes concurrent migrators wait for
// each other, so several instances starting together apply each migration once.
func (db *DB) Migrate(ctx context.Context, now time.Time) ([]int, error) {
	return db.MigrateTo(ctx, now, 0)
}

// MigrateTo is Migrate up to version (all of them for 0). The tests of a migration that
// converts data use it to write rows as the versions before it did.
func (db *DB) MigrateTo(ctx context.Context, now time.Time, version int) ([]int, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	if version > 0 && version < len(ms) {
		ms = ms[:version]
	}
	if err := db.ensureMigrationTable(ctx); err != nil {
		return nil, err
	}
	var applied []int
	for _, m := range ms {
		err := db.Tx(ctx, func(ctx context.Context) error {
			if db.engine == Postgres {
				if _, err := db.Exec(ctx, `SELECT pg_advisory_xact_lock(7216005)`); err != nil {
					return err
				}
			}
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			// Both drivers run a multi-statement script when it has no arguments.
			if _, err := db.Exec(ctx, db.expand(m.sql)); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := db.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, m.Version, m.Name, now); err != nil {
				return err
			}
			applied = append(applied, m.Version)
			return nil
		})
		if err != nil {
			return applied, err
		}
	}
	return applied, nil
}
