package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store/storetest"
	"github.com/cartable/cartable/internal/student"
)

// TestImportKilledAtRandomPoints: `cartable import siecle` (the real binary) gets
// SIGKILL at random points of an import, three times, then runs to the end; for a
// first import and for a re-import that updates, adds and deactivates students. After
// each kill the establishment holds the state before the import or the state after
// it, never a mix; after the re-run it holds exactly what a clean import gives (the
// same files, imported without kills into a control establishment): nothing lost,
// nothing duplicated, each import recorded once.
func TestImportKilledAtRandomPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills imports")
	}
	bin := buildBinary(t)
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			g := []string{"--data", filepath.Join(dir, "data"), "--db", storetest.DSN(t, e), "--log-level", "warn"}
			must := func(args ...string) {
				t.Helper()
				if code, _, stderr := runCLI(t, append(append([]string{}, g...), args...)...); code != 0 {
					t.Fatalf("%v: %d %s", args, code, stderr)
				}
			}
			const killed, control = "0691234S", "0381234K"
			must("migrate")
			must("establishment", "create", "--uai", killed, "--name", "A")
			must("establishment", "create", "--uai", control, "--name", "B")
			// Two exports of the same people for each establishment: the second has more
			// students, and a third of them have left.
			file := func(uai string, phase, students, left int) string {
				f := filepath.Join(dir, fmt.Sprintf("%s-%d.xml", uai, phase))
				if code, _, stderr := runCLI(t, "gen", "siecle", "--uai", uai, "--students", fmt.Sprint(students), "--left", fmt.Sprint(left), "--seed", "7", "--out", f); code != 0 {
					t.Fatal(stderr)
				}
				return f
			}
			app := openTestApp(t, g)
			defer app.Close()
			op := authz.OperatorPrincipal()
			type state struct{ total, active, deactivated, imports, created int }
			stateOf := func(uai string) state {
				t.Helper()
				var s state
				for _, st := range []string{"", "active", "deactivated"} {
					page, err := app.Students.List(ctx, op, uai, student.Filter{Status: st, Limit: 1})
					if err != nil {
						t.Fatal(err)
					}
					switch st {
					case "":
						s.total = page.Total
					case "active":
						s.active = page.Total
					default:
						s.deactivated = page.Total
					}
				}
				hist, err := app.Importer.History(ctx, op, uai, 100)
				if err != nil {
					t.Fatal(err)
				}
				s.imports = len(hist)
				for _, h := range hist {
					s.created += h.Created
				}
				return s
			}
			run := func(uai, f string) *exec.Cmd {
				cmd := exec.Command(bin, append(append([]string{}, g...), "import", "siecle", "--uai", uai, f)...)
				cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
				return cmd
			}
			for phase, p := range []struct{ students, left int }{{1500, 0}, {2000, 30}} {
				// The control import, timed: the kills fall within its duration.
				t0 := time.Now()
				if out, err := run(control, file(control, phase, p.students, p.left)).CombinedOutput(); err != nil {
					t.Fatalf("control import: %v %s", err, out)
				}
				d := time.Since(t0)
				want := stateOf(control)
				before := stateOf(killed)
				f := file(killed, phase, p.students, p.left)
				for i := range 3 {
					cmd := run(killed, f)
					if err := cmd.Start(); err != nil {
						t.Fatal(err)
					}
					at := time.Duration(float64(d) * (0.2 + 0.75*rand.Float64()))
					time.Sleep(at)
					_ = cmd.Process.Signal(syscall.SIGKILL)
					err := cmd.Wait()
					// A run may also end before its kill: the import is then committed, and
					// the next runs re-import the same file (one more history entry each,
					// nothing created).
					got := stateOf(killed)
					same := func(a, b state) bool { a.imports, b.imports = 0, 0; return a == b }
					if !same(got, before) && !same(got, want) {
						t.Fatalf("phase %d, kill %d at %v (%v): %+v; want the state before (%+v) or after (%+v)", phase, i+1, at, err, got, before, want)
					}
					t.Logf("phase %d, kill %d at %v of %v: %v, import %s", phase, i+1, at.Round(time.Millisecond), d.Round(time.Millisecond), err,
						map[bool]string{true: "rolled back", false: "committed"}[same(got, before)])
				}
				if out, err := run(killed, f).CombinedOutput(); err != nil {
					t.Fatalf("re-run: %v %s", err, out)
				}
				if got := stateOf(killed); got.total != want.total || got.active != want.active || got.deactivated != want.deactivated ||
					got.created != want.created || got.imports < want.imports {
					t.Fatalf("phase %d after the re-run: %+v, want %+v", phase, got, want)
				}
			}
		})
	}
}
