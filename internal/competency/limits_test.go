package competency_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/student"
)

// wantTooLong fails unless err is the too_long error naming field.
func wantTooLong(t *testing.T, what string, err error, field string) {
	t.Helper()
	if apperr.CodeOf(err) != "too_long" || apperr.KindOf(err) != apperr.KindInvalid || !strings.HasPrefix(apperr.As(err).Message, field+":") {
		t.Errorf("%s: %.200v, want too_long naming %q", what, err, field)
	}
}

// TestEvaluationLimits: every text of an evaluation has a limit counted in characters
// (accents count one), the error names the field, and a save holds a bounded number of
// results and comments (issue 8, finding 6; docs/limits.md).
func TestEvaluationLimits(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		const uai = "0691234S"
		name := "Lycée des Canuts"
		if _, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name}); err != nil {
			t.Fatal(err)
		}
		var gen bytes.Buffer
		if err := siecle.Generate(&gen, siecle.GenOptions{UAI: uai, Students: 3, Seed: 8}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Importer.Siecle(ctx, authz.OperatorPrincipal(), uai, importer.Source{Name: "e.xml", R: bytes.NewReader(gen.Bytes()), Size: int64(gen.Len())}, false); err != nil {
			t.Fatal(err)
		}
		list, err := s.App.Students.List(ctx, authz.OperatorPrincipal(), uai, student.Filter{Limit: 3})
		if err != nil || len(list.Students) == 0 {
			t.Fatalf("students: %v", err)
		}
		st := list.Students[0].ID
		op := authz.OperatorPrincipal()
		base := func() competency.Input {
			return competency.Input{Title: "Câblage", Date: "2026-10-12", Level: "première", Class: "1MELEC", Diploma: "BACPRO-MELEC"}
		}
		big := strings.Repeat("x", 400_000)

		// Too long, each field named.
		for _, tc := range []struct {
			field string
			edit  func(*competency.Input)
		}{
			{"title", func(in *competency.Input) { in.Title = strings.Repeat("é", competency.MaxTitle+1) }},
			{"level", func(in *competency.Input) { in.Level = big }},
			{"class", func(in *competency.Input) { in.Class = big }},
			{"diploma", func(in *competency.Input) { in.Diploma = big }},
			{"results[0].competency", func(in *competency.Input) {
				in.Results = []competency.Result{{StudentID: st, Competency: strings.Repeat("C", 5000), Value: "A"}}
			}},
			{"results[1].value", func(in *competency.Input) {
				in.Results = []competency.Result{{StudentID: st, Competency: "C1", Value: "A"}, {StudentID: st, Competency: "C2", Value: big}}
			}},
			{"comments[0].text", func(in *competency.Input) {
				in.Comments = []competency.Comment{{StudentID: st, Text: strings.Repeat("é", competency.MaxComment+1)}}
			}},
		} {
			in := base()
			tc.edit(&in)
			_, err := s.App.Competencies.Create(ctx, op, uai, in)
			wantTooLong(t, tc.field, err, tc.field)
		}
		// A hundred 5 KB competency codes: refused at the first, and the message stays short.
		in := base()
		for range 100 {
			in.Results = append(in.Results, competency.Result{StudentID: st, Competency: strings.Repeat("C", 5000), Value: "A"})
		}
		_, err = s.App.Competencies.Create(ctx, op, uai, in)
		wantTooLong(t, "100 long codes", err, "results[0].competency")
		if len(apperr.As(err).Message) > 200 {
			t.Errorf("the message echoes the input: %d bytes", len(apperr.As(err).Message))
		}

		// At the limit, in characters: accepted.
		in = base()
		in.Title = strings.Repeat("é", competency.MaxTitle)
		in.Level = strings.Repeat("é", competency.MaxLevel)
		in.Class = strings.Repeat("é", competency.MaxClass)
		in.Comments = []competency.Comment{{StudentID: st, Text: strings.Repeat("é", competency.MaxComment)}}
		ev, err := s.App.Competencies.Create(ctx, op, uai, in)
		if err != nil {
			t.Fatalf("at the limits: %v", err)
		}

		// Saves: the same limits, and bounded counts.
		_, err = s.App.Competencies.SaveResults(ctx, op, uai, ev.ID, nil, []competency.Comment{{StudentID: st, Text: big}})
		wantTooLong(t, "save: comment", err, "comments[0].text")
		many := make([]competency.Result, competency.MaxResults+1)
		for i := range many {
			many[i] = competency.Result{StudentID: st, Competency: "C1", Value: "A"}
		}
		if _, err := s.App.Competencies.SaveResults(ctx, op, uai, ev.ID, many, nil); apperr.CodeOf(err) != "too_many" || !strings.HasPrefix(apperr.As(err).Message, "results:") {
			t.Errorf("%d results in one save: %v", len(many), err)
		}
		comments := make([]competency.Comment, competency.MaxComments+1)
		for i := range comments {
			comments[i] = competency.Comment{StudentID: st, Text: "Bien"}
		}
		if _, err := s.App.Competencies.SaveResults(ctx, op, uai, ev.ID, nil, comments); apperr.CodeOf(err) != "too_many" || !strings.HasPrefix(apperr.As(err).Message, "comments:") {
			t.Errorf("%d comments in one save: %v", len(comments), err)
		}
		in = base()
		in.Results = many
		if _, err := s.App.Competencies.Create(ctx, op, uai, in); apperr.CodeOf(err) != "too_many" {
			t.Errorf("%d results in one creation: %v", len(many), err)
		}
		// Nothing of the refused saves was written.
		got, err := s.App.Competencies.Get(ctx, op, uai, ev.ID)
		if err != nil || len(got.Results) != 0 || len(got.Comments) != 1 || got.Comments[0].Text != strings.Repeat("é", competency.MaxComment) {
			t.Errorf("after the refused saves: %d results, %d comments, %v", len(got.Results), len(got.Comments), err)
		}
	})
}
