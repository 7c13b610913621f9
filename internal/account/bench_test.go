package account_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/audit"
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
				_, enr, err := svc.Create(ctx, account.OperatorPrincipal(), account.CreateInput{Login: fmt.Sprintf("act%d", i), Roles: []account.Membership{{Role: account.RolePlatformAdmin}}})
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
			_, enr, err := svc.Create(ctx, account.OperatorPrincipal(), account.CreateInput{Login: "tot", Roles: []account.Membership{{Role: account.RolePlatformAdmin}}})
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
