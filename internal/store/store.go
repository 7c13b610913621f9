// Package store opens the database (SQLite or PostgreSQL), applies the embedded
// migrations and runs SQL for the feature packages.
//
// Queries are written once, in PostgreSQL style ($1, $2 …); the few differences between
// the engines live in dialect.go. A transaction is carried by the context: every call made
// with the context given to DB.Tx runs inside that transaction, so a service can write its
// change and the audit event of that change atomically without passing a handle around.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Engine names a database engine.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Portable errors, translated from each driver's own.
var (
	// ErrNotFound is returned when a query expected one row and found none.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is returned on a unique or foreign-key constraint violation.
	ErrConflict = errors.New("store: conflict")
)

// DB is a database handle shared by the whole application.
type DB struct {
	sql    *sql.DB
	engine Engine
	dsn    string // without secrets: for logs
	rebind sync.Map
	// writer queues this process's SQLite writers (a channel of one token): SQLite has
	// one write lock, and a writer that finds it taken sleeps in the busy handler (1, 2,
	// 5 … 100 ms steps) instead of being woken when it frees, which made the tail of
	// concurrent writes long (docs/benchmarks.md, the SSO callback). Waiting here wakes
	// the next writer as soon as the previous one commits. Nil on PostgreSQL. Other
	// processes on the same file still meet the busy handler.
	writer chan struct{}
}

// writerWait is how long a writer waits for the token, as long as busy_timeout.
const writerWait = 15 * time.Second

// ErrBusy is returned when a writer waited writerWait for the write lock.
var ErrBusy = errors.New("store: database busy: another write held the lock too long")

// lockWriter takes the writer token (SQLite only; outside a transaction the context
// carries). The returned function gives it back.
func (db *DB) lockWriter(ctx context.Context) (func(), error) {
	if db.writer == nil {
		return func() {}, nil
	}
	select {
	case db.writer <- struct{}{}:
		return func() { <-db.writer }, nil
	default:
	}
	t := time.NewTimer(writerWait)
	defer t.Stop()
	select {
	case db.writer <- struct{}{}:
		return func() { <-db.writer }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, ErrBusy
	}
}

// Options tune how a database is opened.
type Options struct {
	// MaxOpenConns caps the connection pool (0: engine default).
	MaxOpenConns int
}

// ParseDSN tells the engine of a --db value and returns the driver data source name.
// Accepted forms: "sqlite:PATH", "sqlite://PATH", "postgres://…", "postgresql://…".
func ParseDSN(dsn string) (Engine, string, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return Postgres, dsn, nil
	case strings.HasPrefix(dsn, "sqlite://"):
		return SQLite, strings.TrimPrefix(dsn, "sqlite://"), nil
	case strings.HasPrefix(dsn, "sqlite:"):
		return SQLite, strings.TrimPrefix(dsn, "sqlite:"), nil
	}
	return "", "", fmt.Errorf("unsupported database %q: use sqlite:PATH or postgres://…", Redact(dsn))
}

// Redact removes the password from a DSN so it can be logged.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Open connects to the database named by dsn (see ParseDSN). It does not migrate.
func Open(ctx context.Context, dsn string, o Options) (*DB, error) {
	engine, src, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	db := &DB{engine: engine, dsn: Redact(dsn)}
	switch engine {
	case SQLite:
		path := src
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		// The database holds everyone's records: only the service's user reads it. SQLite
		// would create it 0644 (umask permitting); its -wal and -shm files take the
		// database file's permissions.
		if f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600); err == nil {
			f.Close()
		} else {
			return nil, fmt.Errorf("create database file: %w", err)
		}
		// WAL lets readers run during a write; immediate transactions take the write lock at
		// BEGIN, so two writers queue on busy_timeout instead of failing on lock upgrade.
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(15000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
		q.Set("_time_format", "sqlite")
		db.sql, err = sql.Open("sqlite", "file:"+escapeSQLitePath(path)+"?"+q.Encode())
		if err != nil {
			return nil, err
		}
		n := o.MaxOpenConns
		if n == 0 {
			n = 8
		}
		db.sql.SetMaxOpenConns(n)
		db.sql.SetMaxIdleConns(n)
		db.writer = make(chan struct{}, 1)
	case Postgres:
		db.sql, err = sql.Open("pgx", src)
		if err != nil {
			return nil, err
		}
		n := o.MaxOpenConns
		if n == 0 {
			n = 20
		}
		db.sql.SetMaxOpenConns(n)
		db.sql.SetMaxIdleConns(n)
		db.sql.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := db.sql.PingContext(ctx); err != nil {
		db.sql.Close()
		return nil, fmt.Errorf("connect to %s: %w", db.dsn, err)
	}
	return db, nil
}

// escapeSQLitePath escapes what an SQLite URI filename would read as syntax: a '#'
// starts a fragment and a '?' the query, so a data directory containing either would
// silently open another file. SQLite decodes %HH escapes in URI filenames.
func escapeSQLitePath(p string) string {
	return strings.NewReplacer("%", "%25", "#", "%23", "?", "%3F").Replace(p)
}

// Engine returns the database engine.
func (db *DB) Engine() Engine { return db.engine }

// String describes the database without secrets.
func (db *DB) String() string { return db.dsn }

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

// Ping checks the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// SQL returns the underlying pool, for the migration runner and bulk loaders.
func (db *DB) SQL() *sql.DB { return db.sql }

type txKey struct{}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) q(ctx context.Context) querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return db.sql
}

// InTx reports whether ctx carries a transaction.
func InTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*sql.Tx)
	return ok
}

// Tx runs fn in a transaction carried by the context it receives. A nested call joins
// the outer transaction. fn's error rolls everything back.
func (db *DB) Tx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if InTx(ctx) {
		return fn(ctx)
	}
	// On SQLite every transaction is a writer (_txlock=immediate): take the token
	// before a connection, so that waiting writers do not hold connections readers need.
	unlock, err := db.lockWriter(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	// The transaction runs on a dedicated connection, kept in the context too, so that
	// CopyRows can reach the driver's connection (PostgreSQL COPY) inside it.
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return translate(err)
	}
	defer conn.Close()
	return db.txOn(ctx, conn, fn)
}

// txOn runs fn in a transaction on conn.
func (db *DB) txOn(ctx context.Context, conn *sql.Conn, fn func(ctx context.Context) error) (err error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
			return
		}
		err = translate(tx.Commit())
	}()
	ctx = context.WithValue(ctx, txKey{}, tx)
	return fn(context.WithValue(ctx, connKey{}, conn))
}

type connKey struct{}

// Exec runs a statement.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if db.writer != nil && !InTx(ctx) {
		unlock, err := db.lockWriter(ctx)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	r, err := db.q(ctx).ExecContext(ctx, db.Rebind(query), db.args(args)...)
	return r, translate(err)
}

// ExecCount runs a statement and returns the number of rows it changed.
func (db *DB) ExecCount(ctx context.Context, query string, args ...any) (int64, error) {
	r, err := db.Exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

// Query runs a query returning rows.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := db.q(ctx).QueryContext(ctx, db.Rebind(query), db.args(args)...)
	return rows, translate(err)
}

// QueryRow runs a query returning at most one row; Scan it with Scan below to get
// portable errors.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *Row {
	if db.writer != nil && !InTx(ctx) && isWrite(query) {
		// INSERT … RETURNING outside a transaction: the statement runs at Scan, holding
		// the writer token until its row is read.
		return &Row{run: func(dest ...any) error {
			unlock, err := db.lockWriter(ctx)
			if err != nil {
				return err
			}
			defer unlock()
			return db.q(ctx).QueryRowContext(ctx, db.Rebind(query), db.args(args)...).Scan(dest...)
		}}
	}
	return &Row{row: db.q(ctx).QueryRowContext(ctx, db.Rebind(query), db.args(args)...)}
}

// isWrite tells a statement that changes rows by its first keyword (a WITH … clause
// counts when it holds a data-changing statement).
func isWrite(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	if len(q) < 6 {
		return false
	}
	switch strings.ToUpper(q[:6]) {
	case "INSERT", "UPDATE", "DELETE", "REPLAC":
		return true
	case "SELECT":
		return false
	}
	if strings.EqualFold(q[:4], "WITH") {
		u := strings.ToUpper(q)
		return strings.Contains(u, "INSERT ") || strings.Contains(u, "UPDATE ") || strings.Contains(u, "DELETE ")
	}
	return false
}

// Row wraps *sql.Row to translate driver errors.
type Row struct {
	row *sql.Row
	run func(dest ...any) error // a write run at Scan (SQLite, outside a transaction)
}

// Scan copies the row into dest; ErrNotFound when there was no row.
func (r *Row) Scan(dest ...any) error {
	if r.run != nil {
		return translate(r.run(dest...))
	}
	return translate(r.row.Scan(dest...))
}

// Each runs a query and calls fn for every row, closing the rows and checking their error.
func (db *DB) Each(ctx context.Context, fn func(*sql.Rows) error, query string, args ...any) error {
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// Rebind rewrites a query written with $N placeholders for the engine. SQLite reads $N
// as a *named* parameter bound by order of first appearance, so it gets ?N instead — or
// plain ? when the placeholders come in order, each once: binding numbered parameters
// costs the driver a linear search per parameter, which made multi-row INSERTs with
// thousands of parameters quadratic.
func (db *DB) Rebind(query string) string {
	if db.engine != SQLite {
		return query
	}
	if v, ok := db.rebind.Load(query); ok {
		return v.(string)
	}
	out := rebindSQLite(query)
	if len(query) < 4096 { // bulk statements are built per call: do not grow the cache with them
		db.rebind.Store(query, out)
	}
	return out
}

// rebindSQLite scans for $N (a hand-written loop: bulk statements run to megabytes).
func rebindSQLite(q string) string {
	sequential, n := true, 0
	forEachPlaceholder(q, func(num string) {
		n++
		if sequential && num != strconv.Itoa(n) {
			sequential = false
		}
	})
	if n == 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q))
	last := 0
	forEachPlaceholderAt(q, func(start, end int) {
		b.WriteString(q[last:start])
		if sequential {
			b.WriteByte('?')
		} else {
			b.WriteByte('?')
			b.WriteString(q[start+1 : end])
		}
		last = end
	})
	b.WriteString(q[last:])
	return b.String()
}

func forEachPlaceholder(q string, fn func(num string)) {
	forEachPlaceholderAt(q, func(start, end int) { fn(q[start+1 : end]) })
}

// forEachPlaceholderAt calls fn with the bounds of every $N in q.
func forEachPlaceholderAt(q string, fn func(start, end int)) {
	for i := 0; i < len(q); i++ {
		if q[i] != '$' {
			continue
		}
		j := i + 1
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		if j > i+1 {
			fn(i, j)
			i = j - 1
		}
	}
}

// sqliteTime is the fixed-width text form of instants in SQLite: fixed width keeps
// lexicographic order equal to time order, so comparisons in SQL stay correct.
const sqliteTime = "2006-01-02 15:04:05.000000-07:00"

// args normalises arguments: instants become UTC with microsecond precision (what
// PostgreSQL keeps), so both engines store and compare the same values.
func (db *DB) args(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = db.timeArg(v)
		case *time.Time:
			if v == nil {
				args[i] = nil
			} else {
				args[i] = db.timeArg(*v)
			}
		}
	}
	return args
}

func (db *DB) timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Microsecond)
	if db.engine == SQLite {
		return t.Format(sqliteTime)
	}
	return t
}

// translate maps driver errors to the portable ones.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505", "23503": // unique_violation, foreign_key_violation
			return fmt.Errorf("%w: %s", ErrConflict, pgErr.ConstraintName)
		}
		return err
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %s", ErrConflict, sqErr.Error())
		}
	}
	return err
}

// NullTime converts a nullable time to a pointer (nil when NULL).
func NullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// Analyze refreshes PostgreSQL's planner statistics of every table of the current
// schema (not the whole database), after a bulk load. On SQLite it does nothing: the
// application never gathers statistics there, and plans must not depend on when a
// benchmark last ran ANALYZE.
func (db *DB) Analyze(ctx context.Context) error {
	if db.engine != Postgres {
		return nil
	}
	var tables []string
	err := db.Each(ctx, func(rows *sql.Rows) error {
		var t string
		err := rows.Scan(&t)
		tables = append(tables, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
		return err
	}, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
	if err != nil || len(tables) == 0 {
		return err
	}
	_, err = db.Exec(ctx, `ANALYZE `+strings.Join(tables, ", "))
	return err
}
