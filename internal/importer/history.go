package importer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// Summary is one import of the history.
type Summary struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	File        string    `json:"file"`
	ActorLogin  string    `json:"actor_login"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at"`
	Created     int       `json:"created"`
	Updated     int       `json:"updated"`
	Deactivated int       `json:"deactivated"`
	Reactivated int       `json:"reactivated"`
	Unchanged   int       `json:"unchanged"`
	Absent      int       `json:"absent"`
	Warnings    int       `json:"warnings"`
}

// History lists the imports of an establishment, newest first (its administrators).
func (s *Service) History(ctx context.Context, p *authz.Principal, uai string, limit int) ([]Summary, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, authz.RoleAdmin)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	out := []Summary{}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var x Summary
		if err := rows.Scan(&x.ID, &x.Kind, &x.File, &x.ActorLogin, &x.StartedAt, &x.FinishedAt, &x.Created, &x.Updated,
			&x.Deactivated, &x.Reactivated, &x.Unchanged, &x.Absent, &x.Warnings); err != nil {
			return err
		}
		x.StartedAt, x.FinishedAt = x.StartedAt.UTC(), x.FinishedAt.UTC()
		out = append(out, x)
		return nil
	}, `SELECT id, kind, file_name, actor_login, started_at, finished_at, created, updated, deactivated, reactivated, unchanged, absent, warnings
		FROM imports WHERE establishment_id = $1 ORDER BY id DESC LIMIT `+strconv.Itoa(limit), e.ID)
	return out, err
}

// Get returns the full report of one import of the establishment.
func (s *Service) Get(ctx context.Context, p *authz.Principal, uai string, id int64) (Report, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, authz.RoleAdmin)
	if err != nil {
		return Report{}, err
	}
	var raw, kind, file string
	var created int
	var started, finished time.Time
	err = s.db.QueryRow(ctx, `SELECT report, kind, file_name, created, started_at, finished_at FROM imports WHERE establishment_id = $1 AND id = $2`,
		e.ID, id).Scan(&raw, &kind, &file, &created, &started, &finished)
	if errors.Is(err, store.ErrNotFound) {
		return Report{}, apperr.NotFound("import_not_found", "no such import")
	}
	if err != nil {
		return Report{}, err
	}
	var rep Report
	if kind != "siecle" {
		rep = Report{UAI: e.UAI, File: file, Created: created, StartedAt: started.UTC(), FinishedAt: finished.UTC(), Warnings: []Warning{}, Absent: []Change{}}
	} else if err := json.Unmarshal([]byte(raw), &rep); err != nil {
		return Report{}, err
	}
	rep.ImportID = id
	return rep, nil
}

// Nomenclature imports the MEF labels of a Nomenclature.xml into the establishment, in
// one transaction; it returns the number of MEFs read.
func (s *Service) Nomenclature(ctx context.Context, p *authz.Principal, uai string, src Source) (int, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, authz.RoleAdmin)
	if err != nil {
		return 0, err
	}
	rc, err := siecle.OpenReader(src.R, src.Size, s.MaxSize)
	if err != nil {
		return 0, apperr.Invalid("invalid_file", "%s: %v", src.Name, err)
	}
	defer rc.Close()
	var rows []student.MEF
	seen := map[string]bool{}
	err = siecle.ReadNomenclature(rc, func(m siecle.MEFLabel) error {
		if !seen[string(m.Code)] {
			seen[string(m.Code)] = true
			rows = append(rows, student.MEF{Code: string(m.Code), Formation: m.Formation, Label: m.Label})
		}
		return nil
	})
	if err != nil {
		return 0, apperr.Invalid("invalid_file", "%v", err).Wrap(err)
	}
	started := s.now()
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := student.ReplaceMEFs(ctx, s.db, e.ID, rows); err != nil {
			return err
		}
		var id int64
		if err := s.db.QueryRow(ctx, `INSERT INTO imports (establishment_id, kind, file_name, actor_id, actor_login, started_at, finished_at, created)
			VALUES ($1, 'nomenclature', $2, $3, $4, $5, $6, $7) RETURNING id`, e.ID, src.Name, audit.ID(p.AccountID), p.Login, started, s.now(), len(rows)).Scan(&id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.ImportRun, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"import_id": id, "kind": "nomenclature", "file": src.Name, "mefs": len(rows)}})
	})
	return len(rows), err
}
