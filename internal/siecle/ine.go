package siecle

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// INE is a national student identifier (identifiant national élève).
//
// The product never stores an INE: it keeps only a keyed, irreversible hash
// (unqid). To keep the raw value out of logs, error messages, JSON, debug
// output and SQL by construction, INE is an opaque struct rather than a
// string: it cannot be converted with string(…), is not accepted as a SQL
// argument (it implements no driver.Valuer), and redacts itself in every
// printing path — String, GoString, Format (every fmt verb), MarshalText,
// MarshalJSON (also as a map key) and LogValue all produce "INE(redacted)"
// ("INE(none)" when empty). The value is obtained only through Reveal, which
// makes every use greppable. Build one with NormalizeINE.
//
// INE values are comparable with == and usable as map keys. Reflection-based
// dumpers that read unexported fields (some test diff libraries) can still
// show the value: keep those away from production code.
type INE struct{ v string }

// The redacted forms. An empty INE shows differently because "this student
// has no INE" is useful to see in logs and reveals nothing.
const (
	ineRedacted = "INE(redacted)"
	ineNone     = "INE(none)"
)

// Reveal returns the raw identifier. Call it only to hash the value (unqid)
// or to compare it, never to print or store it.
func (i INE) Reveal() string { return i.v }

// IsZero reports whether the INE is empty, so that callers can test presence
// without revealing the value.
func (i INE) IsZero() bool { return i.v == "" }

// redacted is the only text an INE ever prints.
func (i INE) redacted() string {
	if i.v == "" {
		return ineNone
	}
	return ineRedacted
}

// String implements fmt.Stringer with the redacted form.
func (i INE) String() string { return i.redacted() }

// GoString implements fmt.GoStringer so that %#v does not print the value.
func (i INE) GoString() string { return i.redacted() }

// Format implements fmt.Formatter: every verb (%s, %q, %x, %d, %v, …) prints
// the redacted form, because %x or %q would otherwise bypass String.
func (i INE) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, i.redacted()) }

// MarshalText implements encoding.TextMarshaler with the redacted form, which
// also covers encoding/xml and map keys.
func (i INE) MarshalText() ([]byte, error) { return []byte(i.redacted()), nil }

// MarshalJSON implements json.Marshaler with the redacted form, so that an API
// response or a JSON log line built from a struct never carries the value.
func (i INE) MarshalJSON() ([]byte, error) { return []byte(`"` + i.redacted() + `"`), nil }

// LogValue implements slog.LogValuer with the redacted form.
func (i INE) LogValue() slog.Value { return slog.StringValue(i.redacted()) }

// NormalizeINE returns s without surrounding or inner white space and in
// upper case: INEs are often typed or pasted as "120 345 678ab", and the hash
// (unqid) must be the same for every spelling of the same identifier.
func NormalizeINE(s string) INE {
	if isCanonicalINE(s) {
		return INE{v: s} // nothing to remove or upper-case: no copy
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return INE{v: b.String()}
}

// isCanonicalINE reports whether s holds only ASCII digits and upper-case
// letters, the form NormalizeINE gives.
func isCanonicalINE(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && !isUpper(c) {
			return false
		}
	}
	return true
}

// INEKind says which family of identifier an INE looks like. The kinds have
// different shapes; only BEA has a public check key.
type INEKind int

// The INE kinds, by shape (11 characters in every case).
const (
	// INEUnknown is returned with an error when no shape matches.
	INEUnknown INEKind = iota
	// INERNIE is the current identifier (ID_NATIONAL since 2017): 9 digits and
	// 2 letters from A–H, J, K. Its key algorithm is not public: shape only.
	INERNIE
	// INEBEA is the older identifier: 10 digits and a check letter equal to
	// alphabet[number % 23], the UAI alphabet.
	INEBEA
	// INEHigherEd is the higher-education identifier: 10 base-36 characters
	// and a digit. Shape only.
	INEHigherEd
	// INEApprentice is the apprentice identifier (SIFA): 4 digits, A, 5 digits
	// and a letter. Shape only.
	INEApprentice
	// INEProvisional is a provisional identifier: 4 digits, D, 5 digits and a
	// letter. Shape only.
	INEProvisional
)

// String returns a short French label for import reports.
func (k INEKind) String() string {
	switch k {
	case INERNIE:
		return "RNIE"
	case INEBEA:
		return "BEA"
	case INEHigherEd:
		return "enseignement supérieur"
	case INEApprentice:
		return "apprenti"
	case INEProvisional:
		return "provisoire"
	default:
		return "inconnu"
	}
}

// Errors of CheckINE. Their text never contains the INE itself, so they can
// be logged and shown in import reports.
var (
	// ErrINEEmpty means there is no INE at all: the student cannot be matched
	// across establishments, hence cannot be transferred.
	ErrINEEmpty = errors.New("INE absent")
	// ErrINEShape means the value matches none of the known INE shapes.
	ErrINEShape = errors.New("INE de forme inconnue")
	// ErrINEKey means the value has the BEA shape but a wrong check letter.
	ErrINEKey = errors.New("clé de contrôle de l’INE incorrecte")
)

// CheckINE says which kind of INE i is and whether its check key (BEA only)
// is right. Call NormalizeINE first: CheckINE checks the exact value because
// that is the value that will be hashed.
//
// Real data fails strict checks (a national project had to relax its own in
// 2023), so the importer treats an error as a warning, never as a reason to
// reject a student. For ErrINEKey the returned kind is INEBEA.
//
// The error text never contains the INE.
func CheckINE(i INE) (INEKind, error) {
	s := i.v
	switch {
	case s == "":
		return INEUnknown, ErrINEEmpty
	case utf8.RuneCountInString(s) != 11:
		n := utf8.RuneCountInString(s)
		return INEUnknown, valueError(ErrINEShape, "siecle.ine.length", map[string]string{"n": strconv.Itoa(n)}, "%d caractères au lieu de 11", n)
	case len(s) != 11:
		return INEUnknown, valueError(ErrINEShape, "siecle.ine.chars", nil, "caractères non autorisés (seuls les chiffres et les lettres sans accent sont possibles)")
	case allDigits(s[:9]) && rnieLetter(s[9]) && rnieLetter(s[10]):
		return INERNIE, nil
	case allDigits(s[:10]) && isUpper(s[10]):
		n, _ := strconv.ParseInt(s[:10], 10, 64)
		if checkAlphabet[n%23] != s[10] {
			return INEBEA, ErrINEKey
		}
		return INEBEA, nil
	case allDigits(s[:4]) && s[4] == 'A' && allDigits(s[5:10]) && isUpper(s[10]):
		return INEApprentice, nil
	case allDigits(s[:4]) && s[4] == 'D' && allDigits(s[5:10]) && isUpper(s[10]):
		return INEProvisional, nil
	case allBase36(s[:10]) && isDigit(s[10]):
		return INEHigherEd, nil
	}
	return INEUnknown, valueError(ErrINEShape, "siecle.ine.kind", nil, "ni RNIE (9 chiffres et 2 lettres), ni BEA (10 chiffres et une lettre), ni apprenti, ni provisoire, ni enseignement supérieur")
}

// MakeBEA returns the valid BEA-shaped INE of the 10-digit number n
// (0 ≤ n ≤ 9,999,999,999), for generators and tests. It panics when n is
// out of range, which is a programming error.
func MakeBEA(n int64) INE {
	if n < 0 || n > 9_999_999_999 {
		panic(fmt.Sprintf("siecle.MakeBEA: %d is not a 10-digit number", n))
	}
	return INE{v: fmt.Sprintf("%010d%c", n, checkAlphabet[n%23])}
}

// rnieLetter reports whether c is one of the letters an RNIE ends with.
func rnieLetter(c byte) bool { return (c >= 'A' && c <= 'H') || c == 'J' || c == 'K' }

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// allBase36 reports whether s is made of digits and upper-case ASCII letters.
func allBase36(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && !isUpper(s[i]) {
			return false
		}
	}
	return s != ""
}
