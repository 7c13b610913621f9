package account_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base32"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// clock is a settable clock shared by the services under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type env struct {
	db    *store.DB
	clock *clock
	ring  *keyring.Ring
	svc   *account.Service
	log   *audit.Log
	ctx   context.Context
}

func testRing(t testing.TB) *keyring.Ring {
	t.Helper()
	ring, err := keyring.New([]keyring.Key{{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32)}}, "k1")
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

func testPolicy() account.Policy {
	c := config.Default()
	c.BaseURL = "https://cartable.test"
	p := account.PolicyFrom(&c)
	// Small argon2id parameters keep the suite fast under -race; the production
	// parameters are exercised by the credential package and the benchmarks.
	p.Argon2 = credential.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	p.HashConcurrency = 4
	p.HashQueueWait = 30 * time.Second
	p.SelfSignup = true
	return p
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := &env{db: db, clock: &clock{t: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)}, ring: testRing(t), ctx: context.Background()}
	e.log = audit.New(db, e.clock.Now)
	e.svc = e.newService(t, testPolicy())
	return e
}

func (e *env) newService(t *testing.T, p account.Policy) *account.Service {
	t.Helper()
	svc, err := account.New(e.db, e.log, e.ring, e.clock.Now, p, account.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func op() *authz.Principal { return authz.OperatorPrincipal() }

// user is an enrolled, activated account with its secrets, as its owner knows them.
type user struct {
	id       int64
	login    string
	password string
	secret   []byte
	recovery []string
}

func (u *user) code(at time.Time) string {
	return credential.TOTPCode(u.secret, credential.TOTPStep(at))
}

func (e *env) enrol(t *testing.T, login string) user {
	t.Helper()
	acc, enr, err := e.svc.Create(e.ctx, op(), account.CreateInput{Login: login, Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := e.svc.OpenEnrollment(e.ctx, enr.Token)
	if err != nil {
		t.Fatal(err)
	}
	return user{id: acc.ID, login: acc.Login, password: creds.Password, secret: creds.TOTPSecret, recovery: creds.RecoveryCodes}
}

func (e *env) activate(t *testing.T, login string) user {
	t.Helper()
	u := e.enrol(t, login)
	if _, err := e.svc.Activate(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now())}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second) // next TOTP step
	return u
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %s, got nil", code)
	}
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("want error %s, got %s (%v)", code, got, err)
	}
}

func (e *env) failedCount(t *testing.T, id int64) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(e.ctx, `SELECT failed_count FROM accounts WHERE id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *env) auditCount(t *testing.T, action string, target int64) int {
	t.Helper()
	evs, err := e.log.List(e.ctx, audit.Filter{Action: action, TargetID: target, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

func TestEnrolmentAndActivation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		acc, enr, err := e.svc.Create(e.ctx, op(), account.CreateInput{Login: "  Jean.Dupont ", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
		if err != nil {
			t.Fatal(err)
		}
		if acc.Login != "jean.dupont" || acc.Status != account.StatusPending {
			t.Fatalf("account %+v", acc)
		}
		if !strings.HasPrefix(enr.URL, "https://cartable.test/enrol/") || !strings.HasSuffix(enr.URL, "/"+enr.Token) {
			t.Fatalf("URL %s", enr.URL)
		}
		if got := enr.ExpiresAt.Sub(e.clock.Now()); got != 14*24*time.Hour {
			t.Fatalf("link valid %v", got)
		}
		// Nothing secret exists before the link is opened.
		var pw []byte
		if err := db.QueryRow(e.ctx, `SELECT password_enc FROM accounts WHERE id = $1`, acc.ID).Scan(&pw); err != nil || pw != nil {
			t.Fatalf("password before opening: %v %v", pw, err)
		}
		creds, err := e.svc.OpenEnrollment(e.ctx, enr.Token)
		if err != nil {
			t.Fatal(err)
		}
		if len(creds.Password) != 24 || len(creds.TOTPSecret) < 20 || len(creds.RecoveryCodes) != 10 {
			t.Fatalf("credentials: %d-char password, %d-byte secret, %d codes", len(creds.Password), len(creds.TOTPSecret), len(creds.RecoveryCodes))
		}
		issuer, login, secret, err := credential.ParseOTPAuthURI(creds.OTPAuthURI)
		if err != nil || issuer != "cartable" || login != "jean.dupont" || !bytes.Equal(secret, creds.TOTPSecret) {
			t.Fatalf("otpauth %s: %v", creds.OTPAuthURI, err)
		}
		_, err = e.svc.OpenEnrollment(e.ctx, enr.Token)
		wantCode(t, err, "enrollment_used")
		_, err = e.svc.OpenEnrollment(e.ctx, "cte_garbage")
		wantCode(t, err, "enrollment_not_found")

		// Login before activation is refused (with a specific message: the proof is right).
		u := user{id: acc.ID, login: acc.Login, password: creds.Password, secret: creds.TOTPSecret}
		_, err = e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now())})
		wantCode(t, err, "not_activated")
		e.clock.Advance(30 * time.Second)

		// Wrong code does not activate.
		_, err = e.svc.Activate(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: "000000"})
		wantCode(t, err, "invalid_credentials")
		code := u.code(e.clock.Now())
		active, err := e.svc.Activate(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: code})
		if err != nil {
			t.Fatal(err)
		}
		if active.Status != account.StatusActive || active.ExpiresAt == nil ||
			!active.ExpiresAt.Equal(e.clock.Now().AddDate(0, 6, 0)) || active.FailedCount != 0 {
			t.Fatalf("after activation: %+v", active)
		}
		// The activation code's step is burned: the same code cannot log in.
		_, err = e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: code})
		wantCode(t, err, "invalid_credentials")
		e.clock.Advance(30 * time.Second)
		if _, err := e.svc.Login(e.ctx, account.Proof{Login: "JEAN.DUPONT", Password: u.password, Code: u.code(e.clock.Now())}); err != nil {
			t.Fatalf("login with a fresh code: %v", err)
		}
		for _, a := range []string{audit.AccountCreated, audit.EnrollmentOpened, audit.AccountActivated, audit.LoginSucceeded} {
			if e.auditCount(t, a, acc.ID) != 1 {
				t.Errorf("audit %s: want 1 event", a)
			}
		}
	})
}

func TestEnrolmentLinkExpiresAndIsSingleUseUnderConcurrency(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		_, enr, err := e.svc.Create(e.ctx, op(), account.CreateInput{Login: "racer", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
		if err != nil {
			t.Fatal(err)
		}
		const n = 10
		var ok, gone atomic.Int32
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.svc.OpenEnrollment(e.ctx, enr.Token)
				switch {
				case err == nil:
					ok.Add(1)
				case apperr.CodeOf(err) == "enrollment_used":
					gone.Add(1)
				default:
					t.Errorf("unexpected: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 || gone.Load() != n-1 {
			t.Fatalf("%d openings succeeded, %d got 410", ok.Load(), gone.Load())
		}

		_, enr2, err := e.svc.Create(e.ctx, op(), account.CreateInput{Login: "late", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(14*24*time.Hour + time.Second)
		_, err = e.svc.OpenEnrollment(e.ctx, enr2.Token)
		wantCode(t, err, "enrollment_expired")
	})
}

func TestTOTPWindowAndReplay(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.activate(t, "alice")
		for _, tc := range []struct {
			offset time.Duration
			ok     bool
		}{
			{-60 * time.Second, false},
			{-30 * time.Second, true},
			{0, true},
			{30 * time.Second, true},
			{60 * time.Second, false},
		} {
			e.clock.Advance(2 * time.Minute) // a fresh step each time, past any burned one
			now := e.clock.Now()
			_, err := e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(now.Add(tc.offset))})
			if (err == nil) != tc.ok {
				t.Errorf("offset %v: ok=%v err=%v", tc.offset, tc.ok, err)
			}
		}
		if err := e.svc.Unlock(e.ctx, op(), u.id); err != nil {
			t.Fatal(err)
		}

		// Replay: the same code twice.
		e.clock.Advance(2 * time.Minute)
		code := u.code(e.clock.Now())
		if _, err := e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: code}); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: code})
		wantCode(t, err, "invalid_credentials")
		// A code from an earlier step than the last used one is refused too.
		_, err = e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now().Add(-30 * time.Second))})
		wantCode(t, err, "invalid_credentials")

		// Concurrent replay: exactly one of the logins with the same code succeeds.
		e.clock.Advance(2 * time.Minute)
		code = u.code(e.clock.Now())
		var ok atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: code}); err == nil {
					ok.Add(1)
				} else if apperr.CodeOf(err) != "invalid_credentials" {
					t.Errorf("unexpected %v", err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Fatalf("%d concurrent logins with one code succeeded", ok.Load())
		}
	})
}

func TestGenericErrors(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.activate(t, "bob")
		locked := e.activate(t, "carol")
		if _, err := db.Exec(e.ctx, `UPDATE accounts SET hard_locked_at = $2 WHERE id = $1`, locked.id, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		now := e.clock.Now()
		for name, p := range map[string]account.Proof{
			"unknown user":   {Login: "nobody", Password: u.password, Code: u.code(now)},
			"wrong password": {Login: u.login, Password: u.password + "x", Code: u.code(now)},
			"wrong code":     {Login: u.login, Password: u.password, Code: "123456"},
			"locked account": {Login: locked.login, Password: locked.password, Code: locked.code(now)},
		} {
			_, err := e.svc.Login(e.ctx, p)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != "invalid_credentials" || ae.Message != account.ErrInvalidCredentials.Message {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

func TestLockout(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.activate(t, "dave")
		wrong := account.Proof{Login: u.login, Password: "wrong", Code: "000000"}
		for range account.LockAfter {
			_, err := e.svc.Login(e.ctx, wrong)
			wantCode(t, err, "invalid_credentials")
		}
		acc, err := e.svc.Get(e.ctx, op(), u.id)
		if err != nil {
			t.Fatal(err)
		}
		if !acc.Locked(e.clock.Now()) || acc.FailedCount != account.LockAfter {
			t.Fatalf("after %d failures: %+v", account.LockAfter, acc)
		}
		lockEnd := *acc.LockedUntil
		if lockEnd.Sub(e.clock.Now()) != account.LockBase {
			t.Fatalf("first lock lasts %v", lockEnd.Sub(e.clock.Now()))
		}
		// Right credentials during the lock are refused, and attempts do not extend it.
		e.clock.Advance(10 * time.Second)
		_, err = e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now())})
		wantCode(t, err, "invalid_credentials")
		_, _ = e.svc.Login(e.ctx, wrong)
		acc, _ = e.svc.Get(e.ctx, op(), u.id)
		if !acc.LockedUntil.Equal(lockEnd) {
			t.Fatalf("lock extended from %v to %v", lockEnd, acc.LockedUntil)
		}
		// After the lock, the next failure locks for longer (growing delay).
		e.clock.Set(lockEnd.Add(time.Second))
		_, _ = e.svc.Login(e.ctx, wrong)
		acc, _ = e.svc.Get(e.ctx, op(), u.id)
		if got := acc.LockedUntil.Sub(e.clock.Now()); got <= account.LockBase {
			t.Fatalf("second lock lasts %v, want more than %v", got, account.LockBase)
		}
		// Counters survive a restart: a new service on the same database sees them.
		restarted := e.newService(t, testPolicy())
		before := acc.FailedCount
		e.clock.Advance(2 * time.Hour)
		_, _ = restarted.Login(e.ctx, wrong)
		if got := e.failedCount(t, u.id); got != before+1 {
			t.Fatalf("after restart: %d failures, want %d", got, before+1)
		}
		// Success resets.
		e.clock.Advance(2 * time.Hour)
		if _, err := restarted.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now())}); err != nil {
			t.Fatal(err)
		}
		if got := e.failedCount(t, u.id); got != 0 {
			t.Fatalf("after success: %d failures", got)
		}
		if e.auditCount(t, audit.AccountLocked, u.id) < 2 {
			t.Error("locks not audited")
		}
	})
}

func TestParallelFailuresAllCountAndHardLock(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.activate(t, "eve")
		wrong := account.Proof{Login: u.login, Password: "wrong", Code: "000000"}
		run := func(n int) {
			var wg sync.WaitGroup
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := e.svc.Login(e.ctx, wrong)
					if apperr.CodeOf(err) != "invalid_credentials" {
						t.Errorf("unexpected %v", err)
					}
				}()
			}
			wg.Wait()
		}
		run(50)
		if got := e.failedCount(t, u.id); got != 50 {
			t.Fatalf("50 parallel wrong attempts counted %d", got)
		}
		if got := e.auditCount(t, audit.LoginFailed, u.id); got != 50 {
			t.Fatalf("50 failures audited %d times", got)
		}
		run(50)
		acc, _ := e.svc.Get(e.ctx, op(), u.id)
		if acc.FailedCount != 100 || acc.HardLockedAt == nil {
			t.Fatalf("after 100 failures: %+v", acc)
		}
		// A hard lock does not end with time.
		e.clock.Advance(30 * 24 * time.Hour)
		_, err := e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now())})
		wantCode(t, err, "invalid_credentials")
		if err := e.svc.Unlock(e.ctx, op(), u.id); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		if _, err := e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now())}); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
	})
}

func TestRecoveryCodeWorksOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.activate(t, "frank")
		code := strings.ToUpper(u.recovery[3]) // case and dashes do not matter
		if _, err := e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, RecoveryCode: code}); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, RecoveryCode: code})
		wantCode(t, err, "invalid_credentials")
		acc, _ := e.svc.Get(e.ctx, op(), u.id)
		if acc.RecoveryCodesLeft != 9 {
			t.Fatalf("%d codes left", acc.RecoveryCodesLeft)
		}
		if e.auditCount(t, audit.RecoveryCodeUsed, u.id) != 1 {
			t.Fatal("recovery code use not audited")
		}
	})
}

func TestExpiryAndRenewal(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.activate(t, "gina")
		webToken, _, err := e.svc.StartSession(e.ctx, u.id, account.KindAPI, account.Client{})
		if err != nil {
			t.Fatal(err)
		}
		acc, _ := e.svc.Get(e.ctx, op(), u.id)
		expiry := *acc.ExpiresAt
		// Before the warning window renewal is not needed; within it, it is allowed.
		_, err = e.svc.Renew(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now())})
		wantCode(t, err, "renewal_not_needed")
		listed, err := e.svc.List(e.ctx, op(), account.ListFilter{Expiring: ptr(30 * 24 * time.Hour)})
		if err != nil || len(listed) != 0 {
			t.Fatalf("expiring list before the window: %v %v", listed, err)
		}
		e.clock.Set(expiry.Add(-10 * 24 * time.Hour))
		if days, _ := acc.DaysLeft(e.clock.Now()); days != 10 {
			t.Fatalf("days left %d", days)
		}
		listed, _ = e.svc.List(e.ctx, op(), account.ListFilter{Expiring: ptr(30 * 24 * time.Hour)})
		if len(listed) != 1 {
			t.Fatalf("expiring list in the window: %d", len(listed))
		}

		// At expiry: sessions stop working and login says expired.
		e.clock.Set(expiry)
		if _, err := e.svc.Authenticate(e.ctx, webToken, account.KindAPI); err == nil {
			t.Fatal("session survived expiry")
		}
		_, err = e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now())})
		wantCode(t, err, "credentials_expired")
		// A wrong proof of an expired account is still the generic error.
		_, err = e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: "nope", Code: u.code(e.clock.Now())})
		wantCode(t, err, "invalid_credentials")

		// Within the grace period the user renews at once with his old credentials.
		e.clock.Advance(20 * 24 * time.Hour)
		enr, err := e.svc.Renew(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now())})
		if err != nil {
			t.Fatal(err)
		}
		// The old credentials are dead; the new link works.
		e.clock.Advance(time.Minute)
		_, err = e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now())})
		wantCode(t, err, "invalid_credentials")
		creds, err := e.svc.OpenEnrollment(e.ctx, enr.Token)
		if err != nil {
			t.Fatal(err)
		}
		nu := user{login: u.login, password: creds.Password, secret: creds.TOTPSecret}
		if _, err := e.svc.Activate(e.ctx, account.Proof{Login: nu.login, Password: nu.password, Code: nu.code(e.clock.Now())}); err != nil {
			t.Fatal(err)
		}
		if e.auditCount(t, audit.CredentialsRenewed, u.id) != 1 || e.auditCount(t, audit.AccountExpired, u.id) != 1 {
			t.Fatal("renewal or expiry not audited once")
		}

		// After the grace period, only an administrator can reissue.
		v := e.activate(t, "hugo")
		acc, _ = e.svc.Get(e.ctx, op(), v.id)
		e.clock.Set(acc.ExpiresAt.Add(31 * 24 * time.Hour))
		_, err = e.svc.Renew(e.ctx, account.Proof{Login: v.login, Password: v.password, Code: v.code(e.clock.Now())})
		wantCode(t, err, "renewal_closed")
	})
}

func ptr[T any](v T) *T { return &v }

func TestReissueKillsEverything(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.activate(t, "ines")
		tok, _, err := e.svc.StartSession(e.ctx, u.id, account.KindAPI, account.Client{})
		if err != nil {
			t.Fatal(err)
		}
		first, err := e.svc.Reissue(e.ctx, op(), u.id)
		if err != nil {
			t.Fatal(err)
		}
		second, err := e.svc.Reissue(e.ctx, op(), u.id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Authenticate(e.ctx, tok, account.KindAPI); err == nil {
			t.Error("session survived re-enrolment")
		}
		_, err = e.svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now())})
		wantCode(t, err, "invalid_credentials")
		_, err = e.svc.OpenEnrollment(e.ctx, first.Token)
		wantCode(t, err, "enrollment_used")
		if _, err := e.svc.OpenEnrollment(e.ctx, second.Token); err != nil {
			t.Fatalf("newest link: %v", err)
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.activate(t, "jules")
		c := account.Client{IP: "192.0.2.1", UserAgent: "test"}

		// Web login in two steps, with a new token at each step.
		pending, err := e.svc.BeginLogin(e.ctx, " JULES", u.password, c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Authenticate(e.ctx, pending, account.KindWeb); err == nil {
			t.Fatal("a half-done login authenticates")
		}
		web, _, err := e.svc.FinishLogin(e.ctx, pending, u.code(e.clock.Now()), "", c)
		if err != nil {
			t.Fatal(err)
		}
		if web == pending {
			t.Fatal("session token not regenerated")
		}
		if _, _, err := e.svc.FinishLogin(e.ctx, pending, u.code(e.clock.Now()), "", c); err == nil {
			t.Fatal("pending login reused")
		}
		p, err := e.svc.Authenticate(e.ctx, web, account.KindWeb)
		if err != nil || p.Login != "jules" || !p.IsPlatformAdmin() {
			t.Fatalf("principal %+v, %v", p, err)
		}
		if _, err := e.svc.Authenticate(e.ctx, web, account.KindAPI); err == nil {
			t.Fatal("a web session works as a bearer token")
		}
		// A wrong password at the first step is only revealed after the code.
		e.clock.Advance(time.Minute)
		pending, err = e.svc.BeginLogin(e.ctx, "jules", "wrong", c)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = e.svc.FinishLogin(e.ctx, pending, u.code(e.clock.Now()), "", c)
		wantCode(t, err, "invalid_credentials")

		// Idle timeout.
		e.clock.Advance(31 * time.Minute)
		if _, err := e.svc.Authenticate(e.ctx, web, account.KindWeb); err == nil {
			t.Fatal("idle session still valid")
		}
		// Absolute timeout, even when active.
		e.clock.Advance(time.Minute)
		pending, _ = e.svc.BeginLogin(e.ctx, "jules", u.password, c)
		web, _, err = e.svc.FinishLogin(e.ctx, pending, u.code(e.clock.Now()), "", c)
		if err != nil {
			t.Fatal(err)
		}
		for range 12 * 4 {
			e.clock.Advance(15 * time.Minute)
			if _, err := e.svc.Authenticate(e.ctx, web, account.KindWeb); err != nil {
				break
			}
		}
		if _, err := e.svc.Authenticate(e.ctx, web, account.KindWeb); err == nil {
			t.Fatal("session outlived its absolute timeout")
		}
		// Logout.
		api, _, err := e.svc.StartSession(e.ctx, u.id, account.KindAPI, c)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Logout(e.ctx, api); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Authenticate(e.ctx, api, account.KindAPI); err == nil {
			t.Fatal("session valid after logout")
		}
		// Personal tokens: revocable.
		tok, ss, err := e.svc.CreateToken(e.ctx, op(), u.id, "ci", 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Authenticate(e.ctx, tok, account.KindPersonal); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RevokeSession(e.ctx, authz.Operator, u.id, ss.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Authenticate(e.ctx, tok, account.KindPersonal); err == nil {
			t.Fatal("revoked token still valid")
		}
	})
}

// TestNoPlaintextSecretInDatabase scans every text and binary value of every table for
// the secrets a user was given.
func TestNoPlaintextSecretInDatabase(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.activate(t, "kim")
		tok, _, err := e.svc.CreateToken(e.ctx, op(), u.id, "t", 0)
		if err != nil {
			t.Fatal(err)
		}
		_, enr, err := e.svc.Create(e.ctx, op(), account.CreateInput{Login: "lea", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
		if err != nil {
			t.Fatal(err)
		}
		needles := map[string][]byte{
			"password":        []byte(u.password),
			"totp secret":     u.secret,
			"totp base32":     []byte(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(u.secret)),
			"api token":       []byte(tok),
			"enrolment token": []byte(enr.Token),
		}
		for i, c := range u.recovery {
			norm, _ := credential.NormalizeRecoveryCode(c)
			needles["recovery code "+string(rune('0'+i))] = []byte(norm)
		}
		scanned := 0
		for _, table := range []string{"accounts", "memberships", "enrollments", "recovery_codes", "sessions", "platform_secrets", "audit_events"} {
			rows, err := db.Query(e.ctx, "SELECT * FROM "+table)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				for i, v := range vals {
					var b []byte
					switch x := v.(type) {
					case []byte:
						b = x
					case string:
						b = []byte(x)
					default:
						continue
					}
					scanned++
					for name, needle := range needles {
						if bytes.Contains(bytes.ToLower(b), bytes.ToLower(needle)) {
							t.Errorf("%s found in %s.%s", name, table, cols[i])
						}
					}
				}
			}
			rows.Close()
		}
		if scanned < 20 {
			t.Fatalf("only %d values scanned", scanned)
		}
	})
}

func TestCiphertextIsBoundToItsRow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		a := e.activate(t, "mona")
		b := e.activate(t, "nils")
		// Give b the TOTP secret ciphertext of a: decryption must fail, not let a's
		// codes open b's account.
		if _, err := db.Exec(e.ctx, `UPDATE accounts SET totp_secret_enc = (SELECT totp_secret_enc FROM accounts WHERE id = $1) WHERE id = $2`, a.id, b.id); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.Login(e.ctx, account.Proof{Login: b.login, Password: b.password, Code: a.code(e.clock.Now())})
		if err == nil || apperr.KindOf(err) != apperr.KindInternal {
			t.Fatalf("moved ciphertext: %v", err)
		}
		// A tampered ciphertext fails too.
		var ct []byte
		if err := db.QueryRow(e.ctx, `SELECT password_enc FROM accounts WHERE id = $1`, a.id).Scan(&ct); err != nil {
			t.Fatal(err)
		}
		ct[len(ct)-1] ^= 1
		if _, err := db.Exec(e.ctx, `UPDATE accounts SET password_enc = $2 WHERE id = $1`, a.id, ct); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Login(e.ctx, account.Proof{Login: a.login, Password: a.password, Code: a.code(e.clock.Now())})
		if err == nil || apperr.KindOf(err) != apperr.KindInternal {
			t.Fatalf("tampered ciphertext: %v", err)
		}
	})
}

func TestRehashOnParameterChange(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.activate(t, "olga")
		p := testPolicy()
		p.Argon2.Memory = 128
		svc := e.newService(t, p)
		if _, err := svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now())}); err != nil {
			t.Fatal(err)
		}
		var ct []byte
		if err := db.QueryRow(e.ctx, `SELECT password_enc FROM accounts WHERE id = $1`, u.id).Scan(&ct); err != nil {
			t.Fatal(err)
		}
		phc, err := e.ring.Decrypt(ct, keyring.AD{Table: "accounts", Column: "password_enc", Row: itoa(u.id)})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(phc), "m=128,") {
			t.Fatalf("not rehashed: %s", phc)
		}
		e.clock.Advance(time.Minute)
		if _, err := svc.Login(e.ctx, account.Proof{Login: u.login, Password: u.password, Code: u.code(e.clock.Now())}); err != nil {
			t.Fatalf("login after rehash: %v", err)
		}
	})
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

func TestEstablishmentAdminRights(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		now := e.clock.Now()
		var estA, estB int64
		for uai, id := range map[string]*int64{"0382032C": &estA, "0442953W": &estB} {
			if err := db.QueryRow(e.ctx, `INSERT INTO establishments (uai, name, created_at, updated_at) VALUES ($1, $1, $2, $2) RETURNING id`, uai, now).Scan(id); err != nil {
				t.Fatal(err)
			}
		}
		adminA := &authz.Principal{AccountID: 999, Login: "admin.a", Roles: []authz.Membership{{Role: authz.RoleAdmin, EstablishmentID: estA}}}
		teacherB, _, err := e.svc.Create(e.ctx, op(), account.CreateInput{Login: "prof.b", Roles: []authz.Membership{{Role: authz.RoleTeacher, EstablishmentID: estB}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Create(e.ctx, adminA, account.CreateInput{Login: "prof.a", Roles: []authz.Membership{{Role: authz.RoleTeacher, EstablishmentID: estA}}}); err != nil {
			t.Fatalf("admin creates a teacher in his establishment: %v", err)
		}
		_, _, err = e.svc.Create(e.ctx, adminA, account.CreateInput{Login: "x1", Roles: []authz.Membership{{Role: authz.RoleTeacher, EstablishmentID: estB}}})
		wantCode(t, err, "forbidden")
		_, _, err = e.svc.Create(e.ctx, adminA, account.CreateInput{Login: "x2", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
		wantCode(t, err, "forbidden")
		_, err = e.svc.Reissue(e.ctx, adminA, teacherB.ID)
		wantCode(t, err, "account_not_found")
		list, err := e.svc.List(e.ctx, adminA, account.ListFilter{})
		if err != nil || len(list) != 1 || list[0].Login != "prof.a" {
			t.Fatalf("admin A lists %v (%v)", list, err)
		}
		_, err = e.svc.List(e.ctx, adminA, account.ListFilter{EstablishmentID: estB})
		wantCode(t, err, "forbidden")
	})
}

var _ = sql.ErrNoRows
