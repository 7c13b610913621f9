package siecle

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date is a civil date (year, month, day) without time of day or time zone.
// SIECLE dates (birth, entry, exit) are calendar days; carrying them as
// time.Time would invite time-zone shifts of one day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ErrInvalidDate is wrapped by the errors of ParseDate.
var ErrInvalidDate = errors.New("date invalide")

// ParseDate reads a SIECLE date, dd/mm/yyyy. It is liberal about one-digit
// days and months and surrounding spaces (seen in files edited by hand) and
// strict about the calendar: 31/02/2009 is an error. An empty string gives
// the zero Date and no error, because an absent date is not a bad one.
func ParseDate(s string) (Date, error) {
	if len(s) == 10 && s[2] == '/' && s[5] == '/' {
		// Fast path for the form SIECLE writes, dd/mm/yyyy; anything else,
		// and every error, takes the general path below.
		d, okd := twoDigits(s[0], s[1])
		m, okm := twoDigits(s[3], s[4])
		y1, oky1 := twoDigits(s[6], s[7])
		y2, oky2 := twoDigits(s[8], s[9])
		y := y1*100 + y2
		if okd && okm && oky1 && oky2 && y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(time.Month(m), y) {
			return Date{Year: y, Month: time.Month(m), Day: d}, nil
		}
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, nil
	}
	parts := strings.Split(s, "/")
	if len(parts) != 3 || len(parts[0]) < 1 || len(parts[0]) > 2 || len(parts[1]) < 1 || len(parts[1]) > 2 || len(parts[2]) != 4 ||
		!allDigits(parts[0]) || !allDigits(parts[1]) || !allDigits(parts[2]) {
		return Date{}, valueError(ErrInvalidDate, "siecle.date.format", map[string]string{"value": s}, "%q n’est pas au format jj/mm/aaaa", s)
	}
	d, _ := strconv.Atoi(parts[0])
	m, _ := strconv.Atoi(parts[1])
	y, _ := strconv.Atoi(parts[2])
	date := Date{Year: y, Month: time.Month(m), Day: d}
	if y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(date.Month, y) {
		return Date{}, valueError(ErrInvalidDate, "siecle.date.calendar", map[string]string{"value": s}, "le %q n’existe pas dans le calendrier", s)
	}
	return date, nil
}

// daysIn returns the number of days of month m (1–12) in year y of the
// Gregorian calendar.
func daysIn(m time.Month, y int) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// twoDigits returns the number written by the ASCII digits a and b.
func twoDigits(a, b byte) (int, bool) {
	if a < '0' || a > '9' || b < '0' || b > '9' {
		return 0, false
	}
	return int(a-'0')*10 + int(b-'0'), true
}

// DateOf returns the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// IsZero reports whether the date is absent.
func (d Date) IsZero() bool { return d == Date{} }

// String returns the ISO 8601 form YYYY-MM-DD, or "" for the zero Date so
// that an absent date prints as nothing rather than as a fake year 0.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// French returns the date as dd/mm/yyyy, the form French users read and
// SIECLE writes, or "" for the zero Date.
func (d Date) French() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
}

// Time returns midnight of the date in loc (UTC when loc is nil).
func (d Date) Time(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	if c := cmp.Compare(d.Year, e.Year); c != 0 {
		return c
	}
	if c := cmp.Compare(d.Month, e.Month); c != 0 {
		return c
	}
	return cmp.Compare(d.Day, e.Day)
}

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date { return DateOf(d.Time(time.UTC).AddDate(0, 0, n)) }

// MarshalText implements encoding.TextMarshaler with the ISO form ("" for
// the zero Date), the form JSON APIs and databases expect.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler for the ISO form
// YYYY-MM-DD; an empty text gives the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	t, err := time.Parse(time.DateOnly, string(b))
	if err != nil {
		return valueError(ErrInvalidDate, "siecle.date.iso", map[string]string{"value": string(b)}, "%q n’est pas au format aaaa-mm-jj", b)
	}
	*d = DateOf(t)
	return nil
}
