package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
)

// TestRedirectsStayOnSite: the language switch (no login needed) and the two login
// steps never send a browser to another host, however the target is disguised; a
// legitimate target (a page with a query, accents encoded) is kept (issue 8, finding 4).
func TestRedirectsStayOnSite(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	u := s.CreateUser("redirect.user", authz.Membership{Role: authz.RolePlatformAdmin})
	hostile := []string{"/\t/evil.example", "/\\evil.example", "//evil.example", "/%2F/evil.example", "/%5Cevil.example", "https://evil.example"}
	c := s.Browser()
	for _, back := range hostile {
		p := fetch(t, c, "GET", s.URL+"/lang/en?back="+url.QueryEscape(back), nil)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/" {
			t.Errorf("/lang/en?back=%q: %d, Location %q", back, p.status, p.header.Get("Location"))
		}
	}
	// The reviewer's request, byte for byte.
	if p := fetch(t, c, "GET", s.URL+"/lang/en?back=/%09/evil.example", nil); p.header.Get("Location") != "/" {
		t.Errorf("back=/%%09/evil.example: Location %q", p.header.Get("Location"))
	}
	good := "/establishments/0691234S/students?q=%C3%A9l%C3%A8ve&class=1MELEC"
	if p := fetch(t, c, "GET", s.URL+"/lang/fr?back="+url.QueryEscape(good), nil); p.header.Get("Location") != good {
		t.Errorf("a page of the site: Location %q, want %q", p.header.Get("Location"), good)
	}

	for _, next := range append(hostile, good) {
		want := "/"
		if next == good {
			want = good
		}
		c := s.Browser()
		p := fetch(t, c, "GET", s.URL+"/login?next="+url.QueryEscape(next), nil)
		if strings.Contains(p.body, "evil.example") {
			t.Errorf("login page keeps next=%q", next)
		}
		q := fetch(t, c, "POST", s.URL+"/login", url.Values{"csrf": {p.csrf(t)}, "login": {u.Login}, "password": {u.Password}, "next": {next}})
		loc, err := url.Parse(q.header.Get("Location"))
		if err != nil || loc.Path != "/login/code" || loc.Query().Get("next") != want {
			t.Errorf("password step with next=%q: Location %q", next, q.header.Get("Location"))
		}
		p = fetch(t, c, "GET", s.URL+"/login/code?next="+url.QueryEscape(next), nil)
		q = fetch(t, c, "POST", s.URL+"/login/code", url.Values{"csrf": {p.csrf(t)}, "code": {u.Code(s)}, "next": {next}})
		if q.status != http.StatusSeeOther || q.header.Get("Location") != want {
			t.Errorf("code step with next=%q: %d, Location %q, want %q", next, q.status, q.header.Get("Location"), want)
		}
		// Already logged in: the login page sends on at once.
		if q := fetch(t, c, "GET", s.URL+"/login?next="+url.QueryEscape(next), nil); q.header.Get("Location") != want {
			t.Errorf("logged in, /login?next=%q: Location %q", next, q.header.Get("Location"))
		}
	}
}
