package account

import (
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
)

// TestAccessEndedNamesTheParisDay: an access ends at midnight in Paris; the refusal must
// name that day, not the UTC date of the instant (the day before). Issue 8, finding 8b.
func TestAccessEndedNamesTheParisDay(t *testing.T) {
	for _, until := range []time.Time{
		time.Date(2026, 2, 10, 0, 0, 0, 0, calendar.Paris), // winter: 23:00 UTC the day before
		time.Date(2026, 7, 10, 0, 0, 0, 0, calendar.Paris), // summer: 22:00 UTC the day before
	} {
		msg := accessEnded(authz.Access{Mode: authz.AccessEnded, Until: until}).Error()
		want := until.Format("2006-01-02")
		if !strings.Contains(msg, want) {
			t.Errorf("access ended at %v: message %q does not name %s", until, msg, want)
		}
	}
}
