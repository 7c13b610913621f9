package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/qr"
)

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func wantError(t *testing.T, resp *http.Response, body errorBody, status int, code string) {
	t.Helper()
	if resp.StatusCode != status || body.Error.Code != code || body.Error.Message == "" {
		t.Fatalf("want %d %s, got %d %+v", status, code, resp.StatusCode, body)
	}
}

// TestAccountContract walks the documented contract: enrolment, activation, login,
// /me, expiry, renewal, with the exact status codes and JSON shapes.
func TestAccountContract(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		_, enr, err := s.App.Accounts.Create(ctx, authz.OperatorPrincipal(), account.CreateInput{Login: "root", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
		if err != nil {
			t.Fatal(err)
		}
		token := enr.URL[strings.LastIndex(enr.URL, "/")+1:]

		var got struct {
			Login         string    `json:"login"`
			PasswordQR    string    `json:"password_qr"`
			TOTPQR        string    `json:"totp_qr"`
			OTPAuthURI    string    `json:"otpauth_uri"`
			RecoveryCodes []string  `json:"recovery_codes"`
			ExpiresAt     time.Time `json:"expires_at"`
		}
		resp := s.Do("GET", "/api/v1/enrollments/"+token, "", nil, &got)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("enrolment: %d", resp.StatusCode)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
		if got.Login != "root" || len(got.RecoveryCodes) != 10 || got.ExpiresAt.IsZero() ||
			!strings.HasPrefix(got.PasswordQR, "data:image/png;base64,") || !strings.HasPrefix(got.TOTPQR, "data:image/png;base64,") {
			t.Fatalf("enrolment body %+v", got)
		}
		// What a client gets from the QR codes alone is enough to activate.
		password, err := qr.DecodeDataURL(got.PasswordQR)
		if err != nil || len(password) != 24 {
			t.Fatalf("password QR: %q %v", password, err)
		}
		uri, err := qr.DecodeDataURL(got.TOTPQR)
		if err != nil || uri != got.OTPAuthURI {
			t.Fatalf("TOTP QR %q vs %q (%v)", uri, got.OTPAuthURI, err)
		}
		if !strings.HasPrefix(uri, "otpauth://totp/cartable:root?") || !strings.Contains(uri, "issuer=cartable") {
			t.Fatalf("otpauth URI %s", uri)
		}
		_, _, secret, err := credential.ParseOTPAuthURI(uri)
		if err != nil {
			t.Fatal(err)
		}
		var eb errorBody
		resp = s.Do("GET", "/api/v1/enrollments/"+token, "", nil, &eb)
		wantError(t, resp, eb, http.StatusGone, "enrollment_used")

		u := &apptest.User{Login: "root", Password: password, Secret: secret}
		var st map[string]any
		resp = s.Do("POST", "/api/v1/activation", "", map[string]string{"login": "root", "password": password, "code": u.Code(s)}, &st)
		if resp.StatusCode != http.StatusOK || st["status"] != "active" {
			t.Fatalf("activation: %d %v", resp.StatusCode, st)
		}

		var sess struct {
			Token     string    `json:"token"`
			ExpiresAt time.Time `json:"expires_at"`
		}
		resp = s.Do("POST", "/api/v1/sessions", "", map[string]string{"login": "root", "password": password, "code": u.Code(s)}, &sess)
		if resp.StatusCode != http.StatusCreated || sess.Token == "" || sess.ExpiresAt.IsZero() {
			t.Fatalf("login: %d %+v", resp.StatusCode, sess)
		}
		var me struct {
			Login string   `json:"login"`
			Roles []string `json:"roles"`
		}
		resp = s.Do("GET", "/api/v1/me", sess.Token, nil, &me)
		if resp.StatusCode != http.StatusOK || me.Login != "root" || len(me.Roles) != 1 || me.Roles[0] != "platform-admin" {
			t.Fatalf("me: %d %+v", resp.StatusCode, me)
		}
		eb = errorBody{}
		resp = s.Do("GET", "/api/v1/me", "", nil, &eb)
		wantError(t, resp, eb, http.StatusUnauthorized, "unauthenticated")

		eb = errorBody{}
		resp = s.Do("POST", "/api/v1/sessions", "", map[string]string{"login": "root", "password": "wrong", "code": u.Code(s)}, &eb)
		wantError(t, resp, eb, http.StatusUnauthorized, "invalid_credentials")
		eb = errorBody{}
		resp = s.Do("POST", "/api/v1/sessions", "", map[string]string{"login": "root"}, &eb)
		wantError(t, resp, eb, http.StatusBadRequest, "invalid_request")
		eb = errorBody{}
		resp = s.Do("POST", "/api/v1/sessions", "", map[string]any{"login": 3}, &eb)
		wantError(t, resp, eb, http.StatusBadRequest, "invalid_json")

		// Six months later: the session is gone and login says the credentials expired.
		s.Clock.Advance(183 * 24 * time.Hour)
		resp = s.Do("GET", "/api/v1/me", sess.Token, nil, nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("session after expiry: %d", resp.StatusCode)
		}
		eb = errorBody{}
		code := u.Code(s)
		resp = s.Do("POST", "/api/v1/sessions", "", map[string]string{"login": "root", "password": password, "code": code}, &eb)
		wantError(t, resp, eb, http.StatusForbidden, "credentials_expired")
		var ren struct {
			EnrollmentURL string `json:"enrollment_url"`
		}
		resp = s.Do("POST", "/api/v1/renewals", "", map[string]string{"login": "root", "password": password, "code": code}, &ren)
		if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(ren.EnrollmentURL, s.URL+"/enrol/cte_") {
			t.Fatalf("renewal: %d %+v", resp.StatusCode, ren)
		}
		newToken := ren.EnrollmentURL[strings.LastIndex(ren.EnrollmentURL, "/")+1:]
		resp = s.Do("GET", "/api/v1/enrollments/"+newToken, "", nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("renewal link: %d", resp.StatusCode)
		}

		// Nothing secret was logged, though every request was.
		logs := s.Logs.String()
		if !strings.Contains(logs, "/api/v1/enrollments/REDACTED") {
			t.Fatalf("access log missing:\n%s", logs)
		}
		for name, secret := range map[string]string{"enrolment token": token, "new enrolment token": newToken,
			"password": password, "session token": sess.Token, "recovery code": got.RecoveryCodes[0],
			"TOTP secret": credential.TOTPSecretText(secret)} {
			if strings.Contains(logs, secret) {
				t.Errorf("the %s appears in the logs", name)
			}
		}
	})
}

func TestConcurrentEnrolmentOpening(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		_, enr, err := s.App.Accounts.Create(context.Background(), authz.OperatorPrincipal(), account.CreateInput{Login: "twice", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		codes := make(chan int, 2)
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes <- s.Do("GET", "/api/v1/enrollments/"+enr.Token, "", nil, nil).StatusCode
			}()
		}
		wg.Wait()
		close(codes)
		var got []int
		for c := range codes {
			got = append(got, c)
		}
		if !(got[0] == 200 && got[1] == 410 || got[0] == 410 && got[1] == 200) {
			t.Fatalf("two concurrent openings answered %v", got)
		}
	})
}

func TestPerIPRateLimit(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		u := s.CreateUser("limited", authz.Membership{Role: authz.RolePlatformAdmin})
		var last *http.Response
		var body errorBody
		for i := range 10 {
			body = errorBody{}
			last = s.Do("POST", "/api/v1/sessions", "", map[string]string{"login": u.Login, "password": "x", "code": "000000"}, &body)
			if i < 3 && last.StatusCode != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i, last.StatusCode)
			}
		}
		wantError(t, last, body, http.StatusTooManyRequests, "too_many_attempts")
		if last.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}, func(c *config.Config) { c.LoginRate, c.LoginBurst = 1, 3 })
}

func TestUnknownAPIPathIsJSON(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		var eb errorBody
		resp := s.Do("GET", "/api/v1/nope", "", nil, &eb)
		wantError(t, resp, eb, http.StatusNotFound, "not_found")
	})
}

// TestOpenAPIListsEveryRoute keeps docs/openapi.yaml in step with the registered routes.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	s := apptest.Start(t, "sqlite")
	resp := s.Do("GET", "/api/v1/openapi.yaml", "", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("openapi: %d", resp.StatusCode)
	}
	served, _ := io.ReadAll(resp.Body)
	raw, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(served, raw) {
		t.Fatal("the served document is not docs/openapi.yaml")
	}
	var doc struct {
		OpenAPI    string                               `yaml:"openapi"`
		Paths      map[string]map[string]map[string]any `yaml:"paths"`
		Components map[string]map[string]any            `yaml:"components"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml is not valid YAML: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	// Every $ref points at a component that exists.
	for _, m := range regexp.MustCompile(`\$ref: '#/components/([a-zA-Z]+)/([a-zA-Z]+)'`).FindAllStringSubmatch(string(raw), -1) {
		if _, ok := doc.Components[m[1]][m[2]]; !ok {
			t.Errorf("$ref to a missing component %s/%s", m[1], m[2])
		}
	}
	if len(s.App.APIRoutes) < 10 {
		t.Fatalf("only %d API routes registered", len(s.App.APIRoutes))
	}
	for _, r := range s.App.APIRoutes {
		method, path, _ := strings.Cut(r.Pattern, " ")
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("docs/openapi.yaml does not describe %s", r.Pattern)
		}
	}
}

func TestHealthReadinessMetrics(t *testing.T) {
	s := apptest.Start(t, "sqlite")
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		resp := s.Do("GET", path, "", nil, nil)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != want {
			t.Errorf("%s: %d %q", path, resp.StatusCode, b)
		}
	}
	// A login attempt, then the metrics show it with the request counters.
	s.Do("POST", "/api/v1/sessions", "", map[string]string{"login": "nobody", "password": "x", "code": "123456"}, nil)
	resp := s.Do("GET", "/metrics", "", nil, nil)
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`cartable_http_requests_total{method="POST",route="POST /api/v1/sessions",status="401"} 1`,
		`cartable_login_attempts_total{outcome="failed"} 1`,
		`cartable_http_request_duration_seconds_bucket{method="GET",route="GET /healthz"`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestSelfSignup(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		var eb errorBody
		resp := s.Do("POST", "/api/v1/signups", "", map[string]string{"login": "new.user"}, &eb)
		wantError(t, resp, eb, http.StatusForbidden, "signup_disabled")
	})
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		var enr struct {
			Login         string `json:"login"`
			EnrollmentURL string `json:"enrollment_url"`
		}
		resp := s.Do("POST", "/api/v1/signups", "", map[string]string{"login": "New.User", "display_name": "New"}, &enr)
		if resp.StatusCode != http.StatusCreated || enr.Login != "new.user" || !strings.Contains(enr.EnrollmentURL, "/enrol/cte_") {
			t.Fatalf("signup: %d %+v", resp.StatusCode, enr)
		}
		var eb errorBody
		resp = s.Do("POST", "/api/v1/signups", "", map[string]string{"login": "new.user"}, &eb)
		wantError(t, resp, eb, http.StatusConflict, "login_taken")
		// The per-IP limit (burst 3 per hour here) stops loops of sign-ups.
		last := resp
		for i := range 5 {
			last = s.Do("POST", "/api/v1/signups", "", map[string]string{"login": "spam" + string(rune('a'+i))}, nil)
		}
		if last.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("sign-up flood: %d", last.StatusCode)
		}
	}, func(c *config.Config) { c.SelfSignup = true })
}

// TestStudentContract: upload a SIECLE file through the API, then read the students
// with the fields the contract lists.
func TestStudentContract(t *testing.T) {
	data, err := os.ReadFile("../../../shared/samples/ElevesSansAdresses.example.xml")
	if err != nil {
		t.Fatal(err)
	}
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		admin := s.CreateUser("root", authz.Membership{Role: authz.RolePlatformAdmin})
		tok := s.Token(admin)
		resp := s.Do("POST", "/api/v1/establishments", tok, map[string]any{"uai": "0691234S", "name": "Lycée", "transfers_send": true}, nil)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create establishment: %d", resp.StatusCode)
		}
		req, _ := http.NewRequest("POST", s.URL+"/api/v1/establishments/0691234S/imports/siecle?name=ElevesSansAdresses.xml", bytes.NewReader(data))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/xml")
		r2, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var rep map[string]any
		json.NewDecoder(r2.Body).Decode(&rep)
		r2.Body.Close()
		if r2.StatusCode != http.StatusCreated || rep["created"].(float64) != 2 {
			t.Fatalf("upload: %d %v", r2.StatusCode, rep)
		}
		var list struct {
			Students []map[string]any `json:"students"`
		}
		s.Do("GET", "/api/v1/establishments/0691234S/students", tok, nil, &list)
		if len(list.Students) != 2 {
			t.Fatalf("students: %v", list)
		}
		for _, st := range list.Students {
			for _, k := range []string{"id", "eleve_id", "login", "last_name", "first_name", "class", "mef", "status", "nouvel_eleve", "previous_uai", "entry_date", "exit_date"} {
				if _, ok := st[k]; !ok {
					t.Errorf("student lacks %q: %v", k, st)
				}
			}
			if _, ok := st["nouvel_eleve"].(string); !ok {
				t.Errorf("nouvel_eleve is not a string: %v", st["nouvel_eleve"])
			}
			for k, v := range st {
				if s, ok := v.(string); ok && (strings.Contains(s, "120345678AB") || strings.Contains(s, "0123456789M")) {
					t.Errorf("INE returned in %s", k)
				}
			}
		}
		var one map[string]any
		resp = s.Do("GET", fmt.Sprintf("/api/v1/establishments/0691234S/students/%v", list.Students[0]["id"]), tok, nil, &one)
		if resp.StatusCode != 200 || one["eleve_id"] != list.Students[0]["eleve_id"] {
			t.Fatalf("one student: %d %v", resp.StatusCode, one)
		}
		var hist struct {
			Imports []map[string]any `json:"imports"`
		}
		s.Do("GET", "/api/v1/establishments/0691234S/imports", tok, nil, &hist)
		if len(hist.Imports) != 1 || hist.Imports[0]["file"] != "ElevesSansAdresses.xml" {
			t.Fatalf("history: %v", hist)
		}
	})
}

// TestAccountFieldLimits: the API refuses an account text over its limit with
// too_long and the field named (outside review, issue 8, finding 6).
func TestAccountFieldLimits(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		admin := s.CreateUser("root", authz.Membership{Role: authz.RolePlatformAdmin})
		tok := s.Token(admin)
		var eb errorBody
		resp := s.Do("POST", "/api/v1/accounts", tok, map[string]string{"login": "nom.long", "role": "platform-admin",
			"display_name": strings.Repeat("é", account.MaxDisplayName+1)}, &eb)
		wantError(t, resp, eb, http.StatusBadRequest, "too_long")
		if !strings.Contains(eb.Error.Message, "display_name") {
			t.Errorf("message %q", eb.Error.Message)
		}
		eb = errorBody{}
		resp = s.Do("POST", "/api/v1/accounts", tok, map[string]string{"login": strings.Repeat("a", account.MaxLogin+1), "role": "platform-admin"}, &eb)
		wantError(t, resp, eb, http.StatusBadRequest, "too_long")
		eb = errorBody{}
		resp = s.Do("GET", "/api/v1/accounts?q="+strings.Repeat("x", account.MaxQuery+1), tok, nil, &eb)
		wantError(t, resp, eb, http.StatusBadRequest, "too_long")
	})
}
