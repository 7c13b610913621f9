package schoolyear

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
)

// Teaching is a teaching service: a subject taught to a class (or to a group of the
// year's pupils) by a teacher, with a coefficient.
type Teaching struct {
	ID              int64 `json:"id"`
	EstablishmentID int64 `json:"-"`
	YearID          int64 `json:"year_id"`
	// ClassID is the class taught (0 when the service is for a group); ClassCode its code.
	ClassID   int64  `json:"class_id,omitempty"`
	ClassCode string `json:"class_code,omitempty"`
	// GroupCode is the group taught (empty when the service is for a class): the pupils
	// of the year whose enrolment lists that group.
	GroupCode    string `json:"group_code,omitempty"`
	SubjectCode  string `json:"subject_code"`
	SubjectLabel string `json:"subject_label"`
	// TeacherID is the teacher's account (0: not yet given).
	TeacherID    int64  `json:"teacher_id,omitempty"`
	TeacherLogin string `json:"teacher_login,omitempty"`
	TeacherName  string `json:"teacher_name,omitempty"`
	// Coefficient is in hundredths: 100 is 1, 150 is 1.5.
	Coefficient int `json:"coefficient"`
}

// Target is the class code, or the group code for a group.
func (t Teaching) Target() string {
	if t.ClassID != 0 {
		return t.ClassCode
	}
	return t.GroupCode
}

// Subject is the label, or the code when there is none.
func (t Teaching) Subject() string {
	if t.SubjectLabel != "" {
		return t.SubjectLabel
	}
	return t.SubjectCode
}

const teachCols = `t.id, t.establishment_id, t.year_id, COALESCE(t.class_id, 0), COALESCE(c.code, ''), t.group_code, t.subject_code, t.subject_label,
	COALESCE(t.teacher_id, 0), t.coefficient`

const teachFrom = ` FROM school_services t LEFT JOIN school_classes c ON c.id = t.class_id AND c.establishment_id = t.establishment_id`

func scanTeaching(sc interface{ Scan(...any) error }) (Teaching, error) {
	var t Teaching
	err := sc.Scan(&t.ID, &t.EstablishmentID, &t.YearID, &t.ClassID, &t.ClassCode, &t.GroupCode, &t.SubjectCode, &t.SubjectLabel, &t.TeacherID, &t.Coefficient)
	return t, err
}

func (s *Service) teachings(ctx context.Context, establishmentID int64, where string, args ...any) ([]Teaching, error) {
	out := []Teaching{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		t, err := scanTeaching(rows)
		out = append(out, t)
		return err
	}, `SELECT `+teachCols+teachFrom+` WHERE t.establishment_id = $1 AND `+where+` ORDER BY COALESCE(c.code, t.group_code), t.subject_code, t.id`,
		append([]any{establishmentID}, args...)...)
	if err != nil || len(out) == 0 {
		return out, err
	}
	names, err := s.teacherNames(ctx, establishmentID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if m, ok := names[out[i].TeacherID]; ok {
			out[i].TeacherLogin, out[i].TeacherName = m.Login, memberName(m)
		}
	}
	return out, nil
}

var errNoTeaching = apperr.NotFound("service_not_found", "no such teaching service")

// Teaching returns a teaching service of the establishment.
func (s *Service) Teaching(ctx context.Context, establishmentID, serviceID int64) (Teaching, error) {
	list, err := s.teachings(ctx, establishmentID, `t.id = $2`, serviceID)
	if err != nil {
		return Teaching{}, err
	}
	if len(list) == 0 {
		return Teaching{}, errNoTeaching
	}
	return list[0], nil
}

// TeachingsOfYear lists the services of a year of the establishment, by class (or
// group) then subject.
func (s *Service) TeachingsOfYear(ctx context.Context, establishmentID, yearID int64) ([]Teaching, error) {
	return s.teachings(ctx, establishmentID, `t.year_id = $2`, yearID)
}

// TeachingsOfTeacher lists the services a teacher gives in a year of the establishment.
func (s *Service) TeachingsOfTeacher(ctx context.Context, establishmentID, yearID, accountID int64) ([]Teaching, error) {
	return s.teachings(ctx, establishmentID, `t.year_id = $2 AND t.teacher_id = $3`, yearID, accountID)
}

// TeachingsOfClass lists the services of a class: those for the class itself, and
// those for a group some of its pupils belong to.
func (s *Service) TeachingsOfClass(ctx context.Context, establishmentID, classID int64) ([]Teaching, error) {
	c, err := s.Class(ctx, establishmentID, classID)
	if err != nil {
		return nil, err
	}
	pupils, err := s.ClassPupils(ctx, establishmentID, classID)
	if err != nil {
		return nil, err
	}
	groups := map[string]bool{}
	for _, p := range pupils {
		for _, g := range p.Groups {
			groups[g] = true
		}
	}
	all, err := s.TeachingsOfYear(ctx, establishmentID, c.YearID)
	if err != nil {
		return nil, err
	}
	out := []Teaching{}
	for _, t := range all {
		if t.ClassID == classID || (t.ClassID == 0 && groups[t.GroupCode]) {
			out = append(out, t)
		}
	}
	return out, nil
}

// TeachingPupils lists the pupils a service teaches: the class's, or the year's pupils
// of the group (those who left included, Status "left"), by name.
func (s *Service) TeachingPupils(ctx context.Context, establishmentID, serviceID int64) ([]Pupil, error) {
	t, err := s.Teaching(ctx, establishmentID, serviceID)
	if err != nil {
		return nil, err
	}
	if t.ClassID != 0 {
		return s.ClassPupils(ctx, establishmentID, t.ClassID)
	}
	all, err := s.YearPupils(ctx, establishmentID, t.YearID)
	if err != nil {
		return nil, err
	}
	out := []Pupil{}
	for _, p := range all {
		for _, g := range p.Groups {
			if g == t.GroupCode {
				out = append(out, p)
				break
			}
		}
	}
	return out, nil
}

// MayEnterMarks reports whether p may enter marks (and appreciations) for a service of
// the establishment: its teacher, holding the teacher role there, or an administrator
// of the establishment (or of the platform). Whether the period is open is
// PeriodOpen's question.
func (s *Service) MayEnterMarks(ctx context.Context, p *authz.Principal, establishmentID, serviceID int64) (bool, error) {
	t, err := s.Teaching(ctx, establishmentID, serviceID)
	if err != nil {
		return false, err
	}
	if isManager(p, establishmentID) {
		return true, nil
	}
	return p.AccountID != 0 && t.TeacherID == p.AccountID && p.Has(authz.RoleTeacher, establishmentID), nil
}

// IsMainTeacher reports whether p is the main teacher (professeur principal) of a class
// of the establishment, holding the teacher role there.
func (s *Service) IsMainTeacher(ctx context.Context, p *authz.Principal, establishmentID, classID int64) (bool, error) {
	c, err := s.Class(ctx, establishmentID, classID)
	if err != nil {
		return false, err
	}
	return p.AccountID != 0 && c.MainTeacherID == p.AccountID && p.Has(authz.RoleTeacher, establishmentID), nil
}

// TeachingInput creates or updates a service. ClassCode or GroupCode (one of them)
// names what is taught; TeacherID 0 leaves the service without a teacher.
type TeachingInput struct {
	ClassCode    string `json:"class_code"`
	GroupCode    string `json:"group_code"`
	SubjectCode  string `json:"subject_code"`
	SubjectLabel string `json:"subject_label"`
	TeacherID    int64  `json:"teacher_id"`
	// Coefficient in hundredths (nil: 100, a coefficient of 1).
	Coefficient *int `json:"coefficient"`
}

// SaveTeaching creates a service of a year, or updates the one with the same class (or
// group), subject and teacher (its label and coefficient).
func (s *Service) SaveTeaching(ctx context.Context, p *authz.Principal, uai string, yearID int64, in TeachingInput) (Teaching, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return Teaching{}, err
	}
	var out Teaching
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if _, err := s.writableYear(ctx, e.ID, yearID); err != nil {
			return err
		}
		id, _, err := s.saveTeaching(ctx, e.ID, yearID, in, nil)
		if err != nil {
			return err
		}
		if out, err = s.Teaching(ctx, e.ID, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolServiceSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"service_id": id, "subject": out.SubjectCode, "target": out.Target(), "teacher_id": out.TeacherID}})
	})
	return out, err
}

// teacherSet is the teachers of the establishment, read once per import.
type teacherSet map[int64]bool

// saveTeaching validates and writes one service; it returns its id and whether it was
// created. teachers, when given, replaces the per-call lookup of the teachers.
func (s *Service) saveTeaching(ctx context.Context, establishmentID, yearID int64, in TeachingInput, teachers teacherSet) (int64, bool, error) {
	var err error
	if in.ClassCode, err = clean("class", in.ClassCode, MaxCode, false); err != nil {
		return 0, false, err
	}
	if in.GroupCode, err = clean("group", in.GroupCode, MaxCode, false); err != nil {
		return 0, false, err
	}
	if (in.ClassCode == "") == (in.GroupCode == "") {
		return 0, false, apperr.Invalid("class_or_group", "a service is for a class or for a group: give one of them").With("field", "class")
	}
	if in.SubjectCode, err = clean("subject_code", in.SubjectCode, MaxCode, true); err != nil {
		return 0, false, err
	}
	if in.SubjectLabel, err = clean("subject_label", in.SubjectLabel, MaxLabel, false); err != nil {
		return 0, false, err
	}
	coef, keep := 100, in.Coefficient == nil
	if !keep {
		coef = *in.Coefficient
	}
	if coef < 0 || coef > MaxCoefficient {
		return 0, false, apperr.Invalid("invalid_coefficient", "coefficient %d (hundredths): use 0 to 100", coef).With("field", "coefficient")
	}
	var class, teacher any
	if in.ClassCode != "" {
		c, err := s.ClassByCode(ctx, establishmentID, yearID, in.ClassCode)
		if err != nil {
			return 0, false, apperr.NotFound("class_code_not_found", "no class %s this year", in.ClassCode).With("class", in.ClassCode)
		}
		class = c.ID
	}
	if in.TeacherID != 0 {
		if teachers != nil {
			if !teachers[in.TeacherID] {
				return 0, false, apperr.Invalid("teacher_unknown", "account %d is not a teacher of this establishment", in.TeacherID).With("field", "teacher_id")
			}
		} else if err := s.checkTeacher(ctx, establishmentID, in.TeacherID); err != nil {
			return 0, false, err
		}
		teacher = in.TeacherID
	}
	var id int64
	err = s.db.QueryRow(ctx, `SELECT id FROM school_services WHERE establishment_id = $1 AND year_id = $2 AND COALESCE(class_id, 0) = $3
		AND group_code = $4 AND subject_code = $5 AND COALESCE(teacher_id, 0) = $6`,
		establishmentID, yearID, zeroIfNil(class), in.GroupCode, in.SubjectCode, zeroIfNil(teacher)).Scan(&id)
	now := s.now()
	switch {
	case errors.Is(err, store.ErrNotFound):
		err = s.db.QueryRow(ctx, `INSERT INTO school_services (establishment_id, year_id, class_id, group_code, subject_code, subject_label, teacher_id,
			coefficient, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			establishmentID, yearID, class, in.GroupCode, in.SubjectCode, in.SubjectLabel, teacher, coef, now).Scan(&id)
		return id, true, err
	case err != nil:
		return 0, false, err
	}
	// Without a coefficient (an STS export has none), the one set before stays.
	_, err = s.db.Exec(ctx, `UPDATE school_services SET subject_label = CASE WHEN $1 = '' THEN subject_label ELSE $1 END,
		coefficient = CASE WHEN $2 THEN coefficient ELSE $3 END, updated_at = $4 WHERE establishment_id = $5 AND id = $6`,
		in.SubjectLabel, keep, coef, now, establishmentID, id)
	return id, false, err
}

func zeroIfNil(v any) any {
	if v == nil {
		return int64(0)
	}
	return v
}

// DeleteTeaching deletes a service (the marks of part B that depend on it go with it,
// by their foreign key).
func (s *Service) DeleteTeaching(ctx context.Context, p *authz.Principal, uai string, serviceID int64) error {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		t, err := s.Teaching(ctx, e.ID, serviceID)
		if err != nil {
			return err
		}
		if _, err := s.writableYear(ctx, e.ID, t.YearID); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM school_services WHERE establishment_id = $1 AND id = $2`, e.ID, serviceID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolServiceSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"service_id": serviceID, "deleted": true}})
	})
}

// ParseCoefficient reads a coefficient as people write it ("1", "1,5", "0.25") into
// hundredths; more than two decimals, a negative value or more than 100 is refused.
func ParseCoefficient(v string) (int, error) {
	v = strings.ReplaceAll(strings.TrimSpace(v), ",", ".")
	bad := apperr.Invalid("invalid_coefficient", "coefficient %q: write a number from 0 to 100 with at most two decimals, such as 1 or 1,5", v).With("field", "coefficient")
	if v == "" {
		return 0, bad
	}
	whole, frac, _ := strings.Cut(v, ".")
	if len(frac) > 2 || whole == "" && frac == "" {
		return 0, bad
	}
	for len(frac) < 2 {
		frac += "0"
	}
	if whole == "" {
		whole = "0"
	}
	w, err := strconv.Atoi(whole)
	if err != nil || w < 0 || strings.HasPrefix(whole, "+") || strings.HasPrefix(whole, "-") {
		return 0, bad
	}
	f, err := strconv.Atoi(frac)
	if err != nil || strings.ContainsAny(frac, "+-") {
		return 0, bad
	}
	c := w*100 + f
	if c > MaxCoefficient {
		return 0, bad
	}
	return c, nil
}
