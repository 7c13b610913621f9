package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"github.com/cartable/cartable/internal/agreement"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/store/storetest"
	"github.com/cartable/cartable/internal/student"
	"github.com/cartable/cartable/internal/transfer"
)

// runCLI runs the command line and returns its exit status, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(Env{Args: args, Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func TestEveryCommandFlagIsDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	var walk func(path string, cmds []*cmd)
	walk = func(path string, cmds []*cmd) {
		for _, c := range cmds {
			name := strings.TrimSpace(path + " " + c.name)
			if !strings.Contains(doc, "`"+c.name) && !strings.Contains(doc, c.name+"`") && !strings.Contains(doc, " "+c.name) {
				t.Errorf("docs/config.md does not mention the command %q", name)
			}
			if c.flags != nil {
				fs := flag.NewFlagSet(name, flag.ContinueOnError)
				c.flags(fs)
				fs.VisitAll(func(f *flag.Flag) {
					if !strings.Contains(doc, "`--"+f.Name+"`") && !strings.Contains(doc, "`--"+f.Name+" ") {
						t.Errorf("docs/config.md does not mention --%s of %q", f.Name, name)
					}
				})
			}
			walk(name, c.subs)
		}
	}
	walk("", commands())
}

// TestCommands runs the maintenance commands against a real data directory, on every
// engine, the way an operator would.
func TestCommands(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			data := t.TempDir()
			db := storetest.DSN(t, e)
			g := []string{"--data", data, "--db", db, "--log-level", "warn", "--argon2-memory", "64", "--argon2-time", "1"}
			cli := func(args ...string) (int, string, string) {
				return runCLI(t, append(append([]string{}, g...), args...)...)
			}

			if code, _, stderr := cli("account", "list"); code == 0 || !strings.Contains(stderr, "cartable migrate") {
				t.Fatalf("unmigrated database: code %d, %s", code, stderr)
			}
			if code, out, stderr := cli("migrate"); code != 0 || !strings.Contains(out, "schema version") {
				t.Fatalf("migrate: %d %s %s", code, out, stderr)
			}
			if code, _, stderr := cli("establishment", "create", "--uai", "0382032D", "--name", "X"); code != 1 || !strings.Contains(stderr, "0382032D") {
				t.Fatalf("bad UAI: %d %s", code, stderr)
			}
			if code, out, stderr := cli("establishment", "create", "--uai", "0382032c", "--name", "Lycée Test", "--transfers", "on", "--json"); code != 0 ||
				!strings.Contains(out, `"uai": "0382032C"`) || !strings.Contains(out, `"transfers_send": true`) {
				t.Fatalf("establishment create: %d %s %s", code, out, stderr)
			}
			code, out, stderr := cli("account", "create", "--login", "Root.Admin", "--role", "platform-admin", "--json")
			if code != 0 {
				t.Fatalf("account create: %d %s", code, stderr)
			}
			var created struct {
				Login         string `json:"login"`
				EnrollmentURL string `json:"enrollment_url"`
			}
			if err := json.Unmarshal([]byte(out), &created); err != nil || created.Login != "root.admin" || !strings.Contains(created.EnrollmentURL, "/enrol/cte_") {
				t.Fatalf("account create --json: %s (%v)", out, err)
			}
			if code, out, _ := cli("account", "create", "--login", "prof", "--role", "teacher", "--uai", "0382032C"); code != 0 || !strings.Contains(out, "/enrol/cte_") || !strings.Contains(out, "█") {
				t.Fatalf("account create (text with QR): %d %s", code, out)
			}
			if code, _, stderr := cli("account", "create", "--login", "x", "--role", "teacher"); code != 2 || !strings.Contains(stderr, "--uai") {
				t.Fatalf("teacher without UAI: %d %s", code, stderr)
			}
			if code, _, stderr := cli("account", "create", "--login", "root.admin", "--role", "platform-admin"); code != 1 || !strings.Contains(stderr, "already taken") {
				t.Fatalf("duplicate login: %d %s", code, stderr)
			}
			code, out, stderr = cli("token", "create", "--login", "root.admin", "--json")
			var tok struct {
				Token string `json:"token"`
			}
			if code != 0 || json.Unmarshal([]byte(out), &tok) != nil || !strings.HasPrefix(tok.Token, "ctp_") {
				t.Fatalf("token create: %d %s %s", code, out, stderr)
			}
			if code, out, _ := cli("account", "list", "--expiring", "30d", "--json"); code != 0 || strings.TrimSpace(out) != "[]" {
				t.Fatalf("nothing expiring yet: %d %s", code, out)
			}
			if code, out, _ := cli("account", "list", "--json"); code != 0 || !strings.Contains(out, `"login": "prof"`) || !strings.Contains(out, `"state": "pending"`) {
				t.Fatalf("account list: %d %s", code, out)
			}
			if code, out, _ := cli("audit", "list", "--json"); code != 0 || !strings.Contains(out, `"account.created"`) || !strings.Contains(out, `"token.created"`) {
				t.Fatalf("audit list: %d %s", code, out)
			}
			if code, out, stderr := cli("keys", "rotate"); code != 0 || !strings.Contains(out, "new primary key") {
				t.Fatalf("keys rotate: %d %s %s", code, out, stderr)
			}
			// The key file is private.
			st, err := os.Stat(filepath.Join(data, "keys.json"))
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v %v", st.Mode(), err)
			}
			if code, _, stderr := cli("nope"); code != 2 || !strings.Contains(stderr, "unknown command") {
				t.Fatalf("unknown command: %d %s", code, stderr)
			}
		})
	}
}

// TestKeyRotation rotates the keys under live secrets: every secret moves to the new
// key, logins keep working, and the old key can then be retired and removed.
func TestKeyRotation(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			data := t.TempDir()
			g := []string{"--data", data, "--db", storetest.DSN(t, e), "--log-level", "warn", "--argon2-memory", "64", "--argon2-time", "1"}
			cli := func(args ...string) (int, string, string) {
				return runCLI(t, append(append([]string{}, g...), args...)...)
			}
			if code, _, stderr := cli("migrate"); code != 0 {
				t.Fatal(stderr)
			}
			app := openTestApp(t, g)
			u := enrolTestUser(t, app, "rot")
			// An OpenID Connect provider's client secret is a secret at rest too.
			if _, err := app.SSO.CreateProvider(context.Background(), authz.OperatorPrincipal(), sso.ProviderInput{Name: "ent", Label: "ENT",
				Kind: sso.KindOIDC, Issuer: "https://ent.example", ClientID: "cartable", ClientSecret: "s3cret"}); err != nil {
				t.Fatal(err)
			}
			oldKey := app.Keys.Ring().Primary()
			app.Close()

			code, out, stderr := cli("keys", "rotate")
			if code != 0 || !strings.Contains(out, "4 secret(s) re-encrypted") {
				t.Fatalf("rotate: %d %s %s", code, out, stderr)
			}
			if code, out, _ := cli("keys", "list"); code != 0 || !strings.Contains(out, oldKey) || !regexpMatch(`(?m)^`+oldKey+`\s.*\s0$`, out) {
				t.Fatalf("keys list after rotation: %s", out)
			}
			app = openTestApp(t, g)
			defer app.Close()
			if app.Keys.Ring().Primary() == oldKey {
				t.Fatal("primary key unchanged")
			}
			loginTestUser(t, app, u)
			if code, _, stderr := cli("keys", "retire", "--id", app.Keys.Ring().Primary()); code == 0 {
				t.Fatal("the primary key was retired")
			} else if !strings.Contains(stderr, "primary") {
				t.Logf("refusal: %s", stderr)
			}
			if code, _, stderr := cli("keys", "retire", "--id", oldKey); code != 0 {
				t.Fatalf("retire: %s", stderr)
			}
			if code, _, stderr := cli("keys", "remove", "--id", oldKey); code != 0 {
				t.Fatalf("remove: %s", stderr)
			}
			app2 := openTestApp(t, g)
			defer app2.Close()
			loginTestUser(t, app2, u)
			if n, err := app2.SSO.ReadableSecrets(context.Background()); err != nil || n != 1 {
				t.Fatalf("client secrets after rotation and removal of the old key: %d %v", n, err)
			}
		})
	}
}

// TestImportCommand checks the import contract: --json keys, a refused file exits
// non-zero with its reason on standard error and changes nothing.
func TestImportCommand(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			dir := t.TempDir()
			g := []string{"--data", dir, "--db", storetest.DSN(t, e), "--log-level", "warn"}
			cli := func(args ...string) (int, string, string) {
				return runCLI(t, append(append([]string{}, g...), args...)...)
			}
			cli("migrate")
			cli("establishment", "create", "--uai", "0691234S", "--name", "A")
			cli("establishment", "create", "--uai", "0381234K", "--name", "B")
			file := filepath.Join(dir, "e.xml")
			if code, _, stderr := runCLI(t, "gen", "siecle", "--uai", "0691234S", "--students", "80", "--left", "10", "--out", file); code != 0 {
				t.Fatal(stderr)
			}
			code, _, stderr := cli("import", "siecle", "--uai", "0381234K", file)
			if code == 0 || !strings.Contains(stderr, "0691234S") || !strings.Contains(stderr, "0381234K") {
				t.Fatalf("file of another establishment: %d %s", code, stderr)
			}
			code, out, stderr := cli("import", "siecle", "--uai", "0691234S", "--dry-run", "--json", file)
			var rep map[string]any
			if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
				t.Fatalf("dry run: %d %s %s", code, out, stderr)
			}
			for _, k := range []string{"created", "updated", "deactivated", "reactivated", "unchanged", "warnings"} {
				if _, ok := rep[k]; !ok {
					t.Errorf("--json lacks %q", k)
				}
			}
			if rep["created"].(float64) != 80 {
				t.Fatalf("dry run created %v", rep["created"])
			}
			code, out, _ = cli("import", "siecle", "--uai", "0691234S", "--json", file)
			if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep["created"].(float64) != 80 {
				t.Fatalf("import: %d %s", code, out)
			}
			if w, ok := rep["warnings"].([]any); !ok || len(w) == 0 {
				t.Fatalf("warnings: %v", rep["warnings"])
			} else if first := w[0].(map[string]any); first["eleve_id"] == nil || first["field"] == nil || first["message"] == nil {
				t.Fatalf("warning shape: %v", first)
			}
			code, out, _ = cli("import", "siecle", "--uai", "0691234S", "--json", file)
			if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep["unchanged"].(float64) != 80 {
				t.Fatalf("re-import: %d %s", code, out)
			}
			os.WriteFile(file, []byte("<BEE_ELEVES><PARAMETRES><UAJ>0691234S</UAJ>"), 0o600)
			code, _, stderr = cli("import", "siecle", "--uai", "0691234S", file)
			if code == 0 || !strings.Contains(stderr, "ligne") {
				t.Fatalf("truncated file: %d %s", code, stderr)
			}
		})
	}
}

// TestDemoSeed builds the demo's data on a fresh database: establishments, students
// from generated files, evaluations, a situation and the enrolment links it prints.
func TestDemoSeed(t *testing.T) {
	g := []string{"--data", t.TempDir(), "--log-level", "warn", "--argon2-memory", "64", "--argon2-time", "1"}
	if code, _, stderr := runCLI(t, append(g, "migrate")...); code != 0 {
		t.Fatal(stderr)
	}
	app := openTestApp(t, g)
	defer app.Close()
	links, err := seedDemo(context.Background(), app)
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 17 || !strings.Contains(links[0].url, "/enrol/cte_") || !strings.HasPrefix(links[0].what, "student") ||
		!strings.Contains(links[1].what, "records from Canuts") {
		t.Fatalf("links: %+v", links)
	}
	ctx := context.Background()
	var students, evals, situations int
	for q, n := range map[string]*int{"SELECT COUNT(*) FROM students": &students, "SELECT COUNT(*) FROM evaluations": &evals,
		"SELECT COUNT(*) FROM situations": &situations} {
		if err := app.DB.QueryRow(ctx, q).Scan(n); err != nil {
			t.Fatal(err)
		}
	}
	// The demo student's class and the classes of the two students who left Canuts for
	// Vercors have two evaluations each; the first took copies of his to Vercors, with
	// his sheet; the second's wait for Canuts's confirmation.
	// 1,400 in the secondary schools, 150 in the engineering school's cohort.
	if students != 1550 || evals != 8 || situations != 3 {
		t.Fatalf("%d students, %d evaluations, %d situations", students, evals, situations)
	}
	d, err := app.Transfers.Dashboard(ctx, authz.OperatorPrincipal(), "0381234K")
	if err != nil {
		t.Fatal(err)
	}
	var moved *transfer.Done
	for i, x := range d.Done {
		if x.Evaluations > 0 {
			moved = &d.Done[i]
		}
	}
	if moved == nil || moved.Evaluations != 2 || moved.Situations != 1 || moved.OtherUAI != "0691234S" || len(d.Pending) == 0 {
		t.Fatalf("Vercors's transfers: %+v", d)
	}
	// Canuts's administrator has a request to confirm: a student Vercors received without
	// an ancienRNE.
	c, err := app.Transfers.Dashboard(ctx, authz.OperatorPrincipal(), "0691234S")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Requests) != 1 {
		t.Fatalf("Canuts's requests: %+v", c.Requests)
	}
	// The demo student has a confirmed address and notices; the visitor gets the privacy
	// notice's link.
	page, err := app.Students.List(ctx, authz.OperatorPrincipal(), "0691234S", student.Filter{Status: student.StatusActive, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := app.Notify.Address(ctx, page.Students[0].AccountID)
	notices, _ := app.Notify.Notices(ctx, page.Students[0].AccountID)
	if err != nil || addr.Email == "" || len(notices) != 2 || !strings.HasSuffix(links[len(links)-1].url, "/privacy") {
		t.Fatalf("demo notices: address %+v, %d notices, last link %+v", addr, len(notices), links[len(links)-1])
	}
	// The secondary schools' year in two semesters, Canuts's classes and services, the
	// demo student's attestation verifiable by anyone (issue 14).
	canuts, err := app.Establishments.ByUAI(ctx, "0691234S")
	if err != nil {
		t.Fatal(err)
	}
	y, err := app.SchoolYear.CurrentYear(ctx, canuts.ID)
	if err != nil || len(y.Periods) != 2 {
		t.Fatalf("Canuts's year: %+v %v", y, err)
	}
	classes, _ := app.SchoolYear.ClassesOf(ctx, canuts.ID, y.ID)
	services, _ := app.SchoolYear.TeachingsOfYear(ctx, canuts.ID, y.ID)
	if len(classes) < 2 || len(services) < 5*len(classes) {
		t.Fatalf("Canuts: %d classes, %d services", len(classes), len(services))
	}
	attestation := ""
	for _, l := range links {
		if i := strings.Index(l.url, "/attestations/"); i >= 0 {
			attestation = l.url[i+len("/attestations/"):]
		}
	}
	if v, err := app.SchoolYear.Verify(ctx, attestation); err != nil || v.Revoked || v.UAI != "0691234S" {
		t.Fatalf("the demo attestation %q: %+v %v", attestation, v, err)
	}
	// The demo student's class has marks and his first period's report card is published.
	me := &authz.Principal{AccountID: page.Students[0].AccountID, Roles: []authz.Membership{{Role: authz.RoleStudent, EstablishmentID: page.Students[0].EstablishmentID, UAI: "0691234S"}}}
	myMarks, err := app.Marks.Mine(ctx, me)
	if err != nil || len(myMarks) != 1 || len(myMarks[0].Periods) < 2 || !myMarks[0].Periods[0].Card || !myMarks[0].Periods[0].HasGeneral || myMarks[0].Periods[1].Card {
		t.Fatalf("demo marks: %+v, %v", myMarks, err)
	}
	// The engineering school's learning agreements are in every state a visitor should see.
	rows, err := app.Agreements.Inbox(ctx, authz.OperatorPrincipal(), "0691999Y", agreement.Filter{})
	if err != nil || len(rows) != 40 {
		t.Fatalf("demo agreements: %d, %v", len(rows), err)
	}
	states := map[agreement.State]int{}
	for _, r := range rows {
		states[r.State]++
	}
	for _, st := range []agreement.State{agreement.Draft, agreement.Submitted, agreement.ToRevise, agreement.Validated, agreement.Transmitted, agreement.Integrated, agreement.Rejected} {
		if states[st] == 0 {
			t.Errorf("demo agreements: none %s (%v)", st, states)
		}
	}
	// Canuts's teacher has two classes, the demo student's (with its grids) among them.
	prof, err := app.Accounts.ByLogin(ctx, authz.OperatorPrincipal(), "prof.canuts")
	if err != nil {
		t.Fatal(err)
	}
	mine, err := app.Students.MyClasses(ctx, &authz.Principal{AccountID: prof.ID, Login: prof.Login, Roles: prof.Roles})
	if err != nil || len(mine) != 2 {
		t.Fatalf("prof.canuts's classes: %+v %v", mine, err)
	}
	// The engineering school: a cohort of 150 in every status, proofs to check, and a
	// student whose proof was refused.
	cohorts, err := app.Highered.Cohorts(ctx, authz.OperatorPrincipal(), demoGraduationUAI)
	if err != nil || len(cohorts) != 1 {
		t.Fatalf("cohorts: %v %v", cohorts, err)
	}
	m, err := app.Graduation.Matrix(ctx, authz.OperatorPrincipal(), demoGraduationUAI, cohorts[0].ID, "")
	if err != nil || len(m.Rows) != 150 || len(m.Rules) != 6 {
		t.Fatalf("matrix: %d rows, %v", len(m.Rows), err)
	}
	for _, st := range []string{"graduable", "on_track", "at_risk", "blocked"} {
		if m.Counts[st] == 0 {
			t.Errorf("no student %s: %v", st, m.Counts)
		}
	}
	if q, err := app.Graduation.Queue(ctx, authz.OperatorPrincipal(), demoGraduationUAI); err != nil || len(q) == 0 {
		t.Fatalf("queue: %d %v", len(q), err)
	}
	if !strings.Contains(links[10].what, "refused") {
		t.Fatalf("graduation student link: %+v", links[10])
	}
}

// TestAccountCommandsRefuseTooLongText: the account and token commands refuse a text
// over its limit with the field named (outside review, issue 8, finding 6).
func TestAccountCommandsRefuseTooLongText(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			g := []string{"--data", t.TempDir(), "--db", storetest.DSN(t, e), "--log-level", "warn", "--argon2-memory", "64", "--argon2-time", "1"}
			cli := func(args ...string) (int, string, string) {
				return runCLI(t, append(append([]string{}, g...), args...)...)
			}
			if code, out, stderr := cli("migrate"); code != 0 {
				t.Fatalf("migrate: %d %s %s", code, out, stderr)
			}
			long := strings.Repeat("é", account.MaxDisplayName+1)
			if code, _, stderr := cli("account", "create", "--login", "nom.long", "--role", "platform-admin", "--name", long); code != 1 || !strings.Contains(stderr, "display_name") {
				t.Errorf("long display name: %d %s", code, stderr)
			}
			if code, _, stderr := cli("account", "list", "--q", strings.Repeat("x", account.MaxQuery+1)); code != 1 || !strings.Contains(stderr, "q: more than") {
				t.Errorf("long search: %d %s", code, stderr)
			}
			if code, _, stderr := cli("account", "create", "--login", "root", "--role", "platform-admin", "--json"); code != 0 {
				t.Fatalf("account create: %d %s", code, stderr)
			}
			if code, _, stderr := cli("token", "create", "--login", "root", "--name", strings.Repeat("t", account.MaxTokenName+1)); code != 1 || !strings.Contains(stderr, "token_name") {
				t.Errorf("long token name: %d %s", code, stderr)
			}
		})
	}
}

// TestSSOCommands declares providers, lets an establishment allow one, sets a policy,
// links and unlinks an account and imports a file of identities, as an operator would.
func TestSSOCommands(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			dir := t.TempDir()
			g := []string{"--data", dir, "--db", storetest.DSN(t, e), "--log-level", "warn", "--argon2-memory", "64", "--argon2-time", "1"}
			cli := func(args ...string) (int, string, string) {
				return runCLI(t, append(append([]string{}, g...), args...)...)
			}
			must := func(want string, args ...string) string {
				t.Helper()
				code, out, stderr := cli(args...)
				if code != 0 || !strings.Contains(out, want) {
					t.Fatalf("%v: %d %q %q", args, code, out, stderr)
				}
				return out
			}
			cli("migrate")
			must("0691234S", "establishment", "create", "--uai", "0691234S", "--name", "A")
			must("academie", "sso", "provider", "add", "--name", "academie", "--label", "Académie", "--kind", "cas", "--cas-url", "https://cas.ac-test.fr/cas")
			secret := filepath.Join(dir, "secret")
			if err := os.WriteFile(secret, []byte("s3cret-value\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			out := must("post-logout redirect URI", "sso", "provider", "add", "--name", "ent", "--kind", "oidc", "--issuer", "https://ent.example",
				"--client-id", "cartable", "--client-secret-file", secret)
			if strings.Contains(out, "s3cret") {
				t.Fatal("the secret is printed")
			}
			if code, _, stderr := cli("sso", "provider", "add", "--name", "ent2", "--kind", "oidc", "--issuer", "http://ent.example", "--client-id", "c", "--client-secret-file", secret); code == 0 || !strings.Contains(stderr, "https") {
				t.Fatalf("http issuer: %d %s", code, stderr)
			}
			must("disabled", "sso", "provider", "disable", "--name", "ent")
			out = must("academie", "sso", "provider", "list")
			if !strings.Contains(out, "ent \"ent\" oidc https://ent.example (client cartable), identity sub, disabled") {
				t.Fatalf("list: %s", out)
			}
			must("0691234S allows academie", "sso", "allow", "--uai", "0691234S", "--provider", "academie")
			must("teacher log in with cartable_only", "sso", "policy", "--uai", "0691234S", "--role", "teacher", "--policy", "cartable_only")
			if code, _, stderr := cli("sso", "policy", "--uai", "0691234S", "--role", "teacher", "--policy", "maybe"); code == 0 || !strings.Contains(stderr, "sso_only") {
				t.Fatalf("bad policy: %d %s", code, stderr)
			}
			must("", "account", "create", "--login", "paul.durand", "--role", "teacher", "--uai", "0691234S", "--no-qr")
			must("paul.durand linked to prof1 at academie", "sso", "link", "--login", "paul.durand", "--provider", "academie", "--external-id", "prof1")
			must("prof1", "sso", "links", "--login", "paul.durand")
			must("no longer linked", "sso", "unlink", "--login", "paul.durand", "--provider", "academie")
			csv := filepath.Join(dir, "links.csv")
			if err := os.WriteFile(csv, []byte("login;external_id\npaul.durand;prof1\nnobody;x\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			out = must("2 line(s), 1 would be linked (dry run), 1 problem(s)", "sso", "import", "--uai", "0691234S", "--provider", "academie", "--dry-run", csv)
			if !strings.Contains(out, "line 3:") {
				t.Fatalf("problems by line: %s", out)
			}
			if out := must("", "sso", "links", "--login", "paul.durand"); strings.Contains(out, "prof1") {
				t.Fatalf("the dry run linked: %s", out)
			}
			must("1 linked", "sso", "import", "--uai", "0691234S", "--provider", "academie", csv)
			must("import", "sso", "links", "--login", "paul.durand")
		})
	}
}
