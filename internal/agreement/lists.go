package agreement

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/student"
)

// Row is one agreement of an inbox: its newest version's state.
type Row struct {
	Agreement
	Version   int       `json:"version"`
	State     State     `json:"state"`
	ECTS      Tenths    `json:"ects"`
	UpdatedAt time.Time `json:"updated_at"`
	Late      bool      `json:"late"`
	// measures and adjustments, for the reporting export.
	measures, adjustments string
}

// Filter narrows an inbox.
type Filter struct {
	Programme string
	Year      int
	State     State
	// After is the id of the last agreement of the previous page (keyset).
	After int64
}

// Inbox lists the agreements of the establishment with their newest version, by
// agreement id, a page at a time (200): the director and the office see every
// agreement, the referent those of his students. The read is audited (one event, the
// ids listed).
func (s *Service) Inbox(ctx context.Context, p *authz.Principal, uai string, f Filter) ([]Row, error) {
	e, err := s.resolve(ctx, p, uai, staff...)
	if err != nil {
		return nil, err
	}
	referent := int64(0)
	if !hasAny(p, e.ID, authz.RoleAdmin, authz.RoleOffice, authz.RoleProgrammeDirector) {
		referent = p.AccountID
	}
	var out []Row
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if out, err = s.rows(ctx, e.ID, referent, f); err != nil {
			return err
		}
		list := make([]Agreement, len(out))
		for i := range out {
			list[i] = out[i].Agreement
		}
		if err := s.complete(ctx, e.ID, list); err != nil {
			return err
		}
		ids := make([]int64, len(out))
		for i := range out {
			out[i].Agreement = list[i]
			ids[i] = out[i].ID
		}
		if len(ids) == 0 {
			return nil
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.AgreementViewed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"inbox": true, "agreement_ids": ids}})
	})
	return out, err
}

// Mine lists the agreements of the student p (every establishment where he is one).
func (s *Service) Mine(ctx context.Context, p *authz.Principal, uai string) ([]Row, error) {
	e, err := s.resolve(ctx, p, uai, authz.RoleStudent)
	if err != nil {
		return nil, err
	}
	ids, err := student.OfAccount(ctx, s.db, p.AccountID)
	if err != nil {
		return nil, err
	}
	out := []Row{}
	for _, sid := range ids {
		err := s.db.Each(ctx, func(rows *sql.Rows) error {
			var r Row
			if err := rows.Scan(&r.ID, &r.EstablishmentID, &r.StudentID, &r.ProgrammeID, &r.Year, &r.Step, &r.StepVersion, &r.Kind, &r.Status,
				&r.ReferentID, &r.DisabilityOfficeID, &r.Closed, &r.Version, &r.State, &r.UpdatedAt); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		}, `SELECT g.id, g.establishment_id, g.student_id, g.programme_id, g.year, g.step, g.step_version, g.kind, g.status,
				COALESCE(g.referent_id, 0), COALESCE(g.disability_office_id, 0), g.closed, v.number, v.state, v.updated_at
			FROM agreements g JOIN agreement_versions v ON v.agreement_id = g.id
				AND v.latest
			WHERE g.establishment_id = $1 AND g.student_id = $2 ORDER BY g.year DESC, g.id`, e.ID, sid)
		if err != nil {
			return nil, err
		}
	}
	list := make([]Agreement, len(out))
	for i := range out {
		list[i] = out[i].Agreement
	}
	if err := s.complete(ctx, e.ID, list); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Agreement = list[i]
	}
	return out, nil
}

// BulkResult is what a bulk action did, per agreement.
type BulkResult struct {
	Done   []int64          `json:"done"`
	Failed map[int64]string `json:"failed"`
}

// BulkValidate validates the submitted versions of the given agreements (the programme
// director's inbox): each one on its own (a failure does not stop the others).
func (s *Service) BulkValidate(ctx context.Context, p *authz.Principal, uai string, ids []int64) (BulkResult, error) {
	res := BulkResult{Done: []int64{}, Failed: map[int64]string{}}
	if len(ids) > inboxPageSize {
		return res, apperr.TooManyItems("agreements", inboxPageSize)
	}
	if _, err := s.resolve(ctx, p, uai, authz.RoleProgrammeDirector); err != nil {
		return res, err
	}
	for _, id := range ids {
		if _, err := s.Act(ctx, p, uai, id, Validate, ""); err != nil {
			res.Failed[id] = apperr.CodeOf(err)
			continue
		}
		res.Done = append(res.Done, id)
	}
	return res, nil
}

// FollowedAdjustments is what the disability office sees of a student it follows: the
// adjustments of his agreement's newest version, nothing else (no unit, no comment).
type FollowedAdjustments struct {
	AgreementID   int64    `json:"agreement_id"`
	StudentNumber string   `json:"student_number"`
	StudentName   string   `json:"student_name"`
	Year          int      `json:"year"`
	Status        string   `json:"status"`
	Adjustments   []string `json:"adjustments"`
	State         State    `json:"state"`
}

// Adjustments lists the adjustments of the students the disability office member p
// follows (audited).
func (s *Service) Adjustments(ctx context.Context, p *authz.Principal, uai string) ([]FollowedAdjustments, error) {
	e, err := s.resolve(ctx, p, uai, authz.RoleDisabilityOffice)
	if err != nil {
		return nil, err
	}
	out := []FollowedAdjustments{}
	var sids []int64
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.db.Each(ctx, func(rows *sql.Rows) error {
			var f FollowedAdjustments
			var sid int64
			var adj string
			if err := rows.Scan(&f.AgreementID, &sid, &f.Year, &f.Status, &adj, &f.State); err != nil {
				return err
			}
			f.Adjustments = split(adj)
			sids = append(sids, sid)
			out = append(out, f)
			return nil
		}, `SELECT g.id, g.student_id, g.year, g.status, v.adjustments, v.state FROM agreements g
			JOIN agreement_versions v ON v.agreement_id = g.id AND v.latest
			WHERE g.establishment_id = $1 AND g.disability_office_id = $2 ORDER BY g.id`, e.ID, p.AccountID); err != nil {
			return err
		}
		people, err := student.People(ctx, s.db, sids)
		if err != nil {
			return err
		}
		for i := range out {
			pe := people[sids[i]]
			out[i].StudentNumber, out[i].StudentName = pe.EleveID, pe.LastName+" "+pe.FirstName
		}
		if len(out) == 0 {
			return nil
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.AgreementViewed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"adjustments": true, "students": sids}})
	})
	return out, err
}

// rows returns a page of agreements with their newest version (referent: only his).
func (s *Service) rows(ctx context.Context, e, referent int64, f Filter) ([]Row, error) {
	q := `SELECT g.id, g.establishment_id, g.student_id, g.programme_id, g.year, g.step, g.step_version, g.kind, g.status,
			COALESCE(g.referent_id, 0), COALESCE(g.disability_office_id, 0), g.closed,
			v.number, v.state, v.updated_at, v.ects,
			COALESCE(st.deadline, ''), v.measures, v.adjustments
		FROM agreements g
		JOIN agreement_versions v ON v.agreement_id = g.id AND v.latest
		LEFT JOIN agreement_settings st ON st.programme_id = g.programme_id
		WHERE g.establishment_id = $1 AND g.id > $2`
	args := []any{e, f.After}
	if referent != 0 {
		args = append(args, referent)
		q += ` AND g.referent_id = $` + strconv.Itoa(len(args))
	}
	if f.Programme != "" {
		prog, err := s.programme(ctx, e, f.Programme)
		if err != nil {
			return nil, err
		}
		args = append(args, prog.ID)
		q += ` AND g.programme_id = $` + strconv.Itoa(len(args))
	}
	if f.Year != 0 {
		args = append(args, f.Year)
		q += ` AND g.year = $` + strconv.Itoa(len(args))
	}
	if f.State != "" {
		args = append(args, f.State)
		q += ` AND v.state = $` + strconv.Itoa(len(args))
	}
	q += ` ORDER BY g.id LIMIT ` + strconv.Itoa(inboxPageSize)
	out := []Row{}
	today := s.today()
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var r Row
		var deadline string
		if err := rows.Scan(&r.ID, &r.EstablishmentID, &r.StudentID, &r.ProgrammeID, &r.Year, &r.Step, &r.StepVersion, &r.Kind, &r.Status,
			&r.ReferentID, &r.DisabilityOfficeID, &r.Closed, &r.Version, &r.State, &r.UpdatedAt, &r.ECTS, &deadline, &r.measures, &r.adjustments); err != nil {
			return err
		}
		r.UpdatedAt = r.UpdatedAt.UTC()
		r.Late = deadline != "" && today > deadline && (r.State == Draft || r.State == ToRevise)
		out = append(out, r)
		return nil
	}, q, args...)
	return out, err
}
