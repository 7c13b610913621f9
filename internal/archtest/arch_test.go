// Package archtest holds the rules of docs/architecture.md: the layers packages belong
// to and which way they may import (this file), and the one owner of every table
// (tables_test.go).
package archtest

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const mod = "github.com/cartable/cartable/internal/"

// layers ranks the packages, lowest first: a package imports only packages of a lower
// layer (and apperr, which any package may use), never one of its own layer or above,
// save the exceptions below. A new package declares its layer here, and gets the
// layer's rule; a package missing from this table fails TestEveryPackageHasALayer.
var layers = []struct {
	name string
	pkgs []string
}{
	// Pure code: errors, the Paris calendar, roles, formats, crypto, messages.
	{"base", []string{"apperr", "calendar"}},
	{"leaf", []string{"authz", "cas", "config", "credential", "i18n", "keyring", "qr", "siecle"}},
	// The database, the file store, the PDF toolkit: no domain, no audit.
	{"foundation", []string{"store", "blob", "pdfdoc"}},
	// Services and documents every feature uses and that know no feature.
	{"infrastructure", []string{"audit", "secret", "jobs", "letter", "privacy", "backup"}},
	{"http", []string{"httpx"}},
	// Features, from who is where (establishments, accounts) to what crosses them.
	{"tenancy", []string{"establishment", "account"}},
	// Who a person is elsewhere (identity providers and the links to accounts) and how
	// to reach him (notices, his e-mail address).
	{"identity", []string{"sso", "notify"}},
	{"students", []string{"student"}},
	{"records", []string{"competency", "competency/builtin", "importer", "passport", "highered"}},
	// The school year of secondary schools: years, periods, classes, enrolments, services.
	{"schoolyear", []string{"schoolyear"}},
	// Higher education's graduation tracker and learning agreements, over programmes and
	// cohorts (highered); neither imports the other.
	{"graduation", []string{"graduation", "agreement"}},
	// Marks, averages, class councils and report cards, over the school year's services.
	{"marks", []string{"marks"}},
	{"crossing", []string{"transfer"}},
	// The bundle of services built once; the transports that receive it; the tooling
	// that measures them; the command line, which assembles and runs everything.
	{"assembly", []string{"app"}},
	{"transport", []string{"api", "web", "fn"}},
	{"tooling", []string{"bench"}},
	{"top", []string{"cli"}},
}

// sideways are the imports allowed within a layer, each with its reason.
var sideways = map[[2]string]string{
	{"competency/builtin", "competency"}: "the builtin referentials are competency data, parsed by competency",
	{"passport", "competency"}:           "the passport shows a student's competency results and checks a situation's competencies against the referential",
}

// never are imports no layer allows: the transports reach the database only through
// the services.
var never = map[string][]string{
	"api": {"store"},
	"web": {"store"},
	"fn":  {"store"},
}

// planned are packages of the table that other work is adding; they may be missing.
var planned = map[string]bool{"app": true, "i18n": true, "pdfdoc": true}

// support are the packages outside the rule: tests' helpers and data.
var support = map[string]bool{"apptest": true, "archtest": true, "isolation": true, "store/storetest": true, "ssotest": true, "mailtest": true, "s3test": true, "pdfdoc/pdftest": true, "childproc": true}

// allowedEverywhere are leaves any package may use.
var allowedEverywhere = map[string]bool{"apperr": true}

func rankOf() map[string]int {
	rank := map[string]int{}
	for i, l := range layers {
		for _, p := range l.pkgs {
			rank[p] = i
		}
	}
	return rank
}

// imports lists, for each package of ours, the packages of ours it imports directly.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-f", `{{.ImportPath}} {{join .Imports " "}}`, mod+"...")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		name := strings.TrimPrefix(f[0], mod)
		deps[name] = []string{}
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, mod) {
				deps[name] = append(deps[name], strings.TrimPrefix(imp, mod))
			}
		}
	}
	return deps
}

// TestEveryPackageHasALayer: a new package must say where it stands.
func TestEveryPackageHasALayer(t *testing.T) {
	rank := rankOf()
	deps := imports(t)
	for p := range deps {
		if _, ok := rank[p]; !ok && !support[p] {
			t.Errorf("package %s has no layer: add it to layers (archtest) and to docs/architecture.md", p)
		}
	}
	for p := range rank {
		if _, ok := deps[p]; !ok && !planned[p] {
			t.Errorf("layers names %s, which is not a package", p)
		}
	}
	for pair := range sideways {
		if rank[pair[0]] != rank[pair[1]] {
			t.Errorf("sideways %s → %s: not one layer, the exception is not needed", pair[0], pair[1])
		}
	}
}

// TestDependencyRule: every import points to a lower layer.
func TestDependencyRule(t *testing.T) {
	rank := rankOf()
	deps := imports(t)
	var names []string
	for p := range deps {
		names = append(names, p)
	}
	sort.Strings(names)
	used := map[[2]string]bool{}
	for _, p := range names {
		from, ok := rank[p]
		if !ok {
			continue // support packages, or reported by TestEveryPackageHasALayer
		}
		for _, d := range deps[p] {
			for _, n := range never[p] {
				if d == n {
					t.Errorf("%s imports %s: the transports reach the database through the services", p, d)
				}
			}
			if allowedEverywhere[d] && p != d {
				continue
			}
			to, ok := rank[d]
			switch {
			case !ok:
				t.Errorf("%s imports %s, which is a test helper or has no layer", p, d)
			case to < from:
			case to == from && sideways[[2]string{p, d}] != "":
				used[[2]string{p, d}] = true
			case to == from:
				t.Errorf("%s imports %s, of its own layer (%s): not allowed (docs/architecture.md)", p, d, layers[from].name)
			default:
				t.Errorf("%s (%s) imports %s (%s), of a higher layer (docs/architecture.md)", p, layers[from].name, d, layers[to].name)
			}
		}
	}
	for pair := range sideways {
		if !used[pair] && rank[pair[0]] == rank[pair[1]] {
			t.Errorf("sideways %s → %s is no longer used: remove the exception", pair[0], pair[1])
		}
	}
}
