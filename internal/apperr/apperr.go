// Package apperr defines the kinds of error the application reports to its users.
//
// Services return *Error values built with the helpers below; the HTTP layers map the
// kind to a status code in one place (httpx). Message, in English, is written for the
// API's clients, the command line and the logs, and never contains a secret; pages
// write the error in the reader's language from its code (or Key) and Params, with the
// message catalogue (internal/i18n). Internal causes are wrapped in Err and only logged.
package apperr

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Kind classifies an error for the transports.
type Kind int

// The kinds of error. Their order has no meaning.
const (
	KindInternal        Kind = iota // a bug or an unavailable dependency: 500
	KindInvalid                     // bad input: 400 or 422
	KindNotFound                    // no such object, or not visible to the caller: 404
	KindConflict                    // already exists / concurrent change: 409
	KindGone                        // existed once, consumed or expired: 410
	KindUnauthenticated             // missing or wrong credentials: 401
	KindForbidden                   // authenticated but not allowed: 403
	KindTooMany                     // rate limited: 429
	KindUnavailable                 // overloaded, retry later: 503
	KindUnsupported                 // unsupported media type: 415
	KindTooLarge                    // payload too large: 413
)

// Error is an error meant to be shown to a user.
type Error struct {
	Kind Kind
	// Code is a stable, machine-readable identifier such as "invalid_credentials".
	Code string
	// Message is safe to show to the user (no secret, no internal detail). It is
	// English; when the catalogue's message for the error has a {detail} parameter,
	// Message fills it unless Params gives one (a file parser's own words).
	Message string
	// Key is the catalogue's message that explains the error when it is not the one
	// of Code: one code may have several explanations ("invalid_archive.entries").
	Key string
	// Params are the named parameters of that message ({field}, {max}…), so that a
	// page writes the error in its reader's language.
	Params map[string]any
	// RetryAfter, when positive, tells the client when to retry (429, 503).
	RetryAfter time.Duration
	// Err is the internal cause, logged but never shown.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, &Error{Code: "x"}) match on the code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func newf(k Kind, code, format string, args ...any) *Error {
	return &Error{Kind: k, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports bad input.
func Invalid(code, format string, args ...any) *Error {
	return newf(KindInvalid, code, format, args...)
}

// NotFound reports a missing object.
func NotFound(code, format string, args ...any) *Error {
	return newf(KindNotFound, code, format, args...)
}

// Conflict reports a uniqueness or concurrency conflict.
func Conflict(code, format string, args ...any) *Error {
	return newf(KindConflict, code, format, args...)
}

// Gone reports an object that was consumed or expired.
func Gone(code, format string, args ...any) *Error {
	return newf(KindGone, code, format, args...)
}

// Unauthenticated reports missing or wrong credentials.
func Unauthenticated(code, format string, args ...any) *Error {
	return newf(KindUnauthenticated, code, format, args...)
}

// Forbidden reports an action the caller may not perform.
func Forbidden(code, format string, args ...any) *Error {
	return newf(KindForbidden, code, format, args...)
}

// TooMany reports a rate limit; retry tells when to try again.
func TooMany(code string, retry time.Duration, format string, args ...any) *Error {
	e := newf(KindTooMany, code, format, args...)
	e.RetryAfter = retry
	return e
}

// Unavailable reports an overload; retry tells when to try again.
func Unavailable(code string, retry time.Duration, format string, args ...any) *Error {
	e := newf(KindUnavailable, code, format, args...)
	e.RetryAfter = retry
	return e
}

// Unsupported reports an unsupported content type.
func Unsupported(code, format string, args ...any) *Error {
	return newf(KindUnsupported, code, format, args...)
}

// TooLarge reports a payload over a limit.
func TooLarge(code, format string, args ...any) *Error {
	return newf(KindTooLarge, code, format, args...)
}

// TooLong reports a text field over its documented limit (docs/limits.md). The message
// names the field, so that a page, an API client or an import report says which one.
func TooLong(field string, max int) *Error {
	e := newf(KindInvalid, "too_long", "%s: more than %d characters", field, max)
	e.Params = map[string]any{"field": field, "max": max}
	return e
}

// TooManyItems reports a list over its documented limit (docs/limits.md): more than max
// items in field.
func TooManyItems(field string, max int) *Error {
	e := newf(KindInvalid, "too_many", "%s: more than %d", field, max)
	e.Params = map[string]any{"field": field, "max": max}
	return e
}

// CheckLen returns TooLong when value holds more than max characters (runes, not bytes:
// a limit is what a user can count).
func CheckLen(field, value string, max int) error {
	// A string of at most max bytes has at most max runes: skip the count.
	if len(value) <= max || utf8.RuneCountInString(value) <= max {
		return nil
	}
	return TooLong(field, max)
}

// Internal wraps an unexpected error; its message is generic.
func Internal(err error) *Error {
	return &Error{Kind: KindInternal, Code: "internal", Message: "internal error", Err: err}
}

// With returns a copy of e with the named parameter name of its message set to value.
func (e *Error) With(name string, value any) *Error {
	c := *e
	c.Params = make(map[string]any, len(e.Params)+1)
	for k, v := range e.Params {
		c.Params[k] = v
	}
	c.Params[name] = value
	return &c
}

// WithKey returns a copy of e explained by the catalogue's message key.
func (e *Error) WithKey(key string) *Error {
	c := *e
	c.Key = key
	return &c
}

// Wrap attaches an internal cause to e and returns e.
func (e *Error) Wrap(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// As returns the *Error in err's chain, or an Internal error wrapping err.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// KindOf returns the kind of err (KindInternal for foreign errors).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// CodeOf returns the code of err ("internal" for foreign errors).
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "internal"
}
