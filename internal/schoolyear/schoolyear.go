// Package schoolyear is the school year of a secondary establishment: its years and
// periods (trimestres or semestres, opened and closed), its classes (capacity, main
// teacher), the enrolment of each pupil for a year (pre-enrolled, enrolled, left; the
// end-of-year results), the teaching services (a subject taught to a class or a group
// by a teacher, with a coefficient) and the attestations de scolarité.
//
// It owns the tables school_years, school_periods, school_classes, school_enrolments,
// school_services and school_attestations (docs/architecture.md). The students
// themselves belong to internal/student, which keeps students.class as the read copy
// of the current year's class (docs/decisions/0023-school-year.md).
//
// Two kinds of functions: those taking a principal and a UAI check access (and audit
// reads of a pupil's data by staff); those taking an establishment id are for the
// packages above (marks, report cards) that already resolved the establishment for
// their caller — every query they run is still bound to that establishment.
package schoolyear

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/secret"
	"github.com/cartable/cartable/internal/store"
)

// Roles: Managers administer the year (years, periods, classes, enrolments, services);
// Staff read it.
var (
	Managers = []authz.Role{authz.RoleAdmin}
	Staff    = []authz.Role{authz.RoleAdmin, authz.RoleTeacher, authz.RoleInspector}
)

// Kinds of periods.
const (
	Trimestre = "trimestre"
	Semestre  = "semestre"
)

// Limits (docs/limits.md).
const (
	MaxCode     = 40
	MaxLabel    = 200
	MaxText     = 500
	MaxCapacity = 1000
	// MaxCoefficient is 100 (in hundredths).
	MaxCoefficient = 10000
)

// Service is the school year.
type Service struct {
	db             *store.DB
	audit          *audit.Log
	establishments *establishment.Service
	now            func() time.Time
	// Accounts creates the pending account of a pupil entered by hand (app.New).
	Accounts *account.Service
	// Secrets gives the key that signs the attestations' verification URLs (app.New).
	Secrets *secret.Store
	// BaseURL is the platform's public address, printed in the attestations' QR codes.
	BaseURL string
	// FileSections add their parts to a pupil's file (PupilFile): the marks and report
	// cards of part B register theirs in app.New.
	FileSections []SectionFunc
}

var errNoAccounts = errors.New("schoolyear: no account service")

// New returns a Service.
func New(db *store.DB, log *audit.Log, est *establishment.Service, now func() time.Time) *Service {
	return &Service{db: db, audit: log, establishments: est, now: now}
}

// Resolve returns the secondary establishment uai where p holds one of roles; an
// establishment of higher education has no school year.
func (s *Service) Resolve(ctx context.Context, p *authz.Principal, uai string, roles ...authz.Role) (establishment.Establishment, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, roles...)
	if err != nil {
		return e, err
	}
	if e.Higher() {
		return establishment.Establishment{}, apperr.Invalid("not_secondary", "%s is an establishment of higher education: it has no school year", e.UAI).With("uai", e.UAI)
	}
	return e, nil
}

// Year is a school year of an establishment: StartYear 2026 is 2026-2027.
type Year struct {
	ID              int64    `json:"id"`
	EstablishmentID int64    `json:"-"`
	StartYear       int      `json:"start_year"`
	StartDate       string   `json:"start_date"`
	EndDate         string   `json:"end_date"`
	PeriodKind      string   `json:"period_kind"`
	Closed          bool     `json:"closed"`
	Periods         []Period `json:"periods"`
}

// Label is "2026-2027".
func (y Year) Label() string { return strconv.Itoa(y.StartYear) + "-" + strconv.Itoa(y.StartYear+1) }

// Period is a trimestre or a semestre of a year. A closed period (or any period of a
// closed year) is read-only.
type Period struct {
	ID              int64  `json:"id"`
	EstablishmentID int64  `json:"-"`
	YearID          int64  `json:"year_id"`
	Position        int    `json:"position"`
	Kind            string `json:"kind"`
	StartDate       string `json:"start_date"`
	EndDate         string `json:"end_date"`
	// Closed is the period's own state; YearClosed its year's.
	Closed     bool `json:"closed"`
	YearClosed bool `json:"year_closed"`
}

// Open reports whether the period may still be written.
func (p Period) Open() bool { return !p.Closed && !p.YearClosed }

// Code is "T1".."T3" or "S1".."S2".
func (p Period) Code() string {
	if p.Kind == Semestre {
		return "S" + strconv.Itoa(p.Position)
	}
	return "T" + strconv.Itoa(p.Position)
}

// YearInput creates or updates a year. Empty dates take the defaults (1 September to
// 4 July); the periods are cut evenly at creation and moved with SavePeriod.
type YearInput struct {
	StartYear  int    `json:"start_year"`
	StartDate  string `json:"start_date"`
	EndDate    string `json:"end_date"`
	PeriodKind string `json:"period_kind"`
}

func periodCount(kind string) int {
	if kind == Semestre {
		return 2
	}
	return 3
}

// defaultPeriods cuts a year in its periods (civil dates).
func defaultPeriods(startYear int, kind, start, end string) [][2]string {
	y1, y2 := strconv.Itoa(startYear), strconv.Itoa(startYear+1)
	if kind == Semestre {
		return [][2]string{{start, y2 + "-01-31"}, {y2 + "-02-01", end}}
	}
	return [][2]string{{start, y1 + "-11-30"}, {y1 + "-12-01", y2 + "-03-15"}, {y2 + "-03-16", end}}
}

func checkDate(field, v string) error {
	if _, err := calendar.ParseDate(v); err != nil {
		return apperr.Invalid("invalid_date_field", "%s %q: use YYYY-MM-DD", field, v).With("field", field)
	}
	return nil
}

// SaveYear creates the year StartYear of the establishment with its periods, or
// updates its dates (the kind of periods is fixed at creation).
func (s *Service) SaveYear(ctx context.Context, p *authz.Principal, uai string, in YearInput) (Year, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return Year{}, err
	}
	if in.StartYear < 1900 || in.StartYear > 2999 {
		return Year{}, apperr.Invalid("invalid_year", "start year %d: use a year such as 2026 for 2026-2027", in.StartYear).With("field", "start_year")
	}
	if in.PeriodKind == "" {
		in.PeriodKind = Trimestre
	}
	if in.PeriodKind != Trimestre && in.PeriodKind != Semestre {
		return Year{}, apperr.Invalid("invalid_period_kind", "period kind %q: use trimestre or semestre", in.PeriodKind).With("field", "period_kind")
	}
	if in.StartDate == "" {
		in.StartDate = strconv.Itoa(in.StartYear) + "-09-01"
	}
	if in.EndDate == "" {
		in.EndDate = strconv.Itoa(in.StartYear+1) + "-07-04"
	}
	if err := checkDate("start_date", in.StartDate); err != nil {
		return Year{}, err
	}
	if err := checkDate("end_date", in.EndDate); err != nil {
		return Year{}, err
	}
	if in.EndDate <= in.StartDate {
		return Year{}, apperr.Invalid("invalid_dates", "the year ends (%s) before it starts (%s)", in.EndDate, in.StartDate).With("field", "end_date")
	}
	var y Year
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var err error
		y, err = s.ensureYear(ctx, e.ID, in)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolYearSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"year_id": y.ID, "start_year": y.StartYear}})
	})
	return y, err
}

// ensureYear creates or updates a year and creates its periods when new.
func (s *Service) ensureYear(ctx context.Context, establishmentID int64, in YearInput) (Year, error) {
	now := s.now()
	var id int64
	var kind string
	err := s.db.QueryRow(ctx, `SELECT id, period_kind FROM school_years WHERE establishment_id = $1 AND start_year = $2`, establishmentID, in.StartYear).Scan(&id, &kind)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if err := s.db.QueryRow(ctx, `INSERT INTO school_years (establishment_id, start_year, start_date, end_date, period_kind, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, establishmentID, in.StartYear, in.StartDate, in.EndDate, in.PeriodKind, now).Scan(&id); err != nil {
			return Year{}, err
		}
		for i, d := range defaultPeriods(in.StartYear, in.PeriodKind, in.StartDate, in.EndDate) {
			if _, err := s.db.Exec(ctx, `INSERT INTO school_periods (establishment_id, year_id, position, start_date, end_date) VALUES ($1, $2, $3, $4, $5)`,
				establishmentID, id, i+1, d[0], d[1]); err != nil {
				return Year{}, err
			}
		}
	case err != nil:
		return Year{}, err
	default:
		if kind != in.PeriodKind {
			return Year{}, apperr.Conflict("period_kind_fixed", "the year %d is cut in %ss: its kind of periods cannot change", in.StartYear, kind).With("field", "period_kind")
		}
		if _, err := s.db.Exec(ctx, `UPDATE school_years SET start_date = $1, end_date = $2, updated_at = $3 WHERE establishment_id = $4 AND id = $5`,
			in.StartDate, in.EndDate, now, establishmentID, id); err != nil {
			return Year{}, err
		}
	}
	return s.Year(ctx, establishmentID, id)
}

const yearCols = `id, establishment_id, start_year, start_date, end_date, period_kind, closed`

func scanYear(sc interface{ Scan(...any) error }) (Year, error) {
	var y Year
	err := sc.Scan(&y.ID, &y.EstablishmentID, &y.StartYear, &y.StartDate, &y.EndDate, &y.PeriodKind, &y.Closed)
	return y, err
}

var errNoYear = apperr.NotFound("school_year_not_found", "no such school year")

// Year returns a year of the establishment with its periods.
func (s *Service) Year(ctx context.Context, establishmentID, yearID int64) (Year, error) {
	y, err := scanYear(s.db.QueryRow(ctx, `SELECT `+yearCols+` FROM school_years WHERE establishment_id = $1 AND id = $2`, establishmentID, yearID))
	if errors.Is(err, store.ErrNotFound) {
		return Year{}, errNoYear
	}
	if err != nil {
		return Year{}, err
	}
	y.Periods, err = s.Periods(ctx, establishmentID, y.ID)
	return y, err
}

// YearOf returns the year StartYear of the establishment.
func (s *Service) YearOf(ctx context.Context, establishmentID int64, startYear int) (Year, error) {
	var id int64
	err := s.db.QueryRow(ctx, `SELECT id FROM school_years WHERE establishment_id = $1 AND start_year = $2`, establishmentID, startYear).Scan(&id)
	if errors.Is(err, store.ErrNotFound) {
		return Year{}, errNoYear
	}
	if err != nil {
		return Year{}, err
	}
	return s.Year(ctx, establishmentID, id)
}

// YearsOf lists the years of the establishment, the latest first, with their periods.
func (s *Service) YearsOf(ctx context.Context, establishmentID int64) ([]Year, error) {
	var out []Year
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		y, err := scanYear(rows)
		out = append(out, y)
		return err
	}, `SELECT `+yearCols+` FROM school_years WHERE establishment_id = $1 ORDER BY start_year DESC`, establishmentID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Periods, err = s.Periods(ctx, establishmentID, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Years lists the years of an establishment (staff).
func (s *Service) Years(ctx context.Context, p *authz.Principal, uai string) ([]Year, error) {
	e, err := s.Resolve(ctx, p, uai, Staff...)
	if err != nil {
		return nil, err
	}
	return s.YearsOf(ctx, e.ID)
}

// StartYearAt is the school year a civil date belongs to: from August on, the year
// that starts; before, the year that started the previous calendar year.
func StartYearAt(date time.Time) int {
	d := date.In(calendar.Paris)
	if d.Month() >= time.August {
		return d.Year()
	}
	return d.Year() - 1
}

// CurrentYear returns the establishment's year that contains today (Paris), or else
// the latest year that started before today; NotFound when it has none.
func (s *Service) CurrentYear(ctx context.Context, establishmentID int64) (Year, error) {
	today := calendar.Date(s.now())
	var id int64
	err := s.db.QueryRow(ctx, `SELECT id FROM school_years WHERE establishment_id = $1 AND start_date <= $2
		ORDER BY start_date DESC LIMIT 1`, establishmentID, today).Scan(&id)
	if errors.Is(err, store.ErrNotFound) {
		// Before the first year starts (the summer before): the earliest one.
		err = s.db.QueryRow(ctx, `SELECT id FROM school_years WHERE establishment_id = $1 ORDER BY start_date LIMIT 1`, establishmentID).Scan(&id)
	}
	if errors.Is(err, store.ErrNotFound) {
		return Year{}, errNoYear
	}
	if err != nil {
		return Year{}, err
	}
	return s.Year(ctx, establishmentID, id)
}

const periodCols = `p.id, p.establishment_id, p.year_id, p.position, y.period_kind, p.start_date, p.end_date, p.closed, y.closed`

const periodFrom = ` FROM school_periods p JOIN school_years y ON y.id = p.year_id AND y.establishment_id = p.establishment_id`

func scanPeriod(sc interface{ Scan(...any) error }) (Period, error) {
	var p Period
	err := sc.Scan(&p.ID, &p.EstablishmentID, &p.YearID, &p.Position, &p.Kind, &p.StartDate, &p.EndDate, &p.Closed, &p.YearClosed)
	return p, err
}

// Periods lists the periods of a year, in order.
func (s *Service) Periods(ctx context.Context, establishmentID, yearID int64) ([]Period, error) {
	out := []Period{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		p, err := scanPeriod(rows)
		out = append(out, p)
		return err
	}, `SELECT `+periodCols+periodFrom+` WHERE p.establishment_id = $1 AND p.year_id = $2 ORDER BY p.position`, establishmentID, yearID)
	return out, err
}

var errNoPeriod = apperr.NotFound("period_not_found", "no such period")

// Period returns a period of the establishment.
func (s *Service) Period(ctx context.Context, establishmentID, periodID int64) (Period, error) {
	p, err := scanPeriod(s.db.QueryRow(ctx, `SELECT `+periodCols+periodFrom+` WHERE p.establishment_id = $1 AND p.id = $2`, establishmentID, periodID))
	if errors.Is(err, store.ErrNotFound) {
		return Period{}, errNoPeriod
	}
	return p, err
}

// PeriodOpen reports whether a period of the establishment may be written: neither it
// nor its year is closed.
func (s *Service) PeriodOpen(ctx context.Context, establishmentID, periodID int64) (bool, error) {
	p, err := s.Period(ctx, establishmentID, periodID)
	if err != nil {
		return false, err
	}
	return p.Open(), nil
}

// CheckOpen returns nil when the period is open, else a Conflict "period_closed".
func (s *Service) CheckOpen(ctx context.Context, establishmentID, periodID int64) error {
	p, err := s.Period(ctx, establishmentID, periodID)
	if err != nil {
		return err
	}
	if !p.Open() {
		return apperr.Conflict("period_closed", "the period %s is closed: it is read-only", p.Code()).With("period", p.Code())
	}
	return nil
}

// PeriodAt returns the period of the establishment containing date (YYYY-MM-DD).
func (s *Service) PeriodAt(ctx context.Context, establishmentID int64, date string) (Period, error) {
	p, err := scanPeriod(s.db.QueryRow(ctx, `SELECT `+periodCols+periodFrom+` WHERE p.establishment_id = $1 AND p.start_date <= $2 AND p.end_date >= $2
		ORDER BY p.start_date DESC LIMIT 1`, establishmentID, date))
	if errors.Is(err, store.ErrNotFound) {
		return Period{}, errNoPeriod
	}
	return p, err
}

// SavePeriod moves a period's dates (an open period of an open year).
func (s *Service) SavePeriod(ctx context.Context, p *authz.Principal, uai string, periodID int64, start, end string) (Period, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return Period{}, err
	}
	if err := checkDate("start_date", start); err != nil {
		return Period{}, err
	}
	if err := checkDate("end_date", end); err != nil {
		return Period{}, err
	}
	if end < start {
		return Period{}, apperr.Invalid("invalid_dates", "the period ends (%s) before it starts (%s)", end, start).With("field", "end_date")
	}
	var out Period
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.CheckOpen(ctx, e.ID, periodID); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE school_periods SET start_date = $1, end_date = $2 WHERE establishment_id = $3 AND id = $4`, start, end, e.ID, periodID); err != nil {
			return err
		}
		var err error
		if out, err = s.Period(ctx, e.ID, periodID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolPeriodChanged, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"period_id": periodID, "start_date": start, "end_date": end}})
	})
	return out, err
}

// SetPeriodClosed closes (or reopens) a period. Reopening a period of a closed year is
// refused: reopen the year first.
func (s *Service) SetPeriodClosed(ctx context.Context, p *authz.Principal, uai string, periodID int64, closed bool) (Period, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return Period{}, err
	}
	var out Period
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.Period(ctx, e.ID, periodID)
		if err != nil {
			return err
		}
		if cur.YearClosed && !closed {
			return apperr.Conflict("year_closed_reopen", "the year is closed: reopen it before its periods")
		}
		var at any
		var by any
		if closed {
			at, by = s.now(), audit.ID(p.AccountID)
		}
		if _, err := s.db.Exec(ctx, `UPDATE school_periods SET closed = $1, closed_at = $2, closed_by = $3 WHERE establishment_id = $4 AND id = $5`,
			closed, at, by, e.ID, periodID); err != nil {
			return err
		}
		if out, err = s.Period(ctx, e.ID, periodID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolPeriodChanged, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"period_id": periodID, "closed": closed}})
	})
	return out, err
}

// SetYearClosed closes (or reopens) a year: a closed year is read-only in every
// period, its classes, enrolments and services included.
func (s *Service) SetYearClosed(ctx context.Context, p *authz.Principal, uai string, yearID int64, closed bool) (Year, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return Year{}, err
	}
	var out Year
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		n, err := s.db.ExecCount(ctx, `UPDATE school_years SET closed = $1, updated_at = $2 WHERE establishment_id = $3 AND id = $4`, closed, s.now(), e.ID, yearID)
		if err != nil {
			return err
		}
		if n == 0 {
			return errNoYear
		}
		if out, err = s.Year(ctx, e.ID, yearID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolYearSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"year_id": yearID, "closed": closed}})
	})
	return out, err
}

// writableYear returns the year, refusing a closed one.
func (s *Service) writableYear(ctx context.Context, establishmentID, yearID int64) (Year, error) {
	y, err := s.Year(ctx, establishmentID, yearID)
	if err != nil {
		return y, err
	}
	if y.Closed {
		return y, apperr.Conflict("year_closed", "the year %s is closed: it is read-only", y.Label()).With("year", y.Label())
	}
	return y, nil
}

// isManager reports whether p administers the establishment.
func isManager(p *authz.Principal, establishmentID int64) bool {
	if p.IsPlatformAdmin() {
		return true
	}
	return slices.ContainsFunc(Managers, func(r authz.Role) bool { return p.Has(r, establishmentID) })
}

func clean(field, v string, max int, required bool) (string, error) {
	v = trim(v)
	if required && v == "" {
		return "", apperr.Invalid("required", "%s is required", field).With("field", field)
	}
	return v, apperr.CheckLen(field, v, max)
}

// FormatCoefficient writes a coefficient in hundredths as people do: 100 → "1",
// 150 → "1,5", 125 → "1,25".
func FormatCoefficient(c int) string {
	if c%100 == 0 {
		return strconv.Itoa(c / 100)
	}
	if c%10 == 0 {
		return fmt.Sprintf("%d,%d", c/100, (c%100)/10)
	}
	return fmt.Sprintf("%d,%02d", c/100, c%100)
}
