package transfer

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/authz"

	"github.com/cartable/cartable/internal/establishment"
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
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var x Done
		var to, from int64
		var toStudent, fromStudent sql.NullInt64
		var toUAI, fromUAI, toName, fromName, matched, codes, params string
		var confirmedAt sql.NullTime
		if err := rows.Scan(&x.Kind, &to, &toStudent, &from, &fromStudent, &toUAI, &fromUAI, &toName, &fromName, &x.LastName, &x.FirstName, &x.Date,
			&x.Evaluations, &x.Results, &x.Comments, &x.Situations, &x.Files, &x.Reason, &codes, &params, &matched, &x.ConfirmedBy, &confirmedAt); err != nil {
			return err
		}
		if codes != "" {
			x.Reason, x.ReasonCodes, x.ReasonParams = "", split(codes), decodeParams(params)
		}
		if to == e.ID {
			x.Direction, x.StudentID, x.OtherUAI, x.OtherName = "received", toStudent.Int64, fromUAI, fromName
		} else {
			x.Direction, x.StudentID, x.OtherUAI, x.OtherName = "sent", fromStudent.Int64, toUAI, toName
		}
		x.Matched = split(matched)
		if confirmedAt.Valid {
			at := confirmedAt.Time.UTC()
			x.ConfirmedAt = &at
		}
		d.Done = append(d.Done, x)
		return nil
	}, `SELECT t.kind, t.to_establishment_id, t.to_student_id, t.from_establishment_id, t.from_student_id, t.to_uai, t.from_uai,
		et.name, ef.name, t.last_name, t.first_name, t.done_on, t.evaluations, t.results, t.comments, t.situations, t.files, t.reason,
		t.reason_code, t.reason_params, t.matched, t.confirmed_by, t.confirmed_at
		FROM transfers t JOIN establishments et ON et.id = t.to_establishment_id JOIN establishments ef ON ef.id = t.from_establishment_id
		WHERE (t.to_establishment_id = $1 OR (t.from_establishment_id = $1 AND t.kind = 'transfer')) AND t.done_on >= $2
		ORDER BY t.done_on DESC, t.id DESC`, e.ID, since)
	if err != nil {
		return d, err
	}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var w Waiting
		var state, reason, codes, params, other sql.NullString
		if err := rows.Scan(&w.StudentID, &w.LastName, &w.FirstName, &w.Class, &w.EntryDate, &w.PreviousUAI, &state, &reason, &codes, &params, &other); err != nil {
			return err
		}
		w.State, w.Reason, w.OtherUAI = state.String, reason.String, other.String
		w.ReasonCodes, w.ReasonParams = split(codes.String), decodeParams(params.String)
		delete(w.ReasonParams, "by") // who refused, at the origin: not the destination's business
		if w.State == "impossible" || w.State == "refused" {
			d.Impossible = append(d.Impossible, w)
		} else {
			d.Pending = append(d.Pending, w)
		}
		return nil
	}, `SELECT s.id, s.last_name, s.first_name, s.class, s.entry_date, s.previous_uai, t.state, t.reason, t.reason_code, t.reason_params, t.origin_uai
		FROM students s LEFT JOIN transfer_states t ON t.student_id = s.id
		WHERE s.establishment_id = $1 AND s.nouvel_eleve = '1' AND s.status = 'active'
		ORDER BY s.last_name, s.first_name`, e.ID)
	if err != nil {
		return d, err
	}
	// What other establishments' new students claim of this one's former students.
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var r Request
		var codes, params string
		if err := rows.Scan(&r.CandidateID, &r.CandidateLastName, &r.CandidateFirstName, &r.CandidatePreviousUAI, &r.OtherUAI, &r.OtherName,
			&r.StudentID, &r.LastName, &r.FirstName, &r.State, &codes, &params, &r.Since); err != nil {
			return err
		}
		r.ReasonCodes, r.ReasonParams, r.Since = split(codes), decodeParams(params), r.Since.UTC()
		d.Requests = append(d.Requests, r)
		return nil
	}, `SELECT c.id, c.last_name, c.first_name, c.previous_uai, ed.uai, ed.name, o.id, o.last_name, o.first_name, t.state, t.reason_code, t.reason_params, t.since
		FROM transfer_states t JOIN students c ON c.establishment_id = t.establishment_id AND c.id = t.student_id
		JOIN establishments ed ON ed.id = t.establishment_id
		JOIN students o ON o.establishment_id = t.origin_establishment_id AND o.id = t.origin_student_id
		WHERE t.origin_establishment_id = $1 AND t.state IN ('to_confirm', 'refused') AND c.nouvel_eleve = '1'
		ORDER BY t.state DESC, t.since DESC, c.id`, e.ID)
	return d, err
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
	var out []Notice
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var n Notice
		err := rows.Scan(&n.Kind, &n.Date, &n.FromUAI, &n.FromName, &n.ToUAI, &n.Evaluations, &n.Results, &n.Comments, &n.Situations, &n.Files)
		out = append(out, n)
		return err
	}, `SELECT t.kind, t.done_on, t.from_uai, e.name, t.to_uai, t.evaluations, t.results, t.comments, t.situations, t.files
		FROM transfers t JOIN students s ON s.id = t.to_student_id JOIN establishments e ON e.id = t.from_establishment_id
		WHERE s.account_id = $1 ORDER BY t.done_on DESC`, p.AccountID)
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
