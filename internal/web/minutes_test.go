package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
)

// TestJuryMinutesPages: the jury writes the minutes from the cohort page (CSRF
// checked), reads them on the minutes page; a too long text comes back with its
// message and the typed text; a student is refused.
func TestJuryMinutesPages(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		g := graduationSchool(t, s, "0691235T")
		uai, c, jury := g.UAI, g.Cohort, g.Jury
		jc := s.Browser()
		login(t, s, jc, jury)
		matrix := fmt.Sprintf("%s/establishments/%s/cohorts/%d", s.URL, uai, c.ID)
		page := fetch(t, jc, "GET", matrix, nil)
		if page.status != 200 || !strings.Contains(page.body, "Procès-verbal du jury") || !strings.Contains(page.body, `<label for="minutes-text">`) {
			t.Fatalf("matrix page: %d\n%s", page.status, page.body)
		}
		minutes := matrix + "/minutes"
		if r := fetch(t, jc, "POST", minutes, url.Values{"session_date": {c.JuryDate}, "text": {"Sans jeton"}}); r.status != http.StatusForbidden {
			t.Fatalf("without CSRF: %d", r.status)
		}
		r := fetch(t, jc, "POST", minutes, url.Values{"csrf": {page.csrf(t)}, "session_date": {c.JuryDate}, "text": {"Délibération : 12 admis, 2 ajournés."}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", r.status, r.body)
		}
		got := fetch(t, jc, "GET", minutes+"?saved=1", nil)
		if got.status != 200 || !strings.Contains(got.body, "Délibération : 12 admis, 2 ajournés.") || !strings.Contains(got.body, "Procès-verbal enregistré") {
			t.Fatalf("minutes page: %d\n%s", got.status, got.body)
		}
		long := strings.Repeat("a", 4001)
		r = fetch(t, jc, "POST", minutes, url.Values{"csrf": {page.csrf(t)}, "session_date": {c.JuryDate}, "text": {long}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "4000") || !strings.Contains(r.body, long) {
			t.Fatalf("too long: %d", r.status)
		}
		// In English too.
		en := fetch(t, jc, "GET", minutes, nil, "Cookie", "lang=en")
		if en.status != 200 || !strings.Contains(en.body, "Jury minutes") {
			t.Fatalf("English: %d", en.status)
		}
		// A student of the establishment is refused, and sees no section on any page.
		pupil := s.Activate(g.Student.AccountID)
		sc := s.Browser()
		login(t, s, sc, pupil)
		if r := fetch(t, sc, "GET", minutes, nil); r.status != http.StatusForbidden {
			t.Fatalf("student reads: %d", r.status)
		}
		home := fetch(t, sc, "GET", s.URL+"/me", nil)
		if r := fetch(t, sc, "POST", minutes, url.Values{"csrf": {home.csrf(t)}, "text": {"x"}}); r.status != http.StatusForbidden {
			t.Fatalf("student writes: %d", r.status)
		}
	})
}
