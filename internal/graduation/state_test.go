package graduation

import (
	"testing"

	"github.com/cartable/cartable/internal/apperr"
)

func TestNext(t *testing.T) {
	for _, c := range []struct {
		from     State
		action   Action
		reason   string
		exempt   bool
		want     State
		wantCode string
	}{
		{ToProvide, Submit, "", false, Submitted, ""},
		{Submitted, Validate, "", false, Validated, ""},
		{Submitted, Refuse, "illisible", false, Refused, ""},
		{Submitted, Refuse, "", false, "", "reason_required"},
		{Refused, Submit, "", false, Submitted, ""},
		{Validated, Expire, "", false, Expired, ""},
		{Expired, Submit, "", false, Submitted, ""},
		{ToProvide, Exempt, "sportif de haut niveau", true, Exempted, ""},
		{ToProvide, Exempt, "sportif de haut niveau", false, "", "exemption_not_allowed"},
		{ToProvide, Exempt, "", true, "", "reason_required"},
		{ToProvide, Unconcern, "hors programme", false, NotConcerned, ""},
		{Exempted, Reopen, "erreur", false, ToProvide, ""},
		{ToProvide, Validate, "", false, "", "graduation_transition"},
		{Validated, Refuse, "x", false, "", "graduation_transition"},
		{Validated, Submit, "", false, "", "graduation_transition"},
		{NotConcerned, Exempt, "x", true, "", "graduation_transition"},
		{ToProvide, Reopen, "x", false, "", "graduation_transition"},
		{ToProvide, "fly", "", false, "", "invalid_action"},
	} {
		got, err := Next(c.from, c.action, c.reason, c.exempt)
		if apperr.CodeOf(err) != c.wantCode && !(c.wantCode == "" && err == nil) || got != c.want {
			t.Errorf("Next(%s, %s, %q, %v) = %q, %v; want %q, %q", c.from, c.action, c.reason, c.exempt, got, err, c.want, c.wantCode)
		}
	}
}

func TestSummarize(t *testing.T) {
	today, jury := "2027-03-01", "2027-07-01"
	l := func(s State, mandatory bool, deadline string) Line {
		return Line{State: s, Mandatory: mandatory, Deadline: deadline}
	}
	for _, c := range []struct {
		name  string
		lines []Line
		want  Summary
	}{
		{"nothing", nil, Summary{Status: Graduable}},
		{"all done", []Line{l(Validated, true, "2027-06-01"), l(Exempted, true, "2027-01-01"), l(NotConcerned, true, "2027-01-01")}, Summary{Status: Graduable}},
		{"far deadline", []Line{l(ToProvide, true, "2027-06-01")}, Summary{Status: OnTrack, Remaining: 1, NextDeadline: "2027-06-01"}},
		{"optional ignored", []Line{l(ToProvide, false, "2027-01-01")}, Summary{Status: Graduable}},
		{"deadline within 30 days", []Line{l(ToProvide, true, "2027-03-31"), l(ToProvide, true, "2027-06-01")}, Summary{Status: AtRisk, Remaining: 2, NextDeadline: "2027-03-31"}},
		{"refused", []Line{l(Refused, true, "2027-06-01")}, Summary{Status: AtRisk, Remaining: 1, NextDeadline: "2027-06-01"}},
		{"deadline passed", []Line{l(Submitted, true, "2027-02-28"), l(Refused, true, "2027-06-01")}, Summary{Status: Blocked, Remaining: 2, NextDeadline: "2027-02-28"}},
		{"deadline today is not passed", []Line{l(ToProvide, true, "2027-03-01")}, Summary{Status: AtRisk, Remaining: 1, NextDeadline: "2027-03-01"}},
		{"proof lapses before the jury", []Line{{State: Validated, Mandatory: true, Deadline: "2027-06-01", ValidityMonths: 24, ProofDate: "2025-05-01"}}, Summary{Status: AtRisk}},
		{"proof valid at the jury", []Line{{State: Validated, Mandatory: true, Deadline: "2027-06-01", ValidityMonths: 24, ProofDate: "2025-08-01"}}, Summary{Status: Graduable}},
	} {
		if got := Summarize(today, jury, c.lines); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
	if got := ValidUntil("2025-05-01", 24); got != "2027-04-30" {
		t.Errorf("ValidUntil = %s", got)
	}
	if got := daysBetween("2027-03-01", "2027-04-30"); got != 60 {
		t.Errorf("daysBetween = %d", got)
	}
}
