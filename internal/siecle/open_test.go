package siecle

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type zipEntry struct {
	name string
	data []byte
}

func makeZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func openBytes(b []byte, maxSize int64) (io.ReadCloser, error) {
	return OpenReader(bytes.NewReader(b), int64(len(b)), maxSize)
}

func TestOpenReader(t *testing.T) {
	smp := sample(t)
	nomen := []byte(`<?xml version="1.0"?><BEE_NOMENCLATURES/>`)
	tests := []struct {
		name    string
		data    []byte
		wantErr error // nil: the sample must be read
		msg     string
	}{
		{"plain XML", smp, nil, ""},
		{"zip with the XML", makeZip(t, zipEntry{"ElevesSansAdresses.xml", smp}), nil, ""},
		{"zip with the XML in a folder and a readme", makeZip(t,
			zipEntry{"export/", nil}, zipEntry{"LISEZMOI.txt", []byte("bonjour")},
			zipEntry{"__MACOSX/export/._ElevesSansAdresses.xml", []byte("junk")},
			zipEntry{"export/ElevesSansAdresses.XML", smp}), nil, ""},
		{"zip with the XML and the nomenclature", makeZip(t,
			zipEntry{"Nomenclature.xml", nomen}, zipEntry{"ElevesSansAdresses.xml", smp}), nil, ""},
		{"zip with two student exports", makeZip(t,
			zipEntry{"ElevesSansAdresses.xml", smp}, zipEntry{"ElevesAvecAdresses.xml", smp}), ErrZipContent, "plusieurs fichiers XML"},
		{"zip without XML", makeZip(t, zipEntry{"eleves.csv", []byte("a;b")}), ErrZipContent, "eleves.csv"},
		{"empty zip", makeZip(t), ErrZipContent, "vide"},
		{"PDF", []byte("%PDF-1.7\n..."), ErrNotXML, "PDF"},
		{"CSV", []byte("NOM;PRENOM\nDURAND;Léa\n"), ErrNotXML, "ni un document XML ni une archive ZIP"},
		{"empty", nil, ErrNotXML, "vide"},
		{"UTF-16", []byte{0xFF, 0xFE, '<', 0}, ErrNotXML, "UTF-16"},
		{"gzip", []byte{0x1F, 0x8B, 8, 0}, ErrNotXML, "gzip"},
		{"broken zip", []byte("PK\x03\x04garbage"), zip.ErrFormat, "archive ZIP illisible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := openBytes(tt.data, 0)
			if tt.wantErr != nil {
				var fe *FileError
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("err = %v, want %v containing %q", err, tt.wantErr, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			c := &collected{}
			if err := Read(rc, c.handler()); err != nil {
				t.Fatal(err)
			}
			checkSample(t, c, 0)
		})
	}
}

func TestOpenFile(t *testing.T) {
	dir := t.TempDir()
	zipped := filepath.Join(dir, "export.bin") // the name does not matter
	if err := os.WriteFile(zipped, makeZip(t, zipEntry{"ElevesSansAdresses.xml", sample(t)}), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"testdata/ElevesSansAdresses.example.xml", zipped} {
		rc, err := Open(name)
		if err != nil {
			t.Fatal(err)
		}
		c := &collected{}
		if err := Read(rc, c.handler()); err != nil {
			t.Fatal(err)
		}
		checkSample(t, c, 0)
		if err := rc.Close(); err != nil {
			t.Error(err)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing.xml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestOpenSizeCap(t *testing.T) {
	smp := sample(t)
	// Plain XML over the cap.
	if _, err := openBytes(smp, 100); !errors.Is(err, ErrTooLarge) {
		t.Errorf("plain: %v", err)
	}
	// A zip bomb: 8 MiB of spaces compress to a few KiB.
	bomb := append(append([]byte{}, smp[:200]...), bytes.Repeat([]byte(" "), 8<<20)...)
	z := makeZip(t, zipEntry{"ElevesSansAdresses.xml", bomb})
	if len(z) > 64<<10 {
		t.Fatalf("bomb is %d bytes", len(z))
	}
	if _, err := openBytes(z, 1<<20); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "limite") {
		t.Errorf("declared size over the cap: %v", err)
	}
	// Exactly at the cap is fine.
	rc, err := openBytes(makeZip(t, zipEntry{"e.xml", smp}), int64(len(smp)))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(rc); err != nil || !bytes.Equal(b, smp) {
		t.Errorf("at the cap: %d bytes, %v", len(b), err)
	}
}

// TestCapped checks the guard against archives that lie about their size.
func TestCapped(t *testing.T) {
	c := &capped{rc: io.NopCloser(strings.NewReader(strings.Repeat("x", 1000))), left: 100, max: 100, name: "e.xml"}
	b, err := io.ReadAll(c)
	if !errors.Is(err, ErrTooLarge) || len(b) != 100 {
		t.Errorf("read %d bytes, err %v", len(b), err)
	}
	c = &capped{rc: io.NopCloser(strings.NewReader(strings.Repeat("x", 100))), left: 100, max: 100, name: "e.xml"}
	if b, err := io.ReadAll(c); err != nil || len(b) != 100 {
		t.Errorf("exact: read %d bytes, err %v", len(b), err)
	}
	// Through Read, the error is a FileError that still says ErrTooLarge.
	smp := sample(t)
	c = &capped{rc: io.NopCloser(bytes.NewReader(smp)), left: 500, max: 500, name: "e.xml"}
	err = Read(c, nil)
	var fe *FileError
	if !errors.As(err, &fe) || !errors.Is(err, ErrTooLarge) {
		t.Errorf("Read through cap: %v", err)
	}
}
