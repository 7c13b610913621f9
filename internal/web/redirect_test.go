package web

import (
	"net/url"
	"strings"
	"testing"
)

// TestSafeNext: a redirect target taken from a request (login's next, the language
// switch's back) stays on this site whatever a browser makes of it. Browsers parse a
// Location the WHATWG way: they drop tabs and newlines anywhere, strip leading and
// trailing controls and spaces, and read "\" as "/", so "/\t/evil" and "/\evil" lead to
// //evil, another host (issue 8, finding 4).
func TestSafeNext(t *testing.T) {
	hostile := []string{
		"//evil.example",
		"///evil.example",
		"/\\evil.example",
		"\\\\evil.example",
		"/\t/evil.example",
		"/\n/evil.example",
		"/\r/evil.example",
		"/\x00/evil.example",
		"/\x0b/evil.example",
		"/\x1f/evil.example",
		"/\x7f/evil.example",
		" //evil.example",
		"\t//evil.example",
		"/ /evil.example",
		"/\u00a0/evil.example",
		"/\u3000/evil.example",
		"/\u2028/evil.example",
		"/\ufeff/evil.example",
		"/%2F/evil.example",
		"/%2f/evil.example",
		"/%2F%2Fevil.example",
		"/%5Cevil.example",
		"/%5cevil.example",
		"/%09/evil.example",
		"/%0A/evil.example",
		"/%00",
		"/%252F/evil.example", // decoded twice by some proxy: still refused
		"/me/%2F%2Fevil.example",
		"/me//evil.example",
		"/me//",
		"/./evil.example",
		"/%2E%2E/evil.example",
		"https://evil.example",
		"http:/evil.example",
		"https:evil.example",
		"javascript:alert(1)",
		"JaVaScRiPt:alert(1)",
		"data:text/html,<script>alert(1)</script>",
		"evil.example",
		"me",
		"./me",
		"../me",
		"?next=//evil.example",
		"#x",
		"/\\/evil.example",
		"/.\\evil.example",
		"/%E2%80%AE", // right-to-left override, encoded
		"/%C2%A0",    // no-break space, encoded
		"/%zz",       // not an escape
		"/me%",       // truncated escape
		"/" + strings.Repeat("a", 5000),
		"",
	}
	for _, next := range hostile {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%.80q) = %.80q, want /", next, got)
		}
	}
	legit := []string{
		"/",
		"/me",
		"/me/passport",
		"/me/",
		"/admin/establishments",
		"/establishments/0691234S/students?class=1MELEC&offset=50",
		"/establishments/0691234S/students?q=%C3%A9l%C3%A8ve",
		"/establishments/0691234S/students?q=Th%C3%A9o+L%C3%A9a",
		"/establishments/0691234S/evaluations/12?class=1%20MELEC",
		"/establishments/0691234S/students/3/situations#files",
		"/establishments/0691234S/students?q=%2F%2F", // slashes in a query are data
		"/%C3%A9l%C3%A8ves",                          // an encoded accent in a path
		"/establishments/0691234S/students?next=//x", // in the query, not the path
	}
	for _, next := range legit {
		if got := safeNext(next); got != next {
			t.Errorf("safeNext(%q) = %q, want it kept", next, got)
		}
	}
	// What the layout's language link sends (the page's path, escaped by the template)
	// comes back whole.
	back := (&url.URL{Path: "/establishments/0691234S/élèves"}).EscapedPath()
	if got := safeNext(back); got != back {
		t.Errorf("safeNext(%q) = %q", back, got)
	}
}

// FuzzSafeNext: whatever the input, what safeNext returns is a path on this site as a
// browser reads it.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/me", "//evil", "/\t/evil", "/%2F/evil", "/\\evil", "/a?b=c#d", "/%C3%A9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != "/" && got != next {
			t.Fatalf("safeNext(%q) = %q: neither kept nor /", next, got)
		}
		// A browser drops tabs and newlines and reads "\" as "/".
		browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(strings.Trim(got, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "))
		u, err := url.Parse(browser)
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(browser, "/") || strings.HasPrefix(browser, "//") {
			t.Fatalf("safeNext(%q) = %q leaves the site", next, got)
		}
		if p, err := url.PathUnescape(u.EscapedPath()); err != nil || strings.Contains(p, "//") || strings.Contains(p, "\\") {
			t.Fatalf("safeNext(%q) = %q: decoded path %q", next, got, p)
		}
	})
}
