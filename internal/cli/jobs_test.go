package cli

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/store/storetest"
)

// TestJobCommands: students who left A (in January 2025) arrive at B this year; the
// transfer job finds them, the purge deletes what stays at A; --json prints the counts
// the contract names.
func TestJobCommands(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			dir := t.TempDir()
			g := []string{"--data", dir, "--db", storetest.DSN(t, e), "--log-level", "warn"}
			cli := func(args ...string) (int, string, string) {
				return runCLI(t, append(append([]string{}, g...), args...)...)
			}
			must := func(args ...string) string {
				t.Helper()
				code, out, stderr := cli(args...)
				if code != 0 {
					t.Fatalf("%v: %d %s", args, code, stderr)
				}
				return out
			}
			must("migrate")
			must("establishment", "create", "--uai", "0691234S", "--name", "A", "--transfers", "on")
			must("establishment", "create", "--uai", "0381234K", "--name", "B", "--transfers", "on")
			gen := func(name string, args ...string) string {
				f := filepath.Join(dir, name)
				if code, _, stderr := runCLI(t, append([]string{"gen", "siecle", "--out", f}, args...)...); code != 0 {
					t.Fatal(stderr)
				}
				return f
			}
			must("import", "siecle", "--uai", "0691234S", gen("a1.xml", "--uai", "0691234S", "--students", "40", "--left", "0", "--year", "2024"))
			must("import", "siecle", "--uai", "0691234S", gen("a2.xml", "--uai", "0691234S", "--students", "40", "--left", "25", "--year", "2024"))
			must("import", "siecle", "--uai", "0381234K", gen("b.xml", "--uai", "0381234K", "--students", "40", "--seed", "2",
				"--year", strconv.Itoa(time.Now().Year()), "--previous-uai", "0691234S"))

			var counts map[string]int
			out := must("jobs", "run", "transfer", "--json")
			if err := json.Unmarshal([]byte(out), &counts); err != nil {
				t.Fatalf("transfer --json: %v\n%s", err, out)
			}
			for _, k := range []string{"examined", "transferred", "impossible", "diploma_changed", "aged_out"} {
				if _, ok := counts[k]; !ok {
					t.Errorf("transfer --json lacks %q: %s", k, out)
				}
			}
			sum := counts["transferred"] + counts["impossible"] + counts["diploma_changed"] + counts["aged_out"] + counts["waiting"] + counts["no_ine"] +
				counts["to_confirm"] + counts["refused"]
			if counts["examined"] < 40 || counts["transferred"] == 0 || sum != counts["examined"] || counts["errors"] != 0 {
				t.Fatalf("transfer counts: %s", out)
			}
			out = must("jobs", "run", "purge", "--json")
			counts = nil
			if err := json.Unmarshal([]byte(out), &counts); err != nil || counts["purged"] == 0 {
				t.Fatalf("purge --json: %v %s", err, out)
			}
			// A second purge has nothing left to do.
			if out = must("jobs", "run", "purge"); !strings.Contains(out, "purge: ok") || !strings.Contains(out, `"purged":0`) {
				t.Fatalf("second purge: %s", out)
			}
			var runs []map[string]any
			if err := json.Unmarshal([]byte(must("jobs", "list", "--json")), &runs); err != nil || len(runs) != 3 || runs[2]["job"] != "transfer" {
				t.Fatalf("jobs list: %v %v", err, runs)
			}
			if out := must("jobs", "list", "--job", "purge"); strings.Count(out, " purge ") != 2 || strings.Contains(out, " transfer ") {
				t.Fatalf("jobs list --job purge:\n%s", out)
			}
			// Without a job, or with an unknown one, the registered jobs are listed.
			for _, args := range [][]string{{"jobs", "run"}, {"jobs", "run", "nosuch"}} {
				code, _, stderr := cli(args...)
				if code != 2 || !regexpMatch(`(?m)^  transfer +scheduled 02:30 \(Europe/Paris\)$`, stderr) ||
					!regexpMatch(`(?m)^  purge +scheduled sun 03:30 \(Europe/Paris\)$`, stderr) {
					t.Errorf("%q: exit %d\n%s", args, code, stderr)
				}
			}
		})
	}
}
