package account

import (
	"context"
	"errors"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/store"
)

// This file is what single sign-on (internal/sso) needs from accounts: sessions opened
// for an account an identity provider identified, instead of a password. Which account
// that is, and whether a second factor is due, is the sso package's decision (links,
// policies); the state of the account (disabled, not activated, expired, access
// ended) stays this package's.

// Lookup returns an account by id without an authorization check, for a service that
// acts on an identity already established (an SSO login). Never show its result to a
// caller who could not Get it.
func (s *Service) Lookup(ctx context.Context, id int64) (Account, error) {
	return s.get(ctx, "a.id = $1", id)
}

// SSOSession is what StartSSOSession opened.
type SSOSession struct {
	// Token goes into the session cookie: a full web session's, or, when Pending, the
	// token of the second step of a login, which FinishLogin completes with a TOTP code
	// (or a recovery code) as after a password.
	Token     string
	SessionID int64
	Pending   bool
	Account   Account
}

// Errors of StartSSOSession, besides those of a password login (access_ended,
// credentials_expired).
var (
	errSSODisabled = apperr.Forbidden("account_disabled", "this account is disabled: ask your establishment's administrator")
	// ErrSecondFactorMissing: the policy asks for cartable's code after the SSO login,
	// and the account has none yet.
	ErrSecondFactorMissing = apperr.Forbidden("second_factor_missing",
		"your establishment asks for your cartable code after this login, and your account has none yet: open the enrolment link of your letter first")
)

// StartSSOSession opens a web session for an account an identity provider just
// identified. With secondFactor, it opens the second step of a login instead (the
// password step counts as passed): the account must be activated, and FinishLogin then
// checks the code, the expiry and the locks as for a password login. Without it, the
// session is full at once: an account never activated (an SSO-only student created by
// an import) is activated by this first login, without password, TOTP or expiry, and
// its unopened enrolment links are revoked; a disabled account, one whose access ended
// or whose cartable credentials expired is refused. Nothing is audited here but the
// activation: the sso package records the login with the provider and the identity.
func (s *Service) StartSSOSession(ctx context.Context, accountID int64, secondFactor bool, c Client) (SSOSession, error) {
	row, err := s.loadSecrets(ctx, "a.id = $1", accountID)
	if err != nil {
		return SSOSession{}, err
	}
	if row == nil {
		return SSOSession{}, errAccountNotFound
	}
	now := s.now()
	if row.Status == StatusDisabled {
		return SSOSession{}, errSSODisabled
	}
	if a, err := s.accessOf(ctx, row.ID); err != nil {
		return SSOSession{}, err
	} else if a.Mode == authz.AccessEnded {
		return SSOSession{}, accessEnded(a)
	}
	if secondFactor {
		if row.Status != StatusActive || row.totpEnc == nil {
			return SSOSession{}, ErrSecondFactorMissing
		}
		token, err := credential.NewToken(credential.KindSession, s.rand)
		if err != nil {
			return SSOSession{}, apperr.Internal(err)
		}
		out := SSOSession{Token: token, Pending: true, Account: row.Account}
		err = s.db.QueryRow(ctx, `INSERT INTO sessions (token_hash, kind, stage, account_id, pending_ok, ip, user_agent, created_at, last_seen_at, expires_at)
			VALUES ($1, 'web', 'mfa', $2, TRUE, $3, $4, $5, $5, $6) RETURNING id`,
			credential.HashToken(token), row.ID, c.IP, userAgent(c.UserAgent), now, now.Add(PendingLoginTTL)).Scan(&out.SessionID)
		return out, err
	}
	if row.Status == StatusActive && row.Expired(now) {
		return SSOSession{}, s.expiredError(row.ExpiresAt, now)
	}
	var out SSOSession
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if row.Status == StatusPending {
			n, err := s.db.ExecCount(ctx, `UPDATE accounts SET status = 'active', activated_at = $2, updated_at = $2 WHERE id = $1 AND status = 'pending'`, row.ID, now)
			if err != nil {
				return err
			}
			if n == 1 {
				if _, err := s.db.Exec(ctx, `UPDATE enrollments SET revoked_at = $2 WHERE account_id = $1 AND opened_at IS NULL AND revoked_at IS NULL`, row.ID, now); err != nil {
					return err
				}
				if err := s.record(ctx, audit.Event{Action: audit.AccountActivated, ActorID: &row.ID, ActorLogin: row.Login,
					TargetID: &row.ID, TargetLogin: row.Login, Detail: map[string]any{"by": "sso"}}); err != nil {
					return err
				}
			}
		}
		if _, err := s.db.Exec(ctx, `UPDATE accounts SET last_login_at = $2 WHERE id = $1`, row.ID, now); err != nil {
			return err
		}
		token, ss, err := s.insertSession(ctx, row.ID, KindWeb, "full", "", c, s.policy.SessionAbsolute)
		if err != nil {
			return err
		}
		out = SSOSession{Token: token, SessionID: ss.ID}
		out.Account, err = s.get(ctx, "a.id = $1", row.ID)
		return err
	})
	if err != nil {
		return SSOSession{}, err
	}
	s.observe("succeeded")
	return out, nil
}

// SessionID returns the id of the session (or second step of a login) of token, not
// found when it does not exist or has expired.
func (s *Service) SessionID(ctx context.Context, token string) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `SELECT id FROM sessions WHERE token_hash = $1 AND expires_at > $2`,
		credential.HashToken(token), s.now()).Scan(&id)
	if errors.Is(err, store.ErrNotFound) {
		return 0, errNoSession
	}
	return id, err
}

// EndSession ends the session id because someone else than its owner asked (a single
// logout request of an identity provider), and records it as a logout with detail. It
// reports whether the session still existed.
func (s *Service) EndSession(ctx context.Context, sessionID int64, detail map[string]any) (bool, error) {
	ended := false
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		var accountID int64
		var login string
		err := s.db.QueryRow(ctx, `SELECT a.id, a.login FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id = $1`,
			sessionID).Scan(&accountID, &login)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, sessionID); err != nil {
			return err
		}
		ended = true
		d := map[string]any{"session_id": sessionID}
		for k, v := range detail {
			d[k] = v
		}
		return s.record(ctx, audit.Event{Action: audit.Logout, TargetID: &accountID, TargetLogin: login, Detail: d})
	})
	return ended, err
}
