// Package storetest gives tests a fresh, migrated database on every engine.
//
// SQLite is always tested. PostgreSQL is tested when CARTABLE_TEST_POSTGRES names a
// database (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable); each test gets
// its own schema, dropped at the end. When CARTABLE_TEST_REQUIRE_POSTGRES=1 (CI sets it)
// a missing or unreachable PostgreSQL fails the test instead of skipping the engine.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/store"
)

// Engines lists the engines to test in this run.
func Engines(t testing.TB) []store.Engine {
	t.Helper()
	engines := []store.Engine{store.SQLite}
	if PostgresDSN(t) != "" {
		engines = append(engines, store.Postgres)
	}
	return engines
}

// PostgresDSN returns the PostgreSQL test database, "" when none is configured, and
// fails the test when one is required but missing.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("CARTABLE_TEST_POSTGRES")
	if dsn == "" && os.Getenv("CARTABLE_TEST_REQUIRE_POSTGRES") == "1" {
		t.Fatal("CARTABLE_TEST_REQUIRE_POSTGRES=1 but CARTABLE_TEST_POSTGRES is empty")
	}
	return dsn
}

// Run runs fn as a subtest on every engine, each with a fresh migrated database.
func Run(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// DSN creates an empty database for the engine and returns its DSN; it is removed when
// the test ends.
func DSN(t testing.TB, e store.Engine) string {
	t.Helper()
	switch e {
	case store.SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	case store.Postgres:
		base := PostgresDSN(t)
		if base == "" {
			t.Fatal("no PostgreSQL test database: set CARTABLE_TEST_POSTGRES")
		}
		b := make([]byte, 6)
		rand.Read(b)
		schema := "t_" + hex.EncodeToString(b)
		ctx := context.Background()
		admin, err := store.Open(ctx, base, store.Options{MaxOpenConns: 2})
		if err != nil {
			t.Fatalf("PostgreSQL test database unreachable: %v", err)
		}
		if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
			admin.Close()
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				t.Errorf("drop schema %s: %v", schema, err)
			}
			admin.Close()
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("CARTABLE_TEST_POSTGRES: %v", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	t.Fatalf("unknown engine %q", e)
	return ""
}

// Open returns a fresh migrated database for the engine.
func Open(t testing.TB, e store.Engine) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, DSN(t, e), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, time.Now()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}
