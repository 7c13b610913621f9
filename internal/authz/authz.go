// Package authz is the vocabulary of who may do what: the roles, an account's roles per
// establishment (memberships), and the principal of a request. It is a leaf: feature
// packages decide rights with it without importing the credential service (account),
// and new kinds of people (guardians, territorial staff, higher-education roles) are
// added here once.
package authz

import (
	"time"

	"github.com/cartable/cartable/internal/apperr"
)

// Role is what an account may do, per establishment (platform-admin: everywhere).
type Role string

// The roles. The feature packages give them their rights.
const (
	RolePlatformAdmin Role = "platform-admin"
	RoleAdmin         Role = "admin"
	RoleTeacher       Role = "teacher"
	RoleInspector     Role = "inspector"
	RoleStudent       Role = "student"
	RoleParent        Role = "parent"
	// Higher education: the office of studies (scolarité: rules, proofs, imports), the
	// programme director (exemptions, the pre-jury) and jury members (read-only).
	RoleOffice            Role = "office"
	RoleProgrammeDirector Role = "programme-director"
	RoleJury              Role = "jury"
	// Learning agreements (issue 13): the teacher-referent (directeur d'études: comments,
	// proposes), the disability office (the adjustments of the students it follows) and
	// pilotage (anonymous aggregates only).
	RoleReferent         Role = "referent"
	RoleDisabilityOffice Role = "disability-office"
	RolePilotage         Role = "pilotage"
)

// Roles lists every role, platform-admin first.
var Roles = []Role{RolePlatformAdmin, RoleAdmin, RoleTeacher, RoleInspector, RoleStudent, RoleParent,
	RoleOffice, RoleProgrammeDirector, RoleJury, RoleReferent, RoleDisabilityOffice, RolePilotage}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", apperr.Invalid("invalid_role", "unknown role %q: use one of platform-admin, admin, teacher, inspector, student, parent, office, programme-director, jury, referent, disability-office, pilotage", s)
}

// Membership is one role of an account, in one establishment (none for platform-admin).
type Membership struct {
	Role            Role   `json:"role"`
	EstablishmentID int64  `json:"establishment_id,omitempty"`
	UAI             string `json:"uai,omitempty"`
}

// Actor is who performs an action, for the audit trail.
type Actor struct {
	ID    int64
	Login string
}

// Operator is the actor of commands run on the server itself (cartable account …).
var Operator = Actor{Login: "(operator)"}

// Principal is the authenticated caller of a request.
type Principal struct {
	AccountID   int64
	Login       string
	DisplayName string
	Lang        string
	Roles       []Membership
	SessionID   int64
	SessionKind string
	// CredentialsExpireAt is when the password and TOTP expire (nil before activation).
	CredentialsExpireAt *time.Time
	// PassportOnly restricts a student who left to downloading his passport, until
	// AccessUntil.
	PassportOnly bool
	AccessUntil  time.Time
}

// OperatorPrincipal is the principal of commands run on the server itself (cartable
// account …, cartable token …): whoever can run them can read the key file anyway.
func OperatorPrincipal() *Principal {
	return &Principal{Login: Operator.Login, Roles: []Membership{{Role: RolePlatformAdmin}}}
}

// Actor returns the principal as an audit actor.
func (p *Principal) Actor() Actor { return Actor{ID: p.AccountID, Login: p.Login} }

// IsPlatformAdmin reports the platform-admin role.
func (p *Principal) IsPlatformAdmin() bool { return p.Has(RolePlatformAdmin, 0) }

// Has reports whether the principal holds role in the establishment (0: platform-wide).
func (p *Principal) Has(role Role, establishmentID int64) bool {
	for _, m := range p.Roles {
		if m.Role == role && m.EstablishmentID == establishmentID {
			return true
		}
	}
	return false
}

// Establishments returns the establishments where the principal holds one of roles.
func (p *Principal) Establishments(roles ...Role) []int64 {
	var out []int64
	for _, m := range p.Roles {
		for _, r := range roles {
			if m.Role == r && m.EstablishmentID != 0 {
				out = append(out, m.EstablishmentID)
				break
			}
		}
	}
	return out
}

// Access modes of an account, decided by the rules of other packages (a student who
// left keeps a passport-only access for three months).
const (
	AccessFull         = "full"
	AccessPassportOnly = "passport-only"
	AccessEnded        = "ended"
)

// Access is what an account may do now.
type Access struct {
	Mode string
	// Until is when a passport-only access ends (or ended).
	Until time.Time
}
