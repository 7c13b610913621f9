package competency

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// FormerEstablishment is the author of evaluations received by transfer (seed 001).
const FormerEstablishment = "ancien établissement"

// Result is one value given to one student for one competency.
type Result struct {
	StudentID  int64  `json:"student_id"`
	Competency string `json:"competency"`
	Value      string `json:"value"`
}

// Comment is the comment of an evaluation for one student.
type Comment struct {
	StudentID int64  `json:"student_id"`
	Text      string `json:"text"`
}

// Evaluation is an evaluation of an establishment.
type Evaluation struct {
	ID           int64     `json:"id"`
	UAI          string    `json:"uai"`
	Title        string    `json:"title"`
	Date         string    `json:"date"`
	Level        string    `json:"level"`
	Class        string    `json:"class,omitempty"`
	Diploma      string    `json:"diploma"`
	DiplomaLabel string    `json:"diploma_label"`
	AuthorID     int64     `json:"author_id,omitempty"`
	Author       string    `json:"author"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Results      []Result  `json:"results"`
	Comments     []Comment `json:"comments"`
	// Students counts the students with at least one result.
	Students int `json:"students"`
}

// Input creates an evaluation.
type Input struct {
	Title    string    `json:"title"`
	Date     string    `json:"date"`
	Level    string    `json:"level"`
	Class    string    `json:"class"`
	Diploma  string    `json:"diploma"`
	Results  []Result  `json:"results"`
	Comments []Comment `json:"comments"`
}

// writers are the roles that create and edit evaluations; readers also read them.
var (
	writers = []authz.Role{authz.RoleAdmin, authz.RoleTeacher}
	readers = []authz.Role{authz.RoleAdmin, authz.RoleTeacher, authz.RoleInspector}
)

func (s *Service) resolve(ctx context.Context, p *authz.Principal, uai string, roles []authz.Role) (establishment.Establishment, error) {
	return s.establishments.Resolve(ctx, p, uai, roles...)
}

// Limits of an evaluation (docs/limits.md). Texts are counted in characters: a title
// in French is not shorter for having accents.
const (
	MaxTitle   = 200
	MaxLevel   = 100
	MaxClass   = 100
	MaxComment = 10000
	// MaxResults and MaxComments bound one creation or save (a grid, a file, a call
	// of the API): a class of 40 on a referential of 500 competencies is 20,000 cells.
	MaxResults  = 20000
	MaxComments = 2000
)

// maxProblems caps the list of problems an error message quotes.
const maxProblems = 10

// checkLimits checks the lengths and counts of what a creation or a save gives
// (docs/limits.md), before anything is looked up. The error names the first field over
// its limit and never quotes it.
func checkLimits(results []Result, comments []Comment) error {
	if len(results) > MaxResults {
		return apperr.Invalid("too_many", "results: more than %d in one save", MaxResults).With("field", "results").With("max", MaxResults)
	}
	if len(comments) > MaxComments {
		return apperr.Invalid("too_many", "comments: more than %d in one save", MaxComments).With("field", "comments").With("max", MaxComments)
	}
	// The field is named only on failure: a save may hold 20,000 results.
	for i, r := range results {
		if apperr.CheckLen("", r.Competency, maxItemCodeLen) != nil {
			return apperr.TooLong(fmt.Sprintf("results[%d].competency", i), maxItemCodeLen)
		}
		if apperr.CheckLen("", r.Value, maxItemCodeLen) != nil {
			return apperr.TooLong(fmt.Sprintf("results[%d].value", i), maxItemCodeLen)
		}
	}
	for i, c := range comments {
		if apperr.CheckLen("", strings.TrimSpace(c.Text), MaxComment) != nil {
			return apperr.TooLong(fmt.Sprintf("comments[%d].text", i), MaxComment)
		}
	}
	return nil
}

// check validates results and comments against the referential and the students of
// the establishment, and says precisely what is wrong.
func (s *Service) check(ctx context.Context, e establishment.Establishment, ref *Referential, results []Result, comments []Comment) error {
	var problems []string
	// The first problem, for the pages: its message in the catalogue and parameters.
	var first *apperr.Error
	problem := func(key string, params map[string]any, format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
		if first == nil {
			first = &apperr.Error{Key: key, Params: params}
		}
	}
	ids := map[int64]bool{}
	for i, r := range results {
		ids[r.StudentID] = true
		if _, ok := ref.Competency(r.Competency); !ok {
			problem("invalid_results.competency", map[string]any{"competency": r.Competency, "referential": ref.Code},
				"results[%d]: competency %q is not in %s", i, r.Competency, ref.Code)
		}
		if r.Value != "" {
			if _, ok := ref.Rank(r.Value); !ok {
				problem("invalid_results.value", map[string]any{"value": r.Value, "referential": ref.Code, "scale": scaleValues(ref)},
					"results[%d]: value %q is not on the scale of %s (%s)", i, r.Value, ref.Code, scaleValues(ref))
			}
		}
	}
	for _, c := range comments {
		ids[c.StudentID] = true
	}
	if missing, err := s.missingStudents(ctx, e.ID, ids); err != nil {
		return err
	} else if len(missing) > 0 {
		problem("invalid_results.students", map[string]any{"students": fmt.Sprint(missing), "uai": e.UAI},
			"students %v are not students of %s", missing, e.UAI)
	}
	if len(problems) > 0 {
		more := ""
		if len(problems) > maxProblems {
			more = fmt.Sprintf(" (and %d more)", len(problems)-maxProblems)
			problems = problems[:maxProblems]
		}
		err := apperr.Invalid("invalid_results", "%s%s", strings.Join(problems, "; "), more)
		err.Key, err.Params = first.Key, first.Params
		return err
	}
	return nil
}

func scaleValues(ref *Referential) string {
	var v []string
	for _, x := range ref.Scale {
		v = append(v, x.Value)
	}
	return strings.Join(v, ", ")
}

// missingStudents returns the ids that are not students of the establishment.
func (s *Service) missingStudents(ctx context.Context, establishmentID int64, ids map[int64]bool) ([]int64, error) {
	var list []int64
	for id := range ids {
		list = append(list, id)
	}
	sort.Slice(list, func(i, j int) bool { return list[i] < list[j] })
	return student.Missing(ctx, s.db, establishmentID, list)
}

// Create records an evaluation with its results and comments (teachers and
// administrators of the establishment).
func (s *Service) Create(ctx context.Context, p *authz.Principal, uai string, in Input) (Evaluation, error) {
	e, err := s.resolve(ctx, p, uai, writers)
	if err != nil {
		return Evaluation{}, err
	}
	in.Title, in.Level, in.Class = strings.TrimSpace(in.Title), strings.TrimSpace(in.Level), strings.TrimSpace(in.Class)
	if in.Title == "" {
		return Evaluation{}, apperr.Invalid("invalid_title", "an evaluation needs a title (up to %d characters)", MaxTitle)
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"title", in.Title, MaxTitle}, {"level", in.Level, MaxLevel}, {"class", in.Class, MaxClass}, {"date", in.Date, len("2006-01-02")}, {"diploma", in.Diploma, maxCodeLen}} {
		if err := apperr.CheckLen(f.name, f.value, f.max); err != nil {
			return Evaluation{}, err
		}
	}
	if err := checkLimits(in.Results, in.Comments); err != nil {
		return Evaluation{}, err
	}
	if _, err := time.Parse("2006-01-02", in.Date); err != nil {
		return Evaluation{}, apperr.Invalid("invalid_date", "date %q: use YYYY-MM-DD", in.Date)
	}
	ref, err := s.Referential(ctx, in.Diploma)
	if err != nil {
		return Evaluation{}, apperr.Invalid("invalid_diploma", "diploma %q: no such referential", in.Diploma)
	}
	if err := s.check(ctx, e, &ref, in.Results, in.Comments); err != nil {
		return Evaluation{}, err
	}
	now := s.now()
	var id int64
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.db.QueryRow(ctx, `INSERT INTO evaluations (establishment_id, title, eval_date, level, class, referential_id, author_id, author_name, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			e.ID, in.Title, in.Date, in.Level, in.Class, ref.ID, nullID(p.AccountID), p.Login, now).Scan(&id); err != nil {
			return err
		}
		if err := s.write(ctx, e.ID, id, in.Results, in.Comments, now); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.EvaluationCreated, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"evaluation_id": id, "results": len(in.Results), "comments": len(in.Comments)}})
	})
	if err != nil {
		return Evaluation{}, err
	}
	return s.get(ctx, e, id)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// write upserts results (an empty value deletes one) and comments (an empty text
// deletes one), in the caller's transaction.
func (s *Service) write(ctx context.Context, establishmentID, evalID int64, results []Result, comments []Comment, now time.Time) error {
	var upserts [][]any
	var deletes []Result
	last := map[[2]any]int{} // the last value given for a cell wins
	for _, r := range results {
		k := [2]any{r.StudentID, r.Competency}
		if r.Value == "" {
			deletes = append(deletes, r)
			if i, ok := last[k]; ok {
				upserts[i] = nil
			}
			continue
		}
		if i, ok := last[k]; ok && upserts[i] != nil {
			upserts[i][4] = r.Value
			continue
		}
		last[k] = len(upserts)
		upserts = append(upserts, []any{establishmentID, evalID, r.StudentID, r.Competency, r.Value, now})
	}
	rows := upserts[:0]
	for _, u := range upserts {
		if u != nil {
			rows = append(rows, u)
		}
	}
	for _, d := range deletes {
		if _, err := s.db.Exec(ctx, `DELETE FROM evaluation_results WHERE establishment_id = $1 AND evaluation_id = $2 AND student_id = $3 AND competency = $4`,
			establishmentID, evalID, d.StudentID, d.Competency); err != nil {
			return err
		}
	}
	if err := s.db.InsertRowsOn(ctx, "evaluation_results", []string{"establishment_id", "evaluation_id", "student_id", "competency", "value", "updated_at"}, rows,
		`ON CONFLICT (establishment_id, evaluation_id, student_id, competency) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, "", nil); err != nil {
		return err
	}
	var cm [][]any
	seen := map[int64]int{}
	for _, c := range comments {
		text := strings.TrimSpace(c.Text)
		if text == "" {
			if _, err := s.db.Exec(ctx, `DELETE FROM evaluation_comments WHERE establishment_id = $1 AND evaluation_id = $2 AND student_id = $3`,
				establishmentID, evalID, c.StudentID); err != nil {
				return err
			}
			continue
		}
		if i, ok := seen[c.StudentID]; ok {
			cm[i][3] = text
			continue
		}
		seen[c.StudentID] = len(cm)
		cm = append(cm, []any{establishmentID, evalID, c.StudentID, text, now})
	}
	return s.db.InsertRowsOn(ctx, "evaluation_comments", []string{"establishment_id", "evaluation_id", "student_id", "body", "updated_at"}, cm,
		`ON CONFLICT (establishment_id, evaluation_id, student_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`, "", nil)
}

// SaveResults updates a grid: the given cells and comments change, the others stay.
// Teachers and administrators of the establishment may.
func (s *Service) SaveResults(ctx context.Context, p *authz.Principal, uai string, id int64, results []Result, comments []Comment) (int, error) {
	e, err := s.resolve(ctx, p, uai, writers)
	if err != nil {
		return 0, err
	}
	if err := checkLimits(results, comments); err != nil {
		return 0, err
	}
	ev, err := s.head(ctx, e, id)
	if err != nil {
		return 0, err
	}
	ref, err := s.referentialByID(ctx, ev.refID)
	if err != nil {
		return 0, err
	}
	if err := s.check(ctx, e, &ref, results, comments); err != nil {
		return 0, err
	}
	now := s.now()
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.write(ctx, e.ID, id, results, comments, now); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE evaluations SET updated_at = $3 WHERE establishment_id = $1 AND id = $2`, e.ID, id, now); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.EvaluationSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"evaluation_id": id, "results": len(results), "comments": len(comments)}})
	})
	return len(results) + len(comments), err
}

type head struct {
	Evaluation
	refID int64
}

var errNoEvaluation = apperr.NotFound("evaluation_not_found", "no such evaluation")

func (s *Service) head(ctx context.Context, e establishment.Establishment, id int64) (head, error) {
	var h head
	var author sql.NullInt64
	err := s.db.QueryRow(ctx, `SELECT ev.id, ev.title, ev.eval_date, ev.level, ev.class, r.code, r.label, ev.referential_id, ev.author_id,
		ev.author_name, ev.created_at, ev.updated_at
		FROM evaluations ev JOIN referentials r ON r.id = ev.referential_id
		WHERE ev.establishment_id = $1 AND ev.id = $2`, e.ID, id).Scan(&h.ID, &h.Title, &h.Date, &h.Level, &h.Class, &h.Diploma, &h.DiplomaLabel,
		&h.refID, &author, &h.Author, &h.CreatedAt, &h.UpdatedAt)
	if errors.Is(err, store.ErrNotFound) {
		return h, errNoEvaluation
	}
	h.UAI, h.AuthorID = e.UAI, author.Int64
	h.CreatedAt, h.UpdatedAt = h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	return h, err
}

func (s *Service) get(ctx context.Context, e establishment.Establishment, id int64) (Evaluation, error) {
	h, err := s.head(ctx, e, id)
	if err != nil {
		return Evaluation{}, err
	}
	ev := h.Evaluation
	ev.Results, ev.Comments = []Result{}, []Comment{}
	students := map[int64]bool{}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var r Result
		err := rows.Scan(&r.StudentID, &r.Competency, &r.Value)
		ev.Results = append(ev.Results, r)
		students[r.StudentID] = true
		return err
	}, `SELECT student_id, competency, value FROM evaluation_results WHERE establishment_id = $1 AND evaluation_id = $2 ORDER BY student_id, competency`, e.ID, id)
	if err != nil {
		return Evaluation{}, err
	}
	ev.Students = len(students)
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var c Comment
		err := rows.Scan(&c.StudentID, &c.Text)
		ev.Comments = append(ev.Comments, c)
		return err
	}, `SELECT student_id, body FROM evaluation_comments WHERE establishment_id = $1 AND evaluation_id = $2 ORDER BY student_id`, e.ID, id)
	return ev, err
}

// Get returns an evaluation with its results (staff of the establishment; inspectors
// read). The access is audited: it shows students' results.
func (s *Service) Get(ctx context.Context, p *authz.Principal, uai string, id int64) (Evaluation, error) {
	e, err := s.resolve(ctx, p, uai, readers)
	if err != nil {
		return Evaluation{}, err
	}
	ev, err := s.get(ctx, e, id)
	if err != nil {
		return Evaluation{}, err
	}
	return ev, s.audit.Record(ctx, audit.Event{Action: audit.EvaluationViewed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
		EstablishmentID: &e.ID, Detail: map[string]any{"evaluation_id": id, "students": ev.Students}})
}

// ListFilter selects evaluations.
type ListFilter struct {
	Class   string
	Diploma string
	// AuthorID selects the evaluations of one author (a teacher's recent work).
	AuthorID int64
	Limit    int
}

// List returns the evaluations of an establishment, newest first, without results.
func (s *Service) List(ctx context.Context, p *authz.Principal, uai string, f ListFilter) ([]Evaluation, error) {
	e, err := s.resolve(ctx, p, uai, readers)
	if err != nil {
		return nil, err
	}
	where := []string{"ev.establishment_id = $1"}
	args := []any{e.ID}
	if f.Class != "" {
		args = append(args, f.Class)
		where = append(where, fmt.Sprintf("ev.class = $%d", len(args)))
	}
	if f.Diploma != "" {
		args = append(args, f.Diploma)
		where = append(where, fmt.Sprintf("r.code = $%d", len(args)))
	}
	if f.AuthorID != 0 {
		args = append(args, f.AuthorID)
		where = append(where, fmt.Sprintf("ev.author_id = $%d", len(args)))
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	out := []Evaluation{}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var ev Evaluation
		var author sql.NullInt64
		if err := rows.Scan(&ev.ID, &ev.Title, &ev.Date, &ev.Level, &ev.Class, &ev.Diploma, &ev.DiplomaLabel, &author, &ev.Author,
			&ev.CreatedAt, &ev.UpdatedAt, &ev.Students); err != nil {
			return err
		}
		ev.UAI, ev.AuthorID = e.UAI, author.Int64
		ev.CreatedAt, ev.UpdatedAt = ev.CreatedAt.UTC(), ev.UpdatedAt.UTC()
		out = append(out, ev)
		return nil
	}, `SELECT ev.id, ev.title, ev.eval_date, ev.level, ev.class, r.code, r.label, ev.author_id, ev.author_name, ev.created_at, ev.updated_at,
		(SELECT COUNT(DISTINCT x.student_id) FROM evaluation_results x WHERE x.establishment_id = ev.establishment_id AND x.evaluation_id = ev.id)
		FROM evaluations ev JOIN referentials r ON r.id = ev.referential_id
		WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY ev.eval_date DESC, ev.id DESC LIMIT %d`, limit), args...)
	return out, err
}

// Delete removes an evaluation and its results (its author or an administrator).
func (s *Service) Delete(ctx context.Context, p *authz.Principal, uai string, id int64) error {
	e, err := s.resolve(ctx, p, uai, writers)
	if err != nil {
		return err
	}
	h, err := s.head(ctx, e, id)
	if err != nil {
		return err
	}
	if h.AuthorID != p.AccountID && !p.IsPlatformAdmin() && !p.Has(authz.RoleAdmin, e.ID) {
		return apperr.Forbidden("forbidden", "only its author or an administrator can delete an evaluation")
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Exec(ctx, `DELETE FROM evaluations WHERE establishment_id = $1 AND id = $2`, e.ID, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.EvaluationDeleted, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"evaluation_id": id, "title": h.Title}})
	})
}
