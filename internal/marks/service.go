package marks

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
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// Year is what marks needs of the school year: teaching services, periods, classes and
// their pupils (internal/schoolyear, adapted where the bundle is built).
type Year interface {
	// TeachingService returns a service of the establishment (apperr.NotFound otherwise).
	TeachingService(ctx context.Context, establishmentID, serviceID int64) (TeachingService, error)
	// ClassServices returns the services of a class.
	ClassServices(ctx context.Context, establishmentID, classID int64) ([]TeachingService, error)
	// Period returns a period of the establishment.
	Period(ctx context.Context, establishmentID, periodID int64) (Period, error)
	// Class returns a class of the establishment.
	Class(ctx context.Context, establishmentID, classID int64) (Class, error)
	// ClassPupils returns the pupils of a class, in the order pages list them.
	ClassPupils(ctx context.Context, establishmentID, classID int64) ([]Pupil, error)
	// ServicePupils returns the pupils a service teaches (its class, or its group).
	ServicePupils(ctx context.Context, establishmentID, serviceID int64) ([]Pupil, error)
	// PupilClasses returns the classes a pupil (a student id) is or was in, most recent first.
	PupilClasses(ctx context.Context, establishmentID, studentID int64) ([]Class, error)
	// Classes returns the classes of a school year.
	Classes(ctx context.Context, establishmentID, yearID int64) ([]Class, error)
	// Periods returns the periods of a school year, in order.
	Periods(ctx context.Context, establishmentID, yearID int64) ([]Period, error)
	// CurrentYear returns the establishment's current school year (apperr.NotFound when
	// it has none).
	CurrentYear(ctx context.Context, establishmentID int64) (int64, error)
	// Services returns the teaching services of a school year.
	Services(ctx context.Context, establishmentID, yearID int64) ([]TeachingService, error)
}

// TeachingService is a subject taught to a class by a teacher, with its coefficient.
type TeachingService struct {
	ID          int64  `json:"id"`
	ClassID     int64  `json:"class_id"`
	Subject     string `json:"subject"`
	TeacherID   int64  `json:"teacher_id"`
	TeacherName string `json:"teacher_name"`
	Coef        int64  `json:"coefficient"` // hundredths
}

// Period is a trimestre or semestre of a school year.
type Period struct {
	ID     int64  `json:"id"`
	YearID int64  `json:"year_id"`
	Label  string `json:"label"`
	Year   string `json:"year"` // "2025-2026"
	Start  string `json:"start"`
	End    string `json:"end"`
	Open   bool   `json:"open"`
}

// Class is a class of a school year.
type Class struct {
	ID            int64  `json:"id"`
	YearID        int64  `json:"year_id"`
	Name          string `json:"name"`
	MainTeacherID int64  `json:"main_teacher_id"`
}

// Pupil is a pupil of a class.
type Pupil struct {
	StudentID int64  `json:"student_id"`
	EleveID   string `json:"eleve_id"`
	LastName  string `json:"last_name"`
	FirstName string `json:"first_name"`
	AccountID int64  `json:"account_id,omitempty"`
}

// Name is "NOM Prénom".
func (p Pupil) Name() string { return strings.TrimSpace(p.LastName + " " + p.FirstName) }

// Limits (docs/limits.md).
const (
	MaxTitle          = 120
	MaxAppreciation   = 600
	MaxMention        = 80
	MaxDecision       = 300
	MaxAssessments    = 60 // per service and period
	MaxChangesPerSave = 2000
)

// Service is the marks of an establishment's classes.
type Service struct {
	db             *store.DB
	audit          *audit.Log
	establishments *establishment.Service
	students       *student.Service
	year           Year
	now            func() time.Time
	// Rank, when set, prints the rank on report cards and class tables (off by default).
	Rank bool
}

// New returns a Service.
func New(db *store.DB, log *audit.Log, est *establishment.Service, students *student.Service, year Year, now func() time.Time) *Service {
	return &Service{db: db, audit: log, establishments: est, students: students, year: year, now: now}
}

// staffRoles see the marks of their establishment; admins write everywhere there.
var staffRoles = []authz.Role{authz.RoleAdmin, authz.RoleTeacher, authz.RoleInspector}

func isAdmin(p *authz.Principal, estID int64) bool {
	return p.IsPlatformAdmin() || p.Has(authz.RoleAdmin, estID)
}

// scope is a service in a period, resolved and checked for a principal.
type scope struct {
	e       establishment.Establishment
	service TeachingService
	period  Period
	class   Class
	// write: the principal may change marks; locked: the period is closed or the
	// council locked the class.
	write, locked bool
}

// resolve checks that p sees the establishment and that service and period belong to it.
func (s *Service) resolve(ctx context.Context, p *authz.Principal, uai string, serviceID, periodID int64) (scope, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, staffRoles...)
	if err != nil {
		return scope{}, err
	}
	sv, err := s.year.TeachingService(ctx, e.ID, serviceID)
	if err != nil {
		return scope{}, err
	}
	pe, err := s.year.Period(ctx, e.ID, periodID)
	if err != nil {
		return scope{}, err
	}
	// A service of a group has no class: its marks have no council lock of their own.
	var c Class
	if sv.ClassID != 0 {
		if c, err = s.year.Class(ctx, e.ID, sv.ClassID); err != nil {
			return scope{}, err
		}
	}
	if c.YearID != 0 && pe.YearID != 0 && c.YearID != pe.YearID {
		return scope{}, apperr.NotFound("period_not_found", "no such period for this class")
	}
	sc := scope{e: e, service: sv, period: pe, class: c}
	sc.write = isAdmin(p, e.ID) || (sv.TeacherID == p.AccountID && p.Has(authz.RoleTeacher, e.ID))
	lk, err := s.lock(ctx, e.ID, pe.ID, c.ID)
	if err != nil {
		return scope{}, err
	}
	sc.locked = !pe.Open || lk.Locked
	return sc, nil
}

// writable refuses a change when p is not the service's teacher or an admin, or when
// the period is read-only.
func (sc scope) writable() error {
	if !sc.write {
		return apperr.Forbidden("not_service_teacher", "only the teacher of this service or an administrator enters its marks")
	}
	if !sc.period.Open {
		return apperr.Conflict("period_closed", "the period %s is closed: its marks are read-only", sc.period.Label).With("period", sc.period.Label)
	}
	if sc.locked {
		return apperr.Conflict("class_locked", "the class council locked this period for the class: its marks are read-only")
	}
	return nil
}

// Assessment is a devoir of a service in a period.
type Assessment struct {
	ID        int64  `json:"id"`
	ServiceID int64  `json:"service_id"`
	PeriodID  int64  `json:"period_id"`
	Title     string `json:"title"`
	Date      string `json:"date"`
	OutOf     int64  `json:"out_of"`      // hundredths
	Coef      int64  `json:"coefficient"` // hundredths
}

// AssessmentInput is a devoir as a form or the API gives it: numbers as typed.
type AssessmentInput struct {
	Title string `json:"title"`
	Date  string `json:"date"`
	OutOf string `json:"out_of"`
	Coef  string `json:"coefficient"`
}

func (in AssessmentInput) check() (Assessment, error) {
	a := Assessment{Title: strings.TrimSpace(in.Title), Date: strings.TrimSpace(in.Date), OutOf: DefaultOutOf, Coef: DefaultCoef}
	if a.Title == "" {
		return a, apperr.Invalid("required", "title is required").With("field", "title")
	}
	if err := apperr.CheckLen("title", a.Title, MaxTitle); err != nil {
		return a, err
	}
	if _, err := calendar.ParseDate(a.Date); err != nil {
		return a, apperr.Invalid("invalid_date", "date %q: use YYYY-MM-DD", a.Date)
	}
	var err error
	if t := strings.TrimSpace(in.OutOf); t != "" {
		if a.OutOf, err = ParsePoints(t); err != nil {
			return a, apperr.Invalid("invalid_out_of", "out of %q: a number such as 20", t)
		}
	}
	if err := CheckOutOf(a.OutOf); err != nil {
		return a, err
	}
	if t := strings.TrimSpace(in.Coef); t != "" {
		if a.Coef, err = ParsePoints(t); err != nil {
			return a, apperr.Invalid("invalid_coefficient", "coefficient %q: a number such as 1 or 0,5", t).With("field", "coefficient")
		}
	}
	return a, CheckCoef(a.Coef)
}

const assessmentCols = `id, service_id, period_id, title, taken_on, out_of, coefficient`

func scanAssessment(sc interface{ Scan(...any) error }) (Assessment, error) {
	var a Assessment
	err := sc.Scan(&a.ID, &a.ServiceID, &a.PeriodID, &a.Title, &a.Date, &a.OutOf, &a.Coef)
	return a, err
}

// CreateAssessment adds a devoir to a service for a period (its teacher, an admin;
// the period open and the class not locked).
func (s *Service) CreateAssessment(ctx context.Context, p *authz.Principal, uai string, serviceID, periodID int64, in AssessmentInput) (Assessment, error) {
	a, err := in.check()
	if err != nil {
		return Assessment{}, err
	}
	sc, err := s.resolve(ctx, p, uai, serviceID, periodID)
	if err != nil {
		return Assessment{}, err
	}
	if err := sc.writable(); err != nil {
		return Assessment{}, err
	}
	a.ServiceID, a.PeriodID = serviceID, periodID
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var n int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM mark_assessments WHERE service_id = $1 AND period_id = $2`, serviceID, periodID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxAssessments {
			return apperr.TooManyItems("assessments", MaxAssessments)
		}
		now := s.now()
		if err := s.db.QueryRow(ctx, `INSERT INTO mark_assessments (establishment_id, service_id, period_id, class_id, title, taken_on, out_of, coefficient,
				author_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			sc.e.ID, serviceID, periodID, sc.class.ID, a.Title, a.Date, a.OutOf, a.Coef, author(p), now).Scan(&a.ID); err != nil {
			return err
		}
		return s.record(ctx, p, sc.e.ID, audit.MarksAssessmentSaved, map[string]any{"assessment_id": a.ID, "service_id": serviceID, "period_id": periodID})
	})
	return a, err
}

// UpdateAssessment changes a devoir's title, date, out of and coefficient. Lowering the
// "out of" below a mark already entered is refused.
func (s *Service) UpdateAssessment(ctx context.Context, p *authz.Principal, uai string, id int64, in AssessmentInput) (Assessment, error) {
	a, err := in.check()
	if err != nil {
		return Assessment{}, err
	}
	old, sc, err := s.assessment(ctx, p, uai, id)
	if err != nil {
		return Assessment{}, err
	}
	if err := sc.writable(); err != nil {
		return Assessment{}, err
	}
	a.ID, a.ServiceID, a.PeriodID = old.ID, old.ServiceID, old.PeriodID
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var top sql.NullInt64
		if err := s.db.QueryRow(ctx, `SELECT MAX(value) FROM marks WHERE assessment_id = $1 AND code = ''`, id).Scan(&top); err != nil {
			return err
		}
		if top.Valid && top.Int64 > a.OutOf {
			return apperr.Conflict("out_of_below_marks", "a mark of %s is above the new maximum", FormatPoints(top.Int64, "en")).
				With("value", FormatPoints(top.Int64, "fr"))
		}
		if _, err := s.db.Exec(ctx, `UPDATE mark_assessments SET title = $1, taken_on = $2, out_of = $3, coefficient = $4, updated_at = $5
			WHERE id = $6 AND establishment_id = $7`, a.Title, a.Date, a.OutOf, a.Coef, s.now(), id, sc.e.ID); err != nil {
			return err
		}
		return s.record(ctx, p, sc.e.ID, audit.MarksAssessmentSaved, map[string]any{"assessment_id": id})
	})
	return a, err
}

// DeleteAssessment deletes a devoir and its marks.
func (s *Service) DeleteAssessment(ctx context.Context, p *authz.Principal, uai string, id int64) error {
	_, sc, err := s.assessment(ctx, p, uai, id)
	if err != nil {
		return err
	}
	if err := sc.writable(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Exec(ctx, `DELETE FROM marks WHERE assessment_id = $1`, id); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM mark_assessments WHERE id = $1 AND establishment_id = $2`, id, sc.e.ID); err != nil {
			return err
		}
		return s.record(ctx, p, sc.e.ID, audit.MarksAssessmentDeleted, map[string]any{"assessment_id": id})
	})
}

// assessment finds a devoir of the establishment and resolves its scope.
func (s *Service) assessment(ctx context.Context, p *authz.Principal, uai string, id int64) (Assessment, scope, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, staffRoles...)
	if err != nil {
		return Assessment{}, scope{}, err
	}
	a, err := scanAssessment(s.db.QueryRow(ctx, `SELECT `+assessmentCols+` FROM mark_assessments WHERE id = $1 AND establishment_id = $2`, id, e.ID))
	if errors.Is(err, store.ErrNotFound) {
		return Assessment{}, scope{}, apperr.NotFound("assessment_not_found", "no such assessment")
	}
	if err != nil {
		return Assessment{}, scope{}, err
	}
	sc, err := s.resolve(ctx, p, uai, a.ServiceID, a.PeriodID)
	return a, sc, err
}

func (s *Service) assessments(ctx context.Context, estID, serviceID, periodID int64) ([]Assessment, error) {
	var out []Assessment
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		a, err := scanAssessment(rows)
		out = append(out, a)
		return err
	}, `SELECT `+assessmentCols+` FROM mark_assessments WHERE establishment_id = $1 AND service_id = $2 AND period_id = $3 ORDER BY taken_on, id`,
		estID, serviceID, periodID)
	return out, err
}

// record writes an audit event of p in the establishment.
func (s *Service) record(ctx context.Context, p *authz.Principal, estID int64, action string, detail map[string]any) error {
	return s.audit.Record(ctx, audit.Event{Action: action, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login, EstablishmentID: &estID, Detail: detail})
}

// author is the account to store as a row's author: none for the platform operator
// (the command line), which has no account.
func author(p *authz.Principal) any {
	if p.AccountID <= 0 {
		return nil
	}
	return p.AccountID
}
