package web_test

import (
	"context"
	"strings"
	"testing"

	cdp "github.com/chromedp/chromedp"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/store"
)

// TestBrowserNoticesAndPrivacyOnAPhone: on a 390 px wide screen, "Mon compte" with
// notices (one carrying a long link) and the e-mail form, and the privacy notice, fit
// the width (no sideways scrolling); the notice is marked read with the keyboard-
// reachable button, without JavaScript needed.
func TestBrowserNoticesAndPrivacyOnAPhone(t *testing.T) {
	ctx := apptest.Browser(t)
	s := apptest.Start(t, store.SQLite, func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.SMTPFrom = "127.0.0.1", 2525, "none", "no-reply@cartable.test"
	})
	u := s.CreateUser("eleve.telephone", authz.Membership{Role: authz.RolePlatformAdmin})
	long := s.URL + "/me?" + strings.Repeat("renouvellement-", 12)
	if err := s.App.Notify.Notify(context.Background(), u.ID, "notify.credentials_expire", map[string]string{"date": "2027-06-30", "renew": long}); err != nil {
		t.Fatal(err)
	}
	do := func(steps ...cdp.Action[cdp.Void]) {
		t.Helper()
		if err := cdp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	fits := func(what string) {
		t.Helper()
		sizes := get(t, ctx, cdp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
		if len(sizes) != 2 || sizes[1] != 390 || sizes[0] > sizes[1] {
			t.Errorf("%s: page %v px wide (page, window), want at most the 390 px of a phone", what, sizes)
		}
	}
	// Headless Chromium keeps a window at least 500 px wide: the phone is emulated.
	do(cdp.EmulateViewport(390, 844, cdp.EmulateMobile))
	do(cdp.Navigate(s.URL+"/login"), cdp.WaitVisible(cdp.ID("login")),
		cdp.SendKeys(cdp.ID("login"), u.Login), cdp.SendKeys(cdp.ID("password"), u.Password),
		cdp.Submit(cdp.ID("password")), cdp.WaitVisible(cdp.ID("code")),
		cdp.SendKeys(cdp.ID("code"), u.Code(s)), cdp.Submit(cdp.ID("code")), cdp.WaitVisible(cdp.ID("notices")))
	fits("Mon compte")
	if n := get(t, ctx, cdp.Evaluate[int](`document.querySelectorAll("ul.notices li.unread").length`)); n != 1 {
		t.Fatalf("%d unread notices shown", n)
	}
	if label := get(t, ctx, cdp.Evaluate[string](`document.querySelector("label[for=email-new]").textContent`)); label == "" {
		t.Error("the address field has no label")
	}
	// The button posts the form; the page comes back without the unread mark.
	do(cdp.Click(cdp.CSS("ul.notices li.unread button")), cdp.WaitNotPresent(cdp.CSS("ul.notices li.unread")), cdp.WaitVisible(cdp.ID("notices")))
	if n, _ := s.App.Notify.Unread(context.Background(), u.ID); n != 0 {
		t.Errorf("%d unread notices after marking", n)
	}
	do(cdp.Click(cdp.CSS(`footer a[href="/privacy"]`)), cdp.WaitVisible(cdp.ID("rights")))
	fits("the privacy notice")
}
