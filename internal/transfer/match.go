package transfer

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// The same INE is not proof enough that a new student is the one who left: the INE is
// printed on official documents, and an administrator can import any file. A match also
// compares what both establishments know of him (docs/decisions/0009-transfer-match.md):
//
//   - the birth date: when both files give one and they differ, nothing ever moves and
//     the attempt is audited at both establishments;
//   - the origin the destination's file names (ancienRNE) and the names: when they do not
//     agree (or the ancienRNE or a birth date is missing), the origin administrator
//     decides, and the destination is not told where the records are until he confirms.

// Reason codes of the states about who a new student is. They are stored with their
// parameters and rendered in the reader's language.
const (
	// CodeBirthDateDiffers (refused): both files give a birth date, and they differ.
	CodeBirthDateDiffers = "birth_date_differs"
	// CodeRefusedByOrigin (refused): the origin administrator said it is not his
	// student; parameters "by" (login) and "on" (date).
	CodeRefusedByOrigin = "refused_by_origin"
	// CodeBirthDateMissing (to confirm): one of the files gives no birth date.
	CodeBirthDateMissing = "birth_date_missing"
	// CodePreviousUAIMissing (to confirm): the destination's file gives no ancienRNE.
	CodePreviousUAIMissing = "previous_uai_missing"
	// CodePreviousUAIOther (to confirm): its ancienRNE is another establishment,
	// parameter "previous_uai".
	CodePreviousUAIOther = "previous_uai_other"
	// CodeNamesDiffer (to confirm): the names differ beyond accents, case and spacing.
	CodeNamesDiffer = "names_differ"
)

// What a receipt says matched.
const (
	MatchINE         = "ine"
	MatchBirthDate   = "birth_date"
	MatchPreviousUAI = "previous_uai"
	MatchNames       = "names"
)

// Decisions of an origin administrator.
const (
	DecisionConfirmed = "confirmed"
	DecisionRefused   = "refused"
)

// person is a student's names as a match compares them.
type person struct{ last, usage, first, first2 string }

// pair is a new student and a student who left: (destination id, origin id).
type pair [2]int64

// decision is the origin administrator's word on a pair.
type decision struct {
	decision, by string
	at           time.Time
}

// identity is what the comparison of a candidate with an origin student proved.
type identity struct {
	refused     string   // a refusal code: nothing moves
	confirm     []string // what the origin administrator must look at
	params      map[string]string
	matched     []string // for the receipt
	confirmedBy string
	confirmedAt *time.Time
}

// identify compares a candidate with the origin student found under his unqid.
func identify(c candidate, o *origin, d *decision) identity {
	id := identity{matched: []string{MatchINE}}
	if d != nil && d.decision == DecisionRefused {
		id.refused = CodeRefusedByOrigin
		id.params = map[string]string{"by": d.by, "on": calendar.Date(d.at)}
		return id
	}
	switch {
	case c.birth == "" || o.birth == "":
		id.confirm = append(id.confirm, CodeBirthDateMissing)
	case c.birth != o.birth:
		id.refused = CodeBirthDateDiffers
		return id
	default:
		id.matched = append(id.matched, MatchBirthDate)
	}
	switch prev := strings.TrimSpace(c.previousUAI); {
	case prev == "":
		id.confirm = append(id.confirm, CodePreviousUAIMissing)
	case !strings.EqualFold(prev, o.uai):
		id.confirm = append(id.confirm, CodePreviousUAIOther)
		id.params = map[string]string{"previous_uai": prev}
	default:
		id.matched = append(id.matched, MatchPreviousUAI)
	}
	if namesAgree(c.person, o.person) {
		id.matched = append(id.matched, MatchNames)
	} else {
		id.confirm = append(id.confirm, CodeNamesDiffer)
	}
	if d != nil && d.decision == DecisionConfirmed && len(id.confirm) > 0 {
		at := d.at
		id.confirm, id.params, id.confirmedBy, id.confirmedAt = nil, nil, d.by, &at
	}
	return id
}

// namesAgree tells whether two students' names are the same beyond accents, case,
// spaces, hyphens and apostrophes: one of the birth and usage names of each is one of
// the other's (schools record one or the other, or both), and so is the first name,
// alone or followed by the second (a compound first name split in two). A compound name
// given shortened, or a different name, does not agree: a person decides.
func namesAgree(a, b person) bool {
	return overlap(names(a.last, a.usage), names(b.last, b.usage)) &&
		overlap(names(a.first, joined(a.first, a.first2)), names(b.first, joined(b.first, b.first2)))
}

// fold keeps a name's letters and digits, lower case, without accents.
func fold(s string) string { return strings.ReplaceAll(student.SearchKey(s), " ", "") }

func joined(first, second string) string {
	if first == "" || second == "" {
		return ""
	}
	return first + " " + second
}

// names folds the non-empty forms of a name.
func names(forms ...string) []string {
	var out []string
	for _, f := range forms {
		if k := fold(f); k != "" {
			out = append(out, k)
		}
	}
	return out
}

func overlap(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// decisions reads the origin administrators' decisions about the candidates whose ids
// lie between first and last: one query per batch of the job.
func (s *Service) decisions(ctx context.Context, first, last int64) (map[pair]decision, error) {
	out := map[pair]decision{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var p pair
		var d decision
		if err := rows.Scan(&p[0], &p[1], &d.decision, &d.by, &d.at); err != nil {
			return err
		}
		out[p] = d
		return nil
	}, `SELECT to_student_id, from_student_id, decision, decided_by, decided_at FROM transfer_decisions
		WHERE to_student_id >= $1 AND to_student_id <= $2`, first, last)
	return out, err
}

// Decision is what an origin administrator's confirmation or refusal did.
type Decision struct {
	Decision string `json:"decision"` // confirmed or refused
	// Moved tells whether the records moved at once. When they could not (a consent
	// withdrawn, another diploma, a failure), the nightly job carries on.
	Moved bool `json:"moved"`
	// MoveErr is why the examination right after the decision failed; the decision
	// stands and the nightly job tries again.
	MoveErr error `json:"-"`
}

// Confirm records that the new student candidateID (elsewhere) is studentID, who left
// the establishment uai, as its administrator says, and moves the records at once,
// through the job's own examination and its compare-and-sets: a run at the same time
// moves him once. Only a pair waiting for confirmation may be confirmed: a birth date
// that differs never moves anything.
func (s *Service) Confirm(ctx context.Context, p *authz.Principal, uai string, candidateID, studentID int64) (Decision, error) {
	return s.decide(ctx, p, uai, candidateID, studentID, DecisionConfirmed)
}

// Refuse records that the new student candidateID is not studentID ("ce n'est pas cet
// élève"): final for that pair.
func (s *Service) Refuse(ctx context.Context, p *authz.Principal, uai string, candidateID, studentID int64) (Decision, error) {
	return s.decide(ctx, p, uai, candidateID, studentID, DecisionRefused)
}

var errNoRequest = apperr.NotFound("transfer_request_not_found", "no transfer waits for this establishment's decision about these students")

func (s *Service) decide(ctx context.Context, p *authz.Principal, uai string, candidateID, studentID int64, verdict string) (Decision, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, authz.RoleAdmin)
	if err != nil {
		return Decision{}, err
	}
	out := Decision{Decision: verdict}
	again := false
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var prior string
		err := s.db.QueryRow(ctx, `SELECT decision FROM transfer_decisions WHERE to_student_id = $1 AND from_student_id = $2 AND from_establishment_id = $3`,
			candidateID, studentID, e.ID).Scan(&prior)
		switch {
		case err == nil && prior == verdict:
			again = true // a second click
			return nil
		case err == nil:
			return apperr.Conflict("transfer_already_decided", "this transfer was already %s", prior)
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		// The request as this establishment's dashboard shows it: a refusal also
		// settles one refused for its birth date.
		var toEst int64
		var toUAI, state string
		err = s.db.QueryRow(ctx, `SELECT establishment_id, state FROM transfer_states
			WHERE student_id = $1 AND origin_establishment_id = $2 AND origin_student_id = $3 AND state IN ('to_confirm', 'refused')`,
			candidateID, e.ID, studentID).Scan(&toEst, &state)
		if err == nil {
			var waiting bool
			if waiting, err = s.stillWaiting(ctx, toEst, candidateID); err == nil && !waiting {
				err = store.ErrNotFound
			}
		}
		if errors.Is(err, store.ErrNotFound) || err == nil && verdict == DecisionConfirmed && state != "to_confirm" {
			return errNoRequest
		}
		if err != nil {
			return err
		}
		dest, err := s.establishments.ByID(ctx, toEst)
		if err != nil {
			return err
		}
		toUAI = dest.UAI
		if _, err := s.db.Exec(ctx, `INSERT INTO transfer_decisions (to_establishment_id, to_student_id, from_establishment_id, from_student_id,
			decision, decided_by_id, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			toEst, candidateID, e.ID, studentID, verdict, audit.ID(p.AccountID), p.Login, s.now()); err != nil {
			return err
		}
		here := audit.Event{Action: audit.TransferConfirmed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login, EstablishmentID: &e.ID,
			Detail: map[string]any{"student_id": studentID, "to_uai": toUAI, "to_student_id": candidateID}}
		there := here
		there.EstablishmentID, there.Detail = &toEst, map[string]any{"student_id": candidateID, "from_uai": e.UAI}
		if verdict == DecisionRefused {
			// The destination is not told where the student it claims was, nor by whom
			// it was refused (the origin's event names him).
			here.Action, there.Action = audit.TransferRefused, audit.TransferRefused
			there.ActorID, there.ActorLogin, there.Detail = nil, "(origin establishment)", map[string]any{"student_id": candidateID}
		}
		if err := s.audit.Record(ctx, here); err != nil {
			return err
		}
		return s.audit.Record(ctx, there)
	})
	if err != nil || again {
		return out, err
	}
	// Now rather than tonight: the same examination as the job's, which records the
	// refusal or moves the records. The decision stands whatever happens here: the next
	// run carries on.
	out.Moved, out.MoveErr = s.examineOne(ctx, candidateID)
	return out, nil
}

// examineOne runs the job's examination for one waiting student.
func (s *Service) examineOne(ctx context.Context, id int64) (bool, error) {
	batch, err := s.candidates(ctx, id-1, 1)
	if err != nil || len(batch) == 0 || batch[0].id != id {
		return false, err
	}
	origins, err := s.origins(ctx, batch)
	if err != nil {
		return false, err
	}
	decided, err := s.decisions(ctx, id, id)
	if err != nil {
		return false, err
	}
	today := s.today()
	var n Counts
	var e emptied
	err = s.examine(ctx, batch[0], origins[batch[0].unqid.String], decided, today, Retention.Before(today).Format("2006-01-02"), &n, &e)
	if err == nil && e.establishmentID != 0 {
		err = competency.DeleteEmptyEvaluations(ctx, s.db, e.establishmentID, e.evaluations)
	}
	return n.Transferred == 1, err
}

// Request is a new student elsewhere who claims one of the establishment's former
// students and needs its administrator's attention: to confirm, or refused.
type Request struct {
	// CandidateID is the new student (at the other establishment): with StudentID, what
	// a confirmation or a refusal names.
	CandidateID int64 `json:"candidate_id"`
	// StudentID, LastName and FirstName are the student who left, as this establishment
	// knows him.
	StudentID int64  `json:"student_id"`
	LastName  string `json:"last_name"`
	FirstName string `json:"first_name"`
	// The new student as the other establishment's file gives him.
	CandidateLastName    string            `json:"candidate_last_name"`
	CandidateFirstName   string            `json:"candidate_first_name"`
	CandidatePreviousUAI string            `json:"candidate_previous_uai"`
	OtherUAI             string            `json:"other_uai"`
	OtherName            string            `json:"other_name"`
	State                string            `json:"state"` // to_confirm or refused
	Since                time.Time         `json:"since"`
	ReasonCodes          []string          `json:"reason_codes"`
	ReasonParams         map[string]string `json:"reason_params,omitempty"`
	// Reason is the reason in words, filled by the pages in the reader's language.
	Reason string `json:"reason,omitempty"`
}

// Attention counts what needs an establishment administrator's eye: transfers to
// confirm, and students refused because someone elsewhere gave their INE with another
// birth date (until he refuses them for good). For the notice on his home page.
func (s *Service) Attention(ctx context.Context, p *authz.Principal, uai string) (int, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, authz.RoleAdmin)
	if err != nil {
		return 0, err
	}
	type claim struct{ establishment, student int64 }
	var claims []claim
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var c claim
		err := rows.Scan(&c.establishment, &c.student)
		claims = append(claims, c)
		return err
	}, `SELECT establishment_id, student_id FROM transfer_states WHERE origin_establishment_id = $1
		AND (state = 'to_confirm' OR state = 'refused' AND reason_code = $2)`, e.ID, CodeBirthDateDiffers)
	if err != nil || len(claims) == 0 {
		return 0, err
	}
	ids := make([]int64, len(claims))
	for i, c := range claims {
		ids[i] = c.student
	}
	people, err := student.People(ctx, s.db, ids)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range claims {
		if p, ok := people[c.student]; ok && p.EstablishmentID == c.establishment && p.NouvelEleve == student.NouvelRecent {
			n++
		}
	}
	return n, nil
}

// stillWaiting reports whether the student of the establishment still waits for his
// records: a claim about him counts only then.
func (s *Service) stillWaiting(ctx context.Context, establishmentID, id int64) (bool, error) {
	people, err := student.People(ctx, s.db, []int64{id})
	p, ok := people[id]
	return ok && p.EstablishmentID == establishmentID && p.NouvelEleve == student.NouvelRecent, err
}
