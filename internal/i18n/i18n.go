// Package i18n is the message catalogue of cartable: every text a user reads — pages,
// PDF documents, letters, errors, stored reasons — in French (the default) and
// English, under a stable key.
//
// The catalogue is split by area, one file each (accounts.go, records.go,
// transfers.go…), each adding its messages with add in an init function; a key
// defined twice stops the program at start-up. Messages take either positional
// arguments (fmt verbs: "Élèves %d à %d sur %d") or named parameters ("{max}"), never
// both: named parameters are what services store (a reason code and its parameters)
// and attach to errors (apperr.Error.Params), so that the text is written when it is
// read, in the reader's language.
//
// The package is a leaf: it imports nothing of cartable's but apperr, so that any
// package may use it.
package i18n

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The languages of cartable: French first (the default), English second.
const (
	FR = "fr"
	EN = "en"
)

// Msg is one message in both languages.
type Msg struct{ FR, EN string }

// In returns the message in lang (French unless lang is English).
func (m Msg) In(lang string) string {
	if Base(lang) == EN {
		return m.EN
	}
	return m.FR
}

// Args are the named parameters of a message: T(lang, key, Args{"max": 200}) writes
// 200 in place of "{max}". Values are written with fmt.Sprint; a value that has a
// Text(lang string) string method (a date, a label) is written in the reader's
// language.
type Args map[string]any

// Localized is a parameter written in the reader's language.
type Localized interface {
	Text(lang string) string
}

// catalogue holds every message, by key.
var catalogue = map[string]Msg{}

// add puts an area's messages into the catalogue; a key defined twice is a programming
// error, reported when the program starts.
func add(area string, msgs map[string]Msg) {
	for k, m := range msgs {
		if _, dup := catalogue[k]; dup {
			panic("i18n: message " + k + " is defined twice (" + area + ")")
		}
		catalogue[k] = m
	}
}

// T writes the message key in lang. Its arguments are either one Args (named
// parameters) or the values of its fmt verbs. A key without message is returned as
// it is, so that a missing message shows where it is missing.
func T(lang, key string, args ...any) string {
	m, ok := catalogue[key]
	if !ok {
		return key
	}
	return format(lang, m.In(lang), args)
}

func format(lang, s string, args []any) string {
	if len(args) == 1 {
		if a, ok := args[0].(Args); ok {
			return Expand(lang, s, a)
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether the catalogue has a message for key.
func Has(key string) bool {
	_, ok := catalogue[key]
	return ok
}

// Lookup returns the message of key.
func Lookup(key string) (Msg, bool) {
	m, ok := catalogue[key]
	return m, ok
}

// Keys returns every key of the catalogue, sorted.
func Keys() []string {
	return slices.Sorted(maps.Keys(catalogue))
}

// Expand writes args in place of the named parameters of s ("{name}"). A parameter
// args lacks is left as it is, so that the omission shows.
func Expand(lang, s string, args Args) string {
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		name := s[i+1 : i+j]
		v, ok := args[name]
		if !ok || !isName(name) {
			b.WriteString(s[:i+j+1])
			s = s[i+j+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(text(lang, v))
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// text writes a parameter's value.
func text(lang string, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case Localized:
		return x.Text(lang)
	}
	return fmt.Sprint(v)
}

// isName reports whether s may name a parameter: lower-case letters, digits and "_".
func isName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// Placeholders returns the named parameters of s, in order of appearance.
func Placeholders(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		if name := s[i+1 : i+j]; isName(name) {
			out = append(out, name)
		}
		s = s[i+j+1:]
	}
}

// N writes the plural form of key that suits the count n: the message key+"#one" or
// key+"#other", by the rule of lang (French: 0 and 1 are singular; English: 1 only).
// n is given to the message as the named parameter "n" when args are Args, or as its
// first fmt argument otherwise.
func N(lang, key string, n int, args ...any) string {
	form := key + "#other"
	if n == 1 || n == 0 && Base(lang) == FR {
		form = key + "#one"
	}
	if len(args) == 1 {
		if a, ok := args[0].(Args); ok {
			b := maps.Clone(a)
			b["n"] = n
			return T(lang, form, b)
		}
	}
	return T(lang, form, append([]any{n}, args...)...)
}

// Base returns the language of cartable a language tag asks for: English for "en" and
// its regional forms ("en-GB", "en_US"), French for anything else — the language of
// the schools.
func Base(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	base, _, _ = strings.Cut(base, "_")
	if base == EN {
		return EN
	}
	return FR
}

// Negotiate picks the language of cartable an Accept-Language header prefers (the
// highest weight among French and English, the first one listed on a tie), or
// fallback when it names neither.
func Negotiate(acceptLanguage, fallback string) string {
	best, bestQ := "", 0.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(part, ";")
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if base != FR && base != EN {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		if q > bestQ {
			best, bestQ = base, q
		}
	}
	if best == "" {
		return fallback
	}
	return best
}

// Tag returns the language tag a document declares for lang (a PDF's /Lang, for screen
// readers): "fr-FR" or "en".
func Tag(lang string) string {
	if Base(lang) == EN {
		return "en"
	}
	return "fr-FR"
}
