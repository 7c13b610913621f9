package credential

import (
	"errors"
	"io"
	mathrand "math/rand/v2"
)

// seeded returns a deterministic reader so that statistical tests always see the same bytes and
// failures reproduce.
func seeded(seed uint64) io.Reader {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return mathrand.NewChaCha8(s)
}

// failingReader yields n bytes then fails, to check that every generator reports a broken
// entropy source instead of continuing with what it has.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("entropy source failed")
	}
	k := min(len(p), r.n)
	for i := range p[:k] {
		p[i] = byte(i*37 + 11)
	}
	r.n -= k
	return k, nil
}

// constReader repeats one byte forever: a source that never fails but is broken.
type constReader byte

func (c constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}
