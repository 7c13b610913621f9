package transfer

import (
	"strings"

	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/i18n"
)

// Words writes the reasons of the dashboard in lang (its Reason fields), from their
// codes and parameters: what a page shows and an API client reads. A reason stored in
// words before reasons became codes, which no code replaced, stays as it was written.
func (d *Dashboard) Words(lang string) {
	for i, x := range d.Done {
		if len(x.ReasonCodes) > 0 {
			d.Done[i].Reason = ReasonText(lang, "", x.ReasonCodes, x.ReasonParams, false)
		}
	}
	for _, list := range [][]Waiting{d.Pending, d.Impossible} {
		for i, x := range list {
			if len(x.ReasonCodes) > 0 {
				list[i].Reason = ReasonText(lang, x.State, x.ReasonCodes, x.ReasonParams, false)
			}
		}
	}
	for i, x := range d.Requests {
		d.Requests[i].Reason = ReasonText(lang, x.State, x.ReasonCodes, x.ReasonParams, true)
	}
}

// ReasonText words the reason codes of a state (or a receipt, state "") for a reader of
// lang: origin tells whether he is the origin (who decides) or the destination (who
// waits). The messages are transfers.code.<code> in the catalogue (internal/i18n); a
// code without message is shown as it is.
func ReasonText(lang, state string, codes []string, params map[string]string, origin bool) string {
	args := i18n.Args{}
	for k, v := range params {
		args[k] = v
	}
	if on, ok := params["on"]; ok {
		args["on"] = day(on)
	}
	var parts []string
	for _, c := range codes {
		key := "transfers.code." + c
		if c == CodeRefusedByOrigin && origin {
			key = "transfers.code.refused_by_you"
		}
		if !i18n.Has(key) {
			parts = append(parts, c)
			continue
		}
		parts = append(parts, i18n.T(lang, key, args))
	}
	why := strings.Join(parts, i18n.T(lang, "transfers.code.sep"))
	if state == "to_confirm" && !origin {
		return i18n.T(lang, "transfers.to_confirm.destination", i18n.Args{"reasons": why})
	}
	return why
}

// MatchText words what a receipt says proved the match, and who confirmed it.
func MatchText(lang string, x Done) string {
	var parts []string
	for _, m := range x.Matched {
		if key := "transfers.match." + m; i18n.Has(key) {
			parts = append(parts, i18n.T(lang, key))
		}
	}
	out := strings.Join(parts, ", ")
	if x.ConfirmedBy != "" {
		on := day("")
		if x.ConfirmedAt != nil {
			on = day(calendar.Date(*x.ConfirmedAt))
		}
		out += i18n.T(lang, "transfers.match.confirmed", i18n.Args{"by": x.ConfirmedBy, "on": on})
	}
	return out
}

// day is a civil date (YYYY-MM-DD) of a reason's parameters, written in full in the
// reader's language; "—" when there is none, as it is when it is not a date.
type day string

// Text writes the day in lang.
func (d day) Text(lang string) string {
	if d == "" {
		return "—"
	}
	t, err := calendar.ParseDate(string(d))
	if err != nil {
		return string(d)
	}
	return calendar.LongDate(lang, t)
}

var _ i18n.Localized = day("")
