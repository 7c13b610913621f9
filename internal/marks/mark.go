// Package marks holds assessments (devoirs), their marks, the averages of a period and
// the class council's appreciations.
//
// Every number is exact: a mark, an "out of" and a coefficient are integer hundredths
// (12,5 is 1250), averages are computed as fractions and rounded once, at the end, to
// the hundredth (the rule: docs/school-year.md and decision 0024).
package marks

import (
	"strconv"
	"strings"

	"github.com/cartable/cartable/internal/apperr"
)

// Code is a mark's special code. A mark with a code has no value and never counts in
// an average.
type Code string

// The special codes schools use.
const (
	Absent     Code = "ABS"  // absent
	Exempted   Code = "DISP" // dispensé
	NotMarked  Code = "NN"   // non noté
	codeNumber Code = ""
)

// Codes are the special codes, in the order the pages list them.
var Codes = []Code{Absent, Exempted, NotMarked}

// Limits of assessments.
const (
	DefaultOutOf = 2000   // 20 points, in hundredths
	MaxOutOf     = 100000 // 1,000 points
	DefaultCoef  = 100    // 1
	MaxCoef      = 10000  // 100
)

// Mark is one pupil's mark for one assessment: a value in hundredths of a point, or a
// special code.
type Mark struct {
	Value int64 `json:"value"` // hundredths of a point, when Code is ""
	Code  Code  `json:"code,omitempty"`
}

// Counts says whether the mark counts in averages: only numbers do.
func (m Mark) Counts() bool { return m.Code == codeNumber }

// String writes the mark as French pages do: "12,5", "ABS".
func (m Mark) String() string { return m.Format("fr") }

// Format writes the mark in a language: decimals only when needed, with a comma in
// French ("12,5", "12,25", "12") and a point in English.
func (m Mark) Format(lang string) string {
	if m.Code != codeNumber {
		return string(m.Code)
	}
	return formatPoints(m.Value, lang, false)
}

// FormatAverage writes an average (hundredths) with its two decimals: "12,50".
func FormatAverage(v int64, lang string) string { return formatPoints(v, lang, true) }

// FormatPoints writes an "out of" or a coefficient (hundredths): "20", "0,5".
func FormatPoints(v int64, lang string) string { return formatPoints(v, lang, false) }

func formatPoints(v int64, lang string, fixed bool) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v/100, 10)
	frac := v % 100
	sep := ","
	if lang == "en" {
		sep = "."
	}
	switch {
	case fixed:
		s += sep + twoDigits(frac)
	case frac == 0:
	case frac%10 == 0:
		s += sep + strconv.FormatInt(frac/10, 10)
	default:
		s += sep + twoDigits(frac)
	}
	if neg {
		s = "-" + s
	}
	return s
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// ParseMark reads a mark as teachers type it: "12,5", "12.5", " 7 ", "ABS", "abs",
// "Disp", "nn" (codes in any case; "A" and "D" are not codes: a typing slip must not
// record an absence). At most two decimals; the value must be between 0 and outOf
// (hundredths). The empty string is no mark: ok is false and err nil.
func ParseMark(s string, outOf int64) (m Mark, ok bool, err error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Mark{}, false, nil
	}
	for _, c := range Codes {
		if strings.EqualFold(t, string(c)) {
			return Mark{Code: c}, true, nil
		}
	}
	v, err := parseHundredths(t)
	if err != nil {
		return Mark{}, false, apperr.Invalid("invalid_mark", "mark %q: write a number such as 12,5 (two decimals at most) or ABS, DISP, NN", s).
			With("value", s)
	}
	if v > outOf {
		return Mark{}, false, apperr.Invalid("mark_out_of_bounds", "mark %q is above the assessment's maximum, %s", s, FormatPoints(outOf, "en")).
			With("value", s).With("max", FormatPoints(outOf, "fr"))
	}
	return Mark{Value: v}, true, nil
}

// ParsePoints reads a positive number of points with at most two decimals ("20",
// "0,5", "1.25") as hundredths, for an "out of" or a coefficient.
func ParsePoints(s string) (int64, error) { return parseHundredths(strings.TrimSpace(s)) }

// parseHundredths reads digits, optionally followed by a comma or a point and one or
// two digits. Signs, exponents, spaces inside and more decimals are refused.
func parseHundredths(t string) (int64, error) {
	whole, frac, dec := t, "", false
	if i := strings.IndexAny(t, ",."); i >= 0 {
		whole, frac, dec = t[:i], t[i+1:], true
	}
	if whole == "" || len(whole) > 7 || !allDigits(whole) || (dec && (frac == "" || len(frac) > 2 || !allDigits(frac))) {
		return 0, strconv.ErrSyntax
	}
	n, _ := strconv.ParseInt(whole, 10, 64)
	n *= 100
	switch len(frac) {
	case 1:
		n += int64(frac[0]-'0') * 10
	case 2:
		n += int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	return n, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CheckOutOf checks an assessment's "out of" (hundredths): above 0, at most 1,000.
func CheckOutOf(v int64) error {
	if v <= 0 || v > MaxOutOf {
		return apperr.Invalid("invalid_out_of", "out of must be above 0 and at most 1000")
	}
	return nil
}

// CheckCoef checks a coefficient (hundredths): above 0, at most 100.
func CheckCoef(v int64) error {
	if v <= 0 || v > MaxCoef {
		return apperr.Invalid("invalid_coefficient", "coefficient must be above 0 and at most 100").With("field", "coefficient")
	}
	return nil
}
