// Package archtest holds the dependency rule of docs/architecture.md.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/cartable/cartable/internal/"

// forbidden lists, for each package, the packages of ours it must not import (directly
// or not). Pure format and crypto packages import nothing of ours; feature packages
// never reach the transports or the command line.
var forbidden = map[string][]string{
	"siecle":        {"*"},
	"keyring":       {"*"},
	"credential":    {"*"},
	"qr":            {"*"},
	"apperr":        {"*"},
	"config":        {"*"},
	"calendar":      {"*"},
	"authz":         {"*"},
	"cas":           {"*"},
	"store":         {"account", "establishment", "audit", "web", "api", "cli", "httpx"},
	"audit":         {"account", "establishment", "web", "api", "cli", "httpx"},
	"account":       {"web", "api", "cli", "httpx", "establishment"},
	"establishment": {"web", "api", "cli", "httpx"},
	"letter":        {"store", "account", "web", "api", "cli"},
	"httpx":         {"web", "api", "cli", "account", "establishment"},
	"blob":          {"*"},
	"jobs":          {"account", "establishment", "audit", "web", "api", "cli", "httpx", "transfer"},
	"secret":        {"account", "establishment", "audit", "web", "api", "cli", "httpx"},
	"student":       {"web", "api", "cli", "httpx", "importer", "competency", "passport", "transfer"},
	"importer":      {"web", "api", "cli", "httpx", "competency", "passport", "transfer"},
	"competency":    {"web", "api", "cli", "httpx", "importer", "passport", "transfer"},
	"passport":      {"web", "api", "cli", "httpx", "importer", "transfer"},
	"transfer":      {"web", "api", "cli", "httpx", "importer", "passport", "jobs"},
	"sso":           {"web", "api", "cli", "httpx", "establishment", "student", "importer", "competency", "passport", "transfer"},
	"api":           {"web", "cli"},
	"web":           {"api", "cli"},
}

// support are the packages outside the rule: the command line wires everything, and
// the others are tests' helpers and data.
var support = map[string]bool{"cli": true, "apptest": true, "archtest": true, "isolation": true, "store/storetest": true, "competency/builtin": true, "ssotest": true}

// TestEveryPackageHasARule: a new package must say what it may not import.
func TestEveryPackageHasARule(t *testing.T) {
	out, err := exec.Command("go", "list", mod+"...").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		name := strings.TrimPrefix(p, mod)
		if _, ok := forbidden[name]; !ok && !support[name] {
			t.Errorf("package %s has no entry in forbidden (archtest) nor in docs/architecture.md's rule", name)
		}
	}
}

// allowedEverywhere are leaves any package may use.
var allowedEverywhere = map[string]bool{"apperr": true}

func TestDependencyRule(t *testing.T) {
	for pkg, bans := range forbidden {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", mod+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if !strings.HasPrefix(dep, mod) {
				continue
			}
			name := strings.TrimPrefix(dep, mod)
			if name == pkg || allowedEverywhere[name] && pkg != "apperr" {
				continue
			}
			for _, ban := range bans {
				if ban == "*" || name == ban || strings.HasPrefix(name, ban+"/") {
					t.Errorf("%s imports %s (forbidden by docs/architecture.md)", pkg, name)
				}
			}
		}
	}
}
