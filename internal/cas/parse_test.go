package cas_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/cas"
)

// djangoSuccess is what django-cas-server 2.0 answers on /p3/serviceValidate (both
// attribute forms).
const djangoSuccess = `<?xml version="1.0" encoding="UTF-8"?>
<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>eleve1</cas:user>
    <cas:attributes>
      <cas:authenticationDate>2026-12-03T09:33:51+00:00</cas:authenticationDate>
      <cas:isFromNewLogin>true</cas:isFromNewLogin>
      <cas:uid>eleve1</cas:uid>
      <cas:givenName>Élodie</cas:givenName>
      <cas:mail>elodie.martin@ac-test.fr</cas:mail>
      <cas:eduPersonAffiliation>student</cas:eduPersonAffiliation>
      <cas:eduPersonAffiliation>member</cas:eduPersonAffiliation>
    </cas:attributes>
    <cas:attribute name="uid" value="eleve1"/>
    <cas:attribute name="mail" value="elodie.martin@ac-test.fr"/>
  </cas:authenticationSuccess>
</cas:serviceResponse>`

// rubySuccess carries its attributes in the older RubyCAS form only.
const rubySuccess = `<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'><cas:authenticationSuccess>
<cas:user>prof1</cas:user><cas:attribute name="uid" value="prof1"/><cas:attribute name="ENTPersonProfils" value="National_ENS"/>
<cas:attribute name="ENTPersonProfils" value="National_DOC"/></cas:authenticationSuccess></cas:serviceResponse>`

const failure = `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
 <cas:authenticationFailure code="INVALID_TICKET">Ticket ST-1 not recognized</cas:authenticationFailure>
</cas:serviceResponse>`

func success(user, attrs string) string {
	return `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>` + user +
		`</cas:user><cas:attributes>` + attrs + `</cas:attributes></cas:authenticationSuccess></cas:serviceResponse>`
}

func nested(n int) string {
	return `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>u</cas:user><cas:attributes>` +
		strings.Repeat("<a>", n) + strings.Repeat("</a>", n) + `</cas:attributes></cas:authenticationSuccess></cas:serviceResponse>`
}

// hostile are responses a CAS server (or whoever answers in its place) must not get
// through, with the reason each is refused for.
var hostile = []struct {
	name, doc, reason string
}{
	{"billion laughs", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` + success("&lol3;", ""), cas.ReasonDirective},
	{"external entity", `<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + success("&xxe;", ""), cas.ReasonDirective},
	{"undeclared entity", success("&xxe;", ""), cas.ReasonMalformed},
	{"nested", nested(30000), cas.ReasonTooDeep},
	{"nested just too deep", nested(cas.MaxDepth - 2), cas.ReasonTooDeep},
	{"huge", success("u", strings.Repeat("<cas:x>y</cas:x>", cas.MaxResponse/16)), cas.ReasonTooLarge},
	{"huge tag", success("u", "<cas:x a='"+strings.Repeat("y", cas.MaxResponse)+"'/>"), cas.ReasonTooLarge},
	{"long user", success(strings.Repeat("u", cas.MaxValue+1), ""), cas.ReasonTooLong},
	{"many attributes", success("u", strings.Repeat("<cas:x>y</cas:x>", cas.MaxValues+1)), cas.ReasonTooMany},
	{"no user", success("", "<cas:uid>x</cas:uid>"), cas.ReasonNoUser},
	{"not CAS", `<serviceResponse><authenticationSuccess><user>admin</user></authenticationSuccess></serviceResponse>`, cas.ReasonUnexpected},
	{"other name space", strings.ReplaceAll(djangoSuccess, "http://www.yale.edu/tp/cas", "http://evil.example/cas"), cas.ReasonUnexpected},
	{"two outcomes", strings.Replace(djangoSuccess, "</cas:serviceResponse>", "<cas:authenticationSuccess><cas:user>admin</cas:user></cas:authenticationSuccess></cas:serviceResponse>", 1), cas.ReasonUnexpected},
	{"two roots", djangoSuccess + success("admin", ""), cas.ReasonUnexpected},
	{"text after the root", djangoSuccess + "admin", cas.ReasonUnexpected},
	{"proxy success", `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:proxySuccess><cas:proxyTicket>PT-1</cas:proxyTicket></cas:proxySuccess></cas:serviceResponse>`, cas.ReasonUnexpected},
	{"latin-1", `<?xml version="1.0" encoding="ISO-8859-1"?>` + success("u", ""), cas.ReasonMalformed},
	{"invalid UTF-8", success("\xff\xfe", ""), cas.ReasonMalformed},
	{"truncated", djangoSuccess[:200], cas.ReasonMalformed},
	{"empty", "", cas.ReasonUnexpected},
	{"HTML", "<html><body>Service unavailable</body></html>", cas.ReasonUnexpected},
}

func TestParseResponse(t *testing.T) {
	s, err := cas.ParseResponse(strings.NewReader(djangoSuccess))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"authenticationDate": {"2026-12-03T09:33:51+00:00"}, "isFromNewLogin": {"true"},
		"uid": {"eleve1"}, "givenName": {"Élodie"}, "mail": {"elodie.martin@ac-test.fr"}, "eduPersonAffiliation": {"student", "member"}}
	if s.User != "eleve1" || !reflect.DeepEqual(s.Attributes, want) {
		t.Errorf("got %q %v", s.User, s.Attributes)
	}
	s, err = cas.ParseResponse(strings.NewReader(rubySuccess))
	if err != nil {
		t.Fatal(err)
	}
	if s.User != "prof1" || !reflect.DeepEqual(s.Attributes, map[string][]string{"uid": {"prof1"}, "ENTPersonProfils": {"National_ENS", "National_DOC"}}) {
		t.Errorf("RubyCAS form: got %q %v", s.User, s.Attributes)
	}
	_, err = cas.ParseResponse(strings.NewReader(failure))
	var f *cas.Failure
	if !errors.As(err, &f) || f.Code != "INVALID_TICKET" || f.Message != "Ticket ST-1 not recognized" {
		t.Errorf("failure: %v", err)
	}
	// A long attribute value is dropped, not the login.
	s, err = cas.ParseResponse(strings.NewReader(success("u", "<cas:memberOf>"+strings.Repeat("g", cas.MaxValue+1)+"</cas:memberOf><cas:uid>u</cas:uid>")))
	if err != nil || !reflect.DeepEqual(s.Dropped, []string{"memberOf"}) || s.Attribute("uid") != "u" || s.Attributes["memberOf"] != nil {
		t.Errorf("long attribute: %v %+v", err, s)
	}
	// Exactly at the limits is fine.
	if _, err := cas.ParseResponse(strings.NewReader(nested(cas.MaxDepth - 3))); err != nil {
		t.Errorf("depth %d: %v", cas.MaxDepth, err)
	}
	if s, err := cas.ParseResponse(strings.NewReader(success(strings.Repeat("é", cas.MaxValue/2), ""))); err != nil || len(s.User) != cas.MaxValue {
		t.Errorf("user of %d bytes: %v", cas.MaxValue, err)
	}
}

func TestHostileResponses(t *testing.T) {
	for _, h := range hostile {
		_, err := cas.ParseResponse(strings.NewReader(h.doc))
		var re *cas.ResponseError
		if !errors.As(err, &re) || re.Reason != h.reason || cas.ReasonOf(err) != h.reason {
			t.Errorf("%s: %v, want reason %s", h.name, err, h.reason)
		}
	}
}

// TestHostileServer: a server answering an endless document is read up to
// MaxResponse bytes, then refused.
func TestHostileServer(t *testing.T) {
	chunk := []byte(strings.Repeat("<cas:a>", 1<<10))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">`)
		for i := 0; i < 100<<10 && r.Context().Err() == nil; i++ { // up to 700 MB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c, err := cas.New(srv.URL, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = c.Validate(context.Background(), srv.URL+"/callback", "ST-12345678")
	runtime.ReadMemStats(&after)
	if cas.ReasonOf(err) != cas.ReasonTooLarge {
		t.Errorf("endless response: %v", err)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 16<<20 {
		t.Errorf("reading a hostile response allocated %d MiB", grown>>20)
	}
	// A server error is not a response.
	srv500 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, djangoSuccess, http.StatusInternalServerError)
	}))
	defer srv500.Close()
	c, _ = cas.New(srv500.URL, 2, nil)
	if _, err := c.Validate(context.Background(), srv500.URL+"/callback", "ST-12345678"); cas.ReasonOf(err) != cas.ReasonStatus {
		t.Errorf("HTTP 500: %v", err)
	}
	// Nor is a redirect, which is never followed.
	redirect := httptest.NewServer(http.RedirectHandler(srv500.URL, http.StatusFound))
	defer redirect.Close()
	c, _ = cas.New(redirect.URL, 3, nil)
	if _, err := c.Validate(context.Background(), redirect.URL+"/callback", "ST-12345678"); cas.ReasonOf(err) != cas.ReasonStatus {
		t.Errorf("redirect: %v", err)
	}
}

// djangoLogout is what django-cas-server posts in logoutRequest; apereoLogout what the
// Apereo CAS server does.
const (
	djangoLogout = `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 ID="mukM7dF4ETqy" Version="2.0" IssueInstant="2026-12-03T09:33:53.114809+00:00">
<saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"></saml:NameID>
<samlp:SessionIndex>ST-pBwAUOh0aVT3xWq</samlp:SessionIndex>
</samlp:LogoutRequest>`
	apereoLogout = `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1-abc" Version="2.0" IssueInstant="2026-12-03T09:33:53Z"><saml:NameID>@NOT_USED@</saml:NameID><samlp:SessionIndex>ST-1-xyz-cas01</samlp:SessionIndex></samlp:LogoutRequest>`
)

func TestParseLogoutRequest(t *testing.T) {
	for _, c := range []struct {
		doc  string
		want cas.LogoutRequest
	}{
		{djangoLogout, cas.LogoutRequest{ID: "mukM7dF4ETqy", IssueInstant: "2026-12-03T09:33:53.114809+00:00", SessionIndex: "ST-pBwAUOh0aVT3xWq"}},
		{apereoLogout, cas.LogoutRequest{ID: "LR-1-abc", IssueInstant: "2026-12-03T09:33:53Z", NameID: "@NOT_USED@", SessionIndex: "ST-1-xyz-cas01"}},
	} {
		got, err := cas.ParseLogoutRequest(c.doc)
		if err != nil || *got != c.want {
			t.Errorf("%v %+v, want %+v", err, got, c.want)
		}
	}
	for _, h := range []struct{ name, doc, reason string }{
		{"no session index", strings.Replace(djangoLogout, "<samlp:SessionIndex>ST-pBwAUOh0aVT3xWq</samlp:SessionIndex>", "", 1), cas.ReasonSession},
		{"empty session index", strings.Replace(djangoLogout, "ST-pBwAUOh0aVT3xWq", " ", 1), cas.ReasonSession},
		{"long session index", strings.Replace(djangoLogout, "ST-pBwAUOh0aVT3xWq", strings.Repeat("S", cas.MaxTicket+1), 1), cas.ReasonTooLong},
		{"other root", `<LogoutRequest><SessionIndex>ST-1</SessionIndex></LogoutRequest>`, cas.ReasonUnexpected},
		{"doctype", `<!DOCTYPE x [<!ENTITY a "ST-1">]>` + strings.Replace(djangoLogout, "ST-pBwAUOh0aVT3xWq", "&a;", 1), cas.ReasonDirective},
		{"nested", strings.Replace(djangoLogout, "</samlp:LogoutRequest>", strings.Repeat("<x>", 1000)+strings.Repeat("</x>", 1000)+"</samlp:LogoutRequest>", 1), cas.ReasonTooDeep},
		{"huge", djangoLogout + strings.Repeat(" ", cas.MaxResponse), cas.ReasonTooLarge},
		{"invalid UTF-8", "\xff" + djangoLogout, cas.ReasonMalformed},
		{"empty", "", cas.ReasonUnexpected},
	} {
		_, err := cas.ParseLogoutRequest(h.doc)
		if cas.ReasonOf(err) != h.reason {
			t.Errorf("%s: %v, want reason %s", h.name, err, h.reason)
		}
	}
}

// checkSuccess holds what every accepted response promises.
func checkSuccess(t *testing.T, s *cas.Success) {
	if s.User == "" || len(s.User) > cas.MaxValue {
		t.Fatalf("user of %d bytes accepted", len(s.User))
	}
	n := 0
	for name, vs := range s.Attributes {
		for _, v := range vs {
			if len(v) > cas.MaxValue {
				t.Fatalf("attribute %s of %d bytes kept", name, len(v))
			}
			n++
		}
	}
	if n > cas.MaxValues {
		t.Fatalf("%d attribute values kept", n)
	}
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{djangoSuccess, rubySuccess, failure, nested(cas.MaxDepth - 3)} {
		f.Add([]byte(s))
	}
	for _, h := range hostile { // huge, nested, entity expansion…
		f.Add([]byte(h.doc))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := cas.ParseResponse(strings.NewReader(string(b)))
		if err != nil {
			if s != nil {
				t.Fatal("a result with an error")
			}
			if r := cas.ReasonOf(err); r == "unreachable" || r == "ticket_malformed" {
				t.Fatalf("reason %s for a parse error: %v", r, err)
			}
			return
		}
		checkSuccess(t, s)
		if len(b) > cas.MaxResponse {
			t.Fatalf("%d bytes accepted", len(b))
		}
	})
}

func FuzzParseLogoutRequest(f *testing.F) {
	for _, s := range []string{djangoLogout, apereoLogout, `<!DOCTYPE x [<!ENTITY a "b">]><x/>`, "<a>" + strings.Repeat("<b>", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lr, err := cas.ParseLogoutRequest(s)
		if err != nil {
			return
		}
		if lr.SessionIndex == "" || len(lr.SessionIndex) > cas.MaxTicket || len(lr.NameID) > cas.MaxValue {
			t.Fatalf("accepted %+v", lr)
		}
	})
}

func ExampleClient_LoginURL() {
	c, _ := cas.New("https://cas.ac-test.fr/cas", 3, nil)
	fmt.Println(c.LoginURL("https://cartable.example/sso/cas/ac-test/callback"))
	// Output: https://cas.ac-test.fr/cas/login?service=https%3A%2F%2Fcartable.example%2Fsso%2Fcas%2Fac-test%2Fcallback
}
