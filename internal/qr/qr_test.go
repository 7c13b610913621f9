package qr

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	zqr "github.com/makiuchi-d/gozxing/qrcode"
)

const (
	password = `Tq8#{v]M^a~2(L=_x;@k}%!P` // 24 characters, as credential generates them
	specials = `!#$%&()*+,-./:;<=>?@[]^_{}~`
	otpauth  = "otpauth://totp/Lyc%C3%A9e%20Exemple:jean.dupont?secret=JBSWY3DPEHPK3PXP&issuer=Lyc%C3%A9e%20Exemple&algorithm=SHA1&digits=6&period=30"
)

// longURL is a 120-character https URL, the length of an enrolment link with a long
// public host name.
var longURL = func() string {
	u := "https://cartable.lycee-exemple.ac-versailles.fr/inscription/"
	return u + strings.Repeat("k", 120-len(u))
}()

var contents = []struct {
	name, content string
}{
	{"password", password},
	{"specials", specials},
	{"otpauth", otpauth},
	{"url120", longURL},
	{"utf8", "Zoé Lefèvre-Çağ Œdipe — élève de 3ᵉ"},
	{"numeric", "0123456789012345"},
	{"alphanumeric", "HTTPS://EXAMPLE.FR/ABC-123"},
	// Would be misread as numeric by the library's automatic mode.
	{"digits and plus", "123+45"},
	{"one char", "x"},
}

func TestContentsAreWhatTheyClaim(t *testing.T) {
	if len(password) != 24 || strings.Trim(password, specials+"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		t.Fatalf("password %q: len %d", password, len(password))
	}
	if len(longURL) != 120 {
		t.Fatalf("longURL: len %d", len(longURL))
	}
}

func TestPNGRoundTrip(t *testing.T) {
	for _, tc := range contents {
		t.Run(tc.name, func(t *testing.T) {
			b, err := PNG(tc.content, 256)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodePNG(b)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.content {
				t.Fatalf("decoded %q, want %q", got, tc.content)
			}
		})
	}
}

func TestRandomRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabets := []string{"0123456789", alphanumeric, "abcdefXYZ0123!#$%&()*+,-./:;<=>?@[]^_{}~ ", "éèàçœŒ€ağş—"}
	for i := range 40 {
		runes := []rune(alphabets[i%len(alphabets)])
		n := 1 + r.IntN(200)
		var sb strings.Builder
		for range n {
			sb.WriteRune(runes[r.IntN(len(runes))])
		}
		content := sb.String()
		b, err := PNG(content, 200)
		if err != nil {
			t.Fatalf("%q: %v", content, err)
		}
		got, err := DecodePNG(b)
		if err != nil || got != content {
			t.Fatalf("round trip of %q: got %q, %v", content, got, err)
		}
	}
}

func TestLevelMAndSmallestVersion(t *testing.T) {
	// Byte-mode capacities at level M, versions 1 to 10 (ISO/IEC 18004 table 7).
	capacity := []int{14, 26, 42, 62, 84, 106, 122, 152, 180, 213}
	for v, c := range capacity {
		version := v + 1
		for _, n := range []int{c, c + 1} {
			want := version
			if n > c {
				want = version + 1
			}
			s, err := encode(strings.Repeat("a", n))
			if err != nil {
				t.Fatal(err)
			}
			if got := (s.size - 17) / 4; got != want {
				t.Errorf("%d bytes: version %d, want %d", n, got, want)
			}
		}
	}

	img, err := raster(otpauth, 300)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ec := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL]; ec != "M" {
		t.Errorf("error correction level %v, want M", ec)
	}
}

func TestImageGeometry(t *testing.T) {
	s, err := encode(otpauth)
	if err != nil {
		t.Fatal(err)
	}
	w := s.width() // modules, quiet zone included
	for _, px := range []int{1, 10, w, 100, 256, 300, 1000} {
		img, err := raster(otpauth, px)
		if err != nil {
			t.Fatal(err)
		}
		side := img.Bounds().Dx()
		if img.Bounds().Dy() != side || side%w != 0 {
			t.Fatalf("px %d: %v is not a square of whole modules (%d)", px, img.Bounds(), w)
		}
		scale := side / w
		if scale > 1 && (side-px > w/2+1 || px-side > w/2+1) {
			t.Errorf("px %d: side %d, further than half a module", px, side)
		}
		// Quiet zone: the outer 4 modules are white all around.
		for i := 0; i < QuietZone*scale; i++ {
			for j := 0; j < side; j++ {
				for _, p := range [][2]int{{i, j}, {j, i}, {side - 1 - i, j}, {j, side - 1 - i}} {
					if gray(img.At(p[0], p[1])) != 255 {
						t.Fatalf("px %d: pixel %v in the quiet zone is not white", px, p)
					}
				}
			}
		}
		// Crisp: black or white only, and the top-left finder pattern starts right
		// after the quiet zone.
		for y := 0; y < side; y++ {
			for x := 0; x < side; x++ {
				if g := gray(img.At(x, y)); g != 0 && g != 255 {
					t.Fatalf("px %d: grey pixel %d at (%d,%d)", px, g, x, y)
				}
			}
		}
		if gray(img.At(QuietZone*scale, QuietZone*scale)) != 0 {
			t.Errorf("px %d: no finder pattern after the quiet zone", px)
		}
	}
}

func TestPNGIsSmallAndBlackOnWhite(t *testing.T) {
	b, err := PNG(longURL, 256)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := img.(*image.Paletted)
	if !ok || len(p.Palette) != 2 {
		t.Fatalf("decoded %T, want a two-colour paletted image", img)
	}
	if len(b) > 4096 {
		t.Errorf("PNG of %d bytes, want a one-bit image of a few hundred", len(b))
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		px            int
	}{
		{"empty", "", 200},
		{"too long", strings.Repeat("a", 2332), 200},
		{"zero px", "x", 0},
		{"huge px", "x", MaxPixels + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := PNG(tc.content, tc.px); err == nil || !strings.HasPrefix(err.Error(), "qr: ") {
				t.Errorf("PNG: err %v, want a qr: error", err)
			}
			if _, err := DataURL(tc.content, tc.px); err == nil {
				t.Error("DataURL: no error")
			}
		})
	}
	if _, err := PNG(strings.Repeat("a", 2331), 200); err != nil {
		t.Errorf("2331 bytes (version 40-M capacity): %v", err)
	}
	if got := Terminal(""); got != "" {
		t.Errorf("Terminal(\"\") = %q", got)
	}
	if got := Terminal(strings.Repeat("a", 2332)); got != "" {
		t.Errorf("Terminal(too long) is not empty")
	}
}

func TestDataURL(t *testing.T) {
	u, err := DataURL(otpauth, 200)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "data:image/png;base64,") {
		t.Fatalf("prefix: %.40q", u)
	}
	got, err := DecodeDataURL(u)
	if err != nil || got != otpauth {
		t.Fatalf("DecodeDataURL: %q, %v", got, err)
	}
	for _, bad := range []string{"", "data:image/jpeg;base64,AAAA", DataURLPrefix + "!!!", DataURLPrefix + "AAAA"} {
		if _, err := DecodeDataURL(bad); err == nil {
			t.Errorf("DecodeDataURL(%q): no error", bad)
		}
	}
}

func TestDecodeBlank(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 100, 100))
	if _, err := Decode(img); err == nil {
		t.Fatal("a blank image decoded")
	}
	if _, err := DecodePNG([]byte("not a png")); err == nil {
		t.Fatal("garbage decoded")
	}
}

func TestTerminal(t *testing.T) {
	for _, tc := range contents {
		t.Run(tc.name, func(t *testing.T) {
			out := Terminal(tc.content)
			if !strings.HasSuffix(out, "\n") {
				t.Fatal("no final newline")
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			width := utf8.RuneCountInString(lines[0])
			for i, l := range lines {
				if n := utf8.RuneCountInString(l); n != width {
					t.Fatalf("line %d: %d cells, line 0 has %d", i, n, width)
				}
				if strings.Trim(l, " █▀▄") != "" {
					t.Fatalf("line %d: unexpected characters in %q", i, l)
				}
			}
			// Modules (width) by lines: two rows a line, the last one half used.
			if len(lines) != (width+1)/2 {
				t.Fatalf("%d lines for %d columns", len(lines), width)
			}

			// As seen on a dark terminal: blocks are lit, blanks are dark.
			if got, err := Decode(terminalImage(lines, false)); err != nil || got != tc.content {
				t.Fatalf("dark terminal: decoded %q, %v", got, err)
			}
			// As seen on a light terminal: the same code, inverted.
			if got, err := Decode(terminalImage(lines, true)); err != nil || got != tc.content {
				t.Fatalf("light terminal: decoded %q, %v", got, err)
			}
		})
	}
}

// terminalImage turns Terminal's lines back into a bitmap, as a terminal shows it:
// lit cells white, blank cells black (inverted for a light-background terminal), each
// module 6×6 pixels, with a margin of terminal background around.
func terminalImage(lines []string, lightBackground bool) image.Image {
	const scale, margin = 6, 30
	w := utf8.RuneCountInString(lines[0])
	h := 2 * len(lines)
	img := image.NewGray(image.Rect(0, 0, w*scale+2*margin, h*scale+2*margin))
	lit, dark := uint8(255), uint8(0)
	if lightBackground {
		lit, dark = dark, lit
	}
	for i := range img.Pix {
		img.Pix[i] = dark
	}
	set := func(mx, my int, on bool) {
		v := dark
		if on {
			v = lit
		}
		for y := my * scale; y < (my+1)*scale; y++ {
			for x := mx * scale; x < (mx+1)*scale; x++ {
				img.SetGray(margin+x, margin+y, color.Gray{Y: v})
			}
		}
	}
	for row, l := range lines {
		for col, r := range []rune(l) {
			set(col, 2*row, r == '█' || r == '▀')
			set(col, 2*row+1, r == '█' || r == '▄')
		}
	}
	return img
}

func gray(c color.Color) uint8 {
	return color.GrayModel.Convert(c).(color.Gray).Y
}

func BenchmarkPNG(b *testing.B) {
	for b.Loop() {
		if _, err := PNG(longURL, 600); err != nil {
			b.Fatal(err)
		}
	}
}

func TestModules(t *testing.T) {
	rows, err := Modules(otpauth)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := encode(otpauth)
	if len(rows) != s.width() || (len(rows)-2*QuietZone-17)%4 != 0 {
		t.Fatalf("%d rows: not a QR code with its quiet zone", len(rows))
	}
	// Painted at 5 px a module, the rows are the same code as the PNG.
	const scale = 5
	img := image.NewGray(image.Rect(0, 0, len(rows)*scale, len(rows)*scale))
	for y, row := range rows {
		if len(row) != len(rows) {
			t.Fatalf("row %d: %d modules", y, len(row))
		}
		for x, dark := range row {
			if (x < QuietZone || y < QuietZone || x >= len(rows)-QuietZone || y >= len(rows)-QuietZone) && dark {
				t.Fatalf("dark module (%d,%d) in the quiet zone", x, y)
			}
			for i := range scale * scale {
				c := color.Gray{Y: 255}
				if dark {
					c.Y = 0
				}
				img.SetGray(x*scale+i%scale, y*scale+i/scale, c)
			}
		}
	}
	if got, err := Decode(img); err != nil || got != otpauth {
		t.Fatalf("decoded %q, %v", got, err)
	}
	if _, err := Modules(""); err == nil {
		t.Fatal("Modules(\"\"): no error")
	}
}
