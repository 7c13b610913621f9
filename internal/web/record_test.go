package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// TestSituationPages: a student writes a sheet, edits it, attaches a PDF (a file that is
// not one is refused with the reason); a teacher assesses it; another student cannot
// open the page.
func TestSituationPages(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishmentInput("0691234S", "Lycée des Canuts"))
	if err != nil {
		t.Fatal(err)
	}
	var gen bytes.Buffer
	if err := siecle.Generate(&gen, siecle.GenOptions{UAI: "0691234S", Students: 10, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Importer.Siecle(ctx, authz.OperatorPrincipal(), "0691234S", importer.Source{Name: "e.xml", R: bytes.NewReader(gen.Bytes()), Size: int64(gen.Len())}, false); err != nil {
		t.Fatal(err)
	}
	list, err := s.App.Students.List(ctx, authz.OperatorPrincipal(), "0691234S", student.Filter{Limit: 10})
	if err != nil || len(list.Students) < 2 {
		t.Fatalf("students: %v", err)
	}
	me, other := list.Students[0], list.Students[1]
	pupil := s.Activate(me.AccountID)
	page := fmt.Sprintf("%s/establishments/0691234S/students/%d/situations", s.URL, me.ID)

	c := s.Browser()
	login(t, s, c, pupil)
	p := fetch(t, c, "GET", page, nil)
	if p.status != 200 {
		t.Fatalf("situations page: %d", p.status)
	}
	form := url.Values{"csrf": {p.csrf(t)}, "level": {"cap"}, "title": {"Stage chez Elec'Rhône"}, "context": {"PFMP"},
		"company": {"Elec'Rhône"}, "description": {"Pose de goulottes"}}
	if q := fetch(t, c, "POST", page, form); q.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", q.status, q.body)
	}
	sits, err := s.App.Passports.Situations(ctx, authz.OperatorPrincipal(), "0691234S", me.ID)
	if err != nil || len(sits) != 1 {
		t.Fatalf("sheets: %v %v", sits, err)
	}
	sid := sits[0].ID
	p = fetch(t, c, "GET", page, nil)
	if !strings.Contains(p.body, "Modifier la fiche") || !strings.Contains(p.body, `value="Stage chez Elec&#39;Rhône"`) {
		t.Fatalf("no prefilled edit form:\n%s", p.body)
	}
	form.Set("csrf", p.csrf(t))
	form.Set("situation_id", fmt.Sprint(sid))
	form.Set("title", "Stage chez Elec'Rhône, 2e période")
	form.Set("level", "cap") // the pupil prepares a CAP (TestCAPLevelForCAPStudents)
	if q := fetch(t, c, "POST", page, form); q.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", q.status, q.body)
	}
	sits, _ = s.App.Passports.Situations(ctx, authz.OperatorPrincipal(), "0691234S", me.ID)
	if len(sits) != 1 || sits[0].Title != "Stage chez Elec'Rhône, 2e période" || sits[0].Level != "cap" {
		t.Fatalf("after edit: %+v", sits)
	}
	// A level the pupil's diploma does not have is refused on the page, with the reason,
	// and nothing changes.
	form.Set("level", "bac")
	if q := fetch(t, c, "POST", page, form); q.status != http.StatusUnprocessableEntity && q.status != http.StatusBadRequest {
		t.Fatalf("invalid edit: %d", q.status)
	} else if !strings.Contains(q.body, `role="alert"`) {
		t.Fatalf("no error shown:\n%s", q.body)
	}
	if sits, _ = s.App.Passports.Situations(ctx, authz.OperatorPrincipal(), "0691234S", me.ID); sits[0].Level != "cap" {
		t.Fatal("an invalid edit changed the sheet")
	}

	attach := fmt.Sprintf("%s/%d/attachments", page, sid)
	p = fetch(t, c, "GET", page, nil)
	if q := uploadForm(t, c, attach, p.csrf(t), nil, "rapport.pdf", []byte("GIF89a not a pdf")); q.status != http.StatusUnsupportedMediaType && q.status != http.StatusUnprocessableEntity {
		t.Fatalf("non-PDF file: %d", q.status)
	} else if !strings.Contains(q.body, "PDF") {
		t.Fatalf("the refusal does not say why:\n%s", q.body)
	}
	if q := uploadForm(t, c, attach, p.csrf(t), nil, "rapport.pdf", []byte("%PDF-1.4\n%%EOF\n")); q.status != http.StatusSeeOther {
		t.Fatalf("PDF: %d\n%s", q.status, q.body)
	}
	if p = fetch(t, c, "GET", page, nil); !strings.Contains(p.body, "rapport.pdf") {
		t.Fatal("the file is not listed")
	}
	// A student cannot assess his own sheet.
	if q := fetch(t, c, "POST", fmt.Sprintf("%s/%d/assessment", page, sid), url.Values{"csrf": {p.csrf(t)}, "result": {"A"}}); q.status != http.StatusForbidden {
		t.Fatalf("self-assessment: %d", q.status)
	}

	teacher := s.CreateUser("prof", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.ID})
	ct := s.Browser()
	login(t, s, ct, teacher)
	p = fetch(t, ct, "GET", page, nil)
	if q := fetch(t, ct, "POST", fmt.Sprintf("%s/%d/assessment", page, sid), url.Values{"csrf": {p.csrf(t)}, "evaluator": {"M. Prof"}, "result": {"Acquis"}, "comment": {"Bon travail"}}); q.status != http.StatusSeeOther {
		t.Fatalf("assessment: %d\n%s", q.status, q.body)
	}
	if p = fetch(t, c, "GET", page, nil); !strings.Contains(p.body, "Bon travail") || !strings.Contains(p.body, "Acquis (M. Prof)") {
		t.Fatal("the student does not see the assessment")
	}

	// Another student of the class cannot open the page.
	c2 := s.Browser()
	login(t, s, c2, s.Activate(other.AccountID))
	if q := fetch(t, c2, "GET", page, nil); q.status != http.StatusForbidden && q.status != http.StatusNotFound {
		t.Fatalf("another student: %d", q.status)
	}
}
