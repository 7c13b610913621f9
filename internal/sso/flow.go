package sso

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"net/url"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/cas"
	"github.com/cartable/cartable/internal/store"
)

// Purpose is what a flow is for.
type Purpose string

// The purposes of a flow.
const (
	// PurposeLogin opens a session for the account linked to the identity.
	PurposeLogin Purpose = "login"
	// PurposeLink links the identity to the account that started the flow.
	PurposeLink Purpose = "link"
)

// Start is a flow begun: send the browser to URL, and keep FlowToken in a short-lived
// cookie (HttpOnly, SameSite=Lax: it must come back with the provider's redirect) for
// Finish. The token binds the provider's answer to this browser: a callback URL sent
// to someone else (login CSRF) finds no flow.
type Start struct {
	URL       string
	FlowToken string
	ExpiresAt time.Time
}

// The errors of a flow, as the person sees them. The audit trail has the details.
var (
	ErrFlowExpired = apperr.Gone("sso_flow_expired", "this login took too long or was already used: start again")
	// ErrUnknownIdentity: the provider identified someone no account is linked to.
	ErrUnknownIdentity = apperr.Forbidden("sso_unknown_identity",
		"this account of your school's identity provider is linked to no cartable account: log in with cartable once and link it from your account page, or ask your establishment's administrator")
	ErrNotAllowed = apperr.Forbidden("sso_not_allowed",
		"your establishment does not let you log in this way: use your cartable login")
	ErrProviderAnswer = apperr.Unauthenticated("sso_refused",
		"the identity provider's answer could not be checked: start again")
	errProviderDisabled = apperr.Forbidden("sso_provider_disabled", "this identity provider is turned off")
)

// flow is a stored flow.
type flow struct {
	providerID int64
	purpose    Purpose
	state      string
	nonce      string
	verifier   string
	returnTo   string
	accountID  int64
	expires    time.Time
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// BeginLogin starts a login through a provider. returnTo is where the person goes
// afterwards: a local path the caller checked (it is only kept and given back).
func (s *Service) BeginLogin(ctx context.Context, provider, returnTo string) (Start, error) {
	prov, err := s.usable(ctx, provider)
	if err != nil {
		return Start{}, err
	}
	return s.begin(ctx, prov, PurposeLogin, returnTo, 0)
}

// BeginLink starts linking an identity of a provider to the principal's account. It
// must be a session opened by a cartable login (password and code), not by a provider:
// an identity is vouched for by the credentials cartable gave, never by another
// identity. The provider must be one the person may log in with.
func (s *Service) BeginLink(ctx context.Context, p *authz.Principal, provider, returnTo string) (Start, error) {
	prov, err := s.usable(ctx, provider)
	if err != nil {
		return Start{}, err
	}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM sso_sessions WHERE session_id = $1`, p.SessionID).Scan(&n); err != nil {
		return Start{}, err
	}
	if n > 0 || p.SessionID == 0 || p.SessionKind != account.KindWeb {
		return Start{}, s.refused(ctx, event{action: audit.SSOLinkRefused, provider: prov.Name, actor: p.Actor(),
			account: &account.Account{ID: p.AccountID, Login: p.Login}, reason: "not_a_cartable_login"},
			apperr.Forbidden("sso_link_needs_cartable_login", "to link an identity, log in with your cartable password and code first"))
	}
	acc, err := s.accounts.Lookup(ctx, p.AccountID)
	if err != nil {
		return Start{}, err
	}
	d, err := s.decide(ctx, acc, prov)
	if err != nil {
		return Start{}, err
	}
	if d.reason != "" {
		return Start{}, s.refused(ctx, event{action: audit.SSOLinkRefused, provider: prov.Name, actor: p.Actor(), account: &acc,
			est: d.est, reason: d.reason}, ErrNotAllowed)
	}
	return s.begin(ctx, prov, PurposeLink, returnTo, acc.ID)
}

// usable loads an enabled provider.
func (s *Service) usable(ctx context.Context, name string) (Provider, error) {
	prov, err := s.provider(ctx, name)
	if err == nil && !prov.Enabled {
		err = errProviderDisabled
	}
	return prov, err
}

func (s *Service) begin(ctx context.Context, prov Provider, purpose Purpose, returnTo string, accountID int64) (Start, error) {
	if err := apperr.CheckLen("return_to", returnTo, MaxReturnTo); err != nil {
		return Start{}, err
	}
	token, err := s.random(32)
	if err != nil {
		return Start{}, err
	}
	f := flow{providerID: prov.ID, purpose: purpose, returnTo: returnTo, accountID: accountID}
	var target string
	switch prov.Kind {
	case KindCAS:
		c, err := cas.New(prov.CASURL, prov.CASProtocol, s.hc)
		if err != nil {
			return Start{}, apperr.Internal(err)
		}
		target = c.LoginURL(s.CallbackURL(prov.Name))
	case KindOIDC:
		if f.state, err = s.random(32); err != nil {
			return Start{}, err
		}
		if f.nonce, err = s.random(32); err != nil {
			return Start{}, err
		}
		f.verifier = oauth2.GenerateVerifier()
		c, err := s.oidcFor(ctx, prov)
		if err != nil {
			return Start{}, s.refused(ctx, event{action: audit.SSOLoginRefused, provider: prov.Name, reason: ReasonDiscovery,
				detail: map[string]any{"error": clip(err.Error(), 200)}},
				apperr.Unavailable("sso_provider_unavailable", 0, "the identity provider does not answer: try again later or use your cartable login"))
		}
		target = c.config.AuthCodeURL(f.state, oauth2.S256ChallengeOption(f.verifier), oidc.Nonce(f.nonce))
	}
	now := s.now()
	exp := now.Add(s.flowTTL)
	var acc any
	if accountID != 0 {
		acc = accountID
	}
	if _, err := s.db.Exec(ctx, `INSERT INTO sso_flows (token_hash, provider_id, purpose, state, nonce, verifier, return_to, account_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, hashToken(token), prov.ID, string(purpose), f.state, f.nonce, f.verifier,
		returnTo, acc, now, exp); err != nil {
		return Start{}, err
	}
	return Start{URL: target, FlowToken: token, ExpiresAt: exp.UTC()}, nil
}

// peekFlow reads a flow without consuming it (found reports that the token names one;
// live that it has not expired). A flow is consumed by dropFlow, or, for a login that
// succeeds, inside the transaction that opens the session (consumeFlow): a flow token
// works once, even for two concurrent callbacks, and a successful login takes SQLite's
// write lock once instead of twice.
func (s *Service) peekFlow(ctx context.Context, token string) (f flow, found, live bool, err error) {
	var purpose string
	var acc sql.NullInt64
	if token == "" || len(token) > 100 {
		return f, false, false, nil
	}
	err = s.db.QueryRow(ctx, `SELECT provider_id, purpose, state, nonce, verifier, return_to, account_id, expires_at
		FROM sso_flows WHERE token_hash = $1`, hashToken(token)).Scan(
		&f.providerID, &purpose, &f.state, &f.nonce, &f.verifier, &f.returnTo, &acc, &f.expires)
	if errors.Is(err, store.ErrNotFound) {
		return f, false, false, nil
	}
	if err != nil {
		return f, false, false, err
	}
	f.purpose, f.accountID = Purpose(purpose), acc.Int64
	return f, true, s.now().Before(f.expires), nil
}

// consumeFlow deletes a flow and reports whether it was still there (false: another
// callback used it first).
func (s *Service) consumeFlow(ctx context.Context, token string) (bool, error) {
	n, err := s.db.ExecCount(ctx, `DELETE FROM sso_flows WHERE token_hash = $1`, hashToken(token))
	return n == 1, err
}

// errFlowUsed: the flow was consumed by another callback while this one was checking
// the provider's answer.
var errFlowUsed = errors.New("sso: flow used by another callback")

// Result is a flow finished.
type Result struct {
	Purpose  Purpose
	ReturnTo string
	// Session is what a login opened: a full session, or (Session.Pending) the second
	// step of a login, whose code page completes it with FinishSecondFactor.
	Session account.SSOSession
	// Link is what a link flow made.
	Link *Link
	// Provider and ExternalID say who the provider identified.
	Provider   string
	ExternalID string
}

// identity is who a provider identified in a callback.
type identity struct {
	external     string
	sessionIndex string // the CAS ticket, the OIDC sid
	idToken      string
}

// Finish completes a flow when the browser comes back from the provider to
// CallbackURL(provider) with query q, bringing flowToken (from the cookie set at
// Begin…). The provider's answer is checked server-side (the CAS ticket validated
// once, for the exact service URL; the OIDC code exchanged with PKCE and the ID token
// verified), then the identity's link decides: a session for a login, a new link for a
// link. Every outcome is audited with the provider and the identity.
func (s *Service) Finish(ctx context.Context, provider, flowToken string, q url.Values, c account.Client) (Result, error) {
	f, found, live, err := s.peekFlow(ctx, flowToken)
	if err != nil {
		return Result{}, err
	}
	// Whatever happens but a login that succeeds, the flow is consumed here; a link
	// flow at once, as every refusal before the provider's answer is checked.
	consumed := !found
	drop := func() (bool, error) {
		if consumed {
			return false, nil
		}
		consumed = true
		return s.consumeFlow(context.WithoutCancel(ctx), flowToken)
	}
	defer drop()
	prov, perr := s.provider(ctx, provider)
	if perr != nil || f.providerID != prov.ID || !live || !prov.Enabled || f.purpose == PurposeLink {
		ok, err := drop()
		if err != nil {
			return Result{}, err
		}
		if !ok { // another callback took it first: as if it had never been
			found, live, f = false, false, flow{}
		}
	}
	switch {
	case perr != nil && !errors.Is(perr, errNoProvider):
		return Result{}, perr
	case perr != nil || f.providerID != prov.ID || !live:
		reason := "flow_unknown"
		if perr == nil && f.providerID != 0 && f.providerID != prov.ID {
			reason = "flow_other_provider"
		} else if f.providerID != 0 && !live {
			reason = "flow_expired"
		}
		return Result{}, s.refused(ctx, event{action: audit.SSOLoginRefused, provider: clip(provider, 40), reason: reason}, ErrFlowExpired)
	case !prov.Enabled:
		return Result{}, s.refused(ctx, event{action: s.refusedAction(f), provider: prov.Name, reason: "provider_disabled"}, errProviderDisabled)
	}
	id, err := s.identify(ctx, prov, f, q)
	if err != nil {
		var r *refusal
		if errors.As(err, &r) {
			e := event{action: s.refusedAction(f), provider: prov.Name, reason: r.reason, detail: map[string]any{"error": r.detail}}
			if f.accountID != 0 {
				e.account = &account.Account{ID: f.accountID}
			}
			return Result{}, s.refused(ctx, e, ErrProviderAnswer)
		}
		return Result{}, err
	}
	res := Result{Purpose: f.purpose, ReturnTo: f.returnTo, Provider: prov.Name, ExternalID: id.external}
	if f.purpose == PurposeLink {
		l, err := s.linkSelf(ctx, prov, f.accountID, id.external)
		res.Link = l
		return res, err
	}
	res.Session, err = s.login(ctx, prov, id, c, flowToken)
	if err == nil {
		consumed = true // by the login's transaction
	}
	return res, err
}

func (s *Service) refusedAction(f flow) string {
	if f.purpose == PurposeLink {
		return audit.SSOLinkRefused
	}
	return audit.SSOLoginRefused
}

// identify checks the provider's answer and returns who it identified.
func (s *Service) identify(ctx context.Context, prov Provider, f flow, q url.Values) (identity, error) {
	var id identity
	switch prov.Kind {
	case KindCAS:
		c, err := cas.New(prov.CASURL, prov.CASProtocol, s.hc)
		if err != nil {
			return id, apperr.Internal(err)
		}
		ticket := q.Get("ticket")
		r, err := c.Validate(ctx, s.CallbackURL(prov.Name), ticket)
		if err != nil {
			reason, detail := "cas_"+cas.ReasonOf(err), clip(err.Error(), 200)
			var fl *cas.Failure
			if errors.As(err, &fl) {
				reason = "cas_" + clip(fl.Code, 40)
			}
			return id, &refusal{reason, detail}
		}
		id.external, id.sessionIndex = r.User, ticket
		if prov.Identity != "" {
			id.external = r.Attribute(prov.Identity)
			if id.external == "" {
				return id, &refusal{ReasonIdentity, "no attribute " + prov.Identity + " for " + clip(r.User, 100)}
			}
		}
	case KindOIDC:
		o, err := s.verifyOIDC(ctx, prov, f, q)
		if err != nil {
			return id, err
		}
		id.external, id.sessionIndex, id.idToken = o.external, o.sid, o.raw
	}
	if utf8.RuneCountInString(id.external) > MaxExternalID {
		return id, &refusal{ReasonIdentityLength, "an identity of more than 256 characters"}
	}
	return id, nil
}

// login opens a session for the account linked to id, if the rules allow it.
func (s *Service) login(ctx context.Context, prov Provider, id identity, c account.Client, flowToken string) (account.SSOSession, error) {
	e := event{action: audit.SSOLoginRefused, provider: prov.Name, identity: id.external}
	link, err := s.linkOf(ctx, prov.ID, id.external)
	if err != nil {
		return account.SSOSession{}, err
	}
	if link == nil {
		e.reason = "unknown_identity"
		return account.SSOSession{}, s.refused(ctx, e, ErrUnknownIdentity)
	}
	acc, err := s.accounts.Lookup(ctx, link.AccountID)
	if err != nil {
		return account.SSOSession{}, err
	}
	e.account = &acc
	d, err := s.decide(ctx, acc, prov)
	if err != nil {
		return account.SSOSession{}, err
	}
	if d.reason != "" {
		e.reason, e.est = d.reason, d.est
		return account.SSOSession{}, s.refused(ctx, e, ErrNotAllowed)
	}
	var ss account.SSOSession
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if ok, err := s.consumeFlow(ctx, flowToken); err != nil {
			return err
		} else if !ok {
			return errFlowUsed
		}
		var err error
		if ss, err = s.accounts.StartSSOSession(ctx, acc.ID, d.secondFactor, c); err != nil {
			return err
		}
		if err := s.keepSession(ctx, ss.SessionID, prov.ID, id); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE sso_links SET last_used_at = $2 WHERE id = $1`, link.ID, s.now()); err != nil {
			return err
		}
		second := "none"
		if ss.Pending {
			second = "pending"
		}
		return s.record(ctx, event{action: audit.SSOLoginSucceeded, provider: prov.Name, identity: id.external,
			actor: authz.Actor{ID: acc.ID, Login: acc.Login}, account: &acc,
			detail: map[string]any{"second_factor": second, "session_id": ss.SessionID}})
	})
	if errors.Is(err, errFlowUsed) {
		e.reason = "flow_unknown"
		return account.SSOSession{}, s.refused(ctx, e, ErrFlowExpired)
	}
	if err != nil {
		if code := apperr.CodeOf(err); code != "" && apperr.KindOf(err) != apperr.KindInternal {
			e.reason = code
			return account.SSOSession{}, s.refused(ctx, e, err)
		}
		return account.SSOSession{}, err
	}
	return ss, nil
}

// keepSession remembers which provider session opened a cartable session, for single
// logout and for the RP-initiated logout (the ID token, encrypted).
func (s *Service) keepSession(ctx context.Context, sessionID, providerID int64, id identity) error {
	var enc []byte
	if id.idToken != "" {
		var err error
		if enc, err = s.keys.Encrypt([]byte(id.idToken), idTokenAD(sessionID)); err != nil {
			return apperr.Internal(err)
		}
	}
	_, err := s.db.Exec(ctx, `INSERT INTO sso_sessions (session_id, provider_id, external_id, session_index, id_token_enc, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, sessionID, providerID, id.external, id.sessionIndex, enc, s.now())
	return err
}

// FinishSecondFactor completes the second step of a login with cartable's code (or a
// recovery code), as account.FinishLogin does — use it for every second step: after a
// password it is FinishLogin; after an SSO login it also carries the provider's
// session over to the new session, for single logout.
func (s *Service) FinishSecondFactor(ctx context.Context, pendingToken, code, recoveryCode string, c account.Client) (string, account.Account, error) {
	token, _, acc, err := s.finishSecondFactor(ctx, pendingToken, code, recoveryCode, c, false)
	return token, acc, err
}

// FinishSecondFactorOrRetry is FinishSecondFactor for the login page, as
// account.FinishLoginOrRetry: a refused code also returns retry, a new pending token
// for the same second step, which keeps the provider's session for single logout.
func (s *Service) FinishSecondFactorOrRetry(ctx context.Context, pendingToken, code, recoveryCode string, c account.Client) (token, retry string, acc account.Account, err error) {
	return s.finishSecondFactor(ctx, pendingToken, code, recoveryCode, c, true)
}

func (s *Service) finishSecondFactor(ctx context.Context, pendingToken, code, recoveryCode string, c account.Client, orRetry bool) (string, string, account.Account, error) {
	var kept *keptSession
	if id, err := s.accounts.SessionID(ctx, pendingToken); err == nil {
		if kept, err = s.keptSession(ctx, id); err != nil {
			return "", "", account.Account{}, err
		}
	}
	var token, retry string
	var acc account.Account
	var err error
	if orRetry {
		token, retry, acc, err = s.accounts.FinishLoginOrRetry(ctx, pendingToken, code, recoveryCode, c)
	} else {
		token, acc, err = s.accounts.FinishLogin(ctx, pendingToken, code, recoveryCode, c)
	}
	if kept == nil {
		return token, retry, acc, err
	}
	if retry != "" {
		// The step is asked again: the provider's session follows the new pending one.
		id, ierr := s.accounts.SessionID(ctx, retry)
		if ierr != nil {
			return "", "", acc, ierr
		}
		if kerr := s.keepSession(ctx, id, kept.providerID, kept.identity); kerr != nil {
			return "", "", acc, kerr
		}
		return token, retry, acc, err
	}
	if err != nil {
		return token, "", acc, err
	}
	id, err := s.accounts.SessionID(ctx, token)
	if err != nil {
		return "", "", account.Account{}, err
	}
	return token, "", acc, s.keepSession(ctx, id, kept.providerID, kept.identity)
}

// keptSession is what keepSession stored, decrypted.
type keptSession struct {
	providerID int64
	identity
}

func (s *Service) keptSession(ctx context.Context, sessionID int64) (*keptSession, error) {
	var k keptSession
	var enc []byte
	err := s.db.QueryRow(ctx, `SELECT provider_id, external_id, session_index, id_token_enc FROM sso_sessions WHERE session_id = $1`,
		sessionID).Scan(&k.providerID, &k.external, &k.sessionIndex, &enc)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if enc != nil {
		b, err := s.keys.Decrypt(enc, idTokenAD(sessionID))
		if err != nil {
			return nil, apperr.Internal(err)
		}
		k.idToken = string(b)
	}
	return &k, nil
}

// Purge deletes the flows that expired; it returns how many.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	return s.db.ExecCount(ctx, `DELETE FROM sso_flows WHERE expires_at <= $1`, s.now())
}

// CartableSession reports whether the principal's session was opened by a cartable
// login (password and code), the only kind that may link an identity (BeginLink).
func (s *Service) CartableSession(ctx context.Context, p *authz.Principal) (bool, error) {
	if p.SessionID == 0 || p.SessionKind != account.KindWeb {
		return false, nil
	}
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM sso_sessions WHERE session_id = $1`, p.SessionID).Scan(&n)
	return n == 0, err
}
