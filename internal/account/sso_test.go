package account_test

import (
	"errors"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// TestStartSSOSession: what an SSO login may open for an account, by the account's
// state (the sso package decides which account and whether a code is due).
func TestStartSSOSession(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := account.Client{IP: "192.0.2.1", UserAgent: "test"}

		// A pending account (an import's student) is activated by its first SSO-only
		// login, without credentials or expiry; its unopened link dies.
		acc, enr, err := e.svc.Create(e.ctx, op(), account.CreateInput{Login: "eleve", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.StartSSOSession(e.ctx, acc.ID, true, c); !errors.Is(err, account.ErrSecondFactorMissing) {
			t.Fatalf("a code asked of an account that has none: %v", err)
		}
		ss, err := e.svc.StartSSOSession(e.ctx, acc.ID, false, c)
		if err != nil || ss.Pending || ss.Account.Status != account.StatusActive || ss.Account.ExpiresAt != nil {
			t.Fatalf("%v %+v", err, ss)
		}
		p, err := e.svc.Authenticate(e.ctx, ss.Token, account.KindWeb)
		if err != nil || p.SessionID != ss.SessionID {
			t.Fatalf("the session does not open: %v", err)
		}
		if id, err := e.svc.SessionID(e.ctx, ss.Token); err != nil || id != ss.SessionID {
			t.Errorf("SessionID %d %v", id, err)
		}
		if _, err := e.svc.OpenEnrollment(e.ctx, enr.Token); err == nil {
			t.Error("the enrolment link still opens after an SSO-only activation")
		}
		evs, _ := e.log.List(e.ctx, audit.Filter{Action: audit.AccountActivated, TargetID: acc.ID})
		if len(evs) != 1 || evs[0].Detail["by"] != "sso" {
			t.Errorf("activation events %+v", evs)
		}

		// An activated account: the second step waits for a code, which FinishLogin
		// checks as after a password.
		u := e.activate(t, "prof")
		ss, err = e.svc.StartSSOSession(e.ctx, u.id, true, c)
		if err != nil || !ss.Pending {
			t.Fatalf("%v %+v", err, ss)
		}
		if _, err := e.svc.Authenticate(e.ctx, ss.Token, account.KindWeb); err == nil {
			t.Fatal("a second step opens a session")
		}
		token, _, err := e.svc.FinishLogin(e.ctx, ss.Token, u.code(e.clock.Now()), "", c)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := e.svc.SessionID(e.ctx, token)

		// Single logout ends it, once.
		if ended, err := e.svc.EndSession(e.ctx, id, map[string]any{"by": "test"}); err != nil || !ended {
			t.Fatalf("EndSession %v %v", ended, err)
		}
		if ended, err := e.svc.EndSession(e.ctx, id, nil); err != nil || ended {
			t.Errorf("EndSession twice: %v %v", ended, err)
		}
		if _, err := e.svc.Authenticate(e.ctx, token, account.KindWeb); err == nil {
			t.Error("the session survived")
		}

		// A disabled account opens nothing.
		if err := e.svc.Disable(e.ctx, op(), u.id); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.StartSSOSession(e.ctx, u.id, false, c); err == nil {
			t.Error("a disabled account got a session")
		}
	})
}
