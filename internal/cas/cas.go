// Package cas is a client of the Central Authentication Service protocol (CAS 2.0 and
// 3.0), the single sign-on of French academies, ENTs and universities: the login and
// logout URLs, the server-side validation of a service ticket with its attributes
// (/serviceValidate, /p3/serviceValidate) and the single-logout requests a CAS server
// posts back.
//
// It is written by hand because the usual Go CAS clients are not served by the module
// proxy, and because a client this small is easier to hold to our limits: every XML it
// reads (a validation response, a logout request) is at most MaxResponse bytes, nests
// at most MaxDepth elements, keeps at most MaxValue bytes of a value, and may not carry
// a DOCTYPE (so no entity is ever declared, let alone expanded) — the limits of the
// SIECLE reader (internal/siecle, docs/limits.md).
//
// The package imports no other package of ours.
package cas

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Limits of what the client reads (docs/limits.md). A CAS response holds a user and a
// few attributes, some hundreds of bytes; a logout request less.
const (
	// MaxResponse is the largest validation response or logout request read, in bytes
	// (the SIECLE reader's cap on one piece of markup).
	MaxResponse = 256 << 10
	// MaxDepth is the deepest nesting accepted (a CAS response nests 4 levels).
	MaxDepth = 32
	// MaxValue is the longest user or attribute value kept, in bytes: a longer user
	// refuses the response, a longer attribute value is dropped (Success.Dropped).
	MaxValue = 800
	// MaxValues is the largest number of attribute values kept in one response.
	MaxValues = 1000
	// MaxTicket is the longest ticket accepted (CAS 3.0 §3.7: 32 to 256 characters).
	MaxTicket = 256
)

// Name spaces of the documents read.
const (
	nsCAS      = "http://www.yale.edu/tp/cas"
	nsProtocol = "urn:oasis:names:tc:SAML:2.0:protocol"
)

// Client talks to one CAS server.
type Client struct {
	base     string // without a trailing slash
	protocol int
	hc       *http.Client
}

// DefaultTimeout bounds a validation request when New is given no HTTP client.
const DefaultTimeout = 10 * time.Second

// New returns a client of the CAS server at baseURL (e.g. https://cas.ac-lyon.fr/cas),
// speaking protocol 2 or 3. hc makes the validation requests (nil: one with
// DefaultTimeout); redirects are never followed.
func New(baseURL string, protocol int, hc *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	switch {
	case err != nil:
		return nil, fmt.Errorf("cas: base URL %q: %w", baseURL, err)
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "":
		return nil, fmt.Errorf("cas: base URL %q: an absolute http(s) URL is needed", baseURL)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, fmt.Errorf("cas: base URL %q: no query, fragment or user", baseURL)
	}
	if protocol != 2 && protocol != 3 {
		return nil, fmt.Errorf("cas: protocol %d: use 2 or 3", protocol)
	}
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	// A copy, so that the caller's client keeps its own redirect policy.
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{base: strings.TrimRight(u.String(), "/"), protocol: protocol, hc: &c}, nil
}

// Protocol returns the protocol version (2 or 3).
func (c *Client) Protocol() int { return c.protocol }

// LoginURL is where a browser goes to log in; the server sends it back to service with
// a ticket. service must be exactly the one given to Validate.
func (c *Client) LoginURL(service string) string {
	return c.base + "/login?" + url.Values{"service": {service}}.Encode()
}

// LogoutURL is where a browser goes to end its CAS session (and, through single
// logout, its sessions at every service); the server then sends it to service when
// given (CAS 3.0 §2.3.1).
func (c *Client) LogoutURL(service string) string {
	if service == "" {
		return c.base + "/logout"
	}
	return c.base + "/logout?" + url.Values{"service": {service}}.Encode()
}

// ErrTicket refuses a ticket before any request: empty, longer than MaxTicket, not a
// service ticket ("ST-", CAS 3.0 §3.1.1) or with characters no ticket has.
var ErrTicket = errors.New("cas: malformed service ticket")

// CheckTicket tells whether t looks like a service ticket.
func CheckTicket(t string) error {
	if len(t) > MaxTicket || !strings.HasPrefix(t, "ST-") || len(t) == 3 {
		return ErrTicket
	}
	for i := 0; i < len(t); i++ {
		b := t[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("-._~:", b) >= 0) {
			return ErrTicket
		}
	}
	return nil
}

// Validate asks the server, once, whether ticket was issued for service (exactly), and
// returns who logged in. The server's refusal is a *Failure (INVALID_TICKET for a
// forged, expired or replayed ticket, INVALID_SERVICE for a ticket of another
// service…); a response beyond the limits or not a CAS response is a *ResponseError.
func (c *Client) Validate(ctx context.Context, service, ticket string) (*Success, error) {
	if err := CheckTicket(ticket); err != nil {
		return nil, err
	}
	path := "/serviceValidate"
	if c.protocol == 3 {
		path = "/p3/serviceValidate"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		c.base+path+"?"+url.Values{"service": {service}, "ticket": {ticket}}.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/xml, text/xml")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cas: validation request: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// Drain a little so the connection may be reused; never read an unbounded body.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		return nil, &ResponseError{Reason: ReasonStatus, msg: fmt.Sprintf("HTTP status %d", resp.StatusCode)}
	}
	return ParseResponse(resp.Body)
}
