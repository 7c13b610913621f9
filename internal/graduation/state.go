// Package graduation is the graduation tracker ("Pass'Diplôme") of higher education:
// the rules a cohort must meet to graduate (language level, internship, mobility,
// credits…), one item per student and rule with its state machine, proofs and history,
// and each student's summary (graduable, on track, at risk, blocked), computed on every
// change and by a nightly job. See docs/graduation.md.
package graduation

import (
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/calendar"
)

// State is the state of an item.
type State string

// The states of an item (docs/graduation.md).
const (
	ToProvide    State = "to_provide"    // à fournir
	Submitted    State = "submitted"     // déposé
	Validated    State = "validated"     // validé
	Refused      State = "refused"       // refusé (reason)
	Expired      State = "expired"       // expiré: the proof lapsed before the jury
	Exempted     State = "exempted"      // dispensé (programme director, reason)
	NotConcerned State = "not_concerned" // non concerné (reason)
)

// States lists every state, in the order of the pages.
var States = []State{ToProvide, Submitted, Validated, Refused, Expired, Exempted, NotConcerned}

// Done reports the states that fulfil a rule.
func (s State) Done() bool { return s == Validated || s == Exempted || s == NotConcerned }

// Action is what changes an item.
type Action string

// The actions.
const (
	Submit    Action = "submit"        // the student (or the office) deposits a proof
	Validate  Action = "validate"      // the office accepts the proof
	Refuse    Action = "refuse"        // the office refuses it, with a reason
	Expire    Action = "expire"        // the nightly job: the proof lapsed
	Exempt    Action = "exempt"        // the programme director exempts, with a reason
	Unconcern Action = "not_concerned" // the office: the rule does not apply, with a reason
	Reopen    Action = "reopen"        // the office (or the director for an exemption) starts over, with a reason
	MaxReason        = 500
)

// Actions lists the actions.
var Actions = []Action{Submit, Validate, Refuse, Expire, Exempt, Unconcern, Reopen}

// transitions: from which states an action goes, and where.
var transitions = map[Action]struct {
	from []State
	to   State
}{
	Submit:    {[]State{ToProvide, Submitted, Refused, Expired}, Submitted},
	Validate:  {[]State{Submitted}, Validated},
	Refuse:    {[]State{Submitted}, Refused},
	Expire:    {[]State{Validated}, Expired},
	Exempt:    {[]State{ToProvide, Submitted, Refused, Expired}, Exempted},
	Unconcern: {[]State{ToProvide, Submitted, Refused, Expired}, NotConcerned},
	Reopen:    {[]State{Validated, Refused, Expired, Exempted, NotConcerned}, ToProvide},
}

// needsReason are the actions a person must explain (the student reads it).
var needsReason = map[Action]bool{Refuse: true, Exempt: true, Unconcern: true, Reopen: true}

// Next returns the state action leads to from state, or why it may not: an unknown
// action, a state it does not leave, a missing reason, an exemption the rule does not
// allow.
func Next(from State, a Action, reason string, exemptionAllowed bool) (State, error) {
	t, ok := transitions[a]
	if !ok {
		return "", apperr.Invalid("invalid_action", "unknown action %q", a).With("action", string(a))
	}
	allowed := false
	for _, s := range t.from {
		if s == from {
			allowed = true
		}
	}
	if !allowed {
		return "", apperr.Conflict("graduation_transition", "an item %s cannot be given the action %s", from, a).
			With("from", string(from)).With("action", string(a))
	}
	if needsReason[a] && reason == "" {
		return "", apperr.Invalid("reason_required", "the action %s needs a reason", a)
	}
	if a == Exempt && !exemptionAllowed {
		return "", apperr.Conflict("exemption_not_allowed", "this rule allows no exemption")
	}
	return t.to, nil
}

// Status is a student's summary.
type Status string

// The statuses of a summary.
const (
	Graduable Status = "graduable" // diplômable: every mandatory rule fulfilled
	OnTrack   Status = "on_track"  // en bonne voie: items remain, no deadline near
	AtRisk    Status = "at_risk"   // à risque: a deadline within RiskDays, a refusal, a lapse
	Blocked   Status = "blocked"   // bloqué: a mandatory deadline passed unfulfilled
)

// RiskDays is how near a deadline makes a student at risk.
const RiskDays = 30

// Line is an item with what of its rule the summary reads.
type Line struct {
	State          State
	Mandatory      bool
	Deadline       string // YYYY-MM-DD
	ValidityMonths int
	ProofDate      string // YYYY-MM-DD, "" when unknown
}

// Summary is what remains of a student and by when.
type Summary struct {
	Status       Status `json:"status"`
	Remaining    int    `json:"remaining"`
	NextDeadline string `json:"next_deadline,omitempty"`
}

// ValidUntil is the last day a proof of date proofDate is valid (validity in months;
// "" when it never lapses or its date is unknown).
func ValidUntil(proofDate string, months int) string {
	if months <= 0 || proofDate == "" {
		return ""
	}
	d, err := calendar.ParseDate(proofDate)
	if err != nil {
		return ""
	}
	return d.AddDate(0, months, -1).Format(calendar.DateLayout)
}

// Summarize computes a student's summary on day today (YYYY-MM-DD) before the jury of
// juryDate. Only mandatory rules count.
func Summarize(today, juryDate string, lines []Line) Summary {
	var s Summary
	blocked, risk := false, false
	soon := addDays(today, RiskDays)
	for _, l := range lines {
		if !l.Mandatory {
			continue
		}
		if l.State.Done() {
			if l.State == Validated {
				if until := ValidUntil(l.ProofDate, l.ValidityMonths); until != "" && until < juryDate {
					risk = true // the proof will lapse before the jury
				}
			}
			continue
		}
		s.Remaining++
		if s.NextDeadline == "" || l.Deadline < s.NextDeadline {
			s.NextDeadline = l.Deadline
		}
		switch {
		case l.Deadline < today:
			blocked = true
		case l.State == Refused || l.State == Expired || l.Deadline <= soon:
			risk = true
		}
	}
	switch {
	case blocked:
		s.Status = Blocked
	case risk:
		s.Status = AtRisk
	case s.Remaining == 0:
		s.Status = Graduable
	default:
		s.Status = OnTrack
	}
	return s
}

// addDays returns the civil date n days after day (YYYY-MM-DD).
func addDays(day string, n int) string {
	d, err := calendar.ParseDate(day)
	if err != nil {
		return day
	}
	return d.AddDate(0, 0, n).Format(calendar.DateLayout)
}

// daysBetween is the number of days from a to b (civil dates).
func daysBetween(a, b string) int {
	x, err1 := calendar.ParseDate(a)
	y, err2 := calendar.ParseDate(b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(y.Sub(x).Round(24*time.Hour) / (24 * time.Hour))
}
