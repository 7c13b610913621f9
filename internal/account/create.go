package account

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/store"
)

// Enrollment is a freshly issued single-use link. Token is shown once, never stored.
type Enrollment struct {
	AccountID int64     `json:"-"`
	Login     string    `json:"login"`
	Token     string    `json:"-"`
	URL       string    `json:"enrollment_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Enrollment reasons.
const (
	ReasonCreate  = "create"
	ReasonReissue = "reissue"
	ReasonRenewal = "renewal"
	ReasonSignup  = "signup"
)

// CreateInput describes a new account.
type CreateInput struct {
	Login       string
	DisplayName string
	Lang        string
	Roles       []authz.Membership
	SelfSignup  bool
}

// Create creates a pending account with its roles and its first enrolment link.
func (s *Service) Create(ctx context.Context, p *authz.Principal, in CreateInput) (Account, Enrollment, error) {
	acc, enr, err := s.create(ctx, p, in)
	s.observeCreate(err)
	return acc, enr, err
}

func (s *Service) create(ctx context.Context, p *authz.Principal, in CreateInput) (Account, Enrollment, error) {
	if !in.SelfSignup {
		if err := canCreate(p, in.Roles); err != nil {
			return Account{}, Enrollment{}, err
		}
	}
	actor := p.Actor()
	login := NormalizeLogin(in.Login)
	if err := ValidateLogin(login); err != nil {
		return Account{}, Enrollment{}, err
	}
	displayName := strings.TrimSpace(in.DisplayName)
	if err := apperr.CheckLen("display_name", displayName, MaxDisplayName); err != nil {
		return Account{}, Enrollment{}, err
	}
	for _, m := range in.Roles {
		if err := validMembership(m); err != nil {
			return Account{}, Enrollment{}, err
		}
	}
	lang := in.Lang
	if lang != "en" {
		lang = "fr"
	}
	now := s.now()
	var acc Account
	var enr Enrollment
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		var id int64
		err := s.db.QueryRow(ctx, `INSERT INTO accounts (login, display_name, status, lang, self_signup, created_by, created_at, updated_at)
			VALUES ($1, $2, 'pending', $3, $4, $5, $6, $6) RETURNING id`,
			login, displayName, lang, in.SelfSignup, nullID(actor.ID), now).Scan(&id)
		if errors.Is(err, store.ErrConflict) {
			return apperr.Conflict("login_taken", "the login %q is already taken", login)
		}
		if err != nil {
			return err
		}
		for _, m := range in.Roles {
			if err := s.addMembership(ctx, id, m, now); err != nil {
				return err
			}
		}
		action := audit.AccountCreated
		if in.SelfSignup {
			action = audit.SelfSignup
		}
		if err := s.record(ctx, audit.Event{Action: action, ActorID: audit.ID(actor.ID), ActorLogin: actor.Login,
			TargetID: &id, TargetLogin: login, Detail: rolesDetail(in.Roles)}); err != nil {
			return err
		}
		reason := ReasonCreate
		if in.SelfSignup {
			reason = ReasonSignup
		}
		enr, err = s.issue(ctx, id, login, reason, actor, now)
		if err != nil {
			return err
		}
		acc, err = s.get(ctx, "a.id = $1", id)
		return err
	})
	return acc, enr, err
}

func validMembership(m authz.Membership) error {
	if _, err := authz.ParseRole(string(m.Role)); err != nil {
		return err
	}
	if (m.Role == authz.RolePlatformAdmin) != (m.EstablishmentID == 0) {
		if m.Role == authz.RolePlatformAdmin {
			return apperr.Invalid("invalid_role", "the platform-admin role belongs to no establishment")
		}
		return apperr.Invalid("invalid_role", "the role %s needs an establishment (--uai)", m.Role)
	}
	return nil
}

func rolesDetail(ms []authz.Membership) map[string]any {
	if len(ms) == 0 {
		return nil
	}
	var roles []string
	for _, m := range ms {
		r := string(m.Role)
		if m.UAI != "" {
			r += "@" + m.UAI
		}
		roles = append(roles, r)
	}
	return map[string]any{"roles": roles}
}

func (s *Service) addMembership(ctx context.Context, accountID int64, m authz.Membership, now time.Time) error {
	_, err := s.db.Exec(ctx, `INSERT INTO memberships (account_id, establishment_id, role, created_at) VALUES ($1, $2, $3, $4)`,
		accountID, nullID(m.EstablishmentID), string(m.Role), now)
	if errors.Is(err, store.ErrConflict) {
		return nil // already has this role there
	}
	return err
}

// AddRole gives an existing account one more role.
func (s *Service) AddRole(ctx context.Context, p *authz.Principal, accountID int64, m authz.Membership) error {
	if err := validMembership(m); err != nil {
		return err
	}
	if err := canCreate(p, []authz.Membership{m}); err != nil {
		return err
	}
	actor := p.Actor()
	return s.db.Tx(ctx, func(ctx context.Context) error {
		acc, err := s.authorize(ctx, p, accountID, levelManage)
		if err != nil {
			return err
		}
		if err := s.addMembership(ctx, accountID, m, s.now()); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.AccountRoleAdded, ActorID: audit.ID(actor.ID), ActorLogin: actor.Login,
			TargetID: &acc.ID, TargetLogin: acc.Login, EstablishmentID: audit.ID(m.EstablishmentID), Detail: rolesDetail([]authz.Membership{m})})
	})
}

// Reissue gives an account a new enrolment link. Its current password, TOTP secret,
// recovery codes, sessions and unopened links stop working at once: whoever holds the
// new link is the only one who can activate it.
func (s *Service) Reissue(ctx context.Context, p *authz.Principal, accountID int64) (Enrollment, error) {
	var enr Enrollment
	actor := p.Actor()
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		acc, err := s.authorize(ctx, p, accountID, levelManage)
		if err != nil {
			return err
		}
		if acc.Status == StatusDisabled {
			return apperr.Conflict("account_disabled", "the account %s is disabled", acc.Login)
		}
		if err := s.record(ctx, audit.Event{Action: audit.AccountReissued, ActorID: audit.ID(actor.ID), ActorLogin: actor.Login,
			TargetID: &acc.ID, TargetLogin: acc.Login}); err != nil {
			return err
		}
		enr, err = s.reenrol(ctx, acc, ReasonReissue, actor)
		return err
	})
	return enr, err
}

// Reissued is an account given a new enrolment link.
type Reissued struct {
	Account    Account
	Enrollment Enrollment
}

// ReissuePending gives each pending account of ids a new enrolment link, to print its
// letter; accounts that are not pending are skipped (printing does not reset working
// credentials), and so are repeated ids. It is all or nothing: an account p may not
// manage refuses the whole print, so that no letter printed earlier stops working for
// a print that never comes.
func (s *Service) ReissuePending(ctx context.Context, p *authz.Principal, ids []int64) ([]Reissued, error) {
	actor := p.Actor()
	var out []Reissued
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		out = out[:0]
		done := map[int64]bool{}
		for _, id := range ids {
			if done[id] {
				continue
			}
			done[id] = true
			acc, err := s.authorize(ctx, p, id, levelManage)
			if err != nil {
				return err
			}
			if acc.Status != StatusPending {
				continue
			}
			if err := s.record(ctx, audit.Event{Action: audit.AccountReissued, ActorID: audit.ID(actor.ID), ActorLogin: actor.Login,
				TargetID: &acc.ID, TargetLogin: acc.Login}); err != nil {
				return err
			}
			enr, err := s.reenrol(ctx, acc, ReasonReissue, actor)
			if err != nil {
				return err
			}
			out = append(out, Reissued{Account: acc, Enrollment: enr})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reenrol kills the account's credentials, sessions and links and issues a new link.
func (s *Service) reenrol(ctx context.Context, acc Account, reason string, actor authz.Actor) (Enrollment, error) {
	now := s.now()
	if _, err := s.db.Exec(ctx, `UPDATE accounts SET status = 'pending', password_enc = NULL, totp_secret_enc = NULL,
		totp_last_step = 0, credentials_issued_at = NULL, activated_at = NULL, expires_at = NULL, expiry_notified = FALSE,
		failed_count = 0, locked_until = NULL, hard_locked_at = NULL, updated_at = $2 WHERE id = $1`, acc.ID, now); err != nil {
		return Enrollment{}, err
	}
	for _, q := range []string{
		`DELETE FROM sessions WHERE account_id = $1`,
		`DELETE FROM recovery_codes WHERE account_id = $1`,
		forgetReveals,
	} {
		if _, err := s.db.Exec(ctx, q, acc.ID); err != nil {
			return Enrollment{}, err
		}
	}
	return s.issue(ctx, acc.ID, acc.Login, reason, actor, now)
}

// issue revokes the account's unopened links and creates a new one.
func (s *Service) issue(ctx context.Context, accountID int64, login, reason string, actor authz.Actor, now time.Time) (Enrollment, error) {
	if _, err := s.db.Exec(ctx, `UPDATE enrollments SET revoked_at = $2 WHERE account_id = $1 AND opened_at IS NULL AND revoked_at IS NULL`, accountID, now); err != nil {
		return Enrollment{}, err
	}
	token, err := credential.NewToken(credential.KindEnrollment, s.rand)
	if err != nil {
		return Enrollment{}, err
	}
	exp := now.Add(s.policy.EnrollmentTTL)
	if _, err := s.db.Exec(ctx, `INSERT INTO enrollments (account_id, token_hash, reason, created_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, accountID, credential.HashToken(token), reason, nullID(actor.ID), now, exp); err != nil {
		return Enrollment{}, err
	}
	return Enrollment{AccountID: accountID, Login: login, Token: token, URL: s.EnrollmentURL(token), ExpiresAt: exp.UTC()}, nil
}

// EnrollmentURL is the web address of an enrolment link; its last segment is the token.
func (s *Service) EnrollmentURL(token string) string {
	return strings.TrimRight(s.policy.BaseURL, "/") + "/enrol/" + token
}

// SelfSignup creates an account for a visitor when the deployment allows it. The
// caller rate-limits per IP.
func (s *Service) SelfSignup(ctx context.Context, login, displayName, lang string) (Enrollment, error) {
	if !s.policy.SelfSignup {
		return Enrollment{}, apperr.Forbidden("signup_disabled", "self sign-up is not enabled on this service")
	}
	_, enr, err := s.Create(ctx, &authz.Principal{Login: "(self)"}, CreateInput{Login: login, DisplayName: displayName, Lang: lang, SelfSignup: true})
	return enr, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
