package account_test

import (
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

func (e *env) establishment(t *testing.T, uai string) int64 {
	t.Helper()
	var id int64
	if err := e.db.QueryRow(e.ctx, `INSERT INTO establishments (uai, name, created_at, updated_at) VALUES ($1, $1, $2, $2) RETURNING id`, uai, e.clock.Now()).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// activeWith creates an activated account with roles.
func (e *env) activeWith(t *testing.T, login string, roles ...authz.Membership) user {
	t.Helper()
	acc, enr, err := e.svc.Create(e.ctx, op(), account.CreateInput{Login: login, Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.OpenEnrollment(e.ctx, enr.Token)
	if err != nil {
		t.Fatal(err)
	}
	u := user{id: acc.ID, login: acc.Login, password: c.Password, secret: c.TOTPSecret}
	if _, err := e.svc.Activate(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now())}); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestAccountAcrossEstablishments: an establishment administrator manages an account
// only when every role of it lies in establishments he administers and is a role he
// could give; otherwise he sees it read-only, with its roles and audit events of his
// establishments only (outside review, issue 8, finding 1).
func TestAccountAcrossEstablishments(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		estA, estB := e.establishment(t, "0382032C"), e.establishment(t, "0442953W")
		in := func(r authz.Role, est int64) authz.Membership {
			return authz.Membership{Role: r, EstablishmentID: est}
		}
		adminA := &authz.Principal{AccountID: 999, Login: "admin.a", Roles: []authz.Membership{in(authz.RoleAdmin, estA)}}
		adminAB := &authz.Principal{AccountID: 998, Login: "admin.ab", Roles: []authz.Membership{in(authz.RoleAdmin, estA), in(authz.RoleAdmin, estB)}}

		shared := e.activeWith(t, "prof.partagee", in(authz.RoleTeacher, estA), in(authz.RoleAdmin, estB))
		if err := e.svc.AddRole(e.ctx, op(), shared.id, in(authz.RoleParent, estB)); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.AddRole(e.ctx, op(), shared.id, in(authz.RoleParent, estA)); err != nil {
			t.Fatal(err)
		}

		// Seen read-only, with A's roles only.
		acc, err := e.svc.Get(e.ctx, adminA, shared.id)
		if err != nil {
			t.Fatal(err)
		}
		if acc.ReadOnly != account.ReadOnlyOtherEstablishment || len(acc.Roles) != 2 {
			t.Errorf("admin of A sees %+v", acc)
		}
		for _, m := range acc.Roles {
			if m.EstablishmentID != estA {
				t.Errorf("admin of A sees a role of B: %+v", m)
			}
		}
		list, err := e.svc.List(e.ctx, adminA, account.ListFilter{EstablishmentID: estA})
		if err != nil || len(list) != 1 || list[0].ReadOnly != account.ReadOnlyOtherEstablishment || len(list[0].Roles) != 2 {
			t.Errorf("admin of A lists %+v (%v)", list, err)
		}
		evs, err := e.svc.Events(e.ctx, adminA, shared.id, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 {
			t.Errorf("admin of A sees %d events, want the role given in A", len(evs))
		}
		for _, ev := range evs {
			if ev.EstablishmentID == nil || *ev.EstablishmentID != estA {
				t.Errorf("admin of A sees an event that is not of A: %+v", ev)
			}
		}

		// Not managed.
		_, err = e.svc.Reissue(e.ctx, adminA, shared.id)
		wantCode(t, err, "account_other_establishment")
		_, err = e.svc.ReissuePending(e.ctx, adminA, []int64{shared.id})
		wantCode(t, err, "account_other_establishment")
		for name, fn := range map[string]func(*authz.Principal, int64) error{
			"unlock":  func(p *authz.Principal, id int64) error { return e.svc.Unlock(e.ctx, p, id) },
			"expire":  func(p *authz.Principal, id int64) error { return e.svc.Expire(e.ctx, p, id) },
			"disable": func(p *authz.Principal, id int64) error { return e.svc.Disable(e.ctx, p, id) },
			"add role": func(p *authz.Principal, id int64) error {
				return e.svc.AddRole(e.ctx, p, id, in(authz.RoleStudent, estA))
			},
		} {
			if err := fn(adminA, shared.id); errCode(err) != "account_other_establishment" {
				t.Errorf("%s by the admin of A: %v", name, err)
			}
		}
		if acc, _ := e.svc.Get(e.ctx, op(), shared.id); acc.State(e.clock.Now()) != "active" || e.auditCount(t, audit.AccountReissued, shared.id) != 0 {
			t.Errorf("the account changed: %+v", acc)
		}

		// An administrator of both manages it and sees everything of A and B.
		acc, err = e.svc.Get(e.ctx, adminAB, shared.id)
		if err != nil || acc.ReadOnly != "" || len(acc.Roles) != 4 {
			t.Errorf("admin of A and B sees %+v (%v)", acc, err)
		}
		evs, err = e.svc.Events(e.ctx, adminAB, shared.id, 100)
		if err != nil || len(evs) < 4 { // created, activated, two roles
			t.Errorf("admin of A and B sees %d events (%v)", len(evs), err)
		}
		if err := e.svc.Unlock(e.ctx, adminAB, shared.id); err != nil {
			t.Errorf("unlock by the admin of A and B: %v", err)
		}
		if _, err := e.svc.Reissue(e.ctx, adminAB, shared.id); err != nil {
			t.Errorf("reissue by the admin of A and B: %v", err)
		}
		// So does a platform administrator.
		if err := e.svc.Disable(e.ctx, op(), shared.id); err != nil {
			t.Errorf("disable by the platform: %v", err)
		}

		// A role only a platform administrator gives (inspector) makes the account
		// read-only too, even in A alone.
		insp := e.activeWith(t, "insp.a", in(authz.RoleInspector, estA))
		acc, err = e.svc.Get(e.ctx, adminA, insp.id)
		if err != nil || acc.ReadOnly != account.ReadOnlyPlatformRole {
			t.Errorf("inspector seen as %+v (%v)", acc, err)
		}
		wantCode(t, e.svc.Expire(e.ctx, adminA, insp.id), "account_platform_role")

		// An account of A alone is managed, and its own events (logins…) are shown.
		teacher := e.activeWith(t, "prof.a", in(authz.RoleTeacher, estA))
		acc, err = e.svc.Get(e.ctx, adminA, teacher.id)
		if err != nil || acc.ReadOnly != "" {
			t.Errorf("teacher of A seen as %+v (%v)", acc, err)
		}
		if evs, err := e.svc.Events(e.ctx, adminA, teacher.id, 100); err != nil || len(evs) < 2 {
			t.Errorf("teacher of A: %d events (%v)", len(evs), err)
		}
		if err := e.svc.Expire(e.ctx, adminA, teacher.id); err != nil {
			t.Errorf("expire a teacher of A: %v", err)
		}
		// An account of B alone does not exist for him.
		onlyB := e.activeWith(t, "prof.b", in(authz.RoleTeacher, estB))
		_, err = e.svc.Get(e.ctx, adminA, onlyB.id)
		wantCode(t, err, "account_not_found")
		_, err = e.svc.Events(e.ctx, adminA, onlyB.id, 100)
		wantCode(t, err, "account_not_found")
		wantCode(t, e.svc.Unlock(e.ctx, adminA, onlyB.id), "account_not_found")
	})
}

func errCode(err error) string {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}
