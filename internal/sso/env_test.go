package sso_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/ssotest"
	"github.com/cartable/cartable/internal/store"
)

func TestMain(m *testing.M) { os.Exit(ssotest.Main(m)) }

// clock follows the real time (the providers sign tokens with it) plus an offset a
// test may move.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// env is cartable's services on a fresh database, and a stand-in for cartable's web
// server at BaseURL: it receives what providers post (CAS single logout, OIDC
// back-channel logout) and hands it to the sso service, as the pages will.
type env struct {
	t        *testing.T
	ctx      context.Context
	db       *store.DB
	clock    *clock
	ring     *keyring.Ring
	log      *audit.Log
	accounts *account.Service
	est      *establishment.Service
	sso      *sso.Service
	base     *httptest.Server
	posts    chan string // what the stand-in received: "<path> <count or error>"
	tamper   *tamper     // between cartable and the providers' token endpoints
	a, b     establishment.Establishment
}

// Options for newEnv.
type envOptions struct {
	flowTTL time.Duration
}

func newEnv(t *testing.T, db *store.DB, o ...envOptions) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), db: db, clock: &clock{}, posts: make(chan string, 20), tamper: &tamper{}}
	var err error
	if e.ring, err = keyring.New([]keyring.Key{{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32)}}, "k1"); err != nil {
		t.Fatal(err)
	}
	e.log = audit.New(db, e.clock.Now)
	c := config.Default()
	var opt envOptions
	if len(o) > 0 {
		opt = o[0]
	}
	e.base = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.base.Close)
	c.BaseURL = e.base.URL
	p := account.PolicyFrom(&c)
	p.Argon2 = credential.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	if e.accounts, err = account.New(db, e.log, e.ring, e.clock.Now, p, account.Options{}); err != nil {
		t.Fatal(err)
	}
	e.est = establishment.New(db, e.log, e.clock.Now)
	e.sso = sso.New(db, e.log, e.accounts, e.ring, e.clock.Now, sso.Options{BaseURL: e.base.URL, HTTPClient: &http.Client{Transport: e.tamper, Timeout: 30 * time.Second}, FlowTTL: opt.flowTTL})
	e.a = e.establishment("Lycée A")
	e.b = e.establishment("Lycée B")
	return e
}

// serve is the stand-in's handler.
func (e *env) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.Method != http.MethodPost || len(parts) != 3 || parts[0] != "sso" {
		http.NotFound(w, r)
		return
	}
	var n int
	var err error
	switch parts[2] {
	case "callback":
		n, err = e.sso.CASSingleLogout(r.Context(), parts[1], r.PostFormValue("logoutRequest"))
	case "backchannel-logout":
		n, err = e.sso.BackChannelLogout(r.Context(), parts[1], r.PostFormValue("logout_token"))
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		e.posts <- parts[2] + " " + err.Error()
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e.posts <- fmt.Sprintf("%s %d", parts[2], n)
}

// posted waits for what a provider posted to the stand-in.
func (e *env) posted() string {
	e.t.Helper()
	select {
	case s := <-e.posts:
		return s
	case <-time.After(15 * time.Second):
		e.t.Fatal("the provider posted nothing")
	}
	return ""
}

var nextUAI struct {
	sync.Mutex
	n int
}

// establishment creates an establishment with a valid UAI of its own.
func (e *env) establishment(name string) establishment.Establishment {
	e.t.Helper()
	nextUAI.Lock()
	nextUAI.n++
	n := nextUAI.n
	nextUAI.Unlock()
	var uai string
	for _, l := range "ABCDEFGHJKLMNPRSTUVWXYZ" {
		if u, err := siecle.ParseUAI(fmt.Sprintf("069%04d%c", 1000+n, l)); err == nil {
			uai = string(u)
			break
		}
	}
	es, err := e.est.Create(e.ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name})
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

func op() *authz.Principal { return authz.OperatorPrincipal() }

// admin is the principal of an administrator of es.
func (e *env) admin(es establishment.Establishment) *authz.Principal {
	e.t.Helper()
	acc := e.create("admin-"+strings.ToLower(es.UAI), authz.Membership{Role: authz.RoleAdmin, EstablishmentID: es.ID})
	return &authz.Principal{AccountID: acc.ID, Login: acc.Login, Roles: acc.Roles}
}

// create makes a pending account with roles (as an import or an administrator does).
func (e *env) create(login string, roles ...authz.Membership) account.Account {
	e.t.Helper()
	acc, _, err := e.accounts.Create(e.ctx, op(), account.CreateInput{Login: login, DisplayName: login, Roles: roles})
	if err != nil {
		e.t.Fatal(err)
	}
	return acc
}

// person is an activated account, with the secrets its owner knows.
type person struct {
	account.Account
	password string
	secret   []byte
}

func (p person) code(at time.Time) string {
	return credential.TOTPCode(p.secret, credential.TOTPStep(at))
}

// activated makes an account and activates it with its enrolment link and a code.
func (e *env) activated(login string, roles ...authz.Membership) person {
	e.t.Helper()
	acc, enr, err := e.accounts.Create(e.ctx, op(), account.CreateInput{Login: login, DisplayName: login, Roles: roles})
	if err != nil {
		e.t.Fatal(err)
	}
	creds, err := e.accounts.OpenEnrollment(e.ctx, enr.Token)
	if err != nil {
		e.t.Fatal(err)
	}
	p := person{Account: acc, password: creds.Password, secret: creds.TOTPSecret}
	if _, err := e.accounts.Activate(e.ctx, account.Proof{Login: login, Password: p.password, Code: p.code(e.clock.Now())}); err != nil {
		e.t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second) // the next code is another step's
	return p
}

// casProvider declares the test CAS server as provider name, allowed in the given
// establishments.
func (e *env) casProvider(name string, protocol int, identity string, allowIn ...establishment.Establishment) sso.Provider {
	e.t.Helper()
	srv := ssotest.CAS(e.t)
	p, err := e.sso.CreateProvider(e.ctx, op(), sso.ProviderInput{Name: name, Label: "ENT " + name, Kind: sso.KindCAS,
		CASURL: srv.URL, CASProtocol: protocol, Identity: identity})
	if err != nil {
		e.t.Fatal(err)
	}
	e.allow(name, allowIn...)
	return p
}

// oidcProvider registers a client at the test Hydra and declares it as provider name.
func (e *env) oidcProvider(name, identity string, allowIn ...establishment.Establishment) (sso.Provider, ssotest.Client) {
	e.t.Helper()
	h := ssotest.Hydra(e.t)
	c := h.NewClient(e.t, ssotest.ClientOptions{RedirectURIs: []string{e.sso.CallbackURL(name)},
		PostLogoutRedirectURIs: []string{e.base.URL + "/logged-out"}, BackChannelLogoutURI: e.sso.BackChannelLogoutURL(name)})
	p, err := e.sso.CreateProvider(e.ctx, op(), sso.ProviderInput{Name: name, Label: "Université " + name, Kind: sso.KindOIDC,
		Issuer: h.Issuer, ClientID: c.ID, ClientSecret: c.Secret, Identity: identity})
	if err != nil {
		e.t.Fatal(err)
	}
	e.allow(name, allowIn...)
	return p, c
}

func (e *env) allow(provider string, in ...establishment.Establishment) {
	e.t.Helper()
	for _, es := range in {
		if err := e.sso.AllowProvider(e.ctx, op(), es.ID, provider, true); err != nil {
			e.t.Fatal(err)
		}
	}
}

// link links an identity to an account, as the platform's operator.
func (e *env) link(accountID int64, provider, external string) {
	e.t.Helper()
	if _, err := e.sso.Link(e.ctx, op(), accountID, provider, external); err != nil {
		e.t.Fatal(err)
	}
}

// login runs a whole SSO login of u through provider in browser b: Begin, the
// provider's pages, Finish with the callback's query.
func (e *env) login(b *ssotest.Browser, provider string, u ssotest.User) (sso.Result, error) {
	e.t.Helper()
	st, err := e.sso.BeginLogin(e.ctx, provider, "/eleves")
	if err != nil {
		e.t.Fatal(err)
	}
	back := b.Login(e.t, st.URL, e.sso.CallbackURL(provider), u)
	return e.sso.Finish(e.ctx, provider, st.FlowToken, back.Query(), account.Client{IP: "192.0.2.1", UserAgent: "test"})
}

// mustLogin is login that must succeed.
func (e *env) mustLogin(b *ssotest.Browser, provider string, u ssotest.User) sso.Result {
	e.t.Helper()
	r, err := e.login(b, provider, u)
	if err != nil {
		e.t.Fatalf("SSO login of %s through %s: %v", u.Login, provider, err)
	}
	return r
}

// authenticate checks that a session token opens a session of accountID.
func (e *env) authenticate(token string) (*authz.Principal, error) {
	return e.accounts.Authenticate(e.ctx, token, account.KindWeb)
}

// lastEvent returns the newest audit event of action.
func (e *env) lastEvent(action string) audit.Event {
	e.t.Helper()
	evs, err := e.log.List(e.ctx, audit.Filter{Action: action, Limit: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(evs) == 0 {
		e.t.Fatalf("no %s event", action)
	}
	return evs[0]
}

// wantRefused checks err's code and that the newest event of action is a refusal for
// reason, naming the provider and (when not empty) the identity.
func (e *env) wantRefused(err error, code, action, provider, reason, identity string) {
	e.t.Helper()
	if apperr.CodeOf(err) != code {
		e.t.Fatalf("want error %s, got %v", code, err)
	}
	ev := e.lastEvent(action)
	if ev.Outcome != "refused" || ev.Detail["reason"] != reason || ev.Detail["provider"] != provider ||
		identity != "" && ev.Detail["identity"] != identity {
		e.t.Fatalf("%s event %+v, want refused for %s by %s (identity %q)", action, ev, reason, provider, identity)
	}
}

func sameError(err, target error) bool {
	return errors.Is(err, target) || apperr.CodeOf(err) == apperr.CodeOf(target)
}

var _ = url.Values{}
