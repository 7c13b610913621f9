package blob

import (
	"image"
	"testing"
)

// TestSaneImage: one rule for photos and proofs — each side at most 20,000 pixels and
// 200 megapixels in all.
func TestSaneImage(t *testing.T) {
	for _, c := range []struct {
		w, h int
		ok   bool
	}{
		{16320, 12240, true}, // a 200-megapixel phone photo
		{20000, 10000, true},
		{1, 1, true},
		{20001, 10, false},
		{10, 20001, false},
		{15000, 15000, false}, // 225 MP
		{0, 10, false},
		{10, -1, false},
	} {
		if got := saneImage(image.Config{Width: c.w, Height: c.h}); got != c.ok {
			t.Errorf("%d × %d: %v, want %v", c.w, c.h, got, c.ok)
		}
	}
}
