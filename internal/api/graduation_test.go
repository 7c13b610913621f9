package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/highered"
)

// TestGraduationAPI: the office sets up a programme, a cohort and a rule through the
// API and imports the registrar's CSV; a student reads his checklist and deposits a
// proof (raw body); the office refuses it with a reason; the student reads the reason
// in his export; the matrix, the queue, the XLSX and the PDFs answer.
func TestGraduationAPI(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		const uai = "0691999Y"
		name, higher := "École", establishment.SectorHigher
		e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name, Sector: &higher})
		if err != nil {
			t.Fatal(err)
		}
		office := s.Token(s.CreateUser("scol.api", authz.Membership{Role: authz.RoleOffice, EstablishmentID: e.ID}))
		base := "/api/v1/establishments/" + uai
		var prog highered.Programme
		if r := s.Do("POST", base+"/programmes", office, map[string]any{"code": "ING", "label": "Ingénieur", "duration_years": 3}, &prog); r.StatusCode != 200 || prog.ID == 0 {
			t.Fatalf("programme: %d", r.StatusCode)
		}
		var c highered.Cohort
		if r := s.Do("POST", base+"/cohorts", office, map[string]any{"programme_code": "ING", "code": "ING-2099", "entry_year": 2096, "graduation_year": 2099, "jury_date": "2099-07-01"}, &c); r.StatusCode != 200 {
			t.Fatalf("cohort: %d", r.StatusCode)
		}
		var eb errorBody
		wantError(t, s.Do("PUT", fmt.Sprintf("%s/cohorts/%d/rules/TOEIC", base, c.ID), office, map[string]any{"label": "TOEIC", "category": "nope", "deadline": "2099-06-01"}, &eb),
			eb, http.StatusBadRequest, "invalid_category")
		if r := s.Do("PUT", fmt.Sprintf("%s/cohorts/%d/rules/TOEIC", base, c.ID), office, map[string]any{"label": "TOEIC ≥ 785", "category": "language",
			"measure": "toeic", "threshold": 785, "mandatory": true, "deadline": "2099-06-01"}, nil); r.StatusCode != 200 {
			t.Fatalf("rule: %d", r.StatusCode)
		}
		csv := "N° étudiant;Nom;Prénom;Date de naissance;Courriel;Formation;Promotion;Année\n2099001;Martin;Léa;03/05/2077;lea@example.org;ING;ING-2099;3\n"
		req, _ := http.NewRequest("POST", s.URL+base+"/imports/registrar?name=scol.csv", strings.NewReader(csv))
		req.Header.Set("Authorization", "Bearer "+office)
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("registrar: %v %d", err, resp.StatusCode)
		}
		resp.Body.Close()
		members, err := s.App.Highered.Members(ctx, e.ID, c.ID)
		if err != nil || len(members) != 1 {
			t.Fatalf("members: %v %v", members, err)
		}
		id := members[0].StudentID
		acc, _ := s.App.Graduation.AccountOf(ctx, id)
		student := s.Token(s.Activate(acc))
		var cl graduation.Checklist
		if r := s.Do("GET", fmt.Sprintf("%s/students/%d/graduation", base, id), student, nil, &cl); r.StatusCode != 200 || len(cl.Items) != 1 {
			t.Fatalf("checklist: %d %+v", r.StatusCode, cl)
		}
		item := cl.Items[0].ID
		req, _ = http.NewRequest("POST", s.URL+fmt.Sprintf("%s/students/%d/graduation/items/%d/proof?name=toeic.pdf&value=700", base, id, item), strings.NewReader("%PDF-1.4\n%%EOF\n"))
		req.Header.Set("Authorization", "Bearer "+student)
		req.Header.Set("Content-Type", "application/octet-stream")
		if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("proof: %v %d", err, resp.StatusCode)
		}
		resp.Body.Close()
		wantError(t, s.Do("POST", fmt.Sprintf("%s/students/%d/graduation/items/%d/actions", base, id, item), student, map[string]any{"action": "validate"}, &eb),
			eb, http.StatusForbidden, "forbidden")
		var q struct{ Items []graduation.Pending }
		if r := s.Do("GET", base+"/graduation/queue", office, nil, &q); r.StatusCode != 200 || len(q.Items) != 1 {
			t.Fatalf("queue: %d %+v", r.StatusCode, q)
		}
		var it graduation.Item
		if r := s.Do("POST", fmt.Sprintf("%s/students/%d/graduation/items/%d/actions", base, id, item), office, map[string]any{"action": "refuse", "reason": "Score 700"}, &it); r.StatusCode != 200 || it.State != graduation.Refused {
			t.Fatalf("refuse: %d %+v", r.StatusCode, it)
		}
		var ex graduation.Export
		if r := s.Do("GET", "/api/v1/me/graduation", student, nil, &ex); r.StatusCode != 200 || len(ex.Checklists) != 1 || ex.Checklists[0].Items[0].Reason != "Score 700" {
			t.Fatalf("export: %d %+v", r.StatusCode, ex)
		}
		var m graduation.Matrix
		if r := s.Do("GET", fmt.Sprintf("%s/cohorts/%d/matrix?filter=at_risk", base, c.ID), office, nil, &m); r.StatusCode != 200 || len(m.Rows) != 1 || m.Rows[0].Number != "2099001" {
			t.Fatalf("matrix: %d %+v", r.StatusCode, m)
		}
		for _, path := range []string{fmt.Sprintf("%s/cohorts/%d/matrix.xlsx", base, c.ID), fmt.Sprintf("%s/cohorts/%d/prejury.pdf", base, c.ID),
			fmt.Sprintf("%s/students/%d/graduation.pdf", base, id), fmt.Sprintf("%s/students/%d/graduation/items/%d/proof", base, id, item)} {
			r := s.Do("GET", path, office, nil, nil)
			b, _ := io.ReadAll(r.Body)
			if r.StatusCode != 200 || len(b) < 10 || !(bytes.HasPrefix(b, []byte("%PDF")) || bytes.HasPrefix(b, []byte("PK"))) {
				t.Fatalf("%s: %d", path, r.StatusCode)
			}
		}
		// The student may not read the matrix.
		wantError(t, s.Do("GET", fmt.Sprintf("%s/cohorts/%d/matrix", base, c.ID), student, nil, &eb), eb, http.StatusForbidden, "forbidden")
	})
}
