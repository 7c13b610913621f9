package competency

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/store"
)

// This file is what the transfer job, the purge and the benchmarks write of evaluations,
// set-based (COPY on PostgreSQL), inside the transaction ctx carries (store.DB.Tx). They
// decide and check access.

// Head is an evaluation written in bulk; its author is not an account.
type Head struct {
	EstablishmentID           int64
	Title, Date, Level, Class string
	ReferentialID             int64
	AuthorName                string
}

// Mark is a result written in bulk: for a student, in the evaluation heads[Head].
type Mark struct {
	Head              int
	StudentID         int64
	Competency, Value string
}

// Note is a comment written in bulk: for a student, in the evaluation heads[Head].
type Note struct {
	Head      int
	StudentID int64
	Body      string
}

// Write writes evaluations with their results and comments, each table at once, and
// returns the ids of the heads. Results come from mark(0) … mark(marks-1), never all in
// memory.
func Write(ctx context.Context, db *store.DB, heads []Head, marks int, mark func(i int) Mark, notes []Note, now time.Time) ([]int64, error) {
	var ids []int64
	err := db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if ids, err = db.NextIDs(ctx, "evaluations", len(heads)); err != nil {
			return err
		}
		if _, err := db.CopyFunc(ctx, "evaluations", []string{"id", "establishment_id", "title", "eval_date", "level", "class", "referential_id",
			"author_id", "author_name", "created_at", "updated_at"}, len(heads), func(i int) []any {
			h := heads[i]
			return []any{ids[i], h.EstablishmentID, h.Title, h.Date, h.Level, h.Class, h.ReferentialID, nil, h.AuthorName, now, now}
		}); err != nil {
			return err
		}
		if _, err := db.CopyFunc(ctx, "evaluation_results", []string{"establishment_id", "evaluation_id", "student_id", "competency", "value", "updated_at"},
			marks, func(i int) []any {
				m := mark(i)
				return []any{heads[m.Head].EstablishmentID, ids[m.Head], m.StudentID, m.Competency, m.Value, now}
			}); err != nil {
			return err
		}
		_, err = db.CopyFunc(ctx, "evaluation_comments", []string{"establishment_id", "evaluation_id", "student_id", "body", "updated_at"},
			len(notes), func(i int) []any {
				n := notes[i]
				return []any{heads[n.Head].EstablishmentID, ids[n.Head], n.StudentID, n.Body, now}
			})
		return err
	})
	return ids, err
}

// Move names a student whose records go to his new establishment, where he is another
// student row.
type Move struct {
	FromEstablishment, FromStudent int64
	ToEstablishment, ToStudent     int64
}

// Moved is what moved for one student.
type Moved struct {
	Evaluations, Results, Comments int
}

// MoveStudents moves the evaluations of students to their new establishments: each
// evaluation where a student has a result or a comment becomes, at the destination, an
// evaluation of his alone (same title, date, level and referential, no class, authored
// by FormerEstablishment) with his results and comment; then his results and comments
// at the origin are deleted, and the origin evaluations left with nobody's. It returns
// what moved per move, and the origin evaluations it touched per origin establishment:
// a student of the same class moving at the same time in another transaction still
// held some, so a caller moving students one at a time checks those again at the end
// (DeleteEmptyEvaluations). Each origin establishment is read and written once for all
// its students.
func MoveStudents(ctx context.Context, db *store.DB, moves []Move, now time.Time) ([]Moved, map[int64][]int64, error) {
	out := make([]Moved, len(moves))
	touched := map[int64][]int64{}
	byOrigin := map[int64][]int{} // origin establishment → moves
	var origins []int64
	for i, m := range moves {
		if byOrigin[m.FromEstablishment] == nil {
			origins = append(origins, m.FromEstablishment)
		}
		byOrigin[m.FromEstablishment] = append(byOrigin[m.FromEstablishment], i)
	}
	type key struct{ student, eval int64 }
	type head struct {
		title, date, level string
		ref                int64
	}
	var heads []Head
	var marks []Mark
	var notes []Note
	held := map[int64]bool{} // origin establishments where a student had something
	err := db.Tx(ctx, func(ctx context.Context) error {
		for _, est := range origins {
			idx := byOrigin[est]
			move := make(map[int64]int, len(idx)) // origin student → move
			students := make([]any, len(idx))
			for j, i := range idx {
				move[moves[i].FromStudent] = i
				students[j] = moves[i].FromStudent
			}
			// Each student's evaluations, in the order of his results page: by date, then id.
			found := map[key]head{}
			results := map[key][]Mark{}
			comments := map[key]string{}
			evals := map[int64]bool{}
			if err := chunks(students, 1000, 2, func(ph string, chunk []any) error {
				args := append([]any{est}, chunk...)
				if err := db.Each(ctx, func(rows *sql.Rows) error {
					var k key
					var h head
					var m Mark
					if err := rows.Scan(&k.student, &k.eval, &h.title, &h.date, &h.level, &h.ref, &m.Competency, &m.Value); err != nil {
						return err
					}
					found[k] = h
					results[k] = append(results[k], m)
					return nil
				}, `SELECT r.student_id, ev.id, ev.title, ev.eval_date, ev.level, ev.referential_id, r.competency, r.value
					FROM evaluation_results r JOIN evaluations ev ON ev.establishment_id = r.establishment_id AND ev.id = r.evaluation_id
					WHERE r.establishment_id = $1 AND r.student_id IN (`+ph+`) ORDER BY r.student_id, ev.eval_date, ev.id, r.competency`, args...); err != nil {
					return err
				}
				return db.Each(ctx, func(rows *sql.Rows) error {
					var k key
					var h head
					var body string
					if err := rows.Scan(&k.student, &k.eval, &h.title, &h.date, &h.level, &h.ref, &body); err != nil {
						return err
					}
					found[k] = h
					comments[k] = body
					return nil
				}, `SELECT c.student_id, ev.id, ev.title, ev.eval_date, ev.level, ev.referential_id, c.body
					FROM evaluation_comments c JOIN evaluations ev ON ev.establishment_id = c.establishment_id AND ev.id = c.evaluation_id
					WHERE c.establishment_id = $1 AND c.student_id IN (`+ph+`)`, args...)
			}); err != nil {
				return err
			}
			keys := make([]key, 0, len(found))
			for k := range found {
				keys = append(keys, k)
			}
			sort.Slice(keys, func(a, b int) bool {
				x, y := keys[a], keys[b]
				if x.student != y.student {
					return move[x.student] < move[y.student]
				}
				if found[x].date != found[y].date {
					return found[x].date < found[y].date
				}
				return x.eval < y.eval
			})
			held[est] = len(keys) > 0
			for _, k := range keys {
				i := move[k.student]
				m, h := moves[i], found[k]
				heads = append(heads, Head{EstablishmentID: m.ToEstablishment, Title: h.title, Date: h.date, Level: h.level,
					ReferentialID: h.ref, AuthorName: FormerEstablishment})
				for _, r := range results[k] {
					r.Head, r.StudentID = len(heads)-1, m.ToStudent
					marks = append(marks, r)
				}
				if body, ok := comments[k]; ok {
					notes = append(notes, Note{Head: len(heads) - 1, StudentID: m.ToStudent, Body: body})
					out[i].Comments++
				}
				out[i].Evaluations++
				out[i].Results += len(results[k])
				if !evals[k.eval] {
					evals[k.eval] = true
					touched[est] = append(touched[est], k.eval)
				}
			}
		}
		if _, err := Write(ctx, db, heads, len(marks), func(i int) Mark { return marks[i] }, notes, now); err != nil {
			return err
		}
		for _, est := range origins {
			if !held[est] {
				continue
			}
			students := make([]any, 0, len(byOrigin[est]))
			for _, i := range byOrigin[est] {
				students = append(students, moves[i].FromStudent)
			}
			if err := chunks(students, 1000, 2, func(ph string, chunk []any) error {
				for _, q := range []string{
					`DELETE FROM evaluation_results WHERE establishment_id = $1 AND student_id IN (` + ph + `)`,
					`DELETE FROM evaluation_comments WHERE establishment_id = $1 AND student_id IN (` + ph + `)`,
				} {
					if _, err := db.Exec(ctx, q, append([]any{est}, chunk...)...); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				return err
			}
			if err := DeleteEmptyEvaluations(ctx, db, est, touched[est]); err != nil {
				return err
			}
		}
		return nil
	})
	return out, touched, err
}

// DeleteEmptyEvaluations removes those of the establishment's evaluations ids that no
// longer have any result or comment (their students left).
func DeleteEmptyEvaluations(ctx context.Context, db *store.DB, establishmentID int64, ids []int64) error {
	return chunks(int64s(ids), 500, 2, func(ph string, chunk []any) error {
		_, err := db.Exec(ctx, `DELETE FROM evaluations WHERE establishment_id = $1 AND id IN (`+ph+`)
			AND NOT EXISTS (SELECT 1 FROM evaluation_results r WHERE r.establishment_id = evaluations.establishment_id AND r.evaluation_id = evaluations.id)
			AND NOT EXISTS (SELECT 1 FROM evaluation_comments m WHERE m.establishment_id = evaluations.establishment_id AND m.evaluation_id = evaluations.id)`,
			append([]any{establishmentID}, chunk...)...)
		return err
	})
}

// EvaluationsOf returns the evaluations of the establishment where the students have
// a result or a comment.
func EvaluationsOf(ctx context.Context, db *store.DB, establishmentID int64, students []int64) ([]int64, error) {
	var out []int64
	err := chunks(int64s(students), 1000, 2, func(ph string, chunk []any) error {
		return db.Each(ctx, func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			out = append(out, id)
			return err
		}, `SELECT evaluation_id FROM evaluation_results WHERE establishment_id = $1 AND student_id IN (`+ph+`)
			UNION SELECT evaluation_id FROM evaluation_comments WHERE establishment_id = $1 AND student_id IN (`+ph+`)`,
			append([]any{establishmentID}, chunk...)...)
	})
	return out, err
}

// TotalResults returns the number of results of the platform.
func TotalResults(ctx context.Context, db *store.DB) (int64, error) {
	var n int64
	err := db.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_results`).Scan(&n)
	return n, err
}

// CountResults returns the number of results of the students of the establishment.
func CountResults(ctx context.Context, db *store.DB, establishmentID int64, students []int64) (int64, error) {
	var total int64
	err := chunks(int64s(students), 1000, 2, func(ph string, chunk []any) error {
		var n int64
		err := db.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_results WHERE establishment_id = $1 AND student_id IN (`+ph+`)`,
			append([]any{establishmentID}, chunk...)...).Scan(&n)
		total += n
		return err
	})
	return total, err
}

// chunks calls fn for each chunk of at most size values of list, with the placeholders
// of the chunk numbered from $from.
func chunks(list []any, size, from int, fn func(ph string, chunk []any) error) error {
	for start := 0; start < len(list); start += size {
		chunk := list[start:min(start+size, len(list))]
		ph := make([]string, len(chunk))
		for i := range chunk {
			ph[i] = "$" + strconv.Itoa(from+i)
		}
		if err := fn(strings.Join(ph, ", "), chunk); err != nil {
			return err
		}
	}
	return nil
}

func int64s(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
