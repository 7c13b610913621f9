package sso_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// TestFlowWorksOnceConcurrently: two callbacks bring the same flow at once, and the
// provider (a server that accepts every ticket, as a careless one would) vouches for
// both: one login succeeds, the other is refused; the same for a link flow.
func TestFlowWorksOnceConcurrently(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		lax := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>ent-1</cas:user></cas:authenticationSuccess></cas:serviceResponse>`)
		}))
		defer lax.Close()
		if _, err := e.sso.CreateProvider(e.ctx, op(), sso.ProviderInput{Name: "laxiste", Kind: sso.KindCAS, CASURL: lax.URL}); err != nil {
			t.Fatal(err)
		}
		e.allow("laxiste", e.a)
		acc := e.create("parent.un", authz.Membership{Role: authz.RoleParent, EstablishmentID: e.a.ID})
		e.link(acc.ID, "laxiste", "ent-1")
		for round := range 3 {
			st, err := e.sso.BeginLogin(e.ctx, "laxiste", "/")
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = e.sso.Finish(e.ctx, "laxiste", st.FlowToken, url.Values{"ticket": {"ST-" + string(rune('a'+i))}}, account.Client{})
				}()
			}
			wg.Wait()
			ok, refused := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case apperr.CodeOf(err) == sso.ErrFlowExpired.Code:
					refused++
				default:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if ok != 1 || refused != 1 {
				t.Fatalf("round %d: %d logins, %d refusals: %v", round, ok, refused, errs)
			}
		}
		var n int
		if err := db.QueryRow(e.ctx, `SELECT COUNT(*) FROM sso_flows`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d flows left (%v)", n, err)
		}
	})
}
