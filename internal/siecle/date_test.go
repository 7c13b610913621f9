package siecle

import (
	"errors"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"14/03/2009", "2009-03-14", true},
		{" 2/9/2024 ", "2024-09-02", true},
		{"29/02/2024", "2024-02-29", true},
		{"", "", true},
		{"29/02/2023", "", false},
		{"31/04/2024", "", false},
		{"00/01/2024", "", false},
		{"01/13/2024", "", false},
		{"2024-09-02", "", false},
		{"02/09/24", "", false},
		{"02/09/2024 08:00", "", false},
		{"aa/bb/cccc", "", false},
	}
	for _, tt := range tests {
		d, err := ParseDate(tt.in)
		if (err == nil) != tt.ok || d.String() != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %q ok=%v", tt.in, d, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidDate) {
			t.Errorf("ParseDate(%q) error does not wrap ErrInvalidDate", tt.in)
		}
	}
}

func TestDate(t *testing.T) {
	d := Date{2024, time.September, 2}
	if d.String() != "2024-09-02" || d.French() != "02/09/2024" || d.IsZero() {
		t.Errorf("%v %v %v", d.String(), d.French(), d.IsZero())
	}
	if (Date{}).String() != "" || (Date{}).French() != "" || !(Date{}).IsZero() {
		t.Error("zero Date")
	}
	if d.AddDays(30) != (Date{2024, time.October, 2}) || d.AddDays(-2) != (Date{2024, time.August, 31}) {
		t.Error("AddDays")
	}
	if d.Compare(d.AddDays(1)) != -1 || d.AddDays(1).Compare(d) != 1 || d.Compare(d) != 0 ||
		d.Compare(Date{2023, time.December, 31}) != 1 || d.Compare(Date{2024, time.August, 31}) != 1 {
		t.Error("Compare")
	}
	if got := d.Time(nil); !got.Equal(time.Date(2024, 9, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Time = %v", got)
	}
	b, _ := d.MarshalText()
	var back Date
	if err := back.UnmarshalText(b); err != nil || back != d {
		t.Errorf("text round trip: %s → %v, %v", b, back, err)
	}
	if err := back.UnmarshalText([]byte("02/09/2024")); err == nil {
		t.Error("UnmarshalText accepted dd/mm/yyyy")
	}
	if err := back.UnmarshalText(nil); err != nil || !back.IsZero() {
		t.Error("UnmarshalText of empty text")
	}
}
