package agreement

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
)

// CloseYear closes the agreements of a year at its end (the office): every version
// still open (draft, submitted, to revise, validated) becomes closed, and no agreement
// of the year changes any more. The signed versions stay as they are. It returns the
// number of versions closed.
func (s *Service) CloseYear(ctx context.Context, p *authz.Principal, uai string, year int) (int, error) {
	e, err := s.resolve(ctx, p, uai, office...)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		now := s.now()
		type open struct {
			id    int64
			state State
		}
		var list []open
		if err := s.db.Each(ctx, func(rows *sql.Rows) error {
			var o open
			err := rows.Scan(&o.id, &o.state)
			list = append(list, o)
			return err
		}, `SELECT v.id, v.state FROM agreement_versions v JOIN agreements g ON g.id = v.agreement_id
			WHERE g.establishment_id = $1 AND g.year = $2 AND v.state IN ('draft', 'submitted', 'to_revise', 'validated') ORDER BY v.id`, e.ID, year); err != nil {
			return err
		}
		for _, o := range list {
			to, err := Next(o.state, Close, Who{System: true}, Signatures{}, "")
			if err != nil {
				return err
			}
			if _, err := s.db.Exec(ctx, `UPDATE agreement_versions SET state = $1, updated_at = $2 WHERE id = $3`, to, now, o.id); err != nil {
				return err
			}
			if err := s.event(ctx, e.ID, o.id, o.state, to, Close, "", p.Actor(), now); err != nil {
				return err
			}
		}
		n = len(list)
		if _, err := s.db.Exec(ctx, `UPDATE agreements SET closed = TRUE, updated_at = $1 WHERE establishment_id = $2 AND year = $3`, now, e.ID, year); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.AgreementChanged, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"closed_year": year, "versions": n}})
	})
	return n, err
}

// ReminderDays are the days before a programme's deadline when a student whose
// agreement is still a draft (or to revise) is reminded.
var ReminderDays = []int{14, 7, 1}

// RemindersResult is what a run of the reminders job did.
type RemindersResult struct {
	Sent int `json:"sent"`
}

// RunReminders is the daily job: each student whose agreement is still a draft or to
// revise gets a notice 14, 7 and 1 day(s) before his programme's deadline, once each
// (agreement_reminders remembers them, so a re-run sends none twice).
func (s *Service) RunReminders(ctx context.Context) (RemindersResult, error) {
	var res RemindersResult
	today, err := calendar.ParseDate(s.today())
	if err != nil {
		return res, err
	}
	type due struct {
		agreement, student, establishment int64
		deadline                          string
		days                              int
	}
	var list []due
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var d due
		if err := rows.Scan(&d.agreement, &d.student, &d.establishment, &d.deadline); err != nil {
			return err
		}
		dl, err := calendar.ParseDate(d.deadline)
		if err != nil {
			return nil
		}
		left := int(dl.Sub(today).Round(24*time.Hour) / (24 * time.Hour))
		// The smallest threshold reached (ReminderDays is in decreasing order).
		for _, r := range ReminderDays {
			if left >= 0 && left <= r {
				d.days = r
			}
		}
		if d.days != 0 {
			list = append(list, d)
		}
		return nil
	}, `SELECT g.id, g.student_id, g.establishment_id, st.deadline FROM agreements g
		JOIN agreement_settings st ON st.programme_id = g.programme_id
		JOIN agreement_versions v ON v.agreement_id = g.id AND v.latest
		WHERE st.deadline <> '' AND st.deadline >= $1 AND NOT g.closed AND v.state IN ('draft', 'to_revise') ORDER BY g.id`, s.today())
	if err != nil {
		return res, err
	}
	for _, d := range list {
		err := s.db.Tx(ctx, func(ctx context.Context) error {
			n, err := s.db.ExecCount(ctx, `INSERT INTO agreement_reminders (agreement_id, days, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				d.agreement, d.days, s.now())
			if err != nil || n == 0 {
				return err
			}
			res.Sent++
			var code string
			list := []Agreement{{StudentID: d.student}}
			if a, err := s.agreement(ctx, d.establishment, d.agreement); err == nil {
				list[0] = a
				if s.complete(ctx, d.establishment, list) == nil {
					code = list[0].ProgrammeCode
				}
			}
			return s.send(ctx, d.establishment, []notice{{to: s.studentAccounts(ctx, d.student), key: "agreement.notice.deadline",
				params: map[string]string{"programme": code, "deadline": d.deadline, "days": strconv.Itoa(d.days)}}})
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}
