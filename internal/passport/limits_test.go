package passport_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/passport"
)

func wantTooLong(t *testing.T, what string, err error, field string) {
	t.Helper()
	if apperr.CodeOf(err) != "too_long" || apperr.KindOf(err) != apperr.KindInvalid || !strings.HasPrefix(apperr.As(err).Message, field+":") {
		t.Errorf("%s: %.200v, want too_long naming %q", what, err, field)
	}
}

// TestSituationLimits: every text of a situation sheet and of its assessment has a
// limit in characters, the error names the field, and nothing is written (issue 8,
// finding 6; docs/limits.md).
func TestSituationLimits(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		st, sit := sheet(t, s)
		op := authz.OperatorPrincipal()
		base := func() passport.SituationInput {
			return passport.SituationInput{Level: "bac", Title: "Stage", Context: "PFMP", Competencies: []string{"C1"}}
		}
		big := strings.Repeat("x", 400_000)
		for _, tc := range []struct {
			field string
			edit  func(*passport.SituationInput)
		}{
			{"context", func(in *passport.SituationInput) { in.Context = strings.Repeat("é", passport.MaxSituationText+1) }},
			{"period", func(in *passport.SituationInput) { in.Period = big }},
			{"company", func(in *passport.SituationInput) { in.Company = big }},
			{"title", func(in *passport.SituationInput) { in.Title = big }},
			{"description", func(in *passport.SituationInput) { in.Description = strings.Repeat("é", passport.MaxDescription+1) }},
			{"competencies[0]", func(in *passport.SituationInput) {
				// The reviewer's hundred 5 KB codes.
				in.Competencies = nil
				for range 100 {
					in.Competencies = append(in.Competencies, strings.Repeat("C", 5000))
				}
			}},
		} {
			in := base()
			tc.edit(&in)
			_, err := s.App.Passports.CreateSituation(ctx, op, uai, st.ID, in)
			wantTooLong(t, "create: "+tc.field, err, tc.field)
			_, err = s.App.Passports.UpdateSituation(ctx, op, uai, st.ID, sit.ID, in)
			wantTooLong(t, "update: "+tc.field, err, tc.field)
			if len(apperr.As(err).Message) > 200 {
				t.Errorf("%s: the message echoes the input", tc.field)
			}
		}
		// The level is "bac" or "bep": anything else is refused, without quoting it.
		in := base()
		in.Level = big
		if _, err := s.App.Passports.CreateSituation(ctx, op, uai, st.ID, in); apperr.CodeOf(err) != "invalid_level" || len(apperr.As(err).Message) > 200 {
			t.Errorf("a long level: %.200v", err)
		}
		in = base()
		in.Competencies = make([]string, passport.MaxSituationCompetencies+1)
		for i := range in.Competencies {
			in.Competencies[i] = fmt.Sprint("C", i)
		}
		if _, err := s.App.Passports.CreateSituation(ctx, op, uai, st.ID, in); apperr.CodeOf(err) != "too_many" || !strings.HasPrefix(apperr.As(err).Message, "competencies:") {
			t.Errorf("%d competencies: %v", len(in.Competencies), err)
		}

		// At the limits, counted in characters: accepted.
		in = base()
		in.Context, in.Period, in.Company, in.Title = strings.Repeat("é", passport.MaxSituationText), strings.Repeat("é", passport.MaxSituationText), strings.Repeat("é", passport.MaxSituationText), strings.Repeat("é", passport.MaxSituationText)
		in.Description = strings.Repeat("é", passport.MaxDescription)
		// A code at the length limit is refused only for not being in the referential
		// (issue 10): the length is checked first, then the referential.
		in.Competencies = []string{strings.Repeat("C", passport.MaxCompetencyCode)}
		if _, err := s.App.Passports.UpdateSituation(ctx, op, uai, st.ID, sit.ID, in); apperr.CodeOf(err) != "unknown_competency" {
			t.Fatalf("a code of %d characters not in the referential: %v", passport.MaxCompetencyCode, err)
		}
		refs, err := s.App.Passports.Referentials(ctx, st)
		if err != nil || len(refs) == 0 {
			t.Fatalf("the student's referentials: %v", err)
		}
		in.Competencies = []string{refs[0].Competencies[0].Code}
		if _, err := s.App.Passports.UpdateSituation(ctx, op, uai, st.ID, sit.ID, in); err != nil {
			t.Fatalf("at the limits: %v", err)
		}

		// The assessment.
		for _, tc := range []struct {
			field string
			a     passport.Assessment
		}{
			{"evaluator", passport.Assessment{Evaluator: strings.Repeat("é", passport.MaxEvaluator+1)}},
			{"result", passport.Assessment{Result: big}},
			{"comment", passport.Assessment{Comment: strings.Repeat("é", passport.MaxAssessmentComment+1)}},
		} {
			_, err := s.App.Passports.Assess(ctx, op, uai, st.ID, sit.ID, tc.a)
			wantTooLong(t, "assess: "+tc.field, err, tc.field)
		}
		a := passport.Assessment{Evaluator: strings.Repeat("é", passport.MaxEvaluator), Result: strings.Repeat("é", passport.MaxResult), Comment: strings.Repeat("é", passport.MaxAssessmentComment)}
		x, err := s.App.Passports.Assess(ctx, op, uai, st.ID, sit.ID, a)
		if err != nil || x.Comment != a.Comment {
			t.Fatalf("assessment at the limits: %v", err)
		}
	})
}
