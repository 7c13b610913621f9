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
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// TestGraduationPages walks the pages: the office creates a programme, a cohort and a
// rule; the student deposits a proof from his checklist; the office refuses it from the
// review queue with a reason, the student reads it; the matrix shows states in words and
// its filters.
func TestGraduationPages(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	const uai = "0691234S"
	name, higher := "École des Canuts", establishment.SectorHigher
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name, Sector: &higher})
	if err != nil {
		t.Fatal(err)
	}
	var gen bytes.Buffer
	if err := siecle.Generate(&gen, siecle.GenOptions{UAI: uai, Students: 4, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Importer.Siecle(ctx, authz.OperatorPrincipal(), uai, importer.Source{Name: "e.xml", R: bytes.NewReader(gen.Bytes()), Size: int64(gen.Len())}, false); err != nil {
		t.Fatal(err)
	}
	list, err := s.App.Students.List(ctx, authz.OperatorPrincipal(), uai, student.Filter{Status: "active", Limit: 2})
	if err != nil || len(list.Students) < 2 {
		t.Fatal(err)
	}
	me := list.Students[0]

	office := s.CreateUser("scol.canuts", authz.Membership{Role: authz.RoleOffice, EstablishmentID: e.ID})
	oc := s.Browser()
	login(t, s, oc, office)
	p := fetch(t, oc, "GET", s.URL+"/establishments/"+uai+"/graduation", nil)
	if p.status != 200 {
		t.Fatalf("cohorts page: %d\n%s", p.status, p.body)
	}
	if q := fetch(t, oc, "POST", s.URL+"/establishments/"+uai+"/graduation/programmes", url.Values{"csrf": {p.csrf(t)}, "code": {"ING"}, "label": {"Ingénieur"}, "duration_years": {"3"}}); q.status != http.StatusSeeOther {
		t.Fatalf("programme: %d\n%s", q.status, q.body)
	}
	q := fetch(t, oc, "POST", s.URL+"/establishments/"+uai+"/graduation/cohorts", url.Values{"csrf": {p.csrf(t)}, "programme": {"ING"}, "code": {"ING-2027"},
		"entry_year": {"2024"}, "graduation_year": {"2027"}, "jury_date": {"2099-13-01"}})
	if q.status != http.StatusBadRequest || !strings.Contains(q.body, "AAAA-MM-JJ") {
		t.Fatalf("bad jury date: %d", q.status)
	}
	if q := fetch(t, oc, "POST", s.URL+"/establishments/"+uai+"/graduation/cohorts", url.Values{"csrf": {p.csrf(t)}, "programme": {"ING"}, "code": {"ING-2027"},
		"entry_year": {"2024"}, "graduation_year": {"2027"}, "jury_date": {"2099-07-01"}}); q.status != http.StatusSeeOther {
		t.Fatalf("cohort: %d\n%s", q.status, q.body)
	}
	c, err := s.App.Highered.CohortByCode(ctx, e.ID, "ING-2027")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.DB.Tx(ctx, func(ctx context.Context) error {
		return s.App.Highered.SetMembers(ctx, e.ID, []highered.Member{{StudentID: me.ID, CohortID: c.ID, YearOfStudy: 3}, {StudentID: list.Students[1].ID, CohortID: c.ID, YearOfStudy: 3}})
	}); err != nil {
		t.Fatal(err)
	}
	rules := fmt.Sprintf("%s/establishments/%s/cohorts/%d/rules", s.URL, uai, c.ID)
	p = fetch(t, oc, "GET", rules, nil)
	if q := fetch(t, oc, "POST", rules, url.Values{"csrf": {p.csrf(t)}, "code": {"TOEIC"}, "label": {"Anglais B2 (TOEIC)"}, "category": {"language"},
		"measure": {"toeic"}, "threshold": {"785"}, "deadline": {"2099-06-01"}, "mandatory": {"1"}}); q.status != http.StatusSeeOther {
		t.Fatalf("rule: %d\n%s", q.status, q.body)
	}

	// The student deposits a proof from his checklist.
	pupil := s.Activate(me.AccountID)
	sc := s.Browser()
	login(t, s, sc, pupil)
	mine := fetch(t, sc, "GET", s.URL+"/me/graduation", nil)
	if mine.status != 200 || !strings.Contains(mine.body, "Anglais B2 (TOEIC)") || !strings.Contains(mine.body, "À fournir") {
		t.Fatalf("my checklist: %d\n%s", mine.status, mine.body)
	}
	cl, err := s.App.Graduation.Checklist(ctx, authz.OperatorPrincipal(), uai, me.ID)
	if err != nil {
		t.Fatal(err)
	}
	item := cl.Items[0].ID
	up := fmt.Sprintf("%s/establishments/%s/students/%d/graduation/items/%d/proof", s.URL, uai, me.ID, item)
	if r := uploadForm(t, sc, up, mine.csrf(t), map[string]string{"value": "700"}, "toeic.pdf", []byte("<html>")); r.status != http.StatusUnsupportedMediaType {
		t.Fatalf("html proof: %d", r.status)
	}
	if r := uploadForm(t, sc, up, mine.csrf(t), map[string]string{"value": "700"}, "toeic.pdf", []byte("%PDF-1.4\n%%EOF\n")); r.status != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", r.status, r.body)
	}
	// The student cannot open the queue or the matrix.
	if r := fetch(t, sc, "GET", s.URL+"/establishments/"+uai+"/graduation/queue", nil); r.status != http.StatusForbidden {
		t.Fatalf("student queue: %d", r.status)
	}

	// The office: matrix (filter), queue, refusal with a reason in one step.
	matrix := fmt.Sprintf("%s/establishments/%s/cohorts/%d", s.URL, uai, c.ID)
	m := fetch(t, oc, "GET", matrix+"?filter=submitted", nil)
	if m.status != 200 || !strings.Contains(m.body, `<td class="state-submitted">Déposé</td>`) || strings.Contains(m.body, list.Students[1].LastName) {
		t.Fatalf("matrix submitted: %d\n%s", m.status, m.body)
	}
	queue := fetch(t, oc, "GET", s.URL+"/establishments/"+uai+"/graduation/queue", nil)
	if queue.status != 200 || !strings.Contains(queue.body, "toeic.pdf") {
		t.Fatalf("queue: %d\n%s", queue.status, queue.body)
	}
	act := fmt.Sprintf("%s/establishments/%s/students/%d/graduation/items/%d", s.URL, uai, me.ID, item)
	r := fetch(t, oc, "POST", act, url.Values{"csrf": {queue.csrf(t)}, "back": {"queue"}, "action": {"refuse"}, "value": {"700"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "motif") {
		t.Fatalf("refuse without reason: %d", r.status)
	}
	r = fetch(t, oc, "POST", act, url.Values{"csrf": {queue.csrf(t)}, "back": {"queue"}, "action": {"refuse"}, "value": {"700"}, "reason": {"Score 700 < 785"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/establishments/"+uai+"/graduation/queue" {
		t.Fatalf("refuse: %d %s", r.status, r.header.Get("Location"))
	}
	mine = fetch(t, sc, "GET", s.URL+"/me/graduation", nil)
	if !strings.Contains(mine.body, "Refusé") || !strings.Contains(mine.body, "Score 700 &lt; 785") {
		t.Fatalf("student reads the refusal:\n%s", mine.body)
	}
	// The proof downloads for both.
	for _, cl := range []*http.Client{sc, oc} {
		if r := fetch(t, cl, "GET", up, nil); r.status != 200 || !strings.HasPrefix(r.body, "%PDF") {
			t.Fatalf("proof download: %d", r.status)
		}
	}
	if got, _ := s.App.Graduation.Checklist(ctx, authz.OperatorPrincipal(), uai, me.ID); got.Items[0].State != graduation.Refused {
		t.Fatalf("state %s", got.Items[0].State)
	}
	// English.
	if r := fetch(t, oc, "GET", matrix+"?filter=at_risk", nil, "Cookie", "lang=en"); r.status != 200 || !strings.Contains(r.body, "Refused") {
		t.Fatalf("matrix in English: %d", r.status)
	}
}
