package graduation

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/blob"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// Notifier tells a person something, by an i18n message key and its parameters
// (internal/notify, wired in internal/app). A nil Notifier notifies nobody.
type Notifier interface {
	Notify(ctx context.Context, accountID int64, key string, params map[string]string) error
}

// BulkNotifier is a Notifier that also gives one notice to many accounts in a few
// statements (notify.Service): the nightly pass's reminders use it when the Notifier
// has it.
type BulkNotifier interface {
	NotifyMany(ctx context.Context, accountIDs []int64, key string, params []map[string]string) error
}

// Roles and what they may do.
var (
	// office writes rules and reviews proofs.
	office = []authz.Role{authz.RoleAdmin, authz.RoleOffice}
	// staff read every student's items of the establishment.
	staff = []authz.Role{authz.RoleAdmin, authz.RoleOffice, authz.RoleProgrammeDirector, authz.RoleJury}
)

// Categories of rules.
var Categories = []string{"language", "internship", "mobility", "credits", "engagement", "other"}

// Measures a proof may carry, and their units.
var Measures = []string{"", "toeic", "weeks", "semesters", "ects"}

// Limits (docs/limits.md).
const (
	MaxCode         = 40
	MaxLabel        = 200
	MaxProof        = 500
	MaxRules        = 50 // rules per cohort
	DefaultProofMiB = 10
)

// Service is the graduation tracker.
type Service struct {
	db             *store.DB
	audit          *audit.Log
	establishments *establishment.Service
	highered       *highered.Service
	blobs          blob.Store
	now            func() time.Time
	// Notifier, when set, receives the notices (refusals, deadlines, digests, reports);
	// Members names the office and programme directors to notify.
	Notifier Notifier
	Members  RoleMembers
	// MaxProof caps a proof's size (bytes); TempDir receives uploads without random access.
	MaxProof int64
	TempDir  string
	// RetentionMonths: items and proofs are kept this long after the jury (default 12).
	RetentionMonths int
	// ReportDays: the programme director gets "N students at risk" this many days
	// before the jury (default 45).
	ReportDays int
}

// New returns a Service.
func New(db *store.DB, log *audit.Log, est *establishment.Service, he *highered.Service, blobs blob.Store, now func() time.Time) *Service {
	return &Service{db: db, audit: log, establishments: est, highered: he, blobs: blobs, now: now,
		MaxProof: DefaultProofMiB << 20, RetentionMonths: 12, ReportDays: 45}
}

// Rule is a graduation rule of a cohort.
type Rule struct {
	ID               int64  `json:"id"`
	CohortID         int64  `json:"cohort_id"`
	Code             string `json:"code"`
	Label            string `json:"label"`
	Category         string `json:"category"`
	Proof            string `json:"proof"`
	Measure          string `json:"measure"`
	Threshold        int    `json:"threshold"`
	Mandatory        bool   `json:"mandatory"`
	Deadline         string `json:"deadline"`
	ExemptionAllowed bool   `json:"exemption_allowed"`
	ValidityMonths   int    `json:"validity_months"`
	Position         int    `json:"position"`
}

func (r *Rule) check() error {
	var err error
	for _, f := range []struct {
		name     string
		v        *string
		max      int
		required bool
	}{{"code", &r.Code, MaxCode, true}, {"label", &r.Label, MaxLabel, true}, {"proof", &r.Proof, MaxProof, false}} {
		*f.v = strings.TrimSpace(*f.v)
		if f.required && *f.v == "" {
			return apperr.Invalid("required", "%s is required", f.name).With("field", f.name)
		}
		if err = apperr.CheckLen(f.name, *f.v, f.max); err != nil {
			return err
		}
	}
	if !contains(Categories, r.Category) {
		return apperr.Invalid("invalid_category", "category %q: use one of %s", r.Category, strings.Join(Categories, ", ")).With("value", r.Category)
	}
	if !contains(Measures, r.Measure) {
		return apperr.Invalid("invalid_measure", "measure %q: use toeic, weeks, semesters, ects or nothing", r.Measure).With("value", r.Measure)
	}
	if r.Threshold < 0 || r.Threshold > 100000 || r.ValidityMonths < 0 || r.ValidityMonths > 240 {
		return apperr.Invalid("invalid_number", "threshold and validity must be positive").With("field", "threshold")
	}
	if _, err := calendar.ParseDate(r.Deadline); err != nil {
		return apperr.Invalid("invalid_date", "deadline %q: use YYYY-MM-DD", r.Deadline)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const ruleCols = `id, cohort_id, code, label, category, proof, measure, threshold, mandatory, deadline, exemption_allowed, validity_months, position`

func scanRule(sc interface{ Scan(...any) error }) (Rule, error) {
	var r Rule
	err := sc.Scan(&r.ID, &r.CohortID, &r.Code, &r.Label, &r.Category, &r.Proof, &r.Measure, &r.Threshold, &r.Mandatory, &r.Deadline,
		&r.ExemptionAllowed, &r.ValidityMonths, &r.Position)
	return r, err
}

// SaveRule creates or updates (by code) a rule of a cohort, gives every student of the
// cohort his item (à fournir) and recomputes their summaries.
func (s *Service) SaveRule(ctx context.Context, p *authz.Principal, uai string, cohortID int64, r Rule) (Rule, error) {
	e, err := s.highered.Resolve(ctx, p, uai, office...)
	if err != nil {
		return Rule{}, err
	}
	if err := r.check(); err != nil {
		return Rule{}, err
	}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		c, err := s.highered.CohortByID(ctx, e.ID, cohortID)
		if err != nil {
			return err
		}
		var n int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM graduation_rules WHERE establishment_id = $1 AND cohort_id = $2 AND code <> $3`,
			e.ID, c.ID, r.Code).Scan(&n); err != nil {
			return err
		}
		if n >= MaxRules {
			return apperr.TooManyItems("rules", MaxRules)
		}
		now := s.now()
		r.CohortID = c.ID
		if err := s.db.QueryRow(ctx, `INSERT INTO graduation_rules (establishment_id, cohort_id, code, label, category, proof, measure, threshold,
				mandatory, deadline, exemption_allowed, validity_months, position, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
			ON CONFLICT (cohort_id, code) DO UPDATE SET label = excluded.label, category = excluded.category, proof = excluded.proof,
				measure = excluded.measure, threshold = excluded.threshold, mandatory = excluded.mandatory, deadline = excluded.deadline,
				exemption_allowed = excluded.exemption_allowed, validity_months = excluded.validity_months, position = excluded.position,
				updated_at = excluded.updated_at
			RETURNING id`, e.ID, c.ID, r.Code, r.Label, r.Category, r.Proof, r.Measure, r.Threshold, r.Mandatory, r.Deadline,
			r.ExemptionAllowed, r.ValidityMonths, r.Position, now).Scan(&r.ID); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, audit.Event{Action: audit.GraduationRuleSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"cohort_id": c.ID, "rule_id": r.ID, "code": r.Code}}); err != nil {
			return err
		}
		members, err := s.highered.Members(ctx, e.ID, c.ID)
		if err != nil {
			return err
		}
		ids := make([]int64, len(members))
		for i, m := range members {
			ids[i] = m.StudentID
		}
		if err := s.ensureItems(ctx, e.ID, []int64{r.ID}, ids); err != nil {
			return err
		}
		return s.Recompute(ctx, e.ID, c.ID, ids)
	})
	return r, err
}

// Rules lists the rules of a cohort, in order.
func (s *Service) Rules(ctx context.Context, p *authz.Principal, uai string, cohortID int64) ([]Rule, error) {
	e, err := s.highered.Resolve(ctx, p, uai, staff...)
	if err != nil {
		return nil, err
	}
	if _, err := s.highered.CohortByID(ctx, e.ID, cohortID); err != nil {
		return nil, err
	}
	return s.rules(ctx, e.ID, cohortID)
}

func (s *Service) rules(ctx context.Context, establishmentID, cohortID int64) ([]Rule, error) {
	out := []Rule{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		r, err := scanRule(rows)
		out = append(out, r)
		return err
	}, `SELECT `+ruleCols+` FROM graduation_rules WHERE establishment_id = $1 AND cohort_id = $2 ORDER BY position, code`, establishmentID, cohortID)
	return out, err
}

// JoinCohort gives students of a cohort their items (à fournir) for every rule of the
// cohort, and their summaries, inside the transaction ctx carries: the registrar
// import and the cohort matrix import call it after highered.SetMembers.
func (s *Service) JoinCohort(ctx context.Context, establishmentID, cohortID int64, studentIDs []int64) error {
	rules, err := s.rules(ctx, establishmentID, cohortID)
	if err != nil {
		return err
	}
	ids := make([]int64, len(rules))
	for i, r := range rules {
		ids[i] = r.ID
	}
	if err := s.ensureItems(ctx, establishmentID, ids, studentIDs); err != nil {
		return err
	}
	return s.Recompute(ctx, establishmentID, cohortID, studentIDs)
}

// ensureItems creates the missing items of rules × students, à fournir.
func (s *Service) ensureItems(ctx context.Context, establishmentID int64, rules, students []int64) error {
	now := s.now()
	rows := make([][]any, 0, len(rules)*len(students))
	for _, r := range rules {
		for _, st := range students {
			rows = append(rows, []any{establishmentID, r, st, string(ToProvide), now})
		}
	}
	for start := 0; start < len(rows); start += 1000 {
		if err := s.db.InsertRowsOn(ctx, "graduation_items", []string{"establishment_id", "rule_id", "student_id", "state", "updated_at"},
			rows[start:min(start+1000, len(rows))], `ON CONFLICT (rule_id, student_id) DO NOTHING`, "", nil); err != nil {
			return err
		}
	}
	return nil
}

// Item is a student's item for a rule.
type Item struct {
	ID         int64  `json:"id"`
	StudentID  int64  `json:"student_id"`
	Rule       Rule   `json:"rule"`
	State      State  `json:"state"`
	Reason     string `json:"reason,omitempty"`
	Value      *int   `json:"value,omitempty"`
	ProofDate  string `json:"proof_date,omitempty"`
	ValidUntil string `json:"valid_until,omitempty"`
	ProofName  string `json:"proof_name,omitempty"`
	ProofType  string `json:"proof_type,omitempty"`
	ProofSize  int64  `json:"proof_size,omitempty"`
	proofSum   string
	UpdatedAt  time.Time `json:"updated_at"`
}

// HasProof reports a deposited proof.
func (it Item) HasProof() bool { return it.proofSum != "" }

const itemCols = `i.id, i.student_id, i.state, i.reason, i.value, i.proof_date, i.proof_name, i.proof_type, i.proof_size, i.proof_sha256, i.updated_at,
	r.id, r.cohort_id, r.code, r.label, r.category, r.proof, r.measure, r.threshold, r.mandatory, r.deadline, r.exemption_allowed, r.validity_months, r.position`

const itemFrom = ` FROM graduation_items i JOIN graduation_rules r ON r.id = i.rule_id`

func scanItem(sc interface{ Scan(...any) error }) (Item, error) {
	var it Item
	var v sql.NullInt64
	r := &it.Rule
	err := sc.Scan(&it.ID, &it.StudentID, &it.State, &it.Reason, &v, &it.ProofDate, &it.ProofName, &it.ProofType, &it.ProofSize, &it.proofSum, &it.UpdatedAt,
		&r.ID, &r.CohortID, &r.Code, &r.Label, &r.Category, &r.Proof, &r.Measure, &r.Threshold, &r.Mandatory, &r.Deadline,
		&r.ExemptionAllowed, &r.ValidityMonths, &r.Position)
	if v.Valid {
		x := int(v.Int64)
		it.Value = &x
	}
	it.UpdatedAt = it.UpdatedAt.UTC()
	it.ValidUntil = ValidUntil(it.ProofDate, r.ValidityMonths)
	return it, err
}

func (s *Service) items(ctx context.Context, establishmentID, studentID int64) ([]Item, error) {
	out := []Item{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		it, err := scanItem(rows)
		out = append(out, it)
		return err
	}, `SELECT `+itemCols+itemFrom+` WHERE i.establishment_id = $1 AND i.student_id = $2 ORDER BY r.position, r.code`, establishmentID, studentID)
	return out, err
}

func (s *Service) item(ctx context.Context, establishmentID, id int64) (Item, error) {
	it, err := scanItem(s.db.QueryRow(ctx, `SELECT `+itemCols+itemFrom+` WHERE i.establishment_id = $1 AND i.id = $2`, establishmentID, id))
	if errors.Is(err, store.ErrNotFound) {
		return it, errItemNotFound
	}
	return it, err
}

var errItemNotFound = apperr.NotFound("graduation_item_not_found", "no such graduation item")

// Event is one change of an item.
type Event struct {
	From       State     `json:"from"`
	To         State     `json:"to"`
	Reason     string    `json:"reason,omitempty"`
	ActorLogin string    `json:"actor_login,omitempty"`
	At         time.Time `json:"at"`
}

// History returns the changes of an item, oldest first.
func (s *Service) history(ctx context.Context, establishmentID, itemID int64) ([]Event, error) {
	out := []Event{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var e Event
		err := rows.Scan(&e.From, &e.To, &e.Reason, &e.ActorLogin, &e.At)
		e.At = e.At.UTC()
		out = append(out, e)
		return err
	}, `SELECT from_state, to_state, reason, actor_login, at FROM graduation_item_events WHERE establishment_id = $1 AND item_id = $2 ORDER BY id`,
		establishmentID, itemID)
	return out, err
}

// access is who the caller is for a student's items.
type access struct {
	e      establishment.Establishment
	staff  bool // sees every student of the establishment
	office bool // reviews proofs
	chief  bool // programme director: exemptions
}

// resolve checks that p may see the items of student studentID of establishment uai:
// staff of a higher-education establishment, or the student himself (anyone else gets
// not-found, so ids cannot be probed).
func (s *Service) resolve(ctx context.Context, p *authz.Principal, uai string, studentID int64) (access, error) {
	e, err := s.highered.Resolve(ctx, p, uai)
	if err != nil {
		return access{}, err
	}
	a := access{e: e, staff: p.IsPlatformAdmin(), office: p.IsPlatformAdmin()}
	for _, r := range staff {
		a.staff = a.staff || p.Has(r, e.ID)
	}
	for _, r := range office {
		a.office = a.office || p.Has(r, e.ID)
	}
	a.chief = p.Has(authz.RoleProgrammeDirector, e.ID)
	if a.staff {
		if _, found, err := s.highered.MemberOf(ctx, e.ID, studentID); err != nil || !found {
			if err == nil {
				err = apperr.NotFound("student_not_found", "no such student")
			}
			return access{}, err
		}
		return a, nil
	}
	if p.Has(authz.RoleStudent, e.ID) {
		mine, err := student.OfAccount(ctx, s.db, p.AccountID)
		if err != nil {
			return access{}, err
		}
		for _, id := range mine {
			if id == studentID {
				return a, nil
			}
		}
		return access{}, apperr.NotFound("student_not_found", "no such student")
	}
	return access{}, apperr.Forbidden("forbidden", "your role in this establishment does not give access to graduation items")
}

// Checklist is a student's items, summary and cohort.
type Checklist struct {
	StudentID int64           `json:"student_id"`
	UAI       string          `json:"uai"`
	Cohort    highered.Cohort `json:"cohort"`
	Items     []Item          `json:"items"`
	Summary   Summary         `json:"summary"`
	Done      int             `json:"done"`
	Total     int             `json:"total"`
}

// Checklist returns a student's checklist (himself, or staff — audited).
func (s *Service) Checklist(ctx context.Context, p *authz.Principal, uai string, studentID int64) (Checklist, error) {
	a, err := s.resolve(ctx, p, uai, studentID)
	if err != nil {
		return Checklist{}, err
	}
	cl, err := s.checklist(ctx, a.e, studentID)
	if err != nil {
		return Checklist{}, err
	}
	if a.staff {
		err = s.audit.Record(ctx, audit.Event{Action: audit.GraduationViewed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &a.e.ID, Detail: map[string]any{"student_id": studentID}})
	}
	return cl, err
}

func (s *Service) checklist(ctx context.Context, e establishment.Establishment, studentID int64) (Checklist, error) {
	cl := Checklist{StudentID: studentID, UAI: e.UAI}
	m, found, err := s.highered.MemberOf(ctx, e.ID, studentID)
	if err != nil {
		return cl, err
	}
	if !found {
		return cl, apperr.NotFound("student_not_found", "no such student")
	}
	if cl.Cohort, err = s.highered.CohortByID(ctx, e.ID, m.CohortID); err != nil {
		return cl, err
	}
	if cl.Items, err = s.items(ctx, e.ID, studentID); err != nil {
		return cl, err
	}
	lines := make([]Line, len(cl.Items))
	for i, it := range cl.Items {
		lines[i] = it.line()
		if it.Rule.Mandatory {
			cl.Total++
			if it.State.Done() {
				cl.Done++
			}
		}
	}
	cl.Summary = Summarize(calendar.Date(s.now()), cl.Cohort.JuryDate, lines)
	return cl, nil
}

func (it Item) line() Line {
	return Line{State: it.State, Mandatory: it.Rule.Mandatory, Deadline: it.Rule.Deadline, ValidityMonths: it.Rule.ValidityMonths, ProofDate: it.ProofDate}
}

// Mine returns the checklists of the caller's own student records (no audit: his data).
func (s *Service) Mine(ctx context.Context, p *authz.Principal) ([]Checklist, error) {
	ids, err := student.OfAccount(ctx, s.db, p.AccountID)
	if err != nil {
		return nil, err
	}
	people, err := student.People(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	out := []Checklist{}
	for _, id := range ids {
		e, err := s.establishments.ByID(ctx, people[id].EstablishmentID)
		if err != nil {
			return nil, err
		}
		if !e.Higher() {
			continue
		}
		cl, err := s.checklist(ctx, e, id)
		if apperr.KindOf(err) == apperr.KindNotFound {
			continue // not in a cohort
		}
		if err != nil {
			return nil, err
		}
		out = append(out, cl)
	}
	return out, nil
}

// History returns the changes of one item (the student, or staff).
func (s *Service) History(ctx context.Context, p *authz.Principal, uai string, studentID, itemID int64) ([]Event, error) {
	a, err := s.resolve(ctx, p, uai, studentID)
	if err != nil {
		return nil, err
	}
	it, err := s.item(ctx, a.e.ID, itemID)
	if err != nil || it.StudentID != studentID {
		return nil, errItemNotFound
	}
	return s.history(ctx, a.e.ID, itemID)
}

// Change is an action on an item, with what it says.
type Change struct {
	Action Action
	Reason string
	// Value is what the proof shows (a TOEIC score, weeks, semesters, ECTS); nil: unchanged.
	Value *int
	// ProofDate is the date of the proof (YYYY-MM-DD): its validity counts from it.
	ProofDate string
}

// Act applies a change to an item of a student, on behalf of p: the student submits
// (his own items; a proof file goes through SubmitProof), the office validates, refuses,
// marks not concerned and reopens, the programme director exempts and reopens an
// exemption. It writes the item, its history, the audit trail and the summary in one
// transaction, and notifies the student of a refusal.
func (s *Service) Act(ctx context.Context, p *authz.Principal, uai string, studentID, itemID int64, c Change) (Item, error) {
	a, err := s.resolve(ctx, p, uai, studentID)
	if err != nil {
		return Item{}, err
	}
	return s.act(ctx, p.Actor(), a, studentID, itemID, c, nil)
}

type proof struct {
	name, ctype, sum string
	size             int64
}

// may tells whether staff may give an item the change: the office validates, refuses,
// marks not concerned, reopens and submits on a student's behalf; the programme
// director exempts and reopens an exemption; jury members read.
func (s *Service) may(a access, it Item, c Change) error {
	switch c.Action {
	case Submit, Validate, Refuse, Unconcern:
		// the office (a proof submitted on the student's behalf too)
		if a.office {
			return nil
		}
	case Exempt:
		if a.chief {
			return nil
		}
	case Reopen:
		if a.office || a.chief && it.State == Exempted {
			return nil
		}
	}
	return apperr.Forbidden("forbidden", "your role does not allow the action %s", c.Action)
}

func (s *Service) act(ctx context.Context, actor authz.Actor, a access, studentID, itemID int64, c Change, pr *proof) (Item, error) {
	c.Reason = strings.TrimSpace(c.Reason)
	if err := apperr.CheckLen("reason", c.Reason, MaxReason); err != nil {
		return Item{}, err
	}
	if c.ProofDate != "" {
		if _, err := calendar.ParseDate(c.ProofDate); err != nil {
			return Item{}, apperr.Invalid("invalid_date", "proof date %q: use YYYY-MM-DD", c.ProofDate)
		}
	}
	if c.Value != nil && (*c.Value < 0 || *c.Value > 100000) {
		return Item{}, apperr.Invalid("invalid_number", "value %d out of range", *c.Value).With("field", "value")
	}
	var out Item
	refused := false
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		it, err := s.item(ctx, a.e.ID, itemID)
		if err != nil {
			return err
		}
		if it.StudentID != studentID {
			return errItemNotFound
		}
		// A student acts only by submitting; jury members never act.
		if !a.staff && c.Action != Submit || a.staff && !a.office && !a.chief {
			return apperr.Forbidden("forbidden", "your role does not allow the action %s", c.Action)
		}
		if a.staff {
			if err := s.may(a, it, c); err != nil {
				return err
			}
		}
		to, err := Next(it.State, c.Action, c.Reason, it.Rule.ExemptionAllowed)
		if err != nil {
			return err
		}
		value, proofDate := it.Value, it.ProofDate
		if c.Value != nil {
			value = c.Value
		}
		if c.ProofDate != "" {
			proofDate = c.ProofDate
		}
		if c.Action == Validate && it.Rule.Measure != "" {
			if value == nil {
				return apperr.Invalid("value_required", "the proof's %s is needed to validate", it.Rule.Measure).With("measure", it.Rule.Measure)
			}
			if *value < it.Rule.Threshold {
				return apperr.Invalid("below_threshold", "%d is below the %d required", *value, it.Rule.Threshold).
					With("value", *value).With("threshold", it.Rule.Threshold)
			}
		}
		if c.Action == Validate && it.Rule.ValidityMonths > 0 && proofDate == "" {
			return apperr.Invalid("proof_date_required", "this proof expires: its date is needed to validate")
		}
		reason := c.Reason
		if c.Action == Validate || c.Action == Submit {
			reason = ""
		}
		var v any
		if value != nil {
			v = *value
		}
		now := s.now()
		if pr != nil {
			_, err = s.db.Exec(ctx, `UPDATE graduation_items SET state = $3, reason = $4, value = $5, proof_date = $6, updated_at = $7,
				proof_name = $8, proof_type = $9, proof_size = $10, proof_sha256 = $11 WHERE establishment_id = $1 AND id = $2`,
				a.e.ID, itemID, string(to), reason, v, proofDate, now, pr.name, pr.ctype, pr.size, pr.sum)
		} else {
			_, err = s.db.Exec(ctx, `UPDATE graduation_items SET state = $3, reason = $4, value = $5, proof_date = $6, updated_at = $7
				WHERE establishment_id = $1 AND id = $2`, a.e.ID, itemID, string(to), reason, v, proofDate, now)
		}
		if err != nil {
			return err
		}
		if err := s.event(ctx, a.e.ID, itemID, it.State, to, c.Reason, actor, now); err != nil {
			return err
		}
		detail := map[string]any{"student_id": studentID, "item_id": itemID, "rule": it.Rule.Code, "from": string(it.State), "to": string(to)}
		if pr != nil {
			detail["proof_sha256"], detail["proof_size"] = pr.sum, pr.size
		}
		if err := s.audit.Record(ctx, audit.Event{Action: audit.GraduationItemChanged, ActorID: audit.ID(actor.ID), ActorLogin: actor.Login,
			EstablishmentID: &a.e.ID, Detail: detail}); err != nil {
			return err
		}
		if err := s.Recompute(ctx, a.e.ID, it.Rule.CohortID, []int64{studentID}); err != nil {
			return err
		}
		refused = to == Refused
		out, err = s.item(ctx, a.e.ID, itemID)
		return err
	})
	if err == nil && refused {
		err = s.notifyStudents(ctx, []int64{studentID}, "graduation.notice.refused", map[string]string{"rule": out.Rule.Label, "reason": out.Reason})
	}
	return out, err
}

func (s *Service) event(ctx context.Context, establishmentID, itemID int64, from, to State, reason string, actor authz.Actor, now time.Time) error {
	_, err := s.db.Exec(ctx, `INSERT INTO graduation_item_events (establishment_id, item_id, from_state, to_state, reason, actor_id, actor_login, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, establishmentID, itemID, string(from), string(to), reason, audit.ID(actor.ID), actor.Login, now)
	return err
}

// notifyStudents notifies the accounts of students (those that have one).
func (s *Service) notifyStudents(ctx context.Context, ids []int64, key string, params map[string]string) error {
	if s.Notifier == nil {
		return nil
	}
	accs, err := student.AccountIDs(ctx, s.db, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if acc, ok := accs[id]; ok {
			if err := s.Notifier.Notify(ctx, acc, key, params); err != nil {
				return err
			}
		}
	}
	return nil
}

// Recompute writes the summaries of students of a cohort, inside the transaction ctx
// carries (every change calls it; the nightly job recomputes everyone).
func (s *Service) Recompute(ctx context.Context, establishmentID, cohortID int64, studentIDs []int64) error {
	c, err := s.highered.CohortByID(ctx, establishmentID, cohortID)
	if err != nil {
		return err
	}
	today := calendar.Date(s.now())
	lines := map[int64][]Line{}
	for start := 0; start < len(studentIDs); start += 500 {
		chunk := studentIDs[start:min(start+500, len(studentIDs))]
		args := []any{establishmentID, cohortID}
		for _, id := range chunk {
			args = append(args, id)
			lines[id] = lines[id][:0]
		}
		if err := s.db.Each(ctx, func(rows *sql.Rows) error {
			var id int64
			var l Line
			err := rows.Scan(&id, &l.State, &l.Mandatory, &l.Deadline, &l.ValidityMonths, &l.ProofDate)
			lines[id] = append(lines[id], l)
			return err
		}, `SELECT i.student_id, i.state, r.mandatory, r.deadline, r.validity_months, i.proof_date`+itemFrom+`
			WHERE i.establishment_id = $1 AND r.cohort_id = $2 AND i.student_id IN (`+placeholders(len(chunk), 3)+`)`, args...); err != nil {
			return err
		}
	}
	rows := make([][]any, 0, len(studentIDs))
	now := s.now()
	for _, id := range studentIDs {
		sum := Summarize(today, c.JuryDate, lines[id])
		rows = append(rows, []any{id, establishmentID, cohortID, string(sum.Status), sum.Remaining, sum.NextDeadline, now})
	}
	return s.writeSummaries(ctx, rows)
}

func (s *Service) writeSummaries(ctx context.Context, rows [][]any) error {
	for start := 0; start < len(rows); start += 1000 {
		if err := s.db.InsertRowsOn(ctx, "graduation_summaries",
			[]string{"student_id", "establishment_id", "cohort_id", "status", "remaining", "next_deadline", "computed_at"},
			rows[start:min(start+1000, len(rows))],
			// A summary that did not change is not rewritten (the nightly pass recomputes
			// every student's: rewriting 100,000 unchanged rows was most of a quiet night's
			// work); computed_at is then when it last changed.
			`ON CONFLICT (student_id) DO UPDATE SET establishment_id = excluded.establishment_id, cohort_id = excluded.cohort_id,
				status = excluded.status, remaining = excluded.remaining, next_deadline = excluded.next_deadline, computed_at = excluded.computed_at
				WHERE graduation_summaries.status <> excluded.status OR graduation_summaries.remaining <> excluded.remaining
				OR graduation_summaries.next_deadline <> excluded.next_deadline OR graduation_summaries.cohort_id <> excluded.cohort_id
				OR graduation_summaries.establishment_id <> excluded.establishment_id`,
			"", nil); err != nil {
			return err
		}
	}
	return nil
}

// placeholders returns "$from, $from+1, …" (n of them).
func placeholders(n, from int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

// ProofSHA returns the checksum of the item's proof in the blob store ("" when none).
func (it Item) ProofSHA() string { return it.proofSum }

// ProofsOf returns the content sums of the proofs of students of an establishment (any
// state), for a purge that deletes those students: once their rows are gone, it
// deletes each content no row names any more (FileInUse, passport.FileInUse).
func ProofsOf(ctx context.Context, db *store.DB, establishmentID int64, studentIDs []int64) ([]string, error) {
	var out []string
	for start := 0; start < len(studentIDs); start += 1000 {
		chunk := studentIDs[start:min(start+1000, len(studentIDs))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, establishmentID)
		for _, id := range chunk {
			args = append(args, id)
		}
		if err := db.Each(ctx, func(rows *sql.Rows) error {
			var sum string
			err := rows.Scan(&sum)
			out = append(out, sum)
			return err
		}, `SELECT DISTINCT proof_sha256 FROM graduation_items WHERE establishment_id = $1 AND proof_sha256 <> '' AND student_id IN (`+
			placeholders(len(chunk), 2)+`)`, args...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FileInUse reports whether a graduation item still names the content sum: the purges
// of other features keep a content a proof still uses.
func FileInUse(ctx context.Context, db *store.DB, sum string) (bool, error) {
	var n int
	err := db.QueryRow(ctx, `SELECT COUNT(*) FROM graduation_items WHERE proof_sha256 = $1`, sum).Scan(&n)
	return n > 0, err
}

// AccountOf returns the account of a student (0 when he has none), for the demo and
// the commands that hand a student his link.
func (s *Service) AccountOf(ctx context.Context, studentID int64) (int64, error) {
	accs, err := student.AccountIDs(ctx, s.db, []int64{studentID})
	return accs[studentID], err
}
