package web_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdp "github.com/chromedp/chromedp"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/qr"
	"github.com/cartable/cartable/internal/store"
)

var screenshots = flag.String("screenshots", "", "directory where the browser test saves page screenshots (for the docs)")

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if *screenshots == "" {
		return
	}
	png, err := cdp.Run(ctx, cdp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*screenshots, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// get runs an action that returns a value, failing the test on error.
func get[T any](t *testing.T, ctx context.Context, a cdp.Action[T]) T {
	t.Helper()
	v, err := cdp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBrowserEnrolmentToLogout walks a new user through the pages in Chromium: open the
// enrolment link, read the TOTP secret from the QR code *image* as a phone would, activate,
// log in with password then code, log out.
func TestBrowserEnrolmentToLogout(t *testing.T) {
	ctx := apptest.Browser(t)
	s := apptest.Start(t, store.SQLite)
	_, enr, err := s.App.Accounts.Create(context.Background(), authz.OperatorPrincipal(),
		account.CreateInput{Login: "zoe.lefevre", DisplayName: "Zoé Lefèvre", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
	if err != nil {
		t.Fatal(err)
	}
	do := func(steps ...cdp.Action[cdp.Void]) {
		t.Helper()
		if err := cdp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}

	do(cdp.Navigate(s.URL+"/login"), cdp.WaitVisible(cdp.ID("login")))
	if lang := get(t, ctx, cdp.AttributeValue(cdp.CSS("html"), "lang")); lang.Value != "fr" {
		t.Errorf("default language %q", lang.Value)
	}
	shot(t, ctx, "screenshot-login")

	do(cdp.Navigate(enr.URL), cdp.WaitVisible(cdp.ID("reveal")), cdp.Click(cdp.ID("reveal")), cdp.WaitVisible(cdp.ID("totp-qr")))
	// On a phone the codes show at their own pixel size: shrunk to fit, they lose rows
	// of pixels and readers miss them.
	for _, id := range []string{"totp-qr", "password-qr"} {
		if ok := get(t, ctx, cdp.Evaluate[bool](`(() => { const i = document.getElementById("`+id+`"); return i.naturalWidth === i.clientWidth })()`)); !ok {
			t.Errorf("%s is scaled on a phone-sized screen", id)
		}
	}
	totpPNG := get(t, ctx, cdp.Screenshot(cdp.ID("totp-qr")))
	passwordPNG := get(t, ctx, cdp.Screenshot(cdp.ID("password-qr")))
	// The password is also available as text, behind a "show" control.
	do(cdp.Click(cdp.CSS("details summary")), cdp.WaitVisible(cdp.ID("password-text")))
	passwordText := get(t, ctx, cdp.Text(cdp.ID("password-text")))
	shot(t, ctx, "screenshot-credentials")

	uri, err := qr.DecodePNG(totpPNG)
	if err != nil {
		t.Fatalf("decode the TOTP QR image: %v", err)
	}
	issuer, login, secret, err := credential.ParseOTPAuthURI(uri)
	if err != nil || issuer != "cartable" || login != "zoe.lefevre" {
		t.Fatalf("otpauth %q: %v", uri, err)
	}
	password, err := qr.DecodePNG(passwordPNG)
	if err != nil || password != strings.TrimSpace(passwordText) || len(password) != 24 {
		t.Fatalf("password QR %q vs text %q (%v)", password, passwordText, err)
	}
	code := func() string { return credential.TOTPCode(secret, credential.TOTPStep(s.Clock.Now())) }

	do(cdp.SendKeys(cdp.ID("password"), password), cdp.SendKeys(cdp.ID("code"), code()),
		cdp.Click(cdp.ID("activate")), cdp.WaitVisible(cdp.ID("go-login")))
	if info := get(t, ctx, cdp.Text(cdp.CSS(".info"))); !strings.Contains(info, "zoe.lefevre") {
		t.Fatalf("activation page says %q", info)
	}
	s.Clock.Advance(30 * time.Second) // the activation burned the current code

	do(cdp.Click(cdp.ID("go-login")), cdp.WaitVisible(cdp.ID("login")),
		cdp.SendKeys(cdp.ID("login"), "Zoe.Lefevre"), cdp.SendKeys(cdp.ID("password"), password),
		cdp.Submit(cdp.ID("password")), cdp.WaitVisible(cdp.ID("code")),
		cdp.SendKeys(cdp.ID("code"), code()), cdp.Submit(cdp.ID("code")), cdp.WaitVisible(cdp.ID("me-login")))
	if me := get(t, ctx, cdp.Text(cdp.ID("me-login"))); me != "zoe.lefevre" {
		t.Fatalf("my account shows %q", me)
	}
	shot(t, ctx, "screenshot-me")

	do(cdp.Click(cdp.CSS("button.link")), cdp.WaitVisible(cdp.ID("login")))
	if url := get(t, ctx, cdp.Location()); !strings.HasSuffix(url, "/login") {
		t.Fatalf("after logout: %s", url)
	}
	// Logged out for real: /me sends back to the login page.
	do(cdp.Navigate(s.URL+"/me"), cdp.WaitVisible(cdp.ID("login")))
	if url := get(t, ctx, cdp.Location()); !strings.Contains(url, "/login?next=") {
		t.Fatalf("/me after logout: %s", url)
	}
}
