package web

import (
	"net/http"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/i18n"
)

// Languages of the interface: French first (the default), English second.
const (
	langFR = i18n.FR
	langEN = i18n.EN
)

// T translates key into lang, formatting args into it: the pages' name for i18n.T,
// whose catalogue (internal/i18n) holds every message of the interface.
func T(lang, key string, args ...any) string { return i18n.T(lang, key, args...) }

// hasMessage reports whether the catalogue translates key.
func hasMessage(key string) bool { return i18n.Has(key) }

// errorMessage writes an error for the reader of a page, in his language, from its
// code and parameters (i18n.Error).
func errorMessage(l string, err error) string { return i18n.Error(l, err) }

// localized returns err with its message in the reader's language, for the JSON
// answers the pages' scripts show (grid.js); its code, kind and cause stay.
func localized(l string, err error) error {
	e := *apperr.As(err)
	e.Message = errorMessage(l, err)
	return &e
}

// language picks the interface language: the one the user chose (the lang cookie set by
// the language link), else French — the interface's language, whatever the browser's
// settings, since French-speaking schools' devices are often set up in English.
func language(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil && (c.Value == langFR || c.Value == langEN) {
		return c.Value
	}
	return langFR
}
