package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/store"
)

// TestTeacherClassesAndDiplomaDefault: the administrator assigns a CAP Cuisine class to a
// teacher, who lands on "Mes classes" and finds it there; a new evaluation of that class
// gets the CAP Cuisine referential by default; choosing the Bac pro grid for it asks for
// a confirmation first.
func TestTeacherClassesAndDiplomaDefault(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	bg := context.Background()
	op := authz.OperatorPrincipal()
	e, _ := school(t, s, 150, 7)
	mefs, err := s.App.Students.ClassMEFs(bg, op, e.UAI)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := s.App.Competencies.Referentials(bg)
	if err != nil {
		t.Fatal(err)
	}
	var class string
	var cap, other competency.Referential
	for c, m := range mefs {
		for _, r := range refs {
			if r.PreparedBy(m.MEF) && r.Kind == "cap" && class == "" {
				class, cap = c, r
			}
		}
	}
	for _, r := range refs {
		if class != "" && !r.PreparedBy(mefs[class].MEF) {
			other = r
		}
	}
	if class == "" || other.Code == "" {
		t.Fatalf("no CAP class in the generated file: %v", mefs)
	}
	acc, _, err := s.App.Accounts.Create(bg, op, account.CreateInput{Login: "prof.benali", DisplayName: "Karim Benali",
		Roles: []authz.Membership{{Role: authz.RoleTeacher, EstablishmentID: e.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	teacher := s.Activate(acc.ID)
	admin := s.CreateUser("admin.canuts", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: e.ID})

	// The administrator assigns the class from the page.
	ca := s.Browser()
	login(t, s, ca, admin)
	p := fetch(t, ca, "GET", s.URL+"/establishments/"+e.UAI+"/classes", nil)
	if p.status != 200 || !strings.Contains(p.body, class) {
		t.Fatalf("classes page: %d", p.status)
	}
	tok := p.csrf(t)
	p = fetch(t, ca, "POST", s.URL+"/establishments/"+e.UAI+"/classes", url.Values{"csrf": {tok}, "class": {class}, "teacher": {itoa(teacher.ID)}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("assign: %d\n%s", p.status, p.body)
	}
	p = fetch(t, ca, "POST", s.URL+"/establishments/"+e.UAI+"/classes", url.Values{"csrf": {tok}, "class": {"NOPE"}, "teacher": {itoa(teacher.ID)}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Aucun élève n’est dans la classe «\u00a0NOPE\u00a0»") {
		t.Fatalf("unknown class: %d", p.status)
	}

	// The teacher lands on his classes.
	c := s.Browser()
	login(t, s, c, teacher)
	home := fetch(t, c, "GET", s.URL+"/", nil)
	if home.status != http.StatusSeeOther || home.header.Get("Location") != "/classes" {
		t.Fatalf("home of a teacher: %d %s", home.status, home.header.Get("Location"))
	}
	mine := fetch(t, c, "GET", s.URL+"/classes", nil)
	if mine.status != 200 || !strings.Contains(mine.body, "<h2>"+class+"</h2>") || !strings.Contains(mine.body, "evaluations?class="+url.QueryEscape(class)) {
		t.Fatalf("Mes classes: %d\n%s", mine.status, mine.body)
	}

	// The diploma follows the class by default.
	form := fetch(t, c, "GET", s.URL+"/establishments/"+e.UAI+"/evaluations?class="+url.QueryEscape(class), nil)
	create := func(diploma, confirm string) page {
		return fetch(t, c, "POST", s.URL+"/establishments/"+e.UAI+"/evaluations", url.Values{"csrf": {form.csrf(t)},
			"title": {"Mise en place"}, "date": {"2026-10-20"}, "class": {class}, "diploma": {diploma}, "confirm": {confirm}})
	}
	created := create("", "")
	if created.status != http.StatusSeeOther {
		t.Fatalf("create: %d", created.status)
	}
	// The grid names its author by his name, not his login.
	if g := fetch(t, c, "GET", s.URL+created.header.Get("Location"), nil); !strings.Contains(g.body, "Auteur : Karim Benali") {
		t.Errorf("the grid does not name its author: %s", g.body[strings.Index(g.body, "<main"):strings.Index(g.body, "<main")+600])
	}
	evs, err := s.App.Competencies.List(bg, op, e.UAI, competency.ListFilter{Class: class})
	if err != nil || len(evs) != 1 || evs[0].Diploma != cap.Code {
		t.Fatalf("default diploma: %+v %v (want %s)", evs, err, cap.Code)
	}
	// Another diploma: a warning and a confirmation first.
	p = create(other.Code, "")
	if p.status != http.StatusConflict || !strings.Contains(p.body, `id="confirm"`) || !strings.Contains(p.body, "ne prépare pas") {
		t.Fatalf("mismatch: %d\n%s", p.status, p.body)
	}
	if p := create(other.Code, "1"); p.status != http.StatusSeeOther {
		t.Fatalf("confirmed: %d", p.status)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
