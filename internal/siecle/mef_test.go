package siecle

import (
	"errors"
	"testing"
)

func TestParseMEF(t *testing.T) {
	tests := []struct {
		in   string
		want MEF
		ok   bool
	}{
		{"24720002310", "24720002310", true},
		{"  24131214220  ", "24131214220", true},
		{"", "", false},
		{"2472000231", "", false},
		{"247200023100", "", false},
		{"2472000231A", "", false},
		{"247 0002310", "", false},
	}
	for _, tt := range tests {
		got, err := ParseMEF(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseMEF(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidMEF) {
			t.Errorf("ParseMEF(%q) error does not wrap ErrInvalidMEF", tt.in)
		}
	}
}

func TestMEFAccessors(t *testing.T) {
	m := MEF("24720002310")
	if m.Dispositif() != "247" || m.Speciality() != "200" || m.Sequence() != "02" ||
		m.Duration() != 3 || m.YearInCycle() != 1 || m.Base() != "2472000231" || m.Family() != FamilyBacPro {
		t.Errorf("accessors of %s: %s %s %s %d %d %s %s", m, m.Dispositif(), m.Speciality(), m.Sequence(),
			m.Duration(), m.YearInCycle(), m.Base(), m.Family())
	}
	bad := MEF("junk")
	if bad.Dispositif() != "" || bad.Speciality() != "" || bad.Sequence() != "" || bad.Duration() != 0 ||
		bad.YearInCycle() != 0 || bad.Base() != "" || bad.Family() != FamilyOther {
		t.Error("accessors of a malformed MEF must return zero values")
	}
}

func TestMEFFamily(t *testing.T) {
	tests := []struct {
		mef  MEF
		want Family
	}{
		{"24022104110", FamilyCAP},
		{"24122104210", FamilyCAP},
		{"24222104310", FamilyCAP},
		{"24331212110", FamilyBEP},
		{"24431212210", FamilyBEP},
		{"24731212310", FamilyBacPro},
		{"24531212110", FamilyOther},
		{"24631212210", FamilyOther},
		{"10010012110", FamilyCollege},
		{"10310019110", FamilyCollege},
		{"10710019110", FamilyOther},
		{"20010018110", FamilyGeneral},
		{"20212345110", FamilyGeneral},
		{"21012345110", FamilyTechno},
		{"21412345110", FamilyTechno},
		{"31012345210", FamilyBTS},
		{"31212345210", FamilyBTS},
		{"99912345210", FamilyOther},
	}
	for _, tt := range tests {
		if got := tt.mef.Family(); got != tt.want {
			t.Errorf("%s.Family() = %s, want %s", tt.mef, got, tt.want)
		}
		if tt.want.Label() == "" {
			t.Errorf("%s has no label", tt.want)
		}
	}
}

func TestSameDiploma(t *testing.T) {
	tests := []struct {
		name string
		a, b MEF
		want bool
	}{
		{"same MEF", "24731212310", "24731212310", true},
		{"bac pro seconde and terminale", "24731212310", "24731212330", true},
		{"bac pro variant digit", "24731212310", "24731212311", true},
		{"CAP 1 year and CAP 2 years", "24022104110", "24122104220", true},
		{"CAP 2 years and CAP 3 years", "24122104210", "24222104310", true},
		{"CAP other sequence same speciality", "24122104210", "24122199210", true},
		{"BEP 1 and 2 years", "24331212110", "24431212220", true},
		{"BEP and bac pro same speciality", "24431212210", "24731212310", false},
		{"CAP and bac pro same speciality", "24131214220", "24731212310", false},
		{"CAP and BEP same speciality", "24131214220", "24431212220", false},
		{"bac pro other speciality", "24731212310", "24725503310", false},
		{"CAP other speciality", "24122104210", "24131214210", false},
		{"collège 6e and 3e", "10010019110", "10310019110", true},
		{"collège and lycée général", "10310019110", "20010019110", false},
		{"BTS 1st and 2nd year", "31012345210", "31112345220", true},
		{"unknown dispositif matches itself", "25012345110", "25012345110", true},
		{"unknown dispositif, other year", "25012345110", "25012399120", true},
		{"two unknown dispositifs", "25012345110", "25112345110", false},
		{"unknown and CAP", "25012345110", "24012345110", false},
		{"malformed", "2473121231", "24731212310", false},
		{"both empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SameDiploma(tt.a, tt.b); got != tt.want {
				t.Errorf("SameDiploma(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := SameDiploma(tt.b, tt.a); got != tt.want {
				t.Errorf("SameDiploma(%s, %s) = %v, want %v (not symmetric)", tt.b, tt.a, got, tt.want)
			}
		})
	}
}

func TestGeneratedMEFs(t *testing.T) {
	mefs := GeneratedMEFs()
	seen := map[MEF]bool{}
	for _, m := range mefs {
		if _, err := ParseMEF(string(m.Code)); err != nil {
			t.Errorf("%s: %v", m.Code, err)
		}
		if seen[m.Code] {
			t.Errorf("%s listed twice", m.Code)
		}
		seen[m.Code] = true
		if m.Label == "" || m.Formation == "" || m.Code.Family() == FamilyOther {
			t.Errorf("%+v: missing label or unknown family", m)
		}
	}
	// Callers get a copy: changing it does not change the next call.
	mefs[0].Label = "changed"
	if GeneratedMEFs()[0].Label == "changed" {
		t.Error("GeneratedMEFs shares its slice")
	}
}
