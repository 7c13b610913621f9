package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/student"
)

// TestLinksCSV imports a file of external identities: by INE and by login, with a
// dry run that writes nothing, errors by line, never another establishment's account,
// one transaction.
func TestLinksCSV(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		op := authz.OperatorPrincipal()
		a := newEstablishment(t, s, "0691234S")
		newEstablishment(t, s, "0381234K")
		for _, f := range []struct {
			uai   string
			first int
		}{{"0691234S", 0}, {"0381234K", 100}} {
			var buf bytes.Buffer
			if err := siecle.Generate(&buf, siecle.GenOptions{UAI: f.uai, Students: 5, Seed: int64(f.first + 1), FirstIndex: f.first}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.App.Importer.Siecle(ctx, op, f.uai, source(t, f.uai+".xml", buf.Bytes()), false); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.App.SSO.CreateProvider(ctx, op, sso.ProviderInput{Name: "academie", Kind: sso.KindCAS, CASURL: "https://cas.ac-test.fr/cas"}); err != nil {
			t.Fatal(err)
		}
		admin := s.CreateUser("admin.a", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: a.ID})
		p, err := s.App.Accounts.Authenticate(ctx, s.Token(admin), "api")
		if err != nil {
			t.Fatal(err)
		}
		page, err := s.App.Students.List(ctx, op, a.UAI, student.Filter{Limit: 10})
		if err != nil || len(page.Students) < 3 {
			t.Fatal(err)
		}
		links := func() int {
			n := 0
			for _, st := range page.Students {
				ls, err := s.App.SSO.Links(ctx, op, st.AccountID)
				if err != nil {
					t.Fatal(err)
				}
				n += len(ls)
			}
			return n
		}
		run := func(csv string, dry bool) (importer.LinksReport, error) {
			return s.App.Importer.Links(ctx, p, a.UAI, "academie", strings.NewReader(csv), dry)
		}

		// The provider must be allowed first.
		if _, err := run("login,external_id\n"+page.Students[0].Login+",x\n", false); apperr.CodeOf(err) != "sso_provider_not_allowed" {
			t.Fatalf("provider not allowed: %v", err)
		}
		if err := s.App.SSO.AllowProvider(ctx, p, a.ID, "academie", true); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"", "nom,prenom\n", "login\n", "login,external_id,x\n"} {
			if _, err := run(bad, false); apperr.CodeOf(err) != "links_csv_header" {
				t.Errorf("heading %q: %v", bad, err)
			}
		}

		// By INE (";" as French spreadsheets write it): line 3 is a student of the
		// other establishment, line 4 has one field, line 5 an identity line 2 took.
		ine := func(i int) string { return siecle.GeneratedINE(i).Reveal() }
		file := fmt.Sprintf("ine;external_id\n%s;ent-0\n%s;ent-b\nseul\n%s;ent-0\n%s ; ent-2 \n", ine(0), ine(100), ine(1), ine(2))
		rep, err := run(file, true)
		if err != nil {
			t.Fatal(err)
		}
		want := "3 links_csv_unknown,4 links_csv_fields,5 sso_identity_linked"
		if got := problems(rep); got != want || rep.Linked != 2 || rep.Lines != 5 || !rep.DryRun || rep.Key != "ine" {
			t.Fatalf("dry run: %+v (problems %s)", rep, got)
		}
		if n := links(); n != 0 {
			t.Fatalf("the dry run linked %d identities", n)
		}
		rep, err = run(file, false)
		if err != nil || problems(rep) != want || rep.Linked != 2 {
			t.Fatalf("import: %+v %v", rep, err)
		}
		if n := links(); n != 2 {
			t.Fatalf("%d links after the import", n)
		}
		// Again: the links are there already, nothing changes.
		if rep, err = run(file, false); err != nil || rep.Linked != 2 || links() != 2 {
			t.Fatalf("second import: %+v %v", rep, err)
		}

		// By login; the login of an account of another establishment is unknown here.
		other, err := s.App.Students.List(ctx, op, "0381234K", student.Filter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		rep, err = run(fmt.Sprintf("login,external_id\n%s,ent-3\n%s,ent-b\n", page.Students[2].Login, other.Students[0].Login), false)
		if err != nil || problems(rep) != "3 links_csv_unknown" || rep.Linked != 1 {
			t.Fatalf("by login: %+v %v", rep, err)
		}
		if n := links(); n != 3 {
			t.Fatalf("%d links after the logins", n)
		}
	})
}

func problems(rep importer.LinksReport) string {
	var out []string
	for _, p := range rep.Problems {
		out = append(out, fmt.Sprintf("%d %s", p.Line, p.Code))
	}
	return strings.Join(out, ",")
}
