package sso_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
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
