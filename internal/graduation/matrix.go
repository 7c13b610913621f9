package graduation

import (
	"context"
	"database/sql"
	"sort"

	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/student"
)

// Filters of the cohort matrix.
const (
	FilterAll       = ""
	FilterAtRisk    = "at_risk"   // à risque (and bloqué)
	FilterSubmitted = "submitted" // déposé à vérifier
	// FilterInactive lists apart the students a full registrar export deactivated: every
	// other filter leaves them out, and so do the counts and the "at risk" reports.
	FilterInactive = "inactive"
)

// Cell is one item of the matrix.
type Cell struct {
	ItemID int64 `json:"item_id"`
	State  State `json:"state"`
}

// Row is a student of the matrix: his cells in the order of the rules.
type Row struct {
	StudentID   int64   `json:"student_id"`
	Number      string  `json:"student_number"`
	LastName    string  `json:"last_name"`
	FirstName   string  `json:"first_name"`
	YearOfStudy int     `json:"year_of_study"`
	Summary     Summary `json:"summary"`
	Cells       []Cell  `json:"cells"`
	// Active is false for a student no longer enrolled (deactivated by a full registrar
	// export, or gone): shown only under FilterInactive.
	Active bool `json:"active"`
}

// Matrix is a cohort's students × rules.
type Matrix struct {
	Cohort highered.Cohort `json:"cohort"`
	Rules  []Rule          `json:"rules"`
	Rows   []Row           `json:"rows"`
	// Counts by status of the cohort's active students (before the filter), and
	// "inactive": the students no longer enrolled.
	Counts map[string]int `json:"counts"`
}

// Matrix returns the cohort matrix (staff; audited), filtered.
func (s *Service) Matrix(ctx context.Context, p *authz.Principal, uai string, cohortID int64, filter string) (Matrix, error) {
	e, err := s.highered.Resolve(ctx, p, uai, staff...)
	if err != nil {
		return Matrix{}, err
	}
	m := Matrix{Counts: map[string]int{}}
	if m.Cohort, err = s.highered.CohortByID(ctx, e.ID, cohortID); err != nil {
		return Matrix{}, err
	}
	if m.Rules, err = s.rules(ctx, e.ID, cohortID); err != nil {
		return Matrix{}, err
	}
	col := map[int64]int{}
	for i, r := range m.Rules {
		col[r.ID] = i
	}
	members, err := s.highered.Members(ctx, e.ID, cohortID)
	if err != nil {
		return Matrix{}, err
	}
	ids := make([]int64, len(members))
	rows := make(map[int64]*Row, len(members))
	for i, mb := range members {
		ids[i] = mb.StudentID
		r := &Row{StudentID: mb.StudentID, YearOfStudy: mb.YearOfStudy, Cells: make([]Cell, len(m.Rules))}
		rows[mb.StudentID] = r
	}
	people, err := student.People(ctx, s.db, ids)
	if err != nil {
		return Matrix{}, err
	}
	for id, r := range rows {
		r.Number, r.LastName, r.FirstName = people[id].EleveID, people[id].LastName, people[id].FirstName
		r.Active = people[id].Status == student.StatusActive
	}
	if err := s.db.Each(ctx, func(q *sql.Rows) error {
		var c Cell
		var st, rule int64
		if err := q.Scan(&c.ItemID, &st, &rule, &c.State); err != nil {
			return err
		}
		if r, ok := rows[st]; ok {
			r.Cells[col[rule]] = c
		}
		return nil
	}, `SELECT i.id, i.student_id, i.rule_id, i.state`+itemFrom+` WHERE i.establishment_id = $1 AND r.cohort_id = $2`, e.ID, cohortID); err != nil {
		return Matrix{}, err
	}
	if err := s.db.Each(ctx, func(q *sql.Rows) error {
		var id int64
		var sum Summary
		if err := q.Scan(&id, &sum.Status, &sum.Remaining, &sum.NextDeadline); err != nil {
			return err
		}
		if r, ok := rows[id]; ok {
			r.Summary = sum
		}
		return nil
	}, `SELECT student_id, status, remaining, next_deadline FROM graduation_summaries WHERE establishment_id = $1 AND cohort_id = $2`, e.ID, cohortID); err != nil {
		return Matrix{}, err
	}
	m.Rows = make([]Row, 0, len(rows))
	for _, r := range rows {
		if !r.Active {
			m.Counts[FilterInactive]++
			if filter == FilterInactive {
				m.Rows = append(m.Rows, *r)
			}
			continue
		}
		m.Counts[string(r.Summary.Status)]++
		switch filter {
		case FilterInactive:
			continue
		case FilterAtRisk:
			if r.Summary.Status != AtRisk && r.Summary.Status != Blocked {
				continue
			}
		case FilterSubmitted:
			has := false
			for _, c := range r.Cells {
				has = has || c.State == Submitted
			}
			if !has {
				continue
			}
		}
		m.Rows = append(m.Rows, *r)
	}
	sort.Slice(m.Rows, func(i, j int) bool {
		a, b := m.Rows[i], m.Rows[j]
		if a.LastName != b.LastName {
			return a.LastName < b.LastName
		}
		if a.FirstName != b.FirstName {
			return a.FirstName < b.FirstName
		}
		return a.StudentID < b.StudentID
	})
	err = s.audit.Record(ctx, audit.Event{Action: audit.GraduationViewed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
		EstablishmentID: &e.ID, Detail: map[string]any{"cohort_id": cohortID, "students": len(m.Rows), "filter": filter}})
	return m, err
}

// Pending is an item waiting for review, with its student.
type Pending struct {
	Item
	LastName  string `json:"last_name"`
	FirstName string `json:"first_name"`
}

// MaxQueue bounds a review queue page.
const MaxQueue = 200

// Queue lists the proofs to check of an establishment (déposé), oldest first (the
// office; audited).
func (s *Service) Queue(ctx context.Context, p *authz.Principal, uai string) ([]Pending, error) {
	e, err := s.highered.Resolve(ctx, p, uai, office...)
	if err != nil {
		return nil, err
	}
	// Proofs of students no longer enrolled (deactivated by a full registrar export, or
	// gone) are not the office's work: they are left out, page after page of the
	// oldest, until the queue is full or the proofs run out.
	var out []Pending
	for offset := 0; len(out) < MaxQueue; offset += MaxQueue {
		var page []Pending
		var ids []int64
		if err := s.db.Each(ctx, func(rows *sql.Rows) error {
			it, err := scanItem(rows)
			page = append(page, Pending{Item: it})
			ids = append(ids, it.StudentID)
			return err
		}, `SELECT `+itemCols+itemFrom+` WHERE i.establishment_id = $1 AND i.state = 'submitted' ORDER BY i.updated_at, i.id LIMIT `+itoa(MaxQueue)+` OFFSET `+itoa(offset), e.ID); err != nil {
			return nil, err
		}
		people, err := student.People(ctx, s.db, ids)
		if err != nil {
			return nil, err
		}
		for _, pd := range page {
			who := people[pd.StudentID]
			if who.Status != student.StatusActive || len(out) == MaxQueue {
				continue
			}
			pd.LastName, pd.FirstName = who.LastName, who.FirstName
			out = append(out, pd)
		}
		if len(page) < MaxQueue {
			break
		}
	}
	if out == nil {
		out = []Pending{}
	}
	err = s.audit.Record(ctx, audit.Event{Action: audit.GraduationViewed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
		EstablishmentID: &e.ID, Detail: map[string]any{"queue": len(out)}})
	return out, err
}
