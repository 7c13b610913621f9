package marks

import (
	"context"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/establishment"
)

// Overview is the marks landing page of an establishment: the current year's periods,
// the services (the teacher's own first) and the classes, for a period.
type Overview struct {
	E       establishment.Establishment `json:"-"`
	Periods []Period                    `json:"periods"`
	Period  Period                      `json:"period"`
	Mine    []TeachingService           `json:"mine"`
	Others  []TeachingService           `json:"others"`
	Classes []Class                     `json:"classes"`
	ClassOf map[int64]string            `json:"-"`
	Chairs  map[int64]bool              `json:"-"` // classes whose main teacher p is
	Admin   bool                        `json:"admin"`
	HasYear bool                        `json:"has_year"`
}

// Overview returns the marks landing page for a period (0: the period of today, or the
// first open one).
func (s *Service) Overview(ctx context.Context, p *authz.Principal, uai string, periodID int64) (Overview, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, staffRoles...)
	if err != nil {
		return Overview{}, err
	}
	o := Overview{E: e, Admin: isAdmin(p, e.ID), ClassOf: map[int64]string{}, Chairs: map[int64]bool{}}
	yearID, err := s.year.CurrentYear(ctx, e.ID)
	if err != nil || yearID == 0 {
		return o, nil
	}
	o.HasYear = true
	if o.Periods, err = s.year.Periods(ctx, e.ID, yearID); err != nil {
		return o, err
	}
	today := calendar.Date(s.now())
	for _, pe := range o.Periods {
		if pe.ID == periodID || (periodID == 0 && pe.Start <= today && today <= pe.End) {
			o.Period = pe
		}
	}
	if o.Period.ID == 0 && len(o.Periods) > 0 {
		o.Period = o.Periods[0]
		for _, pe := range o.Periods {
			if pe.Open {
				o.Period = pe
				break
			}
		}
	}
	if o.Classes, err = s.year.Classes(ctx, e.ID, yearID); err != nil {
		return o, err
	}
	for _, c := range o.Classes {
		o.ClassOf[c.ID] = c.Name
		o.Chairs[c.ID] = c.MainTeacherID == p.AccountID
	}
	services, err := s.year.Services(ctx, e.ID, yearID)
	if err != nil {
		return o, err
	}
	for _, sv := range services {
		if sv.TeacherID == p.AccountID {
			o.Mine = append(o.Mine, sv)
		} else {
			o.Others = append(o.Others, sv)
		}
	}
	return o, nil
}
