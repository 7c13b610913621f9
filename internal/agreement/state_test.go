package agreement

import (
	"testing"

	"github.com/cartable/cartable/internal/apperr"
)

func TestNext(t *testing.T) {
	student, referent, director, office, system := Who{Student: true}, Who{Referent: true}, Who{Director: true}, Who{Office: true}, Who{System: true}
	none := Signatures{}
	cases := []struct {
		name   string
		from   State
		a      Action
		who    Who
		sig    Signatures
		reason string
		want   State
		code   string
	}{
		{"student submits a draft", Draft, Submit, student, none, "", Submitted, ""},
		{"student submits after revision", ToRevise, Submit, student, none, "", Submitted, ""},
		{"referent proposes (submits) for the student", Draft, Submit, referent, none, "", Submitted, ""},
		{"director does not submit", Draft, Submit, director, none, "", Draft, "agreement_not_yours"},
		{"submitted twice", Submitted, Submit, student, none, "", Submitted, "agreement_transition"},
		{"referent asks a revision", Submitted, Revise, referent, none, "ajoutez l’UE de méthodologie", ToRevise, ""},
		{"revision needs a comment", Submitted, Revise, director, none, "", Submitted, "reason_required"},
		{"student cannot ask a revision", Submitted, Revise, student, none, "x", Submitted, "agreement_not_yours"},
		{"director validates", Submitted, Validate, director, none, "", Validated, ""},
		{"referent cannot validate", Submitted, Validate, referent, none, "", Submitted, "agreement_not_yours"},
		{"office cannot validate", Submitted, Validate, office, none, "", Submitted, "agreement_not_yours"},
		{"a draft is not validated", Draft, Validate, director, none, "", Draft, "agreement_transition"},
		{"refusal needs a reason", Submitted, Refuse, director, none, "", Submitted, "reason_required"},
		{"director refuses with a reason", Submitted, Refuse, director, none, "trop de crédits", Refused, ""},
		{"student signs first", Validated, Sign, student, none, "", Validated, ""},
		{"director signs second", Validated, Sign, director, Signatures{Student: true}, "", Signed, ""},
		{"director signs first", Validated, Sign, director, none, "", Validated, ""},
		{"student signs second", Validated, Sign, student, Signatures{Director: true}, "", Signed, ""},
		{"student signs twice", Validated, Sign, student, Signatures{Student: true}, "", Validated, "already_signed"},
		{"office does not sign", Validated, Sign, office, none, "", Validated, "agreement_not_yours"},
		{"a submitted version is not signed", Submitted, Sign, student, none, "", Submitted, "agreement_transition"},
		{"office transmits", Signed, Transmit, office, none, "", Transmitted, ""},
		{"student does not transmit", Signed, Transmit, student, none, "", Signed, "agreement_not_yours"},
		{"an unsigned version is not transmitted", Validated, Transmit, office, none, "", Validated, "agreement_transition"},
		{"registrar integrates", Transmitted, Integrate, office, none, "", Integrated, ""},
		{"registrar rejects with a reason", Transmitted, Reject, office, none, "UE inconnue", Rejected, ""},
		{"rejection needs a reason", Transmitted, Reject, office, none, "", Transmitted, "reason_required"},
		{"office handles a rejection", Rejected, Retransmit, office, none, "", Transmitted, ""},
		{"an amendment supersedes", Integrated, Supersede, system, none, "", Superseded, ""},
		{"only the application supersedes", Integrated, Supersede, office, none, "", Integrated, "agreement_not_yours"},
		{"a draft is not superseded", Draft, Supersede, system, none, "", Draft, "agreement_transition"},
		{"end of year closes a draft", Draft, Close, system, none, "", Closed, ""},
		{"end of year does not close a signed version", Signed, Close, system, none, "", Signed, "agreement_transition"},
		{"unknown action", Draft, Action("publish"), office, none, "", Draft, "invalid_action"},
		{"a closed version is final", Closed, Submit, student, none, "", Closed, "agreement_transition"},
		{"a refused version is final", Refused, Submit, student, none, "", Refused, "agreement_transition"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Next(c.from, c.a, c.who, c.sig, c.reason)
			if code := codeOf(err); code != c.code {
				t.Fatalf("error %v (code %q), want %q", err, apperr.CodeOf(err), c.code)
			}
			if got != c.want {
				t.Fatalf("state %s, want %s", got, c.want)
			}
		})
	}
}

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}

func TestEveryStateIsReachedAndLeft(t *testing.T) {
	reached := map[State]bool{Draft: true}
	left := map[State]bool{}
	for _, tr := range transitions {
		reached[tr.to] = true
		for _, f := range tr.from {
			left[f] = true
		}
	}
	for _, s := range States {
		if !reached[s] {
			t.Errorf("state %s is never reached", s)
		}
		final := s == Refused || s == Superseded || s == Closed
		if left[s] == final {
			t.Errorf("state %s: left %v, final %v", s, left[s], final)
		}
	}
}
