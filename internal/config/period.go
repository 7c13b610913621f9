package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Period is a calendar-aware length of time: "6mo" is six calendar months (what the
// rules say), "30d" thirty calendar days, and anything time.ParseDuration accepts
// ("12h", "90m") an exact duration. Parts combine: "1mo15d".
type Period struct {
	Months, Days int
	Exact        time.Duration
}

var periodPart = regexp.MustCompile(`^(\d+)(mo|d)`)

// ParsePeriod reads a Period.
func ParsePeriod(s string) (Period, error) {
	var p Period
	rest := strings.TrimSpace(s)
	if rest == "" {
		return p, fmt.Errorf("empty period")
	}
	for rest != "" {
		m := periodPart.FindStringSubmatch(rest)
		if m == nil {
			d, err := time.ParseDuration(rest)
			if err != nil {
				return Period{}, fmt.Errorf("invalid period %q: use e.g. 6mo, 30d, 12h", s)
			}
			p.Exact += d
			break
		}
		n, _ := strconv.Atoi(m[1])
		if m[2] == "mo" {
			p.Months += n
		} else {
			p.Days += n
		}
		rest = rest[len(m[0]):]
	}
	if p.Months < 0 || p.Days < 0 || p.Exact < 0 {
		return Period{}, fmt.Errorf("invalid period %q: must not be negative", s)
	}
	return p, nil
}

// MustPeriod parses a constant period and panics on error (for defaults).
func MustPeriod(s string) Period {
	p, err := ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}

// After returns t moved forward by the period.
func (p Period) After(t time.Time) time.Time {
	return t.AddDate(0, p.Months, p.Days).Add(p.Exact)
}

// Before returns t moved backward by the period.
func (p Period) Before(t time.Time) time.Time {
	return t.AddDate(0, -p.Months, -p.Days).Add(-p.Exact)
}

// IsZero reports an empty period.
func (p Period) IsZero() bool { return p.Months == 0 && p.Days == 0 && p.Exact == 0 }

// String formats the period the way ParsePeriod reads it.
func (p Period) String() string {
	var b strings.Builder
	if p.Months > 0 {
		fmt.Fprintf(&b, "%dmo", p.Months)
	}
	if p.Days > 0 {
		fmt.Fprintf(&b, "%dd", p.Days)
	}
	if p.Exact > 0 || b.Len() == 0 {
		b.WriteString(p.Exact.String())
	}
	return b.String()
}

// Set implements flag.Value.
func (p *Period) Set(s string) error {
	v, err := ParsePeriod(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}
