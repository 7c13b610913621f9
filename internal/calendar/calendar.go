// Package calendar is the civil calendar cartable's rules are written in: days in
// Europe/Paris (every duration of the seeds — six months, three months, a deadline — is
// counted in French days), and dates written the way French and English readers write
// them. It imports nothing of ours, so every package may use it.
package calendar

import (
	"fmt"
	"time"
	_ "time/tzdata" // Paris days even on a host without zoneinfo: never a silent UTC
)

// Paris is the time zone of every civil date of the product.
var Paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("calendar: %s: %v (time/tzdata is embedded: this cannot happen)", name, err))
	}
	return l
}

// DateLayout is the stored form of a civil date (SIECLE dates, exit dates, deadlines).
const DateLayout = "2006-01-02"

// Today returns midnight, in Paris, of the day of now.
func Today(now time.Time) time.Time {
	t := now.In(Paris)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Paris)
}

// Date returns the Paris day of the instant t in its stored form ("2026-12-03"). The end
// of an access is midnight in Paris: its UTC date is the day before.
func Date(t time.Time) string { return t.In(Paris).Format(DateLayout) }

// ParseDate reads a stored civil date as midnight in Paris.
func ParseDate(s string) (time.Time, error) { return time.ParseInLocation(DateLayout, s, Paris) }

// Month returns the name of m in lang ("fr" by default, or "en"), in lower case in French.
func Month(lang string, m time.Month) string {
	if lang == "en" {
		return m.String()
	}
	return frMonths[m-1]
}

var frMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin",
	"juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// LongDate writes the Paris day of t as people write it: "1er décembre 2026" (with a
// no-break space after the day, so that a date never splits across two lines) or
// "1 December 2026".
func LongDate(lang string, t time.Time) string {
	t = t.In(Paris)
	if lang == "en" {
		return fmt.Sprintf("%d %s %d", t.Day(), t.Month(), t.Year())
	}
	day := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s\u00a0%s %d", day, frMonths[t.Month()-1], t.Year())
}

// LongDateTime writes the Paris day and time of t: "1er décembre 2026 à 14 h 05" (no-break
// spaces inside the time) or "1 December 2026 at 14:05".
func LongDateTime(lang string, t time.Time) string {
	t = t.In(Paris)
	if lang == "en" {
		return LongDate(lang, t) + t.Format(" at 15:04")
	}
	return fmt.Sprintf("%s à %d\u00a0h\u00a0%02d", LongDate(lang, t), t.Hour(), t.Minute())
}
