package blob

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

func TestDetectDocument(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 4, 3))
	var pngBuf, jpgBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jpgBuf, img, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, content, want string
	}{
		{"pdf", "%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", TypePDF},
		{"png", pngBuf.String(), TypePNG},
		{"jpeg", jpgBuf.String(), TypeJPEG},
		{"zip", "PK\x05\x06" + strings.Repeat("\x00", 18), ""},
		{"html", "<html><script>alert(1)</script>", ""},
		{"truncated png", pngBuf.String()[:12], ""},
		{"empty", "", ""},
	} {
		r := strings.NewReader(c.content)
		got, err := DetectDocument(r, int64(len(c.content)))
		if c.want == "" {
			if !errors.Is(err, ErrUnsupported) {
				t.Errorf("%s: got %q, %v; want ErrUnsupported", c.name, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %s", c.name, got, err, c.want)
		}
	}
	if got := FileName("toeic.pdf", TypePNG); got != "toeic.png" {
		t.Errorf("FileName = %q", got)
	}
}
