package web_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	cdp "github.com/chromedp/chromedp"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/ssotest"
	"github.com/cartable/cartable/internal/store"
)

func TestMain(m *testing.M) { os.Exit(ssotest.Main(m)) }

// ssoSite is cartable with a CAS provider ("academie", django-cas-server) and an
// OpenID Connect provider ("ent", Ory Hydra) allowed by establishment A.
type ssoSite struct {
	*apptest.Server
	a     establishment.Establishment
	hydra *ssotest.HydraServer
	cas   string
}

func newSSOSite(t *testing.T, e store.Engine) *ssoSite {
	t.Helper()
	cas := ssotest.CAS(t)
	hydra := ssotest.Hydra(t)
	s := apptest.Start(t, e)
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	name := "Lycée Ampère"
	a, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: "0691234S", Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	client := hydra.NewClient(t, ssotest.ClientOptions{
		RedirectURIs:           []string{s.App.SSO.CallbackURL("ent")},
		PostLogoutRedirectURIs: []string{s.App.SSO.AfterLogoutURL()},
		BackChannelLogoutURI:   s.App.SSO.BackChannelLogoutURL("ent"),
	})
	for _, in := range []sso.ProviderInput{
		{Name: "academie", Label: "Académie de test", Kind: sso.KindCAS, CASURL: cas.URL, CASProtocol: 3},
		{Name: "ent", Label: "ENT de test", Kind: sso.KindOIDC, Issuer: hydra.Issuer, ClientID: client.ID, ClientSecret: client.Secret},
	} {
		if _, err := s.App.SSO.CreateProvider(ctx, op, in); err != nil {
			t.Fatal(err)
		}
		if err := s.App.SSO.AllowProvider(ctx, op, a.ID, in.Name, true); err != nil {
			t.Fatal(err)
		}
	}
	return &ssoSite{Server: s, a: a, hydra: hydra, cas: cas.URL}
}

// TestBrowserSSOLogins walks both single sign-on logins in Chromium on a phone-sized
// screen, against the real servers: a teacher whose CAS identity is unknown gets the
// page that explains what to do, links it after a cartable login, logs out (of the CAS
// too), then logs in through the CAS followed by cartable's code (staff's default
// policy); a parent linked by an administrator logs in through the OpenID Connect
// provider alone, and his logout ends the provider's session too.
func TestBrowserSSOLogins(t *testing.T) {
	site := newSSOSite(t, store.SQLite)
	s := site.Server
	ctx := apptest.Browser(t)
	do := func(steps ...cdp.Action[cdp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 40*time.Second) // a loaded machine: the servers are slow
		defer cancel()
		if err := cdp.Do(sctx, steps...); err != nil {
			loc, _ := cdp.Run(ctx, cdp.Location())
			body, _ := cdp.Run(ctx, cdp.OuterHTML(cdp.CSS("body")))
			t.Fatalf("%v at %s:\n%.1500s\nlogs: %s", err, loc, body, s.Logs.String())
		}
	}
	text := func(sel string) string {
		t.Helper()
		return get(t, ctx, cdp.Text(cdp.CSS(sel)))
	}
	// providerLogin fills the provider's login form (CAS or Hydra's login app).
	providerLogin := func(u ssotest.User) {
		t.Helper()
		// The provider's form, once its page has loaded: cartable leaves through a page
		// that refreshes itself, and a node found before that navigation ends is gone
		// when it is typed into.
		ready := `document.readyState === "complete" && !location.href.startsWith(` + strconv.Quote(s.URL) +
			`) && document.querySelector("input[name=password]") !== null`
		for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			// A navigation under way interrupts the evaluation: ask again.
			if ok, err := cdp.Run(ctx, cdp.Evaluate[bool](ready)); err == nil && ok {
				break
			}
			if time.Now().After(deadline) {
				loc, _ := cdp.Run(ctx, cdp.Location())
				t.Fatalf("the provider's login form never came, at %s", loc)
			}
		}
		do(cdp.WaitVisible(cdp.CSS(`input[name=username]`)),
			cdp.SendKeys(cdp.CSS(`input[name=username]`), u.Login),
			cdp.SendKeys(cdp.CSS(`input[name=password]`), u.Password),
			cdp.Submit(cdp.CSS(`input[name=password]`)))
	}
	prof := ssotest.UserByLogin("prof1")
	teacher := s.CreateUser("paul.durand", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: site.a.ID})

	// A phone's layout viewport (headless Chromium's window is at least 500 px wide).
	do(cdp.EmulateViewport(390, 844, cdp.EmulateMobile))
	// The login page offers both providers beside cartable's form.
	do(cdp.Navigate(s.URL+"/login"), cdp.WaitVisible(cdp.ID("sso-academie")))
	if got := text("#sso-ent"); !strings.Contains(got, "ENT de test") {
		t.Fatalf("OIDC button says %q", got)
	}
	// fits checks that nothing of the page sticks out of a phone's screen.
	fits := func(page string) {
		t.Helper()
		if w := get(t, ctx, cdp.Evaluate[string](`(() => { const out = []; for (const e of document.querySelectorAll("body *")) { const r = e.getBoundingClientRect(); if (r.right > 391) out.push(e.tagName + "#" + e.id + "." + e.className + " " + r.right); } return out.join(", ") })()`)); w != "" {
			t.Errorf("the %s page overflows a phone's screen: %s", page, w)
		}
	}
	fits("login")
	shot(t, ctx, "screenshot-sso-login")

	// An identity linked to nobody: the page says so and how to link it.
	do(cdp.Click(cdp.ID("sso-academie")))
	providerLogin(*prof)
	do(cdp.WaitVisible(cdp.ID("sso-unknown")))
	fits("unknown identity")
	if got := text("#sso-unknown"); !strings.Contains(got, "Académie de test") || !strings.Contains(got, "n’est relié à aucun compte cartable") {
		t.Fatalf("unknown-identity page says %q", got)
	}

	// A cartable login, then "link my account": the CAS still has the session, so it
	// sends the browser straight back.
	do(cdp.Click(cdp.ID("sso-unknown-login")), cdp.WaitVisible(cdp.ID("login")),
		cdp.SendKeys(cdp.ID("login"), teacher.Login), cdp.SendKeys(cdp.ID("password"), teacher.Password),
		cdp.Submit(cdp.ID("password")), cdp.WaitVisible(cdp.ID("code")),
		cdp.SendKeys(cdp.ID("code"), teacher.Code(s)), cdp.Submit(cdp.ID("code")),
		// The login leads straight to the page that links identities.
		cdp.WaitVisible(cdp.ID("sso-links-none")),
		cdp.Click(cdp.ID("sso-link-academie")), cdp.WaitVisible(cdp.ID("sso-links")))
	if got := text("#sso-links"); !strings.Contains(got, "prof1") || !strings.Contains(got, "relié par vous") {
		t.Fatalf("linked identities: %q", got)
	}
	fits("linked accounts")
	shot(t, ctx, "screenshot-sso-account")

	// The CAS login now leads to this account; the CAS still has its session, and
	// staff's default policy asks for cartable's code after it.
	do(cdp.Click(cdp.CSS("button.link")), cdp.WaitVisible(cdp.ID("sso-academie")),
		cdp.Click(cdp.ID("sso-academie")), cdp.WaitVisible(cdp.ID("code")))
	if got := text(".info"); !strings.Contains(got, "Académie de test") {
		t.Errorf("code page after the CAS says %q", got)
	}
	fits("code after the CAS")
	shot(t, ctx, "screenshot-sso-code")
	// Staff land on their classes (issue 10); the account page says who is logged in.
	do(cdp.SendKeys(cdp.ID("code"), teacher.Code(s)), cdp.Submit(cdp.ID("code")), cdp.WaitNotPresent(cdp.ID("code")),
		cdp.Navigate(s.URL+"/me"), cdp.WaitVisible(cdp.ID("me-login")))
	if got := text("#me-login"); got != "paul.durand" {
		t.Fatalf("logged in as %q", got)
	}
	// This session came from the CAS: logout ends the CAS's session too, so the next
	// CAS login asks for the password again.
	do(cdp.Click(cdp.CSS("button.link")), cdp.WaitNotPresent(cdp.ID("me-login")))
	do(cdp.Navigate(s.URL+"/login"), cdp.WaitVisible(cdp.ID("sso-academie")), cdp.Click(cdp.ID("sso-academie")))
	providerLogin(*prof)
	do(cdp.WaitVisible(cdp.ID("code")), cdp.Navigate(s.URL+"/login"), cdp.WaitVisible(cdp.ID("login")))

	// OpenID Connect: a parent linked by an administrator, SSO alone.
	parent := s.CreateUser("parent.martin", authz.Membership{Role: authz.RoleParent, EstablishmentID: site.a.ID})
	if _, err := s.App.SSO.Link(context.Background(), authz.OperatorPrincipal(), parent.ID, "ent", "eleve1"); err != nil {
		t.Fatal(err)
	}
	do(cdp.Navigate(s.URL+"/login"), cdp.WaitVisible(cdp.ID("sso-ent")),
		cdp.Click(cdp.ID("sso-ent")))
	providerLogin(*ssotest.UserByLogin("eleve1"))
	do(cdp.WaitVisible(cdp.ID("me-login")))
	if got := text("#me-login"); got != "parent.martin" {
		t.Fatalf("logged in through the ENT as %q", got)
	}
	// RP-initiated logout: Hydra ends its session and comes back to the login page.
	do(cdp.Click(cdp.CSS("button.link")), cdp.WaitVisible(cdp.ID("login")))
	if loc := get(t, ctx, cdp.Location()); !strings.HasPrefix(loc, s.URL+"/login") {
		t.Fatalf("after the ENT logout: %s", loc)
	}
	do(cdp.Click(cdp.ID("sso-ent")), cdp.WaitVisible(cdp.CSS(`input[name=username]`)))
	// Hydra also posted a back-channel logout token, signed for this client: accepted.
	posted := false
	for range 50 {
		if posted = strings.Contains(s.Logs.String(), `path=/sso/ent/backchannel-logout route="POST /sso/{provider}/backchannel-logout" status=200`); posted {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !posted {
		t.Error("Hydra's back-channel logout token was not accepted (no 200 on /sso/ent/backchannel-logout)")
	}

	// CAS single logout: a pupil's parent logged in through the CAS alone leaves the
	// CAS (not cartable); the CAS server posts a logout request to the callback URL,
	// which ends the cartable session.
	parent2 := s.CreateUser("parent.lefevre", authz.Membership{Role: authz.RoleParent, EstablishmentID: site.a.ID})
	if _, err := s.App.SSO.Link(context.Background(), authz.OperatorPrincipal(), parent2.ID, "academie", "eleve2"); err != nil {
		t.Fatal(err)
	}
	do(cdp.Navigate(site.cas+"/logout"), cdp.WaitVisible(cdp.CSS("body")), // prof1's CAS session, from above
		cdp.Navigate(s.URL+"/login"), cdp.WaitVisible(cdp.ID("sso-academie")), cdp.Click(cdp.ID("sso-academie")))
	providerLogin(*ssotest.UserByLogin("eleve2"))
	do(cdp.WaitVisible(cdp.ID("me-login")))
	if got := text("#me-login"); got != "parent.lefevre" {
		t.Fatalf("logged in through the CAS as %q", got)
	}
	do(cdp.Navigate(site.cas+"/logout"), cdp.WaitVisible(cdp.CSS("body")))
	ended := false
	for range 50 {
		if ss, err := s.App.Accounts.Sessions(context.Background(), parent2.ID); err == nil && len(ss) == 0 {
			ended = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !ended {
		t.Fatal("the CAS logout did not end the cartable session")
	}
	do(cdp.Navigate(s.URL+"/me"), cdp.WaitVisible(cdp.ID("login")))

	// Every step is in the audit trail with the provider and the identity.
	ents, err := s.App.Audit.List(context.Background(), audit.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range ents {
		seen[e.Action+" "+e.Outcome+" "+fmt8(e.Detail["provider"])+" "+fmt8(e.Detail["identity"])] = true
	}
	for _, e := range ents {
		if e.Action == audit.SSOSingleLogout {
			t.Errorf("a provider's logout request was refused: %+v", e.Detail)
		}
	}
	for _, want := range []string{
		audit.SSOLoginRefused + " refused academie prof1",
		audit.SSOLinked + " ok academie prof1",
		audit.SSOLoginSucceeded + " ok academie prof1",
		audit.SSOLoginSucceeded + " ok ent eleve1",
	} {
		if !seen[want] {
			t.Errorf("audit trail lacks %q; it has %v", want, seen)
		}
	}
}

func fmt8(v any) string {
	s, _ := v.(string)
	return s
}
