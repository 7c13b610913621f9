package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestIsWrite(t *testing.T) {
	for q, want := range map[string]bool{
		"INSERT INTO t (a) VALUES ($1) RETURNING id": true,
		"  update t SET a = 1":                       true,
		"DELETE FROM t":                              true,
		"\n\tREPLACE INTO t VALUES (1)":              true,
		"WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x RETURNING id": true,
		"WITH x AS (SELECT 1) SELECT * FROM x":                            false,
		"SELECT id FROM t WHERE a = $1":                                   false,
		"(SELECT 1)":                                                      false,
		"":                                                                false,
	} {
		if got := isWrite(q); got != want {
			t.Errorf("isWrite(%q) = %v, want %v", q, got, want)
		}
	}
}

func openSQLite(t *testing.T) *DB {
	t.Helper()
	return openSQLiteAt(t, filepath.Join(t.TempDir(), "w.db"))
}

func openSQLiteAt(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), "sqlite:"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(context.Background(), "CREATE TABLE counter (n INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(context.Background(), "INSERT INTO counter (n) VALUES (0)"); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestSQLiteWritersQueue: concurrent transactions and single statements of one process
// all land, in turn, through the writer token.
func TestSQLiteWritersQueue(t *testing.T) {
	db := openSQLite(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				var err error
				switch i % 3 {
				case 0:
					err = db.Tx(ctx, func(ctx context.Context) error {
						var n int
						if err := db.QueryRow(ctx, "SELECT n FROM counter").Scan(&n); err != nil {
							return err
						}
						_, err := db.Exec(ctx, "UPDATE counter SET n = $1", n+1)
						return err
					})
				case 1:
					_, err = db.Exec(ctx, "UPDATE counter SET n = n + 1")
				default:
					var n int
					err = db.QueryRow(ctx, "UPDATE counter SET n = n + 1 RETURNING n").Scan(&n)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(ctx, "SELECT n FROM counter").Scan(&n); err != nil || n != 16*20 {
		t.Fatalf("counter %d (err %v), want %d", n, err, 16*20)
	}
}

// TestSQLiteWriterWaitsInGo: a writer that finds another's transaction open waits for the
// token and gives up with its context, without sleeping in SQLite's busy handler; it
// runs at once when the first commits.
func TestSQLiteWriterWaitsInGo(t *testing.T) {
	db := openSQLite(t)
	ctx := context.Background()
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.Tx(ctx, func(ctx context.Context) error {
			if len(db.writer) != 1 {
				return errors.New("the transaction does not hold the writer token")
			}
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := db.Exec(short, "UPDATE counter SET n = n + 1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a writer behind an open transaction: err %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("waited %v", d)
	}
	if err := db.QueryRow(short, "UPDATE counter SET n = n + 1 RETURNING n").Scan(new(int)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("INSERT … RETURNING behind an open transaction: err %v", err)
	}
	// Readers do not queue (WAL).
	var n int
	if err := db.QueryRow(ctx, "SELECT n FROM counter").Scan(&n); err != nil {
		t.Fatalf("a reader during a write: %v", err)
	}
	waiting := make(chan error, 1)
	go func() {
		_, err := db.Exec(ctx, "UPDATE counter SET n = n + 1")
		waiting <- err
	}()
	time.Sleep(20 * time.Millisecond)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-waiting; err != nil {
		t.Fatalf("the queued writer: %v", err)
	}
}

// TestSQLiteFileMode: a new database and its WAL are readable by the service's user only.
func TestSQLiteFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	openSQLiteAt(t, path)
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s: mode %o, want 600", filepath.Base(p), m)
		}
	}
}
