package siecle

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/encoding/charmap"
)

func generate(t testing.TB, o GenOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Generate(&buf, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGenerateRoundTrip(t *testing.T) {
	o := GenOptions{UAI: "0382032C", Students: 500, Seed: 42, LeftPercent: 10}
	data := generate(t, o)
	if !bytes.HasPrefix(data, []byte(`<?xml version="1.0" encoding="ISO-8859-15"?>`)) {
		t.Fatal("not declared ISO-8859-15")
	}
	c := mustRead(t, data)
	if len(c.params) != 1 || c.params[0].UAI != "0382032C" || c.params[0].Year != GenReferenceYear ||
		c.params[0].ExportDate != (Date{GenReferenceYear + 1, time.January, 20}) {
		t.Fatalf("params = %+v", c.params)
	}
	export := c.params[0].ExportDate
	if len(c.students) != 500 || len(c.structures) != 500 {
		t.Fatalf("%d students, %d structures", len(c.students), len(c.structures))
	}

	warnings := map[WarningCode]int{}
	ines := map[INE]int{}
	left, usage, first2, first3, prev, accents, apostrophes, oe := 0, 0, 0, 0, 0, 0, 0, 0
	classMEF := map[string]MEF{}
	classSize := map[string]int{}
	for k, s := range c.students {
		if s.INE != GeneratedINE(k) {
			t.Errorf("student %d: INE differs from GeneratedINE", k)
		}
		for _, w := range s.Warnings {
			warnings[w.Code]++
		}
		if !s.INE.IsZero() {
			ines[s.INE]++
		}
		if s.Left() {
			left++
			if s.MotifSortie == "" || s.ExitDate.Compare(s.EntryDate) <= 0 || s.ExitDate.Compare(export) > 0 {
				t.Errorf("student %d left badly: entry %v exit %v motif %q", k, s.EntryDate, s.ExitDate, s.MotifSortie)
			}
		}
		if s.EntryDate.IsZero() || s.EntryDate.Compare(export) >= 0 {
			t.Errorf("student %d entry date %v", k, s.EntryDate)
		}
		if s.UsageName != "" {
			usage++
		}
		if s.FirstName2 != "" {
			first2++
		}
		if s.FirstName3 != "" {
			first3++
		}
		if s.PreviousUAI != "" {
			prev++
		}
		name := s.LastName + s.FirstName + s.FirstName2 + s.FirstName3
		if strings.IndexFunc(name, func(r rune) bool { return r > unicode.MaxASCII }) >= 0 {
			accents++
		}
		if strings.Contains(name, "'") {
			apostrophes++
		}
		if strings.ContainsAny(name, "Œœ") {
			oe++
		}
		if s.Sex != "M" && s.Sex != "F" || s.LastName == "" || s.FirstName == "" || s.Elenoet == "" {
			t.Errorf("student %d incomplete: %+v", k, s)
		}
		// Age at the start of the school year, consistent with the level.
		age := GenReferenceYear - s.BirthDate.Year
		if age < 14 || age > 20 {
			t.Errorf("student %d (MEF %s) is %d", k, s.MEF, age)
		}
		if s.MEF.Family() == FamilyBacPro && s.MEF.YearInCycle() == 1 && age > 17 {
			t.Errorf("student %d in seconde is %d", k, age)
		}
		var classes []string
		for _, st := range c.structures[s.EleveID] {
			if st.Type == StructureClass {
				classes = append(classes, st.Code)
			}
		}
		if len(classes) != 1 {
			t.Fatalf("student %d classes %v", k, classes)
		}
		cl := classes[0]
		classSize[cl]++
		if m, ok := classMEF[cl]; ok && m != s.MEF {
			t.Errorf("class %s mixes MEFs %s and %s", cl, m, s.MEF)
		}
		classMEF[cl] = s.MEF
	}
	if warnings[WarnINEMissing] != 5 || warnings[WarnINEKey]+warnings[WarnINEShape] != 5 ||
		warnings[WarnINEKey] == 0 || warnings[WarnINEShape] == 0 {
		t.Errorf("INE warnings = %v, want 5 missing and 5 invalid of both kinds", warnings)
	}
	dups := 0
	for _, n := range ines {
		if n > 1 {
			dups++
		}
	}
	if dups != 3 {
		t.Errorf("%d duplicated INEs, want 3", dups)
	}
	if left < 25 || left > 80 {
		t.Errorf("%d students left, want about 50", left)
	}
	if usage == 0 || first2 < 150 || first3 == 0 || prev < 300 || accents < 100 || apostrophes == 0 || oe == 0 {
		t.Errorf("variety: usage %d first2 %d first3 %d prev %d accents %d apostrophes %d œ %d",
			usage, first2, first3, prev, accents, apostrophes, oe)
	}
	if len(classSize) < 10 {
		t.Errorf("only %d classes", len(classSize))
	}
	prefixes := map[string]bool{}
	for cl, n := range classSize {
		if n > 35 || n < 15 {
			t.Errorf("class %s has %d students", cl, n)
		}
		prefixes[cl[:strings.IndexByte(cl, '-')]] = true
	}
	for _, p := range []string{"2NDPRO", "1PRO", "TBPRO", "1CAP", "2CAP", "2BEP"} {
		if !prefixes[p] {
			t.Errorf("no %s class in %v", p, prefixes)
		}
	}

	// Left percentages at both ends.
	for _, pct := range []int{0, 100} {
		o := o
		o.LeftPercent = pct
		n := 0
		for _, s := range mustRead(t, generate(t, o)).students {
			if s.Left() {
				n++
			}
		}
		if n != 500*pct/100 {
			t.Errorf("LeftPercent %d: %d left", pct, n)
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	o := GenOptions{Students: 300, Seed: 7, LeftPercent: 5, FirstIndex: 1000}
	a, b := generate(t, o), generate(t, o)
	if !bytes.Equal(a, b) {
		t.Fatal("same options, different bytes")
	}
	o.Seed = 8
	if bytes.Equal(a, generate(t, o)) {
		t.Fatal("different seeds, same bytes")
	}
}

// TestGenerateOverlap builds two establishments whose index ranges overlap:
// the shared persons have the same INE and identity in both files.
func TestGenerateOverlap(t *testing.T) {
	a := mustRead(t, generate(t, GenOptions{UAI: "0382032C", Students: 500, Seed: 1, FirstIndex: 0, LeftPercent: 100}))
	b := mustRead(t, generate(t, GenOptions{UAI: "0691234S", Students: 500, Seed: 2, FirstIndex: 300, PreviousUAIs: []string{"0382032C"}}))
	byINE := func(c *collected) map[INE][]Student {
		m := map[INE][]Student{}
		for _, s := range c.students {
			if !s.INE.IsZero() {
				m[s.INE] = append(m[s.INE], s)
			}
		}
		return m
	}
	ia, ib := byINE(a), byINE(b)
	shared := 0
	for ine, sa := range ia {
		sb, ok := ib[ine]
		if !ok {
			continue
		}
		shared++
		if len(sa) != 1 || len(sb) != 1 {
			continue // a generated duplicate: two persons share this INE
		}
		x, y := sa[0], sb[0]
		if x.LastName != y.LastName || x.FirstName != y.FirstName || x.FirstName2 != y.FirstName2 ||
			x.BirthDate != y.BirthDate || x.Sex != y.Sex || x.UsageName != y.UsageName {
			t.Errorf("same INE, different persons:\n%+v\n%+v", x, y)
		}
		if x.EleveID == y.EleveID {
			t.Errorf("ELEVE_ID %s is the same in both establishments", x.EleveID)
		}
	}
	// Indices 300–499 are in both files; 5 of them have no INE (x66).
	want := 0
	for i := 300; i < 500; i++ {
		if !GeneratedINE(i).IsZero() && !(i%100 == 49 && (i/100)%2 == 0) {
			want++
		}
	}
	if shared != want {
		t.Errorf("%d shared INEs, want %d", shared, want)
	}
	// Newcomers of B come from A.
	fromA := 0
	for _, s := range b.students {
		if s.PreviousUAI == "0382032C" {
			fromA++
		}
	}
	if fromA == 0 {
		t.Error("no student of B comes from A")
	}
}

// TestGenerateNextYear checks that a person is one year further on in the
// next school year, with the same identity.
func TestGenerateNextYear(t *testing.T) {
	y1 := mustRead(t, generate(t, GenOptions{UAI: "0382032C", Students: 300, Seed: 1}))
	y2 := mustRead(t, generate(t, GenOptions{UAI: "0382032C", Students: 300, Seed: 1, Year: GenReferenceYear + 1}))
	if y2.params[0].Year != GenReferenceYear+1 {
		t.Fatalf("year = %d", y2.params[0].Year)
	}
	for k := range y1.students {
		a, b := y1.students[k], y2.students[k]
		if a.INE != b.INE || a.BirthDate != b.BirthDate || a.LastName != b.LastName {
			t.Fatalf("student %d changed identity", k)
		}
		if !SameDiploma(a.MEF, b.MEF) {
			t.Errorf("student %d changed diploma: %s → %s", k, a.MEF, b.MEF)
		}
		if want := min(a.MEF.YearInCycle()+1, a.MEF.Duration()); b.MEF.YearInCycle() != want {
			t.Errorf("student %d: year %d → %d, want %d", k, a.MEF.YearInCycle(), b.MEF.YearInCycle(), want)
		}
	}
}

func TestGenerateDiplomaChange(t *testing.T) {
	count := func(pct int) int {
		a := mustRead(t, generate(t, GenOptions{Students: 300, Seed: 1, DiplomaChangePercent: pct}))
		b := mustRead(t, generate(t, GenOptions{Students: 300, Seed: 2, DiplomaChangePercent: pct}))
		n := 0
		for k := range a.students {
			if !SameDiploma(a.students[k].MEF, b.students[k].MEF) {
				n++
			}
		}
		return n
	}
	if n := count(0); n != 0 {
		t.Errorf("DiplomaChangePercent 0: %d changes", n)
	}
	if n := count(50); n < 100 || n > 250 {
		t.Errorf("DiplomaChangePercent 50: %d changes out of 300", n)
	}
}

func TestGeneratedINEUnique(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	seen := make(map[INE]int, n)
	for i := range n {
		v := validINE(i)
		if kind, err := CheckINE(v); err != nil || (kind != INERNIE && kind != INEBEA) {
			t.Fatalf("validINE(%d): %v %v", i, kind, err)
		}
		if j, dup := seen[v]; dup {
			t.Fatalf("validINE(%d) == validINE(%d)", i, j)
		}
		seen[v] = i
	}
}

func TestGenerateNamesEncodable(t *testing.T) {
	enc := charmap.ISO8859_15.NewEncoder()
	var all []string
	all = append(all, genSurnames[:]...)
	all = append(all, genFemaleNames[:]...)
	all = append(all, genMaleNames[:]...)
	for _, m := range GeneratedMEFs() {
		all = append(all, m.Label, m.Edition, m.Formation)
	}
	for _, s := range all {
		if _, err := enc.String(s); err != nil {
			t.Errorf("%q is not encodable in ISO-8859-15: %v", s, err)
		}
		if strings.TrimSpace(s) != s || s == "" {
			t.Errorf("%q: empty or padded", s)
		}
	}
}

func TestGenerateOptions(t *testing.T) {
	bad := []GenOptions{
		{Students: -1},
		{FirstIndex: -1},
		{FirstIndex: maxGen - 1, Students: 2},
		{LeftPercent: 101},
		{DiplomaChangePercent: -1},
		{UAI: "0382032D"},
		{PreviousUAIs: []string{"0382032C", "bad"}},
		{Year: 1800},
	}
	for _, o := range bad {
		var buf bytes.Buffer
		if err := Generate(&buf, o); err == nil {
			t.Errorf("Generate(%+v) succeeded", o)
		}
	}
	// Zero students is a valid, empty export.
	c := mustRead(t, generate(t, GenOptions{}))
	if len(c.students) != 0 || len(c.params) != 1 || !ValidUAI(c.params[0].UAI) {
		t.Errorf("empty export: %+v", c)
	}
}

func TestLetters(t *testing.T) {
	for n, want := range map[int]string{0: "A", 1: "B", 25: "Z", 26: "AA", 27: "AB", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA"} {
		if got := letters(n); got != want {
			t.Errorf("letters(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestRentree(t *testing.T) {
	for y, want := range map[int]Date{2023: {2023, 9, 4}, 2024: {2024, 9, 2}, 2025: {2025, 9, 1}} {
		if got := rentree(y); got != want {
			t.Errorf("rentree(%d) = %v, want %v", y, got, want)
		}
	}
}
