package establishment_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
)

// TestEstablishmentLimits: an establishment's name, académie and kind have limits in
// characters, on creation and on update, and the error names the field (issue 8,
// finding 6; docs/limits.md).
func TestEstablishmentLimits(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		ptr := func(s string) *string { return &s }
		big := strings.Repeat("x", 400_000)
		for _, tc := range []struct {
			field string
			in    establishment.Input
		}{
			{"name", establishment.Input{Name: ptr(strings.Repeat("é", establishment.MaxName+1))}},
			{"academie", establishment.Input{Name: ptr("Lycée"), Academie: ptr(big)}},
			{"kind", establishment.Input{Name: ptr("Lycée"), Kind: ptr(big)}},
		} {
			tc.in.UAI = "0691234S"
			_, err := s.App.Establishments.Create(ctx, authz.Operator, tc.in)
			if apperr.CodeOf(err) != "too_long" || !strings.HasPrefix(apperr.As(err).Message, tc.field+":") {
				t.Errorf("create, %s: %.200v", tc.field, err)
			}
		}
		at := establishment.Input{UAI: "0691234S", Name: ptr(strings.Repeat("é", establishment.MaxName)),
			Academie: ptr(strings.Repeat("é", establishment.MaxAcademie)), Kind: ptr(strings.Repeat("é", establishment.MaxKind))}
		if _, err := s.App.Establishments.Create(ctx, authz.Operator, at); err != nil {
			t.Fatalf("at the limits: %v", err)
		}
		for _, tc := range []struct {
			field string
			in    establishment.Input
		}{
			{"name", establishment.Input{Name: ptr(big)}},
			{"academie", establishment.Input{Academie: ptr(big)}},
			{"kind", establishment.Input{Kind: ptr(strings.Repeat("é", establishment.MaxKind+1))}},
		} {
			tc.in.UAI = "0691234S"
			_, err := s.App.Establishments.Update(ctx, authz.Operator, tc.in)
			if apperr.CodeOf(err) != "too_long" || !strings.HasPrefix(apperr.As(err).Message, tc.field+":") {
				t.Errorf("update, %s: %.200v", tc.field, err)
			}
		}
		if e, err := s.App.Establishments.ByUAI(ctx, "0691234S"); err != nil || e.Name != *at.Name {
			t.Errorf("after the refused updates: %q, %v", e.Name, err)
		}
	})
}
