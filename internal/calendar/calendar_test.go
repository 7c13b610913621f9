package calendar

import (
	"testing"
	"time"
)

func TestDateIsTheParisDay(t *testing.T) {
	for _, c := range []struct {
		in   time.Time
		want string
	}{
		// Midnight in Paris is 23:00 UTC the day before in winter, 22:00 in summer.
		{time.Date(2026, 1, 15, 23, 0, 0, 0, time.UTC), "2026-01-16"},
		{time.Date(2026, 7, 15, 22, 0, 0, 0, time.UTC), "2026-07-16"},
		{time.Date(2026, 7, 15, 21, 59, 0, 0, time.UTC), "2026-07-15"},
	} {
		if got := Date(c.in); got != c.want {
			t.Errorf("Date(%v) = %s, want %s", c.in, got, c.want)
		}
		if got := Today(c.in).Format(DateLayout); got != c.want {
			t.Errorf("Today(%v) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestLongDates(t *testing.T) {
	d := time.Date(2026, 12, 1, 13, 5, 0, 0, time.UTC) // 14:05 in Paris
	for _, c := range []struct{ got, want string }{
		{LongDate("fr", d), "1er\u00a0décembre 2026"},
		{LongDate("en", d), "1 December 2026"},
		{LongDateTime("fr", d), "1er\u00a0décembre 2026 à 14\u00a0h\u00a005"},
		{LongDateTime("en", d), "1 December 2026 at 14:05"},
		{LongDate("fr", time.Date(2026, 8, 15, 0, 0, 0, 0, Paris)), "15\u00a0août 2026"},
		{Month("fr", time.March), "mars"},
		{Month("en", time.March), "March"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	p, err := ParseDate("2026-03-29")
	if err != nil || p.Location() != Paris || p.Hour() != 0 {
		t.Errorf("ParseDate = %v, %v", p, err)
	}
}
