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
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/establishment"
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
			"Situation refusée\u00a0: donnez-lui un intitulé ou une description.",
			"Texte trop long\u00a0: Contexte, plus de 500 caractères.",
			"Trop d’éléments en une fois\u00a0: Compétences mobilisées, plus de 100.",
			"Archive ZIP refusée, rien n’a été enregistré\u00a0: le fichier «\u00a0../../.bashrc\u00a0» de plans.zip sort de son dossier (..).",
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
		"fr": "Résultats refusés, rien n’a été enregistré\u00a0: la valeur ZZZ n’est pas sur l’échelle du référentiel BACPRO-MELEC",
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

// TestTransferReasonsInTheReadersLanguage: why a transfer is impossible and why a
// diploma change moved nothing are written in the reader's language (issue 9: the job
// stored them as French sentences, which English pages showed in French).
func TestTransferReasonsInTheReadersLanguage(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	yes, no := true, false
	in := func(uai, name string, send, receive *bool) establishment.Input {
		i := establishmentInput(uai, name)
		i.TransfersSend, i.TransfersReceive = send, receive
		return i
	}
	a, err := s.App.Establishments.Create(ctx, authz.Operator, in("0691234S", "Lycée Alpha", &yes, &yes))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.App.Establishments.Create(ctx, authz.Operator, in("0381234K", "Lycée Bravo", &yes, &no))
	if err != nil {
		t.Fatal(err)
	}
	var fileA bytes.Buffer
	if err := siecle.Generate(&fileA, siecle.GenOptions{UAI: a.UAI, Students: 10, Seed: 1, Year: time.Now().Year()}); err != nil {
		t.Fatal(err)
	}
	importSiecle(t, s, a.UAI, fileA.Bytes())
	exit := time.Now().AddDate(0, 0, -10).Format("02/01/2006")
	left := fileA.Bytes()
	for _, k := range []int{3, 4} {
		re := regexp.MustCompile(`(?s)((?:<ELEVE .*?</ELEVE>\s*){` + fmt.Sprint(k) + `}<ELEVE .*?)(</ELEVE>)`)
		left = re.ReplaceAll(left, []byte("${1}<DATE_SORTIE>"+exit+"</DATE_SORTIE>${2}"))
	}
	importSiecle(t, s, a.UAI, left)
	importSiecle(t, s, b.UAI, oneStudent(t, b.UAI, 3, a.UAI, ""))
	importSiecle(t, s, b.UAI, oneStudent(t, b.UAI, 4, a.UAI, ""))
	if _, err := s.App.DB.Exec(ctx, `UPDATE students SET entry_date = $1 WHERE establishment_id = $2`, time.Now().AddDate(0, 0, -5).Format("2006-01-02"), b.ID); err != nil {
		t.Fatal(err)
	}
	// Person 4 now prepares another diploma.
	if _, err := s.App.DB.Exec(ctx, `UPDATE students SET mef = '12345678901' WHERE establishment_id = $1 AND eleve_id = (SELECT MAX(eleve_id) FROM students WHERE establishment_id = $1)`, b.ID); err != nil {
		t.Fatal(err)
	}
	if c, err := s.App.Transfers.RunTransfers(ctx); err != nil || c.Impossible != 1 || c.DiplomaChanged != 1 {
		t.Fatalf("counts %+v %v", c, err)
	}
	c := s.Browser()
	login(t, s, c, s.CreateUser("admin.b", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: b.ID}))
	for _, tc := range []struct {
		lang          string
		want, notWant []string
	}{
		{"fr", []string{"l’établissement d’accueil n’autorise pas la réception des données",
			"l’élève ne prépare plus le même diplôme (MEF ", " → 12345678901)\u00a0: les référentiels diffèrent, rien n’est transféré"},
			[]string{"does not allow", "no longer prepares"}},
		{"en", []string{"the new establishment does not allow receiving the data",
			"the student no longer prepares the same diploma (MEF ", " → 12345678901): the referentials differ, nothing is transferred"},
			[]string{"n&#39;autorise pas", "ne prépare plus", "référentiels"}},
	} {
		fetch(t, c, "GET", s.URL+"/lang/"+tc.lang+"?back=/", nil)
		p := fetch(t, c, "GET", s.URL+"/establishments/0381234K/transfers", nil)
		for _, w := range tc.want {
			if !strings.Contains(p.body, w) {
				t.Errorf("%s: the dashboard lacks %q", tc.lang, w)
			}
		}
		for _, n := range tc.notWant {
			if strings.Contains(p.body, n) {
				t.Errorf("%s: the dashboard says %q", tc.lang, n)
			}
		}
	}
}

// TestImportWarningsInTheReadersLanguage: the remarks of an import report are written
// in the reader's language (they were French on English pages).
func TestImportWarningsInTheReadersLanguage(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishmentInput("0691234S", "Lycée des Canuts"))
	if err != nil {
		t.Fatal(err)
	}
	file := []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BEE_ELEVES VERSION=\"2.1\">\n<PARAMETRES><UAJ>0691234S</UAJ></PARAMETRES>\n<DONNEES><ELEVES>\n" +
		"<ELEVE ELEVE_ID=\"1\"><NOM_DE_FAMILLE>DURAND</NOM_DE_FAMILLE><PRENOM>Léa</PRENOM><DATE_NAISS>31/02/2009</DATE_NAISS><CODE_MEF>24720002310</CODE_MEF></ELEVE>\n" +
		"</ELEVES></DONNEES></BEE_ELEVES>\n")
	rep, err := s.App.Importer.Siecle(ctx, authz.OperatorPrincipal(), "0691234S", importer.Source{Name: "e.xml", R: bytes.NewReader(file), Size: int64(len(file))}, false)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Browser()
	login(t, s, c, s.CreateUser("admin.canuts", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: e.ID}))
	for lang, want := range map[string][]string{
		"fr": {"INE absent\u00a0: l’élève ne pourra pas être retrouvé", "date invalide\u00a0: le &#34;31/02/2009&#34; n’existe pas dans le calendrier"},
		"en": {"INE missing: the student cannot be found in another establishment", "invalid date: &#34;31/02/2009&#34; does not exist in the calendar"},
	} {
		fetch(t, c, "GET", s.URL+"/lang/"+lang+"?back=/", nil)
		p := fetch(t, c, "GET", fmt.Sprintf("%s/establishments/0691234S/imports/%d", s.URL, rep.ImportID), nil)
		for _, w := range want {
			if !strings.Contains(p.body, w) {
				t.Errorf("%s: the report lacks %q", lang, w)
			}
		}
		if lang == "en" && (strings.Contains(p.body, "INE absent") || strings.Contains(p.body, "calendrier")) {
			t.Errorf("en: the report is in French")
		}
	}
}

// TestFileAndUAIErrorsInTheReadersLanguage: a SIECLE file of another establishment and
// a mistyped UAI are refused in the reader's language (the checks wrote French, inside
// an English frame for the UAI).
func TestFileAndUAIErrorsInTheReadersLanguage(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	if _, err := s.App.Establishments.Create(ctx, authz.Operator, establishmentInput("0691234S", "Lycée des Canuts")); err != nil {
		t.Fatal(err)
	}
	var other bytes.Buffer
	if err := siecle.Generate(&other, siecle.GenOptions{UAI: "0382032C", Students: 2, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	c := s.Browser()
	login(t, s, c, s.CreateUser("root", authz.Membership{Role: authz.RolePlatformAdmin}))
	for lang, want := range map[string][2]string{
		"fr": {"Import refusé\u00a0: fichier d’un autre établissement\u00a0: ce fichier est l’export SIECLE de l’établissement 0382032C, or vous importez pour l’établissement 0691234S",
			"UAI invalide\u00a0: &#34;0382032D&#34; a la lettre de contrôle D, la lettre attendue est C (code mal recopié\u00a0?)"},
		"en": {"Import rejected: a file of another establishment: this file is the SIECLE export of the establishment 0382032C, but you are importing for the establishment 0691234S",
			"invalid UAI: &#34;0382032D&#34; has the check letter D, the expected letter is C (a copying mistake?)"},
	} {
		fetch(t, c, "GET", s.URL+"/lang/"+lang+"?back=/", nil)
		p := fetch(t, c, "GET", s.URL+"/establishments/0691234S/imports", nil)
		q := uploadForm(t, c, s.URL+"/establishments/0691234S/imports", p.csrf(t), map[string]string{"kind": "siecle"}, "e.xml", other.Bytes())
		if !strings.Contains(q.body, want[0]) {
			t.Errorf("%s: another establishment's file: %d, no %q", lang, q.status, want[0])
		}
		p = fetch(t, c, "GET", s.URL+"/admin/establishments", nil)
		q = fetch(t, c, "POST", s.URL+"/admin/establishments", url.Values{"csrf": {p.csrf(t)}, "uai": {"0382032D"}, "name": {"Bad"}})
		if !strings.Contains(q.body, want[1]) {
			t.Errorf("%s: a mistyped UAI: %d, no %q", lang, q.status, want[1])
		}
	}
}
