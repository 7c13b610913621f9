package pdfdoc

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

var generated = time.Date(2026, 11, 23, 13, 5, 0, 0, time.UTC)

func newDoc(t *testing.T) *Doc {
	t.Helper()
	d, err := New(Options{Title: "Essai", Lang: "fr-FR", Generated: generated, Left: 15, Top: 20, Right: 15, Bottom: 280,
		AutoPageBreak: true, Uncompressed: true})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestFooterNumbersPages: the footer's stand-ins become each page's number and the page
// count; the same characters in a text print as spaces.
func TestFooterNumbersPages(t *testing.T) {
	d := newDoc(t)
	d.Footer(PageH-13, "page "+PageNumber+"/"+PageCount+" — généré", "à droite "+PageNumber)
	for range 3 {
		d.PDF.AddPage()
		d.Field("Nom", "Zoé "+PageCount+" "+PageNumber)
	}
	var buf bytes.Buffer
	if err := d.Output(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"(page 1/3 \x97 g\xe9n\xe9r\xe9)", "(page 3/3 \x97 g\xe9n\xe9r\xe9)", "(\xe0 droite 2)", "(Zo\xe9  nb   page )"} {
		if !strings.Contains(out, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	if !strings.Contains(out, "/CreationDate (D:20261123130500)") {
		t.Error("creation date is not the generation date")
	}
}

// TestOutputIsAllOrNothing: a document that failed writes nothing.
func TestOutputIsAllOrNothing(t *testing.T) {
	d := newDoc(t)
	d.PDF.AddPage()
	d.PDF.SetError(errors.New("broken"))
	var buf bytes.Buffer
	if err := d.Output(&buf); err == nil || buf.Len() != 0 {
		t.Fatalf("Output = %v, %d bytes written", err, buf.Len())
	}
	if _, err := New(Options{}); err == nil {
		t.Error("a document without a generation date was started")
	}
}

// TestTableRepeatsItsHeader: a table running over pages repeats its caption and header,
// and a row is never split.
func TestTableRepeatsItsHeader(t *testing.T) {
	d := newDoc(t)
	d.PDF.AddPage()
	tb := &Table{Caption: d.Text("Résultats"), Continued: d.Text(" (suite)"), Cols: []Column{{Head: "Code", W: 30, Align: "L"}, {Head: "Valeur", W: 150, Align: "L"}}}
	for range 120 {
		d.Row(tb, []Cell{{Text: "C1"}, {Text: "Bien", Bar: true, Rank: 1, Scale: 4}})
	}
	var buf bytes.Buffer
	if err := d.Output(&buf); err != nil {
		t.Fatal(err)
	}
	pages := bytes.Count(buf.Bytes(), []byte("/Type /Page\n"))
	if pages < 2 || strings.Count(buf.String(), "(Code)") != pages || strings.Count(buf.String(), "(R\xe9sultats \\(suite\\))") != pages-1 {
		t.Errorf("%d pages, %d headers, %d captions", pages, strings.Count(buf.String(), "(Code)"), strings.Count(buf.String(), "(R\xe9sultats \\(suite\\))"))
	}
}
