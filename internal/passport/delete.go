package passport

import (
	"context"
	"database/sql"
	"errors"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

var errNotAuthor = apperr.Forbidden("not_author", "only the author of the sheet or an administrator can delete it")

var errNoAttachment = apperr.NotFound("attachment_not_found", "no such attachment")

// mayDelete tells whether p may delete what the sheet id of st holds: its author, or an
// administrator of the establishment (or of the platform).
func (s *Service) mayDelete(ctx context.Context, p *authz.Principal, st student.Student, id int64) (string, error) {
	var author sql.NullInt64
	var title string
	err := s.db.QueryRow(ctx, `SELECT author_id, title FROM situations WHERE establishment_id = $1 AND student_id = $2 AND id = $3`,
		st.EstablishmentID, st.ID, id).Scan(&author, &title)
	if errors.Is(err, store.ErrNotFound) {
		return "", errNoSituation
	}
	if err != nil {
		return "", err
	}
	if p.IsPlatformAdmin() || p.Has(authz.RoleAdmin, st.EstablishmentID) || (author.Valid && author.Int64 == p.AccountID && p.AccountID != 0) {
		return title, nil
	}
	return "", errNotAuthor
}

// DeleteSituation deletes a sheet and its attachments (its author or an administrator).
func (s *Service) DeleteSituation(ctx context.Context, p *authz.Principal, uai string, studentID, id int64) error {
	st, _, err := s.lookup(ctx, p, uai, studentID, true)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		title, err := s.mayDelete(ctx, p, st, id)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM situations WHERE establishment_id = $1 AND student_id = $2 AND id = $3`, st.EstablishmentID, st.ID, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SituationDeleted, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			TargetID: audit.ID(st.AccountID), TargetLogin: st.Login, EstablishmentID: &st.EstablishmentID,
			Detail: map[string]any{"situation_id": id, "student_id": st.ID, "title": title}})
	})
}

// DeleteAttachment deletes an attached file (the sheet's author or an administrator).
// The content stays in the blob store while another attachment names it.
func (s *Service) DeleteAttachment(ctx context.Context, p *authz.Principal, uai string, studentID, attachmentID int64) error {
	st, _, err := s.lookup(ctx, p, uai, studentID, true)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		var situationID int64
		var name string
		err := s.db.QueryRow(ctx, `SELECT a.situation_id, a.name FROM attachments a JOIN situations x
			ON x.establishment_id = a.establishment_id AND x.id = a.situation_id
			WHERE a.establishment_id = $1 AND x.student_id = $2 AND a.id = $3`, st.EstablishmentID, st.ID, attachmentID).Scan(&situationID, &name)
		if errors.Is(err, store.ErrNotFound) {
			return errNoAttachment
		}
		if err != nil {
			return err
		}
		if _, err := s.mayDelete(ctx, p, st, situationID); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM attachments WHERE establishment_id = $1 AND id = $2`, st.EstablishmentID, attachmentID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.AttachmentDeleted, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			TargetID: audit.ID(st.AccountID), TargetLogin: st.Login, EstablishmentID: &st.EstablishmentID,
			Detail: map[string]any{"situation_id": situationID, "attachment_id": attachmentID, "student_id": st.ID, "name": name}})
	})
}
