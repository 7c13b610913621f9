package transfer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/student"
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
		ok, err := student.EndWait(ctx, s.db, c.id, today.Format("2006-01-02"), now)
		if err != nil {
			return err
		}
		if !ok {
			return errAlreadyDone
		}
		ok, err = student.Unindex(ctx, s.db, c.unqid.String, o.establishmentID, o.studentID)
		if err != nil {
			return err
		}
		if !ok {
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
	evaluations     []int64
}

// moveEvaluations copies the origin student's evaluations (each with his results and
// comment) to the destination, authored by "ancien établissement", then deletes his
// results and comments at the origin, and the origin evaluations left empty.
func (s *Service) moveEvaluations(ctx context.Context, c candidate, o *origin, now time.Time, rec *Receipt, touched *emptied) error {
	moved, origins, err := competency.MoveStudents(ctx, s.db, []competency.Move{{FromEstablishment: o.establishmentID, FromStudent: o.studentID,
		ToEstablishment: c.establishmentID, ToStudent: c.id}}, now)
	if err != nil {
		return err
	}
	rec.Evaluations, rec.Results, rec.Comments = moved[0].Evaluations, moved[0].Results, moved[0].Comments
	// Two students of one class moving at once each still see the other's results:
	// the run checks these evaluations again once all moves are done.
	if len(origins[o.establishmentID]) > 0 {
		*touched = emptied{establishmentID: o.establishmentID, evaluations: origins[o.establishmentID]}
	}
	return nil
}

// moveSituations copies the origin student's situations and their attachment rows (the
// files themselves are shared content) to the destination, then deletes them at the
// origin.
func (s *Service) moveSituations(ctx context.Context, c candidate, o *origin, now time.Time, rec *Receipt) error {
	moved, err := passport.MoveStudents(ctx, s.db, s.blobs, []passport.Move{{FromEstablishment: o.establishmentID, FromStudent: o.studentID,
		ToEstablishment: c.establishmentID, ToStudent: c.id}}, now)
	if err != nil {
		return err
	}
	rec.Situations, rec.Files = moved[0].Situations, moved[0].Files
	return nil
}
