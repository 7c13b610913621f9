package web_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// TestPassportOnlyNoticeDate: the passport page of a student who left names the day
// his access ends, midnight in Paris, in winter and in summer time (issue 8, 8b).
func TestPassportOnlyNoticeDate(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		season string
		now    time.Time
		exit   string
		fr, en string
	}{
		{"winter", time.Date(2026, 12, 10, 23, 30, 0, 0, paris), "2026-12-01", "jusqu’au 1er\u00a0mars 2027,", "until 1 March 2027,"},
		{"summer", time.Date(2027, 6, 10, 0, 30, 0, 0, paris), "2027-06-01", "jusqu’au 1er\u00a0septembre 2027,", "until 1 September 2027,"},
	} {
		t.Run(tc.season, func(t *testing.T) {
			s := apptest.Start(t, store.SQLite)
			s.Clock.Advance(time.Until(tc.now))
			ctx := context.Background()
			if _, err := s.App.Establishments.Create(ctx, authz.Operator, establishmentInput("0691234S", "Lycée des Canuts")); err != nil {
				t.Fatal(err)
			}
			var gen bytes.Buffer
			if err := siecle.Generate(&gen, siecle.GenOptions{UAI: "0691234S", Students: 2, Seed: 4}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.App.Importer.Siecle(ctx, authz.OperatorPrincipal(), "0691234S", importer.Source{Name: "e.xml", R: bytes.NewReader(gen.Bytes()), Size: int64(gen.Len())}, false); err != nil {
				t.Fatal(err)
			}
			list, err := s.App.Students.List(ctx, authz.OperatorPrincipal(), "0691234S", student.Filter{Limit: 2})
			if err != nil || len(list.Students) == 0 {
				t.Fatalf("students: %v", err)
			}
			me := list.Students[0]
			u := s.Activate(me.AccountID)
			if _, err := s.App.DB.Exec(ctx, `UPDATE students SET status = 'deactivated', exit_date = $2 WHERE id = $1`, me.ID, tc.exit); err != nil {
				t.Fatal(err)
			}
			c := s.Browser()
			login(t, s, c, u)
			p := fetch(t, c, "GET", s.URL+"/me/passport", nil)
			if !strings.Contains(p.body, tc.fr) {
				t.Errorf("the notice does not say %q:\n%s", tc.fr, p.body)
			}
			fetch(t, c, "GET", s.URL+"/lang/en?back=/me/passport", nil)
			if p = fetch(t, c, "GET", s.URL+"/me/passport", nil); !strings.Contains(p.body, tc.en) {
				t.Errorf("the notice does not say %q:\n%s", tc.en, p.body)
			}
		})
	}
}
