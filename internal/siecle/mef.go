package siecle

import (
	"errors"
	"strings"
)

// MEF is a formation code (module élémentaire de formation): 11 digits naming
// one year of one formation. Positions 1–3 are the dispositif (the kind of
// diploma and its length), 4–6 the speciality group, 7–8 a sequence number,
// 9 the duration in years, 10 the year in the cycle and 11 a variant.
//
// Accessors assume a well-formed MEF (obtained from ParseMEF); on anything
// else they return zero values rather than panic, because MEFs come from
// files and databases that may hold junk.
type MEF string

// ErrInvalidMEF is wrapped by the errors of ParseMEF.
var ErrInvalidMEF = errors.New("code MEF invalide")

// ParseMEF validates a MEF: 11 digits once surrounding spaces are removed
// (Nomenclature.xml pads its values with spaces).
func ParseMEF(s string) (MEF, error) {
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return "", valueError(ErrInvalidMEF, "siecle.mef.empty", nil, "le code est vide (11 chiffres attendus)")
	case len(t) != 11 || !allDigits(t):
		return "", valueError(ErrInvalidMEF, "siecle.mef.digits", map[string]string{"value": t}, "%q n’est pas formé de 11 chiffres", t)
	}
	return MEF(t), nil
}

// valid reports whether m has the 11-digit shape the accessors rely on.
func (m MEF) valid() bool { return len(m) == 11 && allDigits(string(m)) }

// Dispositif returns positions 1–3, the kind of formation (for example 247
// for a 3-year Bac pro), or "" for a malformed MEF.
func (m MEF) Dispositif() string {
	if !m.valid() {
		return ""
	}
	return string(m[0:3])
}

// Speciality returns positions 4–6, the speciality group of the formation,
// or "" for a malformed MEF.
func (m MEF) Speciality() string {
	if !m.valid() {
		return ""
	}
	return string(m[3:6])
}

// Sequence returns positions 7–8, an order number inside the speciality
// group, or "" for a malformed MEF.
func (m MEF) Sequence() string {
	if !m.valid() {
		return ""
	}
	return string(m[6:8])
}

// Duration returns position 9, the length of the formation in years, or 0
// for a malformed MEF.
func (m MEF) Duration() int {
	if !m.valid() {
		return 0
	}
	return int(m[8] - '0')
}

// YearInCycle returns position 10, the year of the formation this MEF
// describes (1 for the first year), or 0 for a malformed MEF.
func (m MEF) YearInCycle() int {
	if !m.valid() {
		return 0
	}
	return int(m[9] - '0')
}

// Base returns the first 10 digits, the MEF without its variant digit: the
// variant distinguishes statistical sub-cases of the same year of the same
// formation, so comparisons of "same formation, same year" use Base.
func (m MEF) Base() string {
	if !m.valid() {
		return ""
	}
	return string(m[:10])
}

// Family is the kind of diploma a MEF prepares, derived from its dispositif.
// Its values are stable lower-case words so that they can be stored and used
// in URLs; Label gives the French display name.
type Family string

// The diploma families known to the transfer rule.
const (
	FamilyCAP     Family = "cap"           // dispositifs 240, 241, 242: CAP in 1, 2 or 3 years
	FamilyBEP     Family = "bep"           // dispositifs 243, 244
	FamilyBacPro  Family = "bacpro"        // dispositif 247: Bac pro in 3 years
	FamilyCollege Family = "college"       // dispositifs 100–106
	FamilyGeneral Family = "lycee-general" // dispositifs 200–202
	FamilyTechno  Family = "lycee-techno"  // dispositifs 210–214
	FamilyBTS     Family = "bts"           // dispositifs 310–312
	FamilyOther   Family = "other"         // any other dispositif, or a malformed MEF
)

// Label returns the French name of the family for screens and reports.
func (f Family) Label() string {
	switch f {
	case FamilyCAP:
		return "CAP"
	case FamilyBEP:
		return "BEP"
	case FamilyBacPro:
		return "Bac pro"
	case FamilyCollege:
		return "Collège"
	case FamilyGeneral:
		return "Lycée général"
	case FamilyTechno:
		return "Lycée technologique"
	case FamilyBTS:
		return "BTS"
	default:
		return "Autre formation"
	}
}

// Family returns the diploma family of the MEF's dispositif (positions 1–3).
// Dispositifs that the transfer rule does not know yet fall in FamilyOther
// rather than being guessed.
func (m MEF) Family() Family {
	d := m.Dispositif()
	if d == "" {
		return FamilyOther
	}
	n := int(d[0]-'0')*100 + int(d[1]-'0')*10 + int(d[2]-'0')
	switch {
	case n >= 240 && n <= 242:
		return FamilyCAP
	case n == 243 || n == 244:
		return FamilyBEP
	case n == 247:
		return FamilyBacPro
	case n >= 100 && n <= 106:
		return FamilyCollege
	case n >= 200 && n <= 202:
		return FamilyGeneral
	case n >= 210 && n <= 214:
		return FamilyTechno
	case n >= 310 && n <= 312:
		return FamilyBTS
	}
	return FamilyOther
}

// SameDiploma reports whether two MEFs prepare the same diploma, which
// decides whether a student's evaluations may follow him to his new
// establishment (otherwise he is marked changementDiplome).
//
// Rule: two MEFs prepare the same diploma when both are well-formed
// (11 digits), their speciality groups (positions 4–6) are equal, and their
// dispositifs (positions 1–3) belong to the same family: CAP (240, 241, 242,
// i.e. in 1, 2 or 3 years), BEP (243, 244), Bac pro 3 ans (247), collège
// (100–106), lycée général (200–202), lycée technologique (210–214) or BTS
// (310–312). A dispositif outside these families matches only itself.
// Positions 7–11 (sequence, duration, year in the cycle, variant) are ignored:
// a CAP in 1 year and a CAP in 2 years of the same speciality lead to the
// same diploma, and a student going from seconde to première keeps his. A
// BEP and a Bac pro of the same speciality are different diplomas.
func SameDiploma(a, b MEF) bool {
	if !a.valid() || !b.valid() || a.Speciality() != b.Speciality() {
		return false
	}
	fa, fb := a.Family(), b.Family()
	if fa == FamilyOther || fb == FamilyOther {
		return a.Dispositif() == b.Dispositif()
	}
	return fa == fb
}
