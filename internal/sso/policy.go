package sso

import (
	"context"
	"database/sql"
	"errors"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
)

// Policy is how the people of a role log in, in an establishment.
type Policy string

// The policies.
const (
	// PolicySSOOnly: an SSO login is enough. Such a person needs no cartable
	// credentials (an SSO-only student has no password to renew); one who has them
	// may still use them.
	PolicySSOOnly Policy = "sso_only"
	// PolicySSOThenTOTP: an SSO login, then cartable's TOTP code (or a recovery code),
	// whose expiry and renewal rules keep applying.
	PolicySSOThenTOTP Policy = "sso_then_totp"
	// PolicyCartableOnly: no SSO login; cartable's password and code only.
	PolicyCartableOnly Policy = "cartable_only"
)

// ParsePolicy validates a policy name.
func ParsePolicy(s string) (Policy, error) {
	switch p := Policy(s); p {
	case PolicySSOOnly, PolicySSOThenTOTP, PolicyCartableOnly:
		return p, nil
	}
	return "", apperr.Invalid("invalid_policy", "unknown policy %q: sso_only, sso_then_totp or cartable_only", clip(s, 40))
}

// DefaultPolicy is the policy of a role where an establishment set none: staff, who see
// many students' data, add cartable's code to the SSO login; students and parents, who
// see their own, log in with SSO alone; a platform administrator never logs in
// through a provider (none is his establishment's).
func DefaultPolicy(role authz.Role) Policy {
	switch role {
	case authz.RoleStudent, authz.RoleParent:
		return PolicySSOOnly
	case authz.RolePlatformAdmin:
		return PolicyCartableOnly
	}
	return PolicySSOThenTOTP
}

// Settings are an establishment's single sign-on choices.
type Settings struct {
	EstablishmentID int64 `json:"establishment_id"`
	// Providers are the names of the providers its people may use.
	Providers []string `json:"providers"`
	// Policies holds the policy of every role of an establishment (defaults filled).
	Policies map[authz.Role]Policy `json:"policies"`
}

var errNotAdmin = apperr.Forbidden("forbidden", "you are not an administrator of this establishment")

func mayManage(p *authz.Principal, establishmentID int64) error {
	if p.IsPlatformAdmin() || p.Has(authz.RoleAdmin, establishmentID) {
		return nil
	}
	return errNotAdmin
}

// Settings returns an establishment's choices, for its administrators.
func (s *Service) Settings(ctx context.Context, p *authz.Principal, establishmentID int64) (Settings, error) {
	if err := mayManage(p, establishmentID); err != nil {
		return Settings{}, err
	}
	st := Settings{EstablishmentID: establishmentID, Providers: []string{}, Policies: map[authz.Role]Policy{}}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var name string
		err := rows.Scan(&name)
		st.Providers = append(st.Providers, name)
		return err
	}, `SELECT p.name FROM sso_establishment_providers ep JOIN sso_providers p ON p.id = ep.provider_id
		WHERE ep.establishment_id = $1 ORDER BY p.name`, establishmentID)
	if err != nil {
		return Settings{}, err
	}
	for _, r := range authz.Roles {
		if r != authz.RolePlatformAdmin {
			if st.Policies[r], err = s.policy(ctx, establishmentID, r); err != nil {
				return Settings{}, err
			}
		}
	}
	return st, nil
}

// AllowProvider lets (or no longer lets) an establishment's people log in through a
// provider.
func (s *Service) AllowProvider(ctx context.Context, p *authz.Principal, establishmentID int64, provider string, allowed bool) error {
	if err := mayManage(p, establishmentID); err != nil {
		return err
	}
	prov, err := s.provider(ctx, provider)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		var n int64
		var err error
		if allowed {
			n, err = s.db.ExecCount(ctx, `INSERT INTO sso_establishment_providers (establishment_id, provider_id, created_at)
				VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, establishmentID, prov.ID, s.now())
			if errors.Is(err, store.ErrConflict) {
				return apperr.NotFound("establishment_not_found", "no such establishment")
			}
		} else {
			n, err = s.db.ExecCount(ctx, `DELETE FROM sso_establishment_providers WHERE establishment_id = $1 AND provider_id = $2`,
				establishmentID, prov.ID)
		}
		if err != nil || n == 0 {
			return err
		}
		return s.record(ctx, event{action: audit.SSOEstablishmentSet, provider: prov.Name, actor: p.Actor(), est: establishmentID,
			detail: map[string]any{"allowed": allowed}})
	})
}

// SetPolicy sets how the people of role log in, in an establishment.
func (s *Service) SetPolicy(ctx context.Context, p *authz.Principal, establishmentID int64, role authz.Role, policy Policy) error {
	if err := mayManage(p, establishmentID); err != nil {
		return err
	}
	if _, err := authz.ParseRole(string(role)); err != nil {
		return err
	}
	if role == authz.RolePlatformAdmin {
		return apperr.Invalid("invalid_role", "the platform-admin role belongs to no establishment")
	}
	if _, err := ParsePolicy(string(policy)); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		_, err := s.db.Exec(ctx, `INSERT INTO sso_policies (establishment_id, role, policy, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (establishment_id, role) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`,
			establishmentID, string(role), string(policy), s.now())
		if errors.Is(err, store.ErrConflict) {
			return apperr.NotFound("establishment_not_found", "no such establishment")
		}
		if err != nil {
			return err
		}
		return s.record(ctx, event{action: audit.SSOEstablishmentSet, actor: p.Actor(), est: establishmentID,
			detail: map[string]any{"role": string(role), "policy": string(policy)}})
	})
}

func (s *Service) policy(ctx context.Context, establishmentID int64, role authz.Role) (Policy, error) {
	var p string
	err := s.db.QueryRow(ctx, `SELECT policy FROM sso_policies WHERE establishment_id = $1 AND role = $2`, establishmentID, string(role)).Scan(&p)
	if errors.Is(err, store.ErrNotFound) {
		return DefaultPolicy(role), nil
	}
	return Policy(p), err
}

func (s *Service) allowed(ctx context.Context, establishmentID, providerID int64) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM sso_establishment_providers WHERE establishment_id = $1 AND provider_id = $2`,
		establishmentID, providerID).Scan(&n)
	return n > 0, err
}

// LoginProviders are the enabled providers an establishment allows (every one allowed
// by some establishment when establishmentID is 0), for the buttons of a login page.
func (s *Service) LoginProviders(ctx context.Context, establishmentID int64) ([]Provider, error) {
	q := `SELECT ` + providerColumns + ` FROM sso_providers p WHERE enabled AND EXISTS
		(SELECT 1 FROM sso_establishment_providers ep WHERE ep.provider_id = p.id AND (ep.establishment_id = $1 OR $1 = 0)) ORDER BY label, name`
	var out []Provider
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		pr, err := scanProvider(rows)
		out = append(out, pr)
		return err
	}, q, establishmentID)
	return out, err
}

// Refusal reasons of a login or link, stable for the audit trail.
const (
	ReasonNoRole             = "no_role"
	ReasonPlatformAdmin      = "platform_admin"
	ReasonProviderNotAllowed = "provider_not_allowed"
	ReasonCartableOnly       = "policy_cartable_only"
)

// decision is whether an account may log in through a provider.
type decision struct {
	secondFactor bool
	reason       string // empty: allowed
	est          int64  // the establishment that refused
}

// decide applies the rule of an SSO login to an account: every establishment where it
// holds a role allows the provider and none of its roles is cartable_only; the second
// factor is due when one of its roles asks for it. Checking every establishment, not
// one, is what keeps a provider allowed by one establishment from opening a session
// that also acts in another one.
func (s *Service) decide(ctx context.Context, acc account.Account, prov Provider) (decision, error) {
	var d decision
	if len(acc.Roles) == 0 {
		return decision{reason: ReasonNoRole}, nil
	}
	for _, m := range acc.Roles {
		if m.Role == authz.RolePlatformAdmin {
			return decision{reason: ReasonPlatformAdmin}, nil
		}
		ok, err := s.allowed(ctx, m.EstablishmentID, prov.ID)
		if err != nil {
			return d, err
		}
		if !ok {
			return decision{reason: ReasonProviderNotAllowed, est: m.EstablishmentID}, nil
		}
		pol, err := s.policy(ctx, m.EstablishmentID, m.Role)
		if err != nil {
			return d, err
		}
		switch pol {
		case PolicyCartableOnly:
			return decision{reason: ReasonCartableOnly, est: m.EstablishmentID}, nil
		case PolicySSOThenTOTP:
			d.secondFactor = true
		}
	}
	return d, nil
}
