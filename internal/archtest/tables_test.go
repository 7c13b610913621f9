package archtest

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// owners gives every table of the schema (internal/store/migrations) the one package
// that writes it and reads it: the others call that package, inside the transaction
// the context carries. docs/architecture.md ("Table owners") lists the same.
var owners = map[string]string{
	"schema_migrations":           "store",
	"platform_secrets":            "secret",
	"audit_events":                "audit",
	"job_runs":                    "jobs",
	"job_leases":                  "jobs",
	"establishments":              "establishment",
	"accounts":                    "account",
	"memberships":                 "account",
	"enrollments":                 "account",
	"recovery_codes":              "account",
	"sessions":                    "account",
	"sso_providers":               "sso",
	"sso_establishment_providers": "sso",
	"sso_policies":                "sso",
	"sso_links":                   "sso",
	"sso_flows":                   "sso",
	"sso_sessions":                "sso",
	"notify_notices":              "notify",
	"notify_addresses":            "notify",
	"notify_outbox":               "notify",
	"students":                    "student",
	"deactivated_students":        "student",
	"establishment_mefs":          "student",
	"class_teachers":              "student",
	"imports":                     "importer",
	"referentials":                "competency",
	"competencies":                "competency",
	"referential_mefs":            "competency",
	"evaluations":                 "competency",
	"evaluation_results":          "competency",
	"evaluation_comments":         "competency",
	"situations":                  "passport",
	"attachments":                 "passport",
	"transfers":                   "transfer",
	"transfer_states":             "transfer",
	"transfer_decisions":          "transfer",
	"programmes":                  "highered",
	"cohorts":                     "highered",
	"cohort_students":             "highered",
	"registrar_mappings":          "highered",
	"graduation_rules":            "graduation",
	"graduation_items":            "graduation",
	"graduation_item_events":      "graduation",
	"graduation_summaries":        "graduation",
	"graduation_reminders":        "graduation",
	"graduation_cohort_reports":   "graduation",
	"graduation_minutes":          "graduation",
	"school_years":                "schoolyear",
	"school_periods":              "schoolyear",
	"school_classes":              "schoolyear",
	"school_enrolments":           "schoolyear",
	"school_services":             "schoolyear",
	"school_attestations":         "schoolyear",
	"mark_assessments":            "marks",
	"marks":                       "marks",
	"mark_appreciations":          "marks",
	"mark_opinions":               "marks",
	"mark_class_periods":          "marks",
	"report_card_issues":          "marks",
	"agreement_settings":          "agreement",
	"agreement_units":             "agreement",
	"agreement_enrolments":        "agreement",
	"agreements":                  "agreement",
	"agreement_versions":          "agreement",
	"agreement_version_units":     "agreement",
	"agreement_events":            "agreement",
	"agreement_comments":          "agreement",
	"agreement_reminders":         "agreement",
}

// foreignReads are the only places where a package's SQL names a table it does not
// own, each read-only and with its reason. A write to another package's table is never
// allowed.
var foreignReads = map[[2]string]string{
	{"account", "establishments"}: "a principal's memberships carry their establishment's UAI, read with them in one query on every request; " +
		"account and establishment are of one layer and neither calls the other",
}

// schemaTables returns the tables the migrations leave: created, minus dropped, with
// renames followed; and those of their names that are also names of columns.
func schemaTables(t *testing.T) ([]string, map[string]bool) {
	t.Helper()
	files, err := filepath.Glob("../store/migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	sort.Strings(files)
	create := regexp.MustCompile(`(?i)\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)`)
	drop := regexp.MustCompile(`(?i)\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\w+)`)
	rename := regexp.MustCompile(`(?i)\bALTER\s+TABLE\s+(\w+)\s+RENAME\s+TO\s+(\w+)`)
	live := map[string]bool{"schema_migrations": true} // created by the migration runner
	column := regexp.MustCompile(`(?im)^\s*(\w+)\s+(BIGINT|INTEGER|TEXT|BOOLEAN|BLOB|BYTEA|\{\{)|\bADD\s+COLUMN\s+(\w+)`)
	columns := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// statements in order, so that a table created, dropped and renamed ends right
		for _, m := range column.FindAllStringSubmatch(string(b), -1) {
			columns[strings.ToLower(m[1]+m[3])] = true
		}
		for _, stmt := range strings.Split(string(b), ";") {
			if m := create.FindStringSubmatch(stmt); m != nil {
				live[strings.ToLower(m[1])] = true
			}
			if m := drop.FindStringSubmatch(stmt); m != nil {
				delete(live, strings.ToLower(m[1]))
			}
			if m := rename.FindStringSubmatch(stmt); m != nil {
				delete(live, strings.ToLower(m[1]))
				live[strings.ToLower(m[2])] = true
			}
		}
	}
	var out []string
	for k := range live {
		out = append(out, k)
	}
	sort.Strings(out)
	both := map[string]bool{}
	for _, tb := range out {
		if columns[tb] {
			both[tb] = true
		}
	}
	return out, both
}

// goPackages returns the directories of the module's Go packages, by their name
// relative to internal/ (cmd/… keep their prefix).
func goPackages(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, root := range []string{"..", "../../cmd"} {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != root {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") {
				return nil
			}
			dir := filepath.Dir(p)
			rel, _ := filepath.Rel("..", dir)
			out[filepath.ToSlash(rel)] = dir
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestEveryTableHasAnOwner: the owners list and the schema agree, and every owner is
// a package.
func TestEveryTableHasAnOwner(t *testing.T) {
	pkgs := goPackages(t)
	tables, _ := schemaTables(t)
	for _, tb := range tables {
		if owners[tb] == "" {
			t.Errorf("table %s has no owner: add it to owners (archtest) and to docs/architecture.md", tb)
		}
	}
	for tb, p := range owners {
		if !contains(tables, tb) {
			t.Errorf("owners names %s, which no migration leaves", tb)
		}
		if _, ok := pkgs[p]; !ok {
			t.Errorf("table %s: owner %s is not a package", tb, p)
		}
	}
}

// TestTablesOwned: a package's SQL names only its own tables (reads listed in
// foreignReads aside).
func TestTablesOwned(t *testing.T) {
	tables, columns := schemaTables(t)
	pkgs := goPackages(t)
	var names []string
	for n := range pkgs {
		names = append(names, n)
	}
	sort.Strings(names)
	used := map[[2]string]bool{}
	for _, name := range names {
		found, err := scanPackage(pkgs[name], tables, columns)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range found.uses {
			owner := owners[u.table]
			if owner == name {
				continue
			}
			key := [2]string{name, u.table}
			if _, ok := foreignReads[key]; ok && !u.write {
				used[key] = true
				continue
			}
			what := "reads"
			if u.write {
				what = "writes"
			}
			t.Errorf("%s:%d: package %s %s table %s, owned by %s: call %s instead\n\t%s",
				rel(u.pos.Filename), u.pos.Line, name, what, u.table, owner, owner, u.text)
		}
	}
	for key := range foreignReads {
		if !used[key] {
			t.Errorf("foreignReads lists %s reading %s, which it no longer does: remove the exception", key[0], key[1])
		}
	}
}

func rel(p string) string {
	if r, err := filepath.Rel("../..", p); err == nil {
		return filepath.ToSlash(r)
	}
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestScannerFindsTables: the scanner finds the tables of every way of writing SQL in
// testdata/sqlsample, tells writes from reads, and takes neither prose, routes, keys
// nor columns named like tables for SQL.
func TestScannerFindsTables(t *testing.T) {
	tables, columns := schemaTables(t)
	found, err := scanPackage("testdata/sqlsample", tables, columns)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, u := range found.uses {
		what := "reads"
		if u.write {
			what = "writes"
		}
		if got[u.table] != "writes" {
			got[u.table] = what
		}
	}
	want := map[string]string{
		"students": "writes", "accounts": "writes", "audit_events": "writes", "deactivated_students": "writes",
		"attachments": "writes", "competencies": "writes", "evaluation_comments": "writes", "transfer_states": "writes",
		"enrollments": "writes", "evaluations": "reads", "situations": "reads", "imports": "reads", "sessions": "writes",
		"memberships": "writes", "recovery_codes": "writes", "evaluation_results": "writes", "referentials": "writes",
		"transfers": "reads", "job_runs": "reads", "establishment_mefs": "writes", "platform_secrets": "reads", "job_leases": "writes",
	}
	for tb, w := range want {
		if got[tb] != w {
			t.Errorf("%s: %q, want %q", tb, got[tb], w)
		}
	}
	for tb, w := range got {
		if want[tb] == "" {
			t.Errorf("%s: %q, want nothing", tb, w)
		}
	}
}
