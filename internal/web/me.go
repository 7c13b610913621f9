package web

import (
	"net/http"
	"strconv"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/notify"
	"github.com/cartable/cartable/internal/student"
	"github.com/cartable/cartable/internal/transfer"
)

type meData struct {
	Account        account.Account
	DaysLeft       int
	Warn           bool
	RenewalOpen    bool
	Sessions       []sessionRow
	Establishments []establishment.Establishment
	Records        []student.Student
	Notices        []transfer.Notice
	// Avis: the notices of internal/notify, written in the page's language.
	Avis        []noticeRow
	Unread      int
	Address     notify.Address
	MailEnabled bool
	PendingText string
}

type noticeRow struct {
	notify.Notice
	Text string
}

type sessionRow struct {
	account.Session
	Current bool
}

func (s *Server) mePage(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.mePageData(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("email") == "sent" && pg.Data.(meData).Address.Pending != "" {
		pg.Info = T(lang(r), "me.email.sent", pg.Data.(meData).Address.Pending)
	}
	if r.URL.Query().Get("email") == "confirmed" {
		pg.Info = T(lang(r), "email.confirm.done")
	}
	return s.render(w, r, "me", pg)
}

// mePageData builds the "Mon compte" page.
func (s *Server) mePageData(r *http.Request) (*page, error) {
	p := principal(r)
	acc, err := s.Accounts.Me(r.Context(), p)
	if err != nil {
		return nil, err
	}
	ss, err := s.Accounts.Sessions(r.Context(), p.AccountID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	d := meData{Account: acc, RenewalOpen: s.Accounts.RenewalOpen(&acc, now)}
	if days, ok := acc.DaysLeft(now); ok {
		d.DaysLeft = days
		warnFrom := s.Accounts.Policy().ExpiryWarning.Before(*acc.ExpiresAt)
		d.Warn = !now.Before(warnFrom)
	}
	for _, x := range ss {
		d.Sessions = append(d.Sessions, sessionRow{x, x.ID == p.SessionID})
	}
	ests, err := s.Establishments.Visible(r.Context(), p)
	if err != nil {
		return nil, err
	}
	for _, e := range ests {
		if p.Has(authz.RoleAdmin, e.ID) || p.Has(authz.RoleTeacher, e.ID) || p.Has(authz.RoleInspector, e.ID) {
			d.Establishments = append(d.Establishments, e)
		}
	}
	if d.Records, err = s.Students.Mine(r.Context(), p); err != nil {
		return nil, err
	}
	if d.Notices, err = s.Transfers.Notices(r.Context(), p); err != nil {
		return nil, err
	}
	avis, err := s.Notify.Notices(r.Context(), p.AccountID)
	if err != nil {
		return nil, err
	}
	for _, n := range avis {
		d.Avis = append(d.Avis, noticeRow{n, n.Text(lang(r))})
		if n.ReadAt == nil {
			d.Unread++
		}
	}
	if d.Address, err = s.Notify.Address(r.Context(), p.AccountID); err != nil {
		return nil, err
	}
	d.MailEnabled = s.Notify.MailEnabled()
	if d.Address.Pending != "" {
		d.PendingText = T(lang(r), "me.email.pending", d.Address.Pending,
			s.formatTime(lang(r), d.Address.PendingUntil, true))
	}
	pg := s.newPage(r, "me.title")
	pg.Data = d
	return pg, nil
}

func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound("session_not_found", "no such session")
	}
	if err := s.Accounts.RevokeSession(r.Context(), p.Actor(), p.AccountID, id); err != nil {
		return err
	}
	if id == p.SessionID {
		s.setCookie(w, "session", "", -1, http.SameSiteLaxMode)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/me", http.StatusSeeOther)
	return nil
}
