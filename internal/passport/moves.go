package passport

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/blob"
	"github.com/cartable/cartable/internal/store"
)

// This file is what the transfer job, the purge and the benchmarks read and write of
// situations and attachment rows, set-based (COPY on PostgreSQL), inside the transaction
// ctx carries (store.DB.Tx). They decide and check access. Files themselves are
// content-addressed in the blob store: rows point at them, and the purge deletes those
// no row points at any more.

// Sheet is a situation written in bulk. Its author and evaluator are not accounts.
type Sheet struct {
	EstablishmentID, StudentID         int64
	Level, Context, Period, Company    string
	Title, Description                 string
	Competencies                       string // the stored JSON array of codes
	ReferentialID                      int64  // 0: none
	Evaluator, Result, Comment, Author string
	EvaluatedAt                        *time.Time
	CreatedAt                          time.Time // zero: now
}

// File is an attachment row written in bulk, of the situation sheets[Sheet]; its
// content must be in the blob store.
type File struct {
	Sheet             int
	Name, ContentType string
	Size              int64
	SHA256            string
	CreatedAt         time.Time // zero: now
}

// Write writes situations and their attachment rows, each table at once, and returns
// the ids of the sheets.
func Write(ctx context.Context, db *store.DB, sheets []Sheet, files []File, now time.Time) ([]int64, error) {
	or := func(t time.Time) time.Time {
		if t.IsZero() {
			return now
		}
		return t
	}
	var ids []int64
	err := db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if ids, err = db.NextIDs(ctx, "situations", len(sheets)); err != nil {
			return err
		}
		if _, err := db.CopyFunc(ctx, "situations", []string{"id", "establishment_id", "student_id", "level", "context", "period", "company", "title",
			"description", "competencies", "referential_id", "evaluator", "result", "comment", "author_name", "evaluated_at", "created_at", "updated_at"},
			len(sheets), func(i int) []any {
				x := sheets[i]
				var ref, evaluated any
				if x.ReferentialID != 0 {
					ref = x.ReferentialID
				}
				if x.EvaluatedAt != nil {
					evaluated = *x.EvaluatedAt
				}
				return []any{ids[i], x.EstablishmentID, x.StudentID, x.Level, x.Context, x.Period, x.Company, x.Title, x.Description, x.Competencies, ref,
					x.Evaluator, x.Result, x.Comment, x.Author, evaluated, or(x.CreatedAt), now}
			}); err != nil {
			return err
		}
		_, err = db.CopyFunc(ctx, "attachments", []string{"establishment_id", "situation_id", "name", "content_type", "size", "sha256", "created_at"},
			len(files), func(i int) []any {
				f := files[i]
				return []any{sheets[f.Sheet].EstablishmentID, ids[f.Sheet], f.Name, f.ContentType, f.Size, f.SHA256, or(f.CreatedAt)}
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
	Situations, Files int
}

// MoveStudents moves the situations of students, with their attachment rows, to their
// new establishments, then deletes them at the origin. The stored files are shared
// content: the new rows point at the same, which must be in blobs before they commit.
// Each origin establishment is read and written once for all its students.
func MoveStudents(ctx context.Context, db *store.DB, blobs blob.Store, moves []Move, now time.Time) ([]Moved, error) {
	out := make([]Moved, len(moves))
	byOrigin := map[int64][]int{}
	var origins []int64
	for i, m := range moves {
		if byOrigin[m.FromEstablishment] == nil {
			origins = append(origins, m.FromEstablishment)
		}
		byOrigin[m.FromEstablishment] = append(byOrigin[m.FromEstablishment], i)
	}
	var sheets []Sheet
	var sheetMove []int     // per sheet: its move
	var sheetOrigin []int64 // per sheet: its situation at the origin
	var files []File
	held := map[int64]bool{}
	err := db.Tx(ctx, func(ctx context.Context) error {
		for _, est := range origins {
			move := map[int64]int{}
			var students []any
			for _, i := range byOrigin[est] {
				move[moves[i].FromStudent] = i
				students = append(students, moves[i].FromStudent)
			}
			sheetOf := map[int64]int{} // origin situation → sheets
			if err := chunks(students, 1000, 2, func(ph string, chunk []any) error {
				args := append([]any{est}, chunk...)
				if err := db.Each(ctx, func(rows *sql.Rows) error {
					var id, st int64
					var x Sheet
					var ref sql.NullInt64
					var evaluated sql.NullTime
					if err := rows.Scan(&id, &st, &x.Level, &x.Context, &x.Period, &x.Company, &x.Title, &x.Description, &x.Competencies, &ref,
						&x.Evaluator, &x.Result, &x.Comment, &x.Author, &evaluated, &x.CreatedAt); err != nil {
						return err
					}
					i := move[st]
					x.EstablishmentID, x.StudentID, x.ReferentialID = moves[i].ToEstablishment, moves[i].ToStudent, ref.Int64
					if evaluated.Valid {
						t := evaluated.Time
						x.EvaluatedAt = &t
					}
					sheetOf[id] = len(sheets)
					sheets = append(sheets, x)
					sheetMove, sheetOrigin = append(sheetMove, i), append(sheetOrigin, id)
					out[i].Situations++
					return nil
				}, `SELECT id, student_id, level, context, period, company, title, description, competencies, referential_id, evaluator, result, comment,
					author_name, evaluated_at, created_at FROM situations WHERE establishment_id = $1 AND student_id IN (`+ph+`) ORDER BY id`, args...); err != nil {
					return err
				}
				return db.Each(ctx, func(rows *sql.Rows) error {
					var sid int64
					var f File
					if err := rows.Scan(&sid, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.CreatedAt); err != nil {
						return err
					}
					f.Sheet = sheetOf[sid]
					files = append(files, f)
					return nil
				}, `SELECT a.situation_id, a.name, a.content_type, a.size, a.sha256, a.created_at FROM attachments a
					JOIN situations x ON x.establishment_id = a.establishment_id AND x.id = a.situation_id
					WHERE x.establishment_id = $1 AND x.student_id IN (`+ph+`) ORDER BY a.id`, args...)
			}); err != nil {
				return err
			}
			held[est] = len(sheetOf) > 0
		}
		// The stored content must be there before the rows that point at it commit.
		for _, f := range files {
			if ok, err := blobs.Exists(ctx, f.SHA256); err != nil || !ok {
				return fmt.Errorf("file %s of situation %d missing from the store: %v", f.Name, sheetOrigin[f.Sheet], err)
			}
			out[sheetMove[f.Sheet]].Files++
		}
		if _, err := Write(ctx, db, sheets, files, now); err != nil {
			return err
		}
		for _, est := range origins {
			if !held[est] {
				continue
			}
			var students []any
			for _, i := range byOrigin[est] {
				students = append(students, moves[i].FromStudent)
			}
			if err := chunks(students, 1000, 2, func(ph string, chunk []any) error {
				_, err := db.Exec(ctx, `DELETE FROM situations WHERE establishment_id = $1 AND student_id IN (`+ph+`)`, append([]any{est}, chunk...)...)
				return err
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// FilesOf returns the distinct contents (SHA-256) the situations of the students of the
// establishment point at.
func FilesOf(ctx context.Context, db *store.DB, establishmentID int64, students []int64) ([]string, error) {
	list := make([]any, len(students))
	for i, id := range students {
		list[i] = id
	}
	seen := map[string]bool{}
	var out []string
	err := chunks(list, 1000, 2, func(ph string, chunk []any) error {
		return db.Each(ctx, func(rows *sql.Rows) error {
			var sum string
			if err := rows.Scan(&sum); err != nil {
				return err
			}
			if !seen[sum] {
				seen[sum] = true
				out = append(out, sum)
			}
			return nil
		}, `SELECT DISTINCT a.sha256 FROM attachments a JOIN situations x ON x.establishment_id = a.establishment_id AND x.id = a.situation_id
			WHERE x.establishment_id = $1 AND x.student_id IN (`+ph+`)`, append([]any{establishmentID}, chunk...)...)
	})
	return out, err
}

// FileInUse reports whether an attachment row still points at the content sum.
func FileInUse(ctx context.Context, db *store.DB, sum string) (bool, error) {
	var refs int
	err := db.QueryRow(ctx, `SELECT COUNT(*) FROM attachments WHERE sha256 = $1`, sum).Scan(&refs)
	return refs > 0, err
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
