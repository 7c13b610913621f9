package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
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
	// byEngine holds the SQL of a migration written once per engine
	// (NNNN_name.postgres.sql and NNNN_name.sqlite.sql), when sql is empty.
	byEngine map[Engine]string
}

// foreignKeysOff is the directive an SQLite migration starts with when it rebuilds a
// table others reference: SQLite cannot alter a CHECK, and dropping the old table with
// foreign keys on would run the ON DELETE CASCADE of the tables referencing it. Such a
// migration runs with foreign keys off (on its own connection, set before its
// transaction as SQLite requires) and must leave PRAGMA foreign_key_check empty.
const foreignKeysOff = "-- cartable:foreign-keys-off"

// script is the migration's SQL for engine e.
func (m Migration) script(e Engine) string {
	if m.byEngine != nil {
		return m.byEngine[e]
	}
	return m.sql
}

// Migrations returns the embedded migrations in order. File names are
// NNNN_name.sql, the SQL shared by both engines with the macros of dialect.go, or, for
// a change the engines cannot write alike, NNNN_name.postgres.sql and NNNN_name.sqlite.sql.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]*Migration{}
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
		var engine Engine
		for _, en := range []Engine{Postgres, SQLite} {
			if base, ok := strings.CutSuffix(rest, "."+string(en)); ok {
				engine, rest = en, base
			}
		}
		m := byVersion[v]
		if m == nil {
			m = &Migration{Version: v, Name: rest}
			byVersion[v] = m
		}
		switch {
		case m.Name != rest, engine == "" && (m.sql != "" || m.byEngine != nil), engine != "" && m.sql != "":
			return nil, fmt.Errorf("migration %04d: two files (%s, %s)", v, m.Name, name)
		case engine == "":
			m.sql = string(b)
		default:
			if m.byEngine == nil {
				m.byEngine = map[Engine]string{}
			}
			m.byEngine[engine] = string(b)
		}
	}
	var ms []Migration
	for _, m := range byVersion {
		if m.byEngine != nil && len(m.byEngine) != 2 {
			return nil, fmt.Errorf("migration %04d_%s: needs a .postgres.sql and a .sqlite.sql file", m.Version, m.Name)
		}
		ms = append(ms, *m)
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
		script := m.script(db.engine)
		fkOff := db.engine == SQLite && strings.HasPrefix(script, foreignKeysOff)
		err := db.migrationTx(ctx, fkOff, func(ctx context.Context) error {
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
			if _, err := db.Exec(ctx, db.expand(script)); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if fkOff {
				if err := db.foreignKeyCheck(ctx); err != nil {
					return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
				}
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

// migrationTx runs fn in a transaction; with fkOff (SQLite only), on a connection whose
// foreign keys are off for that transaction and on again after it. The pragma is a
// no-op inside a transaction, hence the dedicated connection.
func (db *DB) migrationTx(ctx context.Context, fkOff bool, fn func(ctx context.Context) error) error {
	if !fkOff {
		return db.Tx(ctx, fn)
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return translate(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	err = db.txOn(ctx, conn, fn)
	if _, onErr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); onErr != nil {
		// The connection must not go back to the pool without its foreign keys.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		if err == nil {
			err = onErr
		}
	}
	return err
}

// foreignKeyCheck fails when a row references a missing one (SQLite).
func (db *DB) foreignKeyCheck(ctx context.Context) error {
	rows, err := db.Query(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fkid int64
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return err
		}
		return fmt.Errorf("foreign key check: a row of %s (rowid %d) references a missing row of %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}
