package marks

import (
	"context"
	"database/sql"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/establishment"
)

// MySubject is a subject of a pupil's period: its marks and his average.
type MySubject struct {
	Service    TeachingService `json:"service"`
	Marks      []MyMark        `json:"marks"`
	Average    int64           `json:"average"`
	HasAverage bool            `json:"has_average"`
}

// MyMark is an assessment and the pupil's mark (Has false: none yet).
type MyMark struct {
	Assessment Assessment `json:"assessment"`
	Mark       Mark       `json:"mark"`
	Has        bool       `json:"has"`
}

// MyPeriod is a period of a pupil's class: his subjects, his general average and, once
// published, his report card.
type MyPeriod struct {
	Period     Period      `json:"period"`
	Subjects   []MySubject `json:"subjects"`
	General    int64       `json:"general"`
	HasGeneral bool        `json:"has_general"`
	// Card: the report card is published (its PDF may be downloaded).
	Card bool `json:"report_card"`
}

// MyClass is a class a pupil is in, in one establishment.
type MyClass struct {
	E         establishment.Establishment `json:"-"`
	UAI       string                      `json:"uai"`
	StudentID int64                       `json:"student_id"`
	Class     Class                       `json:"class"`
	Periods   []MyPeriod                  `json:"periods"`
}

// Mine returns the marks of the principal's own student records, class by class (his
// own data: not audited). Report cards appear from their publication day.
func (s *Service) Mine(ctx context.Context, p *authz.Principal) ([]MyClass, error) {
	mine, err := s.students.Mine(ctx, p)
	if err != nil {
		return nil, err
	}
	today := calendar.Date(s.now())
	var out []MyClass
	for _, st := range mine {
		e, err := s.establishments.ByID(ctx, st.EstablishmentID)
		if err != nil {
			return nil, err
		}
		classes, err := s.year.PupilClasses(ctx, e.ID, st.ID)
		if err != nil {
			return nil, err
		}
		if len(classes) > 0 {
			classes = classes[:1] // the current (most recent) class
		}
		for _, c := range classes {
			mc, err := s.myClass(ctx, e, st.ID, c, today)
			if err != nil {
				return nil, err
			}
			out = append(out, mc)
		}
	}
	return out, nil
}

func (s *Service) myClass(ctx context.Context, e establishment.Establishment, studentID int64, c Class, today string) (MyClass, error) {
	mc := MyClass{E: e, UAI: e.UAI, StudentID: studentID, Class: c}
	periods, err := s.year.Periods(ctx, e.ID, c.YearID)
	if err != nil {
		return mc, err
	}
	services, err := s.year.ClassServices(ctx, e.ID, c.ID)
	if err != nil {
		return mc, err
	}
	ids := []any{e.ID, int64(0)}
	for _, sv := range services {
		ids = append(ids, sv.ID)
	}
	// Every assessment of the class and the pupil's marks, in two queries.
	type key struct{ period, service int64 }
	byKey := map[key][]Assessment{}
	if err := s.db.Each(ctx, func(rows *sql.Rows) error {
		a, err := scanAssessment(rows)
		byKey[key{a.PeriodID, a.ServiceID}] = append(byKey[key{a.PeriodID, a.ServiceID}], a)
		return err
	}, `SELECT `+assessmentCols+` FROM mark_assessments WHERE establishment_id = $1 AND service_id IN (`+placeholders(2, len(ids)-1)+`) ORDER BY taken_on, id`, ids...); err != nil {
		return mc, err
	}
	marks := map[int64]Mark{}
	if err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var a int64
		var m Mark
		var code string
		if err := rows.Scan(&a, &m.Value, &code); err != nil {
			return err
		}
		m.Code = Code(code)
		marks[a] = m
		return nil
	}, `SELECT assessment_id, value, code FROM marks WHERE student_id = $1 AND establishment_id = $2`, studentID, e.ID); err != nil {
		return mc, err
	}
	for _, pe := range periods {
		mp := MyPeriod{Period: pe}
		var avgs, coefs []int64
		for _, sv := range services {
			ms := MySubject{Service: sv}
			var ws []Weighted
			for _, a := range byKey[key{pe.ID, sv.ID}] {
				m, ok := marks[a.ID]
				ms.Marks = append(ms.Marks, MyMark{Assessment: a, Mark: m, Has: ok})
				if ok {
					ws = append(ws, Weighted{Mark: m, OutOf: a.OutOf, Coef: a.Coef})
				}
			}
			ms.Average, ms.HasAverage = Average(ws)
			if ms.HasAverage {
				avgs, coefs = append(avgs, ms.Average), append(coefs, sv.Coef)
			}
			mp.Subjects = append(mp.Subjects, ms)
		}
		mp.General, mp.HasGeneral = WeightedAverage(avgs, coefs)
		lk, err := s.lock(ctx, e.ID, pe.ID, c.ID)
		if err != nil {
			return mc, err
		}
		mp.Card = lk.Published(today)
		mc.Periods = append(mc.Periods, mp)
	}
	return mc, nil
}
