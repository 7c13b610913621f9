package api_test

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
)

// TestJuryMinutesAPI: a jury member writes the minutes of a session, the programme
// director rewrites them, both read them; a too long text and a bad date get their
// codes; a student is refused.
func TestJuryMinutesAPI(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		const uai = "0691998X"
		name, higher := "École", establishment.SectorHigher
		e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name, Sector: &higher})
		if err != nil {
			t.Fatal(err)
		}
		op := authz.OperatorPrincipal()
		if _, err := s.App.Highered.SaveProgramme(ctx, op, uai, highered.Programme{Code: "ING", Label: "Ingénieur", DurationYears: 3}); err != nil {
			t.Fatal(err)
		}
		c, err := s.App.Highered.SaveCohort(ctx, op, uai, highered.CohortInput{ProgrammeCode: "ING", Code: "ING-2099", EntryYear: 2096, GraduationYear: 2099, JuryDate: "2099-07-01"})
		if err != nil {
			t.Fatal(err)
		}
		jury := s.Token(s.CreateUser("jury.api", authz.Membership{Role: authz.RoleJury, EstablishmentID: e.ID}))
		director := s.Token(s.CreateUser("dir.api", authz.Membership{Role: authz.RoleProgrammeDirector, EstablishmentID: e.ID}))
		pupil := s.Token(s.CreateUser("etu.api", authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.ID}))
		base := fmt.Sprintf("/api/v1/establishments/%s/cohorts/%d/minutes", uai, c.ID)
		var m graduation.Minutes
		if r := s.Do("PUT", base+"/2099-07-01", jury, map[string]any{"text": "Délibération : 20 admis."}, &m); r.StatusCode != 200 || m.SessionDate != "2099-07-01" {
			t.Fatalf("jury writes: %d %+v", r.StatusCode, m)
		}
		if r := s.Do("PUT", base+"/2099-07-01", director, map[string]any{"text": "Délibération : 21 admis."}, &m); r.StatusCode != 200 {
			t.Fatalf("director rewrites: %d", r.StatusCode)
		}
		var list struct{ Minutes []graduation.Minutes }
		if r := s.Do("GET", base, jury, nil, &list); r.StatusCode != 200 || len(list.Minutes) != 1 || list.Minutes[0].Text != "Délibération : 21 admis." {
			t.Fatalf("jury reads: %d %+v", r.StatusCode, list)
		}
		var eb errorBody
		wantError(t, s.Do("PUT", base+"/2099-07-01", jury, map[string]any{"text": strings.Repeat("x", 4001)}, &eb), eb, http.StatusBadRequest, "too_long")
		wantError(t, s.Do("PUT", base+"/01-07-2099", jury, map[string]any{"text": "x"}, &eb), eb, http.StatusBadRequest, "invalid_session_date")
		wantError(t, s.Do("GET", base, pupil, nil, &eb), eb, http.StatusForbidden, "forbidden")
		wantError(t, s.Do("PUT", base+"/2099-07-01", pupil, map[string]any{"text": "x"}, &eb), eb, http.StatusForbidden, "forbidden")
	})
}
