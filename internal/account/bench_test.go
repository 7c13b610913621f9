package account_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// benchEnv is a service with the production argon2id parameters.
func benchEnv(b *testing.B, e store.Engine) (*account.Service, *clock) {
	db := storetest.Open(b, e)
	c := &clock{t: time.Now()}
	p := testPolicy()
	p.Argon2 = credential.DefaultParams()
	p.HashConcurrency = 1
	svc, err := account.New(db, audit.New(db, c.Now), testRing(b), c.Now, p, account.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return svc, c
}

// BenchmarkActivate measures an activation (password check + TOTP check + the
// compare-and-set that makes the account active), the budget of which is 500 ms.
func BenchmarkActivate(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(string(e), func(b *testing.B) {
			svc, c := benchEnv(b, e)
			ctx := context.Background()
			type pending struct {
				login, password string
				secret          []byte
			}
			ps := make([]pending, b.N)
			for i := range ps {
				_, enr, err := svc.Create(ctx, authz.OperatorPrincipal(), account.CreateInput{Login: fmt.Sprintf("act%d", i), Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
				if err != nil {
					b.Fatal(err)
				}
				cr, err := svc.OpenEnrollment(ctx, enr.Token)
				if err != nil {
					b.Fatal(err)
				}
				ps[i] = pending{cr.Login, cr.Password, cr.TOTPSecret}
			}
			b.ResetTimer()
			for i := range b.N {
				p := ps[i]
				code := credential.TOTPCode(p.secret, credential.TOTPStep(c.Now()))
				if _, err := svc.Activate(ctx, account.Proof{Login: p.login, Password: p.password, Code: code}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSecondFactor measures the TOTP step of a web login (FinishLogin: the
// pending password verdict is already known), the budget of which is 50 ms.
func BenchmarkSecondFactor(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(string(e), func(b *testing.B) {
			svc, c := benchEnv(b, e)
			ctx := context.Background()
			_, enr, err := svc.Create(ctx, authz.OperatorPrincipal(), account.CreateInput{Login: "tot", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
			if err != nil {
				b.Fatal(err)
			}
			cr, err := svc.OpenEnrollment(ctx, enr.Token)
			if err != nil {
				b.Fatal(err)
			}
			code := func() string { return credential.TOTPCode(cr.TOTPSecret, credential.TOTPStep(c.Now())) }
			if _, err := svc.Activate(ctx, account.Proof{Login: "tot", Password: cr.Password, Code: code()}); err != nil {
				b.Fatal(err)
			}
			for range b.N {
				c.Advance(30 * time.Second) // a fresh code each time
				b.StopTimer()
				pending, err := svc.BeginLogin(ctx, "tot", cr.Password, account.Client{})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, _, err := svc.FinishLogin(ctx, pending, code(), "", account.Client{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFinishLoginFailure measures the failing second step of a web login for an
// unknown login, a wrong password and a wrong code: the three should cost the same, so
// that the time of the answer does not tell whether a login exists.
func BenchmarkFinishLoginFailure(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(string(e), func(b *testing.B) {
			db := storetest.Open(b, e)
			c := &clock{t: time.Now()}
			svc, err := account.New(db, audit.New(db, c.Now), testRing(b), c.Now, testPolicy(), account.Options{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			_, enr, err := svc.Create(ctx, authz.OperatorPrincipal(), account.CreateInput{Login: "bench", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
			if err != nil {
				b.Fatal(err)
			}
			cr, err := svc.OpenEnrollment(ctx, enr.Token)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := svc.Activate(ctx, account.Proof{Login: cr.Login, Password: cr.Password, Code: credential.TOTPCode(cr.TOTPSecret, credential.TOTPStep(c.Now()))}); err != nil {
				b.Fatal(err)
			}
			for _, tc := range []struct{ name, login, password, code string }{
				{"unknown_login", "nobody", cr.Password, "123456"},
				{"wrong_password", cr.Login, "wrong", "123456"},
				{"wrong_code", cr.Login, cr.Password, "000000"},
			} {
				b.Run(tc.name, func(b *testing.B) {
					for range b.N {
						b.StopTimer()
						// No lock: every attempt takes the same path.
						if _, err := db.Exec(ctx, `UPDATE accounts SET failed_count = 0, locked_until = NULL`); err != nil {
							b.Fatal(err)
						}
						pending, err := svc.BeginLogin(ctx, tc.login, tc.password, account.Client{})
						if err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
						if _, _, err := svc.FinishLogin(ctx, pending, tc.code, "", account.Client{}); err != account.ErrInvalidCredentials {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
