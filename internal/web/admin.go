package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/letter"
)

// requireAdmin refuses callers who administer nothing.
func requireAdmin(p *authz.Principal) error {
	if p.IsPlatformAdmin() || len(p.Establishments(authz.RoleAdmin)) > 0 {
		return nil
	}
	return apperr.Forbidden("forbidden", "administrators only")
}

type accountsData struct {
	Accounts       []accountRow
	State          string
	Query          string
	Expiring       string
	UAI            string
	Establishments []establishment.Establishment
	States         []string
	// Page is the page shown (from 1); Prev and Next the addresses of its neighbours
	// ("" when none), filters kept.
	Page       int
	Prev, Next string
}

// accountsPageSize is how many accounts a page of the list shows.
const accountsPageSize = 50

type accountRow struct {
	account.Account
	State    string
	DaysLeft int
	HasDays  bool
}

func (s *Server) accountRows(list []account.Account) []accountRow {
	now := s.Now()
	out := make([]accountRow, 0, len(list))
	for _, a := range list {
		row := accountRow{Account: a, State: a.State(now)}
		row.DaysLeft, row.HasDays = a.DaysLeft(now)
		out = append(out, row)
	}
	return out
}

func (s *Server) accountsPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := requireAdmin(p); err != nil {
		return err
	}
	q := r.URL.Query()
	d := accountsData{State: q.Get("state"), Query: q.Get("q"), Expiring: q.Get("expiring"), UAI: q.Get("uai"),
		States: []string{"pending", "unused", "active", "expired", "locked", "disabled"}}
	f := account.ListFilter{State: d.State, Query: d.Query}
	if d.Expiring != "" {
		days, err := strconv.Atoi(d.Expiring)
		if err != nil || days < 0 {
			return apperr.Invalid("invalid_expiring", "expiring: a number of days")
		}
		dur := time.Duration(days) * 24 * time.Hour
		f.Expiring = &dur
	}
	ests, err := s.Establishments.Visible(r.Context(), p)
	if err != nil {
		return err
	}
	if !p.IsPlatformAdmin() {
		ests = adminOf(p, ests)
		if d.UAI == "" && len(ests) > 0 {
			d.UAI = ests[0].UAI
		}
	}
	d.Establishments = ests
	if d.UAI != "" {
		e, err := s.Establishments.Resolve(r.Context(), p, d.UAI, authz.RoleAdmin)
		if err != nil {
			return err
		}
		f.EstablishmentID = e.ID
	}
	d.Page = 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 && n <= 10000 {
		d.Page = n
	}
	f.Limit, f.Offset = accountsPageSize+1, (d.Page-1)*accountsPageSize
	list, err := s.Accounts.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	more := len(list) > accountsPageSize
	if more {
		list = list[:accountsPageSize]
	}
	pageURL := func(n int) string {
		v := url.Values{}
		for _, k := range []string{"q", "state", "expiring", "uai"} {
			if x := q.Get(k); x != "" {
				v.Set(k, x)
			}
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		return "/admin/accounts?" + v.Encode()
	}
	if d.Page > 1 {
		d.Prev = pageURL(d.Page - 1)
	}
	if more {
		d.Next = pageURL(d.Page + 1)
	}
	d.Accounts = s.accountRows(list)
	pg := s.newPage(r, "accounts.title")
	pg.Data = d
	return s.render(w, r, "accounts", pg)
}

func adminOf(p *authz.Principal, ests []establishment.Establishment) []establishment.Establishment {
	var out []establishment.Establishment
	for _, e := range ests {
		if p.Has(authz.RoleAdmin, e.ID) {
			out = append(out, e)
		}
	}
	return out
}

type newAccountData struct {
	Login, DisplayName, Role, UAI string
	Roles                         []authz.Role
	Establishments                []establishment.Establishment
	Created                       *createdData
}

type createdData struct {
	Login     string
	ID        int64
	URL       string
	QR        qrImage
	ExpiresAt time.Time
}

func (s *Server) newAccountData(r *http.Request) (newAccountData, error) {
	p := principal(r)
	d := newAccountData{Roles: []authz.Role{authz.RoleAdmin, authz.RoleTeacher, authz.RoleStudent, authz.RoleParent,
		authz.RoleOffice, authz.RoleProgrammeDirector, authz.RoleJury, authz.RoleReferent, authz.RoleDisabilityOffice, authz.RolePilotage}}
	if p.IsPlatformAdmin() {
		d.Roles = authz.Roles
	}
	ests, err := s.Establishments.Visible(r.Context(), p)
	if err != nil {
		return d, err
	}
	if !p.IsPlatformAdmin() {
		ests = adminOf(p, ests)
	}
	d.Establishments = ests
	return d, nil
}

func (s *Server) newAccountPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := requireAdmin(p); err != nil {
		return err
	}
	d, err := s.newAccountData(r)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "accounts.new")
	pg.Data = d
	return s.render(w, r, "account_new", pg)
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := requireAdmin(p); err != nil {
		return err
	}
	d, err := s.newAccountData(r)
	if err != nil {
		return err
	}
	d.Login, d.DisplayName, d.Role, d.UAI = r.PostFormValue("login"), r.PostFormValue("display_name"), r.PostFormValue("role"), r.PostFormValue("uai")
	pg := s.newPage(r, "accounts.new")
	pg.Data = &d
	fail := func(err error) error {
		if k := apperr.KindOf(err); k == apperr.KindInternal || k == apperr.KindUnavailable {
			return err
		}
		pg.Error = errorMessage(lang(r), err)
		return s.renderStatus(w, r, httpStatus(err), "account_new", pg)
	}
	role, err := authz.ParseRole(d.Role)
	if err != nil {
		return fail(err)
	}
	m := authz.Membership{Role: role}
	if role != authz.RolePlatformAdmin {
		e, err := s.Establishments.Resolve(r.Context(), p, d.UAI)
		if err != nil {
			return fail(err)
		}
		m.EstablishmentID, m.UAI = e.ID, e.UAI
	}
	acc, enr, err := s.Accounts.Create(r.Context(), p, account.CreateInput{Login: d.Login, DisplayName: d.DisplayName, Lang: lang(r), Roles: []authz.Membership{m}})
	if err != nil {
		return fail(err)
	}
	img, err := newQRImage(enr.URL, 240)
	if err != nil {
		return err
	}
	d.Created = &createdData{Login: acc.Login, ID: acc.ID, URL: enr.URL, QR: img, ExpiresAt: enr.ExpiresAt}
	d.Login, d.DisplayName = "", ""
	return s.render(w, r, "account_new", pg)
}

type accountData struct {
	Account  accountRow
	Reissued *createdData
	Events   []audit.Event
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := requireAdmin(p); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound("account_not_found", "no such account")
	}
	return s.showAccount(w, r, p, id, nil, "")
}

func (s *Server) showAccount(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64, reissued *createdData, info string) error {
	acc, err := s.Accounts.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	evs, err := s.Accounts.Events(r.Context(), p, id, 20)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "account.title", acc.Login)
	pg.Info = info
	pg.Data = accountData{Account: s.accountRows([]account.Account{acc})[0], Reissued: reissued, Events: evs}
	return s.render(w, r, "account", pg)
}

func (s *Server) accountAction(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := requireAdmin(p); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound("account_not_found", "no such account")
	}
	ctx := r.Context()
	switch r.PathValue("action") {
	case "reissue":
		enr, err := s.Accounts.Reissue(ctx, p, id)
		if err != nil {
			return err
		}
		img, err := newQRImage(enr.URL, 240)
		if err != nil {
			return err
		}
		return s.showAccount(w, r, p, id, &createdData{Login: enr.Login, URL: enr.URL, QR: img, ExpiresAt: enr.ExpiresAt}, "")
	case "unlock":
		err = s.Accounts.Unlock(ctx, p, id)
	case "expire":
		err = s.Accounts.Expire(ctx, p, id)
	case "disable":
		err = s.Accounts.Disable(ctx, p, id)
	default:
		return apperr.NotFound("not_found", "no such action")
	}
	if err != nil {
		return err
	}
	return s.showAccount(w, r, p, id, nil, T(lang(r), "account.done"))
}

// letters prints the enrolment letters of the selected pending accounts: each gets a
// new link (the old ones stop working), one A4 page per account.
func (s *Server) letters(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := requireAdmin(p); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Invalid("invalid_form", "invalid form")
	}
	var ids []int64
	for _, v := range r.PostForm["id"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	// All or nothing: an account the administrator may not manage refuses the print.
	done, err := s.Accounts.ReissuePending(r.Context(), p, ids)
	if err != nil {
		return err
	}
	var out []letter.Letter
	names := map[int64]string{}
	for _, d := range done {
		estName := ""
		for _, m := range d.Account.Roles {
			if m.EstablishmentID == 0 {
				continue
			}
			if _, ok := names[m.EstablishmentID]; !ok {
				if e, err := s.Establishments.ByID(r.Context(), m.EstablishmentID); err == nil {
					names[m.EstablishmentID] = e.Name
				}
			}
			estName = names[m.EstablishmentID]
			break
		}
		out = append(out, letter.Letter{Establishment: estName, Login: d.Account.Login, FullName: d.Account.DisplayName,
			URL: d.Enrollment.URL, ExpiresAt: d.Enrollment.ExpiresAt, Issuer: s.Accounts.Policy().Issuer})
	}
	if len(out) == 0 {
		return apperr.Invalid("no_pending_selected", "select at least one pending account")
	}
	var buf bytes.Buffer
	if err := letter.Write(&buf, out, letter.Options{Lang: lang(r), Generated: s.Now().UTC(), PrivacyURL: s.PrivacyURL, Title: "cartable"}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	httpx.Attachment(w, fmt.Sprintf("cartable-courriers-%s.pdf", s.Now().UTC().Format("20060102-1504")))
	_, err = w.Write(buf.Bytes())
	return err
}

type auditData struct {
	Events []audit.Event
	Action string
	Login  string
	Older  int64
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := requireAdmin(p); err != nil {
		return err
	}
	q := r.URL.Query()
	f := audit.Filter{Action: q.Get("action"), Login: q.Get("login"), Limit: 100}
	f.BeforeID, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	if !p.IsPlatformAdmin() {
		mine := p.Establishments(authz.RoleAdmin)
		f.EstablishmentID = mine[0]
	}
	evs, err := s.Audit.List(r.Context(), f)
	if err != nil {
		return err
	}
	d := auditData{Events: evs, Action: f.Action, Login: f.Login}
	if len(evs) == f.Limit {
		d.Older = evs[len(evs)-1].ID
	}
	pg := s.newPage(r, "audit.title")
	pg.Data = d
	return s.render(w, r, "audit", pg)
}

type establishmentsData struct {
	Establishments []establishment.Establishment
	CanCreate      bool
	Form           establishment.Establishment
}

func (s *Server) establishmentsPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	list, err := s.Establishments.Visible(r.Context(), p)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "est.title")
	pg.Data = establishmentsData{Establishments: list, CanCreate: p.IsPlatformAdmin()}
	return s.render(w, r, "establishments", pg)
}

func (s *Server) createEstablishment(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.IsPlatformAdmin() {
		return apperr.Forbidden("forbidden", "platform administrators only")
	}
	name, acad, kind := r.PostFormValue("name"), r.PostFormValue("academie"), r.PostFormValue("kind")
	_, err := s.Establishments.Create(r.Context(), p.Actor(), establishment.Input{UAI: r.PostFormValue("uai"), Name: &name, Academie: &acad, Kind: &kind})
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.KindInternal || k == apperr.KindUnavailable {
			return err
		}
		list, lerr := s.Establishments.Visible(r.Context(), p)
		if lerr != nil {
			return lerr
		}
		pg := s.newPage(r, "est.title")
		pg.Error = errorMessage(lang(r), err)
		pg.Data = establishmentsData{Establishments: list, CanCreate: true,
			Form: establishment.Establishment{UAI: r.PostFormValue("uai"), Name: name, Academie: acad, Kind: kind}}
		return s.renderStatus(w, r, httpStatus(err), "establishments", pg)
	}
	http.Redirect(w, r, "/admin/establishments", http.StatusSeeOther)
	return nil
}

type establishmentData struct {
	E        establishment.Establishment
	CanEdit  bool
	Platform bool
}

func (s *Server) establishmentPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	e, err := s.Establishments.Get(r.Context(), p, r.PathValue("uai"))
	if err != nil {
		return err
	}
	pg := s.newPage(r, "est.title")
	pg.Title = e.Name + " (" + e.UAI + ")"
	pg.Data = establishmentData{E: e, CanEdit: p.IsPlatformAdmin() || p.Has(authz.RoleAdmin, e.ID), Platform: p.IsPlatformAdmin()}
	return s.render(w, r, "establishment", pg)
}

func (s *Server) updateEstablishment(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	send, receive := r.PostFormValue("transfers_send") == "on", r.PostFormValue("transfers_receive") == "on"
	in := establishment.Input{UAI: r.PathValue("uai"), Name: &name, TransfersSend: &send, TransfersReceive: &receive}
	if p.IsPlatformAdmin() {
		acad, kind := r.PostFormValue("academie"), r.PostFormValue("kind")
		in.Academie, in.Kind = &acad, &kind
	}
	e, err := s.Establishments.UpdateAs(r.Context(), p, in)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "est.title")
	pg.Title = e.Name + " (" + e.UAI + ")"
	pg.Info = T(lang(r), "account.done")
	pg.Data = establishmentData{E: e, CanEdit: true, Platform: p.IsPlatformAdmin()}
	return s.render(w, r, "establishment", pg)
}
