package account

import (
	"context"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
)

var errNotAllowed = apperr.Forbidden("forbidden", "you are not allowed to manage this account")

// Why an administrator may see an account but not manage it (Account.ReadOnly).
const (
	// ReadOnlyOtherEstablishment: the account also holds roles in an establishment
	// the administrator does not administer.
	ReadOnlyOtherEstablishment = "other_establishment"
	// ReadOnlyPlatformRole: the account holds a role only a platform administrator
	// gives (platform-admin, inspector).
	ReadOnlyPlatformRole = "platform_role"
)

// readOnlyError is the refusal of a management action on an account p may only see.
func readOnlyError(reason string) error {
	if reason == ReadOnlyPlatformRole {
		return apperr.Forbidden("account_platform_role",
			"this account holds a role only a platform administrator gives: only a platform administrator can reissue, disable, expire or unlock it")
	}
	return apperr.Forbidden("account_other_establishment",
		"this account also holds roles in another establishment: only a platform administrator (or an administrator of all its establishments) can reissue, disable, expire or unlock it")
}

// mayGive tells whether p may give the role m: a platform administrator any role; an
// establishment administrator the roles admin, teacher, student and parent, and the
// higher-education roles office, programme-director, jury, referent, disability-office and
// pilotage, in his own establishments.
func mayGive(p *authz.Principal, m authz.Membership) bool {
	if p.IsPlatformAdmin() {
		return true
	}
	switch m.Role {
	case authz.RoleAdmin, authz.RoleTeacher, authz.RoleStudent, authz.RoleParent,
		authz.RoleOffice, authz.RoleProgrammeDirector, authz.RoleJury,
		authz.RoleReferent, authz.RoleDisabilityOffice, authz.RolePilotage:
		return p.Has(authz.RoleAdmin, m.EstablishmentID)
	}
	return false
}

// canCreate tells whether p may create an account with roles (see mayGive); an
// establishment administrator must give at least one.
func canCreate(p *authz.Principal, roles []authz.Membership) error {
	if p.IsPlatformAdmin() {
		return nil
	}
	if len(roles) == 0 {
		return errNotAllowed
	}
	for _, m := range roles {
		switch m.Role {
		case authz.RoleAdmin, authz.RoleTeacher, authz.RoleStudent, authz.RoleParent,
			authz.RoleOffice, authz.RoleProgrammeDirector, authz.RoleJury,
			authz.RoleReferent, authz.RoleDisabilityOffice, authz.RolePilotage:
		default:
			return apperr.Forbidden("forbidden", "only a platform administrator can give the role %s", m.Role)
		}
		if !mayGive(p, m) {
			return apperr.Forbidden("forbidden", "you are not an administrator of this establishment")
		}
	}
	return nil
}

// level is what a principal may do with an account.
type level int

// The levels, each including the one before.
const (
	// levelNone: the account does not exist for him (not-found, so ids cannot be
	// probed).
	levelNone level = iota
	// levelView: he sees that the account exists in his establishments: its login,
	// name, state, and its roles and audit events in his establishments.
	levelView
	// levelManage: he may reissue, disable, expire, unlock it and give it roles.
	levelManage
)

// accessTo is the one rule of who may see and manage an account with roles. A platform
// administrator manages every account. An establishment administrator sees the
// accounts holding a role in one of his establishments, and manages those whose every
// role he could have given himself (mayGive) — the same rule as for creating them: an
// account that also acts in another establishment, or holds a platform-wide role, is
// not his to take over. reason says why an account he sees is not his to manage.
func accessTo(p *authz.Principal, roles []authz.Membership) (a level, reason string) {
	if p.IsPlatformAdmin() {
		return levelManage, ""
	}
	seen := false
	for _, m := range roles {
		if m.EstablishmentID != 0 && p.Has(authz.RoleAdmin, m.EstablishmentID) {
			seen = true
		}
		switch {
		case mayGive(p, m):
		case m.Role == authz.RolePlatformAdmin || m.Role == authz.RoleInspector:
			reason = ReadOnlyPlatformRole
		case reason == "":
			reason = ReadOnlyOtherEstablishment
		}
	}
	switch {
	case !seen:
		return levelNone, ""
	case reason != "":
		return levelView, reason
	}
	return levelManage, ""
}

// restrict applies accessTo to an account p may see: the roles outside p's
// establishments are left out, and ReadOnly says why p may not manage it.
func restrict(p *authz.Principal, acc *Account) level {
	a, reason := accessTo(p, acc.Roles)
	if p.IsPlatformAdmin() || a == levelNone {
		return a
	}
	acc.ReadOnly = reason
	mine := make([]authz.Membership, 0, len(acc.Roles))
	for _, m := range acc.Roles {
		if m.EstablishmentID != 0 && p.Has(authz.RoleAdmin, m.EstablishmentID) {
			mine = append(mine, m)
		}
	}
	acc.Roles = mine
	return a
}

var errAccountNotFound = apperr.NotFound("account_not_found", "no such account")

// authorize loads the account id if p has the access need to it (see accessTo): an
// account p may not see is not found; one he may only see is forbidden to manage,
// with the reason.
func (s *Service) authorize(ctx context.Context, p *authz.Principal, id int64, need level) (Account, error) {
	acc, err := s.get(ctx, "a.id = $1", id)
	if err != nil {
		return Account{}, err
	}
	a := restrict(p, &acc)
	switch {
	case a == levelNone:
		return Account{}, errAccountNotFound
	case a < need:
		return Account{}, readOnlyError(acc.ReadOnly)
	}
	return acc, nil
}

// Events returns the latest audit events about the account id (at most limit), as p
// may see them: all of them for an administrator who manages the account; for one who
// only sees it, the events of his establishments, not the account's own (logins,
// reissues), which tell of its life in the other establishments.
func (s *Service) Events(ctx context.Context, p *authz.Principal, id int64, limit int) ([]audit.Event, error) {
	acc, err := s.authorize(ctx, p, id, levelView)
	if err != nil {
		return nil, err
	}
	f := audit.Filter{TargetID: acc.ID, Limit: limit}
	if !p.IsPlatformAdmin() {
		f.Within = &audit.Scope{Establishments: p.Establishments(authz.RoleAdmin), Unattached: acc.ReadOnly == ""}
	}
	return s.audit.List(ctx, f)
}
