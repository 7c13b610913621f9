package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
)

// TestAccountsListPages: a long list of accounts comes in pages of 50, the filters kept
// from page to page, with the letters button at the top and a select-all box.
func TestAccountsListPages(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	for i := range 63 {
		if _, _, err := s.App.Accounts.Create(context.Background(), authz.OperatorPrincipal(), account.CreateInput{
			Login: fmt.Sprintf("eleve.%02d", i), Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}}); err != nil {
			t.Fatal(err)
		}
	}
	root := s.CreateUser("root", authz.Membership{Role: authz.RolePlatformAdmin})
	c := s.Browser()
	login(t, s, c, root)
	p := fetch(t, c, "GET", s.URL+"/admin/accounts?state=unused&q=eleve", nil)
	rows := strings.Count(p.body, `name="id" value=`)
	if p.status != 200 || rows != 50 || !strings.Contains(p.body, `href="/admin/accounts?page=2&amp;q=eleve&amp;state=unused"`) {
		t.Fatalf("page 1: %d, %d accounts", p.status, rows)
	}
	if !strings.Contains(p.body, `id="letters-top"`) || !strings.Contains(p.body, `id="select-all"`) ||
		strings.Index(p.body, `id="letters-top"`) > strings.Index(p.body, `name="id" value=`) {
		t.Error("the actions are not at the top, or no select-all")
	}
	p = fetch(t, c, "GET", s.URL+"/admin/accounts?page=2&q=eleve&state=unused", nil)
	if rows := strings.Count(p.body, `name="id" value=`); rows != 13 || !strings.Contains(p.body, `rel="prev"`) || strings.Contains(p.body, `rel="next"`) {
		t.Fatalf("page 2: %d accounts", rows)
	}
}
