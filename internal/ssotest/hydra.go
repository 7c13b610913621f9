package ssotest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/childproc"
)

// HydraServer is a running Ory Hydra v2 (in memory, --dev for its http:// issuer) with
// its login, consent and logout app: the login page asks for a login and password of
// Users, consent grants every requested scope with the user's claims in the ID token,
// logout is accepted at once.
type HydraServer struct {
	// Issuer is the public URL, the OpenID Connect issuer (http://127.0.0.1:PORT).
	Issuer string
	// Admin is the admin API's URL.
	Admin string
	// LoginApp is the login/consent/logout app's URL; its /bye page is Hydra's
	// default post-logout page.
	LoginApp string
}

// Hydra returns the OpenID Connect provider of this test binary, starting it at the
// first call. It skips t when CARTABLE_TEST_HYDRA is empty (fails it with
// CARTABLE_TEST_REQUIRE_SSO=1).
func Hydra(t testing.TB) *HydraServer {
	t.Helper()
	bin := os.Getenv("CARTABLE_TEST_HYDRA")
	if bin == "" {
		unavailable(t, "no OpenID Connect provider: set CARTABLE_TEST_HYDRA to a hydra binary (tools/build.sh builds tools/bin/hydra)")
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.hydra == nil && shared.hydraErr == nil {
		shared.hydra, shared.hydraErr = startHydra(bin)
	}
	if shared.hydraErr != nil {
		t.Fatalf("Hydra: %v", shared.hydraErr)
	}
	return shared.hydra
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func startHydra(bin string) (*HydraServer, error) {
	dir, err := tempDir("cartable-hydra-")
	if err != nil {
		return nil, err
	}
	public, err := freePort()
	if err != nil {
		return nil, err
	}
	admin, err := freePort()
	if err != nil {
		return nil, err
	}
	h := &HydraServer{Issuer: fmt.Sprintf("http://127.0.0.1:%d", public), Admin: fmt.Sprintf("http://127.0.0.1:%d", admin)}
	app := httptest.NewServer(h.loginApp())
	shared.stops = append(shared.stops, app.Close)
	h.LoginApp = app.URL
	// DSN memory: nothing survives a restart (clients and keys are made after each
	// start); --dev allows the http:// issuer.
	cfg := fmt.Sprintf(`dsn: memory
serve:
  public: {host: 127.0.0.1, port: %d}
  admin: {host: 127.0.0.1, port: %d}
urls:
  self: {issuer: %q}
  login: %q
  consent: %q
  logout: %q
  post_logout_redirect: %q
secrets:
  system: [%q]
oidc:
  subject_identifiers: {supported_types: [public]}
log: {level: warn, leak_sensitive_values: false}
`, public, admin, h.Issuer, app.URL+"/login", app.URL+"/consent", app.URL+"/logout", app.URL+"/bye", "test-only-"+randomHex(16))
	cfgPath := filepath.Join(dir, "hydra.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "hydra.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "all", "--dev", "--sqa-opt-out", "-c", cfgPath)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logf, logf
	p, err := childproc.Start(cmd)
	if err != nil {
		logf.Close()
		return nil, err
	}
	shared.stops = append(shared.stops, func() { p.Stop(5 * time.Second); logf.Close() })
	if err := waitReady(p, h.Issuer+"/health/ready", 30*time.Second); err != nil {
		return nil, fmt.Errorf("%v%s", err, logTail(logPath))
	}
	// Hydra makes the access-token key at the first token, an RSA-4096 key that takes
	// seconds to generate; an EC key is made at once. ID tokens stay RS256 (what the
	// discovery document announces).
	if err := h.admin(http.MethodPost, "/admin/keys/hydra.jwt.access-token", map[string]any{"alg": "ES256", "use": "sig"}, nil); err != nil {
		return nil, err
	}
	return h, nil
}

// admin calls Hydra's admin API: GET when body is nil, otherwise the method with body
// as JSON; the answer is decoded into out when not nil.
func (h *HydraServer) admin(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.Admin+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("hydra %s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// Client is an OAuth 2.0 client registered at Hydra.
type Client struct {
	ID, Secret string
}

// ClientOptions describe a client to register.
type ClientOptions struct {
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// BackChannelLogoutURI, when set, receives Hydra's logout tokens.
	BackChannelLogoutURI string
	// Scope defaults to "openid email profile".
	Scope string
}

// NewClient registers a client of its own for the test (tests in parallel do not share
// clients), with a random id and secret, authenticating with client_secret_basic.
func (h *HydraServer) NewClient(t testing.TB, o ClientOptions) Client {
	t.Helper()
	c := Client{ID: "cartable-" + randomHex(6), Secret: "test-only-" + randomHex(16)}
	if o.Scope == "" {
		o.Scope = "openid email profile"
	}
	body := map[string]any{
		"client_id": c.ID, "client_secret": c.Secret,
		"grant_types": []string{"authorization_code"}, "response_types": []string{"code"},
		"scope": o.Scope, "redirect_uris": o.RedirectURIs, "post_logout_redirect_uris": o.PostLogoutRedirectURIs,
		"token_endpoint_auth_method": "client_secret_basic",
	}
	if o.BackChannelLogoutURI != "" {
		body["backchannel_logout_uri"] = o.BackChannelLogoutURI
		body["backchannel_logout_session_required"] = true
	}
	if err := h.admin(http.MethodPost, "/admin/clients", body, nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// RotateIDTokenKey makes Hydra sign the next ID tokens with a new RS256 key (the old
// one stays in its JWKS): relying parties must fetch the new key by its id.
func (h *HydraServer) RotateIDTokenKey(t testing.TB) {
	t.Helper()
	if err := h.admin(http.MethodPost, "/admin/keys/hydra.openid.id-token", map[string]any{"alg": "RS256", "use": "sig", "kid": "rotated-" + randomHex(4)}, nil); err != nil {
		t.Fatal(err)
	}
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Connexion — fournisseur d'identité de test</title></head>
<body><h1>Fournisseur d'identité de test</h1>{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="login_challenge" value="{{.Challenge}}">
<label>Identifiant <input type="text" name="username" autocomplete="username"></label>
<label>Mot de passe <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Se connecter</button>
</form></body></html>
`))

// loginApp is the login, consent and logout app Hydra sends browsers to.
func (h *HydraServer) loginApp() http.Handler {
	mux := http.NewServeMux()
	fail := func(w http.ResponseWriter, err error) { http.Error(w, err.Error(), http.StatusBadGateway) }
	type redirect struct {
		RedirectTo string `json:"redirect_to"`
	}
	accept := func(w http.ResponseWriter, r *http.Request, challenge, subject string) {
		var rd redirect
		if err := h.admin(http.MethodPut, "/admin/oauth2/auth/requests/login/accept?"+url.Values{"login_challenge": {challenge}}.Encode(),
			map[string]any{"subject": subject, "remember": true, "remember_for": 3600}, &rd); err != nil {
			fail(w, err)
			return
		}
		http.Redirect(w, r, rd.RedirectTo, http.StatusFound)
	}
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		ch := r.URL.Query().Get("login_challenge")
		var lr struct {
			Skip    bool   `json:"skip"`
			Subject string `json:"subject"`
		}
		if err := h.admin(http.MethodGet, "/admin/oauth2/auth/requests/login?"+url.Values{"login_challenge": {ch}}.Encode(), nil, &lr); err != nil {
			fail(w, err)
			return
		}
		if lr.Skip { // Hydra still has a session for this browser
			accept(w, r, ch, lr.Subject)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = loginPage.Execute(w, map[string]string{"Challenge": ch})
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		ch := r.PostFormValue("login_challenge")
		u := UserByLogin(r.PostFormValue("username"))
		if u == nil || u.Password != r.PostFormValue("password") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = loginPage.Execute(w, map[string]string{"Challenge": ch, "Error": "Identifiant ou mot de passe incorrect."})
			return
		}
		accept(w, r, ch, u.Login)
	})
	mux.HandleFunc("GET /consent", func(w http.ResponseWriter, r *http.Request) {
		ch := r.URL.Query().Get("consent_challenge")
		var cr struct {
			Subject  string   `json:"subject"`
			Scope    []string `json:"requested_scope"`
			Audience []string `json:"requested_access_token_audience"`
		}
		q := "?" + url.Values{"consent_challenge": {ch}}.Encode()
		if err := h.admin(http.MethodGet, "/admin/oauth2/auth/requests/consent"+q, nil, &cr); err != nil {
			fail(w, err)
			return
		}
		claims := map[string]any{"preferred_username": cr.Subject}
		if u := UserByLogin(cr.Subject); u != nil {
			claims["email"], claims["email_verified"] = u.Mail, true
			claims["given_name"], claims["family_name"] = u.GivenName, u.Surname
			claims["eduPersonAffiliation"] = u.Affiliation
		}
		var rd redirect
		if err := h.admin(http.MethodPut, "/admin/oauth2/auth/requests/consent/accept"+q, map[string]any{
			"grant_scope": cr.Scope, "grant_access_token_audience": cr.Audience,
			"session": map[string]any{"id_token": claims},
		}, &rd); err != nil {
			fail(w, err)
			return
		}
		http.Redirect(w, r, rd.RedirectTo, http.StatusFound)
	})
	mux.HandleFunc("GET /logout", func(w http.ResponseWriter, r *http.Request) {
		var rd redirect
		if err := h.admin(http.MethodPut, "/admin/oauth2/auth/requests/logout/accept?"+
			url.Values{"logout_challenge": {r.URL.Query().Get("logout_challenge")}}.Encode(), nil, &rd); err != nil {
			fail(w, err)
			return
		}
		http.Redirect(w, r, rd.RedirectTo, http.StatusFound)
	})
	mux.HandleFunc("GET /bye", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, strings.TrimSpace("Vous êtes déconnecté."))
	})
	return mux
}
