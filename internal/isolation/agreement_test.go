package isolation

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/agreement"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/student"
)

func init() {
	uai := func(prefix, path string) func(objects) string {
		return func(b objects) string { return prefix + "/establishments/" + b.uai + path }
	}
	ag := func(prefix, suffix string) func(objects) string {
		return func(b objects) string {
			return fmt.Sprintf("%s/establishments/%s/agreements/%d%s", prefix, b.uai, b.agreementID, suffix)
		}
	}
	for pattern, build := range map[string]func(objects) string{
		"POST /api/v1/establishments/{uai}/agreements/catalogue":                      uai("/api/v1", "/agreements/catalogue"),
		"GET /api/v1/establishments/{uai}/agreements/catalogue/{programme}/{year}":    uai("/api/v1", "/agreements/catalogue/LIC/2026"),
		"POST /api/v1/establishments/{uai}/agreements/enrolments":                     uai("/api/v1", "/agreements/enrolments"),
		"PUT /api/v1/establishments/{uai}/agreements/programmes/{programme}/settings": uai("/api/v1", "/agreements/programmes/LIC/settings"),
		"GET /api/v1/establishments/{uai}/agreements":                                 uai("/api/v1", "/agreements"),
		"POST /api/v1/establishments/{uai}/agreements":                                uai("/api/v1", "/agreements"),
		"POST /api/v1/establishments/{uai}/agreements/validate":                       uai("/api/v1", "/agreements/validate"),
		"GET /api/v1/establishments/{uai}/agreements/adjustments":                     uai("/api/v1", "/agreements/adjustments"),
		"GET /api/v1/establishments/{uai}/agreements/dashboard/{programme}/{year}":    uai("/api/v1", "/agreements/dashboard/LIC/2026"),
		"POST /api/v1/establishments/{uai}/agreements/years/{year}/registrar.csv":     uai("/api/v1", "/agreements/years/2026/registrar.csv"),
		"POST /api/v1/establishments/{uai}/agreements/registrar/acknowledgements":     uai("/api/v1", "/agreements/registrar/acknowledgements"),
		"GET /api/v1/establishments/{uai}/agreements/years/{year}/report.csv":         uai("/api/v1", "/agreements/years/2026/report.csv"),
		"POST /api/v1/establishments/{uai}/agreements/years/{year}/close":             uai("/api/v1", "/agreements/years/2026/close"),
		"GET /api/v1/establishments/{uai}/agreements/{id}":                            ag("/api/v1", ""),
		"PUT /api/v1/establishments/{uai}/agreements/{id}/content":                    ag("/api/v1", "/content"),
		"POST /api/v1/establishments/{uai}/agreements/{id}/actions":                   ag("/api/v1", "/actions"),
		"POST /api/v1/establishments/{uai}/agreements/{id}/comments":                  ag("/api/v1", "/comments"),
		"POST /api/v1/establishments/{uai}/agreements/{id}/amendments":                ag("/api/v1", "/amendments"),
		"PUT /api/v1/establishments/{uai}/agreements/{id}/people":                     ag("/api/v1", "/people"),
		"GET /api/v1/establishments/{uai}/agreements/{id}/checks":                     ag("/api/v1", "/checks"),
		"GET /api/v1/establishments/{uai}/agreements/{id}/agreement.pdf":              ag("/api/v1", "/agreement.pdf"),
		"GET /api/v1/me/agreements/{uai}":                                             func(b objects) string { return "/api/v1/me/agreements/" + b.uai },
		"GET /establishments/{uai}/agreements":                                        uai("", "/agreements"),
		"POST /establishments/{uai}/agreements":                                       uai("", "/agreements"),
		"POST /establishments/{uai}/agreements/validate":                              uai("", "/agreements/validate"),
		"POST /establishments/{uai}/agreements/imports/{kind}/file":                   uai("", "/agreements/imports/catalogue/file"),
		"POST /establishments/{uai}/agreements/years/{year}/registrar.csv":            uai("", "/agreements/years/2026/registrar.csv"),
		"GET /establishments/{uai}/agreements/years/{year}/report.csv":                uai("", "/agreements/years/2026/report.csv"),
		"POST /establishments/{uai}/agreements/years/{year}/close":                    uai("", "/agreements/years/2026/close"),
		"GET /establishments/{uai}/agreements/dashboard":                              uai("", "/agreements/dashboard?programme=LIC&year=2026"),
		"GET /establishments/{uai}/agreements/dashboard.xlsx":                         uai("", "/agreements/dashboard.xlsx?programme=LIC&year=2026"),
		"GET /establishments/{uai}/agreements/{id}":                                   ag("", ""),
		"POST /establishments/{uai}/agreements/{id}/actions":                          ag("", "/actions"),
		"POST /establishments/{uai}/agreements/{id}/content":                          ag("", "/content"),
		"POST /establishments/{uai}/agreements/{id}/comments":                         ag("", "/comments"),
		"POST /establishments/{uai}/agreements/{id}/amend":                            ag("", "/amend"),
		"GET /establishments/{uai}/agreements/{id}/agreement.pdf":                     ag("", "/agreement.pdf"),
	} {
		cases[pattern] = build
		agreementRoutes = append(agreementRoutes, pattern)
	}
}

// agreementRoutes are the routes of the learning agreements, for
// TestAgreementOthersSeeNothing.
var agreementRoutes []string

// agreementOf gives establishment e (of higher education, with the programme ING of
// graduationOf) a catalogue whose first unit is labelled unitLabel, the IP of student
// st and his agreement, submitted. It returns the agreement's id.
func agreementOf(t *testing.T, s *apptest.Server, e establishment.Establishment, st student.Student, unitLabel string) int64 {
	t.Helper()
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	higher := establishment.SectorHigher
	if _, err := s.App.Establishments.Update(ctx, authz.Operator, establishment.Input{UAI: e.UAI, Sector: &higher}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Highered.SaveProgramme(ctx, op, e.UAI, highered.Programme{Code: "LIC", Label: "Licence", DurationYears: 3}); err != nil {
		t.Fatal(err)
	}
	cat := "year;programme;step;semester;code;label;ects;kind\n2026;LIC;L1;1;UE1;" + unitLabel + ";30;obligatoire\n2026;LIC;L1;2;UE2;Deuxième;30;obligatoire\n"
	if _, err := s.App.Agreements.ImportCatalogue(ctx, op, e.UAI, agreement.Source{Name: "c.csv", R: strings.NewReader(cat), Size: int64(len(cat))}, false); err != nil {
		t.Fatal(err)
	}
	ip := "year;student_number;programme;step;unit_code\n2026;" + st.EleveID + ";LIC;L1;UE1\n2026;" + st.EleveID + ";LIC;L1;UE2\n"
	if _, err := s.App.Agreements.ImportEnrolments(ctx, op, e.UAI, agreement.Source{Name: "ip.csv", R: strings.NewReader(ip), Size: int64(len(ip))}, false); err != nil {
		t.Fatal(err)
	}
	a, err := s.App.Agreements.Start(ctx, op, e.UAI, agreement.StartInput{StudentID: st.ID, ProgrammeCode: "LIC", Year: 2026, Kind: "adapted", Status: "disability"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Agreements.SetContent(ctx, op, e.UAI, a.ID, agreement.Edit{Units: []agreement.VersionUnit{{Code: "UE1"}, {Code: "UE2"}},
		Adjustments: []string{"extra_exam_time"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Agreements.Act(ctx, op, e.UAI, a.ID, agreement.Submit, ""); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// TestAgreementOthersSeeNothing: in one establishment, another student, a referent who
// is not the student's, the disability office (who does not follow him) and pilotage
// probe every route of the agreements naming the student's agreement: 403 or 404, and
// nothing of the student's in the answer. The student himself reads his own (200), so
// the probe can tell.
func TestAgreementOthersSeeNothing(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		name := "Université Bravo"
		e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: "0381234K", Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		importFile(t, s, e.UAI, 0, 3)
		page, err := s.App.Students.List(ctx, authz.OperatorPrincipal(), e.UAI, student.Filter{Status: "active", Limit: 2})
		if err != nil || len(page.Students) < 2 {
			t.Fatal(err)
		}
		victim, other := page.Students[0], page.Students[1]
		id := agreementOf(t, s, e, victim, "UE de la victime")
		obj := objects{uai: e.UAI, studentID: victim.ID, agreementID: id}
		self := activateStudent(t, s, victim)
		users := map[string]*apptest.User{
			"another student":   activateStudent(t, s, other),
			"another referent":  s.CreateUser("ref.autre", authz.Membership{Role: authz.RoleReferent, EstablishmentID: e.ID}),
			"disability office": s.CreateUser("handi.autre", authz.Membership{Role: authz.RoleDisabilityOffice, EstablishmentID: e.ID}),
			"pilotage":          s.CreateUser("pilot.bravo", authz.Membership{Role: authz.RolePilotage, EstablishmentID: e.ID}),
		}
		markers := []string{victim.EleveID, victim.LastName, "UE de la victime", "extra_exam_time"}
		n := 0
		for _, pattern := range agreementRoutes {
			method, path, _ := strings.Cut(pattern, " ")
			if !strings.Contains(path, "{id}") {
				continue
			}
			n++
			target := cases[pattern](obj)
			for who, u := range users {
				status, body := probe(t, s, u, method, target)
				if status != http.StatusForbidden && status != http.StatusNotFound {
					t.Errorf("%s as %s: %s answered %d", pattern, who, target, status)
				}
				for _, m := range markers {
					if strings.Contains(body, m) {
						t.Errorf("%s as %s: the answer contains %q", pattern, who, m)
					}
				}
			}
		}
		if n < 5 {
			t.Fatalf("only %d routes probed", n)
		}
		status, body := probe(t, s, self, "GET", fmt.Sprintf("/api/v1/establishments/%s/agreements/%d", e.UAI, id))
		if status != http.StatusOK || !strings.Contains(body, "UE de la victime") {
			t.Fatalf("the student reads his own: %d %s", status, body)
		}
	})
}
