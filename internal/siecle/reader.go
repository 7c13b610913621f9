package siecle

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Params is the PARAMETRES header of a student export: which establishment
// the file comes from and when it was produced.
type Params struct {
	// UAI is the establishment code (UAJ), validated and canonical.
	UAI string
	// Year is the first calendar year of the school year (ANNEE_SCOLAIRE):
	// 2024 for 2024-2025; 0 when absent or unreadable.
	Year int
	// ExportDate is DATE_EXPORT; zero when absent or unreadable.
	ExportDate Date
	// Timestamp is HORODATAGE as written ("16/09/2024 08:09:38"); kept as
	// text because it only serves to tell two exports of the same day apart.
	Timestamp string
	// Version is the VERSION attribute of the root element.
	Version string
	// Line is the line of the PARAMETRES element.
	Line int
	// Warnings lists doubtful header values (year, export date).
	Warnings []Warning
}

// Student is one ELEVE of the export, with trimmed values. Students who
// left the establishment are in the file too, with an ExitDate: that is how
// an import deactivates them.
type Student struct {
	// EleveID is the ELEVE_ID attribute, the key of the student inside the
	// file and the establishment (and the id-be of LSU).
	EleveID string
	// Elenoet is the ELENOET attribute (or child), the establishment's own
	// student number.
	Elenoet string
	// INE comes from ID_NATIONAL, or INE_RNIE, or INE_BEA, the first that is
	// not empty, normalised. It redacts itself when printed.
	INE INE
	// INEKind is the shape of INE, INEUnknown when it is absent or unknown.
	INEKind INEKind
	// LastName is NOM_DE_FAMILLE (NOM in older files).
	LastName   string
	UsageName  string // NOM_USAGE
	FirstName  string // PRENOM
	FirstName2 string // PRENOM2
	FirstName3 string // PRENOM3
	BirthDate  Date   // DATE_NAISS
	EntryDate  Date   // DATE_ENTREE: entry into the establishment
	ExitDate   Date   // DATE_SORTIE: zero while the student is present
	// Sex is "M" or "F" from CODE_SEXE 1 or 2, "" when absent or unknown.
	Sex string
	// MEF is CODE_MEF as found (trimmed); a malformed value is kept with a
	// warning and its accessors return zero values.
	MEF         MEF
	Statut      string // CODE_STATUT
	Regime      string // CODE_REGIME
	MotifSortie string // CODE_MOTIF_SORTIE
	// PreviousUAI is SCOLARITE_AN_DERNIER/CODE_RNE, the establishment the
	// student came from (ancienRNE), trimmed and upper-cased; kept even when
	// invalid, with a warning.
	PreviousUAI string
	// Line is the line of the ELEVE element, for reports.
	Line int
	// Warnings lists doubtful values; the student is imported anyway.
	Warnings []Warning
}

// Left reports whether the student has left the establishment.
func (s *Student) Left() bool { return !s.ExitDate.IsZero() }

// Structure is one class or group of a student.
type Structure struct {
	// Code is CODE_STRUCTURE, for example "2NDPRO-A".
	Code string
	// Type is TYPE_STRUCTURE: "D" for the class (division), "G" for a group.
	Type string
}

// StudentStructures is the STRUCTURES_ELEVE of one student: his class and
// groups.
type StudentStructures struct {
	// EleveID is the ELEVE_ID attribute.
	EleveID string
	// List holds the STRUCTURE entries that have a code, at most
	// MaxStructures.
	List []Structure
	// Line is the line of the STRUCTURES_ELEVE element.
	Line int
	// Warnings lists the entries left out: a code over MaxStructure,
	// entries beyond MaxStructures.
	Warnings []Warning
}

// Structure types.
const (
	StructureClass = "D"
	StructureGroup = "G"
)

// WarningCode classifies a Warning so that the importer can count and
// explain them ("12 students without INE cannot be transferred") without
// parsing messages.
type WarningCode string

// Warning codes.
const (
	WarnINEMissing  WarningCode = "ine-missing"  // no INE: the student cannot be transferred
	WarnINEShape    WarningCode = "ine-shape"    // INE of unknown shape
	WarnINEKey      WarningCode = "ine-key"      // BEA INE with a wrong check letter
	WarnDate        WarningCode = "date"         // unreadable date
	WarnMEF         WarningCode = "mef"          // missing or malformed CODE_MEF
	WarnPreviousUAI WarningCode = "previous-uai" // invalid SCOLARITE_AN_DERNIER/CODE_RNE
	WarnSex         WarningCode = "sex"          // CODE_SEXE other than 1 or 2
	WarnYear        WarningCode = "year"         // unreadable ANNEE_SCOLAIRE
	// WarnTooLong and WarnMissing are in limits.go.
)

// Warning is a doubtful value found in the file. Messages are in French and
// never contain an INE.
type Warning struct {
	Code    WarningCode
	Field   string // element name, e.g. "DATE_NAISS" or "SCOLARITE_AN_DERNIER/CODE_RNE"
	Message string
	// Key and Params name the message of cartable's catalogue (internal/i18n) that
	// says the same as Message, so that a page writes it in its reader's language.
	Key    string
	Params map[string]string
}

// valueWarning is the warning about a value a check refused (err, a ValueError). With
// a key, the warning is that message around the check's, whose key is its parameter
// "check" (the check's own parameters are the warning's).
func valueWarning(code WarningCode, field string, err error, key string) Warning {
	w := Warning{Code: code, Field: field, Message: err.Error()}
	var ve *ValueError
	if errors.As(err, &ve) {
		w.Key, w.Params = ve.Key, ve.Params
		if key != "" {
			w.Key, w.Params = key, map[string]string{"check": ve.Key}
			for k, v := range ve.Params {
				w.Params[k] = v
			}
		}
	}
	return w
}

// String returns "FIELD : message".
func (w Warning) String() string { return w.Field + "\u00a0: " + w.Message }

// Handler receives the content of a student export as it is read.
//
// Calls follow the order of the file, which is not guaranteed: Params may
// come after the students, and Structures before or after the student they
// refer to (and may name an ELEVE_ID absent from ELEVES). Read may have
// called the handler for part of the file before it meets an error, so an
// importer must apply a file atomically (stage, then commit). An error
// returned by the handler stops Read and is returned unchanged.
type Handler interface {
	Params(Params) error
	Student(Student) error
	Structures(StudentStructures) error
}

// HandlerFuncs adapts functions to Handler; nil fields ignore their calls.
type HandlerFuncs struct {
	OnParams     func(Params) error
	OnStudent    func(Student) error
	OnStructures func(StudentStructures) error
}

// Params calls OnParams when set.
func (f HandlerFuncs) Params(p Params) error {
	if f.OnParams == nil {
		return nil
	}
	return f.OnParams(p)
}

// Student calls OnStudent when set.
func (f HandlerFuncs) Student(s Student) error {
	if f.OnStudent == nil {
		return nil
	}
	return f.OnStudent(s)
}

// Structures calls OnStructures when set.
func (f HandlerFuncs) Structures(s StudentStructures) error {
	if f.OnStructures == nil {
		return nil
	}
	return f.OnStructures(s)
}

// rootEleves is the root element of the student exports.
const rootEleves = "BEE_ELEVES"

// Read streams a SIECLE student export (ElevesSansAdresses.xml or
// ElevesAvecAdresses.xml) from r into h, token by token: memory stays flat
// whatever the number of students, apart from the set of ELEVE_IDs kept to
// detect duplicates. Use Open or OpenReader first to accept ZIP archives.
//
// The declared encoding may be ISO-8859-15, ISO-8859-1, windows-1252 or
// UTF-8. Elements are found by name, in any order; unknown elements are
// ignored. A broken file gives a *FileError; doubtful values give Warnings
// on the student or on Params. A nil h only validates the file.
func Read(r io.Reader, h Handler) error {
	if h == nil {
		h = HandlerFuncs{} // validation only
	}
	p := newParser(r)
	if err := p.root(rootEleves, "un export élèves de SIECLE (ElevesSansAdresses.xml)"); err != nil {
		return err
	}
	er := &elevesReader{
		p:       p,
		h:       h,
		version: p.attr("VERSION"),
		ids:     newIDSet(),
		structs: newIDSet(),
	}
	if err := er.section(); err != nil {
		return err
	}
	if !er.sawParams {
		return &FileError{Line: p.line(), Element: rootEleves,
			Msg: "élément PARAMETRES absent\u00a0: impossible de savoir de quel établissement vient le fichier"}
	}
	return p.end(rootEleves)
}

// errStopAfterParams ends ReadParams early.
var errStopAfterParams = errors.New("siecle: params read")

// ReadParams reads the PARAMETRES header of a student export and stops: it
// lets the importer refuse a file of another establishment (CheckUAI) before
// doing any work. It reads the whole file when PARAMETRES comes last.
func ReadParams(r io.Reader) (Params, error) {
	var params Params
	err := Read(r, HandlerFuncs{OnParams: func(p Params) error {
		params = p
		return errStopAfterParams
	}})
	if errors.Is(err, errStopAfterParams) {
		return params, nil
	}
	if err == nil {
		// Unreachable: Read fails when PARAMETRES is missing.
		err = &FileError{Element: rootEleves, Msg: "élément PARAMETRES absent"}
	}
	return Params{}, err
}

// ErrOtherEstablishment is wrapped by CheckUAI's error.
var ErrOtherEstablishment = errors.New("fichier d’un autre établissement")

// CheckUAI checks that the export p comes from the establishment want, so
// that an administrator cannot import another establishment's students by
// mistake. The message names both UAIs.
func CheckUAI(p Params, want string) error {
	w, err := ParseUAI(want)
	if err != nil {
		return err
	}
	if p.UAI != w {
		return valueError(ErrOtherEstablishment, "other_establishment.uai", map[string]string{"file": p.UAI, "want": w},
			"ce fichier est l’export SIECLE de l’établissement %s, or vous importez pour l’établissement %s", p.UAI, w)
	}
	return nil
}

// elevesReader holds the state of one Read.
type elevesReader struct {
	p          *parser
	h          Handler
	version    string
	sawParams  bool
	ids        idSet            // ELEVE_ID -> line, to report duplicates
	structs    idSet            // STRUCTURES_ELEVE@ELEVE_ID -> line
	vals       []byte           // text of the element being read (see span)
	structList []structureSpans // structures of the STRUCTURES_ELEVE being read
	structWarn []Warning        // warnings of the STRUCTURES_ELEVE being read
}

// section reads the children of the root or of DONNEES. Containers are
// recognised by name at any of these levels, so a file without DONNEES or
// with PARAMETRES last is read the same.
func (er *elevesReader) section() error {
	p := er.p
	for {
		ok, err := p.child()
		if err != nil || !ok {
			return err
		}
		switch string(p.name()) {
		case "PARAMETRES":
			err = er.params()
		case "DONNEES":
			err = er.section()
		case "ELEVES":
			err = er.list("ELEVE", er.eleve)
		case "STRUCTURES":
			err = er.list("STRUCTURES_ELEVE", er.structures)
		default:
			err = p.skip()
		}
		if err != nil {
			return err
		}
	}
}

// list reads the children of a container, passing those named item to fn
// and skipping the others.
func (er *elevesReader) list(item string, fn func() error) error {
	p := er.p
	for {
		ok, err := p.child()
		if err != nil || !ok {
			return err
		}
		if string(p.name()) == item {
			err = fn()
		} else {
			err = p.skip()
		}
		if err != nil {
			return err
		}
	}
}

func (er *elevesReader) params() error {
	p := er.p
	line := p.line()
	if er.sawParams {
		return &FileError{Line: line, Element: "PARAMETRES", Msg: "élément PARAMETRES en double"}
	}
	er.sawParams = true
	out := Params{Version: er.version, Line: line}
	var uaj, year, date string
	uajLine := 0
	for {
		ok, err := p.child()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch string(p.name()) {
		case "UAJ":
			uajLine = p.line()
			uaj, err = er.header("UAJ", MaxEleveID)
		case "ANNEE_SCOLAIRE":
			year, err = er.header("ANNEE_SCOLAIRE", MaxCode)
		case "DATE_EXPORT":
			date, err = er.header("DATE_EXPORT", MaxCode)
		case "HORODATAGE":
			out.Timestamp, err = er.header("HORODATAGE", MaxCode)
		default:
			err = p.skip()
		}
		if err != nil {
			return err
		}
	}
	if uaj == "" {
		return &FileError{Line: line, Element: "PARAMETRES",
			Msg: "UAJ absent\u00a0: le code UAI de l’établissement manque, le fichier ne peut pas être rattaché à un établissement"}
	}
	u, err := ParseUAI(uaj)
	if err != nil {
		return &FileError{Line: uajLine, Element: "UAJ", Msg: "code UAI de l’établissement invalide\u00a0: " + err.Error(), Err: err}
	}
	out.UAI = u
	if year != "" {
		y, err := strconv.Atoi(year)
		if err != nil || y < 1900 || y > 2999 {
			out.Warnings = append(out.Warnings, Warning{Code: WarnYear, Field: "ANNEE_SCOLAIRE",
				Message: fmt.Sprintf("année scolaire %q illisible (une année sur 4 chiffres attendue, par exemple 2024 pour 2024-2025)", year),
				Key:     "siecle.year", Params: map[string]string{"value": year}})
		} else {
			out.Year = y
		}
	}
	out.ExportDate = er.date(&out.Warnings, "DATE_EXPORT", date)
	return er.h.Params(out)
}

// header reads a value of PARAMETRES: one over max characters refuses the
// file (the header of a genuine export never holds one).
func (er *elevesReader) header(field string, max int) (string, error) {
	line := er.p.line()
	v, over, err := er.p.text(max)
	if over {
		return "", &FileError{Line: line, Element: field, Msg: tooLongMsg(field, max)}
	}
	return v, err
}

// date parses a date value and records a warning naming the field and the
// value when it is unreadable.
func (er *elevesReader) date(ws *[]Warning, field, v string) Date {
	d, err := ParseDate(v)
	if err != nil {
		*ws = append(*ws, valueWarning(WarnDate, field, err, ""))
	}
	return d
}

// Fields of ELEVE kept as text. While a student is read, their values
// accumulate in elevesReader.vals; they become strings with a single
// allocation per student.
const (
	fEleveID = iota
	fElenoet
	fIDNational
	fRNIE
	fBEA
	fNom
	fNomDeFamille
	fNomUsage
	fPrenom
	fPrenom2
	fPrenom3
	fNaiss
	fSexe
	fEntree
	fSortie
	fMotif
	fRegime
	fMEF
	fStatut
	fPreviousUAI
	numFields
)

// eleveFields names the fields of ELEVE (for warnings) and gives their
// limits.
var eleveFields = [numFields]struct {
	name string
	max  int
}{
	fEleveID: {"ELEVE_ID", MaxEleveID}, fElenoet: {"ELENOET", MaxCode},
	fIDNational: {"ID_NATIONAL", MaxCode}, fRNIE: {"INE_RNIE", MaxCode}, fBEA: {"INE_BEA", MaxCode},
	fNom: {"NOM", MaxName}, fNomDeFamille: {"NOM_DE_FAMILLE", MaxName}, fNomUsage: {"NOM_USAGE", MaxName},
	fPrenom: {"PRENOM", MaxName}, fPrenom2: {"PRENOM2", MaxName}, fPrenom3: {"PRENOM3", MaxName},
	fNaiss: {"DATE_NAISS", MaxCode}, fSexe: {"CODE_SEXE", MaxCode}, fEntree: {"DATE_ENTREE", MaxCode},
	fSortie: {"DATE_SORTIE", MaxCode}, fMotif: {"CODE_MOTIF_SORTIE", MaxCode}, fRegime: {"CODE_REGIME", MaxCode},
	fMEF: {"CODE_MEF", MaxCode}, fStatut: {"CODE_STATUT", MaxCode}, fPreviousUAI: {"SCOLARITE_AN_DERNIER/CODE_RNE", MaxCode},
}

func (er *elevesReader) eleve() error {
	p := er.p
	s := Student{Line: p.line()}
	er.vals = er.vals[:0]
	var f [numFields]span
	f[fEleveID] = p.attrTo(&er.vals, "ELEVE_ID")
	f[fElenoet] = p.attrTo(&er.vals, "ELENOET")
	for {
		ok, err := p.child()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		field := -1
		switch string(p.name()) {
		case "ID_NATIONAL":
			field = fIDNational
		case "INE_RNIE":
			field = fRNIE
		case "INE_BEA":
			field = fBEA
		case "ELENOET":
			// The attribute wins; then the first non-empty child.
			var v span
			if v, err = p.textTo(&er.vals); f[fElenoet].empty() {
				f[fElenoet] = v
			}
		case "NOM_DE_FAMILLE":
			field = fNomDeFamille
		case "NOM":
			field = fNom
		case "NOM_USAGE":
			field = fNomUsage
		case "PRENOM":
			field = fPrenom
		case "PRENOM2":
			field = fPrenom2
		case "PRENOM3":
			field = fPrenom3
		case "DATE_NAISS":
			field = fNaiss
		case "CODE_SEXE":
			field = fSexe
		case "DATE_ENTREE":
			field = fEntree
		case "DATE_SORTIE":
			field = fSortie
		case "CODE_MOTIF_SORTIE":
			field = fMotif
		case "CODE_REGIME":
			field = fRegime
		case "CODE_MEF":
			field = fMEF
		case "CODE_STATUT":
			field = fStatut
		case "SCOLARITE_AN_DERNIER":
			// Only CODE_RNE is wanted: the CODE_MEF inside is last year's.
			err = er.previousUAI(&f[fPreviousUAI])
		default:
			err = p.skip()
		}
		if field >= 0 {
			f[field], err = p.textTo(&er.vals)
		}
		if err != nil {
			return err
		}
	}
	all := string(er.vals)
	// A field over its limit is dropped with a warning (ELEVE_ID, the key,
	// refuses the file).
	var dropped uint32 // 1<<field for the fields dropped
	for i := range f {
		fi := eleveFields[i]
		if !f[i].over && f[i].end-f[i].off <= fi.max || !overLimit(all[f[i].off:f[i].end], f[i].over, fi.max) {
			continue
		}
		if i == fEleveID {
			return &FileError{Line: s.Line, Element: "ELEVE", Msg: tooLongMsg("attribut ELEVE_ID", MaxEleveID)}
		}
		s.Warnings = append(s.Warnings, tooLong(fi.name, fi.max))
		dropped |= 1 << i
		f[i] = span{}
	}
	get := func(i int) string { return all[f[i].off:f[i].end] }
	s.EleveID, s.Elenoet = get(fEleveID), get(fElenoet)
	if s.EleveID == "" {
		return &FileError{Line: s.Line, Element: "ELEVE", Msg: "attribut ELEVE_ID absent\u00a0: l’élève ne peut pas être identifié dans le fichier"}
	}
	if first, dup := er.ids.add(s.EleveID, s.Line); dup {
		return &FileError{Line: s.Line, Element: "ELEVE",
			Msg: fmt.Sprintf("ELEVE_ID %s en double (déjà vu ligne %d)\u00a0: le fichier est incohérent, exportez-le à nouveau", s.EleveID, first)}
	}

	s.LastName = get(fNomDeFamille)
	if s.LastName == "" {
		s.LastName = get(fNom)
	}
	s.UsageName = get(fNomUsage)
	s.FirstName, s.FirstName2, s.FirstName3 = get(fPrenom), get(fPrenom2), get(fPrenom3)
	s.MotifSortie, s.Regime, s.Statut = get(fMotif), get(fRegime), get(fStatut)
	s.MEF = MEF(get(fMEF))
	s.PreviousUAI = get(fPreviousUAI)
	er.ine(&s, get(fIDNational), get(fRNIE), get(fBEA))
	// An identity field that is empty (not dropped as too long: that has
	// its warning) is worth a word: the importer does not create a student
	// without a name.
	if s.LastName == "" && dropped&(1<<fNomDeFamille|1<<fNom) == 0 {
		s.Warnings = append(s.Warnings, Warning{Code: WarnMissing, Field: "NOM_DE_FAMILLE", Message: "nom de famille absent", Key: "siecle.last_name_missing"})
	}
	if s.FirstName == "" && dropped&(1<<fPrenom) == 0 {
		s.Warnings = append(s.Warnings, Warning{Code: WarnMissing, Field: "PRENOM", Message: "prénom absent", Key: "siecle.first_name_missing"})
	}
	naiss := get(fNaiss)
	if naiss == "" && dropped&(1<<fNaiss) == 0 {
		s.Warnings = append(s.Warnings, Warning{Code: WarnMissing, Field: "DATE_NAISS",
			Message: "date de naissance absente\u00a0: l’identité de l’élève ne pourra pas être vérifiée lors d’un transfert", Key: "siecle.birth_date_missing"})
	}
	s.BirthDate = er.date(&s.Warnings, "DATE_NAISS", naiss)
	s.EntryDate = er.date(&s.Warnings, "DATE_ENTREE", get(fEntree))
	s.ExitDate = er.date(&s.Warnings, "DATE_SORTIE", get(fSortie))
	switch sexe := get(fSexe); sexe {
	case "1":
		s.Sex = "M"
	case "2":
		s.Sex = "F"
	case "":
	default:
		s.Warnings = append(s.Warnings, Warning{Code: WarnSex, Field: "CODE_SEXE",
			Message: fmt.Sprintf("code sexe %q inconnu (1 ou 2 attendu)", sexe), Key: "siecle.sex", Params: map[string]string{"value": sexe}})
	}
	if s.MEF == "" {
		s.Warnings = append(s.Warnings, Warning{Code: WarnMEF, Field: "CODE_MEF",
			Message: "code MEF absent\u00a0: la formation de l’élève est inconnue, un transfert ne pourra pas vérifier le diplôme préparé", Key: "siecle.mef_missing"})
	} else if _, err := ParseMEF(string(s.MEF)); err != nil {
		s.Warnings = append(s.Warnings, valueWarning(WarnMEF, "CODE_MEF", err, ""))
	}
	if s.PreviousUAI != "" {
		if u, err := ParseUAI(s.PreviousUAI); err == nil {
			s.PreviousUAI = u
		} else {
			s.PreviousUAI = strings.ToUpper(s.PreviousUAI)
			w := valueWarning(WarnPreviousUAI, "SCOLARITE_AN_DERNIER/CODE_RNE", err, "siecle.previous_uai")
			w.Message = "établissement d’origine\u00a0: " + w.Message
			s.Warnings = append(s.Warnings, w)
		}
	}
	return er.h.Student(s)
}

// previousUAI reads SCOLARITE_AN_DERNIER, keeping the last non-empty
// CODE_RNE.
func (er *elevesReader) previousUAI(rne *span) error {
	p := er.p
	for {
		ok, err := p.child()
		if err != nil || !ok {
			return err
		}
		if string(p.name()) != "CODE_RNE" {
			err = p.skip()
		} else {
			var v span
			if v, err = p.textTo(&er.vals); !v.empty() {
				*rne = v
			}
		}
		if err != nil {
			return err
		}
	}
}

// ine picks the student's INE and records what is wrong with it. The
// messages never quote the value.
func (er *elevesReader) ine(s *Student, idNational, rnie, bea string) {
	field, raw := "ID_NATIONAL", idNational
	switch {
	case raw != "":
	case rnie != "":
		field, raw = "INE_RNIE", rnie
	case bea != "":
		field, raw = "INE_BEA", bea
	}
	s.INE = NormalizeINE(raw)
	kind, err := CheckINE(s.INE)
	s.INEKind = kind
	switch {
	case err == nil:
	case errors.Is(err, ErrINEEmpty):
		s.INEKind = INEUnknown
		s.Warnings = append(s.Warnings, Warning{Code: WarnINEMissing, Field: "ID_NATIONAL",
			Message: "INE absent\u00a0: l’élève ne pourra pas être retrouvé dans un autre établissement, ses données ne pourront pas être transférées",
			Key:     "siecle.ine_missing"})
	case errors.Is(err, ErrINEKey):
		s.Warnings = append(s.Warnings, Warning{Code: WarnINEKey, Field: field,
			Message: err.Error() + " (INE BEA\u00a0: la lettre finale ne correspond pas aux chiffres\u00a0; à vérifier dans SIECLE)", Key: "siecle.ine.key"})
	default:
		w := valueWarning(WarnINEShape, field, err, "siecle.ine_shape")
		w.Message += " (à vérifier dans SIECLE)"
		s.Warnings = append(s.Warnings, w)
	}
}

func (er *elevesReader) structures() error {
	p := er.p
	line := p.line()
	er.vals = er.vals[:0]
	id := p.attrTo(&er.vals, "ELEVE_ID")
	er.structList, er.structWarn = er.structList[:0], nil
	for {
		ok, err := p.child()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch {
		case string(p.name()) != "STRUCTURE":
			err = p.skip()
		case len(er.structList) == MaxStructures:
			// The entries beyond the limit are not read: their values
			// would pile up in vals.
			if len(er.structWarn) == 0 || er.structWarn[len(er.structWarn)-1].Field != "STRUCTURE" {
				er.structWarn = append(er.structWarn, Warning{Code: WarnTooLong, Field: "STRUCTURE",
					Message: fmt.Sprintf("plus de %d classes et groupes\u00a0: les suivants sont ignorés", MaxStructures),
					Key:     "siecle.structures_too_many", Params: map[string]string{"max": strconv.Itoa(MaxStructures)}})
			}
			err = p.skip()
		default:
			err = er.structure()
		}
		if err != nil {
			return err
		}
	}
	all := string(er.vals)
	eleveID := all[id.off:id.end]
	if overLimit(eleveID, false, MaxEleveID) {
		return &FileError{Line: line, Element: "STRUCTURES_ELEVE", Msg: tooLongMsg("attribut ELEVE_ID", MaxEleveID)}
	}
	if eleveID == "" {
		return &FileError{Line: line, Element: "STRUCTURES_ELEVE", Msg: "attribut ELEVE_ID absent\u00a0: les classes et groupes ne peuvent pas être rattachés à un élève"}
	}
	if first, dup := er.structs.add(eleveID, line); dup {
		return &FileError{Line: line, Element: "STRUCTURES_ELEVE",
			Msg: fmt.Sprintf("structures de l’ELEVE_ID %s en double (déjà vues ligne %d)", eleveID, first)}
	}
	out := StudentStructures{EleveID: eleveID, Line: line, Warnings: er.structWarn}
	if len(er.structList) > 0 {
		out.List = make([]Structure, len(er.structList))
		for i, st := range er.structList {
			out.List[i] = Structure{Code: all[st.code.off:st.code.end], Type: all[st.typ.off:st.typ.end]}
		}
	}
	return er.h.Structures(out)
}

// structure reads one STRUCTURE and keeps it when it has a code.
func (er *elevesReader) structure() error {
	p := er.p
	var code, typ span
	for {
		ok, err := p.child()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch string(p.name()) {
		case "CODE_STRUCTURE":
			code, err = p.textTo(&er.vals)
		case "TYPE_STRUCTURE":
			typ, err = p.textTo(&er.vals)
		default:
			err = p.skip()
		}
		if err != nil {
			return err
		}
	}
	if code.over || code.end-code.off > MaxStructure {
		er.structValue("CODE_STRUCTURE", &code)
	}
	if typ.over || typ.end-typ.off > MaxStructure {
		er.structValue("TYPE_STRUCTURE", &typ)
	}
	if !code.empty() {
		er.structList = append(er.structList, structureSpans{code, typ})
	}
	return nil
}

// structValue drops a value of STRUCTURE over MaxStructure, with a warning
// (one per field and student).
func (er *elevesReader) structValue(field string, v *span) {
	if v.over || v.end-v.off > MaxStructure && utf8.RuneCount(er.vals[v.off:v.end]) > MaxStructure {
		*v = span{}
		for _, w := range er.structWarn {
			if w.Field == field {
				return
			}
		}
		er.structWarn = append(er.structWarn, tooLong(field, MaxStructure))
	}
}

// structureSpans is a STRUCTURE while its STRUCTURES_ELEVE is read.
type structureSpans struct{ code, typ span }

// idSet maps the ELEVE_IDs seen to the line of their first occurrence, to
// report duplicates. SIECLE ids are numbers: they are kept as integers,
// which retains no string of the file and hashes faster; any other id is
// kept as a string of its own.
type idSet struct {
	num map[uint64]int
	str map[string]int
}

func newIDSet() idSet {
	return idSet{num: make(map[uint64]int, 1024), str: make(map[string]int)}
}

// add records id at line, or returns the line of its first occurrence.
func (s idSet) add(id string, line int) (first int, dup bool) {
	if n, ok := canonicalUint(id); ok {
		if first, dup = s.num[n]; !dup {
			s.num[n] = line
		}
		return first, dup
	}
	if first, dup = s.str[id]; !dup {
		s.str[strings.Clone(id)] = line
	}
	return first, dup
}

// canonicalUint returns the value of s when s is the canonical decimal
// writing of a number below 10^18 (no sign, no leading zero), so that two
// different ids never share a value.
func canonicalUint(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 18 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}
