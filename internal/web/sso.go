package web

import (
	"context"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/sso"
)

// The single sign-on pages (docs/sso.md): the login page's buttons (template block
// sso_buttons), the start of a login or a link, the provider's callback, the
// unknown-identity page, the account's linked identities, and what providers post
// (CAS single-logout requests, OpenID Connect back-channel logout tokens).
//
// Cookies: the flow token goes in a SameSite=Lax cookie, which comes back with the
// provider's top-level redirect; the second step's pending token is SameSite=Strict,
// so the callback shows the code page itself (its form posts from this site) instead
// of redirecting to it, which would be a cross-site navigation still.

// maxLogoutBody caps what a provider posts to end a session (a CAS logoutRequest is a
// few hundred bytes, a logout token a few kilobytes).
const maxLogoutBody = 64 << 10

// registerSSO adds the single sign-on pages.
func (s *Server) registerSSO(mux *http.ServeMux, open, authed, selfChecked func(string, handlerFunc)) []httpx.Route {
	s.registerSSOAdmin(authed, selfChecked)
	open("POST /sso/{provider}/login", s.ssoBegin)
	open("GET /sso/{provider}/callback", s.ssoCallback)
	authed("GET /me/sso", s.ssoAccountPage)
	authed("POST /me/sso/{provider}/link", s.ssoLink)
	authed("POST /me/sso/links/{id}/unlink", s.ssoUnlink)
	// Providers post these from their servers: no browser, no cookie, no CSRF token;
	// what they carry (a validated ticket, a signed token) is the proof.
	machine := func(pattern string, h func(ctx context.Context, provider, value string) (int, error), field string) httpx.Route {
		mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpx.NoStore(w)
			r.Body = http.MaxBytesReader(w, r.Body, maxLogoutBody)
			if err := r.ParseForm(); err != nil {
				http.Error(w, "bad request", http.StatusBadRequest)
				return
			}
			n, err := h(r.Context(), r.PathValue("provider"), r.PostForm.Get(field))
			if err != nil {
				status := httpx.Status(apperr.KindOf(err))
				if status >= 500 {
					s.Log.ErrorContext(r.Context(), "single logout failed", "err", err, "path", r.URL.Path)
				}
				http.Error(w, apperr.CodeOf(err), status)
				return
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, strconv.Itoa(n)+" session(s) ended\n")
		}))
		return httpx.Route{Pattern: pattern}
	}
	return []httpx.Route{
		machine("POST /sso/{provider}/callback", s.SSO.CASSingleLogout, "logoutRequest"),
		machine("POST /sso/{provider}/backchannel-logout", s.SSO.BackChannelLogout, "logout_token"),
	}
}

// SSOProviders are the buttons of the login page: the enabled providers allowed by the
// establishment in play (the uai of the query, or of the page the login leads to),
// or by any establishment.
func (p *page) SSOProviders() []sso.Provider {
	if p.s == nil || p.s.SSO == nil || p.r == nil {
		return nil
	}
	ctx := p.r.Context()
	var id int64
	if uai := establishmentInPlay(p.r); uai != "" {
		if e, err := p.s.Establishments.ByUAI(ctx, uai); err == nil {
			id = e.ID
		}
	}
	ps, err := p.s.SSO.LoginProviders(ctx, id)
	if err != nil {
		p.s.Log.ErrorContext(ctx, "login providers", "err", err)
		return nil
	}
	return ps
}

// establishmentInPlay is the uai a login page is about: ?uai=, or the establishment
// of the page the login leads to (next=/establishments/{uai}/…).
func establishmentInPlay(r *http.Request) string {
	q := r.URL.Query()
	if uai := q.Get("uai"); uai != "" && len(uai) <= 16 {
		return uai
	}
	next := q.Get("next")
	if next == "" {
		next = r.PostFormValue("next")
	}
	if rest, ok := strings.CutPrefix(safeNext(next), "/establishments/"); ok {
		uai, _, _ := strings.Cut(rest, "/")
		uai, _, _ = strings.Cut(uai, "?")
		if len(uai) <= 16 {
			return uai
		}
	}
	return ""
}

// ssoBegin sends the browser to the provider.
func (s *Server) ssoBegin(w http.ResponseWriter, r *http.Request) error {
	if err := limit(r, s.AuthLimiter); err != nil {
		return err
	}
	st, err := s.SSO.BeginLogin(r.Context(), r.PathValue("provider"), safeNext(r.PostFormValue("next")))
	if err != nil {
		return err
	}
	return s.startFlow(w, r, st)
}

// startFlow keeps the flow token in its cookie and sends the browser to the provider.
// Not with a redirect: the pages' Content-Security-Policy (form-action 'self') stops a
// form's submission from being redirected to another site, and rightly so. A page
// that refreshes itself to the provider (no script needed), with a link for
// browsers that do not, is a navigation of its own.
func (s *Server) startFlow(w http.ResponseWriter, r *http.Request, st sso.Start) error {
	s.setCookie(w, "sso_flow", st.FlowToken, st.ExpiresAt.Sub(s.Now()), http.SameSiteLaxMode)
	return toProvider(w, r, st.URL, "sso.redirect.title", "sso.redirect.go")
}

// toProvider writes the page that takes the browser to a provider's URL.
func toProvider(w http.ResponseWriter, r *http.Request, target, titleKey, goKey string) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Referrer-Policy", "no-referrer")
	return ssoRedirectPage.Execute(w, map[string]string{"Lang": lang(r), "URL": target,
		"Title": T(lang(r), titleKey), "Go": T(lang(r), goKey)})
}

var ssoRedirectPage = template.Must(template.New("redirect").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url={{.URL}}">
<title>{{.Title}} – cartable</title><link rel="stylesheet" href="/static/style.css"></head>
<body><main id="main"><h1>{{.Title}}</h1><p><a class="button" id="sso-go" href="{{.URL}}">{{.Go}}</a></p></main></body></html>
`))

// ssoCallback is where the provider sends the browser back.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) error {
	if err := limit(r, s.AuthLimiter); err != nil {
		return err
	}
	var token string
	if c, err := r.Cookie(s.cookieName("sso_flow")); err == nil {
		token = c.Value
	}
	s.setCookie(w, "sso_flow", "", -1, http.SameSiteLaxMode)
	provider := r.PathValue("provider")
	res, err := s.SSO.Finish(r.Context(), provider, token, r.URL.Query(), s.client(r))
	if err != nil {
		return s.ssoFailed(w, r, provider, err)
	}
	if res.Purpose == sso.PurposeLink {
		http.Redirect(w, r, "/me/sso?linked="+strconv.FormatInt(res.Link.ID, 10), http.StatusSeeOther)
		return nil
	}
	next := safeNext(res.ReturnTo)
	s.setCookie(w, "session", "", -1, http.SameSiteLaxMode)
	if res.Session.Pending {
		// The provider vouched for the person; cartable's code is the second step.
		s.setCookie(w, "pending", res.Session.Token, account.PendingLoginTTL, http.SameSiteStrictMode)
		p := s.newPage(r, "login.code.title")
		label := res.Provider
		if prov, err := s.SSO.Provider(r.Context(), res.Provider); err == nil {
			label = prov.Label
		}
		p.Info = T(lang(r), "sso.code.info", label)
		p.Data = codeData{Next: next}
		return s.render(w, r, "code", p)
	}
	s.setCookie(w, "session", res.Session.Token, 0, http.SameSiteLaxMode)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// ssoUnknownData is what the unknown-identity page shows.
type ssoUnknownData struct {
	Provider string
}

// ssoFailed shows why a callback did not log the person in: the unknown-identity page,
// or the login page with the reason.
func (s *Server) ssoFailed(w http.ResponseWriter, r *http.Request, provider string, err error) error {
	if k := apperr.KindOf(err); k == apperr.KindInternal {
		return err
	}
	if apperr.CodeOf(err) == sso.ErrUnknownIdentity.Code {
		label := provider
		if prov, perr := s.SSO.Provider(r.Context(), provider); perr == nil {
			label = prov.Label
		}
		p := s.newPage(r, "sso.unknown.title")
		p.Data = ssoUnknownData{Provider: label}
		return s.renderStatus(w, r, http.StatusForbidden, "sso_unknown", p)
	}
	p := s.newPage(r, "login.title")
	p.Error = errorMessage(lang(r), err)
	p.Data = loginData{Next: "/", SelfSignup: s.Accounts.Policy().SelfSignup}
	return s.renderStatus(w, r, httpStatus(err), "login", p)
}

// ssoAccountData is the page of the identities linked to one's account.
type ssoAccountData struct {
	Links []sso.Link
	// Providers are those the person may link: allowed by every establishment where
	// he holds a role, and not linked yet.
	Providers []sso.Provider
	// CartableLogin reports a session opened with cartable's password and code, the
	// only kind that may link an identity.
	CartableLogin bool
}

func (s *Server) ssoAccountPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	ctx := r.Context()
	links, err := s.SSO.Links(ctx, p, p.AccountID)
	if err != nil {
		return err
	}
	d := ssoAccountData{Links: links}
	if d.CartableLogin, err = s.SSO.CartableSession(ctx, p); err != nil {
		return err
	}
	if d.Providers, err = s.linkable(ctx, p, links); err != nil {
		return err
	}
	pg := s.newPage(r, "sso.account.title")
	if id := r.URL.Query().Get("linked"); id != "" {
		for _, l := range links {
			if strconv.FormatInt(l.ID, 10) == id {
				pg.Info = T(lang(r), "sso.account.linked", l.Label)
			}
		}
	}
	pg.Data = d
	return s.render(w, r, "sso_account", pg)
}

// linkable lists the providers every establishment of p allows, not linked yet.
func (s *Server) linkable(ctx context.Context, p *authz.Principal, links []sso.Link) ([]sso.Provider, error) {
	count := map[string]int{}
	ests := 0
	seen := map[int64]bool{}
	for _, m := range p.Roles {
		if m.Role == authz.RolePlatformAdmin {
			return nil, nil
		}
		if seen[m.EstablishmentID] {
			continue
		}
		seen[m.EstablishmentID] = true
		ests++
		ps, err := s.SSO.LoginProviders(ctx, m.EstablishmentID)
		if err != nil {
			return nil, err
		}
		for _, pr := range ps {
			count[pr.Name]++
		}
	}
	if ests == 0 {
		return nil, nil
	}
	linked := map[string]bool{}
	for _, l := range links {
		linked[l.Provider] = true
	}
	all, err := s.SSO.LoginProviders(ctx, 0)
	if err != nil {
		return nil, err
	}
	var out []sso.Provider
	for _, pr := range all {
		if count[pr.Name] == ests && !linked[pr.Name] {
			out = append(out, pr)
		}
	}
	return out, nil
}

// ssoLink sends the browser to the provider to link the identity it will name.
func (s *Server) ssoLink(w http.ResponseWriter, r *http.Request) error {
	st, err := s.SSO.BeginLink(r.Context(), principal(r), r.PathValue("provider"), "/me/sso")
	if err != nil {
		return err
	}
	return s.startFlow(w, r, st)
}

func (s *Server) ssoUnlink(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound("sso_link_not_found", "no such link")
	}
	if err := s.SSO.Unlink(r.Context(), principal(r), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/me/sso", http.StatusSeeOther)
	return nil
}

// providerLogout is where a logout sends the browser after ending the cartable
// session: the provider's logout when a provider opened the session (it comes back to
// the login page), the login page otherwise. Asked before the session ends.
func (s *Server) providerLogout(r *http.Request) string {
	p := principal(r)
	if p == nil || p.SessionID == 0 {
		return "/login"
	}
	u, err := s.SSO.LogoutURL(r.Context(), p.SessionID, s.SSO.AfterLogoutURL())
	if err != nil {
		// The cartable session ends whatever the provider's state.
		s.Log.WarnContext(r.Context(), "provider logout URL", "err", err)
		return "/login"
	}
	if u == "" {
		return "/login"
	}
	return u
}
