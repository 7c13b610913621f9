package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
)

// TestAttachmentTypesAndNames: through the API, a page holding "%PDF-" is refused, a
// ZIP must be an archive, a PDF named evil.html is stored and served as evil.pdf with
// its detected type and nosniff, and bidi overrides leave the name (issue 8, finding 5).
func TestAttachmentTypesAndNames(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		sc := newSchool(t, s, "0691234S", 0)
		st := sc.students[0]
		tok := s.Token(sc.pupil)
		base := fmt.Sprintf("/api/v1/establishments/0691234S/students/%d/situations", st.ID)
		var sit struct {
			ID int64 `json:"id"`
		}
		if resp := s.Do("POST", base, tok, map[string]any{"title": "Stage"}, &sit); resp.StatusCode != http.StatusCreated {
			t.Fatalf("situation: %d", resp.StatusCode)
		}
		type result struct {
			status int
			body   []byte
		}
		send := func(req *http.Request) result {
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return result{resp.StatusCode, b}
		}
		raw := func(name string, content []byte) result {
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s%s/%d/attachments?name=%s", s.URL, base, sit.ID, url.QueryEscape(name)), bytes.NewReader(content))
			req.Header.Set("Content-Type", "application/octet-stream")
			return send(req)
		}
		multi := func(name string, content []byte) result {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("file", name)
			fw.Write(content)
			mw.Close()
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s%s/%d/attachments", s.URL, base, sit.ID), &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			return send(req)
		}
		code := func(r result) string {
			var eb errorBody
			json.Unmarshal(r.body, &eb)
			return eb.Error.Code
		}
		html := []byte("<html><body><script>alert(document.cookie)</script><!-- %PDF-1.4 --></body></html>")
		if r := raw("evil.html", html); r.status != http.StatusUnsupportedMediaType || code(r) != "unsupported_file" {
			t.Errorf("HTML holding %%PDF-: %d %s", r.status, r.body)
		}
		if r := multi("evil.svg", []byte(`<svg onload="alert(1)"><!-- %PDF-1.7 --></svg>`)); r.status != http.StatusUnsupportedMediaType {
			t.Errorf("SVG holding %%PDF-: %d %s", r.status, r.body)
		}
		if r := raw("plans.zip", []byte("PK\x03\x04<html><script>alert(1)</script></html>")); r.status != http.StatusUnsupportedMediaType || code(r) != "invalid_archive" {
			t.Errorf("a ZIP signature before a page: %d %s", r.status, r.body)
		}
		var zbuf bytes.Buffer
		zw := zip.NewWriter(&zbuf)
		zw.Create("../../../tmp/x.sh")
		zw.Close()
		if r := multi("plans.zip", zbuf.Bytes()); r.status != http.StatusUnsupportedMediaType || code(r) != "invalid_archive" {
			t.Errorf("an archive going up: %d %s", r.status, r.body)
		}

		pdf := []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
		var a struct {
			ID          int64  `json:"id"`
			Name        string `json:"name"`
			ContentType string `json:"content_type"`
		}
		for _, tc := range []struct {
			name string
			send func(string, []byte) result
			want string
		}{
			{"evil.html", raw, "evil.pdf"},
			{"photo\u202Egnp.pdf", multi, "photognp.pdf"},
			{"rapport\u202Efdp.html", raw, "rapportfdp.pdf"},
		} {
			r := tc.send(tc.name, pdf)
			if err := json.Unmarshal(r.body, &a); r.status != http.StatusCreated || err != nil || a.Name != tc.want || a.ContentType != "application/pdf" {
				t.Errorf("%q: %d %s, want the name %q", tc.name, r.status, r.body, tc.want)
				continue
			}
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/establishments/0691234S/students/%d/attachments/%d", s.URL, st.ID, a.ID), nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			_, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
			if resp.Header.Get("Content-Type") != "application/pdf" || resp.Header.Get("X-Content-Type-Options") != "nosniff" || params["filename"] != tc.want {
				t.Errorf("download of %q: %v", tc.name, resp.Header)
			}
		}
	})
}
