package schoolyear

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

func trim(s string) string { return strings.TrimFunc(s, unicode.IsSpace) }

// Class is a class (division) of a year.
type Class struct {
	ID              int64  `json:"id"`
	EstablishmentID int64  `json:"-"`
	YearID          int64  `json:"year_id"`
	Code            string `json:"code"`
	Label           string `json:"label"`
	MEF             string `json:"mef"`
	// Capacity is the number of places (0: not set).
	Capacity int `json:"capacity"`
	// MainTeacherID is the professeur principal (0: none).
	MainTeacherID   int64  `json:"main_teacher_id,omitempty"`
	MainTeacherName string `json:"main_teacher_name,omitempty"`
	// Enrolled counts the pupils enrolled or pre-enrolled in it (not those who left).
	Enrolled int `json:"enrolled"`
}

// Over reports whether the class holds more pupils than its capacity.
func (c Class) Over() bool { return c.Capacity > 0 && c.Enrolled > c.Capacity }

// Name is the label, or the code when there is none.
func (c Class) Name() string {
	if c.Label != "" {
		return c.Label
	}
	return c.Code
}

const classCols = `c.id, c.establishment_id, c.year_id, c.code, c.label, c.mef, c.capacity, COALESCE(c.main_teacher_id, 0),
	(SELECT COUNT(*) FROM school_enrolments n WHERE n.class_id = c.id AND n.status <> 'left')`

func scanClass(sc interface{ Scan(...any) error }) (Class, error) {
	var c Class
	err := sc.Scan(&c.ID, &c.EstablishmentID, &c.YearID, &c.Code, &c.Label, &c.MEF, &c.Capacity, &c.MainTeacherID, &c.Enrolled)
	return c, err
}

// names fills the main teachers' names.
func (s *Service) teacherNames(ctx context.Context, establishmentID int64) (map[int64]account.Member, error) {
	out := map[int64]account.Member{}
	for _, r := range []authz.Role{authz.RoleTeacher, authz.RoleAdmin} {
		ms, err := account.Members(ctx, s.db, establishmentID, r)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			out[m.ID] = m
		}
	}
	return out, nil
}

func memberName(m account.Member) string {
	if m.DisplayName != "" {
		return m.DisplayName
	}
	return m.Login
}

// ClassesOf lists the classes of a year of the establishment, by code.
func (s *Service) ClassesOf(ctx context.Context, establishmentID, yearID int64) ([]Class, error) {
	out := []Class{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		c, err := scanClass(rows)
		out = append(out, c)
		return err
	}, `SELECT `+classCols+` FROM school_classes c WHERE c.establishment_id = $1 AND c.year_id = $2 ORDER BY c.code`, establishmentID, yearID)
	if err != nil || len(out) == 0 {
		return out, err
	}
	names, err := s.teacherNames(ctx, establishmentID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if m, ok := names[out[i].MainTeacherID]; ok {
			out[i].MainTeacherName = memberName(m)
		}
	}
	return out, nil
}

// Classes lists the classes of a year (staff).
func (s *Service) Classes(ctx context.Context, p *authz.Principal, uai string, yearID int64) ([]Class, error) {
	e, err := s.Resolve(ctx, p, uai, Staff...)
	if err != nil {
		return nil, err
	}
	return s.ClassesOf(ctx, e.ID, yearID)
}

var errNoClass = apperr.NotFound("class_not_found", "no such class")

// Class returns a class of the establishment.
func (s *Service) Class(ctx context.Context, establishmentID, classID int64) (Class, error) {
	c, err := scanClass(s.db.QueryRow(ctx, `SELECT `+classCols+` FROM school_classes c WHERE c.establishment_id = $1 AND c.id = $2`, establishmentID, classID))
	if errors.Is(err, store.ErrNotFound) {
		return Class{}, errNoClass
	}
	if err != nil {
		return Class{}, err
	}
	if c.MainTeacherID != 0 {
		names, err := s.teacherNames(ctx, establishmentID)
		if err != nil {
			return Class{}, err
		}
		c.MainTeacherName = memberName(names[c.MainTeacherID])
	}
	return c, nil
}

// ClassByCode returns the class code of a year of the establishment.
func (s *Service) ClassByCode(ctx context.Context, establishmentID, yearID int64, code string) (Class, error) {
	var id int64
	err := s.db.QueryRow(ctx, `SELECT id FROM school_classes WHERE establishment_id = $1 AND year_id = $2 AND code = $3`, establishmentID, yearID, code).Scan(&id)
	if errors.Is(err, store.ErrNotFound) {
		return Class{}, errNoClass
	}
	if err != nil {
		return Class{}, err
	}
	return s.Class(ctx, establishmentID, id)
}

// ClassInput creates or updates (by code, within the year) a class.
type ClassInput struct {
	Code          string `json:"code"`
	Label         string `json:"label"`
	MEF           string `json:"mef"`
	Capacity      int    `json:"capacity"`
	MainTeacherID int64  `json:"main_teacher_id"`
}

// SaveClass creates or updates a class of a year. The main teacher must hold the
// teacher role in the establishment.
func (s *Service) SaveClass(ctx context.Context, p *authz.Principal, uai string, yearID int64, in ClassInput) (Class, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return Class{}, err
	}
	var out Class
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if out, err = s.saveClass(ctx, e.ID, yearID, in); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolClassSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"class_id": out.ID, "code": out.Code, "main_teacher_id": in.MainTeacherID}})
	})
	return out, err
}

func (s *Service) saveClass(ctx context.Context, establishmentID, yearID int64, in ClassInput) (Class, error) {
	var err error
	if in.Code, err = clean("code", in.Code, MaxCode, true); err != nil {
		return Class{}, err
	}
	if in.Label, err = clean("label", in.Label, MaxLabel, false); err != nil {
		return Class{}, err
	}
	if in.MEF, err = clean("mef", in.MEF, MaxCode, false); err != nil {
		return Class{}, err
	}
	if in.Capacity < 0 || in.Capacity > MaxCapacity {
		return Class{}, apperr.Invalid("invalid_capacity", "capacity %d: use 0 (not set) to %d", in.Capacity, MaxCapacity).With("field", "capacity")
	}
	if _, err := s.writableYear(ctx, establishmentID, yearID); err != nil {
		return Class{}, err
	}
	var teacher any
	if in.MainTeacherID != 0 {
		if err := s.checkTeacher(ctx, establishmentID, in.MainTeacherID); err != nil {
			return Class{}, err
		}
		teacher = in.MainTeacherID
	}
	now := s.now()
	var id int64
	if err := s.db.QueryRow(ctx, `INSERT INTO school_classes (establishment_id, year_id, code, label, mef, capacity, main_teacher_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
		ON CONFLICT (year_id, code) DO UPDATE SET label = excluded.label, mef = excluded.mef, capacity = excluded.capacity,
			main_teacher_id = excluded.main_teacher_id, updated_at = excluded.updated_at
		RETURNING id`, establishmentID, yearID, in.Code, in.Label, in.MEF, in.Capacity, teacher, now).Scan(&id); err != nil {
		return Class{}, err
	}
	return s.Class(ctx, establishmentID, id)
}

// checkTeacher refuses an account that is not a teacher of the establishment.
func (s *Service) checkTeacher(ctx context.Context, establishmentID, accountID int64) error {
	ms, err := account.Members(ctx, s.db, establishmentID, authz.RoleTeacher)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.ID == accountID {
			return nil
		}
	}
	return apperr.Invalid("teacher_unknown", "account %d is not a teacher of this establishment", accountID).With("field", "teacher_id")
}

// DeleteClass deletes an empty class (no pupil, enrolled or not, points at it).
func (s *Service) DeleteClass(ctx context.Context, p *authz.Principal, uai string, classID int64) error {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		c, err := s.Class(ctx, e.ID, classID)
		if err != nil {
			return err
		}
		if _, err := s.writableYear(ctx, e.ID, c.YearID); err != nil {
			return err
		}
		var n int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM school_enrolments WHERE establishment_id = $1 AND class_id = $2`, e.ID, classID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.Conflict("class_not_empty", "the class %s still has %d pupils: move them first", c.Code, n).With("class", c.Code)
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM school_classes WHERE establishment_id = $1 AND id = $2`, e.ID, classID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolClassSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"class_id": classID, "code": c.Code, "deleted": true}})
	})
}

// Enrolment statuses.
const (
	PreEnrolled = "pre-enrolled"
	Enrolled    = "enrolled"
	Left        = "left"
)

// Régimes.
var Regimes = []string{"", "externe", "demi-pensionnaire", "interne"}

// End-of-year decisions.
var Decisions = []string{"", "passage", "redoublement", "orientation", "depart"}

// Diploma results.
var DiplomaResults = []string{"", "admis", "ajourne", "absent"}

// Enrolment is a pupil's enrolment for a year, with the end-of-year results.
type Enrolment struct {
	ID              int64    `json:"id"`
	EstablishmentID int64    `json:"-"`
	YearID          int64    `json:"year_id"`
	StartYear       int      `json:"start_year"`
	StudentID       int64    `json:"student_id"`
	ClassID         int64    `json:"class_id,omitempty"`
	Class           string   `json:"class"`
	MEF             string   `json:"mef"`
	Groups          []string `json:"groups"`
	Regime          string   `json:"regime"`
	Status          string   `json:"status"`
	Source          string   `json:"source"`
	LeftOn          string   `json:"left_on,omitempty"`
	LeftReason      string   `json:"left_reason,omitempty"`
	Destination     string   `json:"destination,omitempty"`
	Decision        string   `json:"decision,omitempty"`
	NextMEF         string   `json:"next_mef,omitempty"`
	Orientation     string   `json:"orientation,omitempty"`
	Diploma         string   `json:"diploma,omitempty"`
	DiplomaResult   string   `json:"diploma_result,omitempty"`
	DiplomaMention  string   `json:"diploma_mention,omitempty"`
}

const enrolCols = `n.id, n.establishment_id, n.year_id, y.start_year, n.student_id, COALESCE(n.class_id, 0), COALESCE(c.code, ''), n.mef, n.groups,
	n.regime, n.status, n.source, n.left_on, n.left_reason, n.destination, n.decision, n.next_mef, n.orientation, n.diploma, n.diploma_result, n.diploma_mention`

const enrolFrom = ` FROM school_enrolments n JOIN school_years y ON y.id = n.year_id AND y.establishment_id = n.establishment_id
	LEFT JOIN school_classes c ON c.id = n.class_id AND c.establishment_id = n.establishment_id`

func scanEnrolment(sc interface{ Scan(...any) error }) (Enrolment, error) {
	var n Enrolment
	var groups string
	err := sc.Scan(&n.ID, &n.EstablishmentID, &n.YearID, &n.StartYear, &n.StudentID, &n.ClassID, &n.Class, &n.MEF, &groups,
		&n.Regime, &n.Status, &n.Source, &n.LeftOn, &n.LeftReason, &n.Destination, &n.Decision, &n.NextMEF, &n.Orientation,
		&n.Diploma, &n.DiplomaResult, &n.DiplomaMention)
	n.Groups = student.SplitGroups(groups)
	return n, err
}

var errNoEnrolment = apperr.NotFound("enrolment_not_found", "no such enrolment")

// EnrolmentOf returns a pupil's enrolment for a year of the establishment.
func (s *Service) EnrolmentOf(ctx context.Context, establishmentID, yearID, studentID int64) (Enrolment, error) {
	n, err := scanEnrolment(s.db.QueryRow(ctx, `SELECT `+enrolCols+enrolFrom+` WHERE n.establishment_id = $1 AND n.year_id = $2 AND n.student_id = $3`,
		establishmentID, yearID, studentID))
	if errors.Is(err, store.ErrNotFound) {
		return Enrolment{}, errNoEnrolment
	}
	return n, err
}

// History lists a pupil's enrolments in the establishment, the latest year first.
func (s *Service) History(ctx context.Context, establishmentID, studentID int64) ([]Enrolment, error) {
	out := []Enrolment{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		n, err := scanEnrolment(rows)
		out = append(out, n)
		return err
	}, `SELECT `+enrolCols+enrolFrom+` WHERE n.establishment_id = $1 AND n.student_id = $2 ORDER BY y.start_year DESC`, establishmentID, studentID)
	return out, err
}

// Pupil is an enrolled pupil as the lists of a class or a service show him.
type Pupil struct {
	EnrolmentID int64    `json:"enrolment_id"`
	StudentID   int64    `json:"student_id"`
	EleveID     string   `json:"eleve_id"`
	LastName    string   `json:"last_name"`
	FirstName   string   `json:"first_name"`
	ClassID     int64    `json:"class_id,omitempty"`
	Class       string   `json:"class"`
	MEF         string   `json:"mef"`
	Groups      []string `json:"groups"`
	Regime      string   `json:"regime"`
	Status      string   `json:"status"`
	LeftOn      string   `json:"left_on,omitempty"`
}

// Name is "NOM Prénom".
func (p Pupil) Name() string { return strings.TrimSpace(p.LastName + " " + p.FirstName) }

// pupils reads the enrolments matching where (on n, the year's enrolments) and names
// them, by name.
func (s *Service) pupils(ctx context.Context, establishmentID int64, where string, args ...any) ([]Pupil, error) {
	out := []Pupil{}
	var ids []int64
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		n, err := scanEnrolment(rows)
		if err != nil {
			return err
		}
		out = append(out, Pupil{EnrolmentID: n.ID, StudentID: n.StudentID, ClassID: n.ClassID, Class: n.Class, MEF: n.MEF, Groups: n.Groups,
			Regime: n.Regime, Status: n.Status, LeftOn: n.LeftOn})
		ids = append(ids, n.StudentID)
		return nil
	}, `SELECT `+enrolCols+enrolFrom+` WHERE n.establishment_id = $1 AND `+where, append([]any{establishmentID}, args...)...)
	if err != nil || len(out) == 0 {
		return out, err
	}
	people, err := student.People(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		p := people[out[i].StudentID]
		if p.EstablishmentID != establishmentID { // cannot happen: the foreign key binds them
			return nil, errors.New("schoolyear: an enrolment names a student of another establishment")
		}
		out[i].EleveID, out[i].LastName, out[i].FirstName = p.EleveID, p.LastName, p.FirstName
	}
	sortPupils(out)
	return out, nil
}

func sortPupils(list []Pupil) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := student.SearchKey(list[i].LastName+" "+list[i].FirstName), student.SearchKey(list[j].LastName+" "+list[j].FirstName)
		if a != b {
			return a < b
		}
		return list[i].StudentID < list[j].StudentID
	})
}

// ClassPupils lists the pupils of a class of the establishment, by name: those enrolled
// or pre-enrolled, and those who left during the year (Status "left", LeftOn) so that
// their marks stay visible; callers filter on Status.
func (s *Service) ClassPupils(ctx context.Context, establishmentID, classID int64) ([]Pupil, error) {
	if _, err := s.Class(ctx, establishmentID, classID); err != nil {
		return nil, err
	}
	return s.pupils(ctx, establishmentID, `n.class_id = $2`, classID)
}

// YearPupils lists every pupil enrolled for a year of the establishment, by name.
func (s *Service) YearPupils(ctx context.Context, establishmentID, yearID int64) ([]Pupil, error) {
	return s.pupils(ctx, establishmentID, `n.year_id = $2`, yearID)
}

// EnrolmentInput enrols a pupil for a year.
type EnrolmentInput struct {
	StudentID int64  `json:"student_id"`
	ClassID   int64  `json:"class_id"`
	MEF       string `json:"mef"`
	Regime    string `json:"regime"`
	// Status is pre-enrolled or enrolled (default enrolled); leaving is Leave.
	Status string `json:"status"`
}

// Enrol creates or updates a pupil's enrolment for a year.
func (s *Service) Enrol(ctx context.Context, p *authz.Principal, uai string, yearID int64, in EnrolmentInput) (Enrolment, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return Enrolment{}, err
	}
	var out Enrolment
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if out, err = s.enrol(ctx, e.ID, yearID, in, "manual"); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolEnrolmentSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"student_id": in.StudentID, "year_id": yearID, "class_id": in.ClassID, "status": out.Status}})
	})
	return out, err
}

func oneOf(field, v string, list []string) error {
	for _, x := range list {
		if x == v {
			return nil
		}
	}
	return apperr.Invalid("invalid_choice", "%s %q: use one of %s", field, v, strings.Join(list[1:], ", ")).With("field", field).With("value", v)
}

func (s *Service) enrol(ctx context.Context, establishmentID, yearID int64, in EnrolmentInput, source string) (Enrolment, error) {
	var err error
	if in.Status == "" {
		in.Status = Enrolled
	}
	if in.Status != PreEnrolled && in.Status != Enrolled {
		return Enrolment{}, apperr.Invalid("invalid_enrolment_status", "status %q: use pre-enrolled or enrolled", in.Status).With("field", "status")
	}
	if err := oneOf("regime", in.Regime, Regimes); err != nil {
		return Enrolment{}, err
	}
	if in.MEF, err = clean("mef", in.MEF, MaxCode, false); err != nil {
		return Enrolment{}, err
	}
	if _, err := s.writableYear(ctx, establishmentID, yearID); err != nil {
		return Enrolment{}, err
	}
	if missing, err := student.Missing(ctx, s.db, establishmentID, []int64{in.StudentID}); err != nil {
		return Enrolment{}, err
	} else if len(missing) > 0 {
		return Enrolment{}, apperr.NotFound("student_not_found", "no such student")
	}
	var class any
	if in.ClassID != 0 {
		c, err := s.Class(ctx, establishmentID, in.ClassID)
		if err != nil {
			return Enrolment{}, err
		}
		if c.YearID != yearID {
			return Enrolment{}, apperr.Invalid("class_of_another_year", "the class %s is not of this year", c.Code).With("field", "class_id")
		}
		class = c.ID
		if in.MEF == "" {
			in.MEF = c.MEF
		}
	}
	now := s.now()
	if _, err := s.db.Exec(ctx, `INSERT INTO school_enrolments (establishment_id, year_id, student_id, class_id, mef, regime, status, source, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
		ON CONFLICT (year_id, student_id) DO UPDATE SET class_id = excluded.class_id, mef = excluded.mef, regime = excluded.regime,
			status = excluded.status, left_on = '', left_reason = '', destination = '', updated_at = excluded.updated_at`,
		establishmentID, yearID, in.StudentID, class, in.MEF, in.Regime, in.Status, source, now); err != nil {
		return Enrolment{}, err
	}
	if err := s.syncClasses(ctx, establishmentID, yearID, []int64{in.StudentID}); err != nil {
		return Enrolment{}, err
	}
	return s.EnrolmentOf(ctx, establishmentID, yearID, in.StudentID)
}

// LeaveInput records a pupil's departure.
type LeaveInput struct {
	On          string `json:"on"`
	Reason      string `json:"reason"`
	Destination string `json:"destination"`
}

// Leave marks a pupil's enrolment for a year as left, with the date, the reason and
// the destination when known.
func (s *Service) Leave(ctx context.Context, p *authz.Principal, uai string, yearID, studentID int64, in LeaveInput) (Enrolment, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return Enrolment{}, err
	}
	if in.On == "" {
		in.On = calendar.Date(s.now())
	}
	if err := checkDate("on", in.On); err != nil {
		return Enrolment{}, err
	}
	if in.Reason, err = clean("reason", in.Reason, MaxLabel, false); err != nil {
		return Enrolment{}, err
	}
	if in.Destination, err = clean("destination", in.Destination, MaxLabel, false); err != nil {
		return Enrolment{}, err
	}
	var out Enrolment
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.writableYear(ctx, e.ID, yearID); err != nil {
			return err
		}
		n, err := s.db.ExecCount(ctx, `UPDATE school_enrolments SET status = 'left', left_on = $1, left_reason = $2, destination = $3, updated_at = $4
			WHERE establishment_id = $5 AND year_id = $6 AND student_id = $7`, in.On, in.Reason, in.Destination, s.now(), e.ID, yearID, studentID)
		if err != nil {
			return err
		}
		if n == 0 {
			return errNoEnrolment
		}
		if out, err = s.EnrolmentOf(ctx, e.ID, yearID, studentID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolEnrolmentSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"student_id": studentID, "year_id": yearID, "status": Left}})
	})
	return out, err
}

// MoveResult tells what a move did and the classes now over capacity.
type MoveResult struct {
	Moved int      `json:"moved"`
	Over  []string `json:"over_capacity"`
}

// Move puts pupils enrolled for a year in a class (classID 0: out of any class). The
// move is done even over capacity; the result names the classes over it.
func (s *Service) Move(ctx context.Context, p *authz.Principal, uai string, yearID int64, studentIDs []int64, classID int64) (MoveResult, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return MoveResult{}, err
	}
	if len(studentIDs) == 0 {
		return MoveResult{}, apperr.Invalid("no_pupil", "choose at least one pupil to move").With("field", "student_ids")
	}
	if len(studentIDs) > 2000 {
		return MoveResult{}, apperr.TooManyItems("student_ids", 2000)
	}
	var out MoveResult
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.writableYear(ctx, e.ID, yearID); err != nil {
			return err
		}
		var class any
		if classID != 0 {
			c, err := s.Class(ctx, e.ID, classID)
			if err != nil {
				return err
			}
			if c.YearID != yearID {
				return apperr.Invalid("class_of_another_year", "the class %s is not of this year", c.Code).With("field", "class_id")
			}
			class = c.ID
		}
		now := s.now()
		for _, id := range studentIDs {
			n, err := s.db.ExecCount(ctx, `UPDATE school_enrolments SET class_id = $1, updated_at = $2 WHERE establishment_id = $3 AND year_id = $4 AND student_id = $5`,
				class, now, e.ID, yearID, id)
			if err != nil {
				return err
			}
			if n == 0 {
				return apperr.NotFound("pupil_not_enrolled", "pupil %d is not enrolled this year", id).With("student_id", id)
			}
			out.Moved++
		}
		if err := s.syncClasses(ctx, e.ID, yearID, studentIDs); err != nil {
			return err
		}
		classes, err := s.ClassesOf(ctx, e.ID, yearID)
		if err != nil {
			return err
		}
		for _, c := range classes {
			if c.Over() {
				out.Over = append(out.Over, c.Code)
			}
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolPupilsMoved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"year_id": yearID, "class_id": classID, "students": len(studentIDs)}})
	})
	return out, err
}

// syncClasses writes the read copy students.class of the pupils when yearID is the
// current year (docs/decisions/0023-school-year.md): grids, letters and lists per
// class read it.
func (s *Service) syncClasses(ctx context.Context, establishmentID, yearID int64, studentIDs []int64) error {
	if len(studentIDs) == 0 {
		return nil
	}
	cur, err := s.CurrentYear(ctx, establishmentID)
	if err != nil || cur.ID != yearID {
		if apperr.KindOf(err) == apperr.KindNotFound {
			return nil
		}
		return err
	}
	classes := map[int64]string{}
	for _, id := range studentIDs {
		classes[id] = ""
	}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			return err
		}
		if _, ok := classes[id]; ok {
			classes[id] = code
		}
		return nil
	}, `SELECT n.student_id, COALESCE(c.code, '') FROM school_enrolments n LEFT JOIN school_classes c ON c.id = n.class_id
		WHERE n.establishment_id = $1 AND n.year_id = $2 AND n.status <> 'left'`, establishmentID, yearID)
	if err != nil {
		return err
	}
	return student.SetClasses(ctx, s.db, establishmentID, classes, s.now())
}

// itoa is strconv.Itoa for int64.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Pupils lists the pupils of a year (classID 0) or of one of its classes, for the staff
// of the establishment; the read is audited (student.listed).
func (s *Service) Pupils(ctx context.Context, p *authz.Principal, uai string, yearID, classID int64) ([]Pupil, error) {
	e, err := s.Resolve(ctx, p, uai, Staff...)
	if err != nil {
		return nil, err
	}
	var list []Pupil
	if classID != 0 {
		c, err := s.Class(ctx, e.ID, classID)
		if err != nil {
			return nil, err
		}
		yearID = c.YearID
		list, err = s.ClassPupils(ctx, e.ID, classID)
		if err != nil {
			return nil, err
		}
	} else {
		if _, err := s.Year(ctx, e.ID, yearID); err != nil {
			return nil, err
		}
		if list, err = s.YearPupils(ctx, e.ID, yearID); err != nil {
			return nil, err
		}
	}
	err = s.audit.Record(ctx, audit.Event{Action: audit.StudentsListed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
		EstablishmentID: &e.ID, Detail: map[string]any{"year_id": yearID, "class_id": classID, "count": len(list)}})
	return list, err
}
