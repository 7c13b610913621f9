package isolation

import (
	"context"
	"fmt"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/schoolyear"
)

// The school year's routes (internal/web/schoolyear.go), probed with B's year, period,
// class, service, student and attestation.
func init() {
	exempt["GET /attestations/{token}"] = "a signed, revocable token any third party may open (public by design; forged tokens: schoolyear TestAttestation, web TestSchoolYearPages)"
	year := func(suffix string) func(b objects) string {
		return func(b objects) string { return fmt.Sprintf("/establishments/%s/year/%d%s", b.uai, b.yearID, suffix) }
	}
	for pattern, build := range map[string]func(b objects) string{
		"GET /establishments/{uai}/year":                       func(b objects) string { return "/establishments/" + b.uai + "/year" },
		"POST /establishments/{uai}/year":                      func(b objects) string { return "/establishments/" + b.uai + "/year" },
		"POST /establishments/{uai}/year/{id}/state":           year("/state"),
		"GET /establishments/{uai}/year/{id}/classes":          year("/classes"),
		"POST /establishments/{uai}/year/{id}/classes":         year("/classes"),
		"POST /establishments/{uai}/year/{id}/moves":           year("/moves"),
		"GET /establishments/{uai}/year/{id}/services":         year("/services"),
		"POST /establishments/{uai}/year/{id}/services":        year("/services"),
		"POST /establishments/{uai}/year/{id}/services/import": year("/services/import"),
		"GET /establishments/{uai}/year/{id}/pupils/new":       year("/pupils/new"),
		"POST /establishments/{uai}/year/{id}/pupils":          year("/pupils"),
		"GET /establishments/{uai}/year/{id}/results":          year("/results"),
		"POST /establishments/{uai}/year/{id}/results":         year("/results"),
		"GET /establishments/{uai}/year/{id}/campaign":         year("/campaign"),
		"POST /establishments/{uai}/year/{id}/campaign":        year("/campaign"),
		"POST /establishments/{uai}/periods/{id}": func(b objects) string {
			return fmt.Sprintf("/establishments/%s/periods/%d", b.uai, b.periodID)
		},
		"POST /establishments/{uai}/services/{sid}/delete": func(b objects) string {
			return fmt.Sprintf("/establishments/%s/services/%d/delete", b.uai, b.serviceID)
		},
		"GET /establishments/{uai}/students/{id}/file": func(b objects) string {
			return fmt.Sprintf("/establishments/%s/students/%d/file", b.uai, b.studentID)
		},
		"POST /establishments/{uai}/students/{id}/leave": func(b objects) string {
			return fmt.Sprintf("/establishments/%s/students/%d/leave", b.uai, b.studentID)
		},
		"POST /establishments/{uai}/students/{id}/attestations": func(b objects) string {
			return fmt.Sprintf("/establishments/%s/students/%d/attestations", b.uai, b.studentID)
		},
		"GET /establishments/{uai}/students/{id}/attestations/{aid}/pdf": func(b objects) string {
			return fmt.Sprintf("/establishments/%s/students/%d/attestations/%d/pdf", b.uai, b.studentID, b.attestationID)
		},
		"POST /establishments/{uai}/students/{id}/attestations/{aid}/revoke": func(b objects) string {
			return fmt.Sprintf("/establishments/%s/students/%d/attestations/%d/revoke", b.uai, b.studentID, b.attestationID)
		},
		"GET /api/v1/establishments/{uai}/years":  func(b objects) string { return "/api/v1/establishments/" + b.uai + "/years" },
		"POST /api/v1/establishments/{uai}/years": func(b objects) string { return "/api/v1/establishments/" + b.uai + "/years" },
		"GET /api/v1/establishments/{uai}/years/{id}/classes": func(b objects) string {
			return fmt.Sprintf("/api/v1/establishments/%s/years/%d/classes", b.uai, b.yearID)
		},
		"POST /api/v1/establishments/{uai}/years/{id}/classes": func(b objects) string {
			return fmt.Sprintf("/api/v1/establishments/%s/years/%d/classes", b.uai, b.yearID)
		},
		"GET /api/v1/establishments/{uai}/classes/{id}/pupils": func(b objects) string {
			return fmt.Sprintf("/api/v1/establishments/%s/classes/%d/pupils", b.uai, b.classID)
		},
		"GET /api/v1/establishments/{uai}/years/{id}/services": func(b objects) string {
			return fmt.Sprintf("/api/v1/establishments/%s/years/%d/services", b.uai, b.yearID)
		},
		"POST /api/v1/establishments/{uai}/years/{id}/services": func(b objects) string {
			return fmt.Sprintf("/api/v1/establishments/%s/years/%d/services", b.uai, b.yearID)
		},
		"POST /api/v1/establishments/{uai}/years/{id}/enrolments": func(b objects) string {
			return fmt.Sprintf("/api/v1/establishments/%s/years/%d/enrolments", b.uai, b.yearID)
		},
		"POST /api/v1/establishments/{uai}/periods/{id}/close": func(b objects) string {
			return fmt.Sprintf("/api/v1/establishments/%s/periods/%d/close", b.uai, b.periodID)
		},
		"GET /api/v1/establishments/{uai}/students/{id}/file": func(b objects) string {
			return fmt.Sprintf("/api/v1/establishments/%s/students/%d/file", b.uai, b.studentID)
		},
	} {
		cases[pattern] = build
	}
}

// schoolYearOf gives establishment e (secondary, its SIECLE file imported: it has a
// year) a class, a service and an attestation for studentID; it returns their ids and
// the markers that must never leak.
func schoolYearOf(t *testing.T, s *apptest.Server, e establishment.Establishment, studentID int64, b *objects) {
	t.Helper()
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	y, err := s.App.SchoolYear.CurrentYear(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.App.SchoolYear.SaveClass(ctx, op, e.UAI, y.ID, schoolyear.ClassInput{Code: "SECRET-B", Label: "Classe secrète Bravo"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.SchoolYear.Move(ctx, op, e.UAI, y.ID, []int64{studentID}, c.ID); err != nil {
		t.Fatal(err)
	}
	sv, err := s.App.SchoolYear.SaveTeaching(ctx, op, e.UAI, y.ID, schoolyear.TeachingInput{ClassCode: c.Code, SubjectCode: "SECRETB", SubjectLabel: "Matière secrète Bravo"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.App.SchoolYear.IssueAttestation(ctx, op, e.UAI, studentID)
	if err != nil {
		t.Fatal(err)
	}
	b.yearID, b.periodID, b.classID, b.serviceID, b.attestationID = y.ID, y.Periods[0].ID, c.ID, sv.ID, a.ID
	b.markers = append(b.markers, "Classe secrète Bravo", "SECRET-B", "Matière secrète Bravo")
}
