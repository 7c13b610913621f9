package pdfdoc

import (
	"image"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/cartable/cartable/internal/qr"
)

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

// The runs drawn, painted into an image, decode to the content: an enrolment link, and
// the longest one a letter prints.
func TestQREncodesItsContent(t *testing.T) {
	for _, url := range []string{"https://cartable.lycee-exemple.fr/inscription/01-Kq8vZr2mWx9TnB4sYd7LfP3hJc6GtA5e", "https://" + strings.Repeat("W", 512-len("https://"))} {
		code, err := NewQR(url)
		if err != nil {
			t.Fatal(err)
		}
		const scale = 4
		img := image.NewGray(image.Rect(0, 0, code.Size*scale, code.Size*scale))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		for _, r := range code.Runs {
			for y := r.Row * scale; y < (r.Row+1)*scale; y++ {
				for x := r.Col * scale; x < (r.Col+r.N)*scale; x++ {
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
