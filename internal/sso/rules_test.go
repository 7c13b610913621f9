package sso_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/ssotest"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

func countRows(t *testing.T, e *env, table string) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(e.ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUnknownIdentity: an identity no account is linked to gets a clear refusal, never
// an account.
func TestUnknownIdentity(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.casProvider("ent", 3, "", e.a)
		e.create("elodie", authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.a.ID}) // not linked
		before := countRows(t, e, "accounts")
		_, err := e.login(ssotest.NewBrowser(), "ent", ssotest.Users[0])
		e.wantRefused(err, "sso_unknown_identity", audit.SSOLoginRefused, "ent", "unknown_identity", "eleve1")
		if after := countRows(t, e, "accounts"); after != before || countRows(t, e, "sessions") != 0 {
			t.Errorf("an unknown identity made an account or a session (%d → %d accounts)", before, after)
		}
	})
}

// TestNeverAnotherEstablishment: a provider allowed by one establishment does not open
// an account that also acts in another one that does not allow it, nor one whose role
// is cartable_only there, nor a platform administrator's.
func TestNeverAnotherEstablishment(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.casProvider("ent", 3, "", e.a)
		u := *ssotest.UserByLogin("prof1")
		both := e.activated("paul", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.a.ID},
			authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.b.ID})
		e.link(both.ID, "ent", u.Login)
		_, err := e.login(ssotest.NewBrowser(), "ent", u)
		e.wantRefused(err, "sso_not_allowed", audit.SSOLoginRefused, "ent", "provider_not_allowed", "prof1")
		if ev := e.lastEvent(audit.SSOLoginRefused); ev.EstablishmentID == nil || *ev.EstablishmentID != e.b.ID || *ev.TargetID != both.ID {
			t.Errorf("the refusal names %v, want establishment B", ev.EstablishmentID)
		}

		e.allow("ent", e.b)
		if err := e.sso.SetPolicy(e.ctx, e.admin(e.b), e.b.ID, authz.RoleTeacher, sso.PolicyCartableOnly); err != nil {
			t.Fatal(err)
		}
		_, err = e.login(ssotest.NewBrowser(), "ent", u)
		e.wantRefused(err, "sso_not_allowed", audit.SSOLoginRefused, "ent", "policy_cartable_only", "prof1")

		if err := e.sso.SetPolicy(e.ctx, op(), e.b.ID, authz.RoleTeacher, sso.PolicySSOOnly); err != nil {
			t.Fatal(err)
		}
		// A's default for teachers still asks for the code.
		if r := e.mustLogin(ssotest.NewBrowser(), "ent", u); !r.Session.Pending {
			t.Error("the strictest policy of the account's roles must hold")
		}

		pa := e.activated("root", authz.Membership{Role: authz.RolePlatformAdmin})
		e.link(pa.ID, "ent", "admin1")
		_, err = e.login(ssotest.NewBrowser(), "ent", *ssotest.UserByLogin("admin1"))
		e.wantRefused(err, "sso_not_allowed", audit.SSOLoginRefused, "ent", "platform_admin", "admin1")
	})
}

// TestSecondFactorRules: SSO then TOTP needs an activated account, and the code is
// checked as after a password (a wrong one fails, the session never opens).
func TestSecondFactorRules(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite))
	e.casProvider("ent", 3, "", e.a)
	u := *ssotest.UserByLogin("prof1")
	pending := e.create("paul", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.a.ID})
	e.link(pending.ID, "ent", u.Login)
	b := ssotest.NewBrowser()
	_, err := e.login(b, "ent", u)
	e.wantRefused(err, "second_factor_missing", audit.SSOLoginRefused, "ent", "second_factor_missing", "prof1")

	v := *ssotest.UserByLogin("admin1")
	teacher := e.activated("anne", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: e.a.ID})
	e.link(teacher.ID, "ent", v.Login)
	r := e.mustLogin(ssotest.NewBrowser(), "ent", v)
	if _, _, err := e.sso.FinishSecondFactor(e.ctx, r.Session.Token, "000000", "", account.Client{}); !sameError(err, account.ErrInvalidCredentials) {
		t.Fatalf("wrong code: %v", err)
	}
	if countRows(t, e, "sso_sessions") != 0 {
		t.Error("a refused second step left an SSO session")
	}
	// A disabled account is refused, and says so.
	if err := e.accounts.Disable(e.ctx, op(), teacher.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.login(ssotest.NewBrowser(), "ent", v)
	e.wantRefused(err, "account_disabled", audit.SSOLoginRefused, "ent", "account_disabled", "admin1")
}

// TestSelfLink: after a cartable login, a person links his ENT identity himself; a
// session opened by a provider may not.
func TestSelfLink(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.casProvider("ent", 3, "", e.a)
		u := *ssotest.UserByLogin("prof1")
		teacher := e.activated("paul", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.a.ID})
		pending, err := e.accounts.BeginLogin(e.ctx, "paul", teacher.password, account.Client{})
		if err != nil {
			t.Fatal(err)
		}
		token, _, err := e.accounts.FinishLogin(e.ctx, pending, teacher.code(e.clock.Now()), "", account.Client{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := e.authenticate(token)
		if err != nil {
			t.Fatal(err)
		}
		st, err := e.sso.BeginLink(e.ctx, p, "ent", "/moi")
		if err != nil {
			t.Fatal(err)
		}
		b := ssotest.NewBrowser()
		back := b.Login(t, st.URL, e.sso.CallbackURL("ent"), u)
		r, err := e.sso.Finish(e.ctx, "ent", st.FlowToken, back.Query(), account.Client{})
		if err != nil || r.Purpose != sso.PurposeLink || r.Link == nil || r.Link.ExternalID != "prof1" || r.Link.Origin != sso.OriginSelf || r.ReturnTo != "/moi" {
			t.Fatalf("link: %v %+v", err, r)
		}
		if ev := e.lastEvent(audit.SSOLinked); *ev.ActorID != teacher.ID || ev.Detail["identity"] != "prof1" || ev.Detail["origin"] != "self" {
			t.Errorf("event %+v", ev)
		}
		// Now the identity logs in, and the second step carries the SSO session over.
		r = e.mustLogin(b, "ent", u)
		token, _, err = e.sso.FinishSecondFactor(e.ctx, r.Session.Token, teacher.code(e.clock.Now().Add(30e9)), "", account.Client{})
		if err != nil {
			t.Fatal(err)
		}
		sp, err := e.authenticate(token)
		if err != nil {
			t.Fatal(err)
		}
		if logout, err := e.sso.LogoutURL(e.ctx, sp.SessionID, ""); err != nil || logout == "" {
			t.Errorf("the second step lost the SSO session: %q %v", logout, err)
		}
		// From this SSO session, no new link.
		_, err = e.sso.BeginLink(e.ctx, sp, "ent", "/")
		e.wantRefused(err, "sso_link_needs_cartable_login", audit.SSOLinkRefused, "ent", "not_a_cartable_login", "")
		// Another person linking the same identity is refused.
		other := e.activated("autre", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.a.ID})
		op := &authz.Principal{AccountID: other.ID, Login: other.Login, Roles: other.Roles, SessionID: p.SessionID, SessionKind: account.KindWeb}
		st, err = e.sso.BeginLink(e.ctx, op, "ent", "/")
		if err != nil {
			t.Fatal(err)
		}
		back = b.Login(t, st.URL, e.sso.CallbackURL("ent"), u)
		_, err = e.sso.Finish(e.ctx, "ent", st.FlowToken, back.Query(), account.Client{})
		e.wantRefused(err, "sso_identity_linked", audit.SSOLinkRefused, "ent", "sso_identity_linked", "prof1")
	})
}

// TestAdminLinks: an administrator links the accounts he manages, with the providers
// his establishment allows; never another establishment's account.
func TestAdminLinks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.casProvider("ent", 3, "", e.a)
		e.casProvider("ent-b", 3, "", e.b)
		adminA, adminB := e.admin(e.a), e.admin(e.b)
		student := e.create("eleve", authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.a.ID})
		both := e.create("prof", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.a.ID},
			authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.b.ID})

		l, err := e.sso.Link(e.ctx, adminA, student.ID, "ent", " eleve1 ")
		if err != nil || l.ExternalID != "eleve1" || l.Origin != sso.OriginAdmin {
			t.Fatalf("link: %v %+v", err, l)
		}
		if _, err := e.sso.Link(e.ctx, adminB, student.ID, "ent-b", "eleve1"); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("B's administrator linking A's student: %v", err)
		}
		if _, err := e.sso.Link(e.ctx, adminA, both.ID, "ent", "prof1"); apperr.CodeOf(err) != "account_read_only" {
			t.Errorf("linking an account that also acts in B: %v", err)
		}
		_, err = e.sso.Link(e.ctx, adminA, student.ID, "ent-b", "eleve1")
		e.wantRefused(err, "sso_provider_not_allowed", audit.SSOLinkRefused, "ent-b", "provider_not_allowed", "eleve1")
		other := e.create("eleve2", authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.a.ID})
		_, err = e.sso.Link(e.ctx, adminA, other.ID, "ent", "eleve1")
		e.wantRefused(err, "sso_identity_linked", audit.SSOLinkRefused, "ent", "sso_identity_linked", "eleve1")
		_, err = e.sso.Link(e.ctx, adminA, student.ID, "ent", "eleve9")
		e.wantRefused(err, "sso_account_linked", audit.SSOLinkRefused, "ent", "sso_account_linked", "eleve9")
		for _, bad := range []string{"", "a\x00b", strings.Repeat("x", sso.MaxExternalID+1)} {
			if _, err := e.sso.Link(e.ctx, adminA, other.ID, "ent", bad); apperr.KindOf(err) != apperr.KindInvalid {
				t.Errorf("external id %q: %v", bad, err)
			}
		}

		links, err := e.sso.Links(e.ctx, adminA, student.ID)
		if err != nil || len(links) != 1 {
			t.Fatalf("links %v %+v", err, links)
		}
		if _, err := e.sso.Links(e.ctx, adminB, student.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("B's administrator listing A's links: %v", err)
		}
		if err := e.sso.Unlink(e.ctx, adminB, links[0].ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("B's administrator unlinking: %v", err)
		}
		self := &authz.Principal{AccountID: student.ID, Login: student.Login, Roles: student.Roles}
		if err := e.sso.Unlink(e.ctx, self, links[0].ID); err != nil {
			t.Fatal(err)
		}
		if ev := e.lastEvent(audit.SSOUnlinked); ev.Detail["identity"] != "eleve1" || *ev.TargetID != student.ID {
			t.Errorf("event %+v", ev)
		}
	})
}

// TestImportLinks: an import's column of identities links the establishment's
// accounts, in the import's transaction, and reports the lines it leaves out.
func TestImportLinks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.casProvider("ent", 3, "", e.a)
		adminA := e.admin(e.a)
		s1 := e.create("eleve-un", authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.a.ID})
		s2 := e.create("eleve-deux", authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.a.ID})
		inB := e.create("eleve-b", authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.b.ID})
		var problems []sso.ImportProblem
		err := e.db.Tx(e.ctx, func(ctx2 context.Context) error {
			var err error
			problems, err = e.sso.ImportLinks(ctx2, adminA, e.a.ID, "ent", []sso.ImportLink{
				{Line: 2, AccountID: s1.ID, ExternalID: "eleve1"},
				{Line: 3, AccountID: s2.ID, ExternalID: "eleve1"}, // taken by line 2
				{Line: 4, AccountID: inB.ID, ExternalID: "eleve-b"},
				{Line: 5, AccountID: s2.ID, ExternalID: "bad\ttab"},
				{Line: 6, AccountID: s1.ID, ExternalID: "eleve1"}, // already there
				{Line: 7, AccountID: s2.ID, ExternalID: "eleve2"},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range problems {
			got = append(got, p.Code)
		}
		if strings.Join(got, ",") != "sso_identity_linked,account_not_found,invalid_external_id" || problems[1].Line != 4 {
			t.Errorf("problems %+v", problems)
		}
		if n := countRows(t, e, "sso_links"); n != 2 {
			t.Errorf("%d links, want 2", n)
		}
		if _, err := e.sso.ImportLinks(e.ctx, e.admin(e.b), e.b.ID, "ent", nil); apperr.CodeOf(err) != "sso_provider_not_allowed" {
			t.Errorf("import into B, which does not allow ent: %v", err)
		}
		if _, err := e.sso.ImportLinks(e.ctx, adminA, e.b.ID, "ent", nil); apperr.KindOf(err) != apperr.KindForbidden {
			t.Errorf("import into another establishment: %v", err)
		}
	})
}

// TestProviders: only a platform administrator declares providers; URLs are https
// (http on the machine itself only); the client secret is encrypted and bound to its
// row.
func TestProviders(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := sso.ProviderInput{Name: "univ", Kind: sso.KindOIDC, Issuer: "https://login.univ.example", ClientID: "cartable",
			ClientSecret: "the-very-secret-client-secret"}
		if _, err := e.sso.CreateProvider(e.ctx, e.admin(e.a), in); apperr.KindOf(err) != apperr.KindForbidden {
			t.Errorf("an establishment administrator declared a provider: %v", err)
		}
		for _, bad := range []sso.ProviderInput{
			{Name: "univ", Kind: sso.KindOIDC, Issuer: "http://login.univ.example", ClientID: "c", ClientSecret: "s"},
			{Name: "univ", Kind: sso.KindOIDC, Issuer: "https://login.univ.example", ClientID: "c"},
			{Name: "Univ!", Kind: sso.KindCAS, CASURL: "https://cas.example"},
			{Name: "ent", Kind: sso.KindCAS, CASURL: "https://cas.example/cas?x=1"},
			{Name: "ent", Kind: sso.KindCAS, CASURL: "https://cas.example", CASProtocol: 1},
			{Name: "ent", Kind: "saml", CASURL: "https://cas.example"},
			{Name: "univ", Kind: sso.KindOIDC, Issuer: "https://login.univ.example", ClientID: "c", ClientSecret: "s", Scopes: []string{"a b"}},
		} {
			if _, err := e.sso.CreateProvider(e.ctx, op(), bad); apperr.KindOf(err) != apperr.KindInvalid {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		p, err := e.sso.CreateProvider(e.ctx, op(), in)
		if err != nil || !p.HasSecret || strings.Join(p.Scopes, " ") != "openid profile email" || p.IdentityName() != "sub" {
			t.Fatalf("%v %+v", err, p)
		}
		cas, err := e.sso.CreateProvider(e.ctx, op(), sso.ProviderInput{Name: "ent", Kind: sso.KindCAS, CASURL: "https://cas.ac-test.fr/cas/"})
		if err != nil || cas.CASURL != "https://cas.ac-test.fr/cas" || cas.CASProtocol != 3 || cas.IdentityName() != "user" {
			t.Fatalf("%v %+v", err, cas)
		}
		// The secret is nowhere in clear, and decrypts only in its own row.
		var enc []byte
		if err := e.db.QueryRow(e.ctx, `SELECT oidc_client_secret_enc FROM sso_providers WHERE id = $1`, p.ID).Scan(&enc); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(enc, []byte(in.ClientSecret)) {
			t.Fatal("the client secret is stored in clear")
		}
		if _, err := e.ring.Decrypt(enc, keyringAD("sso_providers", "oidc_client_secret_enc", cas.ID)); err == nil {
			t.Error("the secret decrypts in another row")
		}
		// An update without a secret keeps it.
		in.Label = "Université"
		in.ClientSecret = ""
		if p, err = e.sso.UpdateProvider(e.ctx, op(), in); err != nil || !p.HasSecret || p.Label != "Université" {
			t.Fatalf("%v %+v", err, p)
		}
		if ev := e.lastEvent(audit.SSOProviderSaved); ev.Detail["secret_changed"] != false || strings.Contains(strings.Join(mapValues(ev.Detail), " "), "very-secret") {
			t.Errorf("event %+v", ev)
		}
		// Only allowed, enabled providers show on a login page.
		e.allow("ent", e.a)
		lp, err := e.sso.LoginProviders(e.ctx, e.a.ID)
		if err != nil || len(lp) != 1 || lp[0].Name != "ent" {
			t.Errorf("login providers of A: %v %+v", err, lp)
		}
		off := false
		if _, err := e.sso.UpdateProvider(e.ctx, op(), sso.ProviderInput{Name: "ent", Kind: sso.KindCAS, CASURL: "https://cas.ac-test.fr/cas", Enabled: &off}); err != nil {
			t.Fatal(err)
		}
		if lp, _ := e.sso.LoginProviders(e.ctx, 0); len(lp) != 0 {
			t.Errorf("a disabled provider shows: %+v", lp)
		}
		if _, err := e.sso.BeginLogin(e.ctx, "ent", "/"); apperr.CodeOf(err) != "sso_provider_disabled" {
			t.Errorf("login through a disabled provider: %v", err)
		}
	})
}

// TestSettings: an establishment's administrator sees and sets its choices; the
// defaults are SSO then TOTP for staff, SSO alone for students and parents.
func TestSettings(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite))
	adminA := e.admin(e.a)
	st, err := e.sso.Settings(e.ctx, adminA, e.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[authz.Role]sso.Policy{authz.RoleAdmin: sso.PolicySSOThenTOTP, authz.RoleTeacher: sso.PolicySSOThenTOTP,
		authz.RoleInspector: sso.PolicySSOThenTOTP, authz.RoleStudent: sso.PolicySSOOnly, authz.RoleParent: sso.PolicySSOOnly}
	for r, p := range want {
		if st.Policies[r] != p {
			t.Errorf("default policy of %s: %s, want %s", r, st.Policies[r], p)
		}
	}
	if _, err := e.sso.Settings(e.ctx, adminA, e.b.ID); apperr.KindOf(err) != apperr.KindForbidden {
		t.Errorf("A's administrator reads B's settings: %v", err)
	}
	if err := e.sso.SetPolicy(e.ctx, adminA, e.b.ID, authz.RoleStudent, sso.PolicySSOOnly); apperr.KindOf(err) != apperr.KindForbidden {
		t.Errorf("A's administrator sets B's policy: %v", err)
	}
	if err := e.sso.SetPolicy(e.ctx, adminA, e.a.ID, authz.RoleStudent, "anything"); apperr.KindOf(err) != apperr.KindInvalid {
		t.Errorf("unknown policy: %v", err)
	}
	if err := e.sso.SetPolicy(e.ctx, adminA, e.a.ID, authz.RolePlatformAdmin, sso.PolicySSOOnly); apperr.KindOf(err) != apperr.KindInvalid {
		t.Errorf("platform-admin policy: %v", err)
	}
	if err := e.sso.SetPolicy(e.ctx, adminA, e.a.ID, authz.RoleStudent, sso.PolicySSOThenTOTP); err != nil {
		t.Fatal(err)
	}
	if ev := e.lastEvent(audit.SSOEstablishmentSet); *ev.EstablishmentID != e.a.ID || ev.Detail["policy"] != "sso_then_totp" {
		t.Errorf("event %+v", ev)
	}
	if st, _ = e.sso.Settings(e.ctx, adminA, e.a.ID); st.Policies[authz.RoleStudent] != sso.PolicySSOThenTOTP {
		t.Errorf("policy not kept: %+v", st)
	}
}

func keyringAD(table, column string, id int64) keyring.AD {
	return keyring.AD{Table: table, Column: column, Row: fmt.Sprint(id)}
}

func mapValues(m map[string]any) []string {
	var out []string
	for _, v := range m {
		out = append(out, fmt.Sprint(v))
	}
	return out
}
