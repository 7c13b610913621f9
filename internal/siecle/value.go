package siecle

import "fmt"

// ValueError is a value refused by a check of this package (a date, an INE, a MEF, a
// UAI). Its text, in French, says what is wrong; Key and Params name the same
// explanation in cartable's message catalogue (internal/i18n), so that a page can
// write it in its reader's language. It wraps the check's error (ErrInvalidUAI…), which
// errors.Is finds.
type ValueError struct {
	Err    error
	Key    string
	Params map[string]string
	detail string // after Err's text
}

func (e *ValueError) Error() string { return e.Err.Error() + "\u00a0: " + e.detail }

// Unwrap returns the check's error.
func (e *ValueError) Unwrap() error { return e.Err }

// valueError builds a ValueError whose detail is format written with args.
func valueError(err error, key string, params map[string]string, format string, args ...any) *ValueError {
	return &ValueError{Err: err, Key: key, Params: params, detail: fmt.Sprintf(format, args...)}
}
