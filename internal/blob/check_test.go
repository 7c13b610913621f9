package blob

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// zipWith returns an archive holding one entry per header, each with a short body.
func zipWith(t testing.TB, headers ...*zip.FileHeader) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, h := range headers {
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if h.Mode()&fs.ModeDir == 0 {
			fmt.Fprintf(w, "contenu de %s", h.Name)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func symlink(name string) *zip.FileHeader {
	h := &zip.FileHeader{Name: name}
	h.SetMode(fs.ModeSymlink | 0o777)
	return h
}

func dir(name string) *zip.FileHeader {
	h := &zip.FileHeader{Name: name}
	h.SetMode(fs.ModeDir | 0o755)
	return h
}

// TestDetect: a PDF must start like one; a ZIP must be an archive whose directory
// archive/zip reads, and whose entries stay inside the folder they are extracted to
// (issue 8, finding 5).
func TestDetect(t *testing.T) {
	good := zipOf(t, map[string]string{"rapport.txt": "bonjour", "photos/chantier.jpg": "\xff\xd8\xff"}, zip.Deflate)
	for _, tc := range []struct {
		name    string
		content []byte
		want    string // content type; "" when refused
		err     error  // the refusal
	}{
		{"PDF", []byte(minimalPDF), TypePDF, nil},
		{"ZIP", good, TypeZIP, nil},
		{"empty ZIP", zipOf(t, nil, zip.Deflate), TypeZIP, nil},
		{"ZIP with folders", zipWith(t, dir("rapport/"), &zip.FileHeader{Name: "rapport/annexe.pdf"}), TypeZIP, nil},
		{"ZIP with accents and a colon", zipWith(t, &zip.FileHeader{Name: "Compte rendu 10:30 élève.pdf"}), TypeZIP, nil},
		{"HTML", []byte("<html><script>alert(1)</script>%PDF-1.4</html>"), "", ErrUnsupported},
		{"empty", nil, "", ErrUnsupported},
		{"ZIP signature then junk", []byte("PK\x03\x04<html><script>alert(1)</script></html>"), "", ErrBadArchive},
		{"ZIP cut short", good[:len(good)-30], "", ErrBadArchive},
		{"ZIP with its directory damaged", damage(good), "", ErrBadArchive},
		{"empty-archive marker then HTML", []byte("PK\x05\x06<html></html>"), "", ErrBadArchive},
		{"entry going up", zipWith(t, &zip.FileHeader{Name: "../../.bashrc"}), "", ErrBadArchive},
		{"entry going up midway", zipWith(t, &zip.FileHeader{Name: "rapport/../../x"}), "", ErrBadArchive},
		{"absolute entry", zipWith(t, &zip.FileHeader{Name: "/etc/cron.d/x"}), "", ErrBadArchive},
		{"backslashes", zipWith(t, &zip.FileHeader{Name: "..\\..\\Startup\\x.bat"}), "", ErrBadArchive},
		{"drive letter", zipWith(t, &zip.FileHeader{Name: "C:/Windows/x.dll"}), "", ErrBadArchive},
		{"control character", zipWith(t, &zip.FileHeader{Name: "a\x00.pdf"}), "", ErrBadArchive},
		{"empty name", zipWith(t, &zip.FileHeader{Name: ""}), "", ErrBadArchive},
		{"symbolic link", zipWith(t, symlink("lien")), "", ErrBadArchive},
		{"JPEG photo", jpegOf(t, 40, 30), TypeJPEG, nil},
		{"PNG photo", pngOf(t, 40, 30), TypePNG, nil},
		{"JPEG cut to its signature", []byte("\xff\xd8\xff\xe0<html></html>"), "", ErrBadImage},
		{"PNG signature then HTML", []byte("\x89PNG\r\n\x1a\n<script>alert(1)</script>"), "", ErrBadImage},
		{"HEIC photo", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), "", ErrHEIC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typ, err := Detect(bytes.NewReader(tc.content), int64(len(tc.content)))
			if typ != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("Detect = %q, %v; want %q, %v", typ, err, tc.want, tc.err)
			}
			// A refused archive says why with a reason the pages can word.
			var why *ArchiveError
			if tc.err == ErrBadArchive && (!errors.As(err, &why) || !slices.Contains(ArchiveReasons, why.Reason)) {
				t.Errorf("%v: no known reason (%+v)", err, why)
			}
		})
	}
}

// damage overwrites the signature of the archive's first central directory header.
func damage(z []byte) []byte {
	out := bytes.Clone(z)
	i := bytes.Index(out, []byte("PK\x01\x02"))
	copy(out[i:], "XXXX")
	return out
}

// TestDetectManyEntries: an archive's directory is read within a fixed budget, so that a
// file of a few MiB listing hundreds of thousands of entries cannot make the server
// build them all in memory.
func TestDetectManyEntries(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range maxZIPEntries + 1 {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprint(i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	if _, err := Detect(bytes.NewReader(buf.Bytes()), int64(buf.Len())); !errors.Is(err, ErrBadArchive) || !strings.Contains(err.Error(), "entries") {
		t.Fatalf("%d entries: %v", maxZIPEntries+1, err)
	}

	// A directory past the budget is refused before it is all read: the memory used
	// stays bounded whatever the file holds.
	buf.Reset()
	zw = zip.NewWriter(&buf)
	long := strings.Repeat("n", 60000)
	for i := range 40 {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprint(i) + long, Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Detect(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrBadArchive) {
		t.Fatalf("a directory of %d bytes: %v", 40*60046, err)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 4*maxZIPDirectory {
		t.Fatalf("reading a hostile directory allocated %d bytes", grown)
	}
}

// TestFileName: a stored name has the extension of its content and nothing that could
// disguise it or leave its folder.
func TestFileName(t *testing.T) {
	for _, tc := range []struct{ name, typ, want string }{
		{"rapport.pdf", TypePDF, "rapport.pdf"},
		{"Rapport de stage.PDF", TypePDF, "Rapport de stage.PDF"},
		{"plans.zip", TypeZIP, "plans.zip"},
		{"evil.html", TypePDF, "evil.pdf"},
		{"evil.svg", TypePDF, "evil.pdf"},
		{"evil.html", TypeZIP, "evil.zip"},
		{"rapport.pdf", TypeZIP, "rapport.zip"},
		{"rapport", TypePDF, "rapport.pdf"},
		{"rapport v1.2", TypePDF, "rapport v1.2.pdf"},
		{"archive.tar.gz", TypeZIP, "archive.tar.zip"},
		{"facture\u202Efdp.exe", TypePDF, "facturefdp.pdf"},
		{"photo\u202Egnp.pdf", TypePDF, "photognp.pdf"},
		{"zéro\u200Blargeur\u2066.pdf", TypePDF, "zérolargeur.pdf"},
		{"\ufeffbom.pdf", TypePDF, "bom.pdf"},
		{"ligne\r\nsuivante\t.pdf", TypePDF, "lignesuivante.pdf"},
		{"a\u2028b.pdf", TypePDF, "ab.pdf"},
		{"../../etc/passwd", TypePDF, "passwd.pdf"},
		{"C:\\Users\\léa\\Rapport.pdf", TypePDF, "Rapport.pdf"},
		{"dossier/", TypePDF, "dossier.pdf"},
		{"a:b*c?.pdf", TypePDF, "a_b_c_.pdf"},
		{"<script>.pdf", TypePDF, "_script_.pdf"},
		{"..", TypePDF, "fichier.pdf"},
		{".pdf", TypePDF, "fichier.pdf"},
		{"...", TypeZIP, "fichier.zip"},
		{"", TypePDF, "fichier.pdf"},
		{"\u202E", TypePDF, "fichier.pdf"},
		{"  .rapport.pdf.  ", TypePDF, "rapport.pdf"},
		{"CON.pdf", TypePDF, "CON_.pdf"},
		{"nul", TypeZIP, "nul_.zip"},
		{"bad\xffutf8.pdf", TypePDF, "badutf8.pdf"},
		{strings.Repeat("é", 300) + ".pdf", TypePDF, strings.Repeat("é", MaxFileName-4) + ".pdf"},
	} {
		if got := FileName(tc.name, tc.typ); got != tc.want {
			t.Errorf("FileName(%q, %s) = %q, want %q", tc.name, tc.typ, got, tc.want)
		}
	}
}

func FuzzFileName(f *testing.F) {
	for _, s := range []string{"rapport.pdf", "evil.html", "a\u202Eb", "../x", "", "CON"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		for _, typ := range []string{TypePDF, TypeZIP} {
			got := FileName(name, typ)
			ext := map[string]string{TypePDF: ".pdf", TypeZIP: ".zip"}[typ]
			if !strings.EqualFold(got[len(got)-4:], ext) || len([]rune(got)) > MaxFileName || got[0] == '.' {
				t.Fatalf("FileName(%q) = %q", name, got)
			}
			if strings.ContainsAny(got, "/\\\x00\r\n\t\u202E\u200B\ufeff") {
				t.Fatalf("FileName(%q) = %q", name, got)
			}
			if FileName(got, typ) != got {
				t.Fatalf("FileName is not stable: %q → %q → %q", name, got, FileName(got, typ))
			}
		}
	})
}

func jpegOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
