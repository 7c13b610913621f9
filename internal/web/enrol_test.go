package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/store"
)

// TestEnrolmentPageStaysInItsBrowser: the opening browser sees its credentials again
// (GET after the POST), a second device gets "already opened"; an empty activation form
// names what is missing without counting a failure; the same right code twice answers
// "already active".
func TestEnrolmentPageStaysInItsBrowser(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	acc, enr, err := s.App.Accounts.Create(context.Background(), authz.OperatorPrincipal(),
		account.CreateInput{Login: "eva.roux", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
	if err != nil {
		t.Fatal(err)
	}
	phone, other := s.Browser(), s.Browser()
	landing := fetch(t, phone, "GET", enr.URL, nil)
	opened := fetch(t, phone, "POST", enr.URL, url.Values{"csrf": {landing.csrf(t)}})
	if opened.status != http.StatusSeeOther || opened.header.Get("Location") != "/enrol/"+enr.Token {
		t.Fatalf("opened: %d %q", opened.status, opened.header.Get("Location"))
	}
	again := fetch(t, phone, "GET", enr.URL, nil)
	if again.status != http.StatusOK || !strings.Contains(again.body, `id="otpauth-link" href="otpauth://totp/`) {
		t.Fatalf("the opening browser lost its credentials: %d", again.status)
	}
	if p := fetch(t, other, "GET", enr.URL, nil); p.status != http.StatusGone || strings.Contains(p.body, "otpauth") {
		t.Fatalf("a second device: %d", p.status)
	}
	o := fetch(t, other, "GET", s.URL+"/login", nil)
	if p := fetch(t, other, "POST", enr.URL, url.Values{"csrf": {o.csrf(t)}}); p.status != http.StatusGone {
		t.Fatalf("a second device opening: %d", p.status)
	}

	m := passwordValue.FindStringSubmatch(again.body)
	if m == nil {
		t.Fatal("the password is not filled in the activation form")
	}
	password := html.UnescapeString(m[1])
	_, _, secret, err := credential.ParseOTPAuthURI(otpauthHref(t, again.body))
	if err != nil {
		t.Fatal(err)
	}

	form := url.Values{"csrf": {again.csrf(t)}, "enrol": {enr.Token}, "login": {"eva.roux"}, "password": {password}, "code": {""}}
	p := fetch(t, phone, "POST", s.URL+"/activate", form)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Champs à remplir\u00a0: Code à 6 chiffres.") || !strings.Contains(p.body, `id="otpauth-link"`) {
		t.Fatalf("empty code: %d\n%s", p.status, p.body)
	}
	form.Set("code", credential.TOTPCode(secret, credential.TOTPStep(s.Clock.Now())))
	if p := fetch(t, phone, "POST", s.URL+"/activate", form); p.status != http.StatusOK || !strings.Contains(p.body, `id="go-login"`) {
		t.Fatalf("activate: %d\n%s", p.status, p.body)
	}
	p = fetch(t, phone, "POST", s.URL+"/activate", form)
	if p.status != http.StatusOK || !strings.Contains(p.body, "déjà actif") {
		t.Fatalf("the same code again: %d\n%s", p.status, p.body)
	}
	got, err := s.App.Accounts.Get(context.Background(), authz.OperatorPrincipal(), acc.ID)
	if err != nil || got.FailedCount != 0 || got.Status != account.StatusActive {
		t.Fatalf("after the repeat: %+v %v", got, err)
	}
	// Activated: the page no longer shows the credentials, even to its browser.
	if p := fetch(t, phone, "GET", enr.URL, nil); p.status != http.StatusGone || strings.Contains(p.body, "otpauth") {
		t.Fatalf("after activation: %d", p.status)
	}
}

var (
	passwordValue = regexp.MustCompile(`id="password" name="password" type="password" autocomplete="new-password" required value="([^"]+)"`)
	otpauthLink   = regexp.MustCompile(`id="otpauth-link" href="([^"]+)"`)
)

func otpauthHref(t *testing.T, body string) string {
	t.Helper()
	m := otpauthLink.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no otpauth link")
	}
	return html.UnescapeString(m[1])
}
