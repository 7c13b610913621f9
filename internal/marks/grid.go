package marks

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
)

// Grid is a service's marks for a period: the class × assessments table the teacher
// types in, with each pupil's average and the class figures.
type Grid struct {
	Service     TeachingService          `json:"service"`
	Period      Period                   `json:"period"`
	Class       Class                    `json:"class"`
	Assessments []Assessment             `json:"assessments"`
	Pupils      []Pupil                  `json:"pupils"`
	Marks       map[int64]map[int64]Mark `json:"marks"`    // student → assessment → mark
	Averages    map[int64]int64          `json:"averages"` // student → subject average
	Stats       Stats                    `json:"stats"`
	// AssessmentStats are each assessment's figures, its marks brought to 20.
	AssessmentStats map[int64]Stats `json:"assessment_stats"`
	CanWrite        bool            `json:"can_write"`
	Locked          bool            `json:"locked"`
}

// Grid returns a service's marks for a period (staff of the establishment; audited).
func (s *Service) Grid(ctx context.Context, p *authz.Principal, uai string, serviceID, periodID int64) (Grid, error) {
	sc, err := s.resolve(ctx, p, uai, serviceID, periodID)
	if err != nil {
		return Grid{}, err
	}
	g, err := s.grid(ctx, sc)
	if err != nil {
		return Grid{}, err
	}
	return g, s.record(ctx, p, sc.e.ID, audit.MarksViewed, map[string]any{"service_id": serviceID, "period_id": periodID, "class_id": sc.class.ID})
}

func (s *Service) grid(ctx context.Context, sc scope) (Grid, error) {
	g := Grid{Service: sc.service, Period: sc.period, Class: sc.class, CanWrite: sc.write && !sc.locked, Locked: sc.locked,
		Marks: map[int64]map[int64]Mark{}, Averages: map[int64]int64{}, AssessmentStats: map[int64]Stats{}}
	var err error
	if g.Assessments, err = s.assessments(ctx, sc.e.ID, sc.service.ID, sc.period.ID); err != nil {
		return g, err
	}
	if g.Pupils, err = s.year.ServicePupils(ctx, sc.e.ID, sc.service.ID); err != nil {
		return g, err
	}
	if err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var st, a, v int64
		var code string
		if err := rows.Scan(&a, &st, &v, &code); err != nil {
			return err
		}
		if g.Marks[st] == nil {
			g.Marks[st] = map[int64]Mark{}
		}
		g.Marks[st][a] = Mark{Value: v, Code: Code(code)}
		return nil
	}, `SELECT m.assessment_id, m.student_id, m.value, m.code FROM marks m JOIN mark_assessments a ON a.id = m.assessment_id
		WHERE a.establishment_id = $1 AND a.service_id = $2 AND a.period_id = $3`, sc.e.ID, sc.service.ID, sc.period.ID); err != nil {
		return g, err
	}
	ws := make([]Weighted, 0, len(g.Assessments))
	var avgs []int64
	per := map[int64][]int64{}
	for _, pu := range g.Pupils {
		ws = ws[:0]
		for _, a := range g.Assessments {
			if m, ok := g.Marks[pu.StudentID][a.ID]; ok {
				ws = append(ws, Weighted{Mark: m, OutOf: a.OutOf, Coef: a.Coef})
				if v, ok := Average([]Weighted{{Mark: m, OutOf: a.OutOf, Coef: 100}}); ok {
					per[a.ID] = append(per[a.ID], v)
				}
			}
		}
		if avg, ok := Average(ws); ok {
			g.Averages[pu.StudentID] = avg
			avgs = append(avgs, avg)
		}
	}
	g.Stats = ClassStats(avgs)
	for id, v := range per {
		g.AssessmentStats[id] = ClassStats(v)
	}
	return g, nil
}

// Change is a cell of the grid as typed: a mark, a code, or "" to remove the mark.
type Change struct {
	StudentID    int64  `json:"student_id"`
	AssessmentID int64  `json:"assessment_id"`
	Value        string `json:"value"`
}

// SaveMarks saves cells of a service's grid for a period in one transaction (the
// service's teacher or an admin; the period open, the class not locked). A cell that
// is not a mark, of a pupil not in the class or an assessment of another service, fails
// the whole save with an error naming it.
func (s *Service) SaveMarks(ctx context.Context, p *authz.Principal, uai string, serviceID, periodID int64, changes []Change) (int, error) {
	if len(changes) > MaxChangesPerSave {
		return 0, apperr.TooManyItems("marks", MaxChangesPerSave)
	}
	sc, err := s.resolve(ctx, p, uai, serviceID, periodID)
	if err != nil {
		return 0, err
	}
	if err := sc.writable(); err != nil {
		return 0, err
	}
	as, err := s.assessments(ctx, sc.e.ID, serviceID, periodID)
	if err != nil {
		return 0, err
	}
	pupils, err := s.year.ServicePupils(ctx, sc.e.ID, sc.service.ID)
	if err != nil {
		return 0, err
	}
	cells := make([]SheetCell, 0, len(changes))
	if err := checkChanges(changes, as, pupils, &cells); err != nil {
		return 0, err
	}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.write(ctx, p, sc.e.ID, cells); err != nil {
			return err
		}
		return s.record(ctx, p, sc.e.ID, audit.MarksSaved, map[string]any{"service_id": serviceID, "period_id": periodID, "cells": len(cells)})
	})
	return len(cells), err
}

func checkChanges(changes []Change, as []Assessment, pupils []Pupil, cells *[]SheetCell) error {
	byID := make(map[int64]Assessment, len(as))
	for _, a := range as {
		byID[a.ID] = a
	}
	in := make(map[int64]Pupil, len(pupils))
	for _, pu := range pupils {
		in[pu.StudentID] = pu
	}
	for _, c := range changes {
		a, ok := byID[c.AssessmentID]
		if !ok {
			return apperr.NotFound("assessment_not_found", "assessment %d is not one of this service and period", c.AssessmentID)
		}
		pu, ok := in[c.StudentID]
		if !ok {
			return apperr.Invalid("not_in_class", "student %d is not a pupil of this class", c.StudentID)
		}
		m, set, err := ParseMark(c.Value, a.OutOf)
		if err != nil {
			if e := apperr.As(err); e != nil {
				return e.With("pupil", pu.Name()).With("assessment", a.Title)
			}
			return err
		}
		*cells = append(*cells, SheetCell{StudentID: c.StudentID, AssessmentID: a.ID, Mark: m, Set: set})
	}
	return nil
}

// write upserts the set cells and deletes the empty ones, in the caller's transaction.
func (s *Service) write(ctx context.Context, p *authz.Principal, estID int64, cells []SheetCell) error {
	now := s.now()
	var rows [][]any
	byAssessment := map[int64][]any{}
	for _, c := range cells {
		if c.Set {
			rows = append(rows, []any{c.AssessmentID, c.StudentID, estID, c.Mark.Value, string(c.Mark.Code), author(p), now})
		} else {
			byAssessment[c.AssessmentID] = append(byAssessment[c.AssessmentID], c.StudentID)
		}
	}
	for a, students := range byAssessment {
		for start := 0; start < len(students); start += 500 {
			chunk := students[start:min(start+500, len(students))]
			q := `DELETE FROM marks WHERE assessment_id = $1 AND student_id IN (` + placeholders(2, len(chunk)) + `)`
			if _, err := s.db.Exec(ctx, q, append([]any{a}, chunk...)...); err != nil {
				return err
			}
		}
	}
	return s.db.InsertRowsOn(ctx, "marks", []string{"assessment_id", "student_id", "establishment_id", "value", "code", "author_id", "updated_at"}, rows,
		`ON CONFLICT (assessment_id, student_id) DO UPDATE SET value = excluded.value, code = excluded.code, author_id = excluded.author_id, updated_at = excluded.updated_at`,
		"", nil)
}

// placeholders is "$from, $from+1, …" n times.
func placeholders(from, n int) string {
	b := make([]byte, 0, n*5)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(from+i), 10)
	}
	return string(b)
}
