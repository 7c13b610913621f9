package i18n

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

// frenchTypography lists what a French message does against the French typography
// (issue 10, item 9): a straight apostrophe instead of ’, a plain or missing space
// before « : ; ! ? » or inside « », where a no-break space (U+00A0, or the narrow
// U+202F) belongs. A sign inside a word, a number or an address (10:30, https://,
// ?back=) is not punctuation and is left alone.
func frenchTypography(s string) []string {
	var bad []string
	// A header name is code, not French: "Content-Type: application/json".
	s = strings.ReplaceAll(s, "Content-Type:", "")
	r := []rune(s)
	nb := func(c rune) bool { return c == '\u00a0' || c == '\u202f' }
	for i, c := range r {
		var prev, next rune
		if i > 0 {
			prev = r[i-1]
		}
		if i+1 < len(r) {
			next = r[i+1]
		}
		switch c {
		case '\'':
			bad = append(bad, "straight apostrophe, ’ expected")
		case ':', ';', '!', '?', '»':
			if nb(prev) || i == 0 {
				continue
			}
			if c != '»' && next != 0 && !unicode.IsSpace(next) && next != '\u00a0' && !slices.Contains([]rune(".,)»\"”"), next) {
				continue // 10:30, https://, ?back=, a:b
			}
			if prev == ' ' {
				bad = append(bad, "plain space before «"+string(c)+"», no-break space expected")
			} else {
				bad = append(bad, "no space before «"+string(c)+"», no-break space expected")
			}
		case '«':
			if !nb(next) {
				bad = append(bad, "no no-break space after «")
			}
		}
	}
	return bad
}

func TestFrenchTypographyCheck(t *testing.T) {
	for s, want := range map[string]bool{
		"L’élève est inscrit\u00a0: voyez «\u00a0Mes classes\u00a0».": true,
		"Ouvrir https://cartable.example/x?back=/ à 10:30.":           true,
		"Ligne %d, colonne %s\u00a0: %s":                              true,
		"Élève {name}\u202f!":                                         true,
		"L'élève":                                                     false,
		"Attention : ceci":                                            false,
		"Attention: ceci":                                             false,
		"Vraiment ?":                                                  false,
		"Fin{n}!":                                                     false,
		"« Mes classes »":                                             false,
		"«\u00a0Mes classes»":                                         false,
	} {
		if got := len(frenchTypography(s)) == 0; got != want {
			t.Errorf("frenchTypography(%q) = %v, want ok %v", s, frenchTypography(s), want)
		}
	}
}

// TestFrenchTypography: every French message of the catalogue follows the French
// typography (frenchTypography).
func TestFrenchTypography(t *testing.T) {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range catalogue {
			if !yield(k) {
				return
			}
		}
	})
	n := 0
	for _, k := range keys {
		for _, b := range frenchTypography(catalogue[k].FR) {
			n++
			t.Errorf("%s: %s in %q", k, b, catalogue[k].FR)
		}
	}
	if n > 0 {
		t.Logf("%d problems", n)
	}
}
