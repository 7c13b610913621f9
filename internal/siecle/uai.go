package siecle

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// checkAlphabet is the alphabet of the UAI and BEA check letters. It has 23
// letters: I, O and Q are left out because they are too easily confused with
// 1, 0 and O when codes are copied by hand.
const checkAlphabet = "ABCDEFGHJKLMNPRSTUVWXYZ"

// ErrInvalidUAI is wrapped by every error of ParseUAI and CheckUAI, so that
// callers can map it to an "invalid input" kind without parsing messages.
var ErrInvalidUAI = errors.New("UAI invalide")

// ParseUAI validates an establishment code (UAI, formerly RNE) and returns it
// in canonical form: surrounding spaces removed and letters upper-cased,
// because people type UAIs by hand in forms and configuration.
//
// Two forms are accepted:
//
//   - 7 digits and a check letter, letter = alphabet[number % 23] (the
//     ordinary form, e.g. 0382032C);
//   - 6 digits, an X and a check letter, letter = alphabet[(number×8+1) % 23]
//     (bodies outside the ministry).
//
// The error says in plain French what is wrong (length, characters or which
// check letter was expected) so that it can be shown to the user as is.
func ParseUAI(s string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if u == "" {
		return "", valueError(ErrInvalidUAI, "siecle.uai.empty", nil, "le code est vide (8 caractères attendus, par exemple 0382032C)")
	}
	if n := len([]rune(u)); n != 8 {
		return "", valueError(ErrInvalidUAI, "siecle.uai.length", map[string]string{"value": u, "n": strconv.Itoa(n)},
			"%q compte %d caractères au lieu de 8 (7 chiffres puis une lettre de contrôle)", u, n)
	}
	for _, r := range u {
		if r > 0x7F {
			return "", valueError(ErrInvalidUAI, "siecle.uai.chars", map[string]string{"value": u}, "%q contient un caractère non autorisé (accent ou symbole)", u)
		}
	}
	last := u[7]
	if last < 'A' || last > 'Z' {
		return "", valueError(ErrInvalidUAI, "siecle.uai.letter", map[string]string{"value": u}, "%q doit se terminer par une lettre de contrôle", u)
	}
	var want byte
	switch {
	case allDigits(u[:7]):
		n, _ := strconv.Atoi(u[:7])
		want = checkAlphabet[n%23]
	case allDigits(u[:6]) && u[6] == 'X':
		n, _ := strconv.Atoi(u[:6])
		want = checkAlphabet[(n*8+1)%23]
	default:
		return "", valueError(ErrInvalidUAI, "siecle.uai.digits", map[string]string{"value": u}, "%q doit commencer par 7 chiffres (ou 6 chiffres suivis de X)", u)
	}
	if last != want {
		return "", valueError(ErrInvalidUAI, "siecle.uai.check", map[string]string{"value": u, "letter": string(last), "want": string(want)},
			"%q a la lettre de contrôle %c, la lettre attendue est %c (code mal recopié\u00a0?)", u, last, want)
	}
	return u, nil
}

// ValidUAI reports whether s is a valid UAI once trimmed and upper-cased; it
// is the boolean form of ParseUAI for filters and template helpers.
func ValidUAI(s string) bool {
	_, err := ParseUAI(s)
	return err == nil
}

// UAICheckLetter returns the check letter of the 7-digit number part of a UAI
// (for example "0382032" gives 'C'), so that generators and tests can build
// valid codes. It fails when digits is not exactly 7 ASCII digits.
func UAICheckLetter(digits string) (byte, error) {
	if len(digits) != 7 || !allDigits(digits) {
		return 0, fmt.Errorf("%w\u00a0: %q n’est pas un nombre de 7 chiffres", ErrInvalidUAI, digits)
	}
	n, _ := strconv.Atoi(digits)
	return checkAlphabet[n%23], nil
}

// MakeUAI returns the valid UAI of the 7-digit number n (0 ≤ n ≤ 9,999,999),
// zero-padded and followed by its check letter; MakeUAI(382032) is
// "0382032C". It panics when n is out of range, like regexp.MustCompile,
// because it only serves generators and tests where that is a programming
// error.
func MakeUAI(n int) string {
	if n < 0 || n > 9_999_999 {
		panic(fmt.Sprintf("siecle.MakeUAI: %d is not a 7-digit number", n))
	}
	return fmt.Sprintf("%07d%c", n, checkAlphabet[n%23])
}

// allDigits reports whether s is non-empty and made of ASCII digits only.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
