package competency

import (
	"context"
	"database/sql"
	"sort"

	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/student"
)

// StudentEvaluation is one evaluation as it concerns one student: his results and the
// comment written for him.
type StudentEvaluation struct {
	ID            int64    `json:"id"`
	Title         string   `json:"title"`
	Date          string   `json:"date"`
	Level         string   `json:"level"`
	Author        string   `json:"author"`
	ReferentialID int64    `json:"-"`
	Diploma       string   `json:"diploma"`
	Results       []Result `json:"results"`
	Comment       string   `json:"comment,omitempty"`
}

// Evaluations returns every evaluation of a student of an establishment (by ids the
// caller has authorised), oldest first: the data of his results page and passport.
func (s *Service) Evaluations(ctx context.Context, establishmentID, studentID int64) ([]StudentEvaluation, error) {
	byID := map[int64]*StudentEvaluation{}
	var order []int64
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var ev StudentEvaluation
		var r Result
		if err := rows.Scan(&ev.ID, &ev.Title, &ev.Date, &ev.Level, &ev.Author, &ev.ReferentialID, &ev.Diploma, &r.Competency, &r.Value); err != nil {
			return err
		}
		x, ok := byID[ev.ID]
		if !ok {
			ev.Results = []Result{}
			x = &ev
			byID[ev.ID] = x
			order = append(order, ev.ID)
		}
		r.StudentID = studentID
		x.Results = append(x.Results, r)
		return nil
	}, `SELECT ev.id, ev.title, ev.eval_date, ev.level, ev.author_name, ev.referential_id, rf.code, r.competency, r.value
		FROM evaluation_results r
		JOIN evaluations ev ON ev.establishment_id = r.establishment_id AND ev.id = r.evaluation_id
		JOIN referentials rf ON rf.id = ev.referential_id
		WHERE r.establishment_id = $1 AND r.student_id = $2
		ORDER BY ev.eval_date, ev.id, r.competency`, establishmentID, studentID)
	if err != nil {
		return nil, err
	}
	// Evaluations with a comment but no result belong to the list too.
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var ev StudentEvaluation
		var body string
		if err := rows.Scan(&ev.ID, &ev.Title, &ev.Date, &ev.Level, &ev.Author, &ev.ReferentialID, &ev.Diploma, &body); err != nil {
			return err
		}
		x, ok := byID[ev.ID]
		if !ok {
			ev.Results = []Result{}
			x = &ev
			byID[ev.ID] = x
			order = append(order, ev.ID)
		}
		x.Comment = body
		return nil
	}, `SELECT ev.id, ev.title, ev.eval_date, ev.level, ev.author_name, ev.referential_id, rf.code, c.body
		FROM evaluation_comments c
		JOIN evaluations ev ON ev.establishment_id = c.establishment_id AND ev.id = c.evaluation_id
		JOIN referentials rf ON rf.id = ev.referential_id
		WHERE c.establishment_id = $1 AND c.student_id = $2`, establishmentID, studentID)
	if err != nil {
		return nil, err
	}
	out := make([]StudentEvaluation, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date < out[j].Date
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Point is one result of a competency over time.
type Point struct {
	EvaluationID int64  `json:"evaluation_id"`
	Title        string `json:"title"`
	Date         string `json:"date"`
	Value        string `json:"value"`
	ValueLabel   string `json:"value_label"`
	Rank         int    `json:"rank"`
}

// CompetencyResults is a competency with the student's results, oldest first.
type CompetencyResults struct {
	Competency
	Points []Point `json:"points"`
	Latest *Point  `json:"latest,omitempty"`
}

// BlockResults groups the competencies of a block.
type BlockResults struct {
	Code         string              `json:"code"`
	Label        string              `json:"label"`
	Competencies []CompetencyResults `json:"competencies"`
}

// ReferentialResults is a student's results against one referential.
type ReferentialResults struct {
	Code   string         `json:"code"`
	Label  string         `json:"label"`
	Scale  []ScaleValue   `json:"scale"`
	Blocks []BlockResults `json:"blocks"`
}

// StudentResults is a student's page of results.
type StudentResults struct {
	Student      student.Student      `json:"student"`
	Referentials []ReferentialResults `json:"referentials"`
	Evaluations  []StudentEvaluation  `json:"evaluations"`
}

// Results returns a student's results by competency over time and the comments: staff
// of his establishment (audited) or the student himself.
func (s *Service) Results(ctx context.Context, p *authz.Principal, uai string, studentID int64) (StudentResults, error) {
	st, staff, err := s.students.Lookup(ctx, p, uai, studentID)
	if err != nil {
		return StudentResults{}, err
	}
	evs, err := s.Evaluations(ctx, st.EstablishmentID, st.ID)
	if err != nil {
		return StudentResults{}, err
	}
	refs, err := s.Referentials(ctx)
	if err != nil {
		return StudentResults{}, err
	}
	out := StudentResults{Student: st, Evaluations: evs, Referentials: Group(refs, evs)}
	if staff {
		err = s.audit.Record(ctx, audit.Event{Action: audit.ResultsViewed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			TargetID: audit.ID(st.AccountID), TargetLogin: st.Login, EstablishmentID: &st.EstablishmentID,
			Detail: map[string]any{"student_id": st.ID, "evaluations": len(evs)}})
	}
	return out, err
}

// Group arranges evaluations by referential, block and competency, each competency with
// its results over time and its latest one. Referentials with no result are left out.
func Group(refs []Referential, evs []StudentEvaluation) []ReferentialResults {
	byRef := map[int64]*Referential{}
	for i := range refs {
		byRef[refs[i].ID] = &refs[i]
	}
	points := map[int64]map[string][]Point{}
	var used []int64
	for _, ev := range evs {
		if _, ok := points[ev.ReferentialID]; !ok {
			points[ev.ReferentialID] = map[string][]Point{}
			used = append(used, ev.ReferentialID)
		}
		ref := byRef[ev.ReferentialID]
		for _, r := range ev.Results {
			pt := Point{EvaluationID: ev.ID, Title: ev.Title, Date: ev.Date, Value: r.Value, ValueLabel: r.Value}
			if ref != nil {
				if rank, ok := ref.Rank(r.Value); ok {
					pt.Rank, pt.ValueLabel = rank, ref.Scale[rank].Label
				}
			}
			points[ev.ReferentialID][r.Competency] = append(points[ev.ReferentialID][r.Competency], pt)
		}
	}
	var out []ReferentialResults
	for _, id := range used {
		ref := byRef[id]
		if ref == nil {
			continue
		}
		rr := ReferentialResults{Code: ref.Code, Label: ref.Label, Scale: ref.Scale}
		for _, b := range ref.Blocks() {
			br := BlockResults{Code: b.Code, Label: b.Label}
			for _, c := range b.Competencies {
				cr := CompetencyResults{Competency: c, Points: points[id][c.Code]}
				if cr.Points == nil {
					cr.Points = []Point{}
				}
				if n := len(cr.Points); n > 0 {
					last := cr.Points[n-1]
					cr.Latest = &last
				}
				br.Competencies = append(br.Competencies, cr)
			}
			rr.Blocks = append(rr.Blocks, br)
		}
		out = append(out, rr)
	}
	return out
}
