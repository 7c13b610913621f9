package establishment

import (
	"context"
	"slices"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
)

// errNotVisible answers every establishment the caller has no role in, existing or not,
// so UAIs cannot be probed through the API.
var errNotVisible = apperr.NotFound("establishment_not_found", "no such establishment")

// Resolve returns the establishment with uai if p holds one of roles there (any role
// when roles is empty); a platform administrator sees every establishment. Every
// handler of establishment data starts here, so no query runs without the caller's
// establishment.
func (s *Service) Resolve(ctx context.Context, p *authz.Principal, uai string, roles ...authz.Role) (Establishment, error) {
	e, err := s.ByUAI(ctx, uai)
	if err != nil {
		if apperr.KindOf(err) == apperr.KindNotFound {
			return Establishment{}, errNotVisible
		}
		return Establishment{}, err
	}
	if p.IsPlatformAdmin() {
		return e, nil
	}
	// Every role the caller holds there counts (a teacher may also sit on the jury):
	// refused only when none of them is one of roles.
	member := false
	for _, m := range p.Roles {
		if m.EstablishmentID != e.ID {
			continue
		}
		member = true
		if len(roles) == 0 || slices.Contains(roles, m.Role) {
			return e, nil
		}
	}
	if member {
		return Establishment{}, apperr.Forbidden("forbidden", "your role in this establishment does not allow this")
	}
	return Establishment{}, errNotVisible
}

// Get returns an establishment the caller has a role in.
func (s *Service) Get(ctx context.Context, p *authz.Principal, uai string) (Establishment, error) {
	return s.Resolve(ctx, p, uai)
}

// Visible lists the establishments the caller has a role in (all of them for a
// platform administrator).
func (s *Service) Visible(ctx context.Context, p *authz.Principal) ([]Establishment, error) {
	all, err := s.List(ctx)
	if err != nil || p.IsPlatformAdmin() {
		return all, err
	}
	out := []Establishment{}
	for _, e := range all {
		for _, m := range p.Roles {
			if m.EstablishmentID == e.ID {
				out = append(out, e)
				break
			}
		}
	}
	return out, nil
}

// UpdateAs updates an establishment on behalf of p: its administrators may change its
// name and its transfer consents; only a platform administrator may change the rest.
func (s *Service) UpdateAs(ctx context.Context, p *authz.Principal, in Input) (Establishment, error) {
	e, err := s.Resolve(ctx, p, in.UAI, authz.RoleAdmin)
	if err != nil {
		return Establishment{}, err
	}
	if !p.IsPlatformAdmin() && (in.Academie != nil || in.Kind != nil || in.Sector != nil) {
		return Establishment{}, apperr.Forbidden("forbidden", "only a platform administrator can change the académie, the kind or the sector")
	}
	in.UAI = e.UAI
	return s.Update(ctx, p.Actor(), in)
}
