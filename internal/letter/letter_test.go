package letter

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/pdfdoc"
	"github.com/cartable/cartable/internal/pdfdoc/pdftest"
)

// generated is 23 November 2026, 13:05 UTC; links expire a week later, 14:05 in Paris
// (UTC+1 in winter).
var generated = time.Date(2026, 11, 23, 13, 5, 0, 0, time.UTC)

func sample(n int) []Letter {
	out := make([]Letter, n)
	for i := range out {
		out[i] = Letter{
			Establishment: "Lycée Exemple",
			Login:         fmt.Sprintf("eleve.%02d", i+1),
			FullName:      fmt.Sprintf("Élève Numéro %d", i+1),
			Class:         "2nde 3",
			URL:           fmt.Sprintf("https://cartable.lycee-exemple.fr/inscription/%02d-Kq8vZr2mWx9TnB4sYd7LfP3hJc6GtA5e", i+1),
			ExpiresAt:     generated.Add(7 * 24 * time.Hour),
			Issuer:        "Lycée Exemple",
		}
	}
	return out
}

func render(t testing.TB, letters []Letter, o Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, letters, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var pageObject = regexp.MustCompile(`/Type /Page[^s]`)

// cp1252 is how s appears in the page content.
func cp1252(s string) string {
	return fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("cp1252")(pdfdoc.CoreFontText(s, false))
}

func TestWriteThreeLetters(t *testing.T) {
	letters := sample(3)
	pdf := render(t, letters, Options{Generated: generated, Title: "2nde 3 – rentrée 2026"})
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("starts with %q", pdf[:8])
	}
	if n := len(pageObject.FindAll(pdf, -1)); n != 3 {
		t.Fatalf("%d pages, want 3", n)
	}
	if bytes.Contains(pdf, []byte("(eleve.01)")) {
		t.Fatal("page content is not compressed")
	}
	text := pdftest.Text(pdf)
	for _, want := range []string{
		"(eleve.01)Tj", "(eleve.02)Tj", "(eleve.03)Tj",
		"(" + cp1252("Votre compte cartable") + ")",
		"(" + cp1252("Élève Numéro 2") + ")",
		"Page 1/3)", "Page 3/3)",
		cp1252("Document généré le 23\u00a0novembre 2026 à 14\u00a0h\u00a005"),
		cp1252("jusqu’au 30\u00a0novembre 2026 à"), cp1252("14\u00a0h\u00a005, heure de Paris"), // expiry in Paris time
		cp1252("2nde 3 – rentrée 2026"),
		"Ce document est personnel",
		cp1252("Lycée Exemple"),
		"/Title",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	if !strings.Contains(text, "/CreationDate (D:20261123130500)") {
		t.Error("creation date is not the generation date (UTC)")
	}
}

func TestUncompressedMatchesCompressed(t *testing.T) {
	var raw bytes.Buffer
	if err := write(&raw, sample(2), Options{Generated: generated}, false); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw.Bytes(), []byte("(Classe\xa0: 2nde 3)Tj")) {
		t.Fatal("the no-break space before the colon is lost")
	}
	if !bytes.Contains(raw.Bytes(), []byte("(eleve.02)Tj")) {
		t.Fatal("uncompressed output lacks the login")
	}
	if n := len(pageObject.FindAll(raw.Bytes(), -1)); n != 2 {
		t.Fatalf("%d pages, want 2", n)
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	o := Options{Generated: generated}
	// Several times: fpdf keeps resources in maps, whose order changes from run to run.
	a := render(t, sample(3), o)
	for range 5 {
		if !bytes.Equal(a, render(t, sample(3), o)) {
			t.Fatal("two renderings of the same input differ")
		}
	}
	o.Generated = generated.Add(time.Minute)
	if bytes.Equal(a, render(t, sample(3), o)) {
		t.Fatal("the generation date does not show in the output")
	}
}

func TestEmptyList(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, nil, Options{Generated: generated})
	if err == nil {
		t.Fatal("no error for an empty list")
	}
	if apperr.KindOf(err) != apperr.KindInvalid || !strings.Contains(err.Error(), "no letter to print") {
		t.Fatalf("err = %v, want an Invalid error saying there is no letter", err)
	}
	if buf.Len() != 0 {
		t.Fatal("output written despite the error")
	}
}

func TestInvalidLetters(t *testing.T) {
	long := "https://cartable.example.fr/e/" + strings.Repeat("x", maxURL)
	for _, tc := range []struct {
		name   string
		change func(*Letter, *Options)
		want   string
	}{
		{"no generation date", func(l *Letter, o *Options) { o.Generated = time.Time{} }, "Generated is required"},
		{"no login", func(l *Letter, o *Options) { l.Login = " " }, "no login"},
		{"login too long", func(l *Letter, o *Options) { l.Login = strings.Repeat("a", maxLogin+1) }, "login longer"},
		{"login outside cp1252", func(l *Letter, o *Options) { l.Login = "łukasz" }, "cannot print"},
		{"no URL", func(l *Letter, o *Options) { l.URL = "" }, "no enrolment URL"},
		{"URL not ASCII", func(l *Letter, o *Options) { l.URL = "https://exemple.fr/é/Kq8vZr2mWx9TnB4sYd7LfP3hJc6GtA5e" }, "visible ASCII"},
		{"URL with a space", func(l *Letter, o *Options) { l.URL = "https://exemple.fr/ Kq8vZr2mWx9TnB4sYd7LfP3hJc6GtA5e" }, "visible ASCII"},
		{"URL too long", func(l *Letter, o *Options) { l.URL = long }, "longer than 512 bytes"},
		{"no expiry", func(l *Letter, o *Options) { l.ExpiresAt = time.Time{} }, "no expiry"},
		{"already expired", func(l *Letter, o *Options) { l.ExpiresAt = generated }, "expires before"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			letters := sample(3)
			o := Options{Generated: generated}
			tc.change(&letters[1], &o)
			var buf bytes.Buffer
			err := Write(&buf, letters, o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if tc.name != "no generation date" && !strings.Contains(err.Error(), "letter 2 ") {
				t.Errorf("err = %v does not say which letter", err)
			}
			if strings.Contains(err.Error(), "Kq8vZr2mWx9TnB4sYd7LfP3hJc6GtA5e") || strings.Contains(err.Error(), "xxxxxxxx") {
				t.Errorf("err = %v quotes the secret link", err)
			}
			if buf.Len() != 0 {
				t.Error("output written despite the error")
			}
		})
	}
}

func TestAccentsAndCharactersOutsideCP1252(t *testing.T) {
	letters := sample(1)
	letters[0].FullName = "Zoé Lefèvre-Çağ Œdipe"
	letters[0].Class = "3ᵉ B"
	letters[0].Establishment = "Collège Łukasz-Đorđević 🏫"
	letters[0].Login = "zoe.lefevre"
	pdf := render(t, letters, Options{Generated: generated})
	text := pdftest.Text(pdf)
	for _, want := range []string{
		"Zo\xe9 Lef\xe8vre-\xc7ag \x8cdipe", // é è Ç kept, ğ → g, Œ kept (0x8C)
		"3e B",
		"Coll\xe8ge Lukasz-Dordevic ?",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("document lacks %q", want)
		}
	}
}

func TestFormatDate(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		lang string
		want string
	}{
		{generated.Add(7 * 24 * time.Hour), "fr", "30\u00a0novembre 2026 à 14\u00a0h\u00a005"},
		{time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC), "fr", "1er\u00a0décembre 2026 à 8\u00a0h\u00a030"},
		// Summer time, UTC+2: the day changes too.
		{time.Date(2026, 7, 14, 22, 0, 0, 0, time.UTC), "fr", "15\u00a0juillet 2026 à 0\u00a0h\u00a000"},
		{generated.Add(7 * 24 * time.Hour), "en", "30 November 2026 at 14:05"},
	} {
		if got := calendar.LongDateTime(tc.lang, tc.t); got != tc.want {
			t.Errorf("LongDateTime(%v, %s) = %q, want %q", tc.t, tc.lang, got, tc.want)
		}
	}
}

func TestLanguages(t *testing.T) {
	for _, tc := range []struct {
		lang, want, not string
	}{
		{"", "Votre compte cartable", "Your cartable account"},
		{"fr-FR", "Pour activer votre compte", "To activate"},
		{"de", "Pour activer votre compte", "To activate"},
		{"en", "Your cartable account", "Votre compte"},
		{"en-GB", "This document is personal: do not share it with anyone.", "Ce document"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			var raw bytes.Buffer
			if err := write(&raw, sample(1), Options{Lang: tc.lang, Generated: generated}, false); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(raw.String(), tc.want) || strings.Contains(raw.String(), tc.not) {
				t.Errorf("Lang %q: want %q and not %q", tc.lang, tc.want, tc.not)
			}
		})
	}
}

// The page draws every run, about 60 mm wide, on the 1/100 pt grid.
func TestQRIsDrawnOnThePage(t *testing.T) {
	l := sample(1)[0]
	code, err := pdfdoc.NewQR(l.URL)
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if err := write(&raw, []Letter{l}, Options{Generated: generated}, false); err != nil {
		t.Fatal(err)
	}
	// The warning's shading adds one filled rectangle per line.
	if n := strings.Count(raw.String(), " re f"); n < len(code.Runs)+1 || n > len(code.Runs)+4 {
		t.Errorf("%d filled rectangles, want %d runs and the warning's lines", n, len(code.Runs))
	}
	d, err := pdfdoc.New(pdfdoc.Options{Generated: generated})
	if err != nil {
		t.Fatal(err)
	}
	d.PDF.AddPage()
	if side := d.DrawQR(code, 75, 80, qrSize); side < qrSize-1 || side > qrSize+1 {
		t.Errorf("code drawn %.2f mm wide, want about %.0f", side, qrSize)
	}
}

// Every letter, however long its fields, ends above the footer on its own page.
func TestWorstCaseFitsOnePage(t *testing.T) {
	worst := Letter{
		Establishment: strings.Repeat("Lycée polyvalent régional Wolfgang Amadeus Mozart ", 5),
		Login:         strings.Repeat("W", maxLogin),
		FullName:      strings.Repeat("Marie-Charlotte Évangéline de La Rochefoucauld-Montmorency ", 4),
		Class:         strings.Repeat("Terminale générale ", 5),
		URL:           "https://" + strings.Repeat("W", maxURL-len("https://")),
		ExpiresAt:     generated.Add(time.Hour),
		Issuer:        strings.Repeat("Établissement régional d'enseignement adapté ", 4),
	}
	for _, lang := range []string{"fr", "en"} {
		d, err := pdfdoc.New(pdfdoc.Options{Generated: generated, Left: margin, Top: margin, Right: margin})
		if err != nil {
			t.Fatal(err)
		}
		code, err := pdfdoc.NewQR(worst.URL)
		if err != nil {
			t.Fatal(err)
		}
		d.PDF.AddPage()
		bottom := drawLetter(d, worst, lang, code)
		if err := d.PDF.Error(); err != nil {
			t.Fatal(err)
		}
		if bottom > footerTop {
			t.Errorf("%s: content ends at %.1f mm, below the footer line at %.1f mm", lang, bottom, footerTop)
		}
		t.Logf("%s: worst case ends at %.1f mm", lang, bottom)
	}
	letters := append(sample(2), worst)
	pdfBytes := render(t, letters, Options{Generated: generated})
	if n := len(pageObject.FindAll(pdfBytes, -1)); n != 3 {
		t.Fatalf("%d pages, want 3", n)
	}
}

func TestWriteError(t *testing.T) {
	err := Write(failingWriter{}, sample(1), Options{Generated: generated})
	if !errors.Is(err, errFail) {
		t.Fatalf("err = %v, want the writer's error", err)
	}
}

var errFail = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errFail }

// BenchmarkWrite35 renders a class of 35 letters, the usual batch.
func BenchmarkWrite35(b *testing.B) {
	letters := sample(35)
	o := Options{Generated: generated, Title: "2nde 3"}
	var size int
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := Write(&buf, letters, o); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "pdf-bytes")
	b.ReportMetric(float64(size)/35, "pdf-bytes/letter")
}

// TestPageCountAliasIsNotText: what a school or a person is called is printed as it is,
// even "{nb}", the page count's stand-in of fpdf's examples (the footer's stand-in is
// made of control characters, which no name can hold).
func TestPageCountAliasIsNotText(t *testing.T) {
	letters := sample(2)
	letters[0].FullName = "Élève {nb}"
	letters[1].Establishment = "Lycée {nb}"
	var raw bytes.Buffer
	if err := write(&raw, letters, Options{Generated: generated, Title: "2nde {nb}"}, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"(" + cp1252("Élève {nb}") + ")", "(" + cp1252("Lycée {nb}") + ")", "(2nde {nb})", "Page 1/2)", "Page 2/2)"} {
		if !strings.Contains(raw.String(), want) {
			t.Errorf("document lacks %q", want)
		}
	}
}

// TestPrivacyNoticeOnEveryLetter: each letter says where the privacy notice is, in the
// letter's language; without a URL, nothing is printed.
func TestPrivacyNoticeOnEveryLetter(t *testing.T) {
	for lang, want := range map[string]string{"fr": "Vos donn\xe9es et vos droits\xa0: https://cartable.example/privacy", "en": "Your data and your rights: https://cartable.example/privacy"} {
		var raw bytes.Buffer
		if err := write(&raw, sample(3), Options{Lang: lang, Generated: generated, PrivacyURL: "https://cartable.example/privacy"}, false); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(raw.String(), want); n != 3 {
			t.Errorf("%s: %d letters of 3 carry %q", lang, n, want)
		}
	}
	var raw bytes.Buffer
	if err := write(&raw, sample(1), Options{Generated: generated}, false); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw.String(), "/privacy") {
		t.Error("a privacy line without a URL")
	}
}
