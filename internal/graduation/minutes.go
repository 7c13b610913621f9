package graduation

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/store"
)

// MaxMinutes caps the text of a session's minutes (characters, docs/limits.md).
const MaxMinutes = 4000

// MaxSessions caps the sessions with minutes per cohort (docs/limits.md).
const MaxSessions = 20

// minutesRoles write and read a jury's minutes: the jury members, the office and the
// programme directors of the establishment (the jury is otherwise read-only).
var minutesRoles = []authz.Role{authz.RoleJury, authz.RoleOffice, authz.RoleProgrammeDirector}

// Minutes is the jury's minutes (procès-verbal) of a cohort's session.
type Minutes struct {
	ID          int64     `json:"id"`
	CohortID    int64     `json:"cohort_id"`
	SessionDate string    `json:"session_date"`
	Text        string    `json:"text"`
	AuthorID    *int64    `json:"author_id,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// SaveMinutes writes (or rewrites) the minutes of a cohort's session; an empty
// sessionDate means the cohort's jury date. Audited.
func (s *Service) SaveMinutes(ctx context.Context, p *authz.Principal, uai string, cohortID int64, sessionDate, text string) (Minutes, error) {
	e, err := s.highered.Resolve(ctx, p, uai, minutesRoles...)
	if err != nil {
		return Minutes{}, err
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" {
		return Minutes{}, apperr.Invalid("required", "text is required").With("field", "text")
	}
	if err := apperr.CheckLen("text", text, MaxMinutes); err != nil {
		return Minutes{}, err
	}
	var m Minutes
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		c, err := s.highered.CohortByID(ctx, e.ID, cohortID)
		if err != nil {
			return err
		}
		if sessionDate = strings.TrimSpace(sessionDate); sessionDate == "" {
			sessionDate = c.JuryDate
		}
		if _, err := calendar.ParseDate(sessionDate); err != nil {
			return apperr.Invalid("invalid_session_date", "session date %q: use YYYY-MM-DD", sessionDate).With("value", sessionDate)
		}
		var n int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM graduation_minutes WHERE establishment_id = $1 AND cohort_id = $2 AND session_date <> $3`,
			e.ID, c.ID, sessionDate).Scan(&n); err != nil {
			return err
		}
		if n >= MaxSessions {
			return apperr.TooManyItems("sessions", MaxSessions)
		}
		now := s.now().UTC()
		m = Minutes{CohortID: c.ID, SessionDate: sessionDate, Text: text, AuthorID: audit.ID(p.AccountID), UpdatedAt: now}
		if err := s.db.QueryRow(ctx, `INSERT INTO graduation_minutes (establishment_id, cohort_id, session_date, text, author_id, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (cohort_id, session_date) DO UPDATE SET text = excluded.text, author_id = excluded.author_id, updated_at = excluded.updated_at
			RETURNING id`, e.ID, c.ID, sessionDate, text, audit.ID(p.AccountID), now).Scan(&m.ID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.GraduationMinutesSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"cohort_id": c.ID, "session_date": sessionDate, "minutes_id": m.ID}})
	})
	return m, err
}

// MinutesOf lists the minutes of a cohort's sessions, latest session first. Audited.
func (s *Service) MinutesOf(ctx context.Context, p *authz.Principal, uai string, cohortID int64) ([]Minutes, error) {
	_, out, err := s.CohortMinutes(ctx, p, uai, cohortID)
	return out, err
}

// CohortMinutes returns a cohort and the minutes of its sessions, latest session
// first. Audited.
func (s *Service) CohortMinutes(ctx context.Context, p *authz.Principal, uai string, cohortID int64) (highered.Cohort, []Minutes, error) {
	e, err := s.highered.Resolve(ctx, p, uai, minutesRoles...)
	if err != nil {
		return highered.Cohort{}, nil, err
	}
	c, err := s.highered.CohortByID(ctx, e.ID, cohortID)
	if err != nil {
		return highered.Cohort{}, nil, err
	}
	out, err := s.minutes(ctx, e.ID, cohortID, "")
	if err != nil {
		return highered.Cohort{}, nil, err
	}
	return c, out, s.audit.Record(ctx, audit.Event{Action: audit.GraduationMinutesRead, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
		EstablishmentID: &e.ID, Detail: map[string]any{"cohort_id": cohortID, "sessions": len(out)}})
}

// CanMinutes reports whether p may read and write the minutes of establishment
// establishmentID (the pages show the section only then).
func CanMinutes(p *authz.Principal, establishmentID int64) bool {
	for _, r := range minutesRoles {
		if p.Has(r, establishmentID) {
			return true
		}
	}
	return p.IsPlatformAdmin()
}

// minutes lists a cohort's minutes (one session when session is not empty).
func (s *Service) minutes(ctx context.Context, establishmentID, cohortID int64, session string) ([]Minutes, error) {
	out := []Minutes{}
	q := `SELECT id, cohort_id, session_date, text, updated_at, author_id FROM graduation_minutes WHERE establishment_id = $1 AND cohort_id = $2`
	args := []any{establishmentID, cohortID}
	if session != "" {
		q += ` AND session_date = $3`
		args = append(args, session)
	}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var m Minutes
		var author sql.NullInt64
		err := rows.Scan(&m.ID, &m.CohortID, &m.SessionDate, &m.Text, &m.UpdatedAt, &author)
		if author.Valid {
			m.AuthorID = &author.Int64
		}
		m.UpdatedAt = m.UpdatedAt.UTC()
		out = append(out, m)
		return err
	}, q+` ORDER BY session_date DESC`, args...)
	if errors.Is(err, store.ErrNotFound) {
		return out, nil
	}
	return out, err
}
