package competency

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// Service stores referentials and evaluations.
type Service struct {
	db             *store.DB
	audit          *audit.Log
	establishments *establishment.Service
	students       *student.Service
	now            func() time.Time
}

// New returns a Service.
func New(db *store.DB, log *audit.Log, est *establishment.Service, st *student.Service, now func() time.Time) *Service {
	return &Service{db: db, audit: log, establishments: est, students: st, now: now}
}

// Referentials returns every referential, ordered by code.
func (s *Service) Referentials(ctx context.Context) ([]Referential, error) {
	var out []Referential
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var r Referential
		var scale string
		if err := rows.Scan(&r.ID, &r.Code, &r.Label, &r.Kind, &scale); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(scale), &r.Scale); err != nil {
			return fmt.Errorf("referential %s: scale: %w", r.Code, err)
		}
		out = append(out, r)
		return nil
	}, `SELECT id, code, label, kind, scale FROM referentials ORDER BY code`)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Referential{}
	for i := range out {
		out[i].Competencies, out[i].MEFs = []Competency{}, []string{}
		byID[out[i].ID] = &out[i]
	}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var id int64
		var c Competency
		if err := rows.Scan(&id, &c.Code, &c.Label, &c.Block, &c.BlockLabel); err != nil {
			return err
		}
		if r := byID[id]; r != nil {
			r.Competencies = append(r.Competencies, c)
		}
		return nil
	}, `SELECT referential_id, code, label, block_code, block_label FROM competencies ORDER BY referential_id, position`)
	if err != nil {
		return nil, err
	}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var id int64
		var m string
		if err := rows.Scan(&id, &m); err != nil {
			return err
		}
		if r := byID[id]; r != nil {
			r.MEFs = append(r.MEFs, m)
		}
		return nil
	}, `SELECT referential_id, mef_prefix FROM referential_mefs ORDER BY referential_id, mef_prefix`)
	return out, err
}

var errNoReferential = apperr.NotFound("referential_not_found", "no such referential")

// Referential returns one referential by code.
func (s *Service) Referential(ctx context.Context, code string) (Referential, error) {
	all, err := s.Referentials(ctx)
	if err != nil {
		return Referential{}, err
	}
	for _, r := range all {
		if strings.EqualFold(r.Code, code) {
			return r, nil
		}
	}
	return Referential{}, errNoReferential
}

func (s *Service) referentialByID(ctx context.Context, id int64) (Referential, error) {
	all, err := s.Referentials(ctx)
	if err != nil {
		return Referential{}, err
	}
	for _, r := range all {
		if r.ID == id {
			return r, nil
		}
	}
	return Referential{}, errNoReferential
}

// Save creates or replaces (by code) a referential; platform administrators only. A
// competency that results already use cannot be removed.
func (s *Service) Save(ctx context.Context, p *authz.Principal, r Referential) (Referential, error) {
	if !p.IsPlatformAdmin() {
		return Referential{}, apperr.Forbidden("forbidden", "only a platform administrator can change referentials")
	}
	if err := r.Validate(); err != nil {
		return Referential{}, apperr.Invalid("invalid_referential", "%v", err)
	}
	scale, err := json.Marshal(r.Scale)
	if err != nil {
		return Referential{}, err
	}
	now := s.now()
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var id int64
		err := s.db.QueryRow(ctx, `SELECT id FROM referentials WHERE code = $1`, r.Code).Scan(&id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if err := s.db.QueryRow(ctx, `INSERT INTO referentials (code, label, kind, scale, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
				r.Code, r.Label, r.Kind, string(scale), now).Scan(&id); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			used := map[string]bool{}
			if err := s.db.Each(ctx, func(rows *sql.Rows) error {
				var c string
				err := rows.Scan(&c)
				used[c] = true
				return err
			}, `SELECT DISTINCT r.competency FROM evaluation_results r JOIN evaluations e
				ON e.establishment_id = r.establishment_id AND e.id = r.evaluation_id WHERE e.referential_id = $1`, id); err != nil {
				return err
			}
			for _, c := range r.Competencies {
				delete(used, c.Code)
			}
			if len(used) > 0 {
				var codes []string
				for c := range used {
					codes = append(codes, c)
				}
				sort.Strings(codes)
				return apperr.Conflict("competency_in_use", "competencies %s have results: they cannot be removed", strings.Join(codes, ", ")).
					With("codes", strings.Join(codes, ", "))
			}
			if _, err := s.db.Exec(ctx, `UPDATE referentials SET label = $2, kind = $3, scale = $4, updated_at = $5 WHERE id = $1`,
				id, r.Label, r.Kind, string(scale), now); err != nil {
				return err
			}
			for _, q := range []string{`DELETE FROM competencies WHERE referential_id = $1`, `DELETE FROM referential_mefs WHERE referential_id = $1`} {
				if _, err := s.db.Exec(ctx, q, id); err != nil {
					return err
				}
			}
		}
		r.ID = id
		comps := make([][]any, len(r.Competencies))
		for i, c := range r.Competencies {
			comps[i] = []any{id, c.Code, c.Label, c.Block, c.BlockLabel, i}
		}
		if err := s.db.InsertRows(ctx, "competencies", []string{"referential_id", "code", "label", "block_code", "block_label", "position"}, comps, "", nil); err != nil {
			return err
		}
		mefs := make([][]any, len(r.MEFs))
		for i, m := range r.MEFs {
			mefs[i] = []any{id, m}
		}
		if err := s.db.InsertRows(ctx, "referential_mefs", []string{"referential_id", "mef_prefix"}, mefs, "", nil); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.ReferentialSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			Detail: map[string]any{"code": r.Code, "competencies": len(r.Competencies)}})
	})
	return r, err
}

// ForMEF returns the referentials that a MEF prepares.
func (s *Service) ForMEF(ctx context.Context, mef string) ([]Referential, error) {
	all, err := s.Referentials(ctx)
	if err != nil {
		return nil, err
	}
	var out []Referential
	for _, r := range all {
		if r.PreparedBy(mef) {
			out = append(out, r)
		}
	}
	return out, nil
}
