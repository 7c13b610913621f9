package siecle

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// GenReferenceYear is the school year in which the generated persons are at
// their "stage" (first, second or third year of their formation). In a file
// generated for another Year the same persons are further on (or earlier),
// which keeps their birth dates fixed and their levels consistent.
const GenReferenceYear = 2024

// GenOptions describes a synthetic student export.
//
// A generated person is identified by a global index. His identity — INE,
// names, sex, birth date and place, the formation he prepares and how far
// along he was in GenReferenceYear — depends on the index only. Everything
// that belongs to an establishment — ELEVE_ID, class, entry and exit dates,
// previous establishment — depends on Seed and UAI too. So two files whose
// index ranges overlap describe the same persons in two establishments,
// which is how transfer tests are built.
type GenOptions struct {
	// UAI of the establishment; empty means one derived from Seed.
	UAI string
	// Students is the number of students in the file.
	Students int
	// Seed drives the per-establishment choices.
	Seed int64
	// FirstIndex is the global index of the first student; student k of the
	// file is person FirstIndex+k.
	FirstIndex int
	// LeftPercent (0–100) is the share of students who left (DATE_SORTIE
	// and CODE_MOTIF_SORTIE). With the same Seed and UAI, the students who
	// left at p% are among those who left at any higher percentage.
	LeftPercent int
	// Year is the school year (ANNEE_SCOLAIRE); 0 means GenReferenceYear.
	Year int
	// ExportDate is DATE_EXPORT; zero means 20 January of Year+1.
	ExportDate Date
	// PreviousUAIs are the establishments first-year students come from
	// (SCOLARITE_AN_DERNIER/CODE_RNE); empty means a few collèges of the
	// same department derived from Seed. Set it to another generated
	// establishment's UAI to describe students who moved from there.
	PreviousUAIs []string
	// DiplomaChangePercent (0–100) is the share of students whose formation
	// depends on this file (Seed and UAI) instead of on the person: across
	// two files they may prepare different diplomas (changementDiplome).
	DiplomaChangePercent int
}

// Per-attribute salts: each attribute of a person or of a file draws from its
// own hash stream, so adding an attribute never shifts the others.
const (
	saltINEKind uint64 = iota + 1
	saltINELetters
	saltINEForm
	saltINEInvalid
	saltSex
	saltLast
	saltUsage
	saltUsageOther
	saltFirst
	saltFirst2
	saltFirst3
	saltBirth
	saltPlace
	saltTrack
	saltStage
	saltRepeat
	saltTrackFile
	saltDiplomaChange
	saltLeft
	saltExit
	saltMotif
	saltLate
	saltPrev
	saltPrevUAI
	saltBadPrev
	saltRegime
	saltLang
	saltWorkshop
	saltOption
	saltPrevClass
	saltUAI
	saltIDs
	saltTime
)

// splitmix is the SplitMix64 finaliser: a cheap, well-mixed, stateless hash,
// so that any attribute of any index can be computed directly.
func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// personHash draws an attribute of the person at index i: it ignores the
// seed and the establishment on purpose.
func personHash(i int, salt uint64) uint64 {
	return splitmix(splitmix(uint64(i)) ^ salt*0xD1B54A32D192ED03)
}

// Multipliers of the affine bijections that turn an index into INE digits:
// coprime with 10⁹ and 10¹⁰, so distinct indices get distinct INEs.
const (
	rnieMul = 387420489  // 3¹⁸
	rnieAdd = 120000017  // so that RNIEs look like 12xxxxxxx
	beaMul  = 1162261467 // 3¹⁹
	beaAdd  = 1234567
	maxGen  = 1_000_000_000
)

// rnieLetters are the letters an RNIE may end with.
const rnieLetters = "ABCDEFGHJK"

// validINE is the well-formed INE of person i: 70 % RNIE, 30 % BEA.
func validINE(i int) INE {
	if personHash(i, saltINEKind)%10 < 7 {
		d := (uint64(i)*rnieMul + rnieAdd) % 1_000_000_000
		l := personHash(i, saltINELetters) % 100
		return INE{v: fmt.Sprintf("%09d%c%c", d, rnieLetters[l/10], rnieLetters[l%10])}
	}
	return MakeBEA(int64((uint64(i)*beaMul + beaAdd) % 10_000_000_000))
}

// ineForm says how a person's INE appears in the file.
type ineForm int

const (
	ineNormal  ineForm = iota // ID_NATIONAL and INE_RNIE or INE_BEA
	ineLegacy                 // only INE_RNIE or INE_BEA (older files)
	ineEmpty                  // empty ID_NATIONAL
	ineAbsent                 // no INE element at all
	ineInvalid                // ID_NATIONAL failing its check
)

// personINE returns the INE written for person i and its form. About 1 % of
// persons have no INE, 1 % an invalid one (wrong BEA key or unknown shape),
// and one person in 200 shares the INE of the next index (a data-entry
// duplicate, as found in real files).
func personINE(i int) (INE, ineForm) {
	switch r := i % 100; {
	case r == 66:
		if personHash(i, saltINEForm)%2 == 0 {
			return INE{}, ineEmpty
		}
		return INE{}, ineAbsent
	case r == 21:
		if personHash(i, saltINEInvalid)%2 == 0 {
			// BEA digits with the letter after the right one.
			d := int64((uint64(i)*beaMul + beaAdd) % 10_000_000_000)
			bad := checkAlphabet[(d%23+1)%23]
			return INE{v: fmt.Sprintf("%010d%c", d, bad)}, ineInvalid
		}
		// RNIE digits with letters no INE ends with.
		return INE{v: fmt.Sprintf("%09dXY", (uint64(i)*rnieMul+rnieAdd)%1_000_000_000)}, ineInvalid
	case r == 49 && (i/100)%2 == 0:
		return validINE(i + 1), ineNormal
	}
	if personHash(i, saltINEForm)%100 < 3 {
		return validINE(i), ineLegacy
	}
	return validINE(i), ineNormal
}

// GeneratedINE returns the INE that Generate writes for the person at index
// i, normalised as the reader returns it: "" when he has none, an invalid
// value for the few generated invalid on purpose. Transfer tests use it to
// know who is who without parsing.
func GeneratedINE(i int) INE {
	ine, _ := personINE(i)
	return ine
}

// genPerson is the identity of a generated person.
type genPerson struct {
	index                 int
	ine                   INE
	form                  ineForm
	male                  bool
	last, usage           string
	first, first2, first3 string
	birth                 Date
	place                 genPlace
	track, stage          int
	repeater              bool
}

func newPerson(i int, tracks []genTrack) genPerson {
	p := genPerson{index: i}
	p.ine, p.form = personINE(i)
	p.male = personHash(i, saltSex)%2 == 0
	p.last = genSurnames[personHash(i, saltLast)%uint64(len(genSurnames))]
	if u := personHash(i, saltUsage) % 100; u < 6 {
		other := genSurnames[personHash(i, saltUsageOther)%uint64(len(genSurnames))]
		if u < 3 && other != p.last {
			p.usage = p.last + "-" + other
		} else {
			p.usage = other
		}
	}
	names := genFemaleNames[:]
	if p.male {
		names = genMaleNames[:]
	}
	pick := func(salt uint64) string { return names[personHash(i, salt)%uint64(len(names))] }
	p.first = pick(saltFirst)
	if h := personHash(i, saltFirst2) % 100; h < 55 {
		if p.first2 = pick(saltFirst2 + 1000); p.first2 == p.first {
			p.first2 = names[(personHash(i, saltFirst2+1000)+1)%uint64(len(names))]
		}
		if h < 12 {
			p.first3 = pick(saltFirst3)
		}
	}
	p.track = pickTrack(tracks, personHash(i, saltTrack))
	p.stage = int(personHash(i, saltStage) % uint64(len(tracks[p.track].mefs)))
	p.repeater = personHash(i, saltRepeat)%100 < 12
	by := GenReferenceYear - 15 - p.stage - tracks[p.track].ageExtra
	if p.repeater {
		by--
	}
	p.birth = Date{Year: by, Month: time.January, Day: 1}.AddDays(int(personHash(i, saltBirth) % 365))
	if personHash(i, saltPlace)%100 < 88 {
		p.place = genPlaces[personHash(i, saltPlace+1000)%12]
	} else {
		p.place = genPlaces[12+personHash(i, saltPlace+1000)%uint64(len(genPlaces)-12)]
	}
	return p
}

// pickTrack chooses a track by weight.
func pickTrack(tracks []genTrack, h uint64) int {
	total := 0
	for _, t := range tracks {
		total += t.weight
	}
	r := int(h % uint64(total))
	for k, t := range tracks {
		if r < t.weight {
			return k
		}
		r -= t.weight
	}
	return len(tracks) - 1
}

// generator holds the resolved options of one Generate call.
type generator struct {
	o       GenOptions
	tracks  []genTrack
	seedMix uint64
	prev    []string
	baseID  int
	baseNo  int
	rentree Date
}

// fileHash draws a per-establishment attribute of person i.
func (g *generator) fileHash(i int, salt uint64) uint64 {
	return splitmix(splitmix(uint64(i)^g.seedMix) ^ salt*0xD1B54A32D192ED03)
}

// rentree returns the first Monday of September of year y, the usual start
// of the school year.
func rentree(y int) Date {
	d := Date{Year: y, Month: time.September, Day: 1}
	for d.Time(nil).Weekday() != time.Monday {
		d = d.AddDays(1)
	}
	return d
}

// placement is where a person is in this file: formation and year.
type placement struct {
	track, level int
}

func (g *generator) place(p *genPerson) placement {
	t := p.track
	if g.fileHash(p.index, saltDiplomaChange)%100 < uint64(g.o.DiplomaChangePercent) {
		t = pickTrack(g.tracks, g.fileHash(p.index, saltTrackFile))
	}
	level := p.stage + g.o.Year - GenReferenceYear
	level = max(0, min(level, len(g.tracks[t].mefs)-1))
	return placement{track: t, level: level}
}

// placeOf computes the placement without building the whole identity; it
// must agree with newPerson and place.
func (g *generator) placeOf(i int) placement {
	p := genPerson{index: i}
	p.track = pickTrack(g.tracks, personHash(i, saltTrack))
	p.stage = int(personHash(i, saltStage) % uint64(len(g.tracks[p.track].mefs)))
	return g.place(&p)
}

// classPlan splits the students of each (track, level) into classes of at
// most 35, as evenly as possible, with letters running per class prefix.
type classPlan struct {
	count, classes, first, seen []int // per key = track*4 + level
}

const levelsPerTrack = 4

func (g *generator) plan() *classPlan {
	n := len(g.tracks) * levelsPerTrack
	cp := &classPlan{count: make([]int, n), classes: make([]int, n), first: make([]int, n), seen: make([]int, n)}
	for k := 0; k < g.o.Students; k++ {
		pl := g.placeOf(g.o.FirstIndex + k)
		cp.count[pl.track*levelsPerTrack+pl.level]++
	}
	next := map[string]int{}
	for t, tr := range g.tracks {
		for l := range tr.mefs {
			key := t*levelsPerTrack + l
			if cp.count[key] == 0 {
				continue
			}
			cp.classes[key] = (cp.count[key] + 34) / 35
			cp.first[key] = next[tr.classes[l]]
			next[tr.classes[l]] += cp.classes[key]
		}
	}
	return cp
}

// assign returns the class number of the next student of placement pl.
func (cp *classPlan) assign(pl placement) int {
	key := pl.track*levelsPerTrack + pl.level
	j := cp.seen[key]
	cp.seen[key]++
	return cp.first[key] + j*cp.classes[key]/cp.count[key]
}

// letters names class number n: A…Z, then AA, AB…
func letters(n int) string {
	s := ""
	for n++; n > 0; n = (n - 1) / 26 {
		s = string(rune('A'+(n-1)%26)) + s
	}
	return s
}

// Generate writes a synthetic ElevesSansAdresses.xml, encoded in
// ISO-8859-15 like the real exports, that Read accepts. The output is
// deterministic (same options, same bytes) and streamed: memory does not
// grow with Students.
//
// It contains several formations (Bac pro, CAP in 1 and 2 years, BEP; see
// GeneratedMEFs) with classes named like real ones ("2NDPRO-A", "1CAP-B",
// "TBPRO-C") of at most 35 students split evenly (20 to 35 once a formation
// has enough students), and language and workshop groups; birth dates consistent with
// the level; students who left (LeftPercent); about 1 % without INE, 1 %
// with an invalid INE, a few duplicated INEs; INEs in the older INE_BEA /
// INE_RNIE elements only; usage names, second and third first names,
// students born abroad, previous establishments, options.
func Generate(w io.Writer, o GenOptions) error {
	g, err := newGenerator(o)
	if err != nil {
		return err
	}
	enc := transform.NewWriter(w, charmap.ISO8859_15.NewEncoder())
	out := &xmlOut{w: bufio.NewWriterSize(enc, 64<<10)}
	g.write(out)
	if err := out.w.Flush(); err != nil {
		return fmt.Errorf("siecle: generate: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("siecle: generate: %w", err)
	}
	return nil
}

func newGenerator(o GenOptions) (*generator, error) {
	var errs []error
	if o.Students < 0 {
		errs = append(errs, fmt.Errorf("Students = %d, must be ≥ 0", o.Students))
	}
	if o.FirstIndex < 0 || o.FirstIndex+o.Students > maxGen {
		errs = append(errs, fmt.Errorf("indices %d to %d out of [0, %d)", o.FirstIndex, o.FirstIndex+o.Students, maxGen))
	}
	if o.LeftPercent < 0 || o.LeftPercent > 100 {
		errs = append(errs, fmt.Errorf("LeftPercent = %d, must be in 0–100", o.LeftPercent))
	}
	if o.DiplomaChangePercent < 0 || o.DiplomaChangePercent > 100 {
		errs = append(errs, fmt.Errorf("DiplomaChangePercent = %d, must be in 0–100", o.DiplomaChangePercent))
	}
	if o.Year == 0 {
		o.Year = GenReferenceYear
	}
	if o.Year < 1990 || o.Year > 2200 {
		errs = append(errs, fmt.Errorf("Year = %d, must be in 1990–2200", o.Year))
	}
	g := &generator{o: o, tracks: genTracks()}
	g.seedMix = splitmix(uint64(o.Seed) ^ 0x5EED)
	if g.o.UAI == "" {
		g.o.UAI = MakeUAI(690000 + int(g.fileHash(0, saltUAI)%10000))
	} else if u, err := ParseUAI(o.UAI); err != nil {
		errs = append(errs, err)
	} else {
		g.o.UAI = u
	}
	for _, p := range o.PreviousUAIs {
		u, err := ParseUAI(p)
		if err != nil {
			errs = append(errs, err)
		}
		g.prev = append(g.prev, u)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("siecle: generate: %w", errors.Join(errs...))
	}
	if len(g.prev) == 0 {
		dept, _ := strconv.Atoi(g.o.UAI[:3])
		for k := range 8 {
			g.prev = append(g.prev, MakeUAI(dept*10000+int(g.fileHash(k, saltPrevUAI)%10000)))
		}
	}
	if g.o.ExportDate.IsZero() {
		g.o.ExportDate = Date{Year: g.o.Year + 1, Month: time.January, Day: 20}
	}
	g.baseID = 1_000_000 + int(g.fileHash(0, saltIDs)%8_000_000)
	g.baseNo = 1000 + int(g.fileHash(1, saltIDs)%4000)
	g.rentree = rentree(g.o.Year)
	return g, nil
}

func (g *generator) write(out *xmlOut) {
	o := g.o
	h := g.fileHash(0, saltTime)
	out.s(`<?xml version="1.0" encoding="ISO-8859-15"?>` + "\n")
	out.s(`<BEE_ELEVES VERSION="2.1">` + "\n  <PARAMETRES>\n")
	out.leaf(4, "UAJ", o.UAI)
	out.leaf(4, "ANNEE_SCOLAIRE", strconv.Itoa(o.Year))
	out.leaf(4, "DATE_EXPORT", o.ExportDate.French())
	out.leaf(4, "HORODATAGE", fmt.Sprintf("%s %02d:%02d:%02d", o.ExportDate.French(), 7+h%10, (h>>8)%60, (h>>16)%60))
	out.s("  </PARAMETRES>\n  <DONNEES>\n    <ELEVES>\n")

	for k := 0; k < o.Students; k++ {
		p := newPerson(o.FirstIndex+k, g.tracks)
		g.eleve(out, k, &p, g.place(&p))
	}
	out.s("    </ELEVES>\n    <OPTIONS>\n")
	for k := 0; k < o.Students; k++ {
		g.option(out, k)
	}
	out.s("    </OPTIONS>\n    <STRUCTURES>\n")
	plan := g.plan()
	for k := 0; k < o.Students; k++ {
		i := o.FirstIndex + k
		pl := g.placeOf(i)
		g.structures(out, k, i, pl, plan.assign(pl))
	}
	out.s("    </STRUCTURES>\n  </DONNEES>\n</BEE_ELEVES>\n")
}

func (g *generator) ids(k int) (string, string) {
	return strconv.Itoa(g.baseID + k), strconv.Itoa(g.baseNo + k)
}

func (g *generator) eleve(out *xmlOut, k int, p *genPerson, pl placement) {
	i := p.index
	tr := g.tracks[pl.track]
	id, noet := g.ids(k)
	out.s(`      <ELEVE ELEVE_ID="` + id + `" ELENOET="` + noet + "\">\n")
	ine := p.ine.v
	rnie := len(ine) == 11 && isUpper(ine[9])
	switch p.form {
	case ineNormal, ineInvalid:
		out.leaf(8, "ID_NATIONAL", ine)
		if p.form == ineNormal {
			if rnie {
				out.leaf(8, "INE_RNIE", ine)
			} else {
				out.leaf(8, "INE_BEA", ine)
			}
		}
	case ineLegacy:
		if rnie {
			out.leaf(8, "INE_RNIE", ine)
		} else {
			out.leaf(8, "INE_BEA", ine)
		}
	case ineEmpty:
		out.leaf(8, "ID_NATIONAL", "")
	}
	out.leaf(8, "ELENOET", noet)
	out.leaf(8, "NOM_DE_FAMILLE", p.last)
	out.leaf(8, "NOM_USAGE", p.usage)
	out.leaf(8, "PRENOM", p.first)
	if p.first2 != "" {
		out.leaf(8, "PRENOM2", p.first2)
	}
	if p.first3 != "" {
		out.leaf(8, "PRENOM3", p.first3)
	}
	out.leaf(8, "DATE_NAISS", p.birth.French())
	doublement := "0"
	if p.repeater && personHash(i, saltRepeat)%100 < 4 {
		doublement = "1"
	}
	out.leaf(8, "DOUBLEMENT", doublement)
	if p.male {
		out.leaf(8, "CODE_SEXE", "1")
	} else {
		out.leaf(8, "CODE_SEXE", "2")
	}
	out.leaf(8, "CODE_PAYS", p.place.country)
	if p.place.town != "" {
		out.leaf(8, "VILLE_NAISS", p.place.town)
	} else {
		out.leaf(8, "CODE_DEPARTEMENT_NAISS", p.place.department)
		out.leaf(8, "CODE_COMMUNE_INSEE_NAISS", p.place.commune)
	}

	// Entry: at the start of the formation, or during this year for late
	// arrivals.
	entry := rentree(g.o.Year - pl.level)
	late := g.fileHash(i, saltLate)%100 < 4
	if late {
		entry = g.rentree.AddDays(14 + int(g.fileHash(i, saltLate+1000)%90))
		if entry.Compare(g.o.ExportDate) >= 0 {
			entry, late = g.rentree, false
		}
	}
	out.leaf(8, "DATE_ENTREE", entry.French())
	if g.fileHash(i, saltLeft)%100 < uint64(g.o.LeftPercent) {
		from := entry
		if from.Compare(g.rentree) < 0 {
			from = g.rentree
		}
		from = from.AddDays(1)
		exit := g.o.ExportDate
		if span := int(g.o.ExportDate.Time(nil).Sub(from.Time(nil)).Hours() / 24); span > 1 {
			exit = from.AddDays(int(g.fileHash(i, saltExit) % uint64(span)))
		}
		out.leaf(8, "DATE_SORTIE", exit.French())
		motifs := [...]string{"19", "19", "19", "09", "15"}
		out.leaf(8, "CODE_MOTIF_SORTIE", motifs[g.fileHash(i, saltMotif)%uint64(len(motifs))])
	}
	regimes := [...]string{"2", "2", "2", "0", "0", "3"}
	out.leaf(8, "CODE_REGIME", regimes[g.fileHash(i, saltRegime)%uint64(len(regimes))])
	out.leaf(8, "CODE_MEF", string(tr.mefs[pl.level].Code))
	out.leaf(8, "CODE_STATUT", "ST")

	// Last year's schooling: a collège (or another lycée) for newcomers,
	// this establishment for the others.
	newcomer := pl.level == 0 || late
	hp := g.fileHash(i, saltPrev) % 100
	if (newcomer && hp < 85) || (!newcomer && hp < 90) {
		out.s("        <SCOLARITE_AN_DERNIER>\n")
		uai := g.o.UAI
		mef, structure, sigle, denom := genCollegeMEF().Code, "3"+letters(int(g.fileHash(i, saltPrevClass)%6)), "CLG", "COLLEGE"
		if newcomer {
			uai = g.prev[g.fileHash(i, saltPrevUAI)%uint64(len(g.prev))]
			if g.fileHash(i, saltBadPrev)%100 == 0 {
				// A mistyped previous UAI, as real files contain.
				uai = uai[:7] + string(checkAlphabet[(strings.IndexByte(checkAlphabet, uai[7])+1)%len(checkAlphabet)])
			}
		}
		if pl.level > 0 {
			mef = tr.mefs[pl.level-1].Code
			structure = tr.classes[pl.level-1] + "-" + letters(int(g.fileHash(i, saltPrevClass)%3))
			sigle, denom = "LP", "LYCEE PROFESSIONNEL"
		}
		out.leaf(10, "CODE_MEF", string(mef))
		out.leaf(10, "CODE_STRUCTURE", structure)
		out.leaf(10, "CODE_RNE", uai)
		out.leaf(10, "SIGLE", sigle)
		out.leaf(10, "DENOM_PRINC", denom)
		out.s("        </SCOLARITE_AN_DERNIER>\n")
	}
	out.s("      </ELEVE>\n")
}

func (g *generator) option(out *xmlOut, k int) {
	i := g.o.FirstIndex + k
	h := g.fileHash(i, saltOption)
	if h%100 >= 30 {
		return
	}
	id, noet := g.ids(k)
	subjects := [...]string{"030201", "030602", "100100", "021300"}
	out.s(`      <OPTION ELEVE_ID="` + id + `" ELENOET="` + noet + "\">\n        <OPTIONS_ELEVE>\n")
	out.leaf(10, "NUM_OPTION", "1")
	out.leaf(10, "CODE_MODALITE_ELECT", "O")
	out.leaf(10, "CODE_MATIERE", subjects[(h>>8)%uint64(len(subjects))])
	out.s("        </OPTIONS_ELEVE>\n      </OPTION>\n")
}

func (g *generator) structures(out *xmlOut, k, i int, pl placement, class int) {
	tr := g.tracks[pl.track]
	id, noet := g.ids(k)
	code := tr.classes[pl.level] + "-" + letters(class)
	grp := tr.groups[pl.level] + letters(class)
	lang := "_ESP"
	if h := g.fileHash(i, saltLang) % 100; h < 80 {
		lang = "_ANG" + strconv.Itoa(1+int(h%2))
	}
	out.s(`      <STRUCTURES_ELEVE ELEVE_ID="` + id + `" ELENOET="` + noet + "\">\n")
	out.structure(code, StructureClass)
	out.structure(grp+lang, StructureGroup)
	out.structure(grp+"_AT"+strconv.Itoa(1+int(g.fileHash(i, saltWorkshop)%2)), StructureGroup)
	out.s("      </STRUCTURES_ELEVE>\n")
}

// xmlOut writes indented XML text; bufio.Writer keeps the first error.
type xmlOut struct {
	w *bufio.Writer
}

func (x *xmlOut) s(s string) { _, _ = x.w.WriteString(s) }

// leaf writes <name>value</name> on its own line.
func (x *xmlOut) leaf(indent int, name, value string) {
	x.s(spaces[:indent])
	x.s("<" + name + ">")
	escapeText(x.w, value)
	x.s("</" + name + ">\n")
}

func (x *xmlOut) structure(code, typ string) {
	x.s("        <STRUCTURE>\n")
	x.leaf(10, "CODE_STRUCTURE", code)
	x.leaf(10, "TYPE_STRUCTURE", typ)
	x.s("        </STRUCTURE>\n")
}

const spaces = "                                "

// escapeText writes s with &, < and > escaped. Apostrophes and quotes stay
// literal, as in the real exports ("N'DIAYE").
func escapeText(w *bufio.Writer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		default:
			continue
		}
		_, _ = w.WriteString(s[last:i])
		_, _ = w.WriteString(esc)
		last = i + 1
	}
	_, _ = w.WriteString(s[last:])
}

// GenerateNomenclature writes a Nomenclature.xml (ISO-8859-15, values
// space-padded like the real file) listing GeneratedMEFs, so that demos and
// tests can load the labels of the generated formations.
func GenerateNomenclature(w io.Writer) error {
	enc := transform.NewWriter(w, charmap.ISO8859_15.NewEncoder())
	out := &xmlOut{w: bufio.NewWriter(enc)}
	out.s(`<?xml version="1.0" encoding="ISO-8859-15"?>` + "\n")
	out.s(`<BEE_NOMENCLATURES VERSION="3.3">` + "\n  <PARAMETRES>\n")
	out.leaf(4, "ANNEE_SCOLAIRE", strconv.Itoa(GenReferenceYear))
	out.s("  </PARAMETRES>\n  <DONNEES>\n    <MATIERES>\n")
	out.s(`      <MATIERE CODE_MATIERE="030201">` + "\n")
	out.leaf(8, "CODE_GESTION", pad("AGL1", 10))
	out.leaf(8, "LIBELLE_LONG", pad("ANGLAIS LV1", 40))
	out.s("      </MATIERE>\n    </MATIERES>\n    <MEFS>\n")
	for _, m := range GeneratedMEFs() {
		out.s(`      <MEF CODE_MEF="` + string(m.Code) + "\">\n")
		out.leaf(8, "FORMATION", pad(m.Formation, 20))
		out.leaf(8, "SPECIALITE", pad(strings.TrimSpace(strings.TrimPrefix(m.Label, m.Formation)), 40))
		out.leaf(8, "LIBELLE_LONG", pad(m.Label, 60))
		out.leaf(8, "LIBELLE_EDITION", m.Edition)
		out.leaf(8, "MEF_RATTACHEMENT", string(m.Parent))
		out.s("      </MEF>\n")
	}
	out.s("    </MEFS>\n  </DONNEES>\n</BEE_NOMENCLATURES>\n")
	if err := out.w.Flush(); err != nil {
		return fmt.Errorf("siecle: generate nomenclature: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("siecle: generate nomenclature: %w", err)
	}
	return nil
}

// pad right-pads s with spaces to n characters, as Nomenclature.xml does.
func pad(s string, n int) string {
	if c := len([]rune(s)); c < n {
		return s + strings.Repeat(" ", n-c)
	}
	return s
}
