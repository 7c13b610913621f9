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

// TestBrowserEnrolmentToLogout walks a new user through the pages in Chromium, on a
// phone-sized screen (390×844) and without decoding any QR code, as a student with only a
// phone would: open the enrolment link, take the key from the "add to my authenticator"
// link (otpauth://), find the password already filled in, reload (nothing lost), type a
// wrong code (the credentials stay), then the right one; log in with a wrong code then the
// right one (the second step stays), log out.
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

	do(cdp.Navigate(enr.URL), cdp.WaitVisible(cdp.ID("reveal")), cdp.Click(cdp.ID("reveal")), cdp.WaitVisible(cdp.ID("otpauth-link")))
	if url := get(t, ctx, cdp.Location()); url != enr.URL {
		t.Errorf("after opening, the page is %s, not the link itself (a reload would post again)", url)
	}
	// On a phone the codes show at their own pixel size: shrunk to fit, they lose rows
	// of pixels and readers miss them.
	if ok := get(t, ctx, cdp.Evaluate[bool](`(() => { const i = document.getElementById("totp-qr"); return i.naturalWidth === i.clientWidth })()`)); !ok {
		t.Errorf("the TOTP QR code is scaled on a phone-sized screen")
	}
	// The page fits the phone's width: no horizontal scroll.
	if w := get(t, ctx, cdp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`)); w > 0 {
		t.Errorf("the credentials page scrolls sideways by %d px on a phone", w)
	}
	// The copy buttons appear with script (progressive enhancement).
	if n := get(t, ctx, cdp.Evaluate[int](`[...document.querySelectorAll("button[data-copy]")].filter(b => !b.hidden).length`)); n != 2 {
		t.Errorf("%d copy buttons shown, want 2", n)
	}
	uri := get(t, ctx, cdp.AttributeValue(cdp.ID("otpauth-link"), "href"))
	issuer, login, secret, err := credential.ParseOTPAuthURI(uri.Value)
	if err != nil || issuer != "cartable" || login != "zoe.lefevre" {
		t.Fatalf("otpauth link %q: %v", uri.Value, err)
	}
	// The password is filled in the activation form (for the password manager) and shown as text.
	do(cdp.Click(cdp.CSS("#s1 ~ details summary")), cdp.WaitVisible(cdp.ID("password-text")))
	passwordText := strings.TrimSpace(get(t, ctx, cdp.Text(cdp.ID("password-text"))))
	password := get(t, ctx, cdp.Value(cdp.ID("password")))
	if password != passwordText || len(password) != 24 {
		t.Fatalf("form password %q vs text %q", password, passwordText)
	}
	if ac := get(t, ctx, cdp.AttributeValue(cdp.ID("password"), "autocomplete")); ac.Value != "new-password" {
		t.Errorf("password autocomplete %q", ac.Value)
	}
	shot(t, ctx, "screenshot-credentials")

	// A reload (or Back) shows the same credentials again, in this browser.
	do(cdp.Reload(), cdp.WaitVisible(cdp.ID("otpauth-link")))
	if again := get(t, ctx, cdp.AttributeValue(cdp.ID("otpauth-link"), "href")); again.Value != uri.Value {
		t.Fatal("a reload changed the credentials")
	}
	// A wrong code: a clear message, the credentials stay, the password stays filled in.
	do(cdp.SendKeys(cdp.ID("code"), "000000"), cdp.Click(cdp.ID("activate")), cdp.WaitVisible(cdp.ID("form-error")))
	if msg := get(t, ctx, cdp.Text(cdp.ID("form-error"))); !strings.Contains(msg, "incorrect") {
		t.Errorf("wrong code message %q", msg)
	}
	if again := get(t, ctx, cdp.AttributeValue(cdp.ID("otpauth-link"), "href")); again.Value != uri.Value {
		t.Fatal("after a wrong code, the credentials are gone")
	}
	if p := get(t, ctx, cdp.Value(cdp.ID("password"))); p != password {
		t.Fatal("after a wrong code, the password must be typed again")
	}
	code := func() string { return credential.TOTPCode(secret, credential.TOTPStep(s.Clock.Now())) }

	do(cdp.SendKeys(cdp.ID("code"), code()),
		cdp.Click(cdp.ID("activate")), cdp.WaitVisible(cdp.ID("go-login")))
	if info := get(t, ctx, cdp.Text(cdp.CSS(".info"))); !strings.Contains(info, "zoe.lefevre") {
		t.Fatalf("activation page says %q", info)
	}
	s.Clock.Advance(30 * time.Second) // the activation burned the current code

	do(cdp.Click(cdp.ID("go-login")), cdp.WaitVisible(cdp.ID("login")),
		cdp.SendKeys(cdp.ID("login"), "Zoe.Lefevre"), cdp.SendKeys(cdp.ID("password"), password),
		cdp.Submit(cdp.ID("password")), cdp.WaitVisible(cdp.ID("code")),
		// A wrong code keeps the second step, with a message.
		cdp.SendKeys(cdp.ID("code"), "000000"), cdp.Submit(cdp.ID("code")), cdp.WaitVisible(cdp.ID("form-error")))
	if msg := get(t, ctx, cdp.Text(cdp.ID("form-error"))); !strings.Contains(msg, "Code refusé") {
		t.Errorf("wrong login code message %q", msg)
	}
	do(cdp.SendKeys(cdp.ID("code"), code()), cdp.Submit(cdp.ID("code")), cdp.WaitVisible(cdp.ID("me-login")))
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
