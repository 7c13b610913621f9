package account_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// sessionValues returns every text and binary value of the sessions table.
func sessionValues(t *testing.T, e *env) []string {
	t.Helper()
	rows, err := e.db.Query(e.ctx, "SELECT * FROM sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
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
			switch x := v.(type) {
			case []byte:
				out = append(out, cols[i]+"="+string(x))
			case string:
				out = append(out, cols[i]+"="+x)
			}
		}
	}
	return out
}

// TestPendingLoginKeepsNothingTyped: between the two steps of a web login, the sessions
// table holds the account id when the login exists and nothing of what was typed, since
// people type passwords into login fields (outside review, issue 8, finding 8a). The
// second step then fails alike for an unknown login, a wrong password and a wrong code.
func TestPendingLoginKeepsNothingTyped(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.activate(t, "jules")
		c := account.Client{IP: "192.0.2.1", UserAgent: "test"}
		typed := "Tr0ub4dor&3-Horse" // a password typed into the login field
		unknown, err := e.svc.BeginLogin(e.ctx, typed, "anything", c)
		if err != nil {
			t.Fatal(err)
		}
		wrongPassword, err := e.svc.BeginLogin(e.ctx, " JULES ", "not the password", c)
		if err != nil {
			t.Fatal(err)
		}
		wrongCode, err := e.svc.BeginLogin(e.ctx, "Jules", u.password, c)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range sessionValues(t, e) {
			for _, needle := range []string{typed, "jules"} {
				if strings.Contains(strings.ToLower(v), strings.ToLower(needle)) {
					t.Errorf("the sessions table keeps what was typed: %q", v)
				}
			}
		}
		var withAccount, without int
		if err := db.QueryRow(e.ctx, `SELECT COUNT(*) FROM sessions WHERE stage = 'mfa' AND account_id = $1`, u.id).Scan(&withAccount); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(e.ctx, `SELECT COUNT(*) FROM sessions WHERE stage = 'mfa' AND account_id IS NULL`).Scan(&without); err != nil {
			t.Fatal(err)
		}
		if withAccount != 2 || without != 1 {
			t.Errorf("pending logins: %d with the account, %d without", withAccount, without)
		}
		if err := e.svc.PendingLogin(e.ctx, unknown); err != nil {
			t.Errorf("an unknown login's second step is not offered: %v", err)
		}

		code := u.code(e.clock.Now())
		for name, tc := range map[string]struct{ token, code string }{
			"unknown login":  {unknown, code},
			"wrong password": {wrongPassword, code},
			"wrong code":     {wrongCode, "000000"},
		} {
			_, _, err := e.svc.FinishLogin(e.ctx, tc.token, tc.code, "", c)
			if apperr.CodeOf(err) != "invalid_credentials" || apperr.As(err).Message != account.ErrInvalidCredentials.Message {
				t.Errorf("%s: %v", name, err)
			}
		}
		// The right password and code still log in.
		ok, err := e.svc.BeginLogin(e.ctx, " Jules", u.password, c)
		if err != nil {
			t.Fatal(err)
		}
		if _, acc, err := e.svc.FinishLogin(e.ctx, ok, u.code(e.clock.Now()), "", c); err != nil || acc.ID != u.id {
			t.Fatalf("login: %+v %v", acc, err)
		}
	})
}

// TestAccountTextLimits: every text an account carries has a limit (docs/limits.md),
// refused with too_long and the field named (outside review, issue 8, finding 6).
func TestAccountTextLimits(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := []authz.Membership{{Role: authz.RolePlatformAdmin}}
		wantTooLong := func(what string, err error, field string) {
			t.Helper()
			if apperr.CodeOf(err) != "too_long" || !strings.Contains(apperr.As(err).Message, field) {
				t.Errorf("%s: want too_long naming %s, got %v", what, field, err)
			}
		}
		long := func(n int) string { return strings.Repeat("é", n) }

		_, _, err := e.svc.Create(e.ctx, op(), account.CreateInput{Login: strings.Repeat("a", account.MaxLogin+1), Roles: admin})
		wantTooLong("login", err, "login")
		if len(apperr.As(err).Message) > 200 {
			t.Errorf("the error repeats the value: %q", apperr.As(err).Message)
		}
		_, _, err = e.svc.Create(e.ctx, op(), account.CreateInput{Login: "nom.long", DisplayName: long(account.MaxDisplayName + 1), Roles: admin})
		wantTooLong("display name", err, "display_name")
		_, err = e.svc.SelfSignup(e.ctx, "nom.long2", long(account.MaxDisplayName+1), "fr")
		wantTooLong("sign-up display name", err, "display_name")
		acc, _, err := e.svc.Create(e.ctx, op(), account.CreateInput{Login: strings.Repeat("a", account.MaxLogin), DisplayName: long(account.MaxDisplayName), Roles: admin})
		if err != nil {
			t.Fatalf("at the limits: %v", err)
		}
		_, _, err = e.svc.CreateToken(e.ctx, op(), acc.ID, long(account.MaxTokenName+1), 0)
		wantTooLong("token name", err, "token_name")
		if _, _, err := e.svc.CreateToken(e.ctx, op(), acc.ID, long(account.MaxTokenName), 0); err != nil {
			t.Errorf("token name at the limit: %v", err)
		}
		_, err = e.svc.List(e.ctx, op(), account.ListFilter{Query: long(account.MaxQuery + 1)})
		wantTooLong("search", err, "q")

		var estID int64
		if err := db.QueryRow(e.ctx, `INSERT INTO establishments (uai, name, created_at, updated_at) VALUES ('0382032C', 'X', $1, $1) RETURNING id`, e.clock.Now()).Scan(&estID); err != nil {
			t.Fatal(err)
		}
		student := authz.Membership{Role: authz.RoleStudent, EstablishmentID: estID}
		err = db.Tx(e.ctx, func(ctx context.Context) error {
			_, err := e.svc.CreateMany(ctx, authz.Operator, student, []account.Person{{FirstName: "Zoé", LastName: long(account.MaxName + 1)}})
			return err
		})
		wantTooLong("imported last name", err, "last_name")
		err = db.Tx(e.ctx, func(ctx context.Context) error {
			_, err := e.svc.CreateMany(ctx, authz.Operator, student, []account.Person{{FirstName: long(account.MaxName + 1), LastName: "Martin"}})
			return err
		})
		wantTooLong("imported first name", err, "first_name")
		err = db.Tx(e.ctx, func(ctx context.Context) error {
			_, err := e.svc.CreateMany(ctx, authz.Operator, student, []account.Person{{FirstName: long(account.MaxName), LastName: long(account.MaxName)}})
			return err
		})
		if err != nil {
			t.Errorf("imported names at the limit: %v", err)
		}
	})
}

// TestUserAgentIsStoredAsValidText: a session keeps at most 200 characters of the
// user agent, cut between characters and with invalid bytes replaced, so that a
// browser's header cannot break a login on PostgreSQL.
func TestUserAgentIsStoredAsValidText(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.activate(t, "ugo")
		for name, ua := range map[string]string{
			"cut inside a character": strings.Repeat("a", 199) + "é",
			"invalid bytes":          "Mozilla \xff\xfe",
			"long":                   strings.Repeat("ü", 500),
		} {
			if _, _, err := e.svc.StartSession(e.ctx, u.id, account.KindAPI, account.Client{UserAgent: ua}); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			if _, err := e.svc.BeginLogin(e.ctx, u.login, u.password, account.Client{UserAgent: ua}); err != nil {
				t.Errorf("%s: login: %v", name, err)
			}
		}
		ss, err := e.svc.Sessions(e.ctx, u.id)
		if err != nil || len(ss) != 3 {
			t.Fatalf("sessions %v %v", ss, err)
		}
		for _, s := range ss {
			if !utf8.ValidString(s.UserAgent) || utf8.RuneCountInString(s.UserAgent) > 200 {
				t.Errorf("stored user agent %q", s.UserAgent)
			}
		}
	})
}
