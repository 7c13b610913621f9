package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

// withStudents starts a server with an establishment of three students.
func withStudents(t *testing.T) (*apptest.Server, []student.Student) {
	t.Helper()
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	if _, err := s.App.Establishments.Create(ctx, authz.Operator, establishmentInput("0691234S", "Lycée des Canuts")); err != nil {
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
	return s, list.Students
}

// TestSituationErrorsInTheReadersLanguage: the errors of a situation sheet and of its
// files are written in the page's language, French or English, with what is wrong
// (issue 9: they were English on French pages).
func TestSituationErrorsInTheReadersLanguage(t *testing.T) {
	s, students := withStudents(t)
	me := students[0]
	c := s.Browser()
	login(t, s, c, s.Activate(me.AccountID))
	page := fmt.Sprintf("%s/establishments/0691234S/students/%d/situations", s.URL, me.ID)
	p := fetch(t, c, "GET", page, nil)
	if q := fetch(t, c, "POST", page, url.Values{"csrf": {p.csrf(t)}, "level": {"bac"}, "title": {"Stage"}}); q.status != http.StatusSeeOther {
		t.Fatalf("create: %d", q.status)
	}
	sits, err := s.App.Passports.Situations(context.Background(), authz.OperatorPrincipal(), "0691234S", me.ID)
	if err != nil || len(sits) != 1 {
		t.Fatalf("sheets: %v", err)
	}
	attach := fmt.Sprintf("%s/%d/attachments", page, sits[0].ID)
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	zw.Create("../../.bashrc")
	zw.Close()
	many := strings.TrimSuffix(strings.Repeat("C1,", 101), ",")

	for _, tc := range []struct {
		lang          string
		want, notWant []string
	}{
		{"fr", []string{
			"Situation refusée : donnez-lui un intitulé ou une description.",
			"Texte trop long : Contexte, plus de 500 caractères.",
			"Trop d&#39;éléments en une fois : Compétences mobilisées, plus de 100.",
			"Archive ZIP refusée, rien n&#39;a été enregistré : le fichier « ../../.bashrc » de plans.zip sort de son dossier (..).",
		}, []string{"a situation needs", "more than", "leaves its folder", "not a readable"}},
		{"en", []string{
			"Situation rejected: give it a title or a description.",
			"Text too long: Context, more than 500 characters.",
			"Too many items at once: Competencies involved, more than 100.",
			"ZIP archive rejected, nothing was saved: the file “../../.bashrc” of plans.zip leaves its folder (..).",
		}, []string{"Situation refusée", "Texte trop long", "Trop d&#39;éléments", "Archive ZIP refusée", "sort de son dossier"}},
	} {
		fetch(t, c, "GET", s.URL+"/lang/"+tc.lang+"?back=/", nil)
		var got []string
		p := fetch(t, c, "GET", page, nil)
		for _, form := range []url.Values{
			{"level": {"bac"}, "title": {" "}, "description": {" "}},
			{"level": {"bac"}, "title": {"Stage"}, "context": {strings.Repeat("x", 501)}},
			{"level": {"bac"}, "title": {"Stage"}, "competencies": {many}},
		} {
			form.Set("csrf", p.csrf(t))
			q := fetch(t, c, "POST", page, form)
			if q.status != http.StatusBadRequest {
				t.Errorf("%s: %v: %d", tc.lang, form, q.status)
			}
			got = append(got, q.body)
		}
		q := uploadForm(t, c, attach, p.csrf(t), nil, "plans.zip", zbuf.Bytes())
		if q.status != http.StatusUnsupportedMediaType {
			t.Errorf("%s: archive: %d", tc.lang, q.status)
		}
		got = append(got, q.body)
		for i, w := range tc.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%s: page %d lacks %q", tc.lang, i, w)
			}
			for _, n := range tc.notWant {
				if strings.Contains(got[i], n) {
					t.Errorf("%s: page %d says %q", tc.lang, i, n)
				}
			}
		}
	}
}

// TestGridErrorInThePageLanguage: what the entry grid's script shows when a save is
// refused is in the page's language (it was the API's English).
func TestGridErrorInThePageLanguage(t *testing.T) {
	s, students := withStudents(t)
	ev, err := s.App.Competencies.Create(context.Background(), authz.OperatorPrincipal(), "0691234S", competency.Input{
		Title: "Câblage", Date: "2026-10-12", Class: students[0].Class, Diploma: "BACPRO-MELEC"})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := s.App.Establishments.ByUAI(context.Background(), "0691234S")
	c := s.Browser()
	login(t, s, c, s.CreateUser("admin.canuts", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: e.ID}))
	grid := fmt.Sprintf("%s/establishments/0691234S/evaluations/%d", s.URL, ev.ID)
	for lang, want := range map[string]string{
		"fr": "Résultats refusés, rien n'a été enregistré : la valeur ZZZ n'est pas sur l'échelle du référentiel BACPRO-MELEC",
		"en": "Results rejected, nothing was saved: the value ZZZ is not on the scale of the referential BACPRO-MELEC",
	} {
		fetch(t, c, "GET", s.URL+"/lang/"+lang+"?back=/", nil)
		p := fetch(t, c, "GET", grid, nil)
		if p.status != 200 {
			t.Fatalf("grid: %d", p.status)
		}
		body := fmt.Sprintf(`{"results":[{"student_id":%d,"competency":"C1","value":"ZZZ"}]}`, students[0].ID)
		req, _ := http.NewRequest("POST", grid+"/cells", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", p.csrf(t))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var answer struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if err := json.Unmarshal(b, &answer); err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: %d %s", lang, resp.StatusCode, b)
		}
		if answer.Error.Code != "invalid_results" || !strings.HasPrefix(answer.Error.Message, want) {
			t.Errorf("%s: %+v, want %q…", lang, answer.Error, want)
		}
	}
}
