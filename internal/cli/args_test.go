package cli

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// TestParseArgs: flags are read wherever they stand among the positional arguments,
// with flag's own syntax; "--" ends them.
func TestParseArgs(t *testing.T) {
	for _, c := range []struct {
		args       []string
		name       string
		dry        bool
		positional []string
		err        string
	}{
		{args: []string{"--name", "N", "F", "--dry-run"}, name: "N", dry: true, positional: []string{"F"}},
		{args: []string{"F", "--name", "N", "G"}, name: "N", positional: []string{"F", "G"}},
		{args: []string{"F", "-name=N", "-dry-run=false"}, name: "N", positional: []string{"F"}},
		{args: []string{"F", "--dry-run", "G", "--name=a=b"}, name: "a=b", dry: true, positional: []string{"F", "G"}},
		// A flag's value is the next argument, whatever it looks like.
		{args: []string{"--name", "--dry-run", "F"}, name: "--dry-run", positional: []string{"F"}},
		{args: []string{"--name", "--", "F", "--dry-run"}, name: "--", dry: true, positional: []string{"F"}},
		// "--" ends the flags; "-" is an argument (standard input).
		{args: []string{"F", "--", "--dry-run", "-x"}, positional: []string{"F", "--dry-run", "-x"}},
		{args: []string{"--dry-run", "--", "F"}, dry: true, positional: []string{"F"}},
		{args: []string{"-", "--dry-run"}, dry: true, positional: []string{"-"}},
		{args: nil, positional: nil},
		{args: []string{"F", "--nope"}, err: "flag provided but not defined: -nope"},
		{args: []string{"F", "--name"}, err: "flag needs an argument: -name"},
		{args: []string{"F", "---name", "x"}, err: "bad flag syntax: ---name"},
	} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		name := fs.String("name", "", "")
		dry := fs.Bool("dry-run", false, "")
		got, err := parseArgs(fs, c.args)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%q: error %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || *name != c.name || *dry != c.dry || !slices.Equal(got, c.positional) {
			t.Errorf("%q: name %q dry %v positional %q err %v; want %q %v %q", c.args, *name, *dry, got, err, c.name, c.dry, c.positional)
		}
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := parseArgs(fs, []string{"F", "-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h after an argument: %v", err)
	}
}

// TestFlagsAfterArguments: every command takes its flags (and the settings) before,
// between or after its positional arguments, as the README writes them.
func TestFlagsAfterArguments(t *testing.T) {
	ref, err := os.ReadFile(filepath.Join("..", "competency", "builtin", "cap-cuisine.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("r.json", ref, 0o600); err != nil {
		t.Fatal(err)
	}
	db := storetest.DSN(t, store.SQLite)
	g := []string{"--data", dir, "--log-level", "warn"}
	for _, args := range [][]string{
		{"--db", db, "migrate"},
		{"--db", db, "establishment", "create", "--uai", "0691234S", "--name", "A"},
		{"gen", "siecle", "--out", "a.xml", "--uai", "0691234S", "--students", "5"},
		{"gen", "nomenclature", "--out", "n.xml"},
	} {
		if code, _, stderr := runCLI(t, append(append([]string{}, g...), args...)...); code != 0 {
			t.Fatalf("%q: %s", args, stderr)
		}
	}
	// A file whose name looks like a flag, to be read after "--".
	if err := os.Link("a.xml", "-a.xml"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string // in stdout
	}{
		{[]string{"import", "siecle", "--uai", "0691234S", "a.xml", "--dry-run"}, "dry run (nothing changed)"},
		{[]string{"import", "siecle", "a.xml", "--uai", "0691234S", "--dry-run", "--json"}, `"dry_run": true`},
		{[]string{"import", "siecle", "--dry-run", "a.xml", "--uai=0691234S", "--db", db}, "dry run (nothing changed)"},
		{[]string{"import", "siecle", "--uai", "0691234S", "--dry-run", "--", "-a.xml"}, "dry run (nothing changed)"},
		{[]string{"import", "nomenclature", "n.xml", "--uai", "0691234S"}, "MEF labels imported"},
		{[]string{"referential", "import", "r.json", "--db", db}, "referential CAP-CUISINE saved"},
		{[]string{"jobs", "run", "transfer", "--json"}, `"examined"`},
		{[]string{"jobs", "run", "--json", "purge"}, `"purged"`},
		{[]string{"account", "list", "--json", "--db", db, "--log-level=warn"}, "[]"},
	} {
		code, out, stderr := runCLI(t, append(append([]string{}, g...), append([]string{"--db", db}, c.args...)...)...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %q in stdout", c.args, code, out, stderr, c.want)
		}
	}
	// "--" makes what follows an argument, even when it names a flag.
	if code, _, stderr := runCLI(t, append(append([]string{}, g...), "--db", db, "import", "siecle", "--uai", "0691234S", "a.xml", "--", "--dry-run")...); code != 2 ||
		!strings.Contains(stderr, "one FILE") {
		t.Errorf("an argument after --: exit %d, %s", code, stderr)
	}
}
