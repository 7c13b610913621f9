package isolation

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/student"
)

func init() {
	uai := func(path string) func(objects) string {
		return func(b objects) string { return "/api/v1/establishments/" + b.uai + path }
	}
	page := func(path string) func(objects) string {
		return func(b objects) string { return "/establishments/" + b.uai + path }
	}
	cohort := func(prefix, suffix string) func(objects) string {
		return func(b objects) string {
			return fmt.Sprintf("%s/establishments/%s/cohorts/%d%s", prefix, b.uai, b.cohortID, suffix)
		}
	}
	st := func(prefix, suffix string) func(objects) string {
		return func(b objects) string {
			return fmt.Sprintf("%s/establishments/%s/students/%d/graduation%s", prefix, b.uai, b.studentID, suffix)
		}
	}
	item := func(prefix, suffix string) func(objects) string {
		return func(b objects) string {
			return fmt.Sprintf("%s/establishments/%s/students/%d/graduation/items/%d%s", prefix, b.uai, b.studentID, b.itemID, suffix)
		}
	}
	for pattern, build := range map[string]func(objects) string{
		"GET /api/v1/establishments/{uai}/programmes":                                    uai("/programmes"),
		"POST /api/v1/establishments/{uai}/programmes":                                   uai("/programmes"),
		"GET /api/v1/establishments/{uai}/cohorts":                                       uai("/cohorts"),
		"POST /api/v1/establishments/{uai}/cohorts":                                      uai("/cohorts"),
		"GET /api/v1/establishments/{uai}/cohorts/{id}/rules":                            cohort("/api/v1", "/rules"),
		"PUT /api/v1/establishments/{uai}/cohorts/{id}/rules/{code}":                     cohort("/api/v1", "/rules/TOEIC"),
		"GET /api/v1/establishments/{uai}/cohorts/{id}/matrix":                           cohort("/api/v1", "/matrix"),
		"GET /api/v1/establishments/{uai}/cohorts/{id}/minutes":                          cohort("/api/v1", "/minutes"),
		"PUT /api/v1/establishments/{uai}/cohorts/{id}/minutes/{date}":                   cohort("/api/v1", "/minutes/2027-07-01"),
		"GET /establishments/{uai}/cohorts/{id}/minutes":                                 cohort("", "/minutes"),
		"POST /establishments/{uai}/cohorts/{id}/minutes":                                cohort("", "/minutes"),
		"GET /api/v1/establishments/{uai}/graduation/queue":                              uai("/graduation/queue"),
		"POST /api/v1/establishments/{uai}/imports/registrar":                            uai("/imports/registrar"),
		"GET /api/v1/establishments/{uai}/students/{id}/graduation":                      st("/api/v1", ""),
		"POST /api/v1/establishments/{uai}/students/{id}/graduation/items/{iid}/actions": item("/api/v1", "/actions"),
		"POST /api/v1/establishments/{uai}/students/{id}/graduation/items/{iid}/proof":   item("/api/v1", "/proof"),
		"GET /api/v1/establishments/{uai}/students/{id}/graduation/items/{iid}/proof":    item("/api/v1", "/proof"),
		"GET /api/v1/establishments/{uai}/students/{id}/graduation/items/{iid}/history":  item("/api/v1", "/history"),
		"GET /api/v1/establishments/{uai}/cohorts/{id}/matrix.xlsx":                      cohort("/api/v1", "/matrix.xlsx"),
		"POST /api/v1/establishments/{uai}/cohorts/{id}/matrix.xlsx":                     cohort("/api/v1", "/matrix.xlsx"),
		"GET /api/v1/establishments/{uai}/cohorts/{id}/prejury.pdf":                      cohort("/api/v1", "/prejury.pdf"),
		"GET /api/v1/establishments/{uai}/students/{id}/graduation.pdf":                  st("/api/v1", ".pdf"),
		"GET /establishments/{uai}/cohorts/{id}/matrix.xlsx":                             cohort("", "/matrix.xlsx"),
		"GET /establishments/{uai}/cohorts/{id}/matrix.csv":                              cohort("", "/matrix.csv"),
		"POST /establishments/{uai}/cohorts/{id}/matrix.xlsx":                            cohort("", "/matrix.xlsx"),
		"GET /establishments/{uai}/cohorts/{id}/prejury.pdf":                             cohort("", "/prejury.pdf"),
		"GET /establishments/{uai}/students/{id}/graduation.pdf":                         st("", ".pdf"),
		"GET /establishments/{uai}/graduation":                                           page("/graduation"),
		"POST /establishments/{uai}/graduation/programmes":                               page("/graduation/programmes"),
		"POST /establishments/{uai}/graduation/cohorts":                                  page("/graduation/cohorts"),
		"GET /establishments/{uai}/graduation/queue":                                     page("/graduation/queue"),
		"POST /establishments/{uai}/graduation/registrar":                                page("/graduation/registrar"),
		"GET /establishments/{uai}/cohorts/{id}":                                         cohort("", ""),
		"GET /establishments/{uai}/cohorts/{id}/rules":                                   cohort("", "/rules"),
		"POST /establishments/{uai}/cohorts/{id}/rules":                                  cohort("", "/rules"),
		"GET /establishments/{uai}/students/{id}/graduation":                             st("", ""),
		"POST /establishments/{uai}/students/{id}/graduation/items/{iid}":                item("", ""),
		"POST /establishments/{uai}/students/{id}/graduation/items/{iid}/proof":          item("", "/proof"),
		"GET /establishments/{uai}/students/{id}/graduation/items/{iid}/proof":           item("", "/proof"),
	} {
		cases[pattern] = build
		graduationRoutes = append(graduationRoutes, pattern)
	}
}

// graduationRoutes are the routes of higher education and graduation, for
// TestGraduationStudentSeesOnlyHimself.
var graduationRoutes []string

// graduationOf makes establishment e one of higher education with a programme, a cohort
// (code cohortCode), a rule (label ruleLabel) and the given students in the cohort; the
// first student deposits a proof named proofName. It returns the cohort and the first
// student's item.
func graduationOf(t *testing.T, s *apptest.Server, e establishment.Establishment, cohortCode, ruleLabel, proofName string, students []int64) (cohortID, itemID int64) {
	t.Helper()
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	higher := establishment.SectorHigher
	if _, err := s.App.Establishments.Update(ctx, authz.Operator, establishment.Input{UAI: e.UAI, Sector: &higher}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Highered.SaveProgramme(ctx, op, e.UAI, highered.Programme{Code: "ING", Label: "Ingénieur", DurationYears: 3}); err != nil {
		t.Fatal(err)
	}
	c, err := s.App.Highered.SaveCohort(ctx, op, e.UAI, highered.CohortInput{ProgrammeCode: "ING", Code: cohortCode, EntryYear: 2024, GraduationYear: 2027, JuryDate: "2027-07-01"})
	if err != nil {
		t.Fatal(err)
	}
	ms := make([]highered.Member, len(students))
	for i, id := range students {
		ms[i] = highered.Member{StudentID: id, CohortID: c.ID, YearOfStudy: 3}
	}
	if err := s.App.DB.Tx(ctx, func(ctx context.Context) error { return s.App.Highered.SetMembers(ctx, e.ID, ms) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Graduation.SaveRule(ctx, op, e.UAI, c.ID, graduation.Rule{Code: "TOEIC", Label: ruleLabel, Category: "language", Mandatory: true, Deadline: "2027-06-01"}); err != nil {
		t.Fatal(err)
	}
	cl, err := s.App.Graduation.Checklist(ctx, op, e.UAI, students[0])
	if err != nil || len(cl.Items) != 1 {
		t.Fatalf("checklist: %v", err)
	}
	if _, err := s.App.Graduation.SubmitProof(ctx, op, e.UAI, students[0], cl.Items[0].ID, proofName, strings.NewReader("%PDF-1.4\n%%EOF\n"), graduation.Change{}); err != nil {
		t.Fatal(err)
	}
	return c.ID, cl.Items[0].ID
}

// TestGraduationStudentSeesOnlyHimself: in one establishment, a student probes every
// route of graduation with another student's ids (his checklist, items, proof, history,
// and the staff's pages): 403 or 404, and nothing of the other student in the answer.
// His own checklist and proof answer 200, so the probe can tell.
func TestGraduationStudentSeesOnlyHimself(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		name := "École Bravo"
		e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: "0381234K", Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		importFile(t, s, e.UAI, 0, 6)
		page, err := s.App.Students.List(ctx, authz.OperatorPrincipal(), e.UAI, student.Filter{Status: "active", Limit: 2})
		if err != nil || len(page.Students) < 2 {
			t.Fatal(err)
		}
		other, me := page.Students[0], page.Students[1]
		cohortID, otherItem := graduationOf(t, s, e, "PROMO-BRAVO", "Règle Bravo", "preuve-de-lautre.pdf", []int64{other.ID, me.ID})
		// The other student's proof was refused with a reason only he may read.
		if _, err := s.App.Graduation.Act(ctx, authz.OperatorPrincipal(), e.UAI, other.ID, otherItem,
			graduation.Change{Action: graduation.Refuse, Reason: "Motif secret de l'autre"}); err != nil {
			t.Fatal(err)
		}
		u := activateStudent(t, s, me)
		// His own: visible.
		cl, err := s.App.Graduation.Checklist(ctx, &authz.Principal{AccountID: u.ID, Roles: []authz.Membership{{Role: authz.RoleStudent, EstablishmentID: e.ID}}}, e.UAI, me.ID)
		if err != nil || len(cl.Items) != 1 {
			t.Fatalf("own checklist: %v", err)
		}
		for _, path := range []string{fmt.Sprintf("/api/v1/establishments/%s/students/%d/graduation", e.UAI, me.ID),
			fmt.Sprintf("/establishments/%s/students/%d/graduation", e.UAI, me.ID), "/me/graduation", "/api/v1/me/graduation"} {
			if status, _ := probe(t, s, u, "GET", path); status != http.StatusOK {
				t.Errorf("own %s: %d", path, status)
			}
		}
		obj := objects{uai: e.UAI, studentID: other.ID, cohortID: cohortID, itemID: otherItem}
		markers := []string{other.Login, other.LastName, "preuve-de-lautre", "Motif secret de l'autre"}
		for _, pattern := range graduationRoutes {
			method, _, _ := strings.Cut(pattern, " ")
			path := cases[pattern](obj)
			status, body := probe(t, s, u, method, path)
			if status != http.StatusForbidden && status != http.StatusNotFound {
				t.Errorf("%s as a student of the same school: %s %s answered %d", pattern, method, path, status)
			}
			for _, m := range markers {
				if strings.Contains(body, m) {
					t.Errorf("%s: the answer contains the other student's %q", pattern, m)
				}
			}
		}
		// Nor do his own pages show anything of the other.
		for _, path := range []string{"/me/graduation", "/api/v1/me/graduation"} {
			_, body := probe(t, s, u, "GET", path)
			for _, m := range markers {
				if strings.Contains(body, m) {
					t.Errorf("%s contains the other student's %q", path, m)
				}
			}
		}
	})
}
