package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/sso"
)

// Single sign-on administration (docs/sso.md): identity providers (platform
// administrators), what an establishment allows and its policies (its administrators),
// the links of accounts, and a CSV of external identities per establishment. The
// logins themselves are browser redirects: pages only (internal/web/sso.go).

func (s *Server) registerSSO(authed func(string, authFunc)) {
	authed("GET /api/v1/sso/providers", s.listProviders)
	authed("POST /api/v1/sso/providers", s.createProvider)
	authed("PATCH /api/v1/sso/providers/{name}", s.updateProvider)
	authed("GET /api/v1/establishments/{uai}/sso", s.ssoSettings)
	authed("PUT /api/v1/establishments/{uai}/sso/providers/{name}", s.allowProvider)
	authed("DELETE /api/v1/establishments/{uai}/sso/providers/{name}", s.disallowProvider)
	authed("PUT /api/v1/establishments/{uai}/sso/policies/{role}", s.setPolicy)
	authed("POST /api/v1/establishments/{uai}/sso/links", s.importLinks)
	authed("GET /api/v1/accounts/{id}/sso-links", s.accountLinks)
	authed("POST /api/v1/accounts/{id}/sso-links", s.linkAccount)
	authed("DELETE /api/v1/sso-links/{id}", s.unlink)
	authed("GET /api/v1/me/sso-links", s.myLinks)
}

// providerRequest declares or changes a provider. On update, absent fields keep their
// value and an absent client_secret keeps the stored one.
type providerRequest struct {
	Name         string   `json:"name"`
	Label        *string  `json:"label"`
	Kind         *string  `json:"kind"`
	Enabled      *bool    `json:"enabled"`
	CASURL       *string  `json:"cas_url"`
	CASProtocol  *int     `json:"cas_protocol"`
	Issuer       *string  `json:"issuer"`
	ClientID     *string  `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Scopes       []string `json:"scopes"`
	Identity     *string  `json:"identity"`
}

func (q providerRequest) over(in sso.ProviderInput) sso.ProviderInput {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Label, q.Label)
	if q.Kind != nil {
		in.Kind = sso.Kind(*q.Kind)
	}
	in.Enabled = q.Enabled
	set(&in.CASURL, q.CASURL)
	if q.CASProtocol != nil {
		in.CASProtocol = *q.CASProtocol
	}
	set(&in.Issuer, q.Issuer)
	set(&in.ClientID, q.ClientID)
	in.ClientSecret = q.ClientSecret
	if q.Scopes != nil {
		if len(q.Scopes) > sso.MaxScopes {
			q.Scopes = q.Scopes[:sso.MaxScopes+1] // normalize refuses it with its message
		}
		in.Scopes = q.Scopes
	}
	set(&in.Identity, q.Identity)
	return in
}

func (s *Server) listProviders(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	ps, err := s.SSO.Providers(r.Context(), p)
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []sso.Provider{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"providers": ps})
	return nil
}

func (s *Server) createProvider(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	if !p.IsPlatformAdmin() {
		return apperr.Forbidden("forbidden", "only a platform administrator declares identity providers")
	}
	var req providerRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	pr, err := s.SSO.CreateProvider(r.Context(), p, req.over(sso.ProviderInput{Name: req.Name}))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, pr)
	return nil
}

func (s *Server) updateProvider(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	if !p.IsPlatformAdmin() {
		return apperr.Forbidden("forbidden", "only a platform administrator changes identity providers")
	}
	var req providerRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	old, err := s.SSO.Provider(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	pr, err := s.SSO.UpdateProvider(r.Context(), p, req.over(old.Input()))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, pr)
	return nil
}

func (s *Server) ssoSettings(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	e, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin)
	if err != nil {
		return err
	}
	st, err := s.SSO.Settings(r.Context(), p, e.ID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"uai": e.UAI, "providers": st.Providers, "policies": st.Policies})
	return nil
}

func (s *Server) allowProvider(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	return s.setAllowed(w, r, p, true)
}

func (s *Server) disallowProvider(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	return s.setAllowed(w, r, p, false)
}

func (s *Server) setAllowed(w http.ResponseWriter, r *http.Request, p *authz.Principal, allowed bool) error {
	e, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin)
	if err != nil {
		return err
	}
	if err := s.SSO.AllowProvider(r.Context(), p, e.ID, r.PathValue("name"), allowed); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) setPolicy(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	e, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin)
	if err != nil {
		return err
	}
	var req struct {
		Policy string `json:"policy"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	pol, err := sso.ParsePolicy(req.Policy)
	if err != nil {
		return err
	}
	if err := s.SSO.SetPolicy(r.Context(), p, e.ID, authz.Role(r.PathValue("role")), pol); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// maxLinksCSV caps a CSV of external identities (20,000 lines of two short fields).
const maxLinksCSV = 4 << 20

// importLinks links the identities of a CSV body (text/csv), ?provider=NAME,
// ?dry_run=true to check only.
func (s *Server) importLinks(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	if _, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin); err != nil {
		return err
	}
	if r.ContentLength > maxLinksCSV {
		return apperr.TooLarge("too_large", "the file is over %d bytes", maxLinksCSV)
	}
	q := r.URL.Query()
	dry, _ := strconv.ParseBool(q.Get("dry_run"))
	body := http.MaxBytesReader(w, r.Body, maxLinksCSV)
	rep, err := s.Importer.Links(r.Context(), p, r.PathValue("uai"), q.Get("provider"), io.Reader(body), dry)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.TooLarge("too_large", "the file is over %d bytes", maxLinksCSV)
		}
		return err
	}
	status := http.StatusOK
	if !dry {
		status = http.StatusCreated
	}
	httpx.WriteJSON(w, status, rep)
	return nil
}

func (s *Server) accountLinks(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ls, err := s.SSO.Links(r.Context(), p, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"links": ls})
	return nil
}

func (s *Server) linkAccount(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// Whose account it is comes before what the body says.
	if _, err := s.Accounts.Get(r.Context(), p, id); err != nil {
		return err
	}
	var req struct {
		Provider   string `json:"provider"`
		ExternalID string `json:"external_id"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	l, err := s.SSO.Link(r.Context(), p, id, req.Provider, req.ExternalID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, l)
	return nil
}

func (s *Server) unlink(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.SSO.Unlink(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) myLinks(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	ls, err := s.SSO.Links(r.Context(), p, p.AccountID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"links": ls})
	return nil
}
