package i18n

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apperr"
)

// verbRE matches a fmt verb.
var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*(\d+|\*)?(\.(\d+|\*)?)?[a-zA-Z%]`)

func verbs(s string) []string {
	var out []string
	for _, v := range verbRE.FindAllString(s, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	return out
}

// TestCatalogue checks every message: both languages present, with the same fmt verbs
// in the same order or the same named parameters, never both, and writing without
// error.
func TestCatalogue(t *testing.T) {
	if n := len(Keys()); n < 500 {
		t.Fatalf("the catalogue has %d messages: an area is not added?", n)
	}
	for _, k := range Keys() {
		m, _ := Lookup(k)
		if strings.TrimSpace(m.FR) == "" || strings.TrimSpace(m.EN) == "" {
			t.Errorf("%s: empty message (fr %q, en %q)", k, m.FR, m.EN)
			continue
		}
		vf, ve := verbs(m.FR), verbs(m.EN)
		if strings.Join(vf, " ") != strings.Join(ve, " ") {
			t.Errorf("%s: verbs differ: fr %v, en %v", k, vf, ve)
			continue
		}
		pf, pe := Placeholders(m.FR), Placeholders(m.EN)
		slices.Sort(pf)
		slices.Sort(pe)
		if !slices.Equal(pf, pe) {
			t.Errorf("%s: named parameters differ: fr %v, en %v", k, pf, pe)
			continue
		}
		if len(vf) > 0 && len(pf) > 0 {
			t.Errorf("%s: both fmt verbs %v and named parameters %v", k, vf, pf)
		}
		args := make([]any, len(vf))
		for i, v := range vf {
			args[i] = "x"
			if strings.HasSuffix(v, "d") {
				args[i] = 7
			}
		}
		named := Args{}
		for _, p := range pf {
			named[p] = "x"
		}
		for _, l := range []string{FR, EN} {
			s := T(l, k, args...)
			if len(pf) > 0 {
				s = T(l, k, named)
			}
			if strings.Contains(s, "%!") || len(Placeholders(s)) > 0 {
				t.Errorf("%s (%s): badly written: %s", k, l, s)
			}
		}
	}
}

// TestPluralForms: a message with a singular form (key#one) has a plural one
// (key#other) with the same parameters, and the other way round.
func TestPluralForms(t *testing.T) {
	for _, k := range Keys() {
		for suffix, other := range map[string]string{"#one": "#other", "#other": "#one"} {
			base, ok := strings.CutSuffix(k, suffix)
			if !ok {
				continue
			}
			m, ok := Lookup(base + other)
			if !ok {
				t.Errorf("%s has no %s form", k, base+other)
				continue
			}
			mine, _ := Lookup(k)
			if a, b := Placeholders(mine.FR), Placeholders(m.FR); !slices.Equal(a, b) && len(verbs(mine.FR)) != len(verbs(m.FR)) {
				t.Errorf("%s and %s take different parameters", k, base+other)
			}
		}
	}
}

func TestT(t *testing.T) {
	add("test", map[string]Msg{
		"test.positional": {"Élèves %d à %d sur %d", "Students %d to %d of %d"},
		"test.named":      {"plus de {max} caractères dans {field}", "more than {max} characters in {field}"},
		"test.date":       {"le {on}", "on {on}"},
		"test.n#one":      {"{n} élève", "{n} student"},
		"test.n#other":    {"{n} élèves", "{n} students"},
		"test.m#one":      {"%d demande de %s", "%d request from %s"},
		"test.m#other":    {"%d demandes de %s", "%d requests from %s"},
	})
	t.Cleanup(func() {
		for _, k := range []string{"test.positional", "test.named", "test.date", "test.n#one", "test.n#other", "test.m#one", "test.m#other"} {
			delete(catalogue, k)
		}
	})
	for _, tc := range []struct{ got, want string }{
		{T(FR, "test.positional", 1, 100, 250), "Élèves 1 à 100 sur 250"},
		{T("en-GB", "test.positional", 1, 100, 250), "Students 1 to 100 of 250"},
		{T("de", "test.positional", 1, 100, 250), "Élèves 1 à 100 sur 250"},
		{T(EN, "test.named", Args{"max": 200, "field": "title"}), "more than 200 characters in title"},
		{T(FR, "test.named", Args{"max": 200}), "plus de 200 caractères dans {field}"},
		{T(FR, "test.date", Args{"on": day("2026-12-01")}), "le 1 décembre"},
		{T(EN, "test.date", Args{"on": day("2026-12-01")}), "on December 1"},
		{T(FR, "no.such.key"), "no.such.key"},
		{N(FR, "test.n", 0, Args{}), "0 élève"},
		{N(FR, "test.n", 1, Args{}), "1 élève"},
		{N(FR, "test.n", 2, Args{}), "2 élèves"},
		{N(EN, "test.n", 0, Args{}), "0 students"},
		{N(EN, "test.n", 1, Args{}), "1 student"},
		{N(EN, "test.m", 3, "Lyon"), "3 requests from Lyon"},
		{N(FR, "test.m", 1, "Lyon"), "1 demande de Lyon"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// day is a parameter written in the reader's language, as dates are.
type day string

func (d day) Text(lang string) string {
	t, _ := time.Parse(time.DateOnly, string(d))
	if lang == EN {
		return t.Format("January 2")
	}
	return fmt.Sprintf("%d décembre", t.Day())
}

func TestExpandKeepsWhatIsNotAParameter(t *testing.T) {
	for in, want := range map[string]string{
		"{a} and {b}":     "1 and {b}",
		"{ a } {A} {}":    "{ a } {A} {}",
		"open { no close": "open { no close",
		"{a}{a}":          "11",
		"é{a}é":           "é1é",
	} {
		if got := Expand(FR, in, Args{"a": 1}); got != want {
			t.Errorf("Expand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBaseAndTag(t *testing.T) {
	for in, want := range map[string]string{"fr": FR, "fr-FR": FR, "en": EN, "EN_gb": EN, "en-US": EN, "": FR, "de": FR, " en ": EN} {
		if got := Base(in); got != want {
			t.Errorf("Base(%q) = %q, want %q", in, got, want)
		}
	}
	if Tag("fr") != "fr-FR" || Tag("en-GB") != "en" {
		t.Errorf("Tag: %q, %q", Tag("fr"), Tag("en-GB"))
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct{ header, fallback, want string }{
		{"", FR, FR},
		{"", EN, EN},
		{"en-GB,en;q=0.9", FR, EN},
		{"de-DE,de;q=0.9,en;q=0.5,fr;q=0.4", FR, EN},
		{"de-DE,fr;q=0.8,en;q=0.9", FR, EN},
		{"fr-CH, fr;q=0.9, en;q=0.8", EN, FR},
		{"it, es", EN, EN},
		{"en;q=0, fr;q=0.1", EN, FR},
		{"fr;q=abc", EN, FR},
	} {
		if got := Negotiate(tc.header, tc.fallback); got != tc.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tc.header, tc.fallback, got, tc.want)
		}
	}
}

// TestError: an error is written in the reader's language from its code, its Key and
// its parameters; {detail} is the error's own message; {field} is the field's label.
func TestError(t *testing.T) {
	for _, tc := range []struct {
		err    error
		fr, en string
	}{
		{apperr.TooLong("title", 200), "Texte trop long\u00a0: Intitulé, plus de 200 caractères.", "Text too long: Title, more than 200 characters."},
		{apperr.TooLong("results[3].value", 64), "Texte trop long\u00a0: results[3].value, plus de 64 caractères.", "Text too long: results[3].value, more than 64 characters."},
		{apperr.TooManyItems("competencies", 20), "Trop d’éléments en une fois\u00a0: Compétences mobilisées, plus de 20.", "Too many items at once: Competencies involved, more than 20."},
		{apperr.Invalid("invalid_situation", "a situation needs a title or a description"), "Situation refusée\u00a0: donnez-lui un intitulé ou une description.", "Situation rejected: give it a title or a description."},
		{apperr.Invalid("invalid_file", "ligne 3 : XML invalide"), "Fichier refusé, rien n’a été enregistré\u00a0: ligne 3 : XML invalide", "File rejected, nothing was saved: ligne 3 : XML invalide"},
		{apperr.Unsupported("invalid_archive", "a.zip: not a readable ZIP archive: more than 10000 entries").WithKey("invalid_archive.entries").With("file", "a.zip").With("max", 10000),
			"Archive ZIP refusée, rien n’a été enregistré\u00a0: a.zip contient plus de 10000 fichiers.", "ZIP archive rejected, nothing was saved: a.zip holds more than 10000 files."},
		{apperr.Invalid("unknown_code", "as the service says"), "as the service says", "as the service says"},
		{apperr.Invalid("invalid_file", "x").WithKey("no.such.key"), "Fichier refusé, rien n’a été enregistré\u00a0: x", "File rejected, nothing was saved: x"},
		{errors.New("boom"), "Une erreur interne s’est produite. Elle a été enregistrée\u00a0; réessayez plus tard.", "An internal error occurred. It was logged; try again later."},
		{fmt.Errorf("wrapped: %w", apperr.NotFound("student_not_found", "no such student")), "Cet élève n’existe pas.", "No such student."},
	} {
		if got := Error(FR, tc.err); got != tc.fr {
			t.Errorf("%v (fr): %q, want %q", tc.err, got, tc.fr)
		}
		if got := Error("en-GB", tc.err); got != tc.en {
			t.Errorf("%v (en): %q, want %q", tc.err, got, tc.en)
		}
	}
}

// TestWithCopies: parameters and keys are set on a copy, so that a package's error
// value is never changed by one use.
func TestWithCopies(t *testing.T) {
	base := apperr.Invalid("too_many", "x")
	a := base.With("field", "results").With("max", 3)
	b := base.WithKey("invalid_results.value")
	if base.Params != nil || base.Key != "" || b.Params != nil || a.Key != "" || len(a.Params) != 2 {
		t.Errorf("base %+v, a %+v, b %+v", base, a, b)
	}
	if !errors.Is(a, &apperr.Error{Code: "too_many"}) {
		t.Error("a copy lost its code")
	}
}
