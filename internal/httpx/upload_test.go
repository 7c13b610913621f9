package httpx

import (
	"bytes"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"testing"
)

// TestReceiveFileName: the name of an upload is the last component of what the client
// sent, "\" included (browsers on Windows may send the whole path).
func TestReceiveFileName(t *testing.T) {
	for sent, want := range map[string]string{
		"rapport.pdf":                        "rapport.pdf",
		`C:\Users\léa\Documents\rapport.pdf`: "rapport.pdf",
		"../../etc/passwd":                   "passwd",
		"..":                                 "upload",
		"":                                   "upload",
	} {
		for _, multi := range []bool{false, true} {
			var body bytes.Buffer
			req := httptest.NewRequest("POST", "/x?name="+url.QueryEscape(sent), &body)
			if multi {
				mw := multipart.NewWriter(&body)
				h := make(map[string][]string)
				h["Content-Disposition"] = []string{`form-data; name="file"; filename="` + sent + `"`}
				w, _ := mw.CreatePart(h)
				w.Write([]byte("contenu"))
				mw.Close()
				req = httptest.NewRequest("POST", "/x", &body)
				req.Header.Set("Content-Type", mw.FormDataContentType())
			} else {
				body.WriteString("contenu")
			}
			u, err := ReceiveFile(req, "file", t.TempDir(), 1<<20)
			if err != nil {
				t.Fatalf("%q: %v", sent, err)
			}
			if u.Name != want {
				t.Errorf("%q (multipart %v): name %q, want %q", sent, multi, u.Name, want)
			}
			u.Close()
		}
	}
}
