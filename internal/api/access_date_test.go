package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apptest"
)

// TestPassportOnlyEndDate: the end of a passport-only access is midnight in Paris; the
// notice names that day, not the UTC date of the instant (one day earlier), in winter
// (UTC+1) and in summer (UTC+2) time (issue 8, finding 8b).
func TestPassportOnlyEndDate(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		season string
		now    time.Time // the server's clock
		exit   string    // the student's exit date
		want   string    // the day his access ends
	}{
		{"winter", time.Date(2026, 12, 10, 18, 30, 0, 0, paris), "2026-12-01", "2027-03-01"},
		{"summer", time.Date(2027, 6, 10, 23, 30, 0, 0, paris), "2027-06-01", "2027-09-01"},
	} {
		t.Run(tc.season, func(t *testing.T) {
			apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
				// The clock is set first: accounts made afterwards are valid then.
				s.Clock.Advance(time.Until(tc.now))
				sc := newSchool(t, s, "0691234S", 0)
				st := sc.students[0]
				if _, err := s.App.DB.Exec(context.Background(), `UPDATE students SET status = 'deactivated', exit_date = $2 WHERE id = $1`, st.ID, tc.exit); err != nil {
					t.Fatal(err)
				}
				var eb errorBody
				resp := s.Do("GET", fmt.Sprintf("/api/v1/establishments/0691234S/students/%d/results", st.ID), s.Token(sc.pupil), nil, &eb)
				wantError(t, resp, eb, http.StatusForbidden, "passport_only")
				if !strings.Contains(eb.Error.Message, "until "+tc.want+" ") {
					t.Errorf("the notice says %q, want the date %s", eb.Error.Message, tc.want)
				}
			})
		})
	}
}
