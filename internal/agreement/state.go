// Package agreement is the learning agreement ("contrat pédagogique pour la réussite
// étudiante", issue 13) of higher education: the course catalogue of a programme per
// academic year, the pedagogical enrolment (IP) the registrar exports, agreements with
// their versions (units and their origin, support measures, adjustments), the state
// machine of a version with its history, the comment thread, the registrar files (the
// export that updates the IP, the acknowledgement read back) and the dashboard. See
// docs/agreements.md and docs/decisions/0022-agreements.md.
package agreement

import (
	"github.com/cartable/cartable/internal/apperr"
)

// State is the state of a version.
type State string

// The states of a version (docs/agreements.md).
const (
	Draft       State = "draft"       // brouillon: the student (or his referent) builds it
	Submitted   State = "submitted"   // soumis: checked, waiting for the programme director
	ToRevise    State = "to_revise"   // à réviser: sent back with a comment
	Validated   State = "validated"   // validé by the programme director, waiting for signatures
	Signed      State = "signed"      // signé by the student and the director: in force
	Transmitted State = "transmitted" // transmis to the registrar (exported)
	Integrated  State = "integrated"  // intégré: the registrar's acknowledgement says so
	Rejected    State = "rejected"    // rejeté by the registrar, with his reason
	Refused     State = "refused"     // refusé by the director, with a reason
	Superseded  State = "superseded"  // annulé et remplacé by a signed amendment
	Closed      State = "closed"      // clos at the end of the year before being signed
)

// States lists every state, in the order of the pages.
var States = []State{Draft, Submitted, ToRevise, Validated, Signed, Transmitted, Integrated, Rejected, Refused, Superseded, Closed}

// InForce reports the states of a version that binds the student (signed and after, until
// an amendment replaces it).
func (s State) InForce() bool {
	return s == Signed || s == Transmitted || s == Integrated || s == Rejected
}

// Open reports the states of a version still being built or decided.
func (s State) Open() bool {
	return s == Draft || s == Submitted || s == ToRevise || s == Validated
}

// Editable reports the states whose units, measures and adjustments may change.
func (s State) Editable() bool { return s == Draft || s == ToRevise }

// Action changes the state of a version.
type Action string

// The actions.
const (
	Submit     Action = "submit"     // the student submits (checks run)
	Revise     Action = "revise"     // referent or director sends it back, with a comment
	Validate   Action = "validate"   // the programme director validates
	Refuse     Action = "refuse"     // the programme director refuses, with a reason
	Sign       Action = "sign"       // the student or the director signs
	Transmit   Action = "transmit"   // the office transmits it to the registrar
	Integrate  Action = "integrate"  // the registrar's acknowledgement: integrated
	Reject     Action = "reject"     // the registrar's acknowledgement: rejected, with his reason
	Retransmit Action = "retransmit" // the office handled a rejection and transmits again
	Supersede  Action = "supersede"  // a signed amendment replaces the version
	Close      Action = "close"      // the end of the year closes an unsigned version
	MaxReason         = 500
)

// Actions lists the actions.
var Actions = []Action{Submit, Revise, Validate, Refuse, Sign, Transmit, Integrate, Reject, Retransmit, Supersede, Close}

// Who is what the actor is for this agreement (several may hold).
type Who struct {
	Student  bool // the student himself
	Referent bool // his teacher-referent
	Director bool // a programme director of the establishment
	Office   bool // the office of studies (scolarité) or an administrator
	System   bool // the application itself (amendment signed, end of year)
}

type transition struct {
	from   []State
	to     State
	who    func(Who) bool
	reason bool // a reason is required
}

var transitions = map[Action]transition{
	Submit:     {[]State{Draft, ToRevise}, Submitted, func(w Who) bool { return w.Student || w.Referent || w.Office }, false},
	Revise:     {[]State{Submitted, Validated}, ToRevise, func(w Who) bool { return w.Referent || w.Director }, true},
	Validate:   {[]State{Submitted}, Validated, func(w Who) bool { return w.Director }, false},
	Refuse:     {[]State{Submitted}, Refused, func(w Who) bool { return w.Director }, true},
	Sign:       {[]State{Validated}, Signed, func(w Who) bool { return w.Student || w.Director }, false},
	Transmit:   {[]State{Signed}, Transmitted, func(w Who) bool { return w.Office }, false},
	Integrate:  {[]State{Transmitted}, Integrated, func(w Who) bool { return w.Office }, false},
	Reject:     {[]State{Transmitted}, Rejected, func(w Who) bool { return w.Office }, true},
	Retransmit: {[]State{Rejected}, Transmitted, func(w Who) bool { return w.Office }, false},
	Supersede:  {[]State{Signed, Transmitted, Integrated, Rejected}, Superseded, func(w Who) bool { return w.System }, false},
	Close:      {[]State{Draft, Submitted, ToRevise, Validated}, Closed, func(w Who) bool { return w.System || w.Office }, false},
}

// Signatures are the signatures a validated version already has.
type Signatures struct{ Student, Director bool }

// Next is the state machine: the state a version in from reaches by action a done by
// who, with the signatures it already has (a signature leaves it validated until both
// are there). It refuses an unknown action, a transition from another state, an actor
// the action is not his, a missing reason, and a second signature by the same side.
func Next(from State, a Action, who Who, sig Signatures, reason string) (State, error) {
	t, ok := transitions[a]
	if !ok {
		return from, apperr.Invalid("invalid_action", "unknown action %q", a).With("action", string(a))
	}
	if !t.who(who) {
		return from, apperr.Forbidden("agreement_not_yours", "you may not %s this agreement", a).With("action", string(a))
	}
	allowed := false
	for _, s := range t.from {
		allowed = allowed || s == from
	}
	if !allowed {
		return from, apperr.Conflict("agreement_transition", "a version in state %s cannot be given the action %s", from, a).
			With("from", string(from)).With("action", string(a))
	}
	if t.reason && reason == "" {
		return from, apperr.Invalid("reason_required", "give a reason: the student will read it")
	}
	if len([]rune(reason)) > MaxReason {
		return from, apperr.CheckLen("reason", reason, MaxReason)
	}
	if a == Sign {
		// The student signs for himself, the director for the programme; one person
		// holding both (never in practice) signs as the student first.
		switch {
		case who.Student && !sig.Student:
			sig.Student = true
		case who.Director && !sig.Director:
			sig.Director = true
		default:
			return from, apperr.Conflict("already_signed", "this version already bears your signature")
		}
		if !sig.Student || !sig.Director {
			return Validated, nil
		}
	}
	return t.to, nil
}
