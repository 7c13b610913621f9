package cas_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/cas"
	"github.com/cartable/cartable/internal/ssotest"
)

func TestMain(m *testing.M) { os.Exit(ssotest.Main(m)) }

// service is a stand-in for cartable: its callback URL is the CAS service, and it
// keeps the single-logout requests the CAS server posts to it.
type service struct {
	srv      *httptest.Server
	callback string
	mu       sync.Mutex
	logouts  []string
	got      chan struct{}
}

func newService(t *testing.T) *service {
	s := &service{got: make(chan struct{}, 10)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			s.mu.Lock()
			s.logouts = append(s.logouts, r.PostFormValue("logoutRequest"))
			s.mu.Unlock()
			s.got <- struct{}{}
		}
	}))
	t.Cleanup(s.srv.Close)
	s.callback = s.srv.URL + "/sso/cas/academie/callback"
	return s
}

// ticket logs u in at the CAS server for service and returns the service ticket the
// browser brought back.
func ticket(t *testing.T, b *ssotest.Browser, c *cas.Client, service string, u ssotest.User) string {
	t.Helper()
	back := b.Login(t, c.LoginURL(service), service, u)
	tk := back.Query().Get("ticket")
	if tk == "" || back.String() != service+"?ticket="+url.QueryEscape(tk) {
		t.Fatalf("the CAS server sent the browser to %s", back)
	}
	return tk
}

func TestValidateAgainstCAS(t *testing.T) {
	srv := ssotest.CAS(t)
	svc := newService(t)
	u := ssotest.Users[0]
	for _, proto := range []int{2, 3} {
		c, err := cas.New(srv.URL, proto, nil)
		if err != nil {
			t.Fatal(err)
		}
		tk := ticket(t, ssotest.NewBrowser(), c, svc.callback, u)
		got, err := c.Validate(context.Background(), svc.callback, tk)
		if err != nil {
			t.Fatalf("protocol %d: %v", proto, err)
		}
		if got.User != u.Login {
			t.Errorf("protocol %d: user %q, want %q", proto, got.User, u.Login)
		}
		for name, want := range map[string][]string{"uid": {u.Login}, "mail": {u.Mail}, "givenName": {u.GivenName},
			"sn": {u.Surname}, "eduPersonAffiliation": u.Affiliation} {
			// Kept once, although django-cas-server also sends the older form.
			if v := got.Attributes[name]; !reflect.DeepEqual(v, want) {
				t.Errorf("protocol %d: attribute %s = %q, want %q", proto, name, v, want)
			}
		}
		if len(got.Dropped) != 0 {
			t.Errorf("dropped %v", got.Dropped)
		}
	}
}

// TestTicketsAreSingleUse: a replayed ticket, a forged one and a ticket of another
// service are refused by the server; a ticket that is not one is refused before any
// request.
func TestTicketsAreSingleUse(t *testing.T) {
	srv := ssotest.CAS(t)
	svc := newService(t)
	c, err := cas.New(srv.URL, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b := ssotest.NewBrowser()
	tk := ticket(t, b, c, svc.callback, ssotest.Users[1])
	if _, err := c.Validate(ctx, svc.callback, tk); err != nil {
		t.Fatal(err)
	}
	code := func(err error) string {
		var f *cas.Failure
		if !errors.As(err, &f) {
			t.Fatalf("want a *Failure, got %v", err)
		}
		return f.Code
	}
	if _, err := c.Validate(ctx, svc.callback, tk); code(err) != "INVALID_TICKET" {
		t.Errorf("replayed ticket: %v", err)
	}
	if _, err := c.Validate(ctx, svc.callback, "ST-"+strings.Repeat("x", 40)); code(err) != "INVALID_TICKET" {
		t.Errorf("forged ticket: %v", err)
	}
	// The browser still has its CAS session: a second login gives a ticket at once.
	tk = ticket(t, b, c, svc.callback, ssotest.Users[1])
	other := svc.srv.URL + "/another/service"
	if _, err := c.Validate(ctx, other, tk); code(err) != "INVALID_SERVICE" {
		t.Errorf("ticket of another service: %v", err)
	}
	for _, bad := range []string{"", "ST-", "PT-123456", "TGT-123", "ST-abc def", "ST-<x>", "ST-" + strings.Repeat("a", cas.MaxTicket)} {
		if _, err := c.Validate(ctx, svc.callback, bad); !errors.Is(err, cas.ErrTicket) {
			t.Errorf("ticket %q: %v, want ErrTicket", bad, err)
		}
	}
}

// TestSingleLogout: logging out of CAS makes the server post a logout request to the
// service, naming the ticket the session was opened with.
func TestSingleLogout(t *testing.T) {
	srv := ssotest.CAS(t)
	svc := newService(t)
	c, err := cas.New(srv.URL, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := ssotest.NewBrowser()
	tk := ticket(t, b, c, svc.callback, ssotest.Users[0])
	if _, err := c.Validate(context.Background(), svc.callback, tk); err != nil {
		t.Fatal(err)
	}
	p, err := b.Visit(c.LogoutURL(svc.callback), svc.callback)
	if err != nil || !p.Stopped {
		t.Fatalf("logout: %v %+v", err, p)
	}
	select {
	case <-svc.got:
	case <-time.After(10 * time.Second):
		t.Fatal("no single-logout request")
	}
	svc.mu.Lock()
	defer svc.mu.Unlock()
	lr, err := cas.ParseLogoutRequest(svc.logouts[0])
	if err != nil {
		t.Fatalf("%v\n%s", err, svc.logouts[0])
	}
	if lr.SessionIndex != tk || lr.ID == "" || lr.IssueInstant == "" {
		t.Errorf("logout request %+v, want the session index %s", lr, tk)
	}
}

func TestURLs(t *testing.T) {
	c, err := cas.New("https://cas.ac-test.fr/cas/", 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := "https://cartable.example/sso/cas/ac-test/callback"
	if got, want := c.LoginURL(svc), "https://cas.ac-test.fr/cas/login?service=https%3A%2F%2Fcartable.example%2Fsso%2Fcas%2Fac-test%2Fcallback"; got != want {
		t.Errorf("login URL %s, want %s", got, want)
	}
	if got, want := c.LogoutURL(svc), "https://cas.ac-test.fr/cas/logout?service=https%3A%2F%2Fcartable.example%2Fsso%2Fcas%2Fac-test%2Fcallback"; got != want {
		t.Errorf("logout URL %s, want %s", got, want)
	}
	for _, bad := range []struct {
		url   string
		proto int
	}{{"cas.ac-test.fr", 3}, {"ftp://cas.ac-test.fr", 3}, {"https://cas.ac-test.fr/cas?x=1", 3}, {"https://u:p@cas.ac-test.fr", 3}, {"https://cas.ac-test.fr", 1}} {
		if _, err := cas.New(bad.url, bad.proto, nil); err == nil {
			t.Errorf("New(%q, %d) accepted", bad.url, bad.proto)
		}
	}
}
