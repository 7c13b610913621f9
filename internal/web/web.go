// Package web serves the HTML pages: server-rendered, French first and English, usable
// with a keyboard and a screen reader, on a phone, without any script being required.
//
// Sessions live in the database (the account package); the browser holds only an opaque
// token in an HttpOnly cookie. Every state-changing form carries a CSRF token bound to a
// cookie by an HMAC, and cross-origin POSTs are refused outright (Sec-Fetch-Site/Origin).
package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"io/fs"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/app"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/marks"
	"github.com/cartable/cartable/internal/qr"
	"github.com/cartable/cartable/internal/schoolyear"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Server is the pages: the services, and what only the pages need.
type Server struct {
	*app.Services
	AuthLimiter   *httpx.Limiter
	SignupLimiter *httpx.Limiter
	// VerifyLimiter limits the public verification of attestations (per client).
	VerifyLimiter *httpx.Limiter
	// CSRFKey signs CSRF tokens; shared by all instances (a platform secret).
	CSRFKey []byte
	// SecureCookies marks cookies Secure and gives them the __Host- prefix.
	SecureCookies  bool
	TrustedProxies []netip.Prefix
	// PrivacyContact is how to reach the data protection officer, on the privacy
	// notice (--privacy-contact; empty: the notice names the establishment's).
	PrivacyContact string

	pages map[string]*template.Template
}

// Register parses the templates and adds the pages to mux.
func (s *Server) Register(mux *http.ServeMux) ([]httpx.Route, error) {
	if err := s.parse(); err != nil {
		return nil, err
	}
	var routes []httpx.Route
	protect := http.NewCrossOriginProtection()
	open := func(pattern string, h handlerFunc) {
		routes = append(routes, httpx.Route{Pattern: pattern})
		mux.Handle(pattern, protect.Handler(s.wrap(h, false, false)))
	}
	authed := func(pattern string, h handlerFunc) {
		routes = append(routes, httpx.Route{Pattern: pattern, Auth: true})
		mux.Handle(pattern, protect.Handler(s.wrap(h, true, false)))
	}
	// selfChecked routes parse their body themselves (multipart uploads, the grid's JSON)
	// and check its CSRF token.
	selfChecked := func(pattern string, h handlerFunc) {
		routes = append(routes, httpx.Route{Pattern: pattern, Auth: true})
		mux.Handle(pattern, protect.Handler(s.wrap(h, true, true)))
	}
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(http.FileServerFS(static))))
	open("GET /{$}", s.home)
	open("GET /lang/{lang}", s.setLang)
	open("GET /login", s.loginPage)
	open("POST /login", s.loginPassword)
	open("GET /login/code", s.codePage)
	open("POST /login/code", s.loginCode)
	open("POST /logout", s.logout)
	open("GET /enrol/{token}", s.enrolLanding)
	open("POST /enrol/{token}", s.enrolReveal)
	open("POST /activate", s.activate)
	open("GET /renew", s.renewPage)
	open("POST /renew", s.renew)
	open("GET /signup", s.signupPage)
	open("POST /signup", s.signup)
	authed("GET /me", s.mePage)
	authed("GET /classes", s.myClassesPage)
	authed("POST /me/sessions/{id}/revoke", s.revokeSession)
	authed("GET /admin/accounts", s.accountsPage)
	authed("GET /admin/accounts/new", s.newAccountPage)
	authed("POST /admin/accounts", s.createAccount)
	authed("GET /admin/accounts/{id}", s.accountPage)
	authed("POST /admin/accounts/{id}/{action}", s.accountAction)
	authed("POST /admin/letters", s.letters)
	authed("GET /admin/audit", s.auditPage)
	authed("GET /admin/establishments", s.establishmentsPage)
	authed("POST /admin/establishments", s.createEstablishment)
	authed("GET /admin/establishments/{uai}", s.establishmentPage)
	authed("POST /admin/establishments/{uai}", s.updateEstablishment)
	authed("GET /establishments/{uai}", s.dashboard)
	authed("GET /establishments/{uai}/students", s.studentsPage)
	authed("GET /establishments/{uai}/students/{id}", s.studentPage)
	authed("GET /establishments/{uai}/imports", s.importsPage)
	selfChecked("POST /establishments/{uai}/imports", s.upload)
	authed("GET /establishments/{uai}/imports/{id}", s.reportPage)
	authed("POST /establishments/{uai}/letters", s.classLetters)
	authed("GET /establishments/{uai}/classes", s.classTeachersPage)
	authed("POST /establishments/{uai}/classes", s.setClassTeacher)
	authed("GET /establishments/{uai}/evaluations", s.evaluationsPage)
	authed("POST /establishments/{uai}/evaluations", s.createEvaluation)
	authed("GET /establishments/{uai}/evaluations/{id}", s.gridPage)
	authed("POST /establishments/{uai}/evaluations/{id}", s.saveGrid)
	selfChecked("POST /establishments/{uai}/evaluations/{id}/cells", s.saveCells)
	authed("POST /establishments/{uai}/evaluations/{id}/delete", s.deleteEvaluation)
	authed("GET /establishments/{uai}/evaluations/{id}/grid.csv", s.gridCSV)
	selfChecked("POST /establishments/{uai}/evaluations/{id}/grid.csv", s.importGridCSV)
	authed("GET /establishments/{uai}/students/{id}/results", s.resultsPage)
	authed("GET /establishments/{uai}/students/{id}/situations", s.situationsPage)
	authed("POST /establishments/{uai}/students/{id}/situations", s.saveSituation)
	authed("POST /establishments/{uai}/students/{id}/situations/{sid}/assessment", s.assessSituation)
	selfChecked("POST /establishments/{uai}/students/{id}/situations/{sid}/attachments", s.attach)
	authed("GET /establishments/{uai}/students/{id}/attachments/{aid}", s.downloadAttachment)
	authed("POST /establishments/{uai}/students/{id}/situations/{sid}/delete", s.deleteSituation)
	authed("POST /establishments/{uai}/students/{id}/attachments/{aid}/delete", s.deleteAttachment)
	authed("GET /establishments/{uai}/students/{id}/passport.zip", s.studentPassportZIP)
	authed("GET /establishments/{uai}/transfers", s.transfersPage)
	authed("POST /establishments/{uai}/transfers/requests/{id}/{action}", s.decideTransfer)
	authed("GET /admin/jobs", s.jobsPage)
	authed("POST /admin/jobs/{job}", s.runJob)
	authed("GET /me/passport", s.passportPage)
	authed("GET /me/passport.zip", s.passportZIP)
	authed("POST /me/notices/{id}/read", s.readNotice)
	authed("POST /me/notices/read", s.readAllNotices)
	authed("POST /me/email", s.requestEmail)
	authed("POST /me/email/remove", s.removeEmail)
	open("GET /email/confirm", s.confirmEmailPage)
	open("POST /email/confirm", s.confirmEmail)
	open("GET /privacy", s.privacyPage)
	authed("GET /admin/privacy", s.privacyRegisterPage)
	routes = append(routes, s.registerSSO(mux, open, authed, selfChecked)...)
	s.graduationRoutes(authed, selfChecked)
	s.schoolYearRoutes(open, authed, selfChecked)
	s.marksRoutes(authed, selfChecked)
	s.agreementRoutes(authed, selfChecked)
	mux.Handle("/", s.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return apperr.NotFound("not_found", "no such page")
	}, false, false))
	return routes, nil
}

func staticHandler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// handlerFunc is a page handler; it returns an error instead of writing one.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// passportOnlyPages are the pages a student who left may still open.
var passportOnlyPages = map[string]bool{
	"GET /me/passport":     true,
	"GET /me/passport.zip": true,
	"POST /logout":         true,
	"GET /lang/{lang}":     true,
	"GET /privacy":         true,
}

type ctxKey int

const (
	principalKey ctxKey = iota
	langKey
	csrfKey
)

func principal(r *http.Request) *authz.Principal {
	p, _ := r.Context().Value(principalKey).(*authz.Principal)
	return p
}

func lang(r *http.Request) string {
	l, _ := r.Context().Value(langKey).(string)
	if l == "" {
		return langFR
	}
	return l
}

// wrap loads the session, enforces login (needAuth) and CSRF, and renders errors. A
// multipart handler checks the CSRF field of its form itself (checkCSRFValue): parsing
// the form here would read the whole upload into memory.
func (s *Server) wrap(h handlerFunc, needAuth, multipart bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		l := language(r)
		if c, err := r.Cookie(s.cookieName("session")); err == nil {
			if p, err := s.Accounts.Authenticate(ctx, c.Value, account.KindWeb); err == nil {
				ctx = context.WithValue(ctx, principalKey, p)
				if _, err := r.Cookie("lang"); err != nil && (p.Lang == langFR || p.Lang == langEN) {
					l = p.Lang
				}
			}
		}
		ctx = context.WithValue(ctx, langKey, l)
		ctx = context.WithValue(ctx, csrfKey, s.csrfCookie(w, r))
		r = r.WithContext(ctx)
		httpx.NoStore(w) // pages show personal data: never cache them
		err := func() error {
			if r.Method == http.MethodPost && !multipart && !s.checkCSRF(r) {
				return apperr.Forbidden("csrf", "CSRF check failed")
			}
			if needAuth && principal(r) == nil {
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return nil
				}
				return apperr.Unauthenticated("unauthenticated", "not logged in")
			}
			// Every page of an establishment checks first that the caller has a role there.
			if uai := r.PathValue("uai"); uai != "" && principal(r) != nil && strings.HasPrefix(r.URL.Path, "/establishments/") {
				if _, err := s.Establishments.Resolve(r.Context(), principal(r), uai); err != nil {
					return err
				}
			}
			// A student who left may only download his passport (seed 001, section d).
			if p := principal(r); p != nil && p.PassportOnly && !passportOnlyPages[r.Pattern] {
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/me/passport", http.StatusSeeOther)
					return nil
				}
				return apperr.Forbidden("passport_only", "passport only")
			}
			return h(w, r)
		}()
		if err != nil {
			s.renderError(w, r, err)
		}
	})
}

func (s *Server) cookieName(name string) string {
	if s.SecureCookies {
		return "__Host-cartable_" + name
	}
	return "cartable_" + name
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration, sameSite http.SameSite) {
	c := &http.Cookie{Name: s.cookieName(name), Value: value, Path: "/", HttpOnly: true, Secure: s.SecureCookies, SameSite: sameSite}
	if maxAge > 0 {
		c.MaxAge = int(maxAge.Seconds())
	} else if maxAge < 0 {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// csrfCookie returns the browser's CSRF cookie value, creating it when missing.
func (s *Server) csrfCookie(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.cookieName("csrf")); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	s.setCookie(w, "csrf", v, 0, http.SameSiteStrictMode)
	// The form rendered in this very response must match the cookie just set.
	r.AddCookie(&http.Cookie{Name: s.cookieName("csrf"), Value: v})
	return v
}

// csrfToken is the value forms carry: an HMAC of the CSRF cookie, so a token cannot be
// forged without the server's key even by someone able to plant a cookie.
func (s *Server) csrfToken(r *http.Request) string {
	v, _ := r.Context().Value(csrfKey).(string)
	m := hmac.New(sha256.New, s.CSRFKey)
	m.Write([]byte("csrf:" + v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) checkCSRF(r *http.Request) bool {
	return s.checkCSRFValue(r, r.PostFormValue("csrf"))
}

// checkCSRFValue checks a CSRF token against the request's cookie.
func (s *Server) checkCSRFValue(r *http.Request, token string) bool {
	c, err := r.Cookie(s.cookieName("csrf"))
	if err != nil {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, s.CSRFKey)
	m.Write([]byte("csrf:" + c.Value))
	return hmac.Equal(got, m.Sum(nil))
}

// page is the data every template gets.
type page struct {
	Title string
	Lang  string
	User  *authz.Principal
	CSRF  string
	Path  string
	Error string
	Info  string
	Data  any
	s     *Server
	r     *http.Request
}

func (s *Server) newPage(r *http.Request, titleKey string, titleArgs ...any) *page {
	return &page{Title: T(lang(r), titleKey, titleArgs...), Lang: lang(r), User: principal(r), CSRF: s.csrfToken(r), Path: r.URL.Path, s: s, r: r}
}

func (s *Server) parse() error {
	s.pages = map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "partials" || base == "sso_blocks" {
			continue
		}
		t, err := template.New("layout.html").Funcs(s.funcs()).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/sso_blocks.html", n)
		if err != nil {
			return fmt.Errorf("template %s: %w", n, err)
		}
		s.pages[base] = t
	}
	return nil
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		// t is replaced per render with the page's language; this one only lets parsing succeed.
		"t":        func(key string, args ...any) string { return T(langFR, key, args...) },
		"date":     func(t any) string { return "" },
		"datetime": func(t any) string { return "" },
		"admin":    func() bool { return false },
		"staff":    func() bool { return false },
		"estName":  func(uai string) string { return uai },
		"person":   func(login string) string { return login },
		"size":     func(n int64) string { return "" },
		"list":     func(v ...string) []string { return v },
		"inc":      func(n int) int { return n + 1 },
		"coef":     schoolyear.FormatCoefficient,
		"avg":      func(v int64) string { return "" },
		"points":   func(v int64) string { return "" },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}

// render writes a page with status 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p *page) error {
	return s.renderStatus(w, r, http.StatusOK, name, p)
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, p *page) error {
	t, ok := s.pages[name]
	if !ok {
		return apperr.Internal(fmt.Errorf("no template %q", name))
	}
	l := p.Lang
	t, err := t.Clone()
	if err != nil {
		return apperr.Internal(err)
	}
	t.Funcs(template.FuncMap{
		"t":        func(key string, args ...any) string { return T(l, key, args...) },
		"date":     func(v any) string { return s.formatTime(l, v, false) },
		"datetime": func(v any) string { return s.formatTime(l, v, true) },
		"admin": func() bool {
			return p.User != nil && (p.User.IsPlatformAdmin() || len(p.User.Establishments(authz.RoleAdmin)) > 0)
		},
		"staff":   func() bool { return isStaff(p.User) },
		"estName": s.establishmentNames(p.r),
		"person":  s.personNames(p.r),
		"size":    func(n int64) string { return fileSize(l, n) },
		// Marks: an average with its two decimals, points (an out of, a coefficient).
		"avg":    func(v int64) string { return marks.FormatAverage(v, l) },
		"points": func(v int64) string { return marks.FormatPoints(v, l) },
	})
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		return apperr.Internal(fmt.Errorf("render %s: %w", name, err))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err = w.Write(buf.Bytes())
	return err
}

// formatTime shows an instant in Paris time, the French way or the English way.
func (s *Server) formatTime(l string, v any, withTime bool) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return "—"
		}
		t = *x
	case string: // a civil date, YYYY-MM-DD
		if x == "" {
			return "—"
		}
		d, err := calendar.ParseDate(x)
		if err != nil {
			return x
		}
		t = d
	default:
		return ""
	}
	if t.IsZero() {
		return "—"
	}
	if withTime {
		return calendar.LongDateTime(l, t)
	}
	return calendar.LongDate(l, t)
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	e := apperr.As(err)
	status := httpx.Status(e.Kind)
	if status >= 500 && e.Kind != apperr.KindUnavailable {
		s.Log.ErrorContext(r.Context(), "page failed", "err", err, "request_id", httpx.RequestID(r.Context()), "path", r.URL.Path)
	}
	httpx.SetRetryAfter(w, e.RetryAfter)
	p := s.newPage(r, "error.title")
	p.Error = errorMessage(lang(r), err)
	if rerr := s.renderStatus(w, r, status, "error", p); rerr != nil {
		http.Error(w, p.Error, status)
	}
}

// limit spends a token of the per-IP bucket l.
func limit(r *http.Request, l *httpx.Limiter) error {
	if l == nil {
		return nil
	}
	if ok, wait := l.Allow(audit.SourceFrom(r.Context()).IP); !ok {
		return apperr.TooMany("too_many_attempts", wait, "too many attempts")
	}
	return nil
}

func (s *Server) client(r *http.Request) account.Client {
	return account.Client{IP: audit.SourceFrom(r.Context()).IP, UserAgent: r.UserAgent()}
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request) error {
	l := r.PathValue("lang")
	if l != langFR && l != langEN {
		l = langFR
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true, Secure: s.SecureCookies})
	http.Redirect(w, r, safeNext(r.URL.Query().Get("back")), http.StatusSeeOther)
	return nil
}

// qrImage is a QR code ready for an <img>: its data URL and its size in pixels. Pages
// show it at its own size, so that every module stays a whole number of pixels and a
// phone camera (or a screenshot) reads it back reliably.
type qrImage struct {
	Src  template.URL
	Size int
}

func newQRImage(content string, px int) (qrImage, error) {
	b, err := qr.PNG(content, px)
	if err != nil {
		return qrImage{}, apperr.Internal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return qrImage{}, apperr.Internal(err)
	}
	// A data URL of a PNG we just rendered: safe to mark as a URL for the template.
	return qrImage{Src: template.URL(qr.DataURLPrefix + base64.StdEncoding.EncodeToString(b)), Size: cfg.Width}, nil
}

// establishmentNames returns, for one page, a function naming an establishment by its
// UAI ("Lycée des Canuts" rather than 0691234S), the UAI itself when none is known. The
// name of a UAI is public (the national directory): no access check.
func (s *Server) establishmentNames(r *http.Request) func(string) string {
	names := map[string]string{}
	return func(uai string) string {
		if uai == "" {
			return ""
		}
		if n, ok := names[uai]; ok {
			return n
		}
		n := uai
		if r != nil {
			if e, err := s.Establishments.ByUAI(r.Context(), uai); err == nil && e.Name != "" {
				n = e.Name
			}
		}
		names[uai] = n
		return n
	}
}

// fileSize writes a size the way people read it: "28 ko", "1,2 Mo" (English: "28 kB",
// "1.2 MB"), in powers of 1,000 as file managers do.
func fileSize(l string, n int64) string {
	units := []string{"o", "ko", "Mo", "Go"}
	if l == langEN {
		units = []string{"B", "kB", "MB", "GB"}
	}
	v, i := float64(n), 0
	for v >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	var out string
	switch {
	case i == 0:
		out = fmt.Sprintf("%d", n)
	case v < 10:
		out = fmt.Sprintf("%.1f", v)
	default:
		out = fmt.Sprintf("%.0f", v)
	}
	if l != langEN {
		out = strings.Replace(out, ".", ",", 1)
		return out + "\u00a0" + units[i]
	}
	return out + " " + units[i]
}

// personNames returns, for one page, a function naming an account by its display name
// (the author of an evaluation: "Karim Benali" rather than prof.canuts).
func (s *Server) personNames(r *http.Request) func(string) string {
	names := map[string]string{}
	return func(login string) string {
		if login == "" || r == nil {
			return login
		}
		if n, ok := names[login]; ok {
			return n
		}
		n := s.Accounts.DisplayName(r.Context(), login)
		names[login] = n
		return n
	}
}
