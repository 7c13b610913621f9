package schoolyear

import (
	"context"
	"slices"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/student"
)

// FileSection is a part of a pupil's file ("fiche élève") that a package above this
// one adds (the marks and report cards of part B): a title (an i18n key), rows of a
// label (an i18n key) and a value, and links.
type FileSection struct {
	TitleKey string     `json:"title_key"`
	Rows     []FileRow  `json:"rows"`
	Links    []FileLink `json:"links,omitempty"`
}

// FileRow is one line of a section: LabelKey is an i18n key, Value is shown as is.
type FileRow struct {
	LabelKey string `json:"label_key"`
	Label    string `json:"label,omitempty"`
	Value    string `json:"value"`
}

// FileLink is a link of a section (TextKey an i18n key).
type FileLink struct {
	TextKey string `json:"text_key"`
	Href    string `json:"href"`
}

// SectionFunc gives a section of a pupil's file; it runs after the access to the file
// was granted (self: the pupil himself). Nil section, nil error: nothing to show.
type SectionFunc func(ctx context.Context, p *authz.Principal, e establishment.Establishment, studentID int64, self bool) (*FileSection, error)

// File is what the school year knows of a pupil: his enrolments, latest year first,
// and the sections the packages above add (FileSections).
type File struct {
	Enrolments []Enrolment    `json:"enrolments"`
	Sections   []*FileSection `json:"sections"`
	Self       bool           `json:"-"`
}

// PupilFile returns a pupil's school-year file: for the staff of his establishment
// (administrator, teacher, inspector: audited) and for himself.
func (s *Service) PupilFile(ctx context.Context, p *authz.Principal, uai string, studentID int64) (File, error) {
	e, err := s.Resolve(ctx, p, uai)
	if err != nil {
		return File{}, err
	}
	staff := p.IsPlatformAdmin() || slices.ContainsFunc(Staff, func(r authz.Role) bool { return p.Has(r, e.ID) })
	self := false
	if !staff {
		if !p.Has(authz.RoleStudent, e.ID) || p.AccountID == 0 {
			return File{}, apperr.Forbidden("forbidden", "your role in this establishment does not give access to pupils' files")
		}
		mine, err := student.OfAccount(ctx, s.db, p.AccountID)
		if err != nil {
			return File{}, err
		}
		if !slices.Contains(mine, studentID) {
			return File{}, apperr.NotFound("student_not_found", "no such student")
		}
		self = true
	} else if missing, err := student.Missing(ctx, s.db, e.ID, []int64{studentID}); err != nil {
		return File{}, err
	} else if len(missing) > 0 {
		return File{}, apperr.NotFound("student_not_found", "no such student")
	}
	f := File{Self: self}
	if f.Enrolments, err = s.History(ctx, e.ID, studentID); err != nil {
		return File{}, err
	}
	for _, fn := range s.FileSections {
		sec, err := fn(ctx, p, e, studentID, self)
		if err != nil {
			return File{}, err
		}
		if sec != nil {
			f.Sections = append(f.Sections, sec)
		}
	}
	if !self {
		if err := s.audit.Record(ctx, audit.Event{Action: audit.SchoolFileViewed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"student_id": studentID}}); err != nil {
			return File{}, err
		}
	}
	return f, nil
}

// MyClass is a class a teacher teaches this year (a service, or as main teacher).
type MyClass struct {
	UAI, EstablishmentName string
	Class                  Class
	Subjects               []string
	Main                   bool
}

// MyClasses lists, for every establishment where p is a teacher, the classes of the
// current year he teaches (his services; a group's service counts for no class) or is
// the main teacher of: the "Mes classes" of the school year.
func (s *Service) MyClasses(ctx context.Context, p *authz.Principal) ([]MyClass, error) {
	var out []MyClass
	for _, id := range p.Establishments(authz.RoleTeacher) {
		e, err := s.establishments.ByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if e.Higher() {
			continue
		}
		y, err := s.CurrentYear(ctx, id)
		if apperr.KindOf(err) == apperr.KindNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		classes, err := s.ClassesOf(ctx, id, y.ID)
		if err != nil {
			return nil, err
		}
		ts, err := s.TeachingsOfTeacher(ctx, id, y.ID, p.AccountID)
		if err != nil {
			return nil, err
		}
		subjects := map[int64][]string{}
		for _, t := range ts {
			if t.ClassID != 0 {
				subjects[t.ClassID] = append(subjects[t.ClassID], t.Subject())
			}
		}
		for _, c := range classes {
			main := c.MainTeacherID == p.AccountID
			if len(subjects[c.ID]) == 0 && !main {
				continue
			}
			out = append(out, MyClass{UAI: e.UAI, EstablishmentName: e.Name, Class: c, Subjects: subjects[c.ID], Main: main})
		}
	}
	return out, nil
}
