package web

import (
	"net/http"
	"strconv"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
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
}

type sessionRow struct {
	account.Session
	Current bool
}

func (s *Server) mePage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	acc, err := s.Accounts.Me(r.Context(), p)
	if err != nil {
		return err
	}
	ss, err := s.Accounts.Sessions(r.Context(), p.AccountID)
	if err != nil {
		return err
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
		return err
	}
	for _, e := range ests {
		if p.Has(authz.RoleAdmin, e.ID) || p.Has(authz.RoleTeacher, e.ID) || p.Has(authz.RoleInspector, e.ID) {
			d.Establishments = append(d.Establishments, e)
		}
	}
	if d.Records, err = s.Students.Mine(r.Context(), p); err != nil {
		return err
	}
	if d.Notices, err = s.Transfers.Notices(r.Context(), p); err != nil {
		return err
	}
	pg := s.newPage(r, "me.title")
	pg.Data = d
	return s.render(w, r, "me", pg)
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
