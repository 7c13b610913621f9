package siecle

import (
	"bytes"
	"database/sql/driver"
	"encoding/gob"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestCheckINE(t *testing.T) {
	tests := []struct {
		in      string
		kind    INEKind
		wantErr error
	}{
		{"120345678AB", INERNIE, nil},
		{"121987654CD", INERNIE, nil},
		{"000000000JK", INERNIE, nil},
		{"123456789AI", INEUnknown, ErrINEShape}, // I is not an RNIE letter
		{"0123456789M", INEBEA, nil},
		{"1234567890V", INEBEA, nil},
		{"0000000001B", INEBEA, nil},
		{"0123456789N", INEBEA, ErrINEKey},
		{"0000000001A", INEBEA, ErrINEKey},
		{"1A2B3C4D5E6", INEHigherEd, nil},
		{"ZZZZZZZZZZ0", INEHigherEd, nil},
		{"1234A56789K", INEApprentice, nil},
		{"1234D56789K", INEProvisional, nil},
		{"1234B56789K", INEUnknown, ErrINEShape},
		{"", INEUnknown, ErrINEEmpty},
		{"12345", INEUnknown, ErrINEShape},
		{"0123456789MM", INEUnknown, ErrINEShape},
		{"0123456789é", INEUnknown, ErrINEShape},
		{"0123456789m", INEUnknown, ErrINEShape}, // not normalised: checked as is
		{"012345678-M", INEUnknown, ErrINEShape},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			kind, err := CheckINE(INE{v: tt.in})
			if kind != tt.kind || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("CheckINE(%q) = %v, %v; want %v, %v", tt.in, kind, err, tt.kind, tt.wantErr)
			}
			if err != nil && tt.in != "" && strings.Contains(err.Error(), tt.in) {
				t.Errorf("error %q contains the INE", err)
			}
		})
	}
}

func TestNormalizeINE(t *testing.T) {
	tests := []struct{ in, want string }{
		{" 012 345 6789m\t", "0123456789M"},
		{"120345678ab", "120345678AB"},
		{"120\u00a0345\u00a0678AB", "120345678AB"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeINE(tt.in).Reveal(); got != tt.want {
			t.Errorf("NormalizeINE(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMakeBEA(t *testing.T) {
	if got := MakeBEA(123456789).Reveal(); got != "0123456789M" {
		t.Errorf("MakeBEA(123456789) = %q", got)
	}
	if got := MakeBEA(1234567890).Reveal(); got != "1234567890V" {
		t.Errorf("MakeBEA(1234567890) = %q", got)
	}
	for _, n := range []int64{0, 1, 22, 9_999_999_999} {
		if kind, err := CheckINE(MakeBEA(n)); kind != INEBEA || err != nil {
			t.Errorf("MakeBEA(%d): CheckINE = %v, %v", n, kind, err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("MakeBEA(-1) did not panic")
		}
	}()
	MakeBEA(-1)
}

func TestINEKindString(t *testing.T) {
	for k := INEUnknown; k <= INEProvisional+1; k++ {
		if k.String() == "" {
			t.Errorf("INEKind(%d).String() is empty", k)
		}
	}
}

// TestINENeverLeaks prints an INE in every way a developer might, alone and
// inside a struct, and checks that the value never appears.
func TestINENeverLeaks(t *testing.T) {
	const secret = "120345678AB"
	ine := INE{v: secret}
	s := Student{EleveID: "1", INE: ine, LastName: "DURAND"}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-20v"} {
		outputs = append(outputs, fmt.Sprintf(verb, ine), fmt.Sprintf(verb, s), fmt.Sprintf(verb, &s))
	}
	outputs = append(outputs, fmt.Sprint(ine), fmt.Sprintln(ine, s), ine.String(), ine.GoString())
	for _, v := range []any{ine, s, map[INE]int{ine: 1}, []INE{ine}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, string(b))
	}
	type record struct{ INE INE }
	if b, err := xml.Marshal(record{ine}); err == nil {
		outputs = append(outputs, string(b))
	} else {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("import", "ine", ine, "student", s)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("import", "ine", ine, slog.Any("student", s))
	outputs = append(outputs, buf.String())
	for _, out := range outputs {
		if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
			t.Errorf("INE leaked in %q", out)
		}
	}
	if !strings.Contains(fmt.Sprint(ine), "INE(redacted)") || fmt.Sprint(INE{}) != "INE(none)" {
		t.Errorf("redacted forms: %q, %q", fmt.Sprint(ine), fmt.Sprint(INE{}))
	}
	if ine.Reveal() != secret || ine.IsZero() || !(INE{}).IsZero() {
		t.Error("Reveal/IsZero")
	}
	// An INE cannot be stored by accident: database/sql refuses it as an
	// argument, and gob has nothing to encode.
	if v, err := driver.DefaultParameterConverter.ConvertValue(ine); err == nil {
		t.Errorf("database/sql accepts an INE as %v", v)
	}
	if err := gob.NewEncoder(io.Discard).Encode(ine); err == nil {
		t.Error("gob encodes an INE")
	}
}
