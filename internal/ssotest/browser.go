package ssotest

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Browser is a person's browser: it keeps cookies (all servers live on 127.0.0.1, so
// they share the jar, whose cookie names do not clash), follows redirects and fills
// login forms. It never fetches the service's own URLs: it stops at them and hands
// them to the test.
type Browser struct {
	c *http.Client
	// Tamper, when set, may change every URL the browser is about to fetch (a test
	// playing the attacker who edits an authorization request).
	Tamper func(u *url.URL)
}

// NewBrowser returns a browser with an empty cookie jar.
func NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Page is where the browser ended.
type Page struct {
	URL    *url.URL
	Status int
	Body   string
	// Stopped reports that URL is a service URL the browser stopped at, without
	// fetching it.
	Stopped bool
}

// Visit fetches rawURL and follows redirects. It stops, without fetching it, at the
// first URL starting with stop (the service's callback), and otherwise returns the
// last page.
func (b *Browser) Visit(rawURL, stop string) (*Page, error) {
	return b.do(http.MethodGet, rawURL, nil, stop)
}

func (b *Browser) do(method, rawURL string, form url.Values, stop string) (*Page, error) {
	for range 20 {
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, err
		}
		if stop != "" && strings.HasPrefix(rawURL, stop) {
			return &Page{URL: u, Stopped: true}, nil
		}
		if b.Tamper != nil {
			b.Tamper(u)
		}
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequest(method, u.String(), body)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept-Language", "fr")
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := b.c.Do(req)
		if err != nil {
			return nil, err
		}
		page, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect:
			next, err := u.Parse(resp.Header.Get("Location"))
			if err != nil {
				return nil, err
			}
			if resp.StatusCode != http.StatusTemporaryRedirect {
				method, form = http.MethodGet, nil
			}
			rawURL = next.String()
			continue
		}
		return &Page{URL: u, Status: resp.StatusCode, Body: string(page)}, nil
	}
	return nil, fmt.Errorf("more than 20 redirects from %s", rawURL)
}

var (
	formRE  = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	inputRE = regexp.MustCompile(`(?is)<input\b([^>]*)>`)
	attrRE  = regexp.MustCompile(`(?is)([a-z_:-]+)\s*=\s*"([^"]*)"`)
)

func attrs(tag string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRE.FindAllStringSubmatch(tag, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

// Submit fills the first form of page that has a password field with fields (over its
// hidden inputs), posts it and follows redirects as Visit does.
func (b *Browser) Submit(page *Page, fields map[string]string, stop string) (*Page, error) {
	for _, f := range formRE.FindAllStringSubmatch(page.Body, -1) {
		if !strings.Contains(strings.ToLower(f[2]), `type="password"`) {
			continue
		}
		values := url.Values{}
		for _, in := range inputRE.FindAllStringSubmatch(f[2], -1) {
			a := attrs(in[1])
			switch strings.ToLower(a["type"]) {
			case "checkbox", "radio":
				if _, on := a["checked"]; !on {
					continue
				}
			case "submit", "button":
				continue
			}
			if a["name"] != "" {
				values.Set(a["name"], a["value"])
			}
		}
		for k, v := range fields {
			values.Set(k, v)
		}
		action, err := page.URL.Parse(attrs(f[1])["action"])
		if err != nil {
			return nil, err
		}
		return b.do(http.MethodPost, action.String(), values, stop)
	}
	return nil, fmt.Errorf("no login form at %s (status %d)", page.URL, page.Status)
}

// Login goes to startURL (a provider's login URL made by the code under test), logs in
// as u on the provider's form unless the provider still has a session, and returns the
// service URL the provider sent the browser back to (it starts with stop).
func (b *Browser) Login(t testing.TB, startURL, stop string, u User) *url.URL {
	t.Helper()
	p, err := b.LoginPage(startURL, stop, u)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Stopped {
		t.Fatalf("login as %s: the provider did not send the browser back to %s; it shows %s (status %d):\n%.600s",
			u.Login, stop, p.URL, p.Status, p.Body)
	}
	return p.URL
}

// LoginPage is Login returning where the browser ended, for tests of refusals.
func (b *Browser) LoginPage(startURL, stop string, u User) (*Page, error) {
	p, err := b.Visit(startURL, stop)
	if err != nil || p.Stopped {
		return p, err
	}
	return b.Submit(p, map[string]string{"username": u.Login, "password": u.Password}, stop)
}
