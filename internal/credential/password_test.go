package credential

import (
	"crypto/rand"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestPasswordAlphabet(t *testing.T) {
	if len(PasswordAlphabet) != 84 {
		t.Fatalf("alphabet has %d characters, want 84", len(PasswordAlphabet))
	}
	seen := map[rune]bool{}
	for _, c := range PasswordAlphabet {
		if seen[c] {
			t.Fatalf("duplicate %q", c)
		}
		seen[c] = true
	}
	if strings.ContainsAny(PasswordAlphabet, "0O1lI") {
		t.Fatal("alphabet contains an ambiguous character")
	}
	for _, c := range "!#$%&()*+,-./:;<=>?@[]^_{}~" {
		if !seen[c] {
			t.Fatalf("special %q missing", c)
		}
	}
	if byteLimit != 252 {
		t.Fatalf("byteLimit = %d", byteLimit)
	}
}

func TestGeneratePassword(t *testing.T) {
	rnd := seeded(1)
	seen := map[string]bool{}
	for range 2000 {
		pw, err := GeneratePassword(rnd)
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != PasswordLength {
			t.Fatalf("%q: length %d", pw, len(pw))
		}
		for _, class := range passwordClasses() {
			if !strings.ContainsAny(pw, class) {
				t.Fatalf("%q lacks a character of %q", pw, class)
			}
		}
		for _, c := range pw {
			if !strings.ContainsRune(PasswordAlphabet, c) {
				t.Fatalf("%q: %q is not in the alphabet", pw, c)
			}
		}
		if seen[pw] {
			t.Fatalf("duplicate password %q", pw)
		}
		seen[pw] = true
	}
	if _, err := GeneratePassword(rand.Reader); err != nil {
		t.Fatal(err)
	}
}

func TestGeneratePasswordBrokenRandom(t *testing.T) {
	tests := []struct {
		name string
		rnd  func() *failingReader
	}{
		{"fails at once", func() *failingReader { return &failingReader{} }},
		{"fails mid-block", func() *failingReader { return &failingReader{n: 10} }},
		{"fails one byte short of a block", func() *failingReader { return &failingReader{n: 63} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pw, err := GeneratePassword(tt.rnd())
			if err == nil || pw != "" {
				t.Fatalf("GeneratePassword = %q, %v; want an error and no password", pw, err)
			}
		})
	}
	// Sources that never fail but are broken must not loop forever nor yield a weak password.
	for _, b := range []byte{0x00, 0x41, 0xfc, 0xff} {
		pw, err := GeneratePassword(constReader(b))
		if !errors.Is(err, ErrWeakRandom) || pw != "" {
			t.Fatalf("constant 0x%02x: %q, %v; want ErrWeakRandom", b, pw, err)
		}
	}
}

func TestPasswordEntropy(t *testing.T) {
	bits := PasswordEntropyBits()
	if bits <= 150 {
		t.Fatalf("entropy %.2f bits, want > 150", bits)
	}
	upper := PasswordLength * math.Log2(float64(len(PasswordAlphabet)))
	if loss := upper - bits; loss < 0.13 || loss > 0.15 {
		t.Fatalf("class-constraint loss %.4f bits, documented as 0.138", loss)
	}
	// The inclusion-exclusion fraction must match what generation actually sees.
	rnd := seeded(7)
	src := &byteSource{rnd: rnd}
	const n = 20000
	valid := 0
	var buf [PasswordLength]byte
	for range n {
		for i := range buf {
			if src.budget > maxBlocks-2 {
				src = &byteSource{rnd: rnd}
			}
			idx, err := src.uniformIndex()
			if err != nil {
				t.Fatal(err)
			}
			buf[i] = PasswordAlphabet[idx]
		}
		if hasAllClasses(buf[:]) {
			valid++
		}
	}
	got, want := float64(valid)/n, validPasswordFraction()
	sigma := math.Sqrt(want * (1 - want) / n)
	if math.Abs(got-want) > 4*sigma {
		t.Fatalf("valid fraction %.4f, computed %.4f", got, want)
	}
}

// chiSquareLimit is the 99.9% quantile of the chi-square distribution with 83 degrees of freedom
// (84 categories), about 128.6 (Wilson-Hilferty), rounded up. A uniform sampler exceeds it one
// time in a thousand; the inputs are seeded, so the test is deterministic. A modulo-biased
// sampler (byte % 84) gives 'A'..'D' probability 4/256 instead of 3/256 and scores about 1000
// over 200,000 characters.
const chiSquareLimit = 130

const statSamples = 200_000

func chiSquare(counts []int, expected []float64) float64 {
	var x2 float64
	for i, c := range counts {
		d := float64(c) - expected[i]
		x2 += d * d / expected[i]
	}
	return x2
}

// moduloBiased is the classic mistake the statistics must catch: byte % 84 without rejection.
func (s *byteSource) moduloBiased() (int, error) {
	b, err := s.next()
	return int(b) % len(PasswordAlphabet), err
}

// sampleIndexes draws statSamples alphabet indexes, with a fresh byteSource whenever one gets
// near its budget (the budget is per password, not per test).
func sampleIndexes(t *testing.T, biased bool) []int {
	t.Helper()
	rnd := seeded(42)
	counts := make([]int, len(PasswordAlphabet))
	var src *byteSource
	for i := range statSamples {
		if i%1000 == 0 {
			src = &byteSource{rnd: rnd}
		}
		next := src.uniformIndex
		if biased {
			next = src.moduloBiased
		}
		idx, err := next()
		if err != nil {
			t.Fatal(err)
		}
		counts[idx]++
	}
	return counts
}

func TestCharacterSamplerUniform(t *testing.T) {
	uniform := make([]float64, len(PasswordAlphabet))
	for i := range uniform {
		uniform[i] = float64(statSamples) / float64(len(PasswordAlphabet))
	}
	good := chiSquare(sampleIndexes(t, false), uniform)
	bad := chiSquare(sampleIndexes(t, true), uniform)
	t.Logf("chi-square over %d characters: rejection sampling %.1f, modulo-biased %.1f (limit %d)", statSamples, good, bad, chiSquareLimit)
	if good > chiSquareLimit {
		t.Errorf("rejection sampler: chi-square %.1f > %d", good, chiSquareLimit)
	}
	if bad <= chiSquareLimit {
		t.Errorf("the test cannot see modulo bias: chi-square %.1f <= %d", bad, chiSquareLimit)
	}
}

// expectedPasswordFrequencies is the exact probability of each alphabet character at a given
// position of a generated password. It is not uniform: passwords without a digit are thrown away,
// so digits are about 10% more frequent than letters. For a character of class c it is
// (1/84) * P(the other 23 characters hold every class except perhaps c) / P(valid).
func expectedPasswordFrequencies() []float64 {
	n := float64(len(PasswordAlphabet))
	classes := passwordClasses()
	pValid := validPasswordFraction()
	freq := make([]float64, len(PasswordAlphabet))
	for i := range PasswordAlphabet {
		var own int
		for ci, class := range classes {
			if strings.IndexByte(class, PasswordAlphabet[i]) >= 0 {
				own = ci
			}
		}
		var q float64
		for subset := range 1 << len(classes) {
			if subset&(1<<own) != 0 {
				continue
			}
			missing, sign := 0, 1.0
			for ci, class := range classes {
				if subset&(1<<ci) != 0 {
					missing += len(class)
					sign = -sign
				}
			}
			q += sign * math.Pow((n-float64(missing))/n, PasswordLength-1)
		}
		freq[i] = q / n / pValid
	}
	return freq
}

func passwordCounts(t *testing.T, biased bool) ([]int, int) {
	t.Helper()
	rnd := seeded(2026)
	counts := make([]int, len(PasswordAlphabet))
	total := 0
	for total < statSamples {
		src := &byteSource{rnd: rnd}
		next := src.uniformIndex
		if biased {
			next = src.moduloBiased
		}
		pw, err := generatePassword(next)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(pw); i++ {
			counts[strings.IndexByte(PasswordAlphabet, pw[i])]++
		}
		total += len(pw)
	}
	return counts, total
}

func TestGeneratePasswordUniform(t *testing.T) {
	freq := expectedPasswordFrequencies()
	var sum float64
	for _, f := range freq {
		sum += f
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Fatalf("expected frequencies sum to %v", sum)
	}
	stat := func(biased bool) float64 {
		counts, total := passwordCounts(t, biased)
		expected := make([]float64, len(freq))
		for i, f := range freq {
			expected[i] = f * float64(total)
		}
		return chiSquare(counts, expected)
	}
	good, bad := stat(false), stat(true)
	t.Logf("chi-square over %d password characters: generator %.1f, modulo-biased generator %.1f (limit %d)", statSamples, good, bad, chiSquareLimit)
	if good > chiSquareLimit {
		t.Errorf("GeneratePassword: chi-square %.1f > %d", good, chiSquareLimit)
	}
	if bad <= chiSquareLimit {
		t.Errorf("the test cannot see modulo bias: chi-square %.1f <= %d", bad, chiSquareLimit)
	}
}

func BenchmarkGeneratePassword(b *testing.B) {
	for b.Loop() {
		if _, err := GeneratePassword(rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashPasswordParallel measures hashing on every core at once: with one
// argon2id computation per core, its rate is the physical ceiling of logins per second.
func BenchmarkHashPasswordParallel(b *testing.B) {
	p := DefaultParams()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := HashPassword("benchmark password", p, rand.Reader); err != nil {
				b.Fatal(err)
			}
		}
	})
}
