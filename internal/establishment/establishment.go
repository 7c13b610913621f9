// Package establishment owns establishments (schools, identified by their UAI) and
// their settings, and decides who may see an establishment's data.
package establishment

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
)

// Establishment is a school, a lycée or a university, identified by its UAI.
type Establishment struct {
	ID       int64  `json:"id"`
	UAI      string `json:"uai"`
	Name     string `json:"name"`
	Academie string `json:"academie,omitempty"`
	Kind     string `json:"kind,omitempty"`
	// Sector is secondary (collèges, lycées: students from SIECLE) or higher
	// education (programmes, cohorts, students from the registrar).
	Sector string `json:"sector"`
	// TransfersSend allows the establishment's students' data to leave for another
	// establishment; TransfersReceive allows data of new students to come in. Both are
	// off by default: a transfer needs the origin to send and the destination to receive.
	TransfersSend    bool      `json:"transfers_send"`
	TransfersReceive bool      `json:"transfers_receive"`
	CreatedAt        time.Time `json:"created_at"`
}

// Service manages establishments.
type Service struct {
	db    *store.DB
	audit *audit.Log
	now   func() time.Time
}

// New returns a Service.
func New(db *store.DB, log *audit.Log, now func() time.Time) *Service {
	return &Service{db: db, audit: log, now: now}
}

// Limits of an establishment's texts (docs/limits.md), in characters.
const (
	MaxName     = 200
	MaxAcademie = 100
	MaxKind     = 100
)

// Input is what an administrator sets on an establishment. Nil fields are unchanged
// by Update.
type Input struct {
	UAI              string
	Name             *string
	Academie         *string
	Kind             *string
	Sector           *string
	TransfersSend    *bool
	TransfersReceive *bool
}

// The sectors of education.
const (
	SectorSecondary = "secondary"
	SectorHigher    = "higher"
)

// Higher reports an establishment of higher education.
func (e Establishment) Higher() bool { return e.Sector == SectorHigher }

// checkSector checks a sector name.
func checkSector(s *string) error {
	if s == nil || *s == SectorSecondary || *s == SectorHigher {
		return nil
	}
	return apperr.Invalid("invalid_sector", "sector %q: use secondary or higher", *s).With("value", *s)
}

const columns = `id, uai, name, academie, kind, sector, transfers_send, transfers_receive, created_at`

func scan(sc interface{ Scan(...any) error }) (Establishment, error) {
	var e Establishment
	err := sc.Scan(&e.ID, &e.UAI, &e.Name, &e.Academie, &e.Kind, &e.Sector, &e.TransfersSend, &e.TransfersReceive, &e.CreatedAt)
	e.CreatedAt = e.CreatedAt.UTC()
	return e, err
}

// Create adds an establishment. Only a platform administrator (or the operator) may.
func (s *Service) Create(ctx context.Context, actor authz.Actor, in Input) (Establishment, error) {
	uai, err := siecle.ParseUAI(in.UAI)
	if err != nil {
		e := apperr.Invalid("invalid_uai", "UAI %q: %v", in.UAI, err)
		var ve *siecle.ValueError
		if errors.As(err, &ve) {
			// What the check says, in the pages' reader's language.
			e.Key, e.Params = ve.Key, map[string]any{}
			for k, v := range ve.Params {
				e.Params[k] = v
			}
		}
		return Establishment{}, e
	}
	name := strings.TrimSpace(deref(in.Name))
	if name == "" {
		return Establishment{}, apperr.Invalid("invalid_name", "an establishment needs a name (--name)")
	}
	if err := in.checkLen(); err != nil {
		return Establishment{}, err
	}
	if err := checkSector(in.Sector); err != nil {
		return Establishment{}, err
	}
	sector := SectorSecondary
	if in.Sector != nil {
		sector = *in.Sector
	}
	now := s.now()
	var e Establishment
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var err error
		e, err = scan(s.db.QueryRow(ctx, `INSERT INTO establishments (uai, name, academie, kind, sector, transfers_send, transfers_receive, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $8, $5, $6, $7, $7) RETURNING `+columns,
			uai, name, strings.TrimSpace(deref(in.Academie)), strings.TrimSpace(deref(in.Kind)), derefBool(in.TransfersSend), derefBool(in.TransfersReceive), now, sector))
		if errors.Is(err, store.ErrConflict) {
			return apperr.Conflict("uai_taken", "an establishment with UAI %s already exists", uai)
		}
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.EstablishmentChange, ActorID: audit.ID(actor.ID), ActorLogin: actor.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"op": "create", "uai": uai, "name": name, "sector": sector,
				"transfers_send": e.TransfersSend, "transfers_receive": e.TransfersReceive}})
	})
	return e, err
}

// checkLen checks the given texts against their limits.
func (in Input) checkLen() error {
	for _, f := range []struct {
		name  string
		value *string
		max   int
	}{{"name", in.Name, MaxName}, {"academie", in.Academie, MaxAcademie}, {"kind", in.Kind, MaxKind}} {
		if f.value == nil {
			continue
		}
		if err := apperr.CheckLen(f.name, strings.TrimSpace(*f.value), f.max); err != nil {
			return err
		}
	}
	return nil
}

// Update changes the given fields of the establishment with in.UAI.
func (s *Service) Update(ctx context.Context, actor authz.Actor, in Input) (Establishment, error) {
	if err := in.checkLen(); err != nil {
		return Establishment{}, err
	}
	if err := checkSector(in.Sector); err != nil {
		return Establishment{}, err
	}
	var e Establishment
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		old, err := s.ByUAI(ctx, in.UAI)
		if err != nil {
			return err
		}
		e = old
		if in.Name != nil {
			if strings.TrimSpace(*in.Name) == "" {
				return apperr.Invalid("invalid_name", "an establishment needs a name")
			}
			e.Name = strings.TrimSpace(*in.Name)
		}
		if in.Academie != nil {
			e.Academie = strings.TrimSpace(*in.Academie)
		}
		if in.Kind != nil {
			e.Kind = strings.TrimSpace(*in.Kind)
		}
		if in.Sector != nil {
			e.Sector = *in.Sector
		}
		if in.TransfersSend != nil {
			e.TransfersSend = *in.TransfersSend
		}
		if in.TransfersReceive != nil {
			e.TransfersReceive = *in.TransfersReceive
		}
		if _, err := s.db.Exec(ctx, `UPDATE establishments SET name = $2, academie = $3, kind = $4, transfers_send = $5, transfers_receive = $6, updated_at = $7, sector = $8 WHERE id = $1`,
			e.ID, e.Name, e.Academie, e.Kind, e.TransfersSend, e.TransfersReceive, s.now(), e.Sector); err != nil {
			return err
		}
		changes := map[string]any{"op": "update", "uai": e.UAI}
		diff := func(k string, a, b any) {
			if a != b {
				changes[k] = map[string]any{"from": a, "to": b}
			}
		}
		diff("name", old.Name, e.Name)
		diff("academie", old.Academie, e.Academie)
		diff("kind", old.Kind, e.Kind)
		diff("sector", old.Sector, e.Sector)
		diff("transfers_send", old.TransfersSend, e.TransfersSend)
		diff("transfers_receive", old.TransfersReceive, e.TransfersReceive)
		return s.audit.Record(ctx, audit.Event{Action: audit.EstablishmentChange, ActorID: audit.ID(actor.ID), ActorLogin: actor.Login,
			EstablishmentID: &e.ID, Detail: changes})
	})
	return e, err
}

// ByUAI returns an establishment by UAI (either case).
func (s *Service) ByUAI(ctx context.Context, uai string) (Establishment, error) {
	e, err := scan(s.db.QueryRow(ctx, `SELECT `+columns+` FROM establishments WHERE uai = $1`, strings.ToUpper(strings.TrimSpace(uai))))
	if errors.Is(err, store.ErrNotFound) {
		return e, apperr.NotFound("establishment_not_found", "no establishment with UAI %q", uai)
	}
	return e, err
}

// ByID returns an establishment by id.
func (s *Service) ByID(ctx context.Context, id int64) (Establishment, error) {
	e, err := scan(s.db.QueryRow(ctx, `SELECT `+columns+` FROM establishments WHERE id = $1`, id))
	if errors.Is(err, store.ErrNotFound) {
		return e, apperr.NotFound("establishment_not_found", "no such establishment")
	}
	return e, err
}

// ByIDs returns the establishments with the given ids (those that exist), by id. It
// checks no access: for the jobs, and for the names and UAIs shown next to data the
// caller has authorised.
func (s *Service) ByIDs(ctx context.Context, ids []int64) (map[int64]Establishment, error) {
	out := make(map[int64]Establishment, len(ids))
	seen := map[int64]bool{}
	var list []any
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			list = append(list, id)
		}
	}
	for start := 0; start < len(list); start += 1000 {
		chunk := list[start:min(start+1000, len(list))]
		ph := make([]string, len(chunk))
		for i := range chunk {
			ph[i] = "$" + strconv.Itoa(i+1)
		}
		err := s.db.Each(ctx, func(rows *sql.Rows) error {
			e, err := scan(rows)
			out[e.ID] = e
			return err
		}, `SELECT `+columns+` FROM establishments WHERE id IN (`+strings.Join(ph, ", ")+`)`, chunk...)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// List returns all establishments ordered by UAI.
func (s *Service) List(ctx context.Context) ([]Establishment, error) {
	out := []Establishment{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		e, err := scan(rows)
		out = append(out, e)
		return err
	}, `SELECT `+columns+` FROM establishments ORDER BY uai`)
	return out, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefBool(b *bool) bool { return b != nil && *b }
