// Package highered is the base of higher education: the programmes (formations) of an
// establishment of higher education, their cohorts (promotions, with the jury date), the
// cohort each student belongs to, and the column mapping of the registrar's export. The
// graduation tracker (internal/graduation) builds on it.
package highered

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/store"
)

// Roles that manage programmes and cohorts, and those that read them.
var (
	Managers = []authz.Role{authz.RoleAdmin, authz.RoleOffice}
	Readers  = []authz.Role{authz.RoleAdmin, authz.RoleOffice, authz.RoleProgrammeDirector, authz.RoleJury}
)

// Limits of the texts (docs/limits.md), in characters.
const (
	MaxCode  = 40
	MaxLabel = 200
	MaxLevel = 60
)

// Programme is a formation of the establishment.
type Programme struct {
	ID            int64  `json:"id"`
	Code          string `json:"code"`
	Label         string `json:"label"`
	Level         string `json:"level"`
	DurationYears int    `json:"duration_years"`
}

// Cohort is a promotion of a programme: who entered in EntryYear and should graduate
// in GraduationYear, before the jury of JuryDate (YYYY-MM-DD, Paris).
type Cohort struct {
	ID              int64  `json:"id"`
	EstablishmentID int64  `json:"-"`
	ProgrammeID     int64  `json:"programme_id"`
	ProgrammeCode   string `json:"programme_code"`
	Code            string `json:"code"`
	EntryYear       int    `json:"entry_year"`
	GraduationYear  int    `json:"graduation_year"`
	JuryDate        string `json:"jury_date"`
}

// Service manages programmes and cohorts.
type Service struct {
	db             *store.DB
	audit          *audit.Log
	establishments *establishment.Service
	now            func() time.Time
	// Accounts creates the accounts of the students the registrar brings.
	Accounts *account.Service
	// OnJoin, when set, runs after the registrar import put students in a cohort, in its
	// transaction (the graduation tracker gives them their items).
	OnJoin func(ctx context.Context, establishmentID, cohortID int64, studentIDs []int64) error
	// Addresses, when set, receives the e-mail address the registrar gives for a
	// student's account (new, or changed since the last import), in the import's
	// transaction: the registrar vouches for it, so it is a confirmed address (notify).
	Addresses interface {
		SetAddress(ctx context.Context, accountID int64, email string) error
	}
}

// New returns a Service.
func New(db *store.DB, log *audit.Log, est *establishment.Service, now func() time.Time) *Service {
	return &Service{db: db, audit: log, establishments: est, now: now}
}

// Resolve returns the establishment of higher education with uai where p holds one of
// roles; an establishment of secondary education is refused.
func (s *Service) Resolve(ctx context.Context, p *authz.Principal, uai string, roles ...authz.Role) (establishment.Establishment, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, roles...)
	if err != nil {
		return e, err
	}
	if !e.Higher() {
		return establishment.Establishment{}, apperr.Invalid("not_higher_education", "%s is not an establishment of higher education", e.UAI).With("uai", e.UAI)
	}
	return e, nil
}

func clean(field, v string, max int, required bool) (string, error) {
	v = strings.TrimSpace(v)
	if required && v == "" {
		return "", apperr.Invalid("required", "%s is required", field).With("field", field)
	}
	return v, apperr.CheckLen(field, v, max)
}

// SaveProgramme creates or updates (by code) a programme.
func (s *Service) SaveProgramme(ctx context.Context, p *authz.Principal, uai string, in Programme) (Programme, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return Programme{}, err
	}
	if in.Code, err = clean("code", in.Code, MaxCode, true); err != nil {
		return Programme{}, err
	}
	if in.Label, err = clean("label", in.Label, MaxLabel, true); err != nil {
		return Programme{}, err
	}
	if in.Level, err = clean("level", in.Level, MaxLevel, false); err != nil {
		return Programme{}, err
	}
	if in.DurationYears < 1 || in.DurationYears > 10 {
		return Programme{}, apperr.Invalid("invalid_duration", "a programme lasts 1 to 10 years, not %d", in.DurationYears).With("value", in.DurationYears)
	}
	now := s.now()
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		err := s.db.QueryRow(ctx, `INSERT INTO programmes (establishment_id, code, label, level, duration_years, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)
			ON CONFLICT (establishment_id, code) DO UPDATE SET label = excluded.label, level = excluded.level,
				duration_years = excluded.duration_years, updated_at = excluded.updated_at
			RETURNING id`, e.ID, in.Code, in.Label, in.Level, in.DurationYears, now).Scan(&in.ID)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.ProgrammeSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"programme_id": in.ID, "code": in.Code}})
	})
	return in, err
}

// Programmes lists the programmes of an establishment, by code.
func (s *Service) Programmes(ctx context.Context, p *authz.Principal, uai string) ([]Programme, error) {
	e, err := s.Resolve(ctx, p, uai, Readers...)
	if err != nil {
		return nil, err
	}
	return s.programmes(ctx, e.ID)
}

// ProgrammesOf lists the programmes of an establishment, by code, for a feature that
// authorised its caller itself (the learning agreements).
func (s *Service) ProgrammesOf(ctx context.Context, establishmentID int64) ([]Programme, error) {
	return s.programmes(ctx, establishmentID)
}

func (s *Service) programmes(ctx context.Context, establishmentID int64) ([]Programme, error) {
	out := []Programme{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var x Programme
		if err := rows.Scan(&x.ID, &x.Code, &x.Label, &x.Level, &x.DurationYears); err != nil {
			return err
		}
		out = append(out, x)
		return nil
	}, `SELECT id, code, label, level, duration_years FROM programmes WHERE establishment_id = $1 ORDER BY code`, establishmentID)
	return out, err
}

// CohortInput is a cohort to create or update (by code).
type CohortInput struct {
	ProgrammeCode  string
	Code           string
	EntryYear      int
	GraduationYear int
	JuryDate       string
}

// SaveCohort creates or updates (by code) a cohort of a programme.
func (s *Service) SaveCohort(ctx context.Context, p *authz.Principal, uai string, in CohortInput) (Cohort, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return Cohort{}, err
	}
	if in.Code, err = clean("code", in.Code, MaxCode, true); err != nil {
		return Cohort{}, err
	}
	if in.EntryYear < 1900 || in.EntryYear > 2200 || in.GraduationYear < in.EntryYear || in.GraduationYear > in.EntryYear+10 {
		return Cohort{}, apperr.Invalid("invalid_years", "entry year %d and graduation year %d do not make a cohort", in.EntryYear, in.GraduationYear).
			With("entry", in.EntryYear).With("graduation", in.GraduationYear)
	}
	if _, err := calendar.ParseDate(in.JuryDate); err != nil {
		return Cohort{}, apperr.Invalid("invalid_date", "jury date %q: use YYYY-MM-DD", in.JuryDate)
	}
	var c Cohort
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var progID int64
		err := s.db.QueryRow(ctx, `SELECT id FROM programmes WHERE establishment_id = $1 AND code = $2`, e.ID, strings.TrimSpace(in.ProgrammeCode)).Scan(&progID)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("programme_not_found", "no programme %q", in.ProgrammeCode).With("code", in.ProgrammeCode)
		}
		if err != nil {
			return err
		}
		now := s.now()
		var id int64
		err = s.db.QueryRow(ctx, `INSERT INTO cohorts (establishment_id, programme_id, code, entry_year, graduation_year, jury_date, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
			ON CONFLICT (establishment_id, code) DO UPDATE SET programme_id = excluded.programme_id, entry_year = excluded.entry_year,
				graduation_year = excluded.graduation_year, jury_date = excluded.jury_date, updated_at = excluded.updated_at
			RETURNING id`, e.ID, progID, in.Code, in.EntryYear, in.GraduationYear, in.JuryDate, now).Scan(&id)
		if err != nil {
			return err
		}
		if c, err = s.CohortByID(ctx, e.ID, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.CohortSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"cohort_id": id, "code": in.Code, "jury_date": in.JuryDate}})
	})
	return c, err
}

const cohortCols = `c.id, c.establishment_id, c.programme_id, p.code, c.code, c.entry_year, c.graduation_year, c.jury_date`

func scanCohort(sc interface{ Scan(...any) error }) (Cohort, error) {
	var c Cohort
	err := sc.Scan(&c.ID, &c.EstablishmentID, &c.ProgrammeID, &c.ProgrammeCode, &c.Code, &c.EntryYear, &c.GraduationYear, &c.JuryDate)
	return c, err
}

// Cohorts lists the cohorts of an establishment, newest first.
func (s *Service) Cohorts(ctx context.Context, p *authz.Principal, uai string) ([]Cohort, error) {
	e, err := s.Resolve(ctx, p, uai, Readers...)
	if err != nil {
		return nil, err
	}
	out := []Cohort{}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		c, err := scanCohort(rows)
		out = append(out, c)
		return err
	}, `SELECT `+cohortCols+` FROM cohorts c JOIN programmes p ON p.id = c.programme_id
		WHERE c.establishment_id = $1 ORDER BY c.graduation_year DESC, c.code`, e.ID)
	return out, err
}

// CohortByID returns a cohort of the establishment (no access check: for the packages
// that checked it).
func (s *Service) CohortByID(ctx context.Context, establishmentID, id int64) (Cohort, error) {
	c, err := scanCohort(s.db.QueryRow(ctx, `SELECT `+cohortCols+` FROM cohorts c JOIN programmes p ON p.id = c.programme_id
		WHERE c.establishment_id = $1 AND c.id = $2`, establishmentID, id))
	if errors.Is(err, store.ErrNotFound) {
		return c, apperr.NotFound("cohort_not_found", "no such cohort")
	}
	return c, err
}

// CohortByCode returns a cohort of the establishment by its code.
func (s *Service) CohortByCode(ctx context.Context, establishmentID int64, code string) (Cohort, error) {
	c, err := scanCohort(s.db.QueryRow(ctx, `SELECT `+cohortCols+` FROM cohorts c JOIN programmes p ON p.id = c.programme_id
		WHERE c.establishment_id = $1 AND c.code = $2`, establishmentID, strings.TrimSpace(code)))
	if errors.Is(err, store.ErrNotFound) {
		return c, apperr.NotFound("cohort_not_found", "no cohort %q", code)
	}
	return c, err
}

// CohortsByIDs returns the cohorts with the given ids (any establishment), by id: the
// nightly jobs read every cohort they meet once.
func (s *Service) CohortsByIDs(ctx context.Context, ids []int64) (map[int64]Cohort, error) {
	out := make(map[int64]Cohort, len(ids))
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		err := s.db.Each(ctx, func(rows *sql.Rows) error {
			c, err := scanCohort(rows)
			out[c.ID] = c
			return err
		}, `SELECT `+cohortCols+` FROM cohorts c JOIN programmes p ON p.id = c.programme_id WHERE c.id IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Member is a student of a cohort.
type Member struct {
	StudentID   int64
	CohortID    int64
	YearOfStudy int
	// Email is the address the registrar gave ("" when none).
	Email string
}

// Members lists the students of a cohort, by student id.
func (s *Service) Members(ctx context.Context, establishmentID, cohortID int64) ([]Member, error) {
	var out []Member
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var m Member
		err := rows.Scan(&m.StudentID, &m.CohortID, &m.YearOfStudy, &m.Email)
		out = append(out, m)
		return err
	}, `SELECT student_id, cohort_id, year_of_study, email FROM cohort_students WHERE establishment_id = $1 AND cohort_id = $2 ORDER BY student_id`,
		establishmentID, cohortID)
	return out, err
}

// PurgeMembers deletes the membership rows of a cohort (who was in it, his year and
// the registrar's e-mail), in the caller's transaction: the graduation purge calls it
// once the cohort's jury is past its retention. The cohort itself stays (no personal
// data). It returns the number of rows deleted.
func (s *Service) PurgeMembers(ctx context.Context, establishmentID, cohortID int64) (int64, error) {
	return s.db.ExecCount(ctx, `DELETE FROM cohort_students WHERE establishment_id = $1 AND cohort_id = $2`, establishmentID, cohortID)
}

// MembersOf returns the cohort memberships of the establishment's students, by student id.
func (s *Service) MembersOf(ctx context.Context, establishmentID int64) (map[int64]Member, error) {
	out := map[int64]Member{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var m Member
		err := rows.Scan(&m.StudentID, &m.CohortID, &m.YearOfStudy, &m.Email)
		out[m.StudentID] = m
		return err
	}, `SELECT student_id, cohort_id, year_of_study, email FROM cohort_students WHERE establishment_id = $1`, establishmentID)
	return out, err
}

// MemberOf returns the cohort of a student (found false when he has none).
func (s *Service) MemberOf(ctx context.Context, establishmentID, studentID int64) (Member, bool, error) {
	var m Member
	err := s.db.QueryRow(ctx, `SELECT student_id, cohort_id, year_of_study, email FROM cohort_students WHERE establishment_id = $1 AND student_id = $2`,
		establishmentID, studentID).Scan(&m.StudentID, &m.CohortID, &m.YearOfStudy, &m.Email)
	if errors.Is(err, store.ErrNotFound) {
		return m, false, nil
	}
	return m, err == nil, err
}

// SetMembers puts students in cohorts (one each: a student moved leaves his former
// cohort), inside the transaction ctx carries. The callers checked access.
func (s *Service) SetMembers(ctx context.Context, establishmentID int64, ms []Member) error {
	now := s.now()
	rows := make([][]any, len(ms))
	for i, m := range ms {
		rows[i] = []any{m.StudentID, establishmentID, m.CohortID, m.YearOfStudy, m.Email, now}
	}
	// Batched, set-based: an import of thousands writes a few statements.
	for start := 0; start < len(rows); start += 1000 {
		if err := s.db.InsertRowsOn(ctx, "cohort_students", []string{"student_id", "establishment_id", "cohort_id", "year_of_study", "email", "updated_at"},
			rows[start:min(start+1000, len(rows))],
			`ON CONFLICT (student_id) DO UPDATE SET cohort_id = excluded.cohort_id, year_of_study = excluded.year_of_study,
				email = excluded.email, updated_at = excluded.updated_at`, "", nil); err != nil {
			return err
		}
	}
	return nil
}

// Mapping returns the registrar column mapping remembered for the establishment (raw
// JSON, "" when none).
func (s *Service) Mapping(ctx context.Context, establishmentID int64) (string, error) {
	var m string
	err := s.db.QueryRow(ctx, `SELECT mapping FROM registrar_mappings WHERE establishment_id = $1`, establishmentID).Scan(&m)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return m, err
}

// SetMapping remembers the registrar column mapping of the establishment.
func (s *Service) SetMapping(ctx context.Context, establishmentID int64, mapping string) error {
	_, err := s.db.Exec(ctx, `INSERT INTO registrar_mappings (establishment_id, mapping, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (establishment_id) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at`, establishmentID, mapping, s.now())
	return err
}

// placeholders returns "$1, $2, …, $n".
func placeholders(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(i))
	}
	return b.String()
}
