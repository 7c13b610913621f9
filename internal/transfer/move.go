package transfer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/competency"
)

// Receipt says what a transfer moved.
type Receipt struct {
	Evaluations int `json:"evaluations"`
	Results     int `json:"results"`
	Comments    int `json:"comments"`
	Situations  int `json:"situations"`
	Files       int `json:"files"`
}

// errCrash marks the errors of the test crash hook: they stop the run, as a crash would.
var errCrash = errors.New("transfer: simulated crash")

func (s *Service) step(name string) error {
	if s.crash != nil {
		if err := s.crash(name); err != nil {
			return fmt.Errorf("%w: %w", errCrash, err)
		}
	}
	return nil
}

// move transfers one student's records in one transaction. The two compare-and-sets at
// its start (his nouvelEleve still 1, his origin's index row still there) make a second
// instance, or a re-run after a crash, skip him instead of moving twice. Attached files
// are content-addressed: the rows written here point at the same stored content, which
// no commit ever deletes, so a crash at any point loses no file.
func (s *Service) move(ctx context.Context, c candidate, o *origin, id identity, today time.Time, touched *emptied) (bool, error) {
	now := s.now()
	var rec Receipt
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		n, err := s.db.ExecCount(ctx, `UPDATE students SET nouvel_eleve = $2, updated_at = $3 WHERE id = $1 AND nouvel_eleve = '1'`,
			c.id, today.Format("2006-01-02"), now)
		if err != nil {
			return err
		}
		if n == 0 {
			return errAlreadyDone
		}
		n, err = s.db.ExecCount(ctx, `DELETE FROM deactivated_students WHERE unqid = $1 AND establishment_id = $2 AND student_id = $3`,
			c.unqid.String, o.establishmentID, o.studentID)
		if err != nil {
			return err
		}
		if n == 0 {
			return errAlreadyDone
		}
		if err := s.step("claimed"); err != nil {
			return err
		}
		if err := s.moveEvaluations(ctx, c, o, now, &rec, touched); err != nil {
			return err
		}
		if err := s.step("evaluations"); err != nil {
			return err
		}
		if err := s.moveSituations(ctx, c, o, now, &rec); err != nil {
			return err
		}
		if err := s.step("situations"); err != nil {
			return err
		}
		var confirmedAt any
		if id.confirmedAt != nil {
			confirmedAt = *id.confirmedAt
		}
		matched := strings.Join(id.matched, ",")
		if _, err := s.db.Exec(ctx, `INSERT INTO transfers (kind, to_establishment_id, to_student_id, from_establishment_id, from_student_id,
			from_uai, to_uai, last_name, first_name, done_on, evaluations, results, comments, situations, files, matched, confirmed_by, confirmed_at, created_at)
			VALUES ('transfer', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
			c.establishmentID, c.id, o.establishmentID, o.studentID, o.uai, c.uai, c.last, c.first, today.Format("2006-01-02"),
			rec.Evaluations, rec.Results, rec.Comments, rec.Situations, rec.Files, matched, id.confirmedBy, confirmedAt, now); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM transfer_states WHERE student_id = $1`, c.id); err != nil {
			return err
		}
		detail := map[string]any{"from_uai": o.uai, "to_uai": c.uai, "evaluations": rec.Evaluations, "results": rec.Results,
			"comments": rec.Comments, "situations": rec.Situations, "files": rec.Files, "matched": matched}
		if id.confirmedBy != "" {
			detail["confirmed_by"] = id.confirmedBy
		}
		for _, est := range []int64{c.establishmentID, o.establishmentID} {
			d := map[string]any{"student_id": c.id}
			if est == o.establishmentID {
				d = map[string]any{"student_id": o.studentID}
			}
			for k, v := range detail {
				d[k] = v
			}
			if err := s.audit.Record(ctx, audit.Event{Action: audit.TransferDone, ActorLogin: "(job)", EstablishmentID: &est, Detail: d}); err != nil {
				return err
			}
		}
		return s.step("before-commit")
	})
	if err != nil {
		return false, err
	}
	return true, s.step("committed")
}

// emptied names origin evaluations a move may have left without any result.
type emptied struct {
	establishmentID int64
	evaluations     []any
}

// moveEvaluations copies the origin student's evaluations (each with his results and
// comment) to the destination, authored by "ancien établissement", then deletes his
// results and comments at the origin, and the origin evaluations left empty.
func (s *Service) moveEvaluations(ctx context.Context, c candidate, o *origin, now time.Time, rec *Receipt, touched *emptied) error {
	evs, err := s.competencies.Evaluations(ctx, o.establishmentID, o.studentID)
	if err != nil || len(evs) == 0 {
		return err
	}
	ids, err := s.db.NextIDs(ctx, "evaluations", len(evs))
	if err != nil {
		return err
	}
	var heads, results, comments [][]any
	var originIDs []any
	for i, ev := range evs {
		heads = append(heads, []any{ids[i], c.establishmentID, ev.Title, ev.Date, ev.Level, "", ev.ReferentialID, nil,
			competency.FormerEstablishment, now, now})
		for _, r := range ev.Results {
			results = append(results, []any{c.establishmentID, ids[i], c.id, r.Competency, r.Value, now})
		}
		if ev.Comment != "" {
			comments = append(comments, []any{c.establishmentID, ids[i], c.id, ev.Comment, now})
		}
		originIDs = append(originIDs, ev.ID)
	}
	if _, err := s.db.CopyRows(ctx, "evaluations", []string{"id", "establishment_id", "title", "eval_date", "level", "class", "referential_id",
		"author_id", "author_name", "created_at", "updated_at"}, heads); err != nil {
		return err
	}
	if _, err := s.db.CopyRows(ctx, "evaluation_results", []string{"establishment_id", "evaluation_id", "student_id", "competency", "value", "updated_at"}, results); err != nil {
		return err
	}
	if _, err := s.db.CopyRows(ctx, "evaluation_comments", []string{"establishment_id", "evaluation_id", "student_id", "body", "updated_at"}, comments); err != nil {
		return err
	}
	rec.Evaluations, rec.Results, rec.Comments = len(heads), len(results), len(comments)
	for _, q := range []string{
		`DELETE FROM evaluation_results WHERE establishment_id = $1 AND student_id = $2`,
		`DELETE FROM evaluation_comments WHERE establishment_id = $1 AND student_id = $2`,
	} {
		if _, err := s.db.Exec(ctx, q, o.establishmentID, o.studentID); err != nil {
			return err
		}
	}
	// Two students of one class moving at once each still see the other's results:
	// the run checks these evaluations again once all moves are done.
	*touched = emptied{establishmentID: o.establishmentID, evaluations: originIDs}
	return s.deleteEmptyEvaluations(ctx, o.establishmentID, originIDs)
}

// deleteEmptyEvaluations removes the evaluations among ids that no longer have any
// result or comment (their only students left).
func (s *Service) deleteEmptyEvaluations(ctx context.Context, establishmentID int64, ids []any) error {
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := append([]any{establishmentID}, chunk...)
		ph := make([]string, len(chunk))
		for i := range chunk {
			ph[i] = fmt.Sprintf("$%d", i+2)
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM evaluations WHERE establishment_id = $1 AND id IN (`+strings.Join(ph, ", ")+`)
			AND NOT EXISTS (SELECT 1 FROM evaluation_results r WHERE r.establishment_id = evaluations.establishment_id AND r.evaluation_id = evaluations.id)
			AND NOT EXISTS (SELECT 1 FROM evaluation_comments m WHERE m.establishment_id = evaluations.establishment_id AND m.evaluation_id = evaluations.id)`,
			args...); err != nil {
			return err
		}
	}
	return nil
}

// moveSituations copies the origin student's situations and their attachment rows (the
// files themselves are shared content) to the destination, then deletes them at the
// origin.
func (s *Service) moveSituations(ctx context.Context, c candidate, o *origin, now time.Time, rec *Receipt) error {
	type sit struct {
		id                                                                    int64
		level, context, period, company, title, description, comps, evaluator string
		result, comment, author                                               string
		refID                                                                 sql.NullInt64
		evaluatedAt                                                           sql.NullTime
		created                                                               time.Time
	}
	var sits []sit
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var x sit
		err := rows.Scan(&x.id, &x.level, &x.context, &x.period, &x.company, &x.title, &x.description, &x.comps, &x.refID,
			&x.evaluator, &x.result, &x.comment, &x.author, &x.evaluatedAt, &x.created)
		sits = append(sits, x)
		return err
	}, `SELECT id, level, context, period, company, title, description, competencies, referential_id, evaluator, result, comment,
		author_name, evaluated_at, created_at FROM situations WHERE establishment_id = $1 AND student_id = $2 ORDER BY id`, o.establishmentID, o.studentID)
	if err != nil || len(sits) == 0 {
		return err
	}
	ids, err := s.db.NextIDs(ctx, "situations", len(sits))
	if err != nil {
		return err
	}
	newID := map[int64]int64{}
	rows := make([][]any, len(sits))
	for i, x := range sits {
		newID[x.id] = ids[i]
		var evaluated any
		if x.evaluatedAt.Valid {
			evaluated = x.evaluatedAt.Time
		}
		var ref any
		if x.refID.Valid {
			ref = x.refID.Int64
		}
		rows[i] = []any{ids[i], c.establishmentID, c.id, x.level, x.context, x.period, x.company, x.title, x.description, x.comps, ref,
			x.evaluator, x.result, x.comment, x.author, evaluated, x.created, now}
	}
	if _, err := s.db.CopyRows(ctx, "situations", []string{"id", "establishment_id", "student_id", "level", "context", "period", "company", "title",
		"description", "competencies", "referential_id", "evaluator", "result", "comment", "author_name", "evaluated_at", "created_at", "updated_at"}, rows); err != nil {
		return err
	}
	var files [][]any
	err = s.db.Each(ctx, func(r *sql.Rows) error {
		var sid, size int64
		var name, ctype, sum string
		var created time.Time
		if err := r.Scan(&sid, &name, &ctype, &size, &sum, &created); err != nil {
			return err
		}
		files = append(files, []any{c.establishmentID, newID[sid], name, ctype, size, sum, created})
		return nil
	}, `SELECT a.situation_id, a.name, a.content_type, a.size, a.sha256, a.created_at FROM attachments a
		JOIN situations x ON x.establishment_id = a.establishment_id AND x.id = a.situation_id
		WHERE x.establishment_id = $1 AND x.student_id = $2 ORDER BY a.id`, o.establishmentID, o.studentID)
	if err != nil {
		return err
	}
	// The stored content must be there before the rows that point at it commit.
	for _, f := range files {
		if ok, err := s.blobs.Exists(ctx, f[5].(string)); err != nil || !ok {
			return fmt.Errorf("file %s of situation %v missing from the store: %v", f[2], f[1], err)
		}
	}
	if _, err := s.db.CopyRows(ctx, "attachments", []string{"establishment_id", "situation_id", "name", "content_type", "size", "sha256", "created_at"}, files); err != nil {
		return err
	}
	rec.Situations, rec.Files = len(sits), len(files)
	_, err = s.db.Exec(ctx, `DELETE FROM situations WHERE establishment_id = $1 AND student_id = $2`, o.establishmentID, o.studentID)
	return err
}
