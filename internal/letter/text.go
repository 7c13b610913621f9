package letter

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// toCP1252 returns s with every rune the PDF core fonts cannot show replaced by the
// closest one they can. The core fonts (Helvetica, Courier) are encoded in cp1252, which
// covers French, including œ, Œ, € and ’; fpdf's translator turns anything else into
// '.', which would silently misspell a pupil's name. Here a letter with a diacritic
// outside cp1252 loses the diacritic (ğ → g, ł → l), a compatibility form becomes its
// plain form (the ᵉ of "3ᵉ" → e, ﬁ → fi), and what remains unknown becomes '?', so the
// reader sees that something was lost rather than a plausible wrong name.
func toCP1252(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\u00a0':
			// Checked before IsSpace, which counts it: French typography puts it
			// before ":" and inside « » so that they never start a line.
			b.WriteRune(r)
		case r == '\u202f' || r == '\u2007':
			// Narrow and figure no-break spaces, missing from cp1252: keep them
			// unbreakable.
			b.WriteRune('\u00a0')
		case unicode.IsSpace(r) || unicode.IsControl(r):
			// A tab or a line break from an imported file must not start a new line in
			// a one-line field.
			b.WriteByte(' ')
		case unicode.Is(unicode.Cf, r):
			// Invisible format characters (zero-width space, soft hyphen, direction
			// marks) have nothing to print.
		case inCP1252(r):
			b.WriteRune(r)
		default:
			b.WriteString(transliterate(r))
		}
	}
	return b.String()
}

// inCP1252 reports whether r has a glyph in the cp1252 core fonts.
func inCP1252(r rune) bool {
	if r < 0x80 {
		return true
	}
	_, ok := charmap.Windows1252.EncodeRune(r)
	return ok
}

// transliterate returns the cp1252 spelling of a rune that cp1252 lacks.
func transliterate(r rune) string {
	// Letters whose stroke is not a combining mark, so decomposition leaves them whole.
	switch r {
	case 'ł':
		return "l"
	case 'Ł':
		return "L"
	case 'đ':
		return "d"
	case 'Đ':
		return "D"
	case 'ı':
		return "i"
	case 'ħ':
		return "h"
	case 'Ħ':
		return "H"
	case '‐', '‑', '‒', '−':
		return "-"
	}
	var b strings.Builder
	for _, d := range norm.NFKD.String(string(r)) {
		switch {
		case unicode.Is(unicode.Mn, d):
			// the diacritic cp1252 cannot carry
		case inCP1252(d) && !unicode.IsControl(d):
			b.WriteRune(d)
		default:
			return "?"
		}
	}
	if b.Len() == 0 {
		return "?"
	}
	return b.String()
}

// truncate shortens s to at most n runes, marking the cut with an ellipsis, so that an
// absurdly long imported value cannot push the page's content onto the footer.
func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len([]rune(s)) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n-1])) + "…"
}

// formatDate writes t as people write a date and time in lang: "1er décembre 2026 à
// 14 h 05" in French (with no-break spaces so that the time never splits across two
// lines) and "1 December 2026 at 14:05" in English. t must already be in the time zone
// to show.
func formatDate(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("2 January 2006 at 15:04")
	}
	months := [...]string{"janvier", "février", "mars", "avril", "mai", "juin",
		"juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	day := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s\u00a0%s %d à %d\u00a0h\u00a0%02d", day, months[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}
