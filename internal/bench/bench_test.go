package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/bench"
	"github.com/cartable/cartable/internal/cli"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// runCLI runs the command line and returns its exit status, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(cli.Env{Args: args, Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

// count returns the result of a COUNT(*) query.
func count(t *testing.T, db *store.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBulkLoad loads a small platform through the command line and checks the rows,
// then that ordinary writes still work after it (the owners reserve the ids), then runs
// the job benchmarks small: they add their students, move and purge them.
func TestBulkLoad(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			dir, dsn := t.TempDir(), storetest.DSN(t, e)
			g := []string{"--data", dir, "--db", dsn, "--log-level", "warn", "--argon2-memory", "64", "--argon2-time", "1"}
			if code, _, stderr := runCLI(t, append(g, "migrate")...); code != 0 {
				t.Fatal(stderr)
			}
			code, out, stderr := runCLI(t, append(g, "bench", "load", "--establishments", "3", "--students", "50", "--results", "8")...)
			if code != 0 || !strings.Contains(out, "150 students") {
				t.Fatalf("load: %d %s %s", code, out, stderr)
			}
			db, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			students, accounts := count(t, db, "SELECT COUNT(*) FROM students"), count(t, db, "SELECT COUNT(*) FROM accounts")
			members := count(t, db, "SELECT COUNT(*) FROM memberships WHERE role = 'student'")
			if students != 150 || accounts != 150 || members != 150 {
				t.Fatalf("%d students, %d accounts, %d memberships", students, accounts, members)
			}
			if results := count(t, db, "SELECT COUNT(*) FROM evaluation_results"); results != 150*8 {
				t.Fatalf("%d results, want %d", results, 150*8)
			}
			for _, args := range [][]string{
				{"account", "create", "--login", "after.load", "--role", "platform-admin"},
				{"establishment", "create", "--uai", "0382032C", "--name", "After"},
			} {
				if code, _, stderr := runCLI(t, append(g, args...)...); code != 0 {
					t.Fatalf("write after load (%s): %s", args[0], stderr)
				}
			}

			code, out, stderr = runCLI(t, append(g, "bench", "transfer", "--pending", "40", "--with-data", "20", "--evaluations", "3",
				"--situations", "1", "--file-size", "100", "--json")...)
			var tr bench.TransferResult
			if code != 0 || json.Unmarshal([]byte(out), &tr) != nil {
				t.Fatalf("bench transfer: %d %s %s", code, out, stderr)
			}
			if tr.Counts.Transferred != 20 || tr.Counts.Examined != 40 || tr.RerunCounts.Waiting != 20 || tr.FloorSeconds <= 0 ||
				tr.RowsMoved != 20*3+20*3*4+20*3+20+20 {
				t.Fatalf("bench transfer: %+v", tr)
			}
			// The floor rolled back: the job found every record where the setup put it.
			if moved := count(t, db, "SELECT COUNT(*) FROM evaluations WHERE author_name = 'ancien établissement'"); moved != 20*3 {
				t.Fatalf("%d evaluations moved, want %d", moved, 20*3)
			}
			code, out, stderr = runCLI(t, append(g, "bench", "purge", "--students", "50", "--with-files", "5", "--file-size", "100", "--json")...)
			var pr bench.PurgeResult
			if code != 0 || json.Unmarshal([]byte(out), &pr) != nil {
				t.Fatalf("bench purge: %d %s %s", code, out, stderr)
			}
			if pr.Counts.Purged != 50 || pr.Counts.FilesDeleted != 5 || pr.Counts.AccountsDeleted != 50 || pr.Results != 50*8 || pr.FloorSeconds <= 0 {
				t.Fatalf("bench purge: %+v", pr)
			}
			if left := count(t, db, "SELECT COUNT(*) FROM students"); left != 150+40+20-50 {
				t.Fatalf("%d students left after the purge, want %d", left, 150+40+20-50)
			}

			// A short soak: no failed request; every arrival is answered or counted as
			// dropped (how many of each depends on the machine, not checked); each
			// window has its memory, and its latencies when it has requests.
			code, out, stderr = runCLI(t, append(g, "bench", "soak", "--duration", "3s", "--window", "1s", "--rate", "40", "--clients", "8", "--json")...)
			var sr bench.SoakResult
			if code != 0 || json.Unmarshal([]byte(out), &sr) != nil {
				t.Fatalf("bench soak: %d %s %s", code, out, stderr)
			}
			requests, arrivals := 0, 0
			for _, w := range sr.Windows {
				requests += w.Requests
				arrivals += w.Requests + w.Dropped
				if w.ServerErrors+w.OtherErrors != 0 || w.HeapMiB <= 0 || w.RSSMiB <= 0 || (w.Requests > 0 && (w.P95 <= 0 || w.P95 < w.P50)) {
					t.Errorf("soak window %+v", w)
				}
			}
			if len(sr.Windows) < 3 || requests == 0 || arrivals > 40*3 {
				t.Fatalf("soak: %d windows, %d requests, %d arrivals at 40/s for 3s: %+v", len(sr.Windows), requests, arrivals, sr)
			}
		})
	}
}
