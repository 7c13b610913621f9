package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// TestFieldLimitsOnPages: an evaluation, a situation sheet, a grid imported from a
// file and an establishment's settings refuse a text over its limit on the pages, with
// the message naming the field, and store nothing of it (issue 8, finding 6).
func TestFieldLimitsOnPages(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishmentInput("0691234S", "Lycée des Canuts"))
	if err != nil {
		t.Fatal(err)
	}
	var gen bytes.Buffer
	if err := siecle.Generate(&gen, siecle.GenOptions{UAI: "0691234S", Students: 3, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Importer.Siecle(ctx, authz.OperatorPrincipal(), "0691234S", importer.Source{Name: "e.xml", R: bytes.NewReader(gen.Bytes()), Size: int64(gen.Len())}, false); err != nil {
		t.Fatal(err)
	}
	list, err := s.App.Students.List(ctx, authz.OperatorPrincipal(), "0691234S", student.Filter{Limit: 3})
	if err != nil || len(list.Students) == 0 {
		t.Fatalf("students: %v", err)
	}
	me := list.Students[0]
	big := strings.Repeat("x", 400_000)
	refused := func(what string, p page, field string) {
		t.Helper()
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Texte trop long\u00a0: "+field+", plus de") {
			t.Errorf("%s: %d, no message naming %q", what, p.status, field)
		}
		if strings.Contains(p.body, strings.Repeat("x", 1000)) && field != "Niveau" {
			t.Errorf("%s: the page echoes the text", what)
		}
	}

	admin := s.CreateUser("admin.canuts", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: e.ID})
	c := s.Browser()
	login(t, s, c, admin)
	evals := s.URL + "/establishments/0691234S/evaluations"
	p := fetch(t, c, "GET", evals, nil)
	refused("evaluation", fetch(t, c, "POST", evals, url.Values{"csrf": {p.csrf(t)}, "title": {"Câblage"}, "date": {"2026-10-12"},
		"level": {big}, "class": {me.Class}, "diploma": {"BACPRO-MELEC"}}), "Niveau")
	if got, _ := s.App.Competencies.List(ctx, authz.OperatorPrincipal(), "0691234S", competency.ListFilter{}); len(got) != 0 {
		t.Errorf("a refused evaluation was stored")
	}

	sits := fmt.Sprintf("%s/establishments/0691234S/students/%d/situations", s.URL, me.ID)
	p = fetch(t, c, "GET", sits, nil)
	refused("situation", fetch(t, c, "POST", sits, url.Values{"csrf": {p.csrf(t)}, "level": {"bac"}, "title": {"Stage"}, "context": {big}}), "Contexte")

	settings := s.URL + "/admin/establishments/0691234S"
	p = fetch(t, c, "GET", settings, nil)
	refused("establishment", fetch(t, c, "POST", settings, url.Values{"csrf": {p.csrf(t)}, "name": {big}}), "Nom")
	if got, _ := s.App.Establishments.ByUAI(ctx, "0691234S"); got.Name != "Lycée des Canuts" {
		t.Errorf("the name became %.40q", got.Name)
	}
}
