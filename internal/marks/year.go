package marks

import (
	"context"
	"strconv"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/schoolyear"
)

// SchoolYear adapts internal/schoolyear to what marks needs of the school year.
func SchoolYear(sy *schoolyear.Service) Year { return yearAdapter{sy} }

type yearAdapter struct{ sy *schoolyear.Service }

func teaching(t schoolyear.Teaching) TeachingService {
	return TeachingService{ID: t.ID, ClassID: t.ClassID, Subject: t.Subject(), TeacherID: t.TeacherID, TeacherName: t.TeacherName, Coef: int64(t.Coefficient)}
}

func (y yearAdapter) TeachingService(ctx context.Context, estID, serviceID int64) (TeachingService, error) {
	t, err := y.sy.Teaching(ctx, estID, serviceID)
	return teaching(t), err
}

func teachings(list []schoolyear.Teaching, err error) ([]TeachingService, error) {
	if err != nil {
		return nil, err
	}
	out := make([]TeachingService, len(list))
	for i, t := range list {
		out[i] = teaching(t)
	}
	return out, nil
}

func (y yearAdapter) ClassServices(ctx context.Context, estID, classID int64) ([]TeachingService, error) {
	return teachings(y.sy.TeachingsOfClass(ctx, estID, classID))
}

func (y yearAdapter) Services(ctx context.Context, estID, yearID int64) ([]TeachingService, error) {
	return teachings(y.sy.TeachingsOfYear(ctx, estID, yearID))
}

func period(p schoolyear.Period, year schoolyear.Year) Period {
	label := "Trimestre " + strconv.Itoa(p.Position)
	if p.Kind == schoolyear.Semestre {
		label = "Semestre " + strconv.Itoa(p.Position)
	}
	return Period{ID: p.ID, YearID: p.YearID, Label: label, Year: year.Label(), Start: p.StartDate, End: p.EndDate, Open: p.Open()}
}

func (y yearAdapter) Period(ctx context.Context, estID, periodID int64) (Period, error) {
	p, err := y.sy.Period(ctx, estID, periodID)
	if err != nil {
		return Period{}, err
	}
	yr, err := y.sy.Year(ctx, estID, p.YearID)
	return period(p, yr), err
}

func (y yearAdapter) Periods(ctx context.Context, estID, yearID int64) ([]Period, error) {
	yr, err := y.sy.Year(ctx, estID, yearID)
	if err != nil {
		return nil, err
	}
	list, err := y.sy.Periods(ctx, estID, yearID)
	if err != nil {
		return nil, err
	}
	out := make([]Period, len(list))
	for i, p := range list {
		out[i] = period(p, yr)
	}
	return out, nil
}

func class(c schoolyear.Class) Class {
	return Class{ID: c.ID, YearID: c.YearID, Name: c.Name(), MainTeacherID: c.MainTeacherID}
}

func (y yearAdapter) Class(ctx context.Context, estID, classID int64) (Class, error) {
	c, err := y.sy.Class(ctx, estID, classID)
	return class(c), err
}

func (y yearAdapter) Classes(ctx context.Context, estID, yearID int64) ([]Class, error) {
	list, err := y.sy.ClassesOf(ctx, estID, yearID)
	if err != nil {
		return nil, err
	}
	out := make([]Class, len(list))
	for i, c := range list {
		out[i] = class(c)
	}
	return out, nil
}

// pupils keeps the pupils still in the class (not "left").
func pupils(list []schoolyear.Pupil, err error) ([]Pupil, error) {
	if err != nil {
		return nil, err
	}
	out := make([]Pupil, 0, len(list))
	for _, p := range list {
		if p.Status == schoolyear.Left {
			continue
		}
		out = append(out, Pupil{StudentID: p.StudentID, EleveID: p.EleveID, LastName: p.LastName, FirstName: p.FirstName})
	}
	return out, nil
}

func (y yearAdapter) ClassPupils(ctx context.Context, estID, classID int64) ([]Pupil, error) {
	return pupils(y.sy.ClassPupils(ctx, estID, classID))
}

func (y yearAdapter) ServicePupils(ctx context.Context, estID, serviceID int64) ([]Pupil, error) {
	return pupils(y.sy.TeachingPupils(ctx, estID, serviceID))
}

func (y yearAdapter) PupilClasses(ctx context.Context, estID, studentID int64) ([]Class, error) {
	hist, err := y.sy.History(ctx, estID, studentID)
	if err != nil {
		return nil, err
	}
	var out []Class
	for _, n := range hist {
		if n.ClassID == 0 {
			continue
		}
		c, err := y.sy.Class(ctx, estID, n.ClassID)
		if err != nil {
			return nil, err
		}
		out = append(out, class(c))
	}
	return out, nil
}

func (y yearAdapter) CurrentYear(ctx context.Context, estID int64) (int64, error) {
	yr, err := y.sy.CurrentYear(ctx, estID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return 0, nil
	}
	return yr.ID, err
}
