package sso_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// TestPurgeExpiredFlows: the daily job removes the logins left at the provider once
// they expired, and only those; an expired flow's callback finds nothing.
func TestPurgeExpiredFlows(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		if _, err := e.sso.CreateProvider(e.ctx, op(), sso.ProviderInput{Name: "academie", Kind: sso.KindCAS, CASURL: "https://cas.ac-test.fr/cas"}); err != nil {
			t.Fatal(err)
		}
		old, err := e.sso.BeginLogin(e.ctx, "academie", "/")
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(sso.DefaultFlowTTL - time.Minute)
		fresh, err := e.sso.BeginLogin(e.ctx, "academie", "/")
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(2 * time.Minute)
		if n, err := e.sso.Purge(e.ctx); err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
		if n, err := e.sso.Purge(e.ctx); err != nil || n != 0 {
			t.Fatalf("second purge: %d %v", n, err)
		}
		_, err = e.sso.Finish(e.ctx, "academie", old.FlowToken, url.Values{"ticket": {"ST-1"}}, account.Client{})
		if apperr.CodeOf(err) != sso.ErrFlowExpired.Code {
			t.Fatalf("the purged flow: %v", err)
		}
		var n int
		if err := db.QueryRow(e.ctx, `SELECT COUNT(*) FROM sso_flows`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d flows left (%v); the fresh one (%s…) must stay", n, err, fresh.FlowToken[:4])
		}
	})
}

// TestLinksOfAccounts lists the links of a list of accounts (more than one query's
// worth), for administrators only.
func TestLinksOfAccounts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		if _, err := e.sso.CreateProvider(e.ctx, op(), sso.ProviderInput{Name: "academie", Kind: sso.KindCAS, CASURL: "https://cas.ac-test.fr/cas"}); err != nil {
			t.Fatal(err)
		}
		e.allow("academie", e.a)
		var accs []account.Account
		for i := range 520 {
			acc := e.create(fmt.Sprintf("parent%03d", i), authz.Membership{Role: authz.RoleParent, EstablishmentID: e.a.ID})
			accs = append(accs, acc)
			if i%100 == 7 || i == 519 {
				e.link(acc.ID, "academie", fmt.Sprintf("ent-%d", i))
			}
		}
		ls, err := e.sso.LinksOfAccounts(e.ctx, e.admin(e.a), accs)
		if err != nil || len(ls) != 7 || ls[6].ExternalID != "ent-519" || ls[0].AccountID != accs[7].ID {
			t.Fatalf("links: %v %v", ls, err)
		}
		teacher := &authz.Principal{AccountID: 1, Roles: []authz.Membership{{Role: authz.RoleTeacher, EstablishmentID: e.a.ID}}}
		if _, err := e.sso.LinksOfAccounts(e.ctx, teacher, accs); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("a teacher: %v", err)
		}
	})
}
