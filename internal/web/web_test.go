package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// page is a fetched HTML page.
type page struct {
	status int
	body   string
	header http.Header
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (p page) csrf(t testing.TB) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF field in page:\n%s", p.body)
	}
	return m[1]
}

func fetch(t testing.TB, c *http.Client, method, u string, form url.Values, header ...string) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(b), header: resp.Header}
}

func sessionCookie(c *http.Client, base string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "cartable_session" {
			return ck.Value
		}
	}
	return ""
}

// login logs u in through the two web steps and returns the session cookie value.
func login(t testing.TB, s *apptest.Server, c *http.Client, u *apptest.User) string {
	t.Helper()
	p := fetch(t, c, "GET", s.URL+"/login", nil)
	if p.status == http.StatusSeeOther { // already logged in: any page has a CSRF token
		p = fetch(t, c, "GET", s.URL+"/me", nil)
	}
	p = fetch(t, c, "POST", s.URL+"/login", url.Values{"csrf": {p.csrf(t)}, "login": {u.Login}, "password": {u.Password}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("password step: %d", p.status)
	}
	p = fetch(t, c, "GET", s.URL+"/login/code", nil)
	p = fetch(t, c, "POST", s.URL+"/login/code", url.Values{"csrf": {p.csrf(t)}, "code": {u.Code(s)}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("code step: %d\n%s", p.status, p.body)
	}
	return sessionCookie(c, s.URL)
}

func TestLoginPagesAndCSRF(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	u := s.CreateUser("web.user", authz.Membership{Role: authz.RolePlatformAdmin})
	c := s.Browser()

	p := fetch(t, c, "GET", s.URL+"/login", nil)
	if p.status != 200 || !strings.Contains(p.body, `lang="fr"`) || !strings.Contains(p.body, `<label for="login">Identifiant</label>`) {
		t.Fatalf("login page: %d\n%s", p.status, p.body)
	}
	for h, want := range map[string]string{"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"} {
		if got := p.header.Get(h); got != want {
			t.Errorf("%s: %q", h, got)
		}
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}

	// A POST without the CSRF token, with a forged one, or from another origin is refused.
	for name, tc := range map[string]struct {
		form   url.Values
		header []string
	}{
		"no token":     {url.Values{"login": {u.Login}, "password": {u.Password}}, nil},
		"forged token": {url.Values{"csrf": {"AAAA"}, "login": {u.Login}, "password": {u.Password}}, nil},
		"cross origin": {url.Values{"csrf": {p.csrf(t)}, "login": {u.Login}, "password": {u.Password}}, []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}},
	} {
		r := fetch(t, c, "POST", s.URL+"/login", tc.form, tc.header...)
		if r.status != http.StatusForbidden {
			t.Errorf("%s: status %d", name, r.status)
		}
	}

	// Two steps, and a new session id after each.
	first := fetch(t, c, "POST", s.URL+"/login", url.Values{"csrf": {p.csrf(t)}, "login": {u.Login}, "password": {"wrong password"}})
	if first.status != http.StatusSeeOther {
		t.Fatalf("a wrong password must still lead to the code step: %d", first.status)
	}
	p = fetch(t, c, "GET", s.URL+"/login/code", nil)
	p = fetch(t, c, "POST", s.URL+"/login/code", url.Values{"csrf": {p.csrf(t)}, "code": {u.Code(s)}})
	if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Code refusé (ou identifiant ou mot de passe incorrect)") || !strings.Contains(p.body, `id="code"`) {
		t.Fatalf("wrong password revealed after the code, or the code step was left: %d", p.status)
	}
	sess := login(t, s, c, u)
	if sess == "" {
		t.Fatal("no session cookie")
	}
	me := fetch(t, c, "GET", s.URL+"/me", nil)
	if me.status != 200 || !strings.Contains(me.body, `id="me-login">web.user<`) {
		t.Fatalf("/me: %d", me.status)
	}
	again := login(t, s, c, u)
	if again == sess {
		t.Fatal("session id not regenerated at login")
	}
	// English on request.
	fetch(t, c, "GET", s.URL+"/lang/en?back=/me", nil)
	me = fetch(t, c, "GET", s.URL+"/me", nil)
	if !strings.Contains(me.body, `lang="en"`) || !strings.Contains(me.body, "My account") {
		t.Fatal("English not applied")
	}
}

func TestExpiryWarningAndAdminPages(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	admin := s.CreateUser("plat.admin", authz.Membership{Role: authz.RolePlatformAdmin})
	c := s.Browser()
	login(t, s, c, admin)

	// Establishments and an account through the pages.
	p := fetch(t, c, "GET", s.URL+"/admin/establishments", nil)
	r := fetch(t, c, "POST", s.URL+"/admin/establishments", url.Values{"csrf": {p.csrf(t)}, "uai": {"0382032D"}, "name": {"Bad"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "0382032D") {
		t.Fatalf("a wrong UAI must be refused with a message: %d", r.status)
	}
	r = fetch(t, c, "POST", s.URL+"/admin/establishments", url.Values{"csrf": {p.csrf(t)}, "uai": {"0382032C"}, "name": {"Lycée Test"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create establishment: %d %s", r.status, r.body)
	}
	p = fetch(t, c, "GET", s.URL+"/admin/accounts/new", nil)
	r = fetch(t, c, "POST", s.URL+"/admin/accounts", url.Values{"csrf": {p.csrf(t)}, "login": {"eleve.test"}, "display_name": {"Élève Test"},
		"role": {"student"}, "uai": {"0382032C"}})
	if r.status != 200 || !strings.Contains(r.body, `id="enrollment-url"`) {
		t.Fatalf("create account: %d\n%s", r.status, r.body)
	}
	list := fetch(t, c, "GET", s.URL+"/admin/accounts?state=pending", nil)
	m := regexp.MustCompile(`name="id" value="(\d+)"`).FindStringSubmatch(list.body)
	if m == nil {
		t.Fatalf("no pending account to select:\n%s", list.body)
	}
	// Enrolment letters: a PDF with one page per selected pending account.
	req, _ := http.NewRequest("POST", s.URL+"/admin/letters", strings.NewReader(url.Values{"csrf": {list.csrf(t)}, "id": {m[1]}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("letters: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	audit := fetch(t, c, "GET", s.URL+"/admin/audit", nil)
	if !strings.Contains(audit.body, "account.created") || !strings.Contains(audit.body, "account.reissued") {
		t.Fatal("audit page misses events")
	}

	// From 30 days before expiry, "my account" says so.
	acc, err := s.App.Accounts.Me(context.Background(), &authz.Principal{AccountID: admin.ID})
	if err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(acc.ExpiresAt.Sub(s.Clock.Now()) - 10*24*time.Hour - time.Hour)
	login(t, s, c, admin)
	me := fetch(t, c, "GET", s.URL+"/me", nil)
	if !strings.Contains(me.body, "Vos identifiants expirent dans 10 jours.") || !strings.Contains(me.body, "/renew?login=plat.admin") {
		t.Fatalf("no expiry warning:\n%s", me.body)
	}
}

func TestNonAdminCannotReachAdminPages(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	name := "Lycée"
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishmentInput("0691234S", name))
	if err != nil {
		t.Fatal(err)
	}
	teacher := s.CreateUser("prof", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.ID})
	c := s.Browser()
	login(t, s, c, teacher)
	for _, path := range []string{"/admin/accounts", "/admin/audit", "/admin/accounts/1", "/admin/accounts/new"} {
		if p := fetch(t, c, "GET", s.URL+path, nil); p.status != http.StatusForbidden && p.status != http.StatusNotFound {
			t.Errorf("%s: %d", path, p.status)
		}
	}
}

func establishmentInput(uai, name string) establishment.Input {
	return establishment.Input{UAI: uai, Name: &name}
}

// TestCodePageTellsNothingOfTheLogin: the code step is the same page whatever was typed
// as login, since nothing of it is kept (outside review, issue 8, finding 8a): it can
// neither show a password typed there nor tell an existing login from an unknown one.
func TestCodePageTellsNothingOfTheLogin(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	u := s.CreateUser("web.user", authz.Membership{Role: authz.RolePlatformAdmin})
	pages := map[string]string{}
	for name, typed := range map[string]string{"existing": u.Login, "unknown": "Tr0ub4dor&3"} {
		c := s.Browser()
		p := fetch(t, c, "GET", s.URL+"/login", nil)
		p = fetch(t, c, "POST", s.URL+"/login", url.Values{"csrf": {p.csrf(t)}, "login": {typed}, "password": {u.Password}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("%s: password step: %d", name, p.status)
		}
		p = fetch(t, c, "GET", s.URL+"/login/code", nil)
		if p.status != http.StatusOK || strings.Contains(strings.ToLower(p.body), strings.ToLower(typed)) {
			t.Errorf("%s: the code page shows what was typed as login (%d)", name, p.status)
		}
		pages[name] = csrfField.ReplaceAllString(p.body, "")
	}
	if pages["existing"] != pages["unknown"] {
		t.Errorf("the code page differs for an existing and an unknown login:\n%s\n---\n%s", pages["existing"], pages["unknown"])
	}
}

// TestAccountPagesRefuseTooLongText: the account pages refuse a text over its limit
// with the field named (outside review, issue 8, finding 6).
func TestAccountPagesRefuseTooLongText(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	admin := s.CreateUser("plat.admin", authz.Membership{Role: authz.RolePlatformAdmin})
	c := s.Browser()
	login(t, s, c, admin)
	p := fetch(t, c, "GET", s.URL+"/admin/accounts/new", nil)
	p = fetch(t, c, "POST", s.URL+"/admin/accounts", url.Values{"csrf": {p.csrf(t)}, "login": {"nom.long"},
		"display_name": {strings.Repeat("é", account.MaxDisplayName+1)}, "role": {"platform-admin"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Texte trop long\u00a0: Nom affiché, plus de") {
		t.Errorf("long display name: %d", p.status)
	}
	p = fetch(t, c, "GET", s.URL+"/admin/accounts?q="+url.QueryEscape(strings.Repeat("x", account.MaxQuery+1)), nil)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Texte trop long") {
		t.Errorf("long search: %d", p.status)
	}
}

// school creates the Lycée des Canuts (0691234S) with n generated students (seed), as an
// import writes them, and returns it with its active students.
func school(t *testing.T, s *apptest.Server, n int, seed int64) (establishment.Establishment, []student.Student) {
	t.Helper()
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishmentInput("0691234S", "Lycée des Canuts"))
	if err != nil {
		t.Fatal(err)
	}
	var gen bytes.Buffer
	if err := siecle.Generate(&gen, siecle.GenOptions{UAI: e.UAI, Students: n, Seed: seed}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Importer.Siecle(ctx, op, e.UAI, importer.Source{Name: "siecle.xml", R: bytes.NewReader(gen.Bytes()), Size: int64(gen.Len())}, false); err != nil {
		t.Fatal(err)
	}
	page, err := s.App.Students.List(ctx, op, e.UAI, student.Filter{Status: student.StatusActive, Limit: 10000})
	if err != nil || len(page.Students) == 0 {
		t.Fatalf("students: %v", err)
	}
	return e, page.Students
}
