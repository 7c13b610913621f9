package web

import (
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
		p.Error = T(lang(r), "invalid_credentials")
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
	s.setCookie(w, "pending", "", -1, http.SameSiteStrictMode)
	next := safeNext(r.PostFormValue("next"))
	token, _, err := s.SSO.FinishSecondFactor(r.Context(), c.Value, r.PostFormValue("code"), r.PostFormValue("recovery_code"), s.client(r))
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
	OTPAuthURI     string
	RecoveryCodes  []string
	ActivateBefore time.Time
}

// enrolLanding shows what the link is for and asks for a click: mail and chat link
// scanners fetch links with GET, and must not burn a single-use link.
func (s *Server) enrolLanding(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	login, exp, err := s.Accounts.CheckEnrollment(r.Context(), token)
	if err != nil {
		return err
	}
	p := s.newPage(r, "enrol.title")
	p.Data = enrolData{Token: token, Login: login, ExpiresAt: exp}
	return s.render(w, r, "enrol", p)
}

func (s *Server) enrolReveal(w http.ResponseWriter, r *http.Request) error {
	if err := limit(r, s.AuthLimiter); err != nil {
		return err
	}
	c, err := s.Accounts.OpenEnrollment(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	pwQR, err := newQRImage(c.Password, enrolQRPixels)
	if err != nil {
		return err
	}
	totpQR, err := newQRImage(c.OTPAuthURI, enrolQRPixels)
	if err != nil {
		return err
	}
	p := s.newPage(r, "enrol.title")
	p.Data = enrolData{
		Login: c.Login, Password: c.Password,
		PasswordQR: pwQR, TOTPQR: totpQR,
		TOTPSecret: credential.FormatTOTPSecret(c.TOTPSecret), OTPAuthURI: c.OTPAuthURI,
		RecoveryCodes: c.RecoveryCodes, ActivateBefore: c.ActivateBefore,
	}
	return s.render(w, r, "credentials", p)
}

func (s *Server) activate(w http.ResponseWriter, r *http.Request) error {
	if err := limit(r, s.AuthLimiter); err != nil {
		return err
	}
	acc, err := s.Accounts.Activate(r.Context(), account.Proof{
		Login: r.PostFormValue("login"), Password: r.PostFormValue("password"), Code: r.PostFormValue("code")})
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.KindInternal || k == apperr.KindUnavailable {
			return err
		}
		p := s.newPage(r, "enrol.title")
		p.Error = errorMessage(lang(r), err)
		p.Data = enrolData{Login: account.NormalizeLogin(r.PostFormValue("login"))}
		return s.renderStatus(w, r, httpStatus(err), "activate", p)
	}
	p := s.newPage(r, "activate.done.title")
	p.Info = T(lang(r), "activate.done", acc.Login, s.formatTime(lang(r), acc.ExpiresAt, false))
	return s.render(w, r, "activated", p)
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
