package credential

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestNewRecoveryCodes(t *testing.T) {
	codeRE := regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$`)
	codes, err := NewRecoveryCodes(10, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 10 {
		t.Fatalf("%d codes", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if !codeRE.MatchString(c) {
			t.Fatalf("code %q has the wrong form", c)
		}
		norm, ok := NormalizeRecoveryCode(c)
		if !ok || norm != strings.ReplaceAll(c, "-", "") || len(norm) != RecoveryCodeLength {
			t.Fatalf("NormalizeRecoveryCode(%q) = %q, %v", c, norm, ok)
		}
		if seen[norm] {
			t.Fatal("duplicate code")
		}
		seen[norm] = true
	}
}

// TestRecoveryCodeBits checks that the 16 symbols spell exactly the 80 random bits (no bits lost
// or duplicated), by decoding them back.
func TestRecoveryCodeBits(t *testing.T) {
	tests := []struct {
		raw  [recoveryBytes]byte
		want string
	}{
		{[recoveryBytes]byte{}, "0000-0000-0000-0000"},
		{[recoveryBytes]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "zzzz-zzzz-zzzz-zzzz"},
		{[recoveryBytes]byte{0x08, 0x42, 0x10, 0x84, 0x21, 0x08, 0x42, 0x10, 0x84, 0x21}, "1111-1111-1111-1111"},
	}
	for _, tt := range tests {
		if got := formatRecoveryCode(tt.raw); got != tt.want {
			t.Fatalf("formatRecoveryCode(%x) = %s, want %s", tt.raw, got, tt.want)
		}
	}
	rnd := seeded(4)
	for range 1000 {
		var raw [recoveryBytes]byte
		rnd.Read(raw[:])
		norm, _ := NormalizeRecoveryCode(formatRecoveryCode(raw))
		var acc uint64
		var bits uint
		var back []byte
		for i := 0; i < len(norm); i++ {
			acc = acc<<5 | uint64(strings.IndexByte(recoveryAlphabet, norm[i]))
			bits += 5
			for bits >= 8 {
				bits -= 8
				back = append(back, byte(acc>>bits))
			}
		}
		if !bytes.Equal(back, raw[:]) {
			t.Fatalf("%x spelled %s decodes to %x", raw, norm, back)
		}
	}
}

func TestNewRecoveryCodesErrors(t *testing.T) {
	for _, n := range []int{0, -1, MaxRecoveryCodes + 1} {
		if _, err := NewRecoveryCodes(n, rand.Reader); err == nil {
			t.Errorf("NewRecoveryCodes(%d) accepted", n)
		}
	}
	if codes, err := NewRecoveryCodes(3, &failingReader{n: 25}); err == nil || codes != nil {
		t.Fatalf("failing random source: %v, %v", codes, err)
	}
	if _, err := NewRecoveryCodes(2, constReader(7)); !errors.Is(err, ErrWeakRandom) {
		t.Fatalf("constant source: %v, want ErrWeakRandom", err)
	}
}

func TestNormalizeRecoveryCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"abcd-efgh-jkmn-pqrs", "abcdefghjkmnpqrs", true},
		{"ABCD-EFGH-JKMN-PQRS", "abcdefghjkmnpqrs", true},
		{"  abcd efgh\tjkmn pqrs ", "abcdefghjkmnpqrs", true},
		{"abcdefghjkmnpqrs", "abcdefghjkmnpqrs", true},
		{"ab-cd-ef-gh-jk-mn-pq-rs", "abcdefghjkmnpqrs", true},
		{"oOiI-lL01-2345-6789", "00111101" + "23456789", true},
		{"vwxy-z012-3456-789a", "vwxyz0123456789a", true},
		{"abcd-efgh-jkmn-pqr", "", false},       // 15 symbols
		{"abcd-efgh-jkmn-pqrst", "", false},     // 17
		{"abcd-efgh-jkmn-pqru", "", false},      // u is not in the alphabet
		{"abcd-efgh-jkmn-pqr_", "", false},      // other separator
		{"abcd-efgh-jkmn-pqr\u00e9", "", false}, // non-ASCII
		{"abcd\u2010efgh-jkmn-pqrs", "", false}, // Unicode hyphen
		{"", "", false},
		{"----------------", "", false},
		{strings.Repeat(" ", 100) + "abcdefghjkmnpqrs", "", false}, // bounded input
	}
	for _, tt := range tests {
		got, ok := NormalizeRecoveryCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeRecoveryCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestHashRecoveryCode(t *testing.T) {
	want := sha256.Sum256([]byte("abcdefghjkmnpqrs"))
	if got := HashRecoveryCode("abcdefghjkmnpqrs"); !bytes.Equal(got, want[:]) {
		t.Fatalf("HashRecoveryCode = %x", got)
	}
	// Every way of typing a code hashes the same once normalized.
	a, _ := NormalizeRecoveryCode("ABCD EFGH JKMN PQRS")
	b, _ := NormalizeRecoveryCode("abcd-efgh-jkmn-pqrs")
	if !bytes.Equal(HashRecoveryCode(a), HashRecoveryCode(b)) {
		t.Fatal("normalized forms hash differently")
	}
}

func TestConstantTimeEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"abc", "ab", false},
		{"", "a", false},
	}
	for _, tt := range tests {
		if got := ConstantTimeEqual(tt.a, tt.b); got != tt.want {
			t.Errorf("ConstantTimeEqual(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}
