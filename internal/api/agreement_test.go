package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/agreement"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/pdfdoc/pdftest"
	"github.com/cartable/cartable/internal/student"
)

// post sends a raw body (an automated feed posting a CSV) and returns the status and body.
func post(t *testing.T, s *apptest.Server, path, token, contentType, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var c bytes.Buffer
	if json.Compact(&c, b) == nil {
		b = c.Bytes()
	}
	return resp.StatusCode, string(b)
}

func get(t *testing.T, s *apptest.Server, path, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestAgreementAPI: the registrar's feed posts the catalogue and the IP as text/csv
// (a dry run first; a file with errors answers 422 with its report); the office starts
// an agreement, the student submits, the director validates, both sign; the registrar
// file lists it; the PDF of the amendment says "annule et remplace".
func TestAgreementAPI(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		const uai = "0691998X"
		name, higher := "Université", establishment.SectorHigher
		e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name, Sector: &higher})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Highered.SaveProgramme(ctx, authz.OperatorPrincipal(), uai, highered.Programme{Code: "LIC", Label: "Licence", DurationYears: 3}); err != nil {
			t.Fatal(err)
		}
		var studentID, accountID int64
		err = s.App.DB.Tx(ctx, func(ctx context.Context) error {
			accs, err := s.App.Accounts.CreateMany(ctx, authz.Operator, authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.ID, UAI: e.UAI},
				[]account.Person{{FirstName: "Lina", LastName: "Martin"}})
			if err != nil {
				return err
			}
			ids, err := student.Apply(ctx, s.App.DB, e, []student.Insert{{Record: &student.Record{EleveID: "21900001", LastName: "Martin", FirstName: "Lina",
				INEStatus: "missing", Status: student.StatusActive}, AccountID: accs[0].ID, NouvelEleve: "0"}}, nil, s.Clock.Now())
			studentID, accountID = ids[0], accs[0].ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		office := s.Token(s.CreateUser("scol.api", authz.Membership{Role: authz.RoleOffice, EstablishmentID: e.ID}))
		director := s.Token(s.CreateUser("dir.api", authz.Membership{Role: authz.RoleProgrammeDirector, EstablishmentID: e.ID}))
		pupil := s.Token(s.Activate(accountID))
		base := "/api/v1/establishments/" + uai + "/agreements"
		cat := "year;programme;step;step_version;semester;code;label;ects;kind\n2026;LIC;L1;V1;1;UE1;Algorithmique;30;obligatoire\n" +
			"2026;LIC;L1;V1;2;UE2;Réseaux;30;obligatoire\n2026;LIC;L1;V1;2;UE3;Bases de données;30;optionnelle\n"
		if st, body := post(t, s, base+"/catalogue?dry_run=1", office, "text/csv", cat); st != 200 || !strings.Contains(body, `"created":3`) || !strings.Contains(body, `"dry_run":true`) {
			t.Fatalf("dry run: %d %s", st, body)
		}
		if st, body := post(t, s, base+"/catalogue", office, "text/csv", cat); st != 200 {
			t.Fatalf("catalogue: %d %s", st, body)
		}
		if st, body := post(t, s, base+"/enrolments", office, "text/csv", "year;student_number;programme;step;unit_code\n2026;21900001;LIC;L1;UE9\n"); st != 422 ||
			!strings.Contains(body, `"row":2,"field":"unit_code"`) {
			t.Fatalf("bad IP: %d %s", st, body)
		}
		ip := "year;student_number;programme;step;step_version;unit_code\n2026;21900001;LIC;L1;V1;UE1\n2026;21900001;LIC;L1;V1;UE2\n"
		if st, body := post(t, s, base+"/enrolments", pupil, "text/csv", ip); st != 403 {
			t.Fatalf("student feeds the IP: %d %s", st, body)
		}
		if st, body := post(t, s, base+"/enrolments", office, "text/csv", ip); st != 200 || !strings.Contains(body, `"created":2`) {
			t.Fatalf("IP: %d %s", st, body)
		}
		var a agreement.Agreement
		if r := s.Do("POST", base, office, map[string]any{"student_id": studentID, "programme": "LIC", "year": 2026, "kind": "standard"}, &a); r.StatusCode != 201 {
			t.Fatalf("start: %d", r.StatusCode)
		}
		path := fmt.Sprintf("%s/%d", base, a.ID)
		for _, step := range []struct {
			token, action string
		}{{pupil, "submit"}, {director, "validate"}, {pupil, "sign"}, {director, "sign"}} {
			var v agreement.View
			if r := s.Do("POST", path+"/actions", step.token, map[string]any{"action": step.action}, &v); r.StatusCode != 200 {
				t.Fatalf("%s: %d", step.action, r.StatusCode)
			}
		}
		st, file := post(t, s, base+"/years/2026/registrar.csv", office, "application/json", "")
		if st != 200 || !strings.HasPrefix(file, "year;student_number;step;step_version;unit_code;") || !strings.Contains(file, "2026;21900001;L1;V1;UE2;2;30;year;") {
			t.Fatalf("registrar file: %d %s", st, file)
		}
		// An amendment: UE3 instead of UE2; the submission checks answer their problems.
		var v agreement.View
		if r := s.Do("POST", path+"/amendments", pupil, nil, &v); r.StatusCode != 201 || len(v.Versions) != 2 {
			t.Fatalf("amend: %d", r.StatusCode)
		}
		if r := s.Do("PUT", path+"/content", pupil, map[string]any{"units": []map[string]string{{"code": "UE1"}, {"code": "UE3"}, {"code": "UE2"}}}, &v); r.StatusCode != 200 {
			t.Fatalf("content: %d", r.StatusCode)
		}
		var refused struct {
			Problems []agreement.Problem `json:"problems"`
		}
		if r := s.Do("POST", path+"/actions", pupil, map[string]any{"action": "submit"}, &refused); r.StatusCode != 400 || len(refused.Problems) != 1 ||
			refused.Problems[0].Key != "agreement.check.ects" || refused.Problems[0].Params["semester"] != "2" {
			t.Fatalf("checks: %d %+v", r.StatusCode, refused)
		}
		if r := s.Do("PUT", path+"/content", pupil, map[string]any{"units": []map[string]string{{"code": "UE1"}, {"code": "UE3"}}}, &v); r.StatusCode != 200 {
			t.Fatalf("content: %d", r.StatusCode)
		}
		st, pdf := get(t, s, path+"/agreement.pdf", pupil)
		text := pdftest.Text(pdf)
		if st != 200 || !strings.Contains(text, "version 2") || !strings.Contains(text, "Annule et remplace la version 1") ||
			!strings.Contains(text, "UE3 Bases de donn") || !strings.Contains(text, "Retir") {
			t.Fatalf("PDF: %d\n%s", st, text)
		}
	})
}
