package account

import (
	"context"

	"github.com/cartable/cartable/internal/apperr"
)

// OperatorPrincipal is the principal of commands run on the server itself (cartable
// account …, cartable token …): whoever can run them can read the key file anyway.
func OperatorPrincipal() *Principal {
	return &Principal{Login: Operator.Login, Roles: []Membership{{Role: RolePlatformAdmin}}}
}

var errNotAllowed = apperr.Forbidden("forbidden", "you are not allowed to manage this account")

// canCreate tells whether p may create an account with roles: a platform administrator
// may give any role; an establishment administrator may give the roles admin, teacher,
// student and parent in his own establishments.
func canCreate(p *Principal, roles []Membership) error {
	if p.IsPlatformAdmin() {
		return nil
	}
	if len(roles) == 0 {
		return errNotAllowed
	}
	for _, m := range roles {
		switch m.Role {
		case RoleAdmin, RoleTeacher, RoleStudent, RoleParent:
		default:
			return apperr.Forbidden("forbidden", "only a platform administrator can give the role %s", m.Role)
		}
		if !p.Has(RoleAdmin, m.EstablishmentID) {
			return apperr.Forbidden("forbidden", "you are not an administrator of this establishment")
		}
	}
	return nil
}

// authorize tells whether p may manage the account id: a platform administrator may
// manage any account; an establishment administrator the accounts holding a role in one
// of his establishments, except platform administrators and inspectors. Anyone else
// gets not-found, so ids cannot be probed.
func (s *Service) authorize(ctx context.Context, p *Principal, id int64) (Account, error) {
	acc, err := s.get(ctx, "a.id = $1", id)
	if err != nil {
		return acc, err
	}
	if p.IsPlatformAdmin() {
		return acc, nil
	}
	admin := false
	for _, m := range acc.Roles {
		switch {
		case m.Role == RolePlatformAdmin || m.Role == RoleInspector:
			return Account{}, apperr.NotFound("account_not_found", "no such account")
		case p.Has(RoleAdmin, m.EstablishmentID):
			admin = true
		}
	}
	if !admin {
		return Account{}, apperr.NotFound("account_not_found", "no such account")
	}
	return acc, nil
}
