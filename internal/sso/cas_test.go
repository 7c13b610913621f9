package sso_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/ssotest"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// TestCASLogin: a student of an establishment that allows the academy's CAS logs in
// through it (real django-cas-server, protocols 2 and 3): SSO alone is the students'
// default, his account created by an import is activated by this first login, and
// the login is audited with the provider and the identity.
func TestCASLogin(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.casProvider("ent", 3, "", e.a)
		e.casProvider("ent2", 2, "mail", e.a)
		u := ssotest.Users[0]
		acc := e.create("elodie.martin", authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.a.ID})
		e.link(acc.ID, "ent", u.Login)
		e.link(acc.ID, "ent2", u.Mail)

		r := e.mustLogin(ssotest.NewBrowser(), "ent", u)
		if r.Session.Pending || r.Session.Account.ID != acc.ID || r.ReturnTo != "/eleves" || r.ExternalID != u.Login {
			t.Fatalf("result %+v", r)
		}
		p, err := e.authenticate(r.Session.Token)
		if err != nil || p.AccountID != acc.ID || p.SessionID != r.Session.SessionID {
			t.Fatalf("the session does not open: %v %+v", err, p)
		}
		if a, _ := e.accounts.Lookup(e.ctx, acc.ID); a.Status != account.StatusActive || a.ExpiresAt != nil {
			t.Errorf("after an SSO-only first login the account is %s, expires %v", a.Status, a.ExpiresAt)
		}
		ev := e.lastEvent(audit.SSOLoginSucceeded)
		if ev.Detail["provider"] != "ent" || ev.Detail["identity"] != u.Login || *ev.TargetID != acc.ID || ev.Detail["second_factor"] != "none" {
			t.Errorf("event %+v", ev)
		}
		if ev := e.lastEvent(audit.AccountActivated); ev.Detail["by"] != "sso" {
			t.Errorf("activation %+v", ev)
		}

		// CAS 2, the person named by an attribute (mail).
		r = e.mustLogin(ssotest.NewBrowser(), "ent2", u)
		if r.Session.Account.ID != acc.ID || r.ExternalID != u.Mail {
			t.Fatalf("CAS 2 by mail: %+v", r)
		}
	})
}

// TestCASSingleLogout: logging out sends the browser to the CAS server's logout (the
// RP-initiated logout URL), whose single-logout request ends the cartable session.
func TestCASSingleLogout(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.casProvider("ent", 3, "", e.a)
		u := ssotest.Users[1]
		acc := e.create("noe.lefevre", authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.a.ID})
		e.link(acc.ID, "ent", u.Login)
		b := ssotest.NewBrowser()
		r := e.mustLogin(b, "ent", u)
		// A session opened by cartable's own login stays.
		after := e.base.URL + "/login"
		logout, err := e.sso.LogoutURL(e.ctx, r.Session.SessionID, after)
		if err != nil || !strings.HasPrefix(logout, ssotest.CAS(t).URL+"/logout?service=") {
			t.Fatalf("logout URL %q %v", logout, err)
		}
		p, err := b.Visit(logout, after)
		if err != nil || !p.Stopped {
			t.Fatalf("logout: %v %+v", err, p)
		}
		if got := e.posted(); got != "callback 1" {
			t.Fatalf("single logout: %s", got)
		}
		if _, err := e.authenticate(r.Session.Token); err == nil {
			t.Fatal("the session survived the single logout")
		}
		ev := e.lastEvent(audit.Logout)
		if ev.Detail["by"] != "cas_single_logout" || ev.Detail["provider"] != "ent" || *ev.TargetID != acc.ID {
			t.Errorf("logout event %+v", ev)
		}
		// The CAS session is over: the next login asks for the password again.
		st, _ := e.sso.BeginLogin(e.ctx, "ent", "/")
		if p, err := b.Visit(st.URL, e.sso.CallbackURL("ent")); err != nil || p.Stopped {
			t.Errorf("the CAS session survived: %v %+v", err, p)
		}
		// A forged logout request (not XML, or nested) is refused and audited.
		resp, err := http.PostForm(e.sso.CallbackURL("ent"), url.Values{"logoutRequest": {
			`<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">` + strings.Repeat("<a>", 100)}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := e.posted(); !strings.HasPrefix(got, "callback sso_bad_logout_request") {
			t.Errorf("hostile logout request: %s", got)
		}
		if ev := e.lastEvent(audit.SSOSingleLogout); ev.Outcome != "refused" || ev.Detail["reason"] != "cas_too_deep" {
			t.Errorf("refused logout event %+v", ev)
		}
	})
}

// TestCASHostile: forged, replayed and other services' tickets, replayed or missing
// flows, and a server answering huge or nested XML are each refused, with an audited
// reason.
func TestCASHostile(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.casProvider("ent", 3, "", e.a)
		e.casProvider("autre", 3, "", e.a)
		u := ssotest.Users[0]
		acc := e.create("elodie.martin", authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.a.ID})
		e.link(acc.ID, "ent", u.Login)
		b := ssotest.NewBrowser()
		client := account.Client{IP: "192.0.2.9"}
		finish := func(provider, flowToken string, q url.Values) error {
			_, err := e.sso.Finish(e.ctx, provider, flowToken, q, client)
			return err
		}

		// A legitimate login, whose ticket and flow are then replayed.
		st, _ := e.sso.BeginLogin(e.ctx, "ent", "/")
		back := b.Login(t, st.URL, e.sso.CallbackURL("ent"), u)
		if err := finish("ent", st.FlowToken, back.Query()); err != nil {
			t.Fatal(err)
		}
		err := finish("ent", st.FlowToken, back.Query())
		e.wantRefused(err, "sso_flow_expired", audit.SSOLoginRefused, "ent", "flow_unknown", "")
		st2, _ := e.sso.BeginLogin(e.ctx, "ent", "/")
		err = finish("ent", st2.FlowToken, back.Query())
		e.wantRefused(err, "sso_refused", audit.SSOLoginRefused, "ent", "cas_INVALID_TICKET", "")

		// Login CSRF: a callback without the browser's flow cookie.
		st, _ = e.sso.BeginLogin(e.ctx, "ent", "/")
		back = b.Login(t, st.URL, e.sso.CallbackURL("ent"), u)
		err = finish("ent", "", back.Query())
		e.wantRefused(err, "sso_flow_expired", audit.SSOLoginRefused, "ent", "flow_unknown", "")

		// A forged ticket.
		st, _ = e.sso.BeginLogin(e.ctx, "ent", "/")
		err = finish("ent", st.FlowToken, url.Values{"ticket": {"ST-" + strings.Repeat("f", 40)}})
		e.wantRefused(err, "sso_refused", audit.SSOLoginRefused, "ent", "cas_INVALID_TICKET", "")
		st, _ = e.sso.BeginLogin(e.ctx, "ent", "/")
		err = finish("ent", st.FlowToken, url.Values{"ticket": {"PT-1<script>"}})
		e.wantRefused(err, "sso_refused", audit.SSOLoginRefused, "ent", "cas_ticket_malformed", "")

		// A ticket issued for another service (the provider "autre" has its own URL),
		// brought to ent's callback with ent's flow.
		stOther, _ := e.sso.BeginLogin(e.ctx, "autre", "/")
		backOther := b.Login(t, stOther.URL, e.sso.CallbackURL("autre"), u)
		st, _ = e.sso.BeginLogin(e.ctx, "ent", "/")
		err = finish("ent", st.FlowToken, backOther.Query())
		e.wantRefused(err, "sso_refused", audit.SSOLoginRefused, "ent", "cas_INVALID_SERVICE", "")
		// ent's flow brought to another provider's callback.
		st, _ = e.sso.BeginLogin(e.ctx, "ent", "/")
		err = finish("autre", st.FlowToken, backOther.Query())
		e.wantRefused(err, "sso_flow_expired", audit.SSOLoginRefused, "autre", "flow_other_provider", "")

		// An expired flow.
		st, _ = e.sso.BeginLogin(e.ctx, "ent", "/")
		back = b.Login(t, st.URL, e.sso.CallbackURL("ent"), u)
		e.clock.Advance(sso.DefaultFlowTTL + 1)
		err = finish("ent", st.FlowToken, back.Query())
		e.wantRefused(err, "sso_flow_expired", audit.SSOLoginRefused, "ent", "flow_expired", "")

		// A server (or whoever answers in its place) sending huge or nested XML.
		for _, h := range []struct{ name, reason, body string }{
			{"huge", "cas_too_large", `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">` + strings.Repeat("<cas:a>b</cas:a>", 1<<16)},
			{"nested", "cas_too_deep", `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:attributes>` + strings.Repeat("<cas:a>", 10000)},
			{"entities", "cas_directive", `<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>&b;</cas:user></cas:authenticationSuccess></cas:serviceResponse>`},
			{"spoofed user", "unknown_identity", `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>personne</cas:user></cas:authenticationSuccess></cas:serviceResponse>`},
		} {
			evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, h.body)
			}))
			name := "evil-" + h.name[:4]
			if _, err := e.sso.CreateProvider(e.ctx, op(), sso.ProviderInput{Name: name, Kind: sso.KindCAS, CASURL: evil.URL}); err != nil {
				t.Fatal(err)
			}
			e.allow(name, e.a)
			st, _ = e.sso.BeginLogin(e.ctx, name, "/")
			err = finish(name, st.FlowToken, url.Values{"ticket": {"ST-12345678"}})
			evil.Close()
			if h.reason == "unknown_identity" {
				e.wantRefused(err, "sso_unknown_identity", audit.SSOLoginRefused, name, h.reason, "personne")
				continue
			}
			e.wantRefused(err, "sso_refused", audit.SSOLoginRefused, name, h.reason, "")
		}
	})
}
