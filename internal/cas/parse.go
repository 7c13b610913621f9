package cas

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Success is a validated ticket: who logged in, and what the server released about him.
type Success struct {
	// User is the principal the server authenticated (cas:user).
	User string
	// Attributes are the released attributes by name (local name, without the name
	// space), each with its values in the order received. Both CAS 3.0's
	// <cas:attributes> and the older <cas:attribute name value/> forms are read; when
	// a server sends both (as django-cas-server does), the first one is kept.
	Attributes map[string][]string
	// Dropped names the attributes having a value over MaxValue, which was not kept.
	Dropped []string
}

// Attribute returns the first value of the attribute name ("" when absent).
func (s *Success) Attribute(name string) string {
	if v := s.Attributes[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Failure is the server's refusal of a ticket (<cas:authenticationFailure>).
type Failure struct {
	// Code is the server's code: INVALID_TICKET, INVALID_SERVICE, INVALID_REQUEST,
	// INVALID_TICKET_SPEC, UNAUTHORIZED_SERVICE_PROXY, INTERNAL_ERROR… (at most
	// MaxValue bytes, as received).
	Code string
	// Message is the server's explanation (at most MaxValue bytes).
	Message string
}

func (f *Failure) Error() string {
	return fmt.Sprintf("cas: ticket refused by the server: %s: %s", f.Code, f.Message)
}

// Reasons of a *ResponseError, stable for the audit trail.
const (
	ReasonStatus     = "http_status"   // the server answered another status than 200
	ReasonTooLarge   = "too_large"     // over MaxResponse bytes
	ReasonTooDeep    = "too_deep"      // nested deeper than MaxDepth
	ReasonTooLong    = "too_long"      // the user (or a session index) over MaxValue bytes
	ReasonTooMany    = "too_many"      // more than MaxValues attribute values
	ReasonDirective  = "directive"     // a DOCTYPE or another directive
	ReasonMalformed  = "malformed"     // not well-formed XML (unknown entity, bad UTF-8…)
	ReasonUnexpected = "not_cas"       // well-formed, but not the expected document
	ReasonNoUser     = "no_user"       // a success without a user
	ReasonSession    = "no_session_id" // a logout request without a session index
)

// ResponseError refuses a document beyond the limits or other than expected.
type ResponseError struct {
	// Reason is one of the Reason… constants.
	Reason string
	msg    string
}

func (e *ResponseError) Error() string { return "cas: invalid response: " + e.Reason + ": " + e.msg }

func refuse(reason, format string, args ...any) error {
	return &ResponseError{Reason: reason, msg: fmt.Sprintf(format, args...)}
}

// ReasonOf returns the stable reason of an error of this package, for the audit trail:
// a *ResponseError's reason, "ticket_malformed", "server_refused" (then see
// *Failure's Code) or "unreachable".
func ReasonOf(err error) string {
	var re *ResponseError
	var f *Failure
	switch {
	case errors.As(err, &re):
		return re.Reason
	case errors.As(err, &f):
		return "server_refused"
	case errors.Is(err, ErrTicket):
		return "ticket_malformed"
	}
	return "unreachable"
}

// readCapped reads all of r, refusing more than MaxResponse bytes.
func readCapped(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("cas: reading the response: %w", err)
	}
	if len(b) > MaxResponse {
		return nil, refuse(ReasonTooLarge, "more than %d bytes", MaxResponse)
	}
	return b, nil
}

// walker reads an XML document token by token within the limits, calling start and end
// for elements and keeping the character data of the element a caller asked for.
type walker struct {
	d     *xml.Decoder
	depth int
	// text collects the character data directly inside the element at textDepth.
	text      []byte
	textDepth int
	textOver  bool
	roots     int
}

func newWalker(b []byte) *walker {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true // unknown entities and unclosed elements are errors
	// No CharsetReader: a document declaring another encoding than UTF-8 is refused.
	return &walker{d: d}
}

// collect starts keeping the text of the element just opened.
func (w *walker) collect() {
	w.text, w.textDepth, w.textOver = w.text[:0], w.depth, false
}

// value returns the text kept for the element being closed, trimmed, and whether it was
// over MaxValue.
func (w *walker) value() (string, bool) {
	w.textDepth = 0
	if w.textOver {
		return "", true
	}
	return strings.TrimSpace(string(w.text)), false
}

// walk runs through the document. start is called with the depth of each element (the
// root is 1), end at its end tag.
func (w *walker) walk(start func(depth int, e xml.StartElement) error, end func(depth int, e xml.EndElement) error) error {
	for {
		tok, err := w.d.Token()
		if err == io.EOF {
			if w.roots == 0 {
				return refuse(ReasonUnexpected, "empty document")
			}
			return nil
		}
		if err != nil {
			return refuse(ReasonMalformed, "%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			w.depth++
			if w.depth > MaxDepth {
				return refuse(ReasonTooDeep, "elements nested deeper than %d", MaxDepth)
			}
			if w.depth == 1 {
				w.roots++
				if w.roots > 1 {
					return refuse(ReasonUnexpected, "more than one root element")
				}
			}
			if err := start(w.depth, t); err != nil {
				return err
			}
		case xml.EndElement:
			if err := end(w.depth, t); err != nil {
				return err
			}
			w.depth--
		case xml.CharData:
			if w.textDepth != 0 && w.depth == w.textDepth && !w.textOver {
				if len(w.text)+len(t) > MaxValue {
					w.textOver = true
				} else {
					w.text = append(w.text, t...)
				}
			}
			if w.depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return refuse(ReasonUnexpected, "text outside the root element")
			}
		case xml.Directive:
			// A DOCTYPE may declare entities (billion laughs, external entities):
			// encoding/xml would not expand them, but nothing legitimate sends one.
			return refuse(ReasonDirective, "a DOCTYPE or another directive")
		}
	}
}

// ParseResponse reads a CAS 2.0 or 3.0 validation response (<cas:serviceResponse>) of
// at most MaxResponse bytes: a *Success, or the server's *Failure, or a *ResponseError.
func ParseResponse(r io.Reader) (*Success, error) {
	b, err := readCapped(r)
	if err != nil {
		return nil, err
	}
	w := newWalker(b)
	var (
		s       *Success
		f       *Failure
		outcome string // the element at depth 2
		inAttrs bool   // inside <cas:attributes>
		attr    string // the attribute element being read
		rubyOK  = true // <cas:attribute name value/> still usable (no <cas:attributes> seen)
		count   int
		dropped = map[string]bool{}
		ruby    = map[string][]string{}
		rubyN   []string // names in order of first appearance
	)
	add := func(m map[string][]string, name, v string, over bool) error {
		if over || len(v) > MaxValue {
			if !dropped[name] {
				dropped[name] = true
				s.Dropped = append(s.Dropped, name)
			}
			return nil
		}
		if count++; count > MaxValues {
			return refuse(ReasonTooMany, "more than %d attribute values", MaxValues)
		}
		m[name] = append(m[name], v)
		return nil
	}
	err = w.walk(func(depth int, e xml.StartElement) error {
		switch {
		case depth == 1:
			if e.Name.Space != nsCAS || e.Name.Local != "serviceResponse" {
				return refuse(ReasonUnexpected, "root element %s, not cas:serviceResponse", e.Name.Local)
			}
		case depth == 2:
			if outcome != "" {
				return refuse(ReasonUnexpected, "more than one outcome")
			}
			outcome = e.Name.Local
			switch {
			case e.Name.Space == nsCAS && outcome == "authenticationSuccess":
				s = &Success{Attributes: map[string][]string{}}
			case e.Name.Space == nsCAS && outcome == "authenticationFailure":
				f = &Failure{Code: attrValue(e, "code")}
				w.collect()
			default:
				return refuse(ReasonUnexpected, "outcome %s", e.Name.Local)
			}
		case depth == 3 && s != nil:
			switch e.Name.Local {
			case "user":
				w.collect()
			case "attributes":
				inAttrs, rubyOK = true, false
			case "attribute":
				if rubyOK {
					name, v := attrValue(e, "name"), attrValue(e, "value")
					if name != "" {
						if _, seen := ruby[name]; !seen {
							rubyN = append(rubyN, name)
						}
						if err := add(ruby, name, v, false); err != nil {
							return err
						}
					}
				}
			}
		case depth == 4 && inAttrs:
			attr = e.Name.Local
			w.collect()
		}
		return nil
	}, func(depth int, e xml.EndElement) error {
		switch {
		case depth == 2 && f != nil:
			msg, over := w.value()
			if !over {
				f.Message = msg
			}
		case depth == 3 && s != nil && e.Name.Local == "user":
			v, over := w.value()
			if over {
				return refuse(ReasonTooLong, "a user of more than %d bytes", MaxValue)
			}
			s.User = v
		case depth == 3 && e.Name.Local == "attributes":
			inAttrs = false
		case depth == 4 && inAttrs:
			v, over := w.value()
			if err := add(s.Attributes, attr, v, over); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case f != nil:
		if len(f.Code) > MaxValue {
			f.Code = strings.ToValidUTF8(f.Code[:MaxValue], "")
		}
		return nil, f
	case s == nil:
		return nil, refuse(ReasonUnexpected, "neither success nor failure")
	case s.User == "":
		return nil, refuse(ReasonNoUser, "a success without a user")
	}
	if len(s.Attributes) == 0 {
		for _, name := range rubyN {
			if len(ruby[name]) > 0 {
				s.Attributes[name] = ruby[name]
			}
		}
	}
	return s, nil
}

func attrValue(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// LogoutRequest is a single-logout request a CAS server posts to a service (SAML 2.0
// <samlp:LogoutRequest>, CAS 3.0 §2.3.3) when a user logs out of CAS: it names, in
// SessionIndex, the service ticket that opened the session to end. It is not signed:
// whoever knows a ticket can end the session it opened, nothing more.
type LogoutRequest struct {
	ID           string
	IssueInstant string
	// NameID is the user, often empty (django-cas-server sends none).
	NameID string
	// SessionIndex is the service ticket the session was opened with.
	SessionIndex string
}

// ParseLogoutRequest reads the logoutRequest form field of a single-logout POST, with
// the same limits as ParseResponse.
func ParseLogoutRequest(s string) (*LogoutRequest, error) {
	if len(s) > MaxResponse {
		return nil, refuse(ReasonTooLarge, "more than %d bytes", MaxResponse)
	}
	if !utf8.ValidString(s) {
		return nil, refuse(ReasonMalformed, "invalid UTF-8")
	}
	w := newWalker([]byte(s))
	var lr *LogoutRequest
	var field *string
	err := w.walk(func(depth int, e xml.StartElement) error {
		switch depth {
		case 1:
			if e.Name.Space != nsProtocol || e.Name.Local != "LogoutRequest" {
				return refuse(ReasonUnexpected, "root element %s, not samlp:LogoutRequest", e.Name.Local)
			}
			lr = &LogoutRequest{ID: attrValue(e, "ID"), IssueInstant: attrValue(e, "IssueInstant")}
			if len(lr.ID) > MaxValue || len(lr.IssueInstant) > MaxValue {
				return refuse(ReasonTooLong, "an attribute of more than %d bytes", MaxValue)
			}
		case 2:
			switch e.Name.Local {
			case "NameID":
				field = &lr.NameID
			case "SessionIndex":
				field = &lr.SessionIndex
			default:
				field = nil
				return nil
			}
			w.collect()
		}
		return nil
	}, func(depth int, e xml.EndElement) error {
		if depth == 2 && field != nil {
			v, over := w.value()
			if over {
				return refuse(ReasonTooLong, "%s of more than %d bytes", e.Name.Local, MaxValue)
			}
			*field, field = v, nil
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case lr.SessionIndex == "":
		return nil, refuse(ReasonSession, "no SessionIndex")
	case len(lr.SessionIndex) > MaxTicket:
		return nil, refuse(ReasonTooLong, "a SessionIndex of more than %d bytes", MaxTicket)
	}
	return lr, nil
}
