package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/store"
)

// TestSSOAdminPages: a platform administrator declares providers on /admin/sso; an
// establishment's administrator allows one, sets a role's policy, links an account and
// checks then imports a CSV of identities on /establishments/{uai}/sso; a teacher may
// do none of it.
func TestSSOAdminPages(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishmentInput("0691234S", "Lycée des Canuts"))
	if err != nil {
		t.Fatal(err)
	}
	root := s.CreateUser("root", authz.Membership{Role: authz.RolePlatformAdmin})
	admin := s.CreateUser("admin.canuts", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: e.ID})
	teacher := s.CreateUser("paul.durand", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.ID})

	c := s.Browser()
	login(t, s, c, root)
	p := fetch(t, c, "GET", s.URL+"/admin/sso", nil)
	if p.status != 200 || !strings.Contains(p.body, "Aucun fournisseur") || !strings.Contains(p.body, s.URL+"/sso/NOM/callback") {
		t.Fatalf("providers page: %d\n%s", p.status, p.body)
	}
	p = fetch(t, c, "POST", s.URL+"/admin/sso/providers", url.Values{"csrf": {p.csrf(t)}, "name": {"academie"}, "label": {"Académie de Lyon"},
		"kind": {"cas"}, "cas_url": {"http://cas.example.org/cas"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "https:// est obligatoire") || !strings.Contains(p.body, `value="academie"`) {
		t.Fatalf("insecure CAS URL: %d\n%s", p.status, p.body)
	}
	p = fetch(t, c, "POST", s.URL+"/admin/sso/providers", url.Values{"csrf": {p.csrf(t)}, "name": {"academie"}, "label": {"Académie de Lyon"},
		"kind": {"cas"}, "cas_url": {"https://cas.ac-lyon.fr/cas"}, "cas_protocol": {"3"}})
	if p.status != 200 || !strings.Contains(p.body, s.URL+"/sso/academie/callback") || !strings.Contains(p.body, "Académie de Lyon") {
		t.Fatalf("create CAS: %d\n%s", p.status, p.body)
	}
	p = fetch(t, c, "POST", s.URL+"/admin/sso/providers", url.Values{"csrf": {p.csrf(t)}, "name": {"ent"}, "label": {"ENT"},
		"kind": {"oidc"}, "issuer": {"https://ent.example"}, "client_id": {"cartable"}, "client_secret": {"s3cret-value"}})
	if p.status != 200 || strings.Contains(p.body, "s3cret") {
		t.Fatalf("create OIDC: %d", p.status)
	}
	p = fetch(t, c, "POST", s.URL+"/admin/sso/providers/ent", url.Values{"csrf": {p.csrf(t)}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("disable: %d", p.status)
	}
	if pr, err := s.App.SSO.Provider(ctx, "ent"); err != nil || pr.Enabled {
		t.Fatalf("ent after disable: %+v %v", pr, err)
	}

	// The establishment's administrator.
	a := s.Browser()
	login(t, s, a, admin)
	p = fetch(t, a, "GET", s.URL+"/admin/sso", nil)
	if p.status != 200 || !strings.Contains(p.body, "Académie de Lyon") || strings.Contains(p.body, `action="/admin/sso/providers"`) {
		t.Fatalf("providers page for an establishment admin: %d", p.status)
	}
	if p := fetch(t, a, "POST", s.URL+"/admin/sso/providers/ent", url.Values{"csrf": {p.csrf(t)}}); p.status != http.StatusForbidden {
		t.Fatalf("an establishment admin toggled a provider: %d", p.status)
	}
	p = fetch(t, a, "GET", s.URL+"/establishments/0691234S", nil)
	if !strings.Contains(p.body, `href="/establishments/0691234S/sso"`) {
		t.Fatal("the dashboard has no link to the sign-on page")
	}
	p = fetch(t, a, "GET", s.URL+"/establishments/0691234S/sso", nil)
	if p.status != 200 || !strings.Contains(p.body, `id="allow-academie"`) || !strings.Contains(p.body, `<option value="sso_then_totp" selected>`) {
		t.Fatalf("establishment page: %d\n%s", p.status, p.body)
	}
	p = fetch(t, a, "POST", s.URL+"/establishments/0691234S/sso", url.Values{"csrf": {p.csrf(t)}, "allow_academie": {"on"},
		"policy_teacher": {"sso_only"}})
	if p.status != 200 || !strings.Contains(p.body, `id="allow-academie" name="allow_academie" type="checkbox" checked`) {
		t.Fatalf("save: %d\n%s", p.status, p.body)
	}
	st, err := s.App.SSO.Settings(ctx, authz.OperatorPrincipal(), e.ID)
	if err != nil || len(st.Providers) != 1 || st.Policies[authz.RoleTeacher] != "sso_only" || st.Policies[authz.RoleAdmin] != "sso_then_totp" {
		t.Fatalf("settings: %+v %v", st, err)
	}
	p = fetch(t, a, "POST", s.URL+"/establishments/0691234S/sso/link", url.Values{"csrf": {p.csrf(t)}, "login": {"personne"},
		"provider": {"academie"}, "external_id": {"x"}})
	if p.status != http.StatusNotFound || !strings.Contains(p.body, `value="personne"`) {
		t.Fatalf("link an unknown login: %d", p.status)
	}
	p = fetch(t, a, "POST", s.URL+"/establishments/0691234S/sso/link", url.Values{"csrf": {p.csrf(t)}, "login": {teacher.Login},
		"provider": {"academie"}, "external_id": {"pdurand"}})
	if p.status != 200 || !strings.Contains(p.body, "paul.durand est relié à pdurand") {
		t.Fatalf("link: %d\n%s", p.status, p.body)
	}
	csv := []byte("login;external_id\nadmin.canuts;pdurand\nnobody;x\nadmin.canuts;aroux\n")
	p = uploadForm(t, a, s.URL+"/establishments/0691234S/sso/import", p.csrf(t), map[string]string{"provider": "academie", "dry_run": "on"}, "ids.csv", csv)
	if p.status != 200 || !strings.Contains(p.body, "3 ligne(s), 1 reliée(s), 2 problème(s)") ||
		!strings.Contains(p.body, "Ligne 2\u00a0: Cette identité est déjà reliée à un autre compte.") ||
		!strings.Contains(p.body, "Ligne 3\u00a0: aucun compte de cet établissement") || !strings.Contains(p.body, "rien n’a été relié") {
		t.Fatalf("dry run: %d\n%s", p.status, p.body)
	}
	if ls, _ := s.App.SSO.Links(ctx, authz.OperatorPrincipal(), admin.ID); len(ls) != 0 {
		t.Fatalf("the dry run linked %v", ls)
	}
	p = uploadForm(t, a, s.URL+"/establishments/0691234S/sso/import", p.csrf(t), map[string]string{"provider": "academie"}, "ids.csv", csv)
	if p.status != 200 || !strings.Contains(p.body, "Import effectué") {
		t.Fatalf("import: %d\n%s", p.status, p.body)
	}
	if ls, _ := s.App.SSO.Links(ctx, authz.OperatorPrincipal(), admin.ID); len(ls) != 1 || ls[0].ExternalID != "aroux" {
		t.Fatalf("links after import: %v", ls)
	}
	// The establishment's links, each with its unlink button.
	p = fetch(t, a, "GET", s.URL+"/establishments/0691234S/sso", nil)
	rows := regexp.MustCompile(`<tr><th scope="row">([^<]+)</th><td>[^<]+</td><td>([^<]+)</td><td>([^<]+)</td>`).FindAllStringSubmatch(p.body, -1)
	if len(rows) != 2 || rows[0][1] != "admin.canuts" || rows[0][2] != "aroux" || rows[0][3] != "relié par un import" ||
		rows[1][1] != "paul.durand" || rows[1][2] != "pdurand" || rows[1][3] != "relié par un administrateur" {
		t.Fatalf("links of the establishment: %q", rows)
	}
	ls, _ := s.App.SSO.Links(ctx, authz.OperatorPrincipal(), teacher.ID)
	p = fetch(t, a, "POST", fmt.Sprintf("%s/establishments/0691234S/sso/links/%d/unlink", s.URL, ls[0].ID), url.Values{"csrf": {p.csrf(t)}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("unlink: %d", p.status)
	}
	if ls, _ := s.App.SSO.Links(ctx, authz.OperatorPrincipal(), teacher.ID); len(ls) != 0 {
		t.Fatalf("links after unlink: %v", ls)
	}
	p = fetch(t, a, "GET", s.URL+"/establishments/0691234S/sso", nil)
	if p := uploadForm(t, a, s.URL+"/establishments/0691234S/sso/import", "", map[string]string{"provider": "academie"}, "ids.csv", csv); p.status != http.StatusForbidden {
		t.Fatalf("upload without CSRF token: %d", p.status)
	}

	// A teacher of the establishment.
	tc := s.Browser()
	login(t, s, tc, teacher)
	if p := fetch(t, tc, "GET", s.URL+"/establishments/0691234S/sso", nil); p.status != http.StatusForbidden && p.status != http.StatusNotFound {
		t.Fatalf("teacher on the sign-on page: %d", p.status)
	}
}

// TestLoginButtonsOfTheEstablishmentInPlay: the login page offers the providers the
// establishment of ?uai= allows, or the one of the page the login leads to, or those
// any establishment allows; never a provider turned off.
func TestLoginButtonsOfTheEstablishmentInPlay(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	a, err := s.App.Establishments.Create(ctx, authz.Operator, establishmentInput("0691234S", "Lycée des Canuts"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.App.Establishments.Create(ctx, authz.Operator, establishmentInput("0381234K", "Lycée du Vercors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		name string
		est  int64
	}{{"academie", a.ID}, {"ent", b.ID}, {"eteint", b.ID}} {
		if _, err := s.App.SSO.CreateProvider(ctx, op, sso.ProviderInput{Name: x.name, Kind: sso.KindCAS, CASURL: "https://cas.example.org/" + x.name}); err != nil {
			t.Fatal(err)
		}
		if err := s.App.SSO.AllowProvider(ctx, op, x.est, x.name, true); err != nil {
			t.Fatal(err)
		}
	}
	off := false
	in := sso.ProviderInput{Name: "eteint", Kind: sso.KindCAS, CASURL: "https://cas.example.org/eteint", Enabled: &off}
	if _, err := s.App.SSO.UpdateProvider(ctx, op, in); err != nil {
		t.Fatal(err)
	}
	c := s.Browser()
	for path, want := range map[string]string{
		"/login":              "academie ent",
		"/login?uai=" + a.UAI: "academie",
		"/login?next=" + url.QueryEscape("/establishments/"+b.UAI+"/students?class=2A"): "ent",
		"/login?uai=0000000Z": "academie ent",
	} {
		p := fetch(t, c, "GET", s.URL+path, nil)
		var got []string
		for _, name := range []string{"academie", "ent", "eteint"} {
			if strings.Contains(p.body, `id="sso-`+name+`"`) {
				got = append(got, name)
			}
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s: buttons %v, want %s", path, got, want)
		}
	}
	// The button keeps where the login leads.
	p := fetch(t, c, "GET", s.URL+"/login?next="+url.QueryEscape("/establishments/"+b.UAI), nil)
	if !strings.Contains(p.body, `action="/sso/ent/login"`) || !strings.Contains(p.body, `name="next" value="/establishments/`+b.UAI+`"`) {
		t.Errorf("the ENT button does not keep next:\n%s", p.body)
	}
}
