package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/sso"
)

// providerFlags are the settings of an identity provider on the command line. The
// client secret is read from a file (or standard input with "-"): a command line is
// visible to every user of the machine.
type providerFlags struct {
	name, label, kind, casURL, issuer, clientID, secretFile, scopes, identity string
	casProtocol                                                               int
	enabled                                                                   onOff
	asJSON                                                                    bool
}

func (f *providerFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "name", "", "short name of the provider, in its URLs (required)")
	fs.StringVar(&f.label, "label", "", "what the login page's button says (default: the name)")
	fs.StringVar(&f.kind, "kind", "", "cas or oidc (required)")
	fs.StringVar(&f.casURL, "cas-url", "", "CAS: base URL of the server (https://cas.example.org/cas)")
	fs.IntVar(&f.casProtocol, "cas-protocol", 0, "CAS: protocol version, 2 or 3 (default 3)")
	fs.StringVar(&f.issuer, "issuer", "", "OIDC: issuer URL (discovery at /.well-known/openid-configuration)")
	fs.StringVar(&f.clientID, "client-id", "", "OIDC: client id")
	fs.StringVar(&f.secretFile, "client-secret-file", "", "OIDC: file holding the client secret (- for standard input)")
	fs.StringVar(&f.scopes, "scopes", "", "OIDC: scopes, comma-separated (default openid,profile,email)")
	fs.StringVar(&f.identity, "identity", "", "CAS attribute or OIDC claim naming a person (default: the CAS user, the sub claim)")
	fs.Var(&f.enabled, "enabled", "on|off")
	fs.BoolVar(&f.asJSON, "json", false, "print JSON")
}

func (f *providerFlags) input(stdin io.Reader) (sso.ProviderInput, error) {
	in := sso.ProviderInput{Name: f.name, Label: f.label, Kind: sso.Kind(f.kind), Enabled: f.enabled.ptr(), CASURL: f.casURL,
		CASProtocol: f.casProtocol, Issuer: f.issuer, ClientID: f.clientID, Identity: f.identity}
	if f.scopes != "" {
		in.Scopes = strings.Split(f.scopes, ",")
	}
	if f.secretFile != "" {
		var b []byte
		var err error
		if f.secretFile == "-" {
			b, err = io.ReadAll(io.LimitReader(stdin, sso.MaxSecret+2))
		} else {
			b, err = os.ReadFile(f.secretFile)
		}
		if err != nil {
			return in, fmt.Errorf("--client-secret-file: %w", err)
		}
		in.ClientSecret = strings.TrimSpace(string(b))
	}
	return in, nil
}

func printProvider(w io.Writer, p sso.Provider) {
	where := p.CASURL
	if p.Kind == sso.KindOIDC {
		where = p.Issuer + " (client " + p.ClientID + ")"
	}
	state := "enabled"
	if !p.Enabled {
		state = "disabled"
	}
	fmt.Fprintf(w, "%s %q %s %s, identity %s, %s\n", p.Name, p.Label, p.Kind, where, p.IdentityName(), state)
}

func ssoCmd() *cmd {
	var add, upd providerFlags
	var name, uai, role, policy, login, provider, external string
	var off, asJSON, dry bool
	op := authz.OperatorPrincipal()
	setEnabled := func(on bool) func(ctx context.Context, r *runner, args []string) error {
		return func(ctx context.Context, r *runner, args []string) error {
			if name == "" {
				return usagef("needs --name")
			}
			app, err := r.open(ctx)
			if err != nil {
				return err
			}
			defer app.Close()
			p, err := app.SSO.Provider(ctx, name)
			if err != nil {
				return err
			}
			in := p.Input()
			in.Enabled = &on
			if p, err = app.SSO.UpdateProvider(ctx, op, in); err != nil {
				return err
			}
			printProvider(r.stdout, p)
			return nil
		}
	}
	nameFlag := func(fs *flag.FlagSet) { fs.StringVar(&name, "name", "", "the provider's name (required)") }
	return &cmd{name: "sso", summary: "single sign-on: identity providers, what establishments allow, links", subs: []*cmd{
		{name: "provider", summary: "declare and manage identity providers (CAS, OpenID Connect)", subs: []*cmd{
			{name: "add", summary: "declare an identity provider", flags: add.register, run: saveProvider(&add, true)},
			{name: "update", summary: "change an identity provider (an empty secret keeps the stored one)", flags: upd.register,
				run: saveProvider(&upd, false)},
			{name: "list", summary: "list identity providers",
				flags: func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print JSON") },
				run: func(ctx context.Context, r *runner, args []string) error {
					app, err := r.open(ctx)
					if err != nil {
						return err
					}
					defer app.Close()
					ps, err := app.SSO.Providers(ctx, op)
					if err != nil {
						return err
					}
					if asJSON {
						return printJSON(r.stdout, ps)
					}
					for _, p := range ps {
						printProvider(r.stdout, p)
					}
					return nil
				}},
			{name: "disable", summary: "turn a provider off (its buttons and logins stop; links stay)", flags: nameFlag, run: setEnabled(false)},
			{name: "enable", summary: "turn a provider back on", flags: nameFlag, run: setEnabled(true)},
		}},
		{name: "allow", summary: "let an establishment's people log in through a provider (--off: no longer)",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&uai, "uai", "", "UAI of the establishment (required)")
				fs.StringVar(&provider, "provider", "", "the provider's name (required)")
				fs.BoolVar(&off, "off", false, "withdraw the permission")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				if uai == "" || provider == "" {
					return usagef("sso allow needs --uai and --provider")
				}
				app, e, err := openEstablishment(ctx, r, uai)
				if err != nil {
					return err
				}
				defer app.Close()
				if err := app.SSO.AllowProvider(ctx, op, e.ID, provider, !off); err != nil {
					return err
				}
				verb := "allows"
				if off {
					verb = "no longer allows"
				}
				fmt.Fprintf(r.stdout, "%s %s %s\n", e.UAI, verb, provider)
				return nil
			}},
		{name: "policy", summary: "set how a role logs in, in an establishment (sso_only, sso_then_totp, cartable_only)",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&uai, "uai", "", "UAI of the establishment (required)")
				fs.StringVar(&role, "role", "", "admin, teacher, inspector, student or parent (required)")
				fs.StringVar(&policy, "policy", "", "sso_only, sso_then_totp or cartable_only (required)")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				if uai == "" || role == "" || policy == "" {
					return usagef("sso policy needs --uai, --role and --policy")
				}
				pol, err := sso.ParsePolicy(policy)
				if err != nil {
					return err
				}
				app, e, err := openEstablishment(ctx, r, uai)
				if err != nil {
					return err
				}
				defer app.Close()
				if err := app.SSO.SetPolicy(ctx, op, e.ID, authz.Role(role), pol); err != nil {
					return err
				}
				fmt.Fprintf(r.stdout, "%s: %s log in with %s\n", e.UAI, role, pol)
				return nil
			}},
		{name: "link", summary: "link an account to its identity at a provider",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&login, "login", "", "the account's login (required)")
				fs.StringVar(&provider, "provider", "", "the provider's name (required)")
				fs.StringVar(&external, "external-id", "", "the identity at the provider (required)")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				if login == "" || provider == "" || external == "" {
					return usagef("sso link needs --login, --provider and --external-id")
				}
				app, acc, err := openAccount(ctx, r, login)
				if err != nil {
					return err
				}
				defer app.Close()
				l, err := app.SSO.Link(ctx, op, acc.ID, provider, external)
				if err != nil {
					return err
				}
				fmt.Fprintf(r.stdout, "%s linked to %s at %s\n", acc.Login, l.ExternalID, l.Provider)
				return nil
			}},
		{name: "unlink", summary: "remove an account's link to a provider",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&login, "login", "", "the account's login (required)")
				fs.StringVar(&provider, "provider", "", "the provider's name (required)")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				if login == "" || provider == "" {
					return usagef("sso unlink needs --login and --provider")
				}
				app, acc, err := openAccount(ctx, r, login)
				if err != nil {
					return err
				}
				defer app.Close()
				ls, err := app.SSO.Links(ctx, op, acc.ID)
				if err != nil {
					return err
				}
				for _, l := range ls {
					if l.Provider == provider {
						if err := app.SSO.Unlink(ctx, op, l.ID); err != nil {
							return err
						}
						fmt.Fprintf(r.stdout, "%s no longer linked to %s at %s\n", acc.Login, l.ExternalID, l.Provider)
						return nil
					}
				}
				return fmt.Errorf("%s has no link to %s", acc.Login, provider)
			}},
		{name: "links", summary: "list an account's links",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&login, "login", "", "the account's login (required)")
				fs.BoolVar(&asJSON, "json", false, "print JSON")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				if login == "" {
					return usagef("sso links needs --login")
				}
				app, acc, err := openAccount(ctx, r, login)
				if err != nil {
					return err
				}
				defer app.Close()
				ls, err := app.SSO.Links(ctx, op, acc.ID)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(r.stdout, ls)
				}
				tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "PROVIDER\tEXTERNAL ID\tORIGIN\tCREATED")
				for _, l := range ls {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Provider, l.ExternalID, l.Origin, l.CreatedAt.Format("2006-01-02"))
				}
				return tw.Flush()
			}},
		{name: "import", summary: "link the identities of a CSV (login,external_id or ine,external_id) in an establishment", args: "FILE",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&uai, "uai", "", "UAI of the establishment (required)")
				fs.StringVar(&provider, "provider", "", "the provider's name (required)")
				fs.BoolVar(&dry, "dry-run", false, "check and report, change nothing")
				fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
			},
			run: func(ctx context.Context, r *runner, args []string) error {
				if uai == "" || provider == "" || len(args) != 1 {
					return usagef("sso import needs --uai, --provider and one FILE")
				}
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				app, err := r.open(ctx)
				if err != nil {
					return err
				}
				defer app.Close()
				rep, err := app.Importer.Links(ctx, op, uai, provider, f, dry)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(r.stdout, rep)
				}
				what := "linked"
				if dry {
					what = "would be linked (dry run)"
				}
				fmt.Fprintf(r.stdout, "%s, %s: %d line(s), %d %s, %d problem(s)\n", rep.UAI, rep.Provider, rep.Lines, rep.Linked, what, len(rep.Problems))
				for _, p := range rep.Problems {
					fmt.Fprintf(r.stdout, "  line %d: %s (%s)\n", p.Line, p.Message, p.Code)
				}
				return nil
			}},
	}}
}

// openAccount opens the application and finds the account of login.
func openAccount(ctx context.Context, r *runner, login string) (*App, account.Account, error) {
	app, err := r.open(ctx)
	if err != nil {
		return nil, account.Account{}, err
	}
	acc, err := app.Accounts.ByLogin(ctx, authz.OperatorPrincipal(), login)
	if err != nil {
		app.Close()
		return nil, account.Account{}, err
	}
	return app, acc, nil
}

// saveProvider declares (create) or changes a provider from the flags f.
func saveProvider(f *providerFlags, create bool) func(ctx context.Context, r *runner, args []string) error {
	return func(ctx context.Context, r *runner, args []string) error {
		in, err := f.input(os.Stdin)
		if err != nil {
			return err
		}
		app, err := r.open(ctx)
		if err != nil {
			return err
		}
		defer app.Close()
		save := app.SSO.UpdateProvider
		if create {
			save = app.SSO.CreateProvider
		}
		p, err := save(ctx, authz.OperatorPrincipal(), in)
		if err != nil {
			return err
		}
		if f.asJSON {
			return printJSON(r.stdout, p)
		}
		printProvider(r.stdout, p)
		if create {
			fmt.Fprintf(r.stdout, "register at the provider: service or redirect URI %s", app.SSO.CallbackURL(p.Name))
			if p.Kind == sso.KindOIDC {
				fmt.Fprintf(r.stdout, ", post-logout redirect URI %s, back-channel logout URI %s", app.SSO.AfterLogoutURL(), app.SSO.BackChannelLogoutURL(p.Name))
			}
			fmt.Fprintln(r.stdout)
		}
		return nil
	}
}

// openEstablishment opens the application and finds the establishment of uai.
func openEstablishment(ctx context.Context, r *runner, uai string) (*App, establishment.Establishment, error) {
	app, err := r.open(ctx)
	if err != nil {
		return nil, establishment.Establishment{}, err
	}
	e, err := app.Establishments.ByUAI(ctx, uai)
	if err != nil {
		app.Close()
		return nil, establishment.Establishment{}, err
	}
	return app, e, nil
}
