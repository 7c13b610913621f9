package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/httpx"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	switch {
	case p == nil:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	case p.PassportOnly:
		http.Redirect(w, r, "/me/passport", http.StatusSeeOther)
	case isStaff(p):
		http.Redirect(w, r, "/classes", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/me", http.StatusSeeOther)
	}
	return nil
}

type loginData struct {
	Login      string
	Next       string
	SelfSignup bool
	Renew      bool
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	if principal(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	p := s.newPage(r, "login.title")
	p.Data = loginData{Next: safeNext(r.URL.Query().Get("next")), SelfSignup: s.Accounts.Policy().SelfSignup}
	return s.render(w, r, "login", p)
}

// loginPassword is the first step: whatever the password, the next page asks for the
// code; the verdict is kept server-side and told only after the code.
func (s *Server) loginPassword(w http.ResponseWriter, r *http.Request) error {
	if err := limit(r, s.AuthLimiter); err != nil {
		return err
	}
	login, password := r.PostFormValue("login"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	if strings.TrimSpace(login) == "" || password == "" || len(password) > 256 {
		p := s.newPage(r, "login.title")
		p.Error = missingFields(lang(r), []string{"login", login, "login.login"}, []string{"password", password, "login.password"})
		if p.Error == "" {
			p.Error = T(lang(r), "invalid_credentials")
		}
		p.Data = loginData{Login: login, Next: next, SelfSignup: s.Accounts.Policy().SelfSignup}
		return s.renderStatus(w, r, http.StatusUnauthorized, "login", p)
	}
	token, err := s.Accounts.BeginLogin(r.Context(), login, password, s.client(r))
	if err != nil {
		return err
	}
	// The anonymous session (if any) is replaced: a new id after the password step.
	s.setCookie(w, "session", "", -1, http.SameSiteLaxMode)
	s.setCookie(w, "pending", token, account.PendingLoginTTL, http.SameSiteStrictMode)
	http.Redirect(w, r, "/login/code?next="+url.QueryEscape(next), http.StatusSeeOther)
	return nil
}

type codeData struct {
	Next string
}

func (s *Server) codePage(w http.ResponseWriter, r *http.Request) error {
	c, err := r.Cookie(s.cookieName("pending"))
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	// The page does not name the login: nothing of it is kept (it may be a password),
	// and an existing login must look like an unknown one.
	if err := s.Accounts.PendingLogin(r.Context(), c.Value); err != nil {
		s.setCookie(w, "pending", "", -1, http.SameSiteStrictMode)
		p := s.newPage(r, "login.title")
		p.Error = errorMessage(lang(r), err)
		p.Data = loginData{SelfSignup: s.Accounts.Policy().SelfSignup}
		return s.render(w, r, "login", p)
	}
	p := s.newPage(r, "login.code.title")
	p.Data = codeData{Next: safeNext(r.URL.Query().Get("next"))}
	return s.render(w, r, "code", p)
}

func (s *Server) loginCode(w http.ResponseWriter, r *http.Request) error {
	if err := limit(r, s.AuthLimiter); err != nil {
		return err
	}
	c, err := r.Cookie(s.cookieName("pending"))
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	next := safeNext(r.PostFormValue("next"))
	code, recovery := r.PostFormValue("code"), r.PostFormValue("recovery_code")
	if strings.TrimSpace(code) == "" && strings.TrimSpace(recovery) == "" {
		// Nothing typed: ask again, nothing is spent or counted.
		p := s.newPage(r, "login.code.title")
		p.Error = missingFields(lang(r), []string{"code", code, "login.code"})
		p.Data = codeData{Next: next}
		return s.renderStatus(w, r, http.StatusBadRequest, "code", p)
	}
	s.setCookie(w, "pending", "", -1, http.SameSiteStrictMode)
	token, retry, _, err := s.SSO.FinishSecondFactorOrRetry(r.Context(), c.Value, code, recovery, s.client(r))
	if retry != "" {
		// A refused code keeps the second step: the login and password are not typed again.
		s.setCookie(w, "pending", retry, account.PendingLoginTTL, http.SameSiteStrictMode)
		p := s.newPage(r, "login.code.title")
		p.Error = T(lang(r), "login.code.wrong")
		p.Data = codeData{Next: next}
		return s.renderStatus(w, r, httpStatus(err), "code", p)
	}
	if err != nil {
		if apperr.KindOf(err) == apperr.KindInternal || apperr.KindOf(err) == apperr.KindUnavailable {
			return err
		}
		p := s.newPage(r, "login.title")
		p.Error = errorMessage(lang(r), err)
		p.Data = loginData{Next: next, SelfSignup: s.Accounts.Policy().SelfSignup, Renew: apperr.CodeOf(err) == "credentials_expired"}
		return s.renderStatus(w, r, httpStatus(err), "login", p)
	}
	s.setCookie(w, "session", token, 0, http.SameSiteLaxMode)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	after := s.providerLogout(r)
	if c, err := r.Cookie(s.cookieName("session")); err == nil {
		if err := s.Accounts.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.setCookie(w, "session", "", -1, http.SameSiteLaxMode)
	// What the pages kept in this browser (the grids' changes not yet sent, in
	// localStorage) is the person's: on a shared computer the next one must not find it
	// nor have it sent under his own session.
	w.Header().Set("Clear-Site-Data", `"storage"`)
	if after != "/login" { // the provider's logout (sso.go)
		return toProvider(w, r, after, "sso.logout.title", "sso.logout.go")
	}
	http.Redirect(w, r, after, http.StatusSeeOther)
	return nil
}

type enrolData struct {
	Token          string
	Login          string
	ExpiresAt      time.Time
	Password       string
	PasswordQR     qrImage
	TOTPQR         qrImage
	TOTPSecret     string
	OTPAuthURI     template.URL
	RecoveryCodes  []string
	ActivateBefore time.Time
}

// enrolLanding shows what the link is for and asks for a click: mail and chat link
// scanners fetch links with GET, and must not burn a single-use link. The browser that
// opened the link (it holds the viewer cookie) sees its credentials again instead, until
// the account is activated or the link expires.
func (s *Server) enrolLanding(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	if c, ok := s.shownEnrollment(r, token); ok {
		p := s.newPage(r, "enrol.title")
		return s.renderCredentials(w, r, http.StatusOK, p, token, c)
	}
	login, exp, err := s.Accounts.CheckEnrollment(r.Context(), token)
	if err != nil {
		return err
	}
	p := s.newPage(r, "enrol.title")
	p.Data = enrolData{Token: token, Login: login, ExpiresAt: exp}
	return s.render(w, r, "enrol", p)
}

// shownEnrollment returns the credentials of the link token that this browser opened.
func (s *Server) shownEnrollment(r *http.Request, token string) (account.Credentials, bool) {
	v, err := r.Cookie(s.cookieName("enrol"))
	if err != nil || token == "" {
		return account.Credentials{}, false
	}
	c, err := s.Accounts.ShowEnrollment(r.Context(), token, v.Value)
	return c, err == nil
}

// enrolReveal opens the link and sends the browser to its address again (303), where it
// finds its credentials: a reload or Back then never posts the form a second time.
func (s *Server) enrolReveal(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	if _, ok := s.shownEnrollment(r, token); !ok {
		if err := limit(r, s.AuthLimiter); err != nil {
			return err
		}
		c, err := s.Accounts.OpenEnrollmentInBrowser(r.Context(), token)
		if err != nil {
			return err
		}
		s.setCookie(w, "enrol", c.Viewer, time.Until(c.ActivateBefore)+time.Minute, http.SameSiteStrictMode)
	}
	http.Redirect(w, r, "/enrol/"+url.PathEscape(token), http.StatusSeeOther)
	return nil
}

func (s *Server) renderCredentials(w http.ResponseWriter, r *http.Request, status int, p *page, token string, c account.Credentials) error {
	pwQR, err := newQRImage(c.Password, enrolQRPixels)
	if err != nil {
		return err
	}
	totpQR, err := newQRImage(c.OTPAuthURI, enrolQRPixels)
	if err != nil {
		return err
	}
	p.Data = enrolData{
		Token: token, Login: c.Login, Password: c.Password,
		PasswordQR: pwQR, TOTPQR: totpQR,
		// An otpauth URI we built ourselves (issuer, login, base32): safe as a link.
		TOTPSecret: credential.FormatTOTPSecret(c.TOTPSecret), OTPAuthURI: template.URL(c.OTPAuthURI),
		RecoveryCodes: c.RecoveryCodes, ActivateBefore: c.ActivateBefore,
	}
	return s.renderStatus(w, r, status, "credentials", p)
}

func (s *Server) activate(w http.ResponseWriter, r *http.Request) error {
	if err := limit(r, s.AuthLimiter); err != nil {
		return err
	}
	l := lang(r)
	token := r.PostFormValue("enrol")
	login, password, code := r.PostFormValue("login"), r.PostFormValue("password"), r.PostFormValue("code")
	fail := func(status int, msg string) error {
		p := s.newPage(r, "enrol.title")
		p.Error = msg
		if c, ok := s.shownEnrollment(r, token); ok {
			return s.renderCredentials(w, r, status, p, token, c)
		}
		p.Data = enrolData{Login: account.NormalizeLogin(login)}
		return s.renderStatus(w, r, status, "activate", p)
	}
	if missing := missingFields(l, []string{"login", login, "login.login"}, []string{"password", password, "login.password"},
		[]string{"code", code, "login.code"}); missing != "" {
		return fail(http.StatusBadRequest, missing)
	}
	acc, err := s.Accounts.Activate(r.Context(), account.Proof{Login: login, Password: password, Code: code})
	if apperr.CodeOf(err) == "already_active" {
		p := s.newPage(r, "activate.done.title")
		p.Info = T(l, "activate.already")
		return s.render(w, r, "activated", p)
	}
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.KindInternal || k == apperr.KindUnavailable {
			return err
		}
		return fail(httpStatus(err), errorMessage(l, err))
	}
	s.setCookie(w, "enrol", "", -1, http.SameSiteStrictMode)
	p := s.newPage(r, "activate.done.title")
	p.Info = T(l, "activate.done", acc.Login, s.formatTime(l, acc.ExpiresAt, false))
	return s.render(w, r, "activated", p)
}

// missingFields names the empty ones among fields (each: name, value, label key), as
// one sentence for the page, or "" when all are filled.
func missingFields(l string, fields ...[]string) string {
	var names []string
	for _, f := range fields {
		if strings.TrimSpace(f[1]) == "" {
			names = append(names, T(l, f[2]))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return T(l, "form.missing", strings.Join(names, ", "))
}

type renewData struct {
	Login string
	URL   string
}

func (s *Server) renewPage(w http.ResponseWriter, r *http.Request) error {
	p := s.newPage(r, "renew.title")
	p.Data = renewData{Login: r.URL.Query().Get("login")}
	return s.render(w, r, "renew", p)
}

func (s *Server) renew(w http.ResponseWriter, r *http.Request) error {
	if err := limit(r, s.AuthLimiter); err != nil {
		return err
	}
	enr, err := s.Accounts.Renew(r.Context(), account.Proof{
		Login: r.PostFormValue("login"), Password: r.PostFormValue("password"), Code: r.PostFormValue("code")})
	p := s.newPage(r, "renew.title")
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.KindInternal || k == apperr.KindUnavailable {
			return err
		}
		p.Error = errorMessage(lang(r), err)
		p.Data = renewData{Login: r.PostFormValue("login")}
		return s.renderStatus(w, r, httpStatus(err), "renew", p)
	}
	s.setCookie(w, "session", "", -1, http.SameSiteLaxMode)
	p.Data = renewData{Login: enr.Login, URL: enr.URL}
	return s.render(w, r, "renew", p)
}

type signupData struct {
	Login, DisplayName string
	URL                string
}

func (s *Server) signupPage(w http.ResponseWriter, r *http.Request) error {
	if !s.Accounts.Policy().SelfSignup {
		return apperr.Forbidden("signup_disabled", "self sign-up is not enabled")
	}
	p := s.newPage(r, "signup.title")
	p.Data = signupData{}
	return s.render(w, r, "signup", p)
}

func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	if !s.Accounts.Policy().SelfSignup {
		return apperr.Forbidden("signup_disabled", "self sign-up is not enabled")
	}
	if err := limit(r, s.SignupLimiter); err != nil {
		return err
	}
	login, name := r.PostFormValue("login"), r.PostFormValue("display_name")
	enr, err := s.Accounts.SelfSignup(r.Context(), login, name, lang(r))
	p := s.newPage(r, "signup.title")
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.KindInternal || k == apperr.KindUnavailable {
			return err
		}
		p.Error = errorMessage(lang(r), err)
		p.Data = signupData{Login: login, DisplayName: name}
		return s.renderStatus(w, r, httpStatus(err), "signup", p)
	}
	http.Redirect(w, r, "/enrol/"+enr.Token, http.StatusSeeOther)
	return nil
}

func httpStatus(err error) int { return httpx.Status(apperr.KindOf(err)) }

// enrolQRPixels is the side of the enrolment page's QR codes: small enough to fit a
// phone's column (about 280 CSS pixels on a 360–390 px screen) at their own pixel size.
// A code the browser shrinks to fit loses whole rows of pixels unevenly, and readers
// then miss it.
const enrolQRPixels = 256
