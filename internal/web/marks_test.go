package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
)

// TestMarksPages: the teacher's grid saves as he types (JSON, CSRF in a header), refuses
// a mark above the maximum with a French message, imports a sheet (dry run, then
// applied); the council page, the report card (then its duplicate); the pupil's page
// shows his published card; another teacher cannot type in the grid.
func TestMarksPages(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		m := marksSchoolOf(t, s, "0691236U")
		tc := s.Browser()
		login(t, s, tc, m.Teacher)
		idx := fetch(t, tc, "GET", s.URL+"/establishments/"+m.UAI+"/marks", nil)
		if idx.status != 200 || !strings.Contains(idx.body, "Mathématiques — 3e Pentes") {
			t.Fatalf("index: %d\n%s", idx.status, idx.body)
		}
		grid := fetch(t, tc, "GET", s.URL+m.Grid, nil)
		if grid.status != 200 || !strings.Contains(grid.body, `data-assessment="`) || !strings.Contains(grid.body, "Fonctions") {
			t.Fatalf("grid: %d\n%s", grid.status, grid.body)
		}
		cells := func(csrf, value string) (int, string) {
			body, _ := json.Marshal(map[string]any{"marks": []map[string]any{{"student_id": m.Pupils[2].ID, "assessment_id": m.AssessmentID, "value": value}}})
			req, _ := http.NewRequest("POST", s.URL+m.Grid+"/cells", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-CSRF-Token", csrf)
			resp, err := tc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if st, _ := cells("", "7"); st != http.StatusForbidden {
			t.Fatalf("without CSRF: %d", st)
		}
		if st, body := cells(grid.csrf(t), "7,5"); st != 200 || !strings.Contains(body, `"saved": 1`) {
			t.Fatalf("save: %d %s", st, body)
		}
		if st, body := cells(grid.csrf(t), "11"); st != http.StatusBadRequest || !strings.Contains(body, "au-dessus du maximum") {
			t.Fatalf("above the maximum: %d %s", st, body)
		}
		// 7,5/10 → 15,00/20: the grid shows the average.
		if g := fetch(t, tc, "GET", s.URL+m.Grid, nil); !strings.Contains(g.body, `value="7,5"`) || !strings.Contains(g.body, "15,00") {
			t.Fatalf("after save:\n%s", g.body)
		}
		// The form without JavaScript.
		key := fmt.Sprintf("m-%d-%d", m.Pupils[0].ID, m.AssessmentID)
		if r := fetch(t, tc, "POST", s.URL+m.Grid, url.Values{"csrf": {grid.csrf(t)}, key: {"9"}}); r.status != http.StatusSeeOther {
			t.Fatalf("form save: %d %s", r.status, r.body)
		}
		// The template, then an import: a dry run, then applied.
		tpl := fetch(t, tc, "GET", s.URL+m.Grid+"/sheet.csv", nil)
		if tpl.status != 200 || !strings.Contains(tpl.body, fmt.Sprintf("Fonctions [#%d]", m.AssessmentID)) {
			t.Fatalf("template: %d\n%s", tpl.status, tpl.body)
		}
		sheet := strings.Replace(tpl.body, ";9\r\n", ";8,5\r\n", 1)
		upload := func(apply bool) page {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.WriteField("csrf", grid.csrf(t))
			if apply {
				mw.WriteField("apply", "1")
			}
			fw, _ := mw.CreateFormFile("file", "notes.csv")
			fw.Write([]byte(sheet))
			mw.Close()
			req, _ := http.NewRequest("POST", s.URL+m.Grid+"/sheet", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, err := tc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return page{status: resp.StatusCode, body: string(b)}
		}
		if r := upload(false); r.status != 200 || !strings.Contains(r.body, "Essai") || !strings.Contains(r.body, "8,5") {
			t.Fatalf("dry run: %d\n%s", r.status, r.body)
		}
		if r := upload(true); r.status != 200 || !strings.Contains(r.body, "Feuille enregistrée") || !strings.Contains(r.body, `value="8,5"`) {
			t.Fatalf("import: %d\n%s", r.status, r.body)
		}
		// The council of the locked period and a report card, then its duplicate.
		co := fetch(t, tc, "GET", s.URL+m.Council, nil)
		if co.status != 200 || !strings.Contains(co.body, "Bon semestre.") || !strings.Contains(co.body, "report-cards.zip") {
			t.Fatalf("council: %d\n%s", co.status, co.body)
		}
		card := fmt.Sprintf("%s%s/report-cards/%d.pdf", s.URL, m.Council, m.Pupils[0].ID)
		if r := fetch(t, tc, "GET", card, nil); r.status != 200 || !strings.HasPrefix(r.body, "%PDF") {
			t.Fatalf("card: %d", r.status)
		}
		if r := fetch(t, tc, "GET", s.URL+m.Council+"/report-cards.zip", nil); r.status != 200 || !strings.HasPrefix(r.body, "PK") {
			t.Fatalf("zip: %d", r.status)
		}
		// The pupil sees his marks and his published card; not another pupil's.
		pupil := s.Activate(m.Pupils[0].AccountID)
		pc := s.Browser()
		login(t, s, pc, pupil)
		mine := fetch(t, pc, "GET", s.URL+"/me/marks", nil)
		if mine.status != 200 || !strings.Contains(mine.body, "Équations") || !strings.Contains(mine.body, "15,5") || !strings.Contains(mine.body, "report-cards/") {
			t.Fatalf("my marks: %d\n%s", mine.status, mine.body)
		}
		if r := fetch(t, pc, "GET", card, nil); r.status != 200 {
			t.Fatalf("pupil's card: %d", r.status)
		}
		// His file ("fiche élève") has the marks' section.
		file := fetch(t, pc, "GET", fmt.Sprintf("%s/establishments/%s/students/%d/file", s.URL, m.UAI, m.Pupils[0].ID), nil)
		if file.status != 200 || !strings.Contains(file.body, "Notes et bulletins") || !strings.Contains(file.body, "Bulletin publié le") {
			t.Fatalf("pupil's file: %d\n%s", file.status, file.body)
		}
		other := fmt.Sprintf("%s%s/report-cards/%d.pdf", s.URL, m.Council, m.Pupils[1].ID)
		if r := fetch(t, pc, "GET", other, nil); r.status != http.StatusNotFound {
			t.Fatalf("another pupil's card: %d", r.status)
		}
		if r := fetch(t, pc, "GET", s.URL+m.Grid, nil); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			t.Fatalf("pupil reads the grid: %d", r.status)
		}
		// In English.
		if en := fetch(t, tc, "GET", s.URL+m.Grid, nil, "Cookie", "lang=en"); en.status != 200 || !strings.Contains(en.body, "New assessment") {
			t.Fatalf("English: %d", en.status)
		}
	})
}
