package account

import (
	"context"
	"database/sql"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/store"
)

// ErrInvalidCredentials is the one answer to an unknown login, a wrong password, a wrong
// or replayed code and a locked account, so an attacker learns nothing from it.
var ErrInvalidCredentials = apperr.Unauthenticated("invalid_credentials", "incorrect login, password or code")

// Proof is what a user types to prove who he is: his password and either the current
// TOTP code or one of his recovery codes.
type Proof struct {
	Login        string
	Password     string
	Code         string
	RecoveryCode string
}

// secretRow is an account with its encrypted secrets, loaded for a check.
type secretRow struct {
	Account
	passwordEnc, totpEnc []byte
	lastStep             int64
	expiryNotified       bool
}

// loadSecrets loads the account where (a condition on alias a with $1) holds, or nil.
func (s *Service) loadSecrets(ctx context.Context, where string, arg any) (*secretRow, error) {
	var r secretRow
	var activated, expires, locked, hard, last sql.NullTime
	var status string
	err := s.db.QueryRow(ctx, `SELECT a.id, a.login, a.display_name, a.status, a.activated_at, a.expires_at, a.failed_count,
		a.locked_until, a.hard_locked_at, a.last_login_at, a.lang, a.created_at,
		a.password_enc, a.totp_secret_enc, a.totp_last_step, a.expiry_notified
		FROM accounts a WHERE `+where, arg).Scan(&r.ID, &r.Login, &r.DisplayName, &status, &activated, &expires,
		&r.FailedCount, &locked, &hard, &last, &r.Lang, &r.CreatedAt, &r.passwordEnc, &r.totpEnc, &r.lastStep, &r.expiryNotified)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r.Status = Status(status)
	r.ActivatedAt, r.ExpiresAt, r.LockedUntil = store.NullTime(activated), store.NullTime(expires), store.NullTime(locked)
	r.HardLockedAt, r.LastLoginAt = store.NullTime(hard), store.NullTime(last)
	return &r, nil
}

// verdict is the result of checking a proof against an account.
type verdict struct {
	row      *secretRow
	ok       bool   // password and second factor both right
	step     int64  // the TOTP step that matched
	recovery []byte // the hash of the recovery code used, if any
	reason   string // why not ok, for the audit trail only
}

// check verifies a proof in (nearly) constant time whatever the outcome: unknown logins
// and locked accounts still pay for one argon2id computation against a dummy hash.
func (s *Service) check(ctx context.Context, p Proof) (verdict, error) {
	row, pwOK, reason, err := s.checkPassword(ctx, p.Login, p.Password)
	if err != nil {
		return verdict{}, err
	}
	return s.checkFactor(ctx, row, pwOK, reason, p)
}

// checkPassword is the first half of check: it loads the account and verifies the
// password. reason says why it is not ok (for the audit trail only).
func (s *Service) checkPassword(ctx context.Context, login, password string) (row *secretRow, ok bool, reason string, err error) {
	if login = NormalizeLogin(login); utf8.RuneCountInString(login) <= MaxLogin {
		// A longer one is nobody's: it is not even looked up.
		if row, err = s.loadSecrets(ctx, "a.login = $1", login); err != nil {
			return nil, false, "", err
		}
	}
	now := s.now()
	if row == nil || row.Locked(now) || row.passwordEnc == nil || row.totpEnc == nil {
		if err := s.hasher.do(ctx, func() { _, _ = credential.VerifyPassword(password, s.dummy) }); err != nil {
			return row, false, "", err
		}
		switch {
		case row == nil:
			return nil, false, "unknown_login", nil
		case row.Locked(now):
			return row, false, "locked", nil
		}
		return row, false, "no_credentials", nil
	}
	phc, err := s.keys.Decrypt(row.passwordEnc, adFor("password_enc", row.ID))
	if err != nil {
		return row, false, "", apperr.Internal(err)
	}
	var verr error
	if err := s.hasher.do(ctx, func() { ok, verr = credential.VerifyPassword(password, string(phc)) }); err != nil {
		return row, false, "", err
	}
	if verr != nil {
		return row, false, "", apperr.Internal(verr)
	}
	if !ok {
		return row, false, "wrong_password", nil
	}
	// Rehash with the current parameters when they changed since the hash was made.
	if credential.NeedsRehash(string(phc), s.policy.Argon2) {
		s.rehash(ctx, row.ID, password)
	}
	return row, true, "", nil
}

// checkFactor is the second half of check: it verifies the TOTP code or recovery code
// of p against row, whose password check gave pwOK (and reason when not ok).
func (s *Service) checkFactor(ctx context.Context, row *secretRow, pwOK bool, reason string, p Proof) (verdict, error) {
	v := verdict{row: row, reason: reason}
	if row == nil || !pwOK {
		return v, nil
	}
	now := s.now()
	if row.Locked(now) {
		v.reason = "locked"
		return v, nil
	}
	secret, err := s.keys.Decrypt(row.totpEnc, adFor("totp_secret_enc", row.ID))
	if err != nil {
		return v, apperr.Internal(err)
	}
	if p.RecoveryCode != "" {
		v.reason = "wrong_recovery_code"
		if norm, ok := credential.NormalizeRecoveryCode(p.RecoveryCode); ok {
			h := credential.HashRecoveryCode(norm)
			var n int
			if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL`, row.ID, h).Scan(&n); err != nil {
				return v, err
			}
			if n == 1 {
				v.ok, v.recovery, v.reason = true, h, ""
			}
		}
		return v, nil
	}
	step, ok := credential.VerifyTOTP(secret, p.Code, now, TOTPWindow, row.lastStep)
	if !ok {
		v.reason = "wrong_code"
		return v, nil
	}
	v.ok, v.step, v.reason = true, step, ""
	return v, nil
}

func (s *Service) rehash(ctx context.Context, id int64, password string) {
	var phc string
	var err error
	if herr := s.hasher.do(ctx, func() { phc, err = credential.HashPassword(password, s.policy.Argon2, s.rand) }); herr != nil || err != nil {
		return // keep the old hash; the next login tries again
	}
	enc, err := s.keys.Encrypt([]byte(phc), adFor("password_enc", id))
	if err != nil {
		return
	}
	_, _ = s.db.Exec(ctx, `UPDATE accounts SET password_enc = $2 WHERE id = $1`, id, enc)
}

// failedUpdate counts a failure of the account $1 at $2.
const failedUpdate = `UPDATE accounts SET failed_count = failed_count + 1, updated_at = $2 WHERE id = $1 RETURNING failed_count`

// fail records a failed attempt: the consecutive-failure counter is incremented in one
// statement (so parallel attempts are all counted), a temporary lock starts when the
// counter reaches LockAfter unless one is already running (attempts during a lock do
// not extend it), and a hard lock at HardLockAfter.
func (s *Service) fail(ctx context.Context, v verdict, action string) error {
	now := s.now()
	detail := map[string]any{"reason": v.reason}
	if v.row == nil {
		// The same update as for an account, on no row (id 0 is nobody's), so that the
		// time of the answer does not tell an unknown login from a wrong password.
		if _, err := s.db.Exec(ctx, failedUpdate, 0, now); err != nil {
			return err
		}
		// The typed login is not recorded: people type passwords in the login field.
		s.observe("failed")
		return s.record(ctx, audit.Event{Action: action, Outcome: "failed", Detail: detail})
	}
	var n int
	if err := s.db.QueryRow(ctx, failedUpdate, v.row.ID, now).Scan(&n); err != nil {
		return err
	}
	detail["failed_count"] = n
	if err := s.record(ctx, audit.Event{Action: action, Outcome: "failed", TargetID: &v.row.ID, TargetLogin: v.row.Login, Detail: detail}); err != nil {
		return err
	}
	switch {
	case n >= HardLockAfter:
		c, err := s.db.ExecCount(ctx, `UPDATE accounts SET hard_locked_at = $2 WHERE id = $1 AND hard_locked_at IS NULL`, v.row.ID, now)
		if err != nil {
			return err
		}
		if c == 1 {
			s.observe("hard_locked")
			return s.record(ctx, audit.Event{Action: audit.AccountLocked, TargetID: &v.row.ID, TargetLogin: v.row.Login,
				Detail: map[string]any{"hard": true, "failed_count": n}})
		}
	case n >= LockAfter:
		until := now.Add(LockDelay(n))
		c, err := s.db.ExecCount(ctx, `UPDATE accounts SET locked_until = $2 WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $3)`,
			v.row.ID, until, now)
		if err != nil {
			return err
		}
		if c == 1 {
			s.observe("locked")
			return s.record(ctx, audit.Event{Action: audit.AccountLocked, TargetID: &v.row.ID, TargetLogin: v.row.Login,
				Detail: map[string]any{"until": until.UTC().Format(time.RFC3339), "failed_count": n}})
		}
	}
	s.observe("failed")
	return nil
}

// consume burns the second factor of a successful check with a compare-and-set, so the
// same TOTP code (or recovery code) works once even under concurrent requests. set may
// use $1 (the account id) and $2 (now); cond is a condition on the account row (its
// status) that must still hold.
func (s *Service) consume(ctx context.Context, v verdict, set, cond string) (bool, error) {
	now := s.now()
	if v.recovery != nil {
		n, err := s.db.ExecCount(ctx, `UPDATE recovery_codes SET used_at = $3 WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL`,
			v.row.ID, v.recovery, now)
		if err != nil || n != 1 {
			return false, err
		}
		if err := s.record(ctx, audit.Event{Action: audit.RecoveryCodeUsed, TargetID: &v.row.ID, TargetLogin: v.row.Login}); err != nil {
			return false, err
		}
		n, err = s.db.ExecCount(ctx, `UPDATE accounts SET `+set+`, failed_count = 0, locked_until = NULL, updated_at = $2 WHERE id = $1 AND `+cond,
			v.row.ID, now)
		return n == 1, err
	}
	n, err := s.db.ExecCount(ctx, `UPDATE accounts SET `+set+`, totp_last_step = $3, failed_count = 0, locked_until = NULL, updated_at = $2
		WHERE id = $1 AND totp_last_step < $3 AND `+cond, v.row.ID, now, v.step)
	return n == 1, err
}

// errReplayed rolls back a transaction whose second factor was already used.
var errReplayed = errors.New("second factor already used")

// consumeOrFail is consume returning errReplayed when the factor was already used, so
// the caller's transaction rolls back whatever it did.
func (s *Service) consumeOrFail(ctx context.Context, v verdict, set, cond string) error {
	ok, err := s.consume(ctx, v, set, cond)
	if err == nil && !ok {
		err = errReplayed
	}
	return err
}

// Login checks a proof and returns the account. Errors: ErrInvalidCredentials (401),
// credentials_expired (403) when the proof is right but the credentials have expired,
// not_activated (403) when it is right for an account not yet activated, overloaded (503).
func (s *Service) Login(ctx context.Context, p Proof) (Account, error) {
	v, err := s.check(ctx, p)
	if err != nil {
		s.observeErr(err)
		return Account{}, err
	}
	acc, err := s.finishLogin(ctx, v)
	s.observeErr(err)
	return acc, err
}

// finishLogin turns a verdict into a login: the status and expiry rules, then the
// compare-and-set that burns the second factor.
func (s *Service) finishLogin(ctx context.Context, v verdict) (Account, error) {
	var err error
	if !v.ok {
		return Account{}, s.failTx(ctx, v, audit.LoginFailed)
	}
	now := s.now()
	acc := v.row.Account
	switch {
	case acc.Status == StatusDisabled:
		v.ok, v.reason = false, "disabled"
		return Account{}, s.failTx(ctx, v, audit.LoginFailed)
	case acc.Status == StatusPending:
		s.observe("not_activated")
		return Account{}, apperr.Forbidden("not_activated", "this account is not activated yet: enter a code on the enrolment page to activate it")
	case acc.Expired(now):
		s.observe("expired")
		return Account{}, s.expired(ctx, v.row, now)
	}
	if a, err := s.accessOf(ctx, acc.ID); err != nil {
		return Account{}, err
	} else if a.Mode == authz.AccessEnded {
		s.observe("access_ended")
		return Account{}, accessEnded(a)
	}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.consumeOrFail(ctx, v, "last_login_at = $2", "status = 'active'"); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.LoginSucceeded, TargetID: &acc.ID, TargetLogin: acc.Login,
			ActorID: &acc.ID, ActorLogin: acc.Login, Detail: map[string]any{"recovery_code": v.recovery != nil}})
	})
	if errors.Is(err, errReplayed) {
		v.ok, v.reason = false, "replayed_code"
		return Account{}, s.failTx(ctx, v, audit.LoginFailed)
	}
	if err != nil {
		return Account{}, err
	}
	s.observe("succeeded")
	return s.get(ctx, "a.id = $1", acc.ID)
}

func (s *Service) failTx(ctx context.Context, v verdict, action string) error {
	if err := s.db.Tx(ctx, func(ctx context.Context) error { return s.fail(ctx, v, action) }); err != nil {
		return err
	}
	return ErrInvalidCredentials
}

// expired answers a right proof for expired credentials: the user may renew them
// during the grace period, after which only an administrator can.
func (s *Service) expired(ctx context.Context, row *secretRow, now time.Time) error {
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		// A right proof is not a failure: the counter restarts.
		if _, err := s.db.Exec(ctx, `UPDATE accounts SET failed_count = 0, locked_until = NULL, updated_at = $2 WHERE id = $1`, row.ID, now); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1`, row.ID); err != nil {
			return err
		}
		if row.expiryNotified {
			return nil
		}
		if _, err := s.db.Exec(ctx, `UPDATE accounts SET expiry_notified = TRUE WHERE id = $1`, row.ID); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.AccountExpired, TargetID: &row.ID, TargetLogin: row.Login,
			Detail: map[string]any{"expired_at": row.ExpiresAt.UTC().Format(time.RFC3339)}})
	})
	if err != nil {
		return err
	}
	return s.expiredError(row.ExpiresAt, now)
}

func (s *Service) expiredError(expiresAt *time.Time, now time.Time) error {
	graceEnd := s.policy.RenewalGrace.After(*expiresAt)
	if now.Before(graceEnd) {
		e := apperr.Forbidden("credentials_expired", "your password and code expired on %s: renew them now (possible until %s)",
			expiresAt.UTC().Format("2006-01-02"), graceEnd.UTC().Format("2006-01-02"))
		return e
	}
	return apperr.Forbidden("credentials_expired", "your password and code expired on %s and the renewal period is over: ask your establishment's administrator for a new enrolment letter",
		expiresAt.UTC().Format("2006-01-02"))
}

// RenewalOpen reports whether an account can renew its own credentials at now: from
// the expiry warning before expiry until the end of the grace period after it.
func (s *Service) RenewalOpen(a *Account, now time.Time) bool {
	if a.Status != StatusActive || a.ExpiresAt == nil {
		return false
	}
	return !now.Before(s.policy.ExpiryWarning.Before(*a.ExpiresAt)) && now.Before(s.policy.RenewalGrace.After(*a.ExpiresAt))
}

// Renew gives a user whose credentials expired (or expire soon) a new enrolment link at
// once, on proof of his current password and a current code. After the grace period only
// an administrator can reissue.
func (s *Service) Renew(ctx context.Context, p Proof) (Enrollment, error) {
	v, err := s.check(ctx, p)
	if err != nil {
		return Enrollment{}, err
	}
	if !v.ok || v.row.Status != StatusActive {
		if v.ok {
			v.ok, v.reason = false, "not_active"
		}
		return Enrollment{}, s.failTx(ctx, v, audit.LoginFailed)
	}
	now := s.now()
	acc := v.row.Account
	if !s.RenewalOpen(&acc, now) {
		if acc.Expired(now) {
			return Enrollment{}, apperr.Forbidden("renewal_closed", "the renewal period ended on %s: ask your establishment's administrator for a new enrolment letter",
				s.policy.RenewalGrace.After(*acc.ExpiresAt).UTC().Format("2006-01-02"))
		}
		return Enrollment{}, apperr.Conflict("renewal_not_needed", "your credentials are valid until %s: renewal opens %s",
			acc.ExpiresAt.UTC().Format("2006-01-02"), s.policy.ExpiryWarning.Before(*acc.ExpiresAt).UTC().Format("2006-01-02"))
	}
	var enr Enrollment
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.consumeOrFail(ctx, v, "last_login_at = $2", "status = 'active'"); err != nil {
			return err
		}
		if err := s.record(ctx, audit.Event{Action: audit.CredentialsRenewed, ActorID: &acc.ID, ActorLogin: acc.Login,
			TargetID: &acc.ID, TargetLogin: acc.Login}); err != nil {
			return err
		}
		var err error
		enr, err = s.reenrol(ctx, acc, ReasonRenewal, authz.Actor{ID: acc.ID, Login: acc.Login})
		return err
	})
	if errors.Is(err, errReplayed) {
		v.ok, v.reason = false, "replayed_code"
		return Enrollment{}, s.failTx(ctx, v, audit.LoginFailed)
	}
	if err != nil {
		return Enrollment{}, err
	}
	return enr, nil
}
