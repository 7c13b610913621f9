package blob

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Migrate copies a local store into every back end, skips and reports a damaged source
// file, and is re-runnable: a second run sends nothing, a damaged copy is replaced.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	eachStore(t, func(t *testing.T, to *testStore) {
		from, dir := newStore(t)
		var sums []string
		for i := range 3 {
			sum, _, err := from.Put(ctx, bytes.NewReader(content(byte(i), 50_000+i)), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			sums = append(sums, sum)
		}
		// Not content: skipped.
		if err := os.WriteFile(filepath.Join(dir, "tmp", "put-123"), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "README"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		bad := sums[2]
		p := filepath.Join(dir, bad[:2], bad[2:4], bad)
		if err := os.WriteFile(p, []byte("damaged on disk"), 0o600); err != nil {
			t.Fatal(err)
		}
		good := slices.Sorted(slices.Values(sums[:2]))

		var calls int
		rep, err := Migrate(ctx, from, to, func(MigrateReport) { calls++ })
		if err != nil {
			t.Fatal(err)
		}
		if rep.Copied != 2 || rep.Present != 0 || len(rep.Failed) != 1 || calls != 3 {
			t.Fatalf("first run: %+v, %d progress calls", rep, calls)
		}
		if f := rep.Failed[0]; f.Sum != bad || !errors.Is(f.Err, ErrCorrupt) {
			t.Fatalf("failure %s: %v; want %s, ErrCorrupt", f.Sum, f.Err, bad)
		}
		if got := to.files(t); !slices.Equal(got, good) {
			t.Fatalf("destination holds %v, want %v", got, good)
		}
		for i, sum := range sums[:2] {
			if got, err := readAll(t, to, sum); err != nil || !bytes.Equal(got, content(byte(i), 50_000+i)) {
				t.Fatalf("copy of %s: %d bytes, %v", sum, len(got), err)
			}
		}

		rep, err = Migrate(ctx, from, to, nil)
		if err != nil || rep.Copied != 0 || rep.Present != 2 || len(rep.Failed) != 1 {
			t.Fatalf("second run: %+v, %v", rep, err)
		}

		to.damage(t, sums[0], func(b []byte) []byte { b[0] ^= 1; return b })
		rep, err = Migrate(ctx, from, to, nil)
		if err != nil || rep.Copied != 1 || rep.Present != 1 || len(rep.Failed) != 1 {
			t.Fatalf("run after damage: %+v, %v", rep, err)
		}
		if got, err := readAll(t, to, sums[0]); err != nil || !bytes.Equal(got, content(0, 50_000)) {
			t.Fatalf("repaired copy: %d bytes, %v", len(got), err)
		}
		if got := to.files(t); !slices.Equal(got, good) {
			t.Fatalf("destination holds %v, want %v", got, good)
		}

		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := Migrate(cancelled, from, to, nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled run: %v", err)
		}
	})
}
