package siecle

import (
	"errors"
	"strings"
	"testing"
)

func TestParseUAI(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantMsg string // substring of the error, "" when valid
	}{
		{in: "0382032C", want: "0382032C"},
		{in: "0442953W", want: "0442953W"},
		{in: "0756036D", want: "0756036D"},
		{in: "0040533H", want: "0040533H"},
		{in: "0691234S", want: "0691234S"},
		{in: "0381234K", want: "0381234K"},
		{in: "  0382032c\t", want: "0382032C"},
		// Second form: 6 digits, X, letter = alphabet[(123456×8+1) % 23] = alphabet[6].
		{in: "123456XG", want: "123456XG"},
		{in: "123456xg", want: "123456XG"},
		{in: "123456XH", wantMsg: "lettre attendue est G"},
		{in: "0382032D", wantMsg: "lettre attendue est C"},
		{in: "", wantMsg: "vide"},
		{in: "   ", wantMsg: "vide"},
		{in: "0382032", wantMsg: "7 caractères au lieu de 8"},
		{in: "0382032CC", wantMsg: "9 caractères au lieu de 8"},
		{in: "03820321", wantMsg: "lettre de contrôle"},
		{in: "03A2032C", wantMsg: "7 chiffres"},
		{in: "038203éC", wantMsg: "non autorisé"},
		{in: "12345YXG", wantMsg: "7 chiffres"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseUAI(tt.in)
			if tt.wantMsg == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParseUAI(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				if !ValidUAI(tt.in) {
					t.Errorf("ValidUAI(%q) = false", tt.in)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseUAI(%q) = %q, want an error", tt.in, got)
			}
			if !errors.Is(err, ErrInvalidUAI) {
				t.Errorf("error %v does not wrap ErrInvalidUAI", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("ParseUAI(%q) error %q, want it to contain %q", tt.in, err, tt.wantMsg)
			}
			if ValidUAI(tt.in) {
				t.Errorf("ValidUAI(%q) = true", tt.in)
			}
		})
	}
}

func TestMakeUAI(t *testing.T) {
	if got := MakeUAI(382032); got != "0382032C" {
		t.Errorf("MakeUAI(382032) = %q, want 0382032C", got)
	}
	for _, n := range []int{0, 1, 22, 23, 442953, 756036, 9_999_999} {
		u := MakeUAI(n)
		if !ValidUAI(u) {
			t.Errorf("MakeUAI(%d) = %q is not valid", n, u)
		}
		l, err := UAICheckLetter(u[:7])
		if err != nil || l != u[7] {
			t.Errorf("UAICheckLetter(%q) = %c, %v; want %c", u[:7], l, err, u[7])
		}
	}
	for _, bad := range []string{"", "123456", "12345678", "12a4567"} {
		if _, err := UAICheckLetter(bad); err == nil {
			t.Errorf("UAICheckLetter(%q) succeeded", bad)
		}
	}
	for _, n := range []int{-1, 10_000_000} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("MakeUAI(%d) did not panic", n)
				}
			}()
			MakeUAI(n)
		}()
	}
}
