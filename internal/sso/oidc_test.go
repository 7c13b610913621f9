package sso_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/ssotest"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// TestOIDCLogin: a teacher logs in through Hydra (authorization code, PKCE, state,
// nonce, ID token through the JWKS), then gives cartable's code (the staff's default
// policy); logging out goes through Hydra's end-session endpoint with the ID token as
// hint, and Hydra's back-channel logout ends the cartable session.
func TestOIDCLogin(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.oidcProvider("univ", "", e.a)
		u := *ssotest.UserByLogin("prof1")
		teacher := e.activated("paul.durand", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.a.ID})
		e.link(teacher.ID, "univ", u.Login)
		b := ssotest.NewBrowser()
		var idToken string
		e.tamper.set(func(idt string) string { idToken = idt; return idt })
		r := e.mustLogin(b, "univ", u)
		e.tamper.set(nil)
		if !r.Session.Pending || r.Session.Account.ID != teacher.ID {
			t.Fatalf("a teacher's SSO login must ask for the code: %+v", r.Session)
		}
		if _, err := e.authenticate(r.Session.Token); err == nil {
			t.Fatal("the second step of a login opens a session")
		}
		if ev := e.lastEvent(audit.SSOLoginSucceeded); ev.Detail["second_factor"] != "pending" || ev.Detail["identity"] != "prof1" {
			t.Errorf("event %+v", ev)
		}
		token, acc, err := e.sso.FinishSecondFactor(e.ctx, r.Session.Token, teacher.code(e.clock.Now()), "", account.Client{})
		if err != nil || acc.ID != teacher.ID {
			t.Fatalf("second factor: %v", err)
		}
		p, err := e.authenticate(token)
		if err != nil {
			t.Fatal(err)
		}

		logout, err := e.sso.LogoutURL(e.ctx, p.SessionID, e.base.URL+"/logged-out")
		if err != nil {
			t.Fatal(err)
		}
		lu, _ := url.Parse(logout)
		if !strings.HasPrefix(logout, ssotest.Hydra(t).Issuer+"/oauth2/sessions/logout?") || lu.Query().Get("id_token_hint") == "" {
			t.Fatalf("logout URL %s", logout)
		}
		page, err := b.Visit(logout, e.base.URL+"/logged-out")
		if err != nil || !page.Stopped {
			t.Fatalf("RP-initiated logout: %v %+v", err, page)
		}
		if got := e.posted(); got != "backchannel-logout 1" {
			t.Fatalf("back-channel logout: %s %+v", got, e.lastEvent(audit.SSOSingleLogout))
		}
		if _, err := e.authenticate(token); err == nil {
			t.Error("the session survived the provider's logout")
		}
		if ev := e.lastEvent(audit.Logout); ev.Detail["by"] != "oidc_backchannel_logout" || *ev.TargetID != teacher.ID {
			t.Errorf("logout event %+v", ev)
		}
		// Hydra's session is over too: the next login shows its form again.
		st, _ := e.sso.BeginLogin(e.ctx, "univ", "/")
		if page, err := b.Visit(st.URL, e.sso.CallbackURL("univ")); err != nil || page.Stopped {
			t.Errorf("Hydra's session survived: %v %+v", err, page)
		}
		// A forged logout token, and an ID token (signed by Hydra) posted as a logout
		// token, are refused and audited.
		for _, c := range []struct{ token, reason string }{
			{"eyJhbGciOiJub25lIn0.eyJzaWQiOiJ4In0.", "id_token_signature"},
			{idToken, "id_token_invalid"},
		} {
			resp, err := http.PostForm(e.sso.BackChannelLogoutURL("univ"), url.Values{"logout_token": {c.token}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := e.posted(); !strings.Contains(got, "sso_bad_logout_request") {
				t.Errorf("forged logout token: %s", got)
			}
			if ev := e.lastEvent(audit.SSOSingleLogout); ev.Outcome != "refused" || ev.Detail["reason"] != c.reason {
				t.Errorf("refused logout event %+v, want reason %s", ev, c.reason)
			}
		}
	})
}

// TestOIDCClaimAndRotation: a provider naming people by their email; after Hydra
// rotates its signing key, the next ID token (signed by a key cartable never saw) is
// verified through the fetched JWKS.
func TestOIDCClaimAndRotation(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite))
	e.oidcProvider("univ", "email", e.a)
	u := ssotest.Users[1]
	acc := e.create("noe", authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.a.ID})
	e.link(acc.ID, "univ", u.Mail)
	var kids []string
	e.tamper.set(func(idt string) string { kids = append(kids, header(t, idt)["kid"].(string)); return idt })
	if r := e.mustLogin(ssotest.NewBrowser(), "univ", u); r.Session.Pending || r.ExternalID != u.Mail {
		t.Fatalf("%+v", r)
	}
	ssotest.Hydra(t).RotateIDTokenKey(t)
	e.mustLogin(ssotest.NewBrowser(), "univ", u)
	if len(kids) != 2 || kids[0] == kids[1] {
		t.Errorf("the ID tokens were signed by the keys %v: no rotation", kids)
	}
}

// tamper is a transport between cartable and the provider's token endpoint: the test
// plays whoever could change the ID token on its way.
type tamper struct {
	mu      sync.Mutex
	onToken func(idToken string) string
}

func (tp *tamper) set(f func(idToken string) string) {
	tp.mu.Lock()
	tp.onToken = f
	tp.mu.Unlock()
}

func (tp *tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	tp.mu.Lock()
	f := tp.onToken
	tp.mu.Unlock()
	if err != nil || f == nil || r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/oauth2/token") {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err == nil {
		if idt, ok := m["id_token"].(string); ok {
			m["id_token"] = f(idt)
			b, _ = json.Marshal(m)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
	return resp, nil
}

func segment(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func header(t *testing.T, jwt string) map[string]any { return decode(t, strings.Split(jwt, ".")[0]) }

// resign signs a token's claims with a key the provider never had.
func resign(t *testing.T, jwt, kid string, change func(claims map[string]any)) string {
	t.Helper()
	parts := strings.Split(jwt, ".")
	claims := decode(t, parts[1])
	if change != nil {
		change(claims)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	input := segment(map[string]any{"alg": "RS256", "kid": kid, "typ": "JWT"}) + "." + segment(claims)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// TestOIDCHostile: an ID token signed by an unknown key (under the provider's key id
// or another), an alg:none token, a token for another client, an expired one, a wrong
// nonce, a wrong state, an injected code and the provider's error are each refused,
// with an audited reason; none opens a session.
func TestOIDCHostile(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite), envOptions{flowTTL: 3 * time.Hour})
	tp := e.tamper
	h := ssotest.Hydra(t)
	e.oidcProvider("univ", "", e.a)
	u := *ssotest.UserByLogin("eleve1")
	acc := e.create("elodie", authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.a.ID})
	e.link(acc.ID, "univ", u.Login)
	e.mustLogin(ssotest.NewBrowser(), "univ", u) // all is well without tampering

	// A token for another client of the same provider (a real one, signed by Hydra).
	other := h.NewClient(t, ssotest.ClientOptions{RedirectURIs: []string{e.base.URL + "/other"}})
	cfg := oauth2.Config{ClientID: other.ID, ClientSecret: other.Secret, RedirectURL: e.base.URL + "/other", Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: h.Issuer + "/oauth2/auth", TokenURL: h.Issuer + "/oauth2/token"}}
	back := ssotest.NewBrowser().Login(t, cfg.AuthCodeURL("state-of-another-client", oauth2.SetAuthURLParam("nonce", "another-nonce")), cfg.RedirectURL, u)
	tok, err := cfg.Exchange(context.Background(), back.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	foreign := tok.Extra("id_token").(string)

	for _, c := range []struct {
		name, reason string
		token        func(string) string
		tamperURL    func(*url.URL)
		callback     func(url.Values)
		advance      time.Duration
	}{
		{name: "unknown key, same key id", reason: "id_token_signature",
			token: func(idt string) string { return resign(t, idt, header(t, idt)["kid"].(string), nil) }},
		{name: "unknown key id", reason: "id_token_signature",
			token: func(idt string) string { return resign(t, idt, "attacker-key", nil) }},
		{name: "claims changed", reason: "id_token_signature", token: func(idt string) string {
			p := strings.Split(idt, ".")
			claims := decode(t, p[1])
			claims["sub"] = "admin1"
			return p[0] + "." + segment(claims) + "." + p[2]
		}},
		{name: "alg none", reason: "id_token_signature", token: func(idt string) string {
			return segment(map[string]any{"alg": "none", "typ": "JWT"}) + "." + strings.Split(idt, ".")[1] + "."
		}},
		{name: "another client's token", reason: "id_token_audience", token: func(string) string { return foreign }},
		{name: "no ID token", reason: "no_id_token", token: func(string) string { return "" }},
		{name: "expired", reason: "id_token_expired", advance: 2 * time.Hour},
		{name: "wrong nonce", reason: "nonce_mismatch", tamperURL: func(u *url.URL) {
			if q := u.Query(); q.Get("nonce") != "" {
				q.Set("nonce", "attacker-nonce-0123456789")
				u.RawQuery = q.Encode()
			}
		}},
		{name: "wrong state", reason: "state_mismatch", callback: func(q url.Values) { q.Set("state", "forged") }},
		{name: "provider error", reason: "provider_error", callback: func(q url.Values) {
			q.Del("code")
			q.Set("error", "access_denied")
		}},
	} {
		tp.set(c.token)
		b := ssotest.NewBrowser()
		b.Tamper = c.tamperURL
		st, err := e.sso.BeginLogin(e.ctx, "univ", "/")
		if err != nil {
			t.Fatal(err)
		}
		back := b.Login(t, st.URL, e.sso.CallbackURL("univ"), u)
		q := back.Query()
		if c.callback != nil {
			c.callback(q)
		}
		e.clock.Advance(c.advance)
		_, err = e.sso.Finish(e.ctx, "univ", st.FlowToken, q, account.Client{})
		e.clock.Advance(-c.advance)
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			e.wantRefused(err, "sso_refused", audit.SSOLoginRefused, "univ", c.reason, "")
		})
	}
	tp.set(nil)
	e.t = t

	// Code injection: the attacker's code, obtained with his own flow, brought to the
	// victim's flow (its state, its cookie) fails the PKCE check at the token endpoint.
	attacker := ssotest.NewBrowser()
	stA, _ := e.sso.BeginLogin(e.ctx, "univ", "/")
	backA := attacker.Login(t, stA.URL, e.sso.CallbackURL("univ"), u)
	stV, _ := e.sso.BeginLogin(e.ctx, "univ", "/")
	vu, _ := url.Parse(stV.URL)
	_, err = e.sso.Finish(e.ctx, "univ", stV.FlowToken, url.Values{"code": {backA.Query().Get("code")}, "state": {vu.Query().Get("state")}}, account.Client{})
	e.wantRefused(err, "sso_refused", audit.SSOLoginRefused, "univ", "code_exchange", "")

	// None of them opened a session.
	var n int
	if err := e.db.QueryRow(e.ctx, `SELECT COUNT(*) FROM sso_sessions`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d SSO sessions, want the first login's only (%v)", n, err)
	}
}
