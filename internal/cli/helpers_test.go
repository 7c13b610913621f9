package cli

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"regexp"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/credential"
)

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

type testUser struct {
	login, password string
	secret          []byte
	recovery        []string
	logins          *int
}

// openTestApp builds the application with the given global flags.
func openTestApp(t *testing.T, flags []string) *App {
	t.Helper()
	return openTestAppEnv(t, flags, nil)
}

// openTestAppEnv builds the application with the given global flags and variables.
func openTestAppEnv(t *testing.T, flags []string, env map[string]string) *App {
	t.Helper()
	app, err := NewApp(context.Background(), testConfig(t, flags, env), slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// testConfig is the configuration of the given global flags and variables.
func testConfig(t *testing.T, flags []string, env map[string]string) config.Config {
	t.Helper()
	cfg := config.Default()
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	cfg.Register(fs, func(k string) string { return env[k] })
	if err := fs.Parse(flags); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func enrolTestUser(t *testing.T, app *App, login string) testUser {
	t.Helper()
	ctx := context.Background()
	_, enr, err := app.Accounts.Create(ctx, authz.OperatorPrincipal(), account.CreateInput{Login: login, Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.Accounts.OpenEnrollment(ctx, enr.Token)
	if err != nil {
		t.Fatal(err)
	}
	u := testUser{login: c.Login, password: c.Password, secret: c.TOTPSecret, recovery: c.RecoveryCodes, logins: new(int)}
	if _, err := app.Accounts.Activate(ctx, account.Proof{Login: login, Password: u.password, Code: credential.TOTPCode(u.secret, credential.TOTPStep(time.Now()))}); err != nil {
		t.Fatal(err)
	}
	// One platform secret too, as a running server has.
	if _, err := app.Handler(ctx); err != nil {
		t.Fatal(err)
	}
	return u
}

// loginTestUser logs in: first with the code of the next step (the current one was
// burned by the activation), then with a recovery code each time.
func loginTestUser(t *testing.T, app *App, u testUser) {
	t.Helper()
	p := account.Proof{Login: u.login, Password: u.password}
	if *u.logins == 0 {
		p.Code = credential.TOTPCode(u.secret, credential.TOTPStep(time.Now())+1)
	} else {
		p.RecoveryCode = u.recovery[*u.logins]
	}
	*u.logins++
	if _, err := app.Accounts.Login(context.Background(), p); err != nil {
		t.Fatalf("login: %v", err)
	}
}
