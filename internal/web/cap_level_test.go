package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// TestCAPLevelForCAPStudents: a CAP student's level list is the CAP (from his MEF's
// referential); a BAC level sheet is refused by the server with the reason, in the
// page's language; a CAP sheet is saved and shown as CAP. A bac pro student gets BAC
// and BEP, not CAP.
func TestCAPLevelForCAPStudents(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	e, list := school(t, s, 40, 4)
	var capStudent, bacStudent *student.Student
	for i := range list {
		refs, err := s.App.Passports.Referentials(ctx, list[i])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range refs {
			switch r.Kind {
			case "cap":
				if capStudent == nil {
					capStudent = &list[i]
				}
			case "bac pro":
				if bacStudent == nil {
					bacStudent = &list[i]
				}
			}
		}
	}
	if capStudent == nil || bacStudent == nil {
		t.Fatal("the generated school has no CAP or no bac pro student")
	}
	radio := func(level string) string { return `name="level" value="` + level + `"` }

	c := s.Browser()
	login(t, s, c, s.Activate(capStudent.AccountID))
	page := fmt.Sprintf("%s/establishments/%s/students/%d/situations", s.URL, e.UAI, capStudent.ID)
	p := fetch(t, c, "GET", page, nil)
	if !strings.Contains(p.body, radio("cap")) || strings.Contains(p.body, radio("bac")) || strings.Contains(p.body, radio("bep")) {
		t.Error("a CAP student is not offered the CAP level alone")
	}
	q := fetch(t, c, "POST", page, map[string][]string{"csrf": {p.csrf(t)}, "level": {"bac"}, "title": {"Stage"}})
	if q.status != http.StatusBadRequest || !strings.Contains(q.body, "Le niveau BAC n’est pas un niveau du diplôme de l’élève") {
		t.Errorf("BAC sheet of a CAP student: %d", q.status)
	}
	fetch(t, c, "GET", s.URL+"/lang/en?back=/", nil)
	if q := fetch(t, c, "POST", page, map[string][]string{"csrf": {p.csrf(t)}, "level": {"bep"}, "title": {"Stage"}}); q.status != http.StatusBadRequest || !strings.Contains(q.body, "The BEP level is not a level of the student’s diploma") {
		t.Errorf("BEP sheet of a CAP student, in English: %d", q.status)
	}
	fetch(t, c, "GET", s.URL+"/lang/fr?back=/", nil)
	q = fetch(t, c, "POST", page, map[string][]string{"csrf": {p.csrf(t)}, "level": {"cap"}, "title": {"Stage en cuisine"}})
	if q.status != http.StatusSeeOther {
		t.Fatalf("CAP sheet: %d\n%s", q.status, q.body)
	}
	if p := fetch(t, c, "GET", page, nil); !strings.Contains(p.body, "CAP — Stage en cuisine") {
		t.Error("the CAP sheet is not shown as CAP")
	}

	c = s.Browser()
	login(t, s, c, s.Activate(bacStudent.AccountID))
	p = fetch(t, c, "GET", fmt.Sprintf("%s/establishments/%s/students/%d/situations", s.URL, e.UAI, bacStudent.ID), nil)
	if !strings.Contains(p.body, radio("bac")) || !strings.Contains(p.body, radio("bep")) || strings.Contains(p.body, radio("cap")) {
		t.Error("a bac pro student is not offered BAC and BEP alone")
	}
}
