package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/store"
)

// TestBadGridCSVStaysOnTheGrid: a grid file that cannot be used is refused on the grid
// page itself, with its line, not on an error page; a file with bad lines is taken in
// part and its problems are listed with their lines.
func TestBadGridCSVStaysOnTheGrid(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	e, list := school(t, s, 5, 4)
	refs, _ := s.App.Competencies.Referentials(ctx)
	ref := refs[0]
	ev, err := s.App.Competencies.Create(ctx, op, e.UAI, competency.Input{Title: "Grille", Date: "2026-10-20", Class: list[0].Class, Diploma: ref.Code})
	if err != nil {
		t.Fatal(err)
	}
	teacher := s.CreateUser("prof.grille", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.ID})
	c := s.Browser()
	login(t, s, c, teacher)
	grid := fmt.Sprintf("%s/establishments/%s/evaluations/%d", s.URL, e.UAI, ev.ID)
	p := fetch(t, c, "GET", grid, nil)
	q := uploadForm(t, c, grid+"/grid.csv", p.csrf(t), nil, "grille.csv", []byte("nom;prenom\nDUPONT;Léa\n"))
	if q.status != http.StatusBadRequest || !strings.Contains(q.body, `id="grid"`) || !strings.Contains(q.body, "Fichier refusé") || !strings.Contains(q.body, "ligne 1") {
		t.Fatalf("a file without eleve_id: %d\n%s", q.status, q.body)
	}
	csv := "eleve_id;nom;prenom;" + ref.Competencies[0].Code + "\n999999;INCONNU;Personne;" + ref.Scale[0].Value + "\n"
	q = uploadForm(t, c, grid+"/grid.csv", p.csrf(t), nil, "grille.csv", []byte(csv))
	if q.status != http.StatusOK || !strings.Contains(q.body, `id="grid"`) || !strings.Contains(q.body, "Ligne 2, colonne") {
		t.Fatalf("a file with an unknown student: %d\n%s", q.status, q.body)
	}
	if !strings.Contains(q.body, "élève «\u00a0999999\u00a0» inconnu dans cette classe\u00a0: ligne ignorée") {
		t.Errorf("the problem is not told in French:\n%s", q.body)
	}
	// In English, the problems are in English.
	fetch(t, c, "GET", s.URL+"/lang/en?back=/", nil)
	csv += "999999;INCONNU;Personne;" + ref.Scale[0].Value + "\n" + list[0].EleveID + ";;;zz\n"
	q = uploadForm(t, c, grid+"/grid.csv", p.csrf(t), nil, "grille.csv", []byte(csv))
	for _, want := range []string{"Line 2, column eleve_id: student “999999” unknown in this class: line skipped",
		"Line 4, column " + ref.Competencies[0].Code + ": value “zz” is not on the scale ("} {
		if !strings.Contains(q.body, want) {
			t.Errorf("the English page lacks %q:\n%s", want, q.body)
		}
	}
	if strings.Contains(q.body, "inconnu") || strings.Contains(q.body, "ignorée") {
		t.Error("a problem is still in French on the English page")
	}
	// A refused file says why in English too.
	q = uploadForm(t, c, grid+"/grid.csv", p.csrf(t), nil, "grille.csv", []byte("nom;prenom\nDUPONT;Léa\n"))
	if q.status != http.StatusBadRequest || !strings.Contains(q.body, "line 1, column A: the first column must be “eleve_id” (found “nom”)") || strings.Contains(q.body, "première colonne") {
		t.Errorf("a file without eleve_id, in English: %d\n%s", q.status, q.body)
	}
}
