package blob

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

// minimalPDF is a complete one-page PDF, as small as a PDF gets.
const minimalPDF = "%PDF-1.4\n" +
	"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n" +
	"trailer<</Root 1 0 R>>\n%%EOF\n"

// zipOf returns a ZIP archive written by archive/zip holding the given files (none:
// the 22-byte empty archive).
func zipOf(t testing.TB, files map[string]string, method uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSniff(t *testing.T) {
	junk := func(n int) string { return strings.Repeat("\x00junk", n)[:n] }
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
	for _, tc := range []struct {
		name string
		head []byte
		want string // "" for not ok
	}{
		{"minimal PDF", []byte(minimalPDF), TypePDF},
		{"PDF 2.0 header alone", []byte("%PDF-2.0"), TypePDF},
		{"PDF after a BOM", []byte("\xef\xbb\xbf" + minimalPDF), TypePDF},
		{"PDF after a blank line", []byte("\r\n" + minimalPDF), TypePDF},
		{"PDF after a BOM and spaces", []byte("\xef\xbb\xbf \t\r\n\f\x00" + minimalPDF), TypePDF},
		{"PDF after 16 bytes of preamble", []byte(strings.Repeat(" ", 16) + minimalPDF), TypePDF},
		{"PDF after 17 bytes of preamble", []byte(strings.Repeat(" ", 17) + minimalPDF), ""},
		{"PDF after junk", []byte(junk(500) + minimalPDF), ""},
		{"PDF after one junk byte", []byte("x" + minimalPDF), ""},
		{"PDF header at offset 1023", []byte(junk(1023) + minimalPDF), ""},
		{"PDF header at offset 1024", []byte(junk(1024) + minimalPDF), ""},
		// Issue 8, finding 5: a page that mentions %PDF- early is still a page.
		{"HTML holding a PDF header", []byte("<html><body><script>alert(document.cookie)</script><!-- %PDF-1.4 --></body></html>"), ""},
		{"HTML then a PDF", []byte("<script>alert(1)</script>\n" + minimalPDF), ""},
		{"SVG holding a PDF header", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><!-- %PDF-1.7 --></svg>`), ""},
		{"XML prolog then a PDF", []byte(`<?xml version="1.0"?>` + minimalPDF), ""},
		{"a tag in the preamble", []byte(" <" + minimalPDF), ""},
		{"BOM then a tag", []byte("\xef\xbb\xbf<" + minimalPDF), ""},
		{"half a BOM", []byte("\xef\xbb" + minimalPDF), ""},
		{"lower-case header", []byte("%pdf-1.4"), ""},
		{"ZIP with a file", zipOf(t, map[string]string{"rapport.txt": "bonjour"}, zip.Deflate), TypeZIP},
		{"empty ZIP", zipOf(t, nil, zip.Deflate), TypeZIP},
		{"ZIP holding a stored PDF", zipOf(t, map[string]string{"a.pdf": minimalPDF}, zip.Store), TypeZIP},
		// The name plays no part: these are the bytes of a PDF a student renamed.
		{"PDF renamed .zip", []byte(minimalPDF), TypePDF},
		{"PK alone", []byte("PK"), ""},
		{"PK and half a signature", []byte("PK\x03"), ""},
		{"spanned ZIP marker", []byte("PK\x07\x08"), ""},
		{"ZIP signature not at the start", []byte(" PK\x03\x04"), ""},
		{"HTML", []byte("<!DOCTYPE html><html><head><title>rapport.pdf</title></head><body></body></html>"), ""},
		{"HTML with a script", []byte("<script>alert(1)</script>"), ""},
		{"PNG", []byte(png), TypePNG},
		{"JPEG", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), TypeJPEG},
		{"HEIC", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), ""},
		{"plain text", []byte("Rapport de stage"), ""},
		{"empty", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Sniff(tc.head)
			if got != tc.want || ok != (tc.want != "") {
				t.Fatalf("Sniff = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}

func TestSniffLen(t *testing.T) {
	head := []byte(strings.Repeat(" ", 16) + "%PDF-")
	if len(head) != SniffLen {
		t.Fatalf("SniffLen = %d, want %d", SniffLen, len(head))
	}
	if _, ok := Sniff(head); !ok {
		t.Fatal("a header ending at SniffLen is missed")
	}
}

func FuzzSniff(f *testing.F) {
	f.Add([]byte(minimalPDF))
	f.Add(zipOf(f, nil, zip.Deflate))
	f.Add([]byte("PK"))
	f.Add([]byte("<html>"))
	f.Fuzz(func(t *testing.T, head []byte) {
		typ, ok := Sniff(head)
		if ok != (typ == TypePDF || typ == TypeZIP) || (!ok && typ != "") {
			t.Fatalf("Sniff = %q, %v", typ, ok)
		}
		// Bytes after the window change nothing.
		more := append(append([]byte(nil), head...), "%PDF-"...)
		if len(head) >= SniffLen {
			if typ2, ok2 := Sniff(more); typ2 != typ || ok2 != ok {
				t.Fatalf("bytes past SniffLen changed the result: %q → %q", typ, typ2)
			}
		}
	})
}
