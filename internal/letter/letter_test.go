package letter

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/qr"
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

// content returns the document with every compressed stream inflated after it, so
// that a test reads the text that production (compressed) output shows.
func content(t testing.TB, pdf []byte) string {
	t.Helper()
	var sb strings.Builder
	sb.Write(pdf)
	rest := pdf
	for {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			break
		}
		rest = rest[i+len("stream\n"):]
		j := bytes.Index(rest, []byte("\nendstream"))
		if j < 0 {
			break
		}
		if r, err := zlib.NewReader(bytes.NewReader(rest[:j])); err == nil {
			b, _ := io.ReadAll(r)
			sb.Write(b)
		}
		rest = rest[j+len("\nendstream"):]
	}
	return sb.String()
}

// cp1252 is how s appears in the page content.
func cp1252(s string) string {
	return fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("cp1252")(CoreFontText(s, false))
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
	text := content(t, pdf)
	for _, want := range []string{
		"(eleve.01)Tj", "(eleve.02)Tj", "(eleve.03)Tj",
		"(" + cp1252("Votre compte cartable") + ")",
		"(" + cp1252("Élève Numéro 2") + ")",
		"Page 1/3)", "Page 3/3)",
		cp1252("Document généré le 23\u00a0novembre 2026 à 14\u00a0h\u00a005"),
		cp1252("jusqu'au 30\u00a0novembre 2026 à 14\u00a0h\u00a005, heure"), // expiry in Paris time
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
	text := content(t, pdf)
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

func TestToCP1252(t *testing.T) {
	for in, want := range map[string]string{
		"Zoé Lefèvre-Çağ Œdipe": "Zoé Lefèvre-Çag Œdipe",
		"cœur, 10 €, l’été":     "cœur, 10 €, l’été",
		"Łódź":                  "Lódz",
		"3ᵉ":                    "3e",
		"ﬁn":                    "fin",
		"Ştefan Dăscălescu":     "Stefan Dascalescu",
		"İnci Yıldız":           "Inci Yildiz",
		"王芳":                    "??",
		"😀":                     "?",
		"a\tb\nc\u200bd":        "a b cd",
		"16\u202fh":             "16\u00a0h",
		"Classe\u00a0:":         "Classe\u00a0:",
		"a\u2060b":              "ab",
		"a\u2011b−c":            "a-b-c",
	} {
		if got := CoreFontText(in, false); got != want {
			t.Errorf("CoreFontText(%q, false) = %q, want %q", in, got, want)
		}
	}
}

// TestCoreFontTextCases: diacritics cp1252 has are kept on a letter that has several,
// and multi-line texts keep their line breaks (the passport's descriptions).
func TestCoreFontTextCases(t *testing.T) {
	for _, tc := range []struct {
		in        string
		multiline bool
		want      string
	}{
		{"Léa Dûrand-Œuvray", false, "Léa Dûrand-Œuvray"},
		{"cœur, 10 €, l’été", false, "cœur, 10 €, l’été"},
		{"Łódź Ştefan", false, "Lódz Stefan"},
		{"3ᵉ ﬁn", false, "3e fin"},
		{"Ngọc Trần ǘ", false, "Ngoc Trân ü"}, // the marks cp1252 has are kept
		{"王😀", false, "??"},
		{"a\tb\nc\u200bd", false, "a b cd"},
		{"a\r\nb\rc\nd\u2028e\tf", true, "a\nb\nc\nd\ne f"},
		{"16\u202fh", false, "16\u00a0h"},
		{"\x1fnb\x1f", false, " nb "}, // the passport's page-number alias cannot come from a text
	} {
		if got := CoreFontText(tc.in, tc.multiline); got != tc.want {
			t.Errorf("CoreFontText(%q, %v) = %q, want %q", tc.in, tc.multiline, got, tc.want)
		}
	}
}

// The cp1252 table of x/text (used to decide what to keep) and fpdf's (used to
// encode) must agree, or a kept character would still print as '.'.
func TestCP1252AgreesWithFpdf(t *testing.T) {
	tr := fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("cp1252")
	for r := rune(0); r < 0x3000; r++ {
		for _, multiline := range []bool{false, true} {
			s := CoreFontText(string(r), multiline)
			if got := tr(s); strings.Contains(got, ".") && !strings.Contains(s, ".") {
				t.Fatalf("U+%04X: CoreFontText gives %q, which fpdf cannot encode", r, s)
			}
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

// The runs drawn on the page, painted into an image, decode to the letter's URL.
func TestQRCodeEncodesTheURL(t *testing.T) {
	for _, url := range []string{sample(1)[0].URL, "https://" + strings.Repeat("W", maxURL-len("https://"))} {
		code, err := buildQR(url)
		if err != nil {
			t.Fatal(err)
		}
		const scale = 4
		img := image.NewGray(image.Rect(0, 0, code.size*scale, code.size*scale))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		for _, r := range code.runs {
			for y := r.row * scale; y < (r.row+1)*scale; y++ {
				for x := r.col * scale; x < (r.col+r.n)*scale; x++ {
					img.Pix[y*img.Stride+x] = 0
				}
			}
		}
		got, err := qr.Decode(img)
		if err != nil {
			t.Fatal(err)
		}
		if got != url {
			t.Fatalf("QR code holds %q, want %q", got, url)
		}
	}
}

// The page draws every run, about 60 mm wide, on the 1/100 pt grid.
func TestQRIsDrawnOnThePage(t *testing.T) {
	l := sample(1)[0]
	code, err := buildQR(l.URL)
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if err := write(&raw, []Letter{l}, Options{Generated: generated}, false); err != nil {
		t.Fatal(err)
	}
	// The warning's shading adds one filled rectangle per line.
	if n := strings.Count(raw.String(), " re f"); n < len(code.runs)+1 || n > len(code.runs)+4 {
		t.Errorf("%d filled rectangles, want %d runs and the warning's lines", n, len(code.runs))
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddPage()
	if side := drawQR(pdf, code, 75, 80, qrSize); side < qrSize-1 || side > qrSize+1 {
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
		pdf := fpdf.New("P", "mm", "A4", "")
		pdf.SetMargins(margin, margin, margin)
		pdf.SetAutoPageBreak(false, 0)
		tr := pdf.UnicodeTranslatorFromDescriptor("cp1252")
		code, err := buildQR(worst.URL)
		if err != nil {
			t.Fatal(err)
		}
		pdf.AddPage()
		bottom := drawLetter(pdf, func(s string) string { return tr(CoreFontText(s, false)) }, worst, messagesFor(lang), code)
		if err := pdf.Error(); err != nil {
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
