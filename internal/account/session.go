package account

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/store"
)

// Session kinds.
const (
	KindWeb      = "web"      // a browser, cookie-borne
	KindAPI      = "api"      // POST /api/v1/sessions, bearer
	KindPersonal = "personal" // cartable token create, bearer
)

// PendingLoginTTL is how long the second step of a web login may wait.
const PendingLoginTTL = 5 * time.Minute

// Session describes a session or token to its owner (never its secret).
type Session struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	Name       string    `json:"name,omitempty"`
	IP         string    `json:"ip,omitempty"`
	UserAgent  string    `json:"user_agent,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// Client describes where a session is opened from.
type Client struct {
	IP        string
	UserAgent string
}

// StartSession opens a session of kind (web or api) for an account that just logged in
// and returns its token (shown once) with its expiry.
func (s *Service) StartSession(ctx context.Context, accountID int64, kind string, c Client) (string, Session, error) {
	ttl := s.policy.APISessionTTL
	if kind == KindWeb {
		ttl = s.policy.SessionAbsolute
	}
	return s.insertSession(ctx, accountID, kind, "full", "", c, ttl)
}

func (s *Service) insertSession(ctx context.Context, accountID int64, kind, stage, name string, c Client, ttl time.Duration) (string, Session, error) {
	tk := credential.KindSession
	if kind == KindPersonal {
		tk = credential.KindAPI
	}
	token, err := credential.NewToken(tk, s.rand)
	if err != nil {
		return "", Session{}, apperr.Internal(err)
	}
	now := s.now()
	ss := Session{Kind: kind, Name: name, IP: c.IP, UserAgent: userAgent(c.UserAgent), CreatedAt: now.UTC(), LastSeenAt: now.UTC(), ExpiresAt: now.Add(ttl).UTC()}
	err = s.db.QueryRow(ctx, `INSERT INTO sessions (token_hash, kind, stage, account_id, name, ip, user_agent, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING id`,
		credential.HashToken(token), kind, stage, accountID, name, ss.IP, ss.UserAgent, now, ss.ExpiresAt).Scan(&ss.ID)
	return token, ss, err
}

// userAgent is the user agent kept with a session: valid UTF-8 (a header may carry any
// byte, which PostgreSQL refuses in a text column) of at most MaxUserAgent characters.
func userAgent(ua string) string {
	ua = strings.ToValidUTF8(ua, "\uFFFD")
	n := 0
	for i := range ua {
		if n == MaxUserAgent {
			return ua[:i]
		}
		n++
	}
	return ua
}

// BeginLogin is the first step of a web login: it checks the password and remembers the
// verdict server-side under a new short-lived token, whatever the verdict — the page
// always goes on to ask for the code, so a wrong password cannot be told from a right
// one without also having the code. What was typed as login is not kept: people type
// passwords into login fields. Only the account's id is, when the login exists.
func (s *Service) BeginLogin(ctx context.Context, login, password string, c Client) (string, error) {
	row, ok, _, err := s.checkPassword(ctx, login, password)
	if err != nil {
		s.observeErr(err)
		return "", err
	}
	token, err := credential.NewToken(credential.KindSession, s.rand)
	if err != nil {
		return "", apperr.Internal(err)
	}
	now := s.now()
	var id any
	if row != nil {
		id = row.ID
	}
	_, err = s.db.Exec(ctx, `INSERT INTO sessions (token_hash, kind, stage, account_id, pending_ok, ip, user_agent, created_at, last_seen_at, expires_at)
		VALUES ($1, 'web', 'mfa', $2, $3, $4, $5, $6, $6, $7)`,
		credential.HashToken(token), id, ok, c.IP, userAgent(c.UserAgent), now, now.Add(PendingLoginTTL))
	return token, err
}

var errLoginExpired = apperr.NotFound("login_expired", "the login took too long: start again")

// PendingLogin tells whether token is a first step of a web login still waiting for its
// code (not-found otherwise), whatever the login typed: existing or not, the second
// step looks the same.
func (s *Service) PendingLogin(ctx context.Context, token string) error {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE token_hash = $1 AND stage = 'mfa' AND expires_at > $2`,
		credential.HashToken(token), s.now()).Scan(&n)
	if err == nil && n == 0 {
		return errLoginExpired
	}
	return err
}

// FinishLogin is the second step of a web login: it consumes the pending token, checks
// the code (or recovery code) and, on success, opens a new web session — a new token,
// so the session id changes at each step. An unknown login, a wrong password and a
// wrong code fail alike, after the same queries.
func (s *Service) FinishLogin(ctx context.Context, pendingToken, code, recoveryCode string, c Client) (string, Account, error) {
	token, _, acc, err := s.finishPending(ctx, pendingToken, code, recoveryCode, c, false)
	return token, acc, err
}

// FinishLoginOrRetry is FinishLogin for the login page: when the code is refused
// (ErrInvalidCredentials), it also returns retry, a new pending token for the same first
// step, valid until the first one would have expired, so that the page asks for the code
// again instead of the password. Like the first step, it tells nothing: a wrong password
// gets a retry too. Every refused code counts as a failure, so the account's lock still
// bounds the guesses.
func (s *Service) FinishLoginOrRetry(ctx context.Context, pendingToken, code, recoveryCode string, c Client) (token, retry string, acc Account, err error) {
	return s.finishPending(ctx, pendingToken, code, recoveryCode, c, true)
}

func (s *Service) finishPending(ctx context.Context, pendingToken, code, recoveryCode string, c Client, retry bool) (string, string, Account, error) {
	var accountID sql.NullInt64
	var pwOK bool
	var expires time.Time
	err := s.db.QueryRow(ctx, `DELETE FROM sessions WHERE token_hash = $1 AND stage = 'mfa' AND expires_at > $2
		RETURNING account_id, pending_ok, expires_at`, credential.HashToken(pendingToken), s.now()).Scan(&accountID, &pwOK, &expires)
	if errors.Is(err, store.ErrNotFound) {
		return "", "", Account{}, errLoginExpired
	}
	if err != nil {
		return "", "", Account{}, err
	}
	// Looked up even for an unknown login (id 0 is no account's), for equal timing.
	row, err := s.loadSecrets(ctx, "a.id = $1", accountID.Int64)
	if err != nil {
		return "", "", Account{}, err
	}
	reason := "wrong_password"
	if row == nil {
		reason = "unknown_login"
	}
	v, err := s.checkFactor(ctx, row, pwOK && row != nil, reason, Proof{Code: code, RecoveryCode: recoveryCode})
	if err != nil {
		return "", "", Account{}, err
	}
	acc, err := s.finishLogin(ctx, v)
	if errors.Is(err, ErrInvalidCredentials) && retry {
		again, terr := credential.NewToken(credential.KindSession, s.rand)
		if terr != nil {
			return "", "", Account{}, apperr.Internal(terr)
		}
		now := s.now()
		var id any
		if accountID.Valid {
			id = accountID.Int64
		}
		if _, terr := s.db.Exec(ctx, `INSERT INTO sessions (token_hash, kind, stage, account_id, pending_ok, ip, user_agent, created_at, last_seen_at, expires_at)
			VALUES ($1, 'web', 'mfa', $2, $3, $4, $5, $6, $6, $7)`,
			credential.HashToken(again), id, pwOK, c.IP, userAgent(c.UserAgent), now, expires); terr != nil {
			return "", "", Account{}, terr
		}
		return "", again, Account{}, err
	}
	if err != nil {
		s.observeErr(err)
		return "", "", Account{}, err
	}
	token, _, err := s.StartSession(ctx, acc.ID, KindWeb, c)
	s.observeErr(err)
	return token, "", acc, err
}

var errNoSession = apperr.Unauthenticated("unauthenticated", "you are not logged in or your session has expired")

// Authenticate returns the principal of a session or token. kinds lists the session
// kinds the transport accepts (cookies carry web sessions, bearer headers the others).
func (s *Service) Authenticate(ctx context.Context, token string, kinds ...string) (*authz.Principal, error) {
	if _, err := credential.ParseToken(token); err != nil {
		return nil, errNoSession
	}
	now := s.now()
	var p authz.Principal
	var kind, stage, status string
	var lastSeen, expires time.Time
	var credExpires sql.NullTime
	err := s.db.QueryRow(ctx, `SELECT s.id, s.kind, s.stage, s.last_seen_at, s.expires_at,
		a.id, a.login, a.display_name, a.lang, a.status, a.expires_at
		FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1`, credential.HashToken(token)).Scan(
		&p.SessionID, &kind, &stage, &lastSeen, &expires, &p.AccountID, &p.Login, &p.DisplayName, &p.Lang, &status, &credExpires)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	p.SessionKind = kind
	p.CredentialsExpireAt = store.NullTime(credExpires)
	allowed := false
	for _, k := range kinds {
		allowed = allowed || k == kind
	}
	credsExpired := credExpires.Valid && !now.Before(credExpires.Time)
	switch {
	case !allowed, stage != "full", !now.Before(expires):
		return nil, errNoSession
	case kind == KindWeb && !now.Before(lastSeen.Add(s.policy.SessionIdle)):
		_, _ = s.db.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, p.SessionID)
		return nil, errNoSession
	case status == string(StatusDisabled), credsExpired:
		return nil, errNoSession
	case kind != KindPersonal && status != string(StatusActive):
		return nil, errNoSession
	}
	// Writing on every request would make reads write; a minute of precision is enough
	// for the idle timeout and the "last seen" column.
	if now.Sub(lastSeen) > time.Minute {
		if _, err := s.db.Exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id = $1`, p.SessionID, now); err != nil {
			return nil, err
		}
	}
	if p.Roles, err = s.memberships(ctx, p.AccountID); err != nil {
		return nil, err
	}
	if hasRole(p.Roles, authz.RoleStudent) {
		a, err := s.accessOf(ctx, p.AccountID)
		if err != nil {
			return nil, err
		}
		switch a.Mode {
		case authz.AccessEnded:
			return nil, errNoSession
		case authz.AccessPassportOnly:
			p.PassportOnly, p.AccessUntil = true, a.Until
		}
	}
	return &p, nil
}

func hasRole(ms []authz.Membership, r authz.Role) bool {
	for _, m := range ms {
		if m.Role == r {
			return true
		}
	}
	return false
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		var id, accountID int64
		var login string
		err := s.db.QueryRow(ctx, `SELECT s.id, a.id, a.login FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1`,
			credential.HashToken(token)).Scan(&id, &accountID, &login)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.Logout, ActorID: &accountID, ActorLogin: login, TargetID: &accountID, TargetLogin: login})
	})
}

// Sessions lists an account's open sessions and tokens, newest first.
func (s *Service) Sessions(ctx context.Context, accountID int64) ([]Session, error) {
	var out []Session
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var ss Session
		if err := rows.Scan(&ss.ID, &ss.Kind, &ss.Name, &ss.IP, &ss.UserAgent, &ss.CreatedAt, &ss.LastSeenAt, &ss.ExpiresAt); err != nil {
			return err
		}
		ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = ss.CreatedAt.UTC(), ss.LastSeenAt.UTC(), ss.ExpiresAt.UTC()
		out = append(out, ss)
		return nil
	}, `SELECT id, kind, name, ip, user_agent, created_at, last_seen_at, expires_at FROM sessions
		WHERE account_id = $1 AND stage = 'full' AND expires_at > $2 ORDER BY id DESC`, accountID, s.now())
	return out, err
}

// RevokeSession ends one session or token of an account.
func (s *Service) RevokeSession(ctx context.Context, actor authz.Actor, accountID, sessionID int64) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		var kind, login string
		err := s.db.QueryRow(ctx, `SELECT s.kind, a.login FROM sessions s JOIN accounts a ON a.id = s.account_id
			WHERE s.id = $1 AND s.account_id = $2`, sessionID, accountID).Scan(&kind, &login)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("session_not_found", "no such session")
		}
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, sessionID); err != nil {
			return err
		}
		action := audit.SessionRevoked
		if kind == KindPersonal {
			action = audit.TokenRevoked
		}
		return s.record(ctx, audit.Event{Action: action, ActorID: audit.ID(actor.ID), ActorLogin: actor.Login,
			TargetID: &accountID, TargetLogin: login, Detail: map[string]any{"session_id": sessionID, "kind": kind}})
	})
}

// CreateToken issues a personal API token for an account (cartable token create). It
// is valid until ttl (the policy's TokenTTL when 0) unless revoked, the account is
// disabled or re-enrolled, or its credentials expire.
func (s *Service) CreateToken(ctx context.Context, p *authz.Principal, accountID int64, name string, ttl time.Duration) (string, Session, error) {
	if ttl <= 0 {
		ttl = s.policy.TokenTTL
	}
	if accountID != p.AccountID && !p.IsPlatformAdmin() {
		return "", Session{}, errNotAllowed
	}
	if err := apperr.CheckLen("token_name", name, MaxTokenName); err != nil {
		return "", Session{}, err
	}
	actor := p.Actor()
	var token string
	var ss Session
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		acc, err := s.get(ctx, "a.id = $1", accountID)
		if err != nil {
			return err
		}
		if acc.Status == StatusDisabled {
			return apperr.Conflict("account_disabled", "the account %s is disabled", acc.Login)
		}
		token, ss, err = s.insertSession(ctx, accountID, KindPersonal, "full", name, Client{}, ttl)
		if err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.TokenCreated, ActorID: audit.ID(actor.ID), ActorLogin: actor.Login,
			TargetID: &acc.ID, TargetLogin: acc.Login, Detail: map[string]any{"token_id": ss.ID, "name": name, "expires_at": ss.ExpiresAt.Format(time.RFC3339)}})
	})
	return token, ss, err
}

// PurgeSessions deletes expired sessions and pending logins, and the credentials kept
// for the browsers of expired enrolment links; it returns how many sessions it deleted.
func (s *Service) PurgeSessions(ctx context.Context) (int64, error) {
	if _, err := s.db.Exec(ctx, `UPDATE enrollments SET reveal_enc = NULL, viewer_hash = NULL
		WHERE expires_at <= $1 AND reveal_enc IS NOT NULL`, s.now()); err != nil {
		return 0, err
	}
	return s.db.ExecCount(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, s.now())
}

// accessOf asks the AccessRule, when set.
func (s *Service) accessOf(ctx context.Context, accountID int64) (authz.Access, error) {
	if s.AccessRule == nil {
		return authz.Access{Mode: authz.AccessFull}, nil
	}
	return s.AccessRule(ctx, accountID, s.now())
}

func accessEnded(a authz.Access) error {
	return apperr.Forbidden("access_ended", "your establishment deactivated your account and the three months during which you could download your data ended on %s: ask the establishment if you need your records",
		calendar.Date(a.Until))
}
