package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/sso"
)

// The administration of single sign-on: the platform's identity providers
// (/admin/sso) and an establishment's choices (/establishments/{uai}/sso): the
// providers it allows, the policy of each role, links set by hand or by a CSV.

func (s *Server) registerSSOAdmin(authed, selfChecked func(string, handlerFunc)) {
	authed("GET /admin/sso", s.ssoProvidersPage)
	authed("POST /admin/sso/providers", s.ssoCreateProvider)
	authed("POST /admin/sso/providers/{name}", s.ssoToggleProvider)
	authed("GET /establishments/{uai}/sso", s.ssoEstablishmentPage)
	authed("POST /establishments/{uai}/sso", s.ssoSaveEstablishment)
	authed("POST /establishments/{uai}/sso/link", s.ssoAdminLink)
	selfChecked("POST /establishments/{uai}/sso/import", s.ssoImport)
	authed("POST /establishments/{uai}/sso/links/{id}/unlink", s.ssoAdminUnlink)
}

type ssoProvidersData struct {
	Providers []sso.Provider
	Platform  bool
	// Form is what was typed in the new provider's form (kept after a refusal).
	Form map[string]string
	// CallbackBase shows the URLs to register at a provider.
	CallbackBase, AfterLogout string
}

func (s *Server) ssoProvidersPage(w http.ResponseWriter, r *http.Request) error {
	return s.showProviders(w, r, http.StatusOK, "", "", nil)
}

func (s *Server) showProviders(w http.ResponseWriter, r *http.Request, status int, info, errMsg string, form map[string]string) error {
	p := principal(r)
	ps, err := s.SSO.Providers(r.Context(), p)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "sso.admin.title")
	pg.Info, pg.Error = info, errMsg
	if form == nil {
		form = map[string]string{"kind": "cas"}
	}
	pg.Data = ssoProvidersData{Providers: ps, Platform: p.IsPlatformAdmin(), Form: form,
		CallbackBase: strings.TrimSuffix(s.SSO.CallbackURL("NOM"), "NOM/callback"), AfterLogout: s.SSO.AfterLogoutURL()}
	return s.renderStatus(w, r, status, "sso_providers", pg)
}

func (s *Server) ssoCreateProvider(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.IsPlatformAdmin() {
		return apperr.Forbidden("forbidden", "only a platform administrator declares identity providers")
	}
	form := map[string]string{}
	for _, k := range []string{"name", "label", "kind", "cas_url", "cas_protocol", "issuer", "client_id", "scopes", "identity"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	in := sso.ProviderInput{Name: form["name"], Label: form["label"], Kind: sso.Kind(form["kind"]), CASURL: form["cas_url"],
		Issuer: form["issuer"], ClientID: form["client_id"], ClientSecret: r.PostFormValue("client_secret"), Identity: form["identity"]}
	if form["kind"] != string(sso.KindOIDC) {
		in.Issuer, in.ClientID, in.ClientSecret = "", "", ""
	} else {
		in.CASURL = ""
	}
	if v := form["cas_protocol"]; v != "" && in.Kind == sso.KindCAS {
		in.CASProtocol, _ = strconv.Atoi(v)
	}
	if f := strings.Fields(strings.ReplaceAll(form["scopes"], ",", " ")); len(f) > 0 && in.Kind == sso.KindOIDC {
		in.Scopes = f
	}
	prov, err := s.SSO.CreateProvider(r.Context(), p, in)
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.KindInternal || k == apperr.KindUnavailable {
			return err
		}
		return s.showProviders(w, r, httpStatus(err), "", errorMessage(lang(r), err), form)
	}
	return s.showProviders(w, r, http.StatusOK, T(lang(r), "sso.admin.created", prov.Label, s.SSO.CallbackURL(prov.Name)), "", nil)
}

func (s *Server) ssoToggleProvider(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.IsPlatformAdmin() {
		return apperr.Forbidden("forbidden", "only a platform administrator changes identity providers")
	}
	old, err := s.SSO.Provider(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	on := r.PostFormValue("enabled") == "on"
	in := old.Input()
	in.Enabled = &on
	if _, err := s.SSO.UpdateProvider(r.Context(), p, in); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/sso", http.StatusSeeOther)
	return nil
}

// ssoEstablishmentData is an establishment's single sign-on page.
type ssoEstablishmentData struct {
	E         establishment.Establishment
	Providers []ssoChoice
	Policies  []ssoPolicyRow
	Report    *importer.LinksReport
	Link      map[string]string
	// PolicyChoices are the policies a role may get.
	PolicyChoices []sso.Policy
	// Links are those of the establishment's accounts (a page of them, by login).
	Links []ssoLinkRow
	// Page, More: the page of accounts whose links are shown (ssoAccountsPage a page).
	Page, Prev, Next int
	More             bool
}

// ssoLinkRow is a link with the login of its account.
type ssoLinkRow struct {
	sso.Link
	Login string
}

// ssoAccountsPage is how many accounts a page of links covers.
const ssoAccountsPage = 500

type ssoChoice struct {
	sso.Provider
	Allowed bool
}

type ssoPolicyRow struct {
	Role   authz.Role
	Policy sso.Policy
}

// ssoRoles are the roles whose policy an establishment sets.
var ssoRoles = []authz.Role{authz.RoleAdmin, authz.RoleTeacher, authz.RoleInspector, authz.RoleStudent, authz.RoleParent}

// ssoPolicies are the policies, strictest last.
var ssoPolicies = []sso.Policy{sso.PolicySSOOnly, sso.PolicySSOThenTOTP, sso.PolicyCartableOnly}

func (s *Server) ssoEstablishmentPage(w http.ResponseWriter, r *http.Request) error {
	return s.showEstablishmentSSO(w, r, http.StatusOK, "", "", nil, nil)
}

func (s *Server) showEstablishmentSSO(w http.ResponseWriter, r *http.Request, status int, info, errMsg string, rep *importer.LinksReport, link map[string]string) error {
	p := principal(r)
	e, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin)
	if err != nil {
		return err
	}
	st, err := s.SSO.Settings(r.Context(), p, e.ID)
	if err != nil {
		return err
	}
	ps, err := s.SSO.Providers(r.Context(), p)
	if err != nil {
		return err
	}
	allowed := map[string]bool{}
	for _, n := range st.Providers {
		allowed[n] = true
	}
	d := ssoEstablishmentData{E: e, Report: rep, Link: link, PolicyChoices: ssoPolicies}
	for _, pr := range ps {
		d.Providers = append(d.Providers, ssoChoice{pr, allowed[pr.Name]})
	}
	for _, role := range ssoRoles {
		d.Policies = append(d.Policies, ssoPolicyRow{role, st.Policies[role]})
	}
	if d.Link == nil {
		d.Link = map[string]string{}
	}
	d.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	d.Page = max(d.Page, 0)
	accs, err := s.Accounts.List(r.Context(), p, account.ListFilter{EstablishmentID: e.ID, Limit: ssoAccountsPage + 1, Offset: d.Page * ssoAccountsPage})
	if err != nil {
		return err
	}
	d.Prev, d.Next = d.Page-1, d.Page+1
	if d.More = len(accs) > ssoAccountsPage; d.More {
		accs = accs[:ssoAccountsPage]
	}
	links, err := s.SSO.LinksOfAccounts(r.Context(), p, accs)
	if err != nil {
		return err
	}
	logins := map[int64]string{}
	for _, a := range accs {
		logins[a.ID] = a.Login
	}
	for _, l := range links {
		d.Links = append(d.Links, ssoLinkRow{l, logins[l.AccountID]})
	}
	pg := s.newPage(r, "sso.est.title", e.Name)
	pg.Info, pg.Error = info, errMsg
	pg.Data = d
	return s.renderStatus(w, r, status, "sso_establishment", pg)
}

// ssoSaveEstablishment saves the allowed providers and the policies.
func (s *Server) ssoSaveEstablishment(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	ctx := r.Context()
	e, err := s.Establishments.Resolve(ctx, p, r.PathValue("uai"), authz.RoleAdmin)
	if err != nil {
		return err
	}
	ps, err := s.SSO.Providers(ctx, p)
	if err != nil {
		return err
	}
	for _, pr := range ps {
		if err := s.SSO.AllowProvider(ctx, p, e.ID, pr.Name, r.PostFormValue("allow_"+pr.Name) == "on"); err != nil {
			return err
		}
	}
	for _, role := range ssoRoles {
		v := r.PostFormValue("policy_" + string(role))
		if v == "" {
			continue
		}
		pol, err := sso.ParsePolicy(v)
		if err != nil {
			return err
		}
		if err := s.SSO.SetPolicy(ctx, p, e.ID, role, pol); err != nil {
			return err
		}
	}
	return s.showEstablishmentSSO(w, r, http.StatusOK, T(lang(r), "account.done"), "", nil, nil)
}

// ssoAdminLink links an account of the establishment, named by its login.
func (s *Server) ssoAdminLink(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	ctx := r.Context()
	if _, err := s.Establishments.Resolve(ctx, p, r.PathValue("uai"), authz.RoleAdmin); err != nil {
		return err
	}
	form := map[string]string{"login": strings.TrimSpace(r.PostFormValue("login")), "provider": r.PostFormValue("provider"),
		"external_id": strings.TrimSpace(r.PostFormValue("external_id"))}
	err := func() error {
		acc, err := s.Accounts.ByLogin(ctx, p, form["login"])
		if err != nil {
			return err
		}
		_, err = s.SSO.Link(ctx, p, acc.ID, form["provider"], form["external_id"])
		return err
	}()
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.KindInternal || k == apperr.KindUnavailable {
			return err
		}
		return s.showEstablishmentSSO(w, r, httpStatus(err), "", errorMessage(lang(r), err), nil, form)
	}
	return s.showEstablishmentSSO(w, r, http.StatusOK, T(lang(r), "sso.est.linked", form["login"], form["external_id"]), "", nil, nil)
}

// ssoImport links the identities of an uploaded CSV (or checks them, dry run).
func (s *Server) ssoImport(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	e, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin)
	if err != nil {
		return err
	}
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, s.MaxUpload)
	if err != nil {
		return s.showEstablishmentSSO(w, r, httpStatus(err), "", errorMessage(lang(r), err), nil, nil)
	}
	defer up.Close()
	if !s.checkCSRFValue(r, up.Form["csrf"]) {
		return apperr.Forbidden("csrf", "CSRF check failed")
	}
	dry := up.Form["dry_run"] == "on"
	rep, err := s.Importer.Links(r.Context(), p, e.UAI, up.Form["provider"], up.File, dry)
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.KindInternal || k == apperr.KindUnavailable {
			return err
		}
		return s.showEstablishmentSSO(w, r, httpStatus(err), "", errorMessage(lang(r), err), nil, nil)
	}
	// The problems in the reader's language, each with its line.
	for i, pr := range rep.Problems {
		msg := errorMessage(lang(r), apperr.Invalid(pr.Code, "%s", pr.Message).With("line", pr.Line).With("key", rep.Key).With("provider", rep.Provider))
		if !strings.Contains(msg, strconv.Itoa(pr.Line)) {
			msg = T(lang(r), "sso.est.report.line", pr.Line) + " " + msg
		}
		rep.Problems[i].Message = msg
	}
	return s.showEstablishmentSSO(w, r, http.StatusOK, "", "", &rep, nil)
}

// ssoAdminUnlink removes a link of an account the administrator manages.
func (s *Server) ssoAdminUnlink(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	e, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound("sso_link_not_found", "no such link")
	}
	if err := s.SSO.Unlink(r.Context(), p, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/establishments/"+e.UAI+"/sso#links", http.StatusSeeOther)
	return nil
}
