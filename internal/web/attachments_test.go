package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// TestAttachmentPagesCheckFiles: on the situations page, a page holding "%PDF-" and a
// hostile archive are refused with the reason; a PDF named evil.html is listed and
// downloaded as evil.pdf, typed application/pdf, with nosniff (issue 8, finding 5).
func TestAttachmentPagesCheckFiles(t *testing.T) {
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
	me := list.Students[0]
	c := s.Browser()
	login(t, s, c, s.Activate(me.AccountID))
	page := fmt.Sprintf("%s/establishments/0691234S/students/%d/situations", s.URL, me.ID)
	p := fetch(t, c, "GET", page, nil)
	if q := fetch(t, c, "POST", page, map[string][]string{"csrf": {p.csrf(t)}, "level": {"bac"}, "title": {"Stage"}}); q.status != http.StatusSeeOther {
		t.Fatalf("create: %d", q.status)
	}
	sits, err := s.App.Passports.Situations(ctx, authz.OperatorPrincipal(), "0691234S", me.ID)
	if err != nil || len(sits) != 1 {
		t.Fatalf("sheets: %v", err)
	}
	attach := fmt.Sprintf("%s/%d/attachments", page, sits[0].ID)

	p = fetch(t, c, "GET", page, nil)
	html := []byte("<html><body><script>alert(document.cookie)</script><!-- %PDF-1.4 --></body></html>")
	if q := uploadForm(t, c, attach, p.csrf(t), nil, "evil.html", html); q.status != http.StatusUnsupportedMediaType || !strings.Contains(q.body, "PDF") {
		t.Errorf("HTML holding %%PDF-: %d", q.status)
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	zw.Create("../../.bashrc")
	zw.Close()
	if q := uploadForm(t, c, attach, p.csrf(t), nil, "plans.zip", zbuf.Bytes()); q.status != http.StatusUnsupportedMediaType || !strings.Contains(q.body, "Archive ZIP refusée") || !strings.Contains(q.body, "../../.bashrc") {
		t.Errorf("an archive going up: %d\n%s", q.status, q.body)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
	if q := uploadForm(t, c, attach, p.csrf(t), nil, "evil\u202Elmth.html", pdf); q.status != http.StatusSeeOther {
		t.Fatalf("PDF: %d\n%s", q.status, q.body)
	}
	p = fetch(t, c, "GET", page, nil)
	if !strings.Contains(p.body, "evillmth.pdf") || strings.Contains(p.body, "\u202E") {
		t.Error("the file is not listed under its cleaned name")
	}
	sits, _ = s.App.Passports.Situations(ctx, authz.OperatorPrincipal(), "0691234S", me.ID)
	if len(sits[0].Attachments) != 1 {
		t.Fatalf("attachments: %+v", sits[0].Attachments)
	}
	d := fetch(t, c, "GET", fmt.Sprintf("%s/establishments/0691234S/students/%d/attachments/%d", s.URL, me.ID, sits[0].Attachments[0].ID), nil)
	_, params, _ := mime.ParseMediaType(d.header.Get("Content-Disposition"))
	if d.status != 200 || d.header.Get("Content-Type") != "application/pdf" || d.header.Get("X-Content-Type-Options") != "nosniff" || params["filename"] != "evillmth.pdf" {
		t.Errorf("download: %d %v", d.status, d.header)
	}
}
