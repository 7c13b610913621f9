// Package sso adds single sign-on beside cartable's own accounts: identity providers
// (CAS 2.0/3.0 servers of academies, ENTs and universities, and OpenID Connect
// providers), the providers each establishment allows, the policy per establishment and
// role (SSO alone, SSO then cartable's TOTP, or cartable's login only), the links
// between an account and an external identity, the login flows, and single logout.
//
// Linking, never guessing: an external identity reaches an account only through a link
// made by the person after a cartable login, by an administrator or by an import. An
// unknown identity never creates an account, and a link never opens an account whose
// establishments do not all allow the provider. Every login, link, unlink and refusal
// is audited with the provider and the identity (docs/decisions/0014-sso.md).
//
// The transports (pages, API) call Begin… to get the provider's URL and a flow token
// for a cookie, then Finish with the callback's query; the session itself is opened by
// the account service (account.StartSSOSession), which keeps the rules of an account's
// state.
package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/store"
)

// Limits of the texts this package keeps, in characters (docs/limits.md).
const (
	MaxLabel      = 100
	MaxURL        = 500
	MaxClientID   = 200
	MaxSecret     = 1000
	MaxScopes     = 20
	MaxIdentity   = 100 // the name of the identifying attribute or claim
	MaxExternalID = 256 // an external identity (a CAS user, a claim's value)
	MaxReturnTo   = 2000
)

// DefaultFlowTTL is how long a login may stay at the provider.
const DefaultFlowTTL = 10 * time.Minute

// MaxBody caps every answer read from a provider (discovery, keys, tokens, CAS
// responses are also held to cas.MaxResponse): a provider is configured by an operator,
// but its answers cross the network.
const MaxBody = 1 << 20

// Crypter encrypts secrets at rest; *keyring.Ring is one.
type Crypter interface {
	Encrypt(plaintext []byte, ad keyring.AD) ([]byte, error)
	Decrypt(ciphertext []byte, ad keyring.AD) ([]byte, error)
}

// Options are the settings of New.
type Options struct {
	// BaseURL is cartable's public URL: the CAS service URLs and the OIDC redirect
	// URIs are BaseURL + "/sso/{provider}/callback" (CallbackURL).
	BaseURL string
	// HTTPClient talks to the providers (default: 10 s timeout). Whatever it is, its
	// answers are read up to MaxBody bytes.
	HTTPClient *http.Client
	// FlowTTL is how long a login may take at the provider (DefaultFlowTTL).
	FlowTTL time.Duration
	// Rand is the source of randomness (default crypto/rand).
	Rand io.Reader
}

// Service runs single sign-on.
type Service struct {
	db       *store.DB
	audit    *audit.Log
	accounts *account.Service
	keys     Crypter
	now      func() time.Time
	rand     io.Reader
	baseURL  string
	hc       *http.Client
	flowTTL  time.Duration

	mu   sync.Mutex
	oidc map[int64]*oidcClient // discovery results by provider, see oidcFor
}

// New returns a Service.
func New(db *store.DB, log *audit.Log, accounts *account.Service, keys Crypter, now func() time.Time, o Options) *Service {
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.FlowTTL <= 0 {
		o.FlowTTL = DefaultFlowTTL
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	if o.HTTPClient != nil {
		c := *o.HTTPClient
		hc = &c
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = capped{base}
	return &Service{db: db, audit: log, accounts: accounts, keys: keys, now: now, rand: o.Rand,
		baseURL: strings.TrimRight(o.BaseURL, "/"), hc: hc, flowTTL: o.FlowTTL, oidc: map[int64]*oidcClient{}}
}

// capped holds every answer's body to MaxBody bytes: go-oidc reads discovery documents
// and key sets whole.
type capped struct{ base http.RoundTripper }

func (c capped) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err == nil {
		resp.Body = &cappedBody{rc: resp.Body, left: MaxBody}
	}
	return resp, err
}

type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly MaxBody from a longer one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("sso: a provider's answer over %d bytes", MaxBody)
		}
		return b.rc.Read(p)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// CallbackURL is where a provider sends the browser back after a login (the CAS
// service URL, the OIDC redirect URI) and where a CAS server posts single-logout
// requests: BaseURL + "/sso/{name}/callback". It must be registered at the provider.
func (s *Service) CallbackURL(name string) string {
	return s.baseURL + "/sso/" + url.PathEscape(name) + "/callback"
}

// BackChannelLogoutURL is where an OIDC provider posts its logout tokens (OpenID
// Connect Back-Channel Logout 1.0): BaseURL + "/sso/{name}/backchannel-logout".
func (s *Service) BackChannelLogoutURL(name string) string {
	return s.baseURL + "/sso/" + url.PathEscape(name) + "/backchannel-logout"
}

// EncryptedColumns lists the columns this package encrypts, for key rotation.
func EncryptedColumns() []store.EncryptedColumn {
	return []store.EncryptedColumn{
		{Table: "sso_providers", Column: "oidc_client_secret_enc", Key: "id"},
		{Table: "sso_sessions", Column: "id_token_enc", Key: "session_id"},
	}
}

func secretAD(id int64) keyring.AD {
	return keyring.AD{Table: "sso_providers", Column: "oidc_client_secret_enc", Row: fmt.Sprint(id)}
}

func idTokenAD(sessionID int64) keyring.AD {
	return keyring.AD{Table: "sso_sessions", Column: "id_token_enc", Row: fmt.Sprint(sessionID)}
}

// random returns n random bytes in base64url.
func (s *Service) random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", apperr.Internal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hashToken(t string) []byte {
	h := sha256.Sum256([]byte(t))
	return h[:]
}

// event is what an audit event of this package says.
type event struct {
	action   string
	outcome  string
	provider string
	identity string
	reason   string
	actor    authz.Actor
	account  *account.Account
	est      int64
	detail   map[string]any
}

func (s *Service) record(ctx context.Context, e event) error {
	d := map[string]any{}
	for k, v := range e.detail {
		d[k] = v
	}
	if e.provider != "" {
		d["provider"] = e.provider
	}
	if e.identity != "" {
		d["identity"] = e.identity
	}
	if e.reason != "" {
		d["reason"] = e.reason
	}
	ev := audit.Event{Action: e.action, Outcome: e.outcome, ActorID: audit.ID(e.actor.ID), ActorLogin: e.actor.Login,
		EstablishmentID: audit.ID(e.est), Detail: d}
	if e.account != nil {
		ev.TargetID, ev.TargetLogin = &e.account.ID, e.account.Login
	}
	return s.audit.Record(ctx, ev)
}

// refused records a refusal and returns err (or the recording's own failure).
func (s *Service) refused(ctx context.Context, e event, err error) error {
	if e.outcome == "" {
		e.outcome = "refused"
	}
	if rerr := s.record(ctx, e); rerr != nil {
		return rerr
	}
	return err
}

// clip cuts s to n characters, for what a provider sends that goes into the trail.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}
