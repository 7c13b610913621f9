package account

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/store"
)

// Credentials are shown once, when an enrolment link is opened. They exist nowhere else
// in clear: the password is stored as an argon2id hash and the TOTP secret encrypted.
type Credentials struct {
	AccountID     int64
	Login         string
	Password      string
	TOTPSecret    []byte
	OTPAuthURI    string
	RecoveryCodes []string
	// ActivateBefore is when the link expires: the account must be activated by then.
	ActivateBefore time.Time
	// Viewer is set when the link was opened in a browser (OpenEnrollmentInBrowser): the
	// token that browser keeps to see the credentials again until activation.
	Viewer string
}

var (
	errEnrollmentNotFound = apperr.NotFound("enrollment_not_found", "this enrolment link does not exist: check that it was copied whole")
	errEnrollmentUsed     = apperr.Gone("enrollment_used", "this enrolment link has already been opened: it works only once; ask your establishment for a new one")
	errEnrollmentExpired  = apperr.Gone("enrollment_expired", "this enrolment link has expired: ask your establishment for a new one")
)

type enrollmentRow struct {
	id, accountID int64
	login         string
	expiresAt     time.Time
	opened        bool
	revoked       bool
}

func (s *Service) findEnrollment(ctx context.Context, token string) (enrollmentRow, error) {
	var r enrollmentRow
	if kind, err := credential.ParseToken(token); err != nil || kind != credential.KindEnrollment {
		return r, errEnrollmentNotFound
	}
	var opened, revoked sql.NullTime
	err := s.db.QueryRow(ctx, `SELECT e.id, e.account_id, a.login, e.expires_at, e.opened_at, e.revoked_at
		FROM enrollments e JOIN accounts a ON a.id = e.account_id WHERE e.token_hash = $1`,
		credential.HashToken(token)).Scan(&r.id, &r.accountID, &r.login, &r.expiresAt, &opened, &revoked)
	if errors.Is(err, store.ErrNotFound) {
		return r, errEnrollmentNotFound
	}
	r.opened, r.revoked = opened.Valid, revoked.Valid
	return r, err
}

// CheckEnrollment tells whether a link can still be opened, without opening it (the web
// page asks for a click first, so that link scanners do not burn it).
func (s *Service) CheckEnrollment(ctx context.Context, token string) (login string, expires time.Time, err error) {
	r, err := s.findEnrollment(ctx, token)
	if err != nil {
		return "", time.Time{}, err
	}
	switch {
	case r.opened || r.revoked:
		return "", time.Time{}, errEnrollmentUsed
	case !s.now().Before(r.expiresAt):
		return "", time.Time{}, errEnrollmentExpired
	}
	return r.login, r.expiresAt.UTC(), nil
}

// OpenEnrollment consumes a single-use link and generates the account's credentials:
// a 24-character password, a 160-bit TOTP secret and ten recovery codes. Exactly one of
// several concurrent openings succeeds; the others get enrollment_used (410).
func (s *Service) OpenEnrollment(ctx context.Context, token string) (Credentials, error) {
	return s.openEnrollment(ctx, token, false)
}

// OpenEnrollmentInBrowser is OpenEnrollment for the web page: the credentials are also
// kept, encrypted, bound to a new viewer token that only the opening browser holds, so
// that a reload, the Back button or a mistyped code never lose them (ShowEnrollment).
// The link stays single-use: without the viewer token, it answers enrollment_used.
func (s *Service) OpenEnrollmentInBrowser(ctx context.Context, token string) (Credentials, error) {
	return s.openEnrollment(ctx, token, true)
}

// revealed is what an opened link keeps for its browser, encrypted.
type revealed struct {
	Password      string   `json:"p"`
	TOTPSecret    []byte   `json:"t"`
	RecoveryCodes []string `json:"r"`
}

func adReveal(enrollmentID int64) keyring.AD {
	return keyring.AD{Table: "enrollments", Column: "reveal_enc", Row: fmt.Sprint(enrollmentID)}
}

func (s *Service) openEnrollment(ctx context.Context, token string, keep bool) (Credentials, error) {
	r, err := s.findEnrollment(ctx, token)
	if err != nil {
		return Credentials{}, err
	}
	now := s.now()
	switch {
	case r.opened || r.revoked:
		return Credentials{}, errEnrollmentUsed
	case !now.Before(r.expiresAt):
		return Credentials{}, errEnrollmentExpired
	}
	password, err := credential.GeneratePassword(s.rand)
	if err != nil {
		return Credentials{}, apperr.Internal(err)
	}
	secret, err := credential.NewTOTPSecret(s.rand)
	if err != nil {
		return Credentials{}, apperr.Internal(err)
	}
	codes, err := credential.NewRecoveryCodes(RecoveryCodeCount, s.rand)
	if err != nil {
		return Credentials{}, apperr.Internal(err)
	}
	var phc string
	var herr error
	if err := s.hasher.do(ctx, func() { phc, herr = credential.HashPassword(password, s.policy.Argon2, s.rand) }); err != nil {
		return Credentials{}, err
	}
	if herr != nil {
		return Credentials{}, apperr.Internal(herr)
	}
	pwEnc, err := s.keys.Encrypt([]byte(phc), adFor("password_enc", r.accountID))
	if err != nil {
		return Credentials{}, apperr.Internal(err)
	}
	totpEnc, err := s.keys.Encrypt(secret, adFor("totp_secret_enc", r.accountID))
	if err != nil {
		return Credentials{}, apperr.Internal(err)
	}
	var viewer string
	var viewerHash, revealEnc []byte
	if keep {
		if viewer, err = credential.NewToken(credential.KindSession, s.rand); err != nil {
			return Credentials{}, apperr.Internal(err)
		}
		b, err := json.Marshal(revealed{Password: password, TOTPSecret: secret, RecoveryCodes: codes})
		if err != nil {
			return Credentials{}, apperr.Internal(err)
		}
		if revealEnc, err = s.keys.Encrypt(b, adReveal(r.id)); err != nil {
			return Credentials{}, apperr.Internal(err)
		}
		viewerHash = credential.HashToken(viewer)
	}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		src := audit.SourceFrom(ctx)
		n, err := s.db.ExecCount(ctx, `UPDATE enrollments SET opened_at = $2, opened_ip = $3, reveal_enc = $4, viewer_hash = $5
			WHERE id = $1 AND opened_at IS NULL AND revoked_at IS NULL AND expires_at > $2`, r.id, now, src.IP, revealEnc, viewerHash)
		if err != nil {
			return err
		}
		if n != 1 {
			return errEnrollmentUsed
		}
		n, err = s.db.ExecCount(ctx, `UPDATE accounts SET password_enc = $2, totp_secret_enc = $3, totp_last_step = 0,
			credentials_issued_at = $4, updated_at = $4 WHERE id = $1 AND status = 'pending'`, r.accountID, pwEnc, totpEnc, now)
		if err != nil {
			return err
		}
		if n != 1 {
			return errEnrollmentUsed
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM recovery_codes WHERE account_id = $1`, r.accountID); err != nil {
			return err
		}
		for _, c := range codes {
			norm, _ := credential.NormalizeRecoveryCode(c)
			if _, err := s.db.Exec(ctx, `INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)`,
				r.accountID, credential.HashRecoveryCode(norm)); err != nil {
				return err
			}
		}
		return s.record(ctx, audit.Event{Action: audit.EnrollmentOpened, TargetID: &r.accountID, TargetLogin: r.login})
	})
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{
		AccountID:      r.accountID,
		Login:          r.login,
		Password:       password,
		TOTPSecret:     secret,
		OTPAuthURI:     credential.OTPAuthURI(s.policy.Issuer, r.login, secret),
		RecoveryCodes:  codes,
		ActivateBefore: r.expiresAt.UTC(),
		Viewer:         viewer,
	}, nil
}

// ShowEnrollment shows again the credentials of a link opened by OpenEnrollmentInBrowser,
// to the browser holding its viewer token, until the account is activated or the link
// expires. Any other caller gets what a second opening gets: enrollment_used.
func (s *Service) ShowEnrollment(ctx context.Context, token, viewer string) (Credentials, error) {
	r, err := s.findEnrollment(ctx, token)
	if err != nil {
		return Credentials{}, err
	}
	if !r.opened || r.revoked {
		return Credentials{}, errEnrollmentUsed
	}
	if !s.now().Before(r.expiresAt) {
		return Credentials{}, errEnrollmentExpired
	}
	var enc, hash []byte
	var status string
	if err := s.db.QueryRow(ctx, `SELECT e.reveal_enc, e.viewer_hash, a.status FROM enrollments e
		JOIN accounts a ON a.id = e.account_id WHERE e.id = $1`, r.id).Scan(&enc, &hash, &status); err != nil {
		return Credentials{}, err
	}
	want := credential.HashToken(viewer)
	if enc == nil || len(hash) != len(want) || subtle.ConstantTimeCompare(hash, want) != 1 || Status(status) != StatusPending {
		return Credentials{}, errEnrollmentUsed
	}
	b, err := s.keys.Decrypt(enc, adReveal(r.id))
	if err != nil {
		return Credentials{}, apperr.Internal(err)
	}
	var v revealed
	if err := json.Unmarshal(b, &v); err != nil {
		return Credentials{}, apperr.Internal(err)
	}
	return Credentials{
		AccountID:      r.accountID,
		Login:          r.login,
		Password:       v.Password,
		TOTPSecret:     v.TOTPSecret,
		OTPAuthURI:     credential.OTPAuthURI(s.policy.Issuer, r.login, v.TOTPSecret),
		RecoveryCodes:  v.RecoveryCodes,
		ActivateBefore: r.expiresAt.UTC(),
		Viewer:         viewer,
	}, nil
}

// forgetReveals clears the credentials kept for the browsers of the account's links.
const forgetReveals = `UPDATE enrollments SET reveal_enc = NULL, viewer_hash = NULL WHERE account_id = $1 AND reveal_enc IS NOT NULL`

// Activate makes a pending account active on proof of its new password and a TOTP code
// (which proves the authenticator app is set up). The code's time step is burned: the
// same code cannot then be used to log in.
func (s *Service) Activate(ctx context.Context, p Proof) (Account, error) {
	acc, err := s.activate(ctx, p)
	s.observeErr(err)
	return acc, err
}

func (s *Service) activate(ctx context.Context, p Proof) (Account, error) {
	p.RecoveryCode = "" // activation proves the authenticator works
	v, err := s.check(ctx, p)
	if err != nil {
		return Account{}, err
	}
	if !v.ok {
		// The same right code sent twice (a double click, a reload): the first activated
		// the account and burned the code's step; the second is told so, not counted.
		if ok, err := s.activatedWith(ctx, v, p.Code); err != nil || ok {
			if err != nil {
				return Account{}, err
			}
			return Account{}, errAlreadyActive
		}
		return Account{}, s.failTx(ctx, v, audit.LoginFailed)
	}
	acc := v.row.Account
	now := s.now()
	if acc.Status != StatusPending {
		if acc.Status == StatusActive {
			return Account{}, errAlreadyActive
		}
		v.ok, v.reason = false, "disabled"
		return Account{}, s.failTx(ctx, v, audit.LoginFailed)
	}
	var deadline time.Time
	err = s.db.QueryRow(ctx, `SELECT expires_at FROM enrollments WHERE account_id = $1 AND opened_at IS NOT NULL
		ORDER BY opened_at DESC LIMIT 1`, acc.ID).Scan(&deadline)
	if err != nil {
		return Account{}, err
	}
	if !now.Before(deadline) {
		return Account{}, errEnrollmentExpired
	}
	expires := s.policy.CredentialLifetime.After(now)
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		n, err := s.db.ExecCount(ctx, `UPDATE accounts SET status = 'active', activated_at = $2, expires_at = $4, expiry_notified = FALSE,
			totp_last_step = $3, failed_count = 0, locked_until = NULL, last_login_at = $2, updated_at = $2
			WHERE id = $1 AND status = 'pending' AND totp_last_step < $3`, acc.ID, now, v.step, expires)
		if err != nil {
			return err
		}
		if n != 1 {
			return errReplayed
		}
		if _, err := s.db.Exec(ctx, forgetReveals, acc.ID); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.AccountActivated, ActorID: &acc.ID, ActorLogin: acc.Login,
			TargetID: &acc.ID, TargetLogin: acc.Login, Detail: map[string]any{"expires_at": expires.UTC().Format(time.RFC3339)}})
	})
	if errors.Is(err, errReplayed) {
		// Two submissions at once: the other one activated the account with this very code.
		var status string
		var last int64
		if err := s.db.QueryRow(ctx, `SELECT status, totp_last_step FROM accounts WHERE id = $1`, acc.ID).Scan(&status, &last); err != nil {
			return Account{}, err
		}
		if Status(status) == StatusActive && last == v.step {
			return Account{}, errAlreadyActive
		}
		v.ok, v.reason = false, "replayed_code"
		return Account{}, s.failTx(ctx, v, audit.LoginFailed)
	}
	if err != nil {
		return Account{}, err
	}
	s.observe("activated")
	return s.get(ctx, "a.id = $1", acc.ID)
}

var errAlreadyActive = apperr.Conflict("already_active", "this account is already active: log in")

// activatedWith tells whether a failed activation proof is the right password with the
// very code that activated the account (its step is the last one used): a repeat of a
// successful activation, not an attack.
func (s *Service) activatedWith(ctx context.Context, v verdict, code string) (bool, error) {
	if v.row == nil || v.row.Status != StatusActive || v.reason != "wrong_code" || v.row.ActivatedAt == nil || v.row.lastStep == 0 {
		return false, nil
	}
	secret, err := s.keys.Decrypt(v.row.totpEnc, adFor("totp_secret_enc", v.row.ID))
	if err != nil {
		return false, apperr.Internal(err)
	}
	step, ok := credential.VerifyTOTP(secret, code, s.now(), TOTPWindow, v.row.lastStep-1)
	return ok && step == v.row.lastStep, nil
}
