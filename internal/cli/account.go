package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/qr"
)

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

func accountCmd() *cmd {
	return &cmd{name: "account", summary: "create and manage accounts", subs: []*cmd{
		accountCreateCmd(), accountListCmd(), accountShowCmd(),
		accountActionCmd("reissue", "give an account a new enrolment link (kills its credentials, sessions and links)"),
		accountActionCmd("unlock", "lift a temporary or hard lock"),
		accountActionCmd("expire", "expire an account's credentials now"),
		accountActionCmd("disable", "disable an account"),
	}}
}

func accountCreateCmd() *cmd {
	var login, role, name, lang string
	var uais stringList
	var asJSON, noQR bool
	return &cmd{name: "create", summary: "create an account and print its single-use enrolment link",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&login, "login", "", "login (required)")
			fs.StringVar(&role, "role", "", "role: platform-admin, admin, teacher, inspector, student, parent, office, programme-director, jury, referent, disability-office, pilotage (required)")
			fs.Var(&uais, "uai", "establishment UAI of the role (repeatable for an inspector)")
			fs.StringVar(&name, "name", "", "display name")
			fs.StringVar(&lang, "lang", "fr", "interface language: fr or en")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			fs.BoolVar(&noQR, "no-qr", false, "do not draw the QR code in the terminal")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			if login == "" || role == "" {
				return usagef("account create needs --login and --role")
			}
			app, err := r.open(ctx)
			if err != nil {
				return err
			}
			defer app.Close()
			rl, err := authz.ParseRole(role)
			if err != nil {
				return err
			}
			var ms []authz.Membership
			if rl == authz.RolePlatformAdmin {
				if len(uais) > 0 {
					return usagef("the platform-admin role takes no --uai")
				}
				ms = append(ms, authz.Membership{Role: rl})
			}
			for _, u := range uais {
				if rl == authz.RolePlatformAdmin {
					break
				}
				e, err := app.Establishments.ByUAI(ctx, u)
				if err != nil {
					return err
				}
				ms = append(ms, authz.Membership{Role: rl, EstablishmentID: e.ID, UAI: e.UAI})
			}
			if len(ms) == 0 {
				return usagef("the role %s needs --uai", rl)
			}
			acc, enr, err := app.Accounts.Create(ctx, authz.OperatorPrincipal(), account.CreateInput{Login: login, DisplayName: name, Lang: lang, Roles: ms})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(r.stdout, map[string]any{"id": acc.ID, "login": acc.Login, "enrollment_url": enr.URL, "expires_at": enr.ExpiresAt})
			}
			printEnrollment(r, enr, !noQR)
			return nil
		}}
}

func printEnrollment(r *runner, enr account.Enrollment, withQR bool) {
	fmt.Fprintf(r.stdout, "Account %s — enrolment link (single use, valid until %s):\n\n  %s\n\n",
		enr.Login, enr.ExpiresAt.Format(time.RFC3339), enr.URL)
	if withQR {
		fmt.Fprint(r.stdout, qr.Terminal(enr.URL))
	}
}

func accountListCmd() *cmd {
	var expiring, state, uai, query string
	var asJSON bool
	return &cmd{name: "list", summary: "list accounts",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&expiring, "expiring", "", "only accounts whose credentials expire within this period (e.g. 30d)")
			fs.StringVar(&state, "state", "", "pending, active, expired, locked or disabled")
			fs.StringVar(&uai, "uai", "", "only accounts with a role in this establishment")
			fs.StringVar(&query, "q", "", "part of the login or display name")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			app, err := r.open(ctx)
			if err != nil {
				return err
			}
			defer app.Close()
			f := account.ListFilter{State: state, Query: query, Limit: 5000}
			now := app.Now()
			if expiring != "" {
				p, err := config.ParsePeriod(expiring)
				if err != nil {
					return usagef("--expiring: %v", err)
				}
				d := p.After(now).Sub(now)
				f.Expiring = &d
			}
			if uai != "" {
				e, err := app.Establishments.ByUAI(ctx, uai)
				if err != nil {
					return err
				}
				f.EstablishmentID = e.ID
			}
			list, err := app.Accounts.List(ctx, authz.OperatorPrincipal(), f)
			if err != nil {
				return err
			}
			if asJSON {
				type row struct {
					account.Account
					State         string `json:"state"`
					ExpiresInDays *int   `json:"expires_in_days,omitempty"`
				}
				out := make([]row, 0, len(list))
				for _, a := range list {
					rw := row{Account: a, State: a.State(now)}
					if d, ok := a.DaysLeft(now); ok {
						rw.ExpiresInDays = &d
					}
					out = append(out, rw)
				}
				return printJSON(r.stdout, out)
			}
			tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tLOGIN\tSTATE\tROLES\tEXPIRES\tFAILURES")
			for _, a := range list {
				exp := "-"
				if d, ok := a.DaysLeft(now); ok {
					exp = fmt.Sprintf("%s (%d days)", a.ExpiresAt.Format("2006-01-02"), d)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\n", a.ID, a.Login, a.State(now), rolesText(a.Roles), exp, a.FailedCount)
			}
			return tw.Flush()
		}}
}

func rolesText(ms []authz.Membership) string {
	var s []string
	for _, m := range ms {
		if m.UAI != "" {
			s = append(s, string(m.Role)+"@"+m.UAI)
		} else {
			s = append(s, string(m.Role))
		}
	}
	return strings.Join(s, ",")
}

func accountShowCmd() *cmd {
	var login string
	return &cmd{name: "show", summary: "show one account as JSON",
		flags: func(fs *flag.FlagSet) { fs.StringVar(&login, "login", "", "login (required)") },
		run: func(ctx context.Context, r *runner, args []string) error {
			if login == "" {
				return usagef("account show needs --login")
			}
			app, err := r.open(ctx)
			if err != nil {
				return err
			}
			defer app.Close()
			acc, err := app.Accounts.ByLogin(ctx, authz.OperatorPrincipal(), login)
			if err != nil {
				return err
			}
			return printJSON(r.stdout, map[string]any{"account": acc, "state": acc.State(app.Now())})
		}}
}

func accountActionCmd(action, summary string) *cmd {
	var login string
	var asJSON, noQR bool
	return &cmd{name: action, summary: summary,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&login, "login", "", "login (required)")
			if action == "reissue" {
				fs.BoolVar(&asJSON, "json", false, "print JSON")
				fs.BoolVar(&noQR, "no-qr", false, "do not draw the QR code in the terminal")
			}
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			if login == "" {
				return usagef("account %s needs --login", action)
			}
			app, err := r.open(ctx)
			if err != nil {
				return err
			}
			defer app.Close()
			op := authz.OperatorPrincipal()
			acc, err := app.Accounts.ByLogin(ctx, op, login)
			if err != nil {
				return err
			}
			switch action {
			case "reissue":
				enr, err := app.Accounts.Reissue(ctx, op, acc.ID)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(r.stdout, map[string]any{"login": enr.Login, "enrollment_url": enr.URL, "expires_at": enr.ExpiresAt})
				}
				printEnrollment(r, enr, !noQR)
				return nil
			case "unlock":
				err = app.Accounts.Unlock(ctx, op, acc.ID)
			case "expire":
				err = app.Accounts.Expire(ctx, op, acc.ID)
			case "disable":
				err = app.Accounts.Disable(ctx, op, acc.ID)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(r.stdout, "%s: %s done\n", acc.Login, action)
			return nil
		}}
}

func tokenCmd() *cmd {
	var login, name, ttl string
	var id int64
	var asJSON bool
	loginFlag := func(fs *flag.FlagSet) { fs.StringVar(&login, "login", "", "login of the account (required)") }
	return &cmd{name: "token", summary: "API tokens", subs: []*cmd{
		{name: "create", summary: "create a personal API token (printed once)",
			flags: func(fs *flag.FlagSet) {
				loginFlag(fs)
				fs.StringVar(&name, "name", "cli", "a name to recognise the token")
				fs.StringVar(&ttl, "ttl", "", "lifetime, e.g. 90d (default --token-ttl)")
				fs.BoolVar(&asJSON, "json", false, "print JSON")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				if login == "" {
					return usagef("token create needs --login")
				}
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				var d time.Duration
				if ttl != "" {
					p, err := config.ParsePeriod(ttl)
					if err != nil {
						return usagef("--ttl: %v", err)
					}
					d = p.After(app.Now()).Sub(app.Now())
				}
				op := authz.OperatorPrincipal()
				acc, err := app.Accounts.ByLogin(ctx, op, login)
				if err != nil {
					return err
				}
				tok, ss, err := app.Accounts.CreateToken(ctx, op, acc.ID, name, d)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(r.stdout, map[string]any{"token": tok, "id": ss.ID, "expires_at": ss.ExpiresAt})
				}
				fmt.Fprintf(r.stdout, "Token %d for %s (expires %s; shown once):\n%s\n", ss.ID, acc.Login, ss.ExpiresAt.Format(time.RFC3339), tok)
				return nil
			}},
		{name: "list", summary: "list an account's sessions and tokens",
			flags: func(fs *flag.FlagSet) { loginFlag(fs); fs.BoolVar(&asJSON, "json", false, "print JSON") },
			run: func(ctx context.Context, r *runner, args []string) error {
				if login == "" {
					return usagef("token list needs --login")
				}
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				acc, err := app.Accounts.ByLogin(ctx, authz.OperatorPrincipal(), login)
				if err != nil {
					return err
				}
				ss, err := app.Accounts.Sessions(ctx, acc.ID)
				if err != nil {
					return err
				}
				if asJSON {
					if ss == nil {
						ss = []account.Session{}
					}
					return printJSON(r.stdout, ss)
				}
				tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tKIND\tNAME\tCREATED\tEXPIRES")
				for _, s := range ss {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", s.ID, s.Kind, s.Name, s.CreatedAt.Format(time.RFC3339), s.ExpiresAt.Format(time.RFC3339))
				}
				return tw.Flush()
			}},
		{name: "revoke", summary: "revoke a session or token",
			flags: func(fs *flag.FlagSet) { loginFlag(fs); fs.Int64Var(&id, "id", 0, "id of the token (from token list)") },
			run: func(ctx context.Context, r *runner, args []string) error {
				if login == "" || id == 0 {
					return usagef("token revoke needs --login and --id")
				}
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				acc, err := app.Accounts.ByLogin(ctx, authz.OperatorPrincipal(), login)
				if err != nil {
					return err
				}
				if err := app.Accounts.RevokeSession(ctx, authz.Operator, acc.ID, id); err != nil {
					return err
				}
				fmt.Fprintf(r.stdout, "revoked %d\n", id)
				return nil
			}},
	}}
}
