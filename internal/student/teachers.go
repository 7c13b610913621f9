package student

import (
	"context"
	"database/sql"
	"sort"
	"strings"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
)

// The classes a teacher is assigned to (table class_teachers): an administrator of the
// establishment assigns them; the teacher's home page ("Mes classes") lists them.

// ClassTeacher is a teacher assigned to a class.
type ClassTeacher struct {
	Class       string `json:"class"`
	AccountID   int64  `json:"account_id"`
	Login       string `json:"login"`
	DisplayName string `json:"display_name"`
}

// MyClass is a class the principal teaches, in one of his establishments.
type MyClass struct {
	UAI               string `json:"uai"`
	EstablishmentName string `json:"establishment_name"`
	Class             string `json:"class"`
	// MEF is the formation most of the class's active students follow; MEFLabel its name.
	MEF      string `json:"mef"`
	MEFLabel string `json:"mef_label,omitempty"`
	Active   int    `json:"active"`
}

// ClassTeachers lists the assignments of an establishment (staff only).
func (s *Service) ClassTeachers(ctx context.Context, p *authz.Principal, uai string) ([]ClassTeacher, error) {
	e, all, err := s.Access(ctx, p, uai)
	if err != nil {
		return nil, err
	}
	if !all {
		return nil, apperr.Forbidden("forbidden", "staff only")
	}
	var out []ClassTeacher
	var ids []int64
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var c ClassTeacher
		err := rows.Scan(&c.Class, &c.AccountID)
		out = append(out, c)
		ids = append(ids, c.AccountID)
		return err
	}, `SELECT class, account_id FROM class_teachers WHERE establishment_id = $1 ORDER BY class, account_id`, e.ID)
	if err != nil {
		return nil, err
	}
	members, err := account.Members(ctx, s.db, e.ID, authz.RoleTeacher)
	if err != nil {
		return nil, err
	}
	byID := map[int64]account.Member{}
	for _, m := range members {
		byID[m.ID] = m
	}
	briefs, err := account.Briefs(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Login, out[i].DisplayName = briefs[out[i].AccountID].Login, byID[out[i].AccountID].DisplayName
	}
	return out, nil
}

// Teachers lists the teachers of an establishment, for the assignment form (its
// administrators only).
func (s *Service) Teachers(ctx context.Context, p *authz.Principal, uai string) ([]account.Member, error) {
	e, err := s.manageClasses(ctx, p, uai)
	if err != nil {
		return nil, err
	}
	return account.Members(ctx, s.db, e.ID, authz.RoleTeacher)
}

func (s *Service) manageClasses(ctx context.Context, p *authz.Principal, uai string) (establishment.Establishment, error) {
	e, err := s.establishments.Resolve(ctx, p, uai)
	if err != nil {
		return e, err
	}
	if !p.IsPlatformAdmin() && !p.Has(authz.RoleAdmin, e.ID) {
		return e, apperr.Forbidden("forbidden", "only an administrator of the establishment assigns classes")
	}
	return e, nil
}

// AssignTeacher assigns a teacher of the establishment to one of its classes (a class
// at least one student is in). Assigning twice is harmless.
func (s *Service) AssignTeacher(ctx context.Context, p *authz.Principal, uai, class string, accountID int64) error {
	return s.setTeacher(ctx, p, uai, class, accountID, true)
}

// RemoveTeacher ends an assignment.
func (s *Service) RemoveTeacher(ctx context.Context, p *authz.Principal, uai, class string, accountID int64) error {
	return s.setTeacher(ctx, p, uai, class, accountID, false)
}

func (s *Service) setTeacher(ctx context.Context, p *authz.Principal, uai, class string, accountID int64, assign bool) error {
	e, err := s.manageClasses(ctx, p, uai)
	if err != nil {
		return err
	}
	class = strings.TrimSpace(class)
	if err := apperr.CheckLen("class", class, maxClass); err != nil {
		return err
	}
	members, err := account.Members(ctx, s.db, e.ID, authz.RoleTeacher)
	if err != nil {
		return err
	}
	var teacher *account.Member
	for i := range members {
		if members[i].ID == accountID {
			teacher = &members[i]
		}
	}
	if teacher == nil {
		return apperr.Invalid("not_a_teacher", "this account is not a teacher of the establishment").With("uai", e.UAI)
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		action := audit.ClassTeacherAssigned
		if assign {
			var n int
			if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM students WHERE establishment_id = $1 AND class = $2`, e.ID, class).Scan(&n); err != nil {
				return err
			}
			if n == 0 || class == "" {
				return apperr.Invalid("unknown_class", "no student is in the class %q", class).With("class", class)
			}
			if _, err := s.db.Exec(ctx, `DELETE FROM class_teachers WHERE establishment_id = $1 AND class = $2 AND account_id = $3`, e.ID, class, accountID); err != nil {
				return err
			}
			if _, err := s.db.Exec(ctx, `INSERT INTO class_teachers (establishment_id, class, account_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5)`,
				e.ID, class, accountID, audit.ID(p.AccountID), s.now()); err != nil {
				return err
			}
		} else {
			action = audit.ClassTeacherRemoved
			if _, err := s.db.Exec(ctx, `DELETE FROM class_teachers WHERE establishment_id = $1 AND class = $2 AND account_id = $3`, e.ID, class, accountID); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, audit.Event{Action: action, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, TargetID: &teacher.ID, TargetLogin: teacher.Login, Detail: map[string]any{"class": class}})
	})
}

// MyClasses lists the classes the principal is assigned to, in every establishment where
// he is a teacher, with each class's main MEF and its number of active students.
func (s *Service) MyClasses(ctx context.Context, p *authz.Principal) ([]MyClass, error) {
	ests := p.Establishments(authz.RoleTeacher)
	if len(ests) == 0 || p.AccountID == 0 {
		return nil, nil
	}
	teaches := map[int64]bool{}
	for _, id := range ests {
		teaches[id] = true
	}
	type key struct {
		est   int64
		class string
	}
	var keys []key
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var k key
		if err := rows.Scan(&k.est, &k.class); err != nil {
			return err
		}
		if teaches[k.est] { // an assignment outlives a role only until the role is back
			keys = append(keys, k)
		}
		return nil
	}, `SELECT establishment_id, class FROM class_teachers WHERE account_id = $1 ORDER BY establishment_id, class`, p.AccountID)
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	var out []MyClass
	byEst := map[int64][]int{}
	for i, k := range keys {
		out = append(out, MyClass{Class: k.class})
		byEst[k.est] = append(byEst[k.est], i)
	}
	for est, idx := range byEst {
		e, err := s.establishments.ByID(ctx, est)
		if err != nil {
			return nil, err
		}
		mefs, err := s.classMEFs(ctx, est)
		if err != nil {
			return nil, err
		}
		for _, i := range idx {
			out[i].UAI, out[i].EstablishmentName = e.UAI, e.Name
			m := mefs[out[i].Class]
			out[i].MEF, out[i].MEFLabel, out[i].Active = m.MEF, m.MEFLabel, m.Active
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].EstablishmentName != out[j].EstablishmentName {
			return out[i].EstablishmentName < out[j].EstablishmentName
		}
		return out[i].Class < out[j].Class
	})
	return out, nil
}

func (s *Service) classMEFs(ctx context.Context, establishmentID int64) (map[string]ClassMEF, error) {
	out := map[string]ClassMEF{}
	best := map[string]int{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var class, mef, label string
		var n int
		if err := rows.Scan(&class, &mef, &label, &n); err != nil {
			return err
		}
		c := out[class]
		c.Active += n
		if n > best[class] || (n == best[class] && mef < c.MEF) {
			best[class], c.MEF, c.MEFLabel = n, mef, label
		}
		out[class] = c
		return nil
	}, `SELECT s.class, s.mef, COALESCE(m.label, ''), COUNT(*)`+from+` WHERE s.establishment_id = $1 AND s.status = 'active'
		GROUP BY s.class, s.mef, m.label`, establishmentID)
	return out, err
}

// maxClass bounds a class name (as competency.MaxClass).
const maxClass = 100

// ClassMEF is a class's main formation: the MEF most of its active students follow.
type ClassMEF struct {
	MEF, MEFLabel string
	Active        int
}

// ClassMEFs returns the main formation of each class of an establishment (staff only).
func (s *Service) ClassMEFs(ctx context.Context, p *authz.Principal, uai string) (map[string]ClassMEF, error) {
	e, all, err := s.Access(ctx, p, uai)
	if err != nil {
		return nil, err
	}
	if !all {
		return nil, apperr.Forbidden("forbidden", "staff only")
	}
	return s.classMEFs(ctx, e.ID)
}
