package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
)

// TestSchoolYearPages walks the school year's pages as an administrator (the year a
// SIECLE import made, a class, bulk moves over capacity, a service, results, the
// campaign, the pupil's file, an attestation and its public verification), then as
// the teacher the service names ("Mes classes"), and as a pupil (his own file only).
func TestSchoolYearPages(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	bg := context.Background()
	op := authz.OperatorPrincipal()
	e, students := school(t, s, 30, 5)
	y, err := s.App.SchoolYear.CurrentYear(bg, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	acc, _, err := s.App.Accounts.Create(bg, op, account.CreateInput{Login: "prof.sy", DisplayName: "Prof Année",
		Roles: []authz.Membership{{Role: authz.RoleTeacher, EstablishmentID: e.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	teacher := s.Activate(acc.ID)
	admin := s.CreateUser("admin.sy", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: e.ID})
	base := fmt.Sprintf("%s/establishments/%s/year", s.URL, e.UAI)
	yb := fmt.Sprintf("%s/%d", base, y.ID)

	ca := s.Browser()
	login(t, s, ca, admin)
	p := fetch(t, ca, "GET", base, nil)
	if p.status != 200 || !strings.Contains(p.body, y.Label()) || !strings.Contains(p.body, "Clore T1") {
		t.Fatalf("year page: %d\n%s", p.status, p.body)
	}
	tok := p.csrf(t)
	// A class with a capacity of 1 and its main teacher.
	p = fetch(t, ca, "POST", yb+"/classes", url.Values{"csrf": {tok}, "code": {"TEST1"}, "label": {"Classe test"}, "capacity": {"1"}, "main_teacher": {itoa(teacher.ID)}})
	if p.status != 200 || !strings.Contains(p.body, "Classe TEST1 enregistrée") {
		t.Fatalf("save class: %d\n%s", p.status, p.body)
	}
	p = fetch(t, ca, "POST", yb+"/classes", url.Values{"csrf": {tok}, "code": {"TEST2"}, "capacity": {"-4"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Capacité non valide") {
		t.Fatalf("bad capacity: %d", p.status)
	}
	classID := regexp.MustCompile(`<option value="(\d+)">Classe test`).FindStringSubmatch(p.body)
	if classID == nil {
		t.Fatalf("no option for the new class:\n%s", p.body)
	}
	// Two pupils moved into it at once: over its capacity, the page says so.
	p = fetch(t, ca, "POST", yb+"/moves", url.Values{"csrf": {tok}, "student": {itoa(students[0].ID), itoa(students[1].ID)}, "to": {classID[1]}})
	if p.status != 200 || !strings.Contains(p.body, "2 élève(s) déplacé(s)") || !strings.Contains(p.body, "Capacité dépassée") {
		t.Fatalf("move: %d\n%s", p.status, p.body)
	}
	if st, _ := s.App.Students.Get(bg, op, e.UAI, students[0].ID); st.Class != "TEST1" {
		t.Fatalf("students.class after the move: %q", st.Class)
	}
	// A service for the teacher in that class.
	p = fetch(t, ca, "POST", yb+"/services", url.Values{"csrf": {tok}, "target": {"class:TEST1"}, "subject_code": {"MATHS"}, "subject_label": {"Mathématiques"},
		"teacher": {itoa(teacher.ID)}, "coefficient": {"2,5"}})
	if p.status != 200 || !strings.Contains(p.body, "Service enregistré") || !strings.Contains(p.body, "2,5") {
		t.Fatalf("save service: %d\n%s", p.status, p.body)
	}
	p = fetch(t, ca, "POST", yb+"/services", url.Values{"csrf": {tok}, "target": {"class:TEST1"}, "subject_code": {"X"}, "coefficient": {"abc"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Coefficient non valide") {
		t.Fatalf("bad coefficient: %d", p.status)
	}
	// Results and the campaign.
	p = fetch(t, ca, "GET", yb+"/results?class="+classID[1], nil)
	if p.status != 200 || !strings.Contains(p.body, students[0].LastName) {
		t.Fatalf("results page: %d", p.status)
	}
	id0, id1 := itoa(students[0].ID), itoa(students[1].ID)
	p = fetch(t, ca, "POST", yb+"/results?class="+classID[1], url.Values{"csrf": {tok}, "pupil": {id0, id1},
		"decision-" + id0: {"passage"}, "next_mef-" + id0: {"10310019110"}, "decision-" + id1: {"depart"}})
	if p.status != 200 || !strings.Contains(p.body, "Résultats de 2 élève(s) enregistrés") {
		t.Fatalf("save results: %d\n%s", p.status, p.body)
	}
	p = fetch(t, ca, "GET", yb+"/campaign", nil)
	if p.status != 200 || !strings.Contains(p.body, "10310019110") || !strings.Contains(p.body, "Non réinscrit") {
		t.Fatalf("campaign: %d", p.status)
	}
	// The pupil's file, an attestation, its verification by anyone, its revocation.
	file := fmt.Sprintf("%s/establishments/%s/students/%d/file", s.URL, e.UAI, students[0].ID)
	p = fetch(t, ca, "GET", file, nil)
	if p.status != 200 || !strings.Contains(p.body, "TEST1") || !strings.Contains(p.body, "Passage") {
		t.Fatalf("file: %d\n%s", p.status, p.body)
	}
	p = fetch(t, ca, "POST", fmt.Sprintf("%s/establishments/%s/students/%d/attestations", s.URL, e.UAI, students[0].ID), url.Values{"csrf": {tok}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("issue: %d", p.status)
	}
	p = fetch(t, ca, "GET", s.URL+p.header.Get("Location"), nil)
	if p.status != 200 || p.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("attestation: %d %s", p.status, p.header.Get("Content-Type"))
	}
	as, err := s.App.SchoolYear.Attestations(bg, op, e.UAI, students[0].ID)
	if err != nil || len(as) != 1 {
		t.Fatalf("attestations: %v %v", as, err)
	}
	anon := s.Browser()
	v := fetch(t, anon, "GET", s.URL+"/attestations/"+as[0].Token, nil)
	if v.status != 200 || !strings.Contains(v.body, "Authentique") || !strings.Contains(v.body, fmt.Sprintf("%d-%d", as[0].StartYear, as[0].StartYear+1)) || strings.Contains(v.body, students[0].EleveID) {
		t.Fatalf("verification: %d\n%s", v.status, v.body)
	}
	if v := fetch(t, anon, "GET", s.URL+"/attestations/"+as[0].Token+"x", nil); v.status != http.StatusNotFound {
		t.Fatalf("forged token: %d", v.status)
	}
	p = fetch(t, ca, "POST", fmt.Sprintf("%s/establishments/%s/students/%d/attestations/%d/revoke", s.URL, e.UAI, students[0].ID, as[0].ID), url.Values{"csrf": {tok}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", p.status)
	}
	p = fetch(t, ca, "GET", s.URL+p.header.Get("Location"), nil)
	if p.status != 200 || !strings.Contains(p.body, "révoqué") {
		t.Fatalf("revoke: %d", p.status)
	}
	if v := fetch(t, anon, "GET", s.URL+"/attestations/"+as[0].Token, nil); !strings.Contains(v.body, "Révoqué") {
		t.Fatalf("verification after revocation:\n%s", v.body)
	}

	// A departure recorded from the file: the pupil stays listed, marked as left.
	p = fetch(t, ca, "POST", fmt.Sprintf("%s/establishments/%s/students/%d/leave", s.URL, e.UAI, students[3].ID),
		url.Values{"csrf": {tok}, "on": {"2025-01-10"}, "reason": {"Déménagement"}, "destination": {"0381234K"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("leave: %d\n%s", p.status, p.body)
	}
	p = fetch(t, ca, "GET", s.URL+p.header.Get("Location"), nil)
	if p.status != 200 || !strings.Contains(p.body, "Parti") || !strings.Contains(p.body, "0381234K") {
		t.Fatalf("file after leaving: %d\n%s", p.status, p.body)
	}
	if p := fetch(t, ca, "POST", fmt.Sprintf("%s/establishments/%s/students/%d/leave", s.URL, e.UAI, students[4].ID),
		url.Values{"csrf": {tok}, "on": {"10/01/2025"}}); p.status != http.StatusBadRequest {
		t.Fatalf("leave with a bad date: %d", p.status)
	}

	// The teacher: his class from the service on "Mes classes", the year read-only.
	ct := s.Browser()
	login(t, s, ct, teacher)
	p = fetch(t, ct, "GET", s.URL+"/classes", nil)
	if p.status != 200 || !strings.Contains(p.body, "TEST1") {
		t.Fatalf("Mes classes of the teacher: %d\n%s", p.status, p.body)
	}
	p = fetch(t, ct, "GET", base, nil)
	if p.status != 200 || strings.Contains(p.body, "Clore T1") {
		t.Fatalf("year page as a teacher: %d", p.status)
	}
	if p := fetch(t, ct, "POST", base, url.Values{"csrf": {p.csrf(t)}, "start_year": {"2030"}}); p.status != http.StatusForbidden {
		t.Fatalf("a teacher creates a year: %d", p.status)
	}
	if p := fetch(t, ct, "GET", yb+"/results", nil); p.status != http.StatusForbidden {
		t.Fatalf("a teacher opens the results: %d", p.status)
	}

	// A pupil sees his own file, not another's.
	cs := s.Browser()
	login(t, s, cs, s.Activate(students[2].AccountID))
	if p := fetch(t, cs, "GET", fmt.Sprintf("%s/establishments/%s/students/%d/file", s.URL, e.UAI, students[2].ID), nil); p.status != 200 {
		t.Fatalf("own file: %d\n%s", p.status, p.body)
	}
	if p := fetch(t, cs, "GET", file, nil); p.status != http.StatusNotFound {
		t.Fatalf("another pupil's file: %d", p.status)
	}
	// Last (it creates next year, which may become the current one with the test's
	// clock): the campaign's confirmation.
	p = fetch(t, ca, "POST", yb+"/campaign", url.Values{"csrf": {tok}, "student": {id0}})
	if p.status != 200 || !strings.Contains(p.body, "1 élève(s) préinscrit(s)") {
		t.Fatalf("confirm campaign: %d\n%s", p.status, p.body)
	}
}
