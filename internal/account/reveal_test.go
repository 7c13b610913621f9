package account_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// TestEnrolmentKeptForItsBrowser: a link opened in a browser shows its credentials again
// to that browser only, until activation (or a new link, or expiry); the link stays
// single-use against anyone else; the same right code twice activates once and the
// second answer is "already active", not a failure.
func TestEnrolmentKeptForItsBrowser(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		acc, enr, err := e.svc.Create(e.ctx, op(), account.CreateInput{Login: "lina", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.svc.OpenEnrollmentInBrowser(e.ctx, enr.Token)
		if err != nil || c.Viewer == "" {
			t.Fatalf("open: %q %v", c.Viewer, err)
		}
		again, err := e.svc.ShowEnrollment(e.ctx, enr.Token, c.Viewer)
		if err != nil || again.Password != c.Password || string(again.TOTPSecret) != string(c.TOTPSecret) ||
			len(again.RecoveryCodes) != len(c.RecoveryCodes) || again.OTPAuthURI != c.OTPAuthURI {
			t.Fatalf("shown again: %v", err)
		}
		// Another browser: no viewer token, or a wrong one, or a second opening.
		for _, v := range []string{"", "cts_wrong", enr.Token} {
			_, err := e.svc.ShowEnrollment(e.ctx, enr.Token, v)
			wantCode(t, err, "enrollment_used")
		}
		_, err = e.svc.OpenEnrollment(e.ctx, enr.Token)
		wantCode(t, err, "enrollment_used")
		// Stored encrypted: the password is nowhere in clear.
		var enc []byte
		if err := db.QueryRow(e.ctx, `SELECT reveal_enc FROM enrollments WHERE account_id = $1`, acc.ID).Scan(&enc); err != nil || len(enc) == 0 {
			t.Fatalf("reveal_enc: %v", err)
		}
		if containsBytes(enc, []byte(c.Password)) {
			t.Fatal("the password is stored in clear")
		}

		// A wrong code: a failure, the credentials stay.
		_, err = e.svc.Activate(e.ctx, account.Proof{Login: "lina", Password: c.Password, Code: "000000"})
		wantCode(t, err, "invalid_credentials")
		if _, err := e.svc.ShowEnrollment(e.ctx, enr.Token, c.Viewer); err != nil {
			t.Fatalf("after a wrong code: %v", err)
		}
		failed := e.failedCount(t, acc.ID)

		code := credential.TOTPCode(c.TOTPSecret, credential.TOTPStep(e.clock.Now()))
		if _, err := e.svc.Activate(e.ctx, account.Proof{Login: "lina", Password: c.Password, Code: code}); err != nil {
			t.Fatal(err)
		}
		// The same right code again: already active, nothing counted.
		_, err = e.svc.Activate(e.ctx, account.Proof{Login: "lina", Password: c.Password, Code: code})
		wantCode(t, err, "already_active")
		if n := e.failedCount(t, acc.ID); n != 0 {
			t.Errorf("failed_count %d after the repeat (was %d before activation)", n, failed)
		}
		// A wrong password with that code is still a failure.
		_, err = e.svc.Activate(e.ctx, account.Proof{Login: "lina", Password: c.Password + "x", Code: code})
		wantCode(t, err, "invalid_credentials")
		// Activated: the credentials are no longer kept, for anyone.
		_, err = e.svc.ShowEnrollment(e.ctx, enr.Token, c.Viewer)
		wantCode(t, err, "enrollment_used")
		var left int
		if err := db.QueryRow(e.ctx, `SELECT COUNT(*) FROM enrollments WHERE account_id = $1 AND (reveal_enc IS NOT NULL OR viewer_hash IS NOT NULL)`, acc.ID).Scan(&left); err != nil || left != 0 {
			t.Fatalf("kept after activation: %d %v", left, err)
		}

		// Expiry: a link opened and left unactivated stops showing at its end.
		_, enr2, err := e.svc.Create(e.ctx, op(), account.CreateInput{Login: "noa", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
		if err != nil {
			t.Fatal(err)
		}
		c2, err := e.svc.OpenEnrollmentInBrowser(e.ctx, enr2.Token)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(e.svc.Policy().EnrollmentTTL + time.Second)
		_, err = e.svc.ShowEnrollment(e.ctx, enr2.Token, c2.Viewer)
		wantCode(t, err, "enrollment_expired")
		if _, err := e.svc.PurgeSessions(e.ctx); err != nil {
			t.Fatal(err)
		}
		var kept int
		if err := db.QueryRow(e.ctx, `SELECT COUNT(*) FROM enrollments WHERE reveal_enc IS NOT NULL`).Scan(&kept); err != nil || kept != 0 {
			t.Fatalf("kept after the purge of expired links: %d %v", kept, err)
		}
	})
}

func containsBytes(b, sub []byte) bool { return bytes.Contains(b, sub) }

// TestLoginRetryKeepsTheSecondStep: a refused code gives a new pending token for the same
// first step (right password or not, alike), the old one is spent, and every refusal
// counts as a failure.
func TestLoginRetryKeepsTheSecondStep(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.activate(t, "ines")
		c := account.Client{IP: "192.0.2.1"}
		pending, err := e.svc.BeginLogin(e.ctx, "ines", u.password, c)
		if err != nil {
			t.Fatal(err)
		}
		_, retry, _, err := e.svc.FinishLoginOrRetry(e.ctx, pending, "000000", "", c)
		wantCode(t, err, "invalid_credentials")
		if retry == "" || retry == pending {
			t.Fatalf("retry token %q", retry)
		}
		if n := e.failedCount(t, u.id); n != 1 {
			t.Errorf("failed_count %d", n)
		}
		_, _, _, err = e.svc.FinishLoginOrRetry(e.ctx, pending, u.code(e.clock.Now()), "", c)
		wantCode(t, err, "login_expired")
		token, _, acc, err := e.svc.FinishLoginOrRetry(e.ctx, retry, u.code(e.clock.Now()), "", c)
		if err != nil || token == "" || acc.ID != u.id {
			t.Fatalf("retry with the right code: %v", err)
		}
		// A wrong password: the retry is offered alike, and the right code never helps.
		e.clock.Advance(30 * time.Second)
		pending, err = e.svc.BeginLogin(e.ctx, "ines", "not the password", c)
		if err != nil {
			t.Fatal(err)
		}
		_, retry, _, err = e.svc.FinishLoginOrRetry(e.ctx, pending, "000000", "", c)
		wantCode(t, err, "invalid_credentials")
		if retry == "" {
			t.Fatal("no retry after a wrong password: the page would tell it apart")
		}
		_, _, _, err = e.svc.FinishLoginOrRetry(e.ctx, retry, u.code(e.clock.Now()), "", c)
		wantCode(t, err, "invalid_credentials")
	})
}

// TestUnusedLettersFilter: the administrators see the accounts whose current activation
// link was never opened, expired or not.
func TestUnusedLettersFilter(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		roles := []authz.Membership{{Role: authz.RolePlatformAdmin}}
		_, opened, err := e.svc.Create(e.ctx, op(), account.CreateInput{Login: "opened", Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.OpenEnrollment(e.ctx, opened.Token); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Create(e.ctx, op(), account.CreateInput{Login: "unused", Roles: roles}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(e.svc.Policy().EnrollmentTTL + time.Hour) // expired and still never used
		e.activate(t, "active")
		list, err := e.svc.List(e.ctx, op(), account.ListFilter{State: "unused"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Login != "unused" {
			t.Fatalf("unused letters: %+v", list)
		}
	})
}
