package web

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNext bounds a redirect target taken from a request: a page's path and query are
// far shorter.
const maxNext = 2048

// safeNext returns next when it is a page of this site, "/" otherwise. Every redirect
// whose target comes from a request goes through it: the login's next (both steps, and
// the login page of someone already logged in) and the language switch's back. The
// other redirects are built by the handlers from their own route.
//
// A browser parses a Location the WHATWG way: it strips leading and trailing controls
// and spaces, drops tabs and newlines anywhere, reads "\" as "/" and follows a path
// that starts with "//" to another host; so "/\t/evil.example" and "/\evil.example"
// both lead to evil.example. Rather than imitate that parser, safeNext accepts only a
// plain form that no parser can read two ways (see localPath).
func safeNext(next string) string {
	if !localPath(next) {
		return "/"
	}
	return next
}

// localPath reports whether next is a plain local target: at most maxNext bytes of
// printable ASCII (no control, space, "\" or raw non-ASCII: pages send targets
// percent-encoded); one "/" then a path, an optional query and fragment, with no scheme
// or host; and a path that, percent-decoded, is valid UTF-8 made of non-empty segments
// other than "." and "..", without "\", "%", controls, spaces, format characters (bidi
// overrides, zero-width characters) or an encoded "/". The query and fragment are data
// for the page and may hold anything printable, encoded slashes included.
func localPath(next string) bool {
	if next == "" || len(next) > maxNext || next[0] != '/' {
		return false
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return false
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil {
		return false
	}
	raw := next
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	if lower := strings.ToLower(raw); strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") {
		return false
	}
	p, err := url.PathUnescape(raw)
	if err != nil || !utf8.ValidString(p) || strings.ContainsAny(p, "\\%") {
		return false
	}
	// One trailing "/" is a directory's path; any other empty segment is "//".
	for _, seg := range strings.Split(strings.TrimSuffix(p[1:], "/"), "/") {
		if (seg == "" && p != "/") || seg == "." || seg == ".." {
			return false
		}
	}
	for _, r := range p {
		if unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}
