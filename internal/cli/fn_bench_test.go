package cli

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/fn"
	"github.com/cartable/cartable/internal/store/storetest"
)

// BenchmarkFunctions measures each OpenFaaS function through the gateway, with the
// production argon2id settings, against the seed's budgets: every function < 300 ms,
// the 2FA validation (generate-2fa) < 1 s, the activation < 2 s. It reports the median
// and the 95th percentile of the invocations; docs/benchmarks.md has the figures.
//
//	go test ./internal/cli -run '^$' -bench Functions -benchtime 200x
func BenchmarkFunctions(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(string(e), func(b *testing.B) {
			env := startFunctions(b, storetest.DSN(b, e))
			ctx := context.Background()
			n := 0
			login := func() string { n++; return fmt.Sprintf("bench.%d", n) }

			b.Run(fn.GeneratePassword, func(b *testing.B) {
				tokens := make([]string, b.N)
				for i := range tokens {
					tokens[i] = env.newEnrolment(b, login())
				}
				measure(b, 300*time.Millisecond, func(i int) int {
					return env.invoke(b, fn.GeneratePassword, map[string]string{"token": tokens[i]}, nil)
				}, http.StatusCreated)
			})
			b.Run(fn.Generate2FA, func(b *testing.B) {
				type pending struct {
					login, password string
					secret          []byte
				}
				ps := make([]pending, b.N)
				for i := range ps {
					l := login()
					c, err := env.app.Accounts.OpenEnrollment(ctx, env.newEnrolment(b, l))
					if err != nil {
						b.Fatal(err)
					}
					ps[i] = pending{l, c.Password, c.TOTPSecret}
				}
				step := credential.TOTPStep(env.clock.Now())
				measure(b, 300*time.Millisecond, func(i int) int {
					return env.invoke(b, fn.Generate2FA, map[string]string{"login": ps[i].login, "password": ps[i].password,
						"code": credential.TOTPCode(ps[i].secret, step)}, nil)
				}, http.StatusOK)
			})
			b.Run(fn.Authenticate, func(b *testing.B) {
				l := login()
				c, err := env.app.Accounts.OpenEnrollment(ctx, env.newEnrolment(b, l))
				if err != nil {
					b.Fatal(err)
				}
				code := func() string { return credential.TOTPCode(c.TOTPSecret, credential.TOTPStep(env.clock.Now())) }
				if st := env.invoke(b, fn.Generate2FA, map[string]string{"login": l, "password": c.Password, "code": code()}, nil); st != http.StatusOK {
					b.Fatalf("activation: %d", st)
				}
				measure(b, 300*time.Millisecond, func(i int) int {
					env.clock.Add(30 * time.Second) // a new code each time: a code logs in once
					return env.invoke(b, fn.Authenticate, map[string]string{"login": l, "password": c.Password, "code": code()}, nil)
				}, http.StatusOK)
			})
		})
	}
}

// measure runs call b.N times, checks each status and reports the median and the 95th
// percentile in milliseconds, with the budget beside them.
func measure(b *testing.B, budget time.Duration, call func(i int) int, want int) {
	b.Helper()
	d := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if st := call(i); st != want {
			b.Fatalf("invocation %d: status %d, want %d", i, st, want)
		}
		d[i] = time.Since(start)
	}
	b.StopTimer()
	slices.Sort(d)
	ms := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.95), "p95-ms")
	b.ReportMetric(float64(budget.Milliseconds()), "budget-ms")
}
