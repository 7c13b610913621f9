package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
)

func uploadForm(t *testing.T, c *http.Client, u, csrf string, fields map[string]string, name string, file []byte) page {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if csrf != "" {
		mw.WriteField("csrf", csrf)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", u, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(b), header: resp.Header}
}

func TestImportPagesAndLetters(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	e, err := s.App.Establishments.Create(context.Background(), authz.Operator, establishmentInput("0691234S", "Lycée des Canuts"))
	if err != nil {
		t.Fatal(err)
	}
	admin := s.CreateUser("admin.canuts", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: e.ID})
	c := s.Browser()
	login(t, s, c, admin)
	var gen bytes.Buffer
	if err := siecle.Generate(&gen, siecle.GenOptions{UAI: "0691234S", Students: 120, Seed: 3, LeftPercent: 10}); err != nil {
		t.Fatal(err)
	}
	imports := fetch(t, c, "GET", s.URL+"/establishments/0691234S/imports", nil)
	if imports.status != 200 || !strings.Contains(imports.body, `enctype="multipart/form-data"`) {
		t.Fatalf("imports page: %d", imports.status)
	}
	// Without the CSRF field the upload is refused.
	if p := uploadForm(t, c, s.URL+"/establishments/0691234S/imports", "", nil, "e.xml", gen.Bytes()); p.status != http.StatusForbidden {
		t.Fatalf("upload without CSRF: %d", p.status)
	}
	// A broken file: the page says what and where, nothing imported.
	p := uploadForm(t, c, s.URL+"/establishments/0691234S/imports", imports.csrf(t), nil, "broken.xml", gen.Bytes()[:gen.Len()/2])
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "ligne") {
		t.Fatalf("broken upload: %d\n%s", p.status, p.body)
	}
	p = uploadForm(t, c, s.URL+"/establishments/0691234S/imports", imports.csrf(t), map[string]string{"kind": "siecle"}, "ElevesSansAdresses.xml", gen.Bytes())
	if p.status != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", p.status, p.body)
	}
	report := fetch(t, c, "GET", s.URL+p.header.Get("Location"), nil)
	if report.status != 200 || !strings.Contains(report.body, `id="count-created">120<`) {
		t.Fatalf("report: %d\n%s", report.status, report.body)
	}
	dash := fetch(t, c, "GET", s.URL+"/establishments/0691234S", nil)
	if dash.status != 200 || !strings.Contains(dash.body, "/establishments/0691234S/letters") {
		t.Fatalf("dashboard: %d", dash.status)
	}
	list := fetch(t, c, "GET", s.URL+"/establishments/0691234S/students?status=active", nil)
	m := regexp.MustCompile(`href="/establishments/0691234S/students/(\d+)">`).FindStringSubmatch(list.body)
	if list.status != 200 || m == nil {
		t.Fatalf("students: %d", list.status)
	}
	st := fetch(t, c, "GET", s.URL+"/establishments/0691234S/students/"+m[1], nil)
	if st.status != 200 || !strings.Contains(st.body, "ELEVE_ID") {
		t.Fatalf("student page: %d\n%s", st.status, s.Logs.String())
	}
	// Letters for the first class with pending accounts.
	cm := regexp.MustCompile(`name="class" value="([^"]+)"`).FindStringSubmatch(dash.body)
	if cm == nil {
		t.Fatal("no class to print")
	}
	// First a confirmation, naming the students and the letters that stop working.
	conf := fetch(t, c, "POST", s.URL+"/establishments/0691234S/letters", url.Values{"csrf": {dash.csrf(t)}, "class": {cm[1]}})
	if conf.status != 200 || !strings.Contains(conf.body, `id="print-letters"`) || strings.Contains(conf.body, "cesser") {
		t.Fatalf("letters confirmation: %d\n%s", conf.status, conf.body[strings.Index(conf.body, "<main"):])
	}
	req, _ := http.NewRequest("POST", s.URL+"/establishments/0691234S/letters", strings.NewReader("csrf="+dash.csrf(t)+"&confirm=1&class="+url.QueryEscape(cm[1])))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) || bytes.Count(pdf, []byte("/Type /Page\n")) < 1 {
		t.Fatalf("class letters: %d, %d pages", resp.StatusCode, bytes.Count(pdf, []byte("/Type /Page\n")))
	}
	// Printed once, the letters are named as stopping to work if printed again.
	conf = fetch(t, c, "POST", s.URL+"/establishments/0691234S/letters", url.Values{"csrf": {dash.csrf(t)}, "class": {cm[1]}})
	if conf.status != 200 || !strings.Contains(conf.body, "courriers déjà imprimés cesseront de fonctionner") || !strings.Contains(conf.body, "ne fonctionnera plus") {
		t.Fatalf("letters confirmation after a print: %d", conf.status)
	}
}
