package transfer

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/student"
)

// Done is a transfer received or sent, or a diploma change.
type Done struct {
	Kind      string `json:"kind"`      // transfer or diploma_change
	Direction string `json:"direction"` // received or sent
	Date      string `json:"date"`
	StudentID int64  `json:"student_id"`
	LastName  string `json:"last_name"`
	FirstName string `json:"first_name"`
	OtherUAI  string `json:"other_uai"`
	OtherName string `json:"other_name"`
	Receipt
	// Reason is why nothing moved (a diploma change) in words: filled by Words in the
	// reader's language, from ReasonCodes and ReasonParams (receipts written before
	// reasons became codes keep their French words).
	Reason       string            `json:"reason,omitempty"`
	ReasonCodes  []string          `json:"reason_codes,omitempty"`
	ReasonParams map[string]string `json:"reason_params,omitempty"`
	// Matched names what proved it is the same person (MatchINE…); ConfirmedBy and
	// ConfirmedAt, the origin administrator who confirmed it.
	Matched     []string   `json:"matched"`
	ConfirmedBy string     `json:"confirmed_by,omitempty"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
}

// Waiting is a student of the establishment waiting for his records.
type Waiting struct {
	StudentID   int64  `json:"student_id"`
	LastName    string `json:"last_name"`
	FirstName   string `json:"first_name"`
	Class       string `json:"class"`
	EntryDate   string `json:"entry_date"`
	PreviousUAI string `json:"previous_uai"`
	OtherUAI    string `json:"other_uai"`
	State       string `json:"state"` // waiting, impossible, no_ine, to_confirm, refused, or "" when not examined yet
	// Reason is the reason in words, filled by Words in the reader's language.
	Reason string `json:"reason,omitempty"`
	// ReasonCodes and ReasonParams are the stable form of the reason (Code…).
	ReasonCodes  []string          `json:"reason_codes,omitempty"`
	ReasonParams map[string]string `json:"reason_params,omitempty"`
}

// Dashboard is an establishment's view of the transfers.
type Dashboard struct {
	UAI        string    `json:"uai"`
	Done       []Done    `json:"done"`
	Pending    []Waiting `json:"pending"`
	Impossible []Waiting `json:"impossible"`
	// Requests are the new students elsewhere who claim this establishment's former
	// students and need its administrator's attention.
	Requests []Request `json:"requests"`
}

// Dashboard returns the transfers received and sent in the last six months, the
// students waiting (and for what) and the transfers impossible with their reason. For
// the establishment's administrators and the platform's.
func (s *Service) Dashboard(ctx context.Context, p *authz.Principal, uai string) (Dashboard, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, authz.RoleAdmin)
	if err != nil {
		return Dashboard{}, err
	}
	return s.dashboard(ctx, e)
}

func (s *Service) dashboard(ctx context.Context, e establishment.Establishment) (Dashboard, error) {
	d := Dashboard{UAI: e.UAI, Done: []Done{}, Pending: []Waiting{}, Impossible: []Waiting{}, Requests: []Request{}}
	since := Retention.Before(s.today()).Format("2006-01-02")
	var others []int64 // the other establishment of each row of d.Done
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var x Done
		var to, from int64
		var toStudent, fromStudent sql.NullInt64
		var toUAI, fromUAI, matched, codes, params string
		var confirmedAt sql.NullTime
		if err := rows.Scan(&x.Kind, &to, &toStudent, &from, &fromStudent, &toUAI, &fromUAI, &x.LastName, &x.FirstName, &x.Date,
			&x.Evaluations, &x.Results, &x.Comments, &x.Situations, &x.Files, &x.Reason, &codes, &params, &matched, &x.ConfirmedBy, &confirmedAt); err != nil {
			return err
		}
		if codes != "" {
			x.Reason, x.ReasonCodes, x.ReasonParams = "", split(codes), decodeParams(params)
		}
		if to == e.ID {
			x.Direction, x.StudentID, x.OtherUAI = "received", toStudent.Int64, fromUAI
			others = append(others, from)
		} else {
			x.Direction, x.StudentID, x.OtherUAI = "sent", fromStudent.Int64, toUAI
			others = append(others, to)
		}
		x.Matched = split(matched)
		if confirmedAt.Valid {
			at := confirmedAt.Time.UTC()
			x.ConfirmedAt = &at
		}
		d.Done = append(d.Done, x)
		return nil
	}, `SELECT kind, to_establishment_id, to_student_id, from_establishment_id, from_student_id, to_uai, from_uai,
		last_name, first_name, done_on, evaluations, results, comments, situations, files, reason, reason_code, reason_params,
		matched, confirmed_by, confirmed_at
		FROM transfers WHERE (to_establishment_id = $1 OR (from_establishment_id = $1 AND kind = 'transfer')) AND done_on >= $2
		ORDER BY done_on DESC, id DESC`, e.ID, since)
	if err != nil {
		return d, err
	}
	names, err := s.establishments.ByIDs(ctx, others)
	if err != nil {
		return d, err
	}
	for i := range d.Done {
		d.Done[i].OtherName = names[others[i]].Name
	}
	// The establishment's new students waiting, with their state as last recorded.
	waiting, err := student.WaitingIn(ctx, s.db, e.ID)
	if err != nil {
		return d, err
	}
	type state struct{ state, reason, codes, params, other string }
	states := map[int64]state{}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var id int64
		var x state
		err := rows.Scan(&id, &x.state, &x.reason, &x.codes, &x.params, &x.other)
		states[id] = x
		return err
	}, `SELECT student_id, state, reason, reason_code, reason_params, origin_uai FROM transfer_states WHERE establishment_id = $1`, e.ID)
	if err != nil {
		return d, err
	}
	for _, p := range waiting {
		st := states[p.ID]
		w := Waiting{StudentID: p.ID, LastName: p.LastName, FirstName: p.FirstName, Class: p.Class, EntryDate: p.EntryDate, PreviousUAI: p.PreviousUAI,
			State: st.state, Reason: st.reason, OtherUAI: st.other, ReasonCodes: split(st.codes), ReasonParams: decodeParams(st.params)}
		delete(w.ReasonParams, "by") // who refused, at the origin: not the destination's business
		if w.State == "impossible" || w.State == "refused" {
			d.Impossible = append(d.Impossible, w)
		} else {
			d.Pending = append(d.Pending, w)
		}
	}
	// What other establishments' new students claim of this one's former students.
	type claim struct {
		Request
		establishment int64
	}
	var claims []claim
	var ids, ests []int64
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var c claim
		var codes, params string
		var left sql.NullInt64
		if err := rows.Scan(&c.CandidateID, &c.establishment, &left, &c.State, &codes, &params, &c.Since); err != nil || !left.Valid {
			return err
		}
		c.StudentID = left.Int64
		c.ReasonCodes, c.ReasonParams, c.Since = split(codes), decodeParams(params), c.Since.UTC()
		claims = append(claims, c)
		ids, ests = append(ids, c.CandidateID, c.StudentID), append(ests, c.establishment)
		return nil
	}, `SELECT student_id, establishment_id, origin_student_id, state, reason_code, reason_params, since FROM transfer_states
		WHERE origin_establishment_id = $1 AND state IN ('to_confirm', 'refused')
		ORDER BY state DESC, since DESC, student_id`, e.ID)
	if err != nil || len(claims) == 0 {
		return d, err
	}
	people, err := student.People(ctx, s.db, ids)
	if err != nil {
		return d, err
	}
	if names, err = s.establishments.ByIDs(ctx, ests); err != nil {
		return d, err
	}
	for _, c := range claims {
		cand, ok := people[c.CandidateID]
		left, ok2 := people[c.StudentID]
		if !ok || !ok2 || cand.EstablishmentID != c.establishment || cand.NouvelEleve != student.NouvelRecent || left.EstablishmentID != e.ID {
			continue
		}
		r := c.Request
		r.CandidateLastName, r.CandidateFirstName, r.CandidatePreviousUAI = cand.LastName, cand.FirstName, cand.PreviousUAI
		r.OtherUAI, r.OtherName = names[c.establishment].UAI, names[c.establishment].Name
		r.LastName, r.FirstName = left.LastName, left.FirstName
		d.Requests = append(d.Requests, r)
	}
	return d, nil
}

// split reads a comma-separated list of codes; none gives an empty list.
func split(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// decodeParams reads stored reason parameters (nil for none).
func decodeParams(s string) map[string]string {
	var m map[string]string
	if s != "" && s != "{}" {
		_ = json.Unmarshal([]byte(s), &m) // written by state(): a JSON object of strings
	}
	return m
}

// Notice is what a student is told about his records that moved.
type Notice struct {
	Date     string `json:"date"`
	FromUAI  string `json:"from_uai"`
	FromName string `json:"from_name"`
	ToUAI    string `json:"to_uai"`
	Kind     string `json:"kind"`
	Receipt
}

// Notices returns the transfers concerning the principal's own student records.
func (s *Service) Notices(ctx context.Context, p *authz.Principal) ([]Notice, error) {
	mine, err := student.OfAccount(ctx, s.db, p.AccountID)
	if err != nil || len(mine) == 0 {
		return nil, err
	}
	var out []Notice
	var from []int64
	ph := make([]string, len(mine))
	args := make([]any, len(mine))
	for i, id := range mine {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), id
	}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var n Notice
		var est int64
		err := rows.Scan(&n.Kind, &n.Date, &n.FromUAI, &est, &n.ToUAI, &n.Evaluations, &n.Results, &n.Comments, &n.Situations, &n.Files)
		out, from = append(out, n), append(from, est)
		return err
	}, `SELECT kind, done_on, from_uai, from_establishment_id, to_uai, evaluations, results, comments, situations, files
		FROM transfers WHERE to_student_id IN (`+strings.Join(ph, ", ")+`) ORDER BY done_on DESC`, args...)
	if err != nil {
		return nil, err
	}
	names, err := s.establishments.ByIDs(ctx, from)
	for i := range out {
		out[i].FromName = names[from[i]].Name
	}
	return out, err
}

// Received counts the students whose records an establishment received in the last
// days, for the notice on its administrators' home page.
func (s *Service) Received(ctx context.Context, p *authz.Principal, uai string, days int) (int, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, authz.RoleAdmin)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.QueryRow(ctx, `SELECT COUNT(*) FROM transfers WHERE to_establishment_id = $1 AND kind = 'transfer' AND done_on >= $2`,
		e.ID, s.today().AddDate(0, 0, -days).Format("2006-01-02")).Scan(&n)
	return n, err
}
