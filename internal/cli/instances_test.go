package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/store/storetest"
)

// TestTwoInstancesShareAccountsNotIPLimits pins what docs/security.md says of several
// instances on one database (decision 0019): sessions and the per-account lockout are
// in the database and hold across instances; the per-IP limit is each instance's own
// (the global per-IP limit is the reverse proxy's).
func TestTwoInstancesShareAccountsNotIPLimits(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			flags := []string{"--data", t.TempDir(), "--db", storetest.DSN(t, e), "--migrate", "--login-burst", "3", "--login-rate", "0.01"}
			a := openTestApp(t, flags)
			defer a.Close()
			u := enrolTestUser(t, a, "partage")
			// Same keys (the data directory holds the key file): instances share their keyring.
			b := openTestApp(t, flags)
			defer b.Close()
			servers := make([]*httptest.Server, 2)
			for i, app := range []*App{a, b} {
				h, err := app.Handler(ctx)
				if err != nil {
					t.Fatal(err)
				}
				servers[i] = httptest.NewServer(h)
				defer servers[i].Close()
			}
			post := func(srv *httptest.Server, body map[string]string) (int, string) {
				t.Helper()
				j, _ := json.Marshal(body)
				resp, err := http.Post(srv.URL+"/api/v1/sessions", "application/json", bytes.NewReader(j))
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var out struct {
					Token string `json:"token"`
				}
				_ = json.NewDecoder(resp.Body).Decode(&out)
				return resp.StatusCode, out.Token
			}
			do := func(srv *httptest.Server, method, path, token string) int {
				t.Helper()
				req, _ := http.NewRequest(method, srv.URL+path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}

			// A session opened on one instance is known to the other; closed on the
			// other, it is closed on both.
			code, token := post(servers[0], map[string]string{"login": u.login, "password": u.password,
				"code": credential.TOTPCode(u.secret, credential.TOTPStep(time.Now())+1)})
			if code != http.StatusCreated {
				t.Fatalf("login on A: %d", code)
			}
			if got := do(servers[1], "GET", "/api/v1/me", token); got != http.StatusOK {
				t.Fatalf("A's session on B: %d", got)
			}
			if got := do(servers[1], "DELETE", "/api/v1/sessions/current", token); got != http.StatusNoContent {
				t.Fatalf("logout on B: %d", got)
			}
			if got := do(servers[0], "GET", "/api/v1/me", token); got != http.StatusUnauthorized {
				t.Fatalf("session closed on B, used on A: %d", got)
			}

			// The per-IP bucket is each instance's: the login and 2 attempts on A
			// exhaust A's burst of 3, not B's.
			wrong := map[string]string{"login": "nobody", "password": "x", "code": "000000"}
			for i := range 2 {
				if code, _ := post(servers[0], wrong); code != http.StatusUnauthorized {
					t.Fatalf("attempt %d on A: %d", i+1, code)
				}
			}
			if code, _ := post(servers[0], wrong); code != http.StatusTooManyRequests {
				t.Fatalf("4th attempt on A: %d, want 429", code)
			}
			if code, _ := post(servers[1], wrong); code != http.StatusUnauthorized {
				t.Fatalf("1st attempt on B: %d, want B's own bucket", code)
			}

			// The lockout counts failures on both instances: 5 wrong passwords, in turn on
			// A and B, lock the account on both.
			for i := range account.LockAfter {
				app := []*App{a, b}[i%2]
				_, err := app.Accounts.Login(ctx, account.Proof{Login: u.login, Password: "wrong", Code: "000000"})
				if apperr.KindOf(err) != apperr.KindUnauthenticated {
					t.Fatalf("wrong attempt %d: %v", i+1, err)
				}
			}
			for _, app := range []*App{a, b} {
				acc, err := app.Accounts.ByLogin(ctx, authz.OperatorPrincipal(), u.login)
				if err != nil {
					t.Fatal(err)
				}
				if acc.FailedCount != account.LockAfter || acc.LockedUntil == nil || !acc.LockedUntil.After(time.Now()) {
					t.Fatalf("after %d failures on A and B: %d failures, locked until %v", account.LockAfter, acc.FailedCount, acc.LockedUntil)
				}
			}
		})
	}
}
