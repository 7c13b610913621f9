package pdfdoc

import (
	"strings"
	"unicode"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// CoreFontText returns s with every rune the PDF core fonts cannot show replaced by the
// closest one they can. The core fonts are encoded in cp1252, which covers French
// (œ, Œ, €, ’ included); fpdf's translator turns anything else into '.', which would
// silently misspell a name. Here a letter with a diacritic cp1252 lacks loses the
// diacritic (ğ → g, ł → l, ầ → â), a compatibility form becomes its plain form (the ᵉ of
// "3ᵉ" → e, ﬁ → fi), and what remains unknown becomes '?', so the reader sees that
// something was lost. With multiline, line breaks are kept (as "\n"); otherwise they
// become spaces, like tabs and control characters.
// Every document of cartable writes with it (Doc.Text, Doc.Para).
func CoreFontText(s string, multiline bool) string {
	if multiline {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\u00a0':
			// Checked before IsSpace, which counts it: French typography puts it
			// before ":" and inside « » so that they never start a line.
			b.WriteRune(r)
		case r == '\u202f' || r == '\u2007':
			b.WriteRune('\u00a0')
		case multiline && (r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' || r == '\v' || r == '\f' || r == '\u0085'):
			b.WriteByte('\n')
		case unicode.IsSpace(r) || unicode.IsControl(r):
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
	// Decomposed, the rune is base letters followed by their diacritics. Each
	// diacritic is kept if cp1252 has the letter with it, so that a letter with two
	// loses only the one cp1252 lacks (Vietnamese ầ → â, not a).
	var out []rune // the cp1252 letters so far; the last one takes the next marks
	for _, d := range norm.NFKD.String(string(r)) {
		switch {
		case unicode.Is(unicode.Mn, d):
			if len(out) == 0 {
				continue
			}
			last := out[len(out)-1]
			if c := []rune(norm.NFC.String(string([]rune{last, d}))); len(c) == 1 && inCP1252(c[0]) {
				out[len(out)-1] = c[0]
			}
		case inCP1252(d) && !unicode.IsControl(d):
			out = append(out, d)
		default:
			return "?"
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// Truncate shortens s to at most n runes, marking the cut with an ellipsis, so that an
// absurdly long imported value cannot push a line off its place (a table row taller
// than a page, the content onto the footer).
func Truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len([]rune(s)) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n-1])) + "…"
}
