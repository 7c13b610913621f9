// Package transfer moves a student's records to his new establishment (the daily job),
// deletes the records of students who left more than six months ago (the weekly purge),
// and shows each establishment what came, what left and what waits (seed 001).
//
// The protocol: an import that deactivates a student puts his unqid in the shared index
// of deactivated students; every day, each student with nouvelEleve = 1 is looked up in
// it. Found in another establishment that allows sending, by an establishment that allows
// receiving, shown to be the same student (same birth date, and an ancienRNE and names
// that agree or the origin administrator's confirmation: match.go), preparing the same
// diploma: his evaluations (with results and comments, their author becoming "ancien
// établissement") and his professional situations (with their files) move, in one
// transaction per student, and are deleted at the origin.
// The order of the two imports does not matter: a student not found yet is looked up
// again the next day, until he has been there six months.
package transfer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/blob"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// Retention is how long records are kept after a student leaves, and how long a new
// student may still receive records (seed 001: six months).
var Retention = config.MustPeriod("6mo")

// Service runs the jobs and the dashboard.
type Service struct {
	db             *store.DB
	audit          *audit.Log
	establishments *establishment.Service
	blobs          blob.Store
	now            func() time.Time
	// Workers is how many students are examined at once; 0 chooses by engine.
	Workers int
	// crash, when set by tests, is called at each step of a student's move; an error
	// aborts the whole run there, as a crash would.
	crash func(step string) error
}

// New returns a Service.
func New(db *store.DB, log *audit.Log, est *establishment.Service, blobs blob.Store, now func() time.Time) *Service {
	return &Service{db: db, audit: log, establishments: est, blobs: blobs, now: now}
}

// today is the civil date in France.
func (s *Service) today() time.Time {
	return calendar.Today(s.now())
}

// Counts are what a transfer run did.
type Counts struct {
	Examined       int `json:"examined"`
	Transferred    int `json:"transferred"`
	Impossible     int `json:"impossible"`
	DiplomaChanged int `json:"diploma_changed"`
	AgedOut        int `json:"aged_out"`
	Waiting        int `json:"waiting"`
	NoINE          int `json:"no_ine"`
	ToConfirm      int `json:"to_confirm"`
	Refused        int `json:"refused"`
	// Errors counts the students whose examination failed; the run goes on with the
	// others and reports the first errors, and they are looked at again the next day.
	Errors int `json:"errors"`
}

// maxErrors stops a run whose failures are systemic (the database is gone) rather than
// about one student.
const maxErrors = 20

// candidate is a student waiting for his records.
type candidate struct {
	id, establishmentID int64
	uai                 string
	receive             bool
	unqid               sql.NullString
	mef, entry          string
	person
	birth, previousUAI string
	// his state as last recorded, so that an unchanged one is not written again
	state, reason, stateCodes, stateParams, stateOrigin string
	stateOriginStudent                                  int64
}

// origin is where a candidate's records are: the index row, and the origin student
// as his establishment knows him (his row stays until the purge, which removes both).
type origin struct {
	establishmentID, studentID int64
	uai, mef, deactivatedOn    string
	send                       bool
	person
	birth string
}

// Reason codes of the states and receipts where nothing moves for another reason than
// who the student is; stored with their parameters and written in the reader's
// language (Dashboard.Words).
const (
	// CodeNoSend (impossible): the origin does not allow sending the data.
	CodeNoSend = "no_send"
	// CodeNoReceive (impossible): the destination does not allow receiving it.
	CodeNoReceive = "no_receive"
	// CodeNoConsent (impossible): neither allows it.
	CodeNoConsent = "no_consent"
	// CodeNoINE (no_ine): SIECLE gives no INE, the student cannot be matched.
	CodeNoINE = "no_ine"
	// CodeDiplomaChange (a receipt of kind diploma_change): the student prepares
	// another diploma; parameters "from_mef" and "to_mef".
	CodeDiplomaChange = "diploma_change"
)

// consent is the reason code when a consent is missing, "" when both are given.
func consent(send, receive bool) string {
	switch {
	case !send && !receive:
		return CodeNoConsent
	case !send:
		return CodeNoSend
	case !receive:
		return CodeNoReceive
	}
	return ""
}

// RunTransfers runs the daily job once over every student with nouvelEleve = 1. A
// failure on one student does not stop the others: the run reports it (and fails) at
// the end, and the next run tries him again.
func (s *Service) RunTransfers(ctx context.Context) (Counts, error) {
	var errs []error
	c, err := s.runTransfers(ctx, &errs)
	if err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// workers is how many students are examined at once: each move is a short
// transaction that mostly waits for the database, so PostgreSQL runs several side by
// side; SQLite has one writer.
func (s *Service) workers() int {
	if s.Workers > 0 {
		return s.Workers
	}
	if s.db.Engine() == store.Postgres {
		return 4
	}
	return 1
}

func (s *Service) runTransfers(ctx context.Context, errs *[]error) (Counts, error) {
	var c Counts
	today := s.today()
	cutoff := Retention.Before(today).Format("2006-01-02")
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var mu sync.Mutex
	var fatal error
	touched := map[int64][]int64{} // origin establishment → evaluations moves emptied, maybe
	stop := func(err error) {
		if fatal == nil {
			fatal = err
			cancel(err)
		}
	}
	var after int64
	for {
		batch, err := s.candidates(ctx, after, 1000)
		if err != nil {
			return c, err
		}
		if len(batch) == 0 {
			break
		}
		after = batch[len(batch)-1].id
		origins, err := s.origins(ctx, batch)
		if err != nil {
			return c, err
		}
		decided, err := s.decisions(ctx, batch[0].id, after)
		if err != nil {
			return c, err
		}
		work := make(chan candidate)
		var wg sync.WaitGroup
		for range s.workers() {
			wg.Go(func() {
				for cand := range work {
					var n Counts
					var e emptied
					err := s.examine(ctx, cand, origins[cand.unqid.String], decided, today, cutoff, &n, &e)
					mu.Lock()
					c.add(n)
					c.Examined++
					touched[e.establishmentID] = append(touched[e.establishmentID], e.evaluations...)
					switch {
					case err == nil:
					case ctx.Err() != nil || errors.Is(err, errCrash):
						stop(fmt.Errorf("student %d: %w", cand.id, err))
					default:
						c.Errors++
						*errs = append(*errs, fmt.Errorf("student %d (%s): %w", cand.id, cand.uai, err))
						if c.Errors >= maxErrors {
							stop(fmt.Errorf("stopped after %d errors", c.Errors))
						}
					}
					mu.Unlock()
				}
			})
		}
	feed:
		for _, cand := range batch {
			select {
			case work <- cand:
			case <-ctx.Done():
				break feed
			}
		}
		close(work)
		wg.Wait()
		if fatal != nil {
			return c, fatal
		}
		if ctx.Err() != nil {
			return c, context.Cause(ctx)
		}
	}
	for est, ids := range touched {
		seen := map[int64]bool{}
		ids = slices.DeleteFunc(ids, func(id int64) bool { dup := seen[id]; seen[id] = true; return dup })
		if err := competency.DeleteEmptyEvaluations(ctx, s.db, est, ids); err != nil {
			return c, err
		}
	}
	return c, nil
}

// add sums the counts of one examination into c.
func (c *Counts) add(o Counts) {
	c.Transferred += o.Transferred
	c.Impossible += o.Impossible
	c.DiplomaChanged += o.DiplomaChanged
	c.AgedOut += o.AgedOut
	c.Waiting += o.Waiting
	c.NoINE += o.NoINE
	c.ToConfirm += o.ToConfirm
	c.Refused += o.Refused
}

// candidates returns the students waiting for their records after the id after, in
// order: the next batch of the job, or (limit 1) the student a confirmation concerns;
// with their establishment's consent to receive and their state as last recorded.
func (s *Service) candidates(ctx context.Context, after int64, limit int) ([]candidate, error) {
	waiting, err := student.WaitingAfter(ctx, s.db, after, limit)
	if err != nil || len(waiting) == 0 {
		return nil, err
	}
	var ests []int64
	for _, w := range waiting {
		ests = append(ests, w.EstablishmentID)
	}
	byID, err := s.establishments.ByIDs(ctx, ests)
	if err != nil {
		return nil, err
	}
	type state struct {
		state, reason, codes, params, origin string
		originStudent                        int64
	}
	states := map[int64]state{}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var id int64
		var x state
		var originStudent sql.NullInt64
		err := rows.Scan(&id, &x.state, &x.reason, &x.codes, &x.params, &x.origin, &originStudent)
		x.originStudent = originStudent.Int64
		states[id] = x
		return err
	}, `SELECT student_id, state, reason, reason_code, reason_params, origin_uai, origin_student_id FROM transfer_states
		WHERE student_id >= $1 AND student_id <= $2`, waiting[0].ID, waiting[len(waiting)-1].ID)
	if err != nil {
		return nil, err
	}
	out := make([]candidate, len(waiting))
	for i, w := range waiting {
		e, st := byID[w.EstablishmentID], states[w.ID]
		out[i] = candidate{id: w.ID, establishmentID: w.EstablishmentID, uai: e.UAI, receive: e.TransfersReceive,
			unqid: sql.NullString{String: w.Unqid, Valid: w.Unqid != ""}, mef: w.MEF, entry: w.EntryDate,
			person: person{last: w.LastName, usage: w.UsageName, first: w.FirstName, first2: w.FirstName2}, birth: w.BirthDate, previousUAI: w.PreviousUAI,
			state: st.state, reason: st.reason, stateCodes: st.codes, stateParams: st.params, stateOrigin: st.origin, stateOriginStudent: st.originStudent}
	}
	return out, nil
}

// origins finds, for a batch of candidates, where their records are: the index rows of
// the deactivations of the same unqid, most recent first, with the origin student's
// birth date and names, which the match compares, and the origin's consent to send.
func (s *Service) origins(ctx context.Context, batch []candidate) (map[string][]origin, error) {
	out := map[string][]origin{}
	var unqids []string
	for _, c := range batch {
		if c.unqid.Valid && c.unqid.String != "" {
			unqids = append(unqids, c.unqid.String)
		}
	}
	if len(unqids) == 0 {
		return out, nil
	}
	found, err := student.Departures(ctx, s.db, unqids)
	if err != nil {
		return nil, err
	}
	var ests []int64
	for _, d := range found {
		ests = append(ests, d.EstablishmentID)
	}
	byID, err := s.establishments.ByIDs(ctx, ests)
	if err != nil {
		return nil, err
	}
	for _, d := range found {
		e, ok := byID[d.EstablishmentID]
		if !ok {
			continue
		}
		out[d.Unqid] = append(out[d.Unqid], origin{establishmentID: d.EstablishmentID, studentID: d.StudentID, uai: d.OriginUAI, mef: d.MEF,
			deactivatedOn: d.DeactivatedOn, send: e.TransfersSend, birth: d.BirthDate,
			person: person{last: d.LastName, usage: d.UsageName, first: d.FirstName, first2: d.FirstName2}})
	}
	for u := range out {
		sort.Slice(out[u], func(i, j int) bool { return out[u][i].deactivatedOn > out[u][j].deactivatedOn })
	}
	return out, nil
}

// examine decides for one candidate and acts. Who he is comes first: a birth date that
// differs, or a pair the origin refused, never moves anything; a match the file does not
// prove (ancienRNE, names) waits for the origin administrator, and until then the
// destination is not told where the records are. Then, as before, the diploma and the
// two consents.
func (s *Service) examine(ctx context.Context, c candidate, found []origin, decided map[pair]decision, today time.Time, cutoff string, n *Counts, touched *emptied) error {
	now := s.now()
	if c.entry != "" && c.entry < cutoff {
		// Here for more than six months: no longer receives records.
		_, err := student.EndWait(ctx, s.db, c.id, student.NouvelSettled, now)
		if err == nil {
			_, err = s.db.Exec(ctx, `DELETE FROM transfer_states WHERE student_id = $1`, c.id)
		}
		n.AgedOut++
		return err
	}
	if !c.unqid.Valid || c.unqid.String == "" {
		n.NoINE++
		return s.state(ctx, c, stateRow{state: "no_ine", codes: []string{CodeNoINE}})
	}
	var o *origin
	for i := range found {
		if found[i].establishmentID != c.establishmentID {
			o = &found[i]
			break
		}
	}
	if o == nil {
		n.Waiting++
		return s.state(ctx, c, stateRow{state: "waiting"})
	}
	var d *decision
	if x, ok := decided[pair{c.id, o.studentID}]; ok {
		d = &x
	}
	id := identify(c, o, d)
	if id.refused != "" {
		n.Refused++
		return s.state(ctx, c, stateRow{state: "refused", codes: []string{id.refused}, params: id.params, origin: o})
	}
	if len(id.confirm) > 0 {
		if why := consent(o.send, c.receive); why != "" {
			n.Impossible++
			return s.state(ctx, c, stateRow{state: "impossible", codes: []string{why}, origin: o})
		}
		n.ToConfirm++
		return s.state(ctx, c, stateRow{state: "to_confirm", codes: id.confirm, params: id.params, origin: o})
	}
	// The same person, coming from o: the destination may know where from.
	if !siecle.SameDiploma(siecle.MEF(o.mef), siecle.MEF(c.mef)) && o.mef != "" && c.mef != "" {
		n.DiplomaChanged++
		return s.diplomaChanged(ctx, c, o, today)
	}
	if why := consent(o.send, c.receive); why != "" {
		n.Impossible++
		return s.state(ctx, c, stateRow{state: "impossible", codes: []string{why}, origin: o, shown: true})
	}
	moved, err := s.move(ctx, c, o, id, today, touched)
	if errors.Is(err, errAlreadyDone) {
		return nil // another instance moved him, or his origin reactivated him meanwhile
	}
	if err != nil {
		return err
	}
	if moved {
		n.Transferred++
	}
	return nil
}

// stateRow is where a waiting student stands.
type stateRow struct {
	state string
	// codes and params are why (Code…), written in the reader's language when read
	codes  []string
	params map[string]string
	// origin is the index row found; shown tells whether the destination may see it
	origin *origin
	shown  bool
}

// state records where a waiting student stands, for the dashboards, when it changed:
// "since" is when he entered that state. A refusal because the birth dates differ is
// audited at both establishments when it is first found: someone may have forged an INE.
func (s *Service) state(ctx context.Context, c candidate, r stateRow) error {
	params := "{}"
	if len(r.params) > 0 {
		b, err := json.Marshal(r.params)
		if err != nil {
			return err
		}
		params = string(b)
	}
	codes := strings.Join(r.codes, ",")
	var shownUAI string
	var originEst, originStudent any
	var originID int64
	if r.origin != nil {
		originEst, originStudent, originID = r.origin.establishmentID, r.origin.studentID, r.origin.studentID
		if r.shown {
			shownUAI = r.origin.uai
		}
	}
	// A reason stored in words before reasons became codes is rewritten.
	if c.state == r.state && c.reason == "" && c.stateCodes == codes && (c.stateParams == params || c.stateParams == "" && params == "{}") &&
		c.stateOrigin == shownUAI && c.stateOriginStudent == originID {
		return nil
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Exec(ctx, `INSERT INTO transfer_states (student_id, establishment_id, state, reason, reason_code, reason_params, origin_uai,
			origin_establishment_id, origin_student_id, since)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (student_id) DO UPDATE SET state = excluded.state, reason = excluded.reason, reason_code = excluded.reason_code,
			reason_params = excluded.reason_params, origin_uai = excluded.origin_uai, origin_establishment_id = excluded.origin_establishment_id,
			origin_student_id = excluded.origin_student_id, since = excluded.since`,
			c.id, c.establishmentID, r.state, "", codes, params, shownUAI, originEst, originStudent, s.now()); err != nil {
			return err
		}
		if r.state != "refused" || codes != CodeBirthDateDiffers {
			return nil
		}
		// Each side's event names only its own student; the destination's not the origin.
		o := r.origin
		for _, e := range []audit.Event{
			{EstablishmentID: &c.establishmentID, Detail: map[string]any{"student_id": c.id, "reason": codes}},
			{EstablishmentID: &o.establishmentID, Detail: map[string]any{"student_id": o.studentID, "to_uai": c.uai, "to_student_id": c.id, "reason": codes}},
		} {
			e.Action, e.Outcome, e.ActorLogin = audit.TransferIdentityRefused, "refused", "(job)"
			if err := s.audit.Record(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// diplomaChanged records that a student prepares another diploma: nothing moves.
func (s *Service) diplomaChanged(ctx context.Context, c candidate, o *origin, today time.Time) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		ok, err := student.EndWait(ctx, s.db, c.id, student.NouvelChangementDiplo, s.now())
		if err != nil || !ok {
			return err
		}
		params, err := json.Marshal(map[string]string{"from_mef": o.mef, "to_mef": c.mef})
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO transfers (kind, to_establishment_id, to_student_id, from_establishment_id, from_student_id,
			from_uai, to_uai, last_name, first_name, done_on, reason_code, reason_params, created_at)
			VALUES ('diploma_change', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			c.establishmentID, c.id, o.establishmentID, o.studentID, o.uai, c.uai, c.last, c.first, today.Format("2006-01-02"),
			CodeDiplomaChange, string(params), s.now()); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM transfer_states WHERE student_id = $1`, c.id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.TransferDiplomaChanged, ActorLogin: "(job)", EstablishmentID: &c.establishmentID,
			Detail: map[string]any{"student_id": c.id, "from_uai": o.uai, "reason": CodeDiplomaChange, "from_mef": o.mef, "to_mef": c.mef}})
	})
}

var errAlreadyDone = errors.New("transfer: already done")

// FormerEstablishment is the author of moved evaluations.
const FormerEstablishment = competency.FormerEstablishment
