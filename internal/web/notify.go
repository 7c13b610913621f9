package web

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/privacy"
)

// readNotice marks one of the caller's notices read; another person's is not found.
func (s *Server) readNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound("notice_not_found", "no such notice")
	}
	if err := s.Notify.MarkRead(r.Context(), principal(r).AccountID, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/me#notices", http.StatusSeeOther)
	return nil
}

func (s *Server) readAllNotices(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notify.MarkAllRead(r.Context(), principal(r).AccountID); err != nil {
		return err
	}
	http.Redirect(w, r, "/me#notices", http.StatusSeeOther)
	return nil
}

// requestEmail records the address the caller typed and queues its confirmation link;
// a bad address shows the account page again with the error beside the form.
func (s *Server) requestEmail(w http.ResponseWriter, r *http.Request) error {
	err := s.Notify.RequestAddress(r.Context(), principal(r), r.PostFormValue("email"))
	if apperr.KindOf(err) == apperr.KindInvalid {
		pg, perr := s.mePageData(r)
		if perr != nil {
			return perr
		}
		pg.Error = errorMessage(lang(r), err)
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "me", pg)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/me?email=sent#email", http.StatusSeeOther)
	return nil
}

func (s *Server) removeEmail(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notify.RemoveAddress(r.Context(), principal(r)); err != nil {
		return err
	}
	http.Redirect(w, r, "/me#email", http.StatusSeeOther)
	return nil
}

// confirmEmailPage shows the confirmation link's button: the link itself changes
// nothing, so that a mail scanner opening it confirms nothing.
func (s *Server) confirmEmailPage(w http.ResponseWriter, r *http.Request) error {
	pg := s.newPage(r, "email.confirm.title")
	pg.Data = r.URL.Query().Get("token")
	return s.render(w, r, "email_confirm", pg)
}

func (s *Server) confirmEmail(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notify.ConfirmAddress(r.Context(), r.PostFormValue("token")); err != nil {
		return err
	}
	if principal(r) != nil {
		http.Redirect(w, r, "/me?email=confirmed#email", http.StatusSeeOther)
		return nil
	}
	pg := s.newPage(r, "email.confirm.title")
	pg.Info = T(lang(r), "email.confirm.done")
	return s.render(w, r, "email_confirm", pg)
}

// privacyProcessing is one processing as the notice shows it.
type privacyProcessing struct {
	ID                                                string
	Name, Purpose, Basis, Data, Recipients, Retention string
}

type privacyData struct {
	Processings []privacyProcessing
	Contact     string
}

// privacyPage is the privacy notice (articles 13-14 GDPR), open to everyone, made of
// the data catalogue.
func (s *Server) privacyPage(w http.ResponseWriter, r *http.Request) error {
	l := lang(r)
	d := privacyData{Contact: T(l, "privacy.rights.default")}
	if s.PrivacyContact != "" {
		d.Contact = T(l, "privacy.rights.contact", s.PrivacyContact)
	}
	for _, p := range privacy.Processings() {
		if !p.Personal {
			continue
		}
		d.Processings = append(d.Processings, privacyProcessing{ID: p.ID, Name: privacy.Text(l, p.ID, "name"),
			Purpose: privacy.Text(l, p.ID, "purpose"), Basis: privacy.Text(l, p.ID, "basis"), Data: privacy.Text(l, p.ID, "data"),
			Recipients: privacy.Text(l, p.ID, "recipients"), Retention: privacy.Text(l, p.ID, "retention")})
	}
	pg := s.newPage(r, "privacy.title")
	pg.Data = d
	return s.render(w, r, "privacy", pg)
}

// privacyRegisterPage shows the record of processing activities to platform
// administrators; ?format=md or csv downloads it (audited).
func (s *Server) privacyRegisterPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.IsPlatformAdmin() {
		return apperr.Forbidden("forbidden", "platform administrators only")
	}
	l := lang(r)
	format := r.URL.Query().Get("format")
	if format == "" {
		pg := s.newPage(r, "privacy.admin.title")
		pg.Data = privacy.Register(l)
		return s.render(w, r, "privacy_register", pg)
	}
	var buf bytes.Buffer
	var ctype, ext string
	switch format {
	case "md":
		ctype, ext = "text/markdown; charset=utf-8", "md"
		if err := privacy.WriteMarkdown(&buf, l); err != nil {
			return err
		}
	case "csv":
		ctype, ext = "text/csv; charset=utf-8", "csv"
		if err := privacy.WriteCSV(&buf, l); err != nil {
			return err
		}
	default:
		return apperr.Invalid("unknown_register_format", "format: md or csv")
	}
	if err := s.Audit.Record(r.Context(), audit.Event{Action: audit.PrivacyRegisterExported, ActorID: audit.ID(p.AccountID),
		ActorLogin: p.Login, Detail: map[string]any{"format": format}}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="cartable-registre-traitements.`+ext+`"`)
	_, err := w.Write(buf.Bytes())
	return err
}
