package credential

import (
	"crypto/sha256"
	"fmt"
	"io"
	"slices"
)

// Recovery codes replace a lost TOTP device once each. They are printed with the enrolment letter
// or shown once, and typed by hand, hence a short unambiguous form.
const (
	// recoveryAlphabet is Crockford's base32 in lower case: no i, l, o, u, so that 0 and 1 cannot
	// be misread, and 32 symbols encode exactly 5 random bits each (no bias, no rejection).
	recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	// recoveryBytes is 80 bits, 16 symbols of 5 bits.
	recoveryBytes = 10
	// RecoveryCodeLength is the number of symbols in a normalized recovery code.
	RecoveryCodeLength = 16
	// MaxRecoveryCodes bounds one batch; a handful (about 10) is the usual number.
	MaxRecoveryCodes = 100
)

// NewRecoveryCodes returns n distinct recovery codes of 80 random bits each, formatted for display
// as "xxxx-xxxx-xxxx-xxxx". Store only [HashRecoveryCode] of their normalized form.
func NewRecoveryCodes(n int, rnd io.Reader) ([]string, error) {
	if n < 1 || n > MaxRecoveryCodes {
		return nil, fmt.Errorf("credential: recovery code count %d not in [1, %d]", n, MaxRecoveryCodes)
	}
	codes := make([]string, 0, n)
	// A repeat among 80-bit codes means a broken source; the bound keeps it from looping.
	for attempts := 0; len(codes) < n; attempts++ {
		if attempts == 2*n {
			return nil, ErrWeakRandom
		}
		var raw [recoveryBytes]byte
		if _, err := io.ReadFull(rnd, raw[:]); err != nil {
			return nil, fmt.Errorf("credential: reading random recovery code: %w", err)
		}
		code := formatRecoveryCode(raw)
		if !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	return codes, nil
}

// formatRecoveryCode spells 80 bits as 16 base32 symbols in groups of 4.
func formatRecoveryCode(raw [recoveryBytes]byte) string {
	var acc uint64
	var bits uint
	out := make([]byte, 0, RecoveryCodeLength+3)
	for _, b := range raw {
		acc = acc<<8 | uint64(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			if n := len(out); n == 4 || n == 9 || n == 14 {
				out = append(out, '-')
			}
			out = append(out, recoveryAlphabet[(acc>>bits)&31])
		}
	}
	return string(out)
}

// NormalizeRecoveryCode turns what a user typed into the canonical 16-symbol form that is hashed:
// case-insensitive, spaces, tabs and dashes ignored, and, as in Crockford's base32, 'o' read as
// '0' and 'i' or 'l' read as '1' (the letters people type for the digits they see). ok is false
// for any other character or a wrong length: a wrong code is an expected user error, not an
// exceptional condition, hence a bool rather than an error.
func NormalizeRecoveryCode(s string) (string, bool) {
	if len(s) > 4*RecoveryCodeLength {
		return "", false
	}
	out := make([]byte, 0, RecoveryCodeLength)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-' || c == '\t':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		switch c {
		case 'o':
			c = '0'
		case 'i', 'l':
			c = '1'
		}
		if indexByte(recoveryAlphabet, c) < 0 || len(out) == RecoveryCodeLength {
			return "", false
		}
		out = append(out, c)
	}
	if len(out) != RecoveryCodeLength {
		return "", false
	}
	return string(out), true
}

// HashRecoveryCode returns the SHA-256 of a normalized code, the form stored in the database. A
// fast unsalted hash is enough: with 80 random bits, an offline search of a leaked database needs
// about 2^79 hashes per code, beyond any attacker of a school records system, and online guessing
// is throttled by the account service.
func HashRecoveryCode(normalized string) []byte {
	sum := sha256.Sum256([]byte(normalized))
	return sum[:]
}
