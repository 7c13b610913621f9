package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/agreement"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/student"
)

// agreementSchool is a university with a licence, its catalogue, the IP of its first
// student, his agreement (a draft, his referent set) and its people.
type agreementSchool struct {
	UAI                                  string
	Student                              student.Student
	Agreement                            int64
	Office, Director, Referent, Pilotage *apptest.User
	Disability                           *apptest.User
}

const webCatalogue = "year;programme;step;step_version;semester;code;label;ects;kind;capacity;prerequisites\n" +
	"2026;LIC;L1;V1;1;UE11;Programmation;15;obligatoire;;\n2026;LIC;L1;V1;1;UE12;Mathématiques;15;obligatoire;;\n" +
	"2026;LIC;L1;V1;1;UE13;Robotique;15;optionnelle;20;\n2026;LIC;L1;V1;2;UE21;Programmation 2;15;obligatoire;;UE11\n" +
	"2026;LIC;L1;V1;2;UE22;Réseaux;15;obligatoire;;\n"

func newAgreementSchool(t *testing.T, s *apptest.Server, uai string) agreementSchool {
	t.Helper()
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	name, higher := "Université des Traboules", establishment.SectorHigher
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name, Sector: &higher})
	if err != nil {
		t.Fatal(err)
	}
	var gen bytes.Buffer
	if err := siecle.Generate(&gen, siecle.GenOptions{UAI: uai, Students: 3, Seed: 13}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Importer.Siecle(ctx, op, uai, importer.Source{Name: "e.xml", R: bytes.NewReader(gen.Bytes()), Size: int64(gen.Len())}, false); err != nil {
		t.Fatal(err)
	}
	list, err := s.App.Students.List(ctx, op, uai, student.Filter{Status: "active", Limit: 1})
	if err != nil || len(list.Students) == 0 {
		t.Fatalf("students: %v", err)
	}
	g := agreementSchool{UAI: uai, Student: list.Students[0]}
	if _, err := s.App.Highered.SaveProgramme(ctx, op, uai, highered.Programme{Code: "LIC", Label: "Licence", DurationYears: 3}); err != nil {
		t.Fatal(err)
	}
	src := func(text string) agreement.Source {
		return agreement.Source{Name: "f.csv", R: strings.NewReader(text), Size: int64(len(text))}
	}
	if _, err := s.App.Agreements.ImportCatalogue(ctx, op, uai, src(webCatalogue), false); err != nil {
		t.Fatal(err)
	}
	ip := "year;student_number;programme;step;step_version;unit_code\n"
	for _, u := range []string{"UE11", "UE12", "UE21", "UE22"} {
		ip += "2026;" + g.Student.EleveID + ";LIC;L1;V1;" + u + "\n"
	}
	if _, err := s.App.Agreements.ImportEnrolments(ctx, op, uai, src(ip), false); err != nil {
		t.Fatal(err)
	}
	a, err := s.App.Agreements.Start(ctx, op, uai, agreement.StartInput{StudentID: g.Student.ID, ProgrammeCode: "LIC", Year: 2026, Kind: "adapted", Status: "employed"})
	if err != nil {
		t.Fatal(err)
	}
	g.Agreement = a.ID
	g.Office = s.CreateUser("scol.traboules", authz.Membership{Role: authz.RoleOffice, EstablishmentID: e.ID})
	g.Director = s.CreateUser("dir.traboules", authz.Membership{Role: authz.RoleProgrammeDirector, EstablishmentID: e.ID})
	g.Referent = s.CreateUser("ref.traboules", authz.Membership{Role: authz.RoleReferent, EstablishmentID: e.ID})
	g.Pilotage = s.CreateUser("pilot.traboules", authz.Membership{Role: authz.RolePilotage, EstablishmentID: e.ID})
	g.Disability = s.CreateUser("handi.traboules", authz.Membership{Role: authz.RoleDisabilityOffice, EstablishmentID: e.ID})
	if err := s.App.Agreements.Assign(ctx, op, uai, a.ID, g.Referent.ID, g.Disability.ID); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestAgreementPages: the student builds his agreement on its page (CSRF checked), a
// failed check comes back with its message, he submits; the referent comments; the
// director validates from the inbox (bulk); the office's dry run of a catalogue shows
// the diff; pilotage sees the dashboard with the small cells hidden; the disability
// office sees only the adjustments.
func TestAgreementPages(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		g := newAgreementSchool(t, s, "0693333Y")
		base := fmt.Sprintf("%s/establishments/%s/agreements", s.URL, g.UAI)
		page := fmt.Sprintf("%s/%d", base, g.Agreement)
		sc := s.Browser()
		login(t, s, sc, s.Activate(g.Student.AccountID))
		mine := fetch(t, sc, "GET", s.URL+"/me/agreements", nil)
		if mine.status != 200 || !strings.Contains(mine.body, fmt.Sprintf("/agreements/%d", g.Agreement)) {
			t.Fatalf("my agreements: %d\n%s", mine.status, mine.body)
		}
		p := fetch(t, sc, "GET", page, nil)
		if p.status != 200 || !strings.Contains(p.body, "UE11 Programmation") || !strings.Contains(p.body, `value="submit"`) || !strings.Contains(p.body, "Brouillon") {
			t.Fatalf("agreement page: %d\n%s", p.status, p.body)
		}
		if r := fetch(t, sc, "POST", page+"/content", url.Values{"unit": {"UE11"}}); r.status != http.StatusForbidden {
			t.Fatalf("without CSRF: %d", r.status)
		}
		// Without UE11: UE21 lacks its prerequisite (an adapted agreement may hold fewer credits).
		r := fetch(t, sc, "POST", page+"/content", url.Values{"csrf": {p.csrf(t)}, "unit": {"UE12", "UE21", "UE22"}, "adjustment": {"extra_exam_time"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("content: %d\n%s", r.status, r.body)
		}
		r = fetch(t, sc, "POST", page+"/actions", url.Values{"csrf": {p.csrf(t)}, "action": {"submit"}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "UE21 demande UE11") || !strings.Contains(r.body, "ne passe pas les contrôles") {
			t.Fatalf("failed checks: %d\n%s", r.status, r.body)
		}
		r = fetch(t, sc, "POST", page+"/content", url.Values{"csrf": {p.csrf(t)}, "unit": {"UE11", "UE13", "UE21", "UE22"}, "origin_UE13": {"free"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("content: %d", r.status)
		}
		if r = fetch(t, sc, "POST", page+"/actions", url.Values{"csrf": {p.csrf(t)}, "action": {"submit"}}); r.status != http.StatusSeeOther {
			t.Fatalf("submit: %d\n%s", r.status, r.body)
		}
		// The referent comments; the director validates from his inbox.
		rc := s.Browser()
		login(t, s, rc, g.Referent)
		rp := fetch(t, rc, "GET", page, nil)
		if r := fetch(t, rc, "POST", page+"/comments", url.Values{"csrf": {rp.csrf(t)}, "text": {"Bon choix pour la robotique."}}); r.status != http.StatusSeeOther {
			t.Fatalf("comment: %d", r.status)
		}
		dc := s.Browser()
		login(t, s, dc, g.Director)
		inbox := fetch(t, dc, "GET", base+"?state=submitted", nil)
		if inbox.status != 200 || !strings.Contains(inbox.body, fmt.Sprintf(`name="id" value="%d"`, g.Agreement)) {
			t.Fatalf("inbox: %d\n%s", inbox.status, inbox.body)
		}
		if r := fetch(t, dc, "POST", base+"/validate", url.Values{"csrf": {inbox.csrf(t)}, "id": {fmt.Sprint(g.Agreement)}}); r.status != http.StatusSeeOther {
			t.Fatalf("bulk validate: %d", r.status)
		}
		dp := fetch(t, dc, "GET", page, nil)
		if !strings.Contains(dp.body, "Validé") || !strings.Contains(dp.body, "Bon choix pour la robotique.") || !strings.Contains(dp.body, "Robotique") {
			t.Fatalf("validated page:\n%s", dp.body)
		}
		// The office's dry run of a changed catalogue: the diff, nothing written.
		oc := s.Browser()
		login(t, s, oc, g.Office)
		op := fetch(t, oc, "GET", base, nil)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("csrf", op.csrf(t))
		fw, _ := mw.CreateFormFile("file", "catalogue.csv")
		_, _ = fw.Write([]byte(strings.Replace(webCatalogue, "Réseaux", "Réseaux et systèmes", 1)))
		_ = mw.Close()
		req, _ := http.NewRequest("POST", base+"/imports/catalogue/file", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := oc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		buf := new(bytes.Buffer)
		_, _ = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(buf.String(), "~ LIC 2026 UE22") || !strings.Contains(buf.String(), "Essai à blanc") {
			t.Fatalf("dry run: %d\n%s", resp.StatusCode, buf.String())
		}
		// The office opens another student's agreement by his number.
		other, err := s.App.Students.List(context.Background(), authz.OperatorPrincipal(), g.UAI, student.Filter{Status: "active", Limit: 2})
		if err != nil || len(other.Students) < 2 {
			t.Fatal(err)
		}
		op = fetch(t, oc, "GET", base, nil)
		if r := fetch(t, oc, "POST", base, url.Values{"csrf": {op.csrf(t)}, "student_number": {"NOBODY"}, "programme": {"LIC"}, "year": {"2026"}, "kind": {"standard"}}); r.status != http.StatusNotFound ||
			!strings.Contains(r.body, "NOBODY") {
			t.Fatalf("unknown number: %d\n%s", r.status, r.body)
		}
		if r := fetch(t, oc, "POST", base, url.Values{"csrf": {op.csrf(t)}, "student_number": {other.Students[1].EleveID}, "programme": {"LIC"}, "year": {"2026"}, "kind": {"standard"}}); r.status != http.StatusBadRequest ||
			!strings.Contains(r.body, "importez d’abord l’IP") {
			t.Fatalf("no IP: %d\n%s", r.status, r.body)
		}
		// Pilotage: one agreement, so nothing is shown.
		pc := s.Browser()
		login(t, s, pc, g.Pilotage)
		dash := fetch(t, pc, "GET", base+"/dashboard?programme=LIC&year=2026", nil)
		if dash.status != 200 || !strings.Contains(dash.body, "Moins de 5 contrats") || strings.Contains(dash.body, "<svg") {
			t.Fatalf("pilotage dashboard: %d\n%s", dash.status, dash.body)
		}
		if r := fetch(t, pc, "GET", page, nil); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			t.Fatalf("pilotage reads an agreement: %d", r.status)
		}
		// The office sees the charts and their tables.
		od := fetch(t, oc, "GET", base+"/dashboard?programme=LIC&year=2026", nil)
		if od.status != 200 || !strings.Contains(od.body, `<svg class="chart"`) || !strings.Contains(od.body, "Étudiant salarié") {
			t.Fatalf("office dashboard: %d\n%s", od.status, od.body)
		}
		// The disability office: the adjustments of the student it follows, no unit.
		hc := s.Browser()
		login(t, s, hc, g.Disability)
		adj := fetch(t, hc, "GET", base, nil)
		if adj.status != 200 || !strings.Contains(adj.body, "Tiers-temps") && !strings.Contains(adj.body, "—") || strings.Contains(adj.body, "UE11") {
			t.Fatalf("disability office: %d\n%s", adj.status, adj.body)
		}
	})
}
