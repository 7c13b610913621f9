package siecle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// collected is everything a Read delivered, in order.
type collected struct {
	params     []Params
	students   []Student
	structures map[string][]Structure
	order      []string // "P", "S:<id>", "T:<id>"
}

func (c *collected) handler() Handler {
	c.structures = map[string][]Structure{}
	return HandlerFuncs{
		OnParams: func(p Params) error {
			c.params = append(c.params, p)
			c.order = append(c.order, "P")
			return nil
		},
		OnStudent: func(s Student) error {
			c.students = append(c.students, s)
			c.order = append(c.order, "S:"+s.EleveID)
			return nil
		},
		OnStructures: func(s StudentStructures) error {
			c.structures[s.EleveID] = s.List
			c.order = append(c.order, "T:"+s.EleveID)
			return nil
		},
	}
}

func readAll(t *testing.T, data []byte) (*collected, error) {
	t.Helper()
	c := &collected{}
	err := Read(bytes.NewReader(data), c.handler())
	return c, err
}

func mustRead(t *testing.T, data []byte) *collected {
	t.Helper()
	c, err := readAll(t, data)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return c
}

func sample(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/ElevesSansAdresses.example.xml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// toUTF8 converts the ISO-8859-15 sample and its declaration to UTF-8.
func toUTF8(t *testing.T, latin []byte) []byte {
	t.Helper()
	b, err := charmap.ISO8859_15.NewDecoder().Bytes(latin)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Replace(b, []byte(`encoding="ISO-8859-15"`), []byte(`encoding="UTF-8"`), 1)
}

func checkSample(t *testing.T, c *collected, lineShift int) {
	t.Helper()
	if len(c.params) != 1 {
		t.Fatalf("got %d Params", len(c.params))
	}
	p := c.params[0]
	if p.UAI != "0691234S" || p.Year != 2024 || p.ExportDate != (Date{2024, time.September, 16}) ||
		p.Timestamp != "16/09/2024 08:09:38" || p.Version != "2.1" || len(p.Warnings) != 0 {
		t.Errorf("params = %+v", p)
	}
	if len(c.students) != 2 {
		t.Fatalf("got %d students", len(c.students))
	}
	a, b := c.students[0], c.students[1]
	want := Student{
		EleveID: "1234501", Elenoet: "2643", INE: NormalizeINE("120345678AB"), INEKind: INERNIE,
		LastName: "DURAND-EXEMPLE", FirstName: "Léa", FirstName2: "Hélène",
		BirthDate: Date{2009, time.March, 14}, EntryDate: Date{2024, time.September, 2},
		Sex: "F", MEF: "24720002310", Statut: "ST", Regime: "2", PreviousUAI: "0381234K", Line: 11 + lineShift,
	}
	if !equalStudent(a, want) {
		t.Errorf("student 1 =\n%+v\nwant\n%+v", a, want)
	}
	want = Student{
		EleveID: "1234502", Elenoet: "2644", INE: NormalizeINE("121987654CD"), INEKind: INERNIE,
		LastName: "MARTIN-TEST", UsageName: "PETIT-TEST", FirstName: "Noé",
		BirthDate: Date{2008, time.November, 2}, EntryDate: Date{2023, time.September, 2},
		ExitDate: Date{2025, time.January, 15}, MotifSortie: "19",
		Sex: "M", MEF: "24131214220", Statut: "ST", Regime: "0", Line: 44 + lineShift,
	}
	if !equalStudent(b, want) {
		t.Errorf("student 2 =\n%+v\nwant\n%+v", b, want)
	}
	if a.Left() || !b.Left() {
		t.Error("Left()")
	}
	wantStruct := map[string][]Structure{
		"1234501": {{"2NDPRO-A", "D"}, {"2PA_ANG1", "G"}},
		"1234502": {{"2CAP-B", "D"}},
	}
	for id, w := range wantStruct {
		if got := c.structures[id]; !equalStructures(got, w) {
			t.Errorf("structures of %s = %v, want %v", id, got, w)
		}
	}
}

func equalStudent(a, b Student) bool { return reflect.DeepEqual(a, b) }

func equalStructures(a, b []Structure) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadSample(t *testing.T) {
	checkSample(t, mustRead(t, sample(t)), 0)
}

func TestReadSampleUTF8(t *testing.T) {
	utf := toUTF8(t, sample(t))
	checkSample(t, mustRead(t, utf), 0)
	// Without declaration (UTF-8 by default) and with a byte order mark.
	noDecl := utf[bytes.IndexByte(utf, '\n')+1:]
	checkSample(t, mustRead(t, noDecl), -1)
	checkSample(t, mustRead(t, append([]byte{0xEF, 0xBB, 0xBF}, utf...)), 0)
}

func TestReadEncodings(t *testing.T) {
	doc := func(enc string, name []byte) []byte {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0" encoding="` + enc + `"?><BEE_ELEVES><PARAMETRES><UAJ>0691234S</UAJ></PARAMETRES>` +
			`<DONNEES><ELEVES><ELEVE ELEVE_ID="1"><NOM_DE_FAMILLE>`)
		b.Write(name)
		b.WriteString(`</NOM_DE_FAMILLE></ELEVE></ELEVES></DONNEES></BEE_ELEVES>`)
		return b.Bytes()
	}
	tests := []struct {
		enc  string
		name []byte
		want string
	}{
		{"ISO-8859-15", []byte("C\xbcUR c\xbdur \xa4"), "CŒUR cœur €"},
		{"iso-8859-15", []byte("\xb4UPAN"), "ŽUPAN"},
		{"Latin-9", []byte("L\xe9a"), "Léa"},
		{"ISO-8859-1", []byte("L\xe9a"), "Léa"},
		{"latin1", []byte("FRAN\xc7OIS"), "FRANÇOIS"},
		{"windows-1252", []byte("C\x8cUR L\x92HUILLIER"), "CŒUR L’HUILLIER"},
		{"ISO-8859-1", []byte("C\x8cUR"), "CŒUR"}, // mislabelled windows-1252
		{"UTF-8", []byte("Maëlys"), "Maëlys"},
		{"utf-8", []byte("Maëlys"), "Maëlys"},
		{"US-ASCII", []byte("DUPONT"), "DUPONT"},
	}
	for _, tt := range tests {
		t.Run(tt.enc, func(t *testing.T) {
			c := mustRead(t, doc(tt.enc, tt.name))
			if got := c.students[0].LastName; got != tt.want {
				t.Errorf("name = %q, want %q", got, tt.want)
			}
		})
	}
	_, err := readAll(t, doc("EBCDIC-FR", []byte("X")))
	var fe *FileError
	if !errors.As(err, &fe) || !errors.Is(err, ErrEncoding) || !strings.Contains(err.Error(), "EBCDIC-FR") {
		t.Errorf("unknown encoding: %v", err)
	}
	// Latin-1 bytes in a file that declares nothing are invalid UTF-8.
	noDecl := bytes.Replace(doc("UTF-8", []byte("L\xe9a")), []byte(`<?xml version="1.0" encoding="UTF-8"?>`), nil, 1)
	if _, err := readAll(t, noDecl); !errors.As(err, &fe) {
		t.Errorf("latin-1 without declaration: %v", err)
	}
}

const minimal = `<?xml version="1.0" encoding="UTF-8"?>
<BEE_ELEVES VERSION="2.1">
  <PARAMETRES><UAJ>0691234S</UAJ><ANNEE_SCOLAIRE>2024</ANNEE_SCOLAIRE></PARAMETRES>
  <DONNEES>
    <ELEVES>
%s
    </ELEVES>
  </DONNEES>
</BEE_ELEVES>
`

// identity is a complete identity for a student of a test document.
const identity = `<NOM_DE_FAMILLE>DURAND</NOM_DE_FAMILLE><PRENOM>Léa</PRENOM><DATE_NAISS>14/03/2009</DATE_NAISS>`

func withEleves(eleves string) []byte {
	return []byte(strings.Replace(minimal, "%s", eleves, 1))
}

func TestReadParamsAfterDonnees(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<BEE_ELEVES VERSION="2.1">
  <DONNEES>
    <STRUCTURES>
      <STRUCTURES_ELEVE ELEVE_ID="7"><STRUCTURE><TYPE_STRUCTURE>D</TYPE_STRUCTURE><CODE_STRUCTURE>1CAP-A</CODE_STRUCTURE></STRUCTURE></STRUCTURES_ELEVE>
    </STRUCTURES>
    <ELEVES>
      <ELEVE ELEVE_ID="7"><CODE_MEF>24122104210</CODE_MEF><ID_NATIONAL>0123456789M</ID_NATIONAL>` + identity + `</ELEVE>
    </ELEVES>
  </DONNEES>
  <PARAMETRES><DATE_EXPORT>01/10/2024</DATE_EXPORT><UAJ> 0691234s </UAJ></PARAMETRES>
</BEE_ELEVES>`
	c := mustRead(t, []byte(doc))
	if strings.Join(c.order, ",") != "T:7,S:7,P" {
		t.Errorf("order = %v", c.order)
	}
	if c.params[0].UAI != "0691234S" || c.params[0].ExportDate != (Date{2024, time.October, 1}) || c.params[0].Year != 0 {
		t.Errorf("params = %+v", c.params[0])
	}
	if s := c.students[0]; s.INEKind != INEBEA || len(s.Warnings) != 0 || s.MEF != "24122104210" {
		t.Errorf("student = %+v", s)
	}
	p, err := ReadParams(strings.NewReader(doc))
	if err != nil || p.UAI != "0691234S" {
		t.Errorf("ReadParams = %+v, %v", p, err)
	}
}

func TestReadLiberal(t *testing.T) {
	// Older element names, ELENOET as a child, children in any order,
	// unknown elements, INE fallbacks, padded and lower-case values.
	doc := withEleves(`
      <ELEVE ELEVE_ID=" 10 ">
        <UNKNOWN><NESTED>x</NESTED></UNKNOWN>
        <CODE_SEXE>1</CODE_SEXE>
        <NOM>  LE GOFF  </NOM>
        <PRENOM>Loïc</PRENOM>
        <DATE_NAISS>1/9/2009</DATE_NAISS>
        <ELENOET>99</ELENOET>
        <INE_BEA>0123456789M</INE_BEA>
        <INE_RNIE> 120 345 678ab </INE_RNIE>
        <SCOLARITE_AN_DERNIER><CODE_RNE>0382032c</CODE_RNE><CODE_MEF>10310019110</CODE_MEF></SCOLARITE_AN_DERNIER>
        <CODE_MEF>24731212310</CODE_MEF>
      </ELEVE>
      <ELEVE ELEVE_ID="11" ELENOET="5">
        <NOM>OLD</NOM><NOM_DE_FAMILLE>NEW</NOM_DE_FAMILLE>
        <ELENOET>6</ELENOET>
        <ID_NATIONAL></ID_NATIONAL>
        <INE_BEA>0123456789M</INE_BEA>
        <CODE_MEF>24731212310</CODE_MEF>
      </ELEVE>
      <!-- comment -->
      <OTHER/>`)
	c := mustRead(t, doc)
	a, b := c.students[0], c.students[1]
	if a.EleveID != "10" || a.Elenoet != "99" || a.LastName != "LE GOFF" || a.Sex != "M" ||
		a.INE != NormalizeINE("120345678AB") || a.INEKind != INERNIE || a.PreviousUAI != "0382032C" || a.MEF != "24731212310" {
		t.Errorf("a = %+v", a)
	}
	if len(a.Warnings) != 0 {
		t.Errorf("a warnings = %v", a.Warnings)
	}
	if b.LastName != "NEW" || b.Elenoet != "5" || b.INE != NormalizeINE("0123456789M") || b.INEKind != INEBEA {
		t.Errorf("b = %+v", b)
	}
}

func TestReadWarnings(t *testing.T) {
	doc := withEleves(`
      <ELEVE ELEVE_ID="1">
        <NOM>X</NOM><PRENOM>Y</PRENOM>
        <DATE_NAISS>31/02/2009</DATE_NAISS>
        <DATE_ENTREE>2024-09-02</DATE_ENTREE>
        <CODE_SEXE>3</CODE_SEXE>
        <CODE_MEF>2472000231</CODE_MEF>
        <SCOLARITE_AN_DERNIER><CODE_RNE>0382032D</CODE_RNE></SCOLARITE_AN_DERNIER>
      </ELEVE>
      <ELEVE ELEVE_ID="2">` + identity + `<ID_NATIONAL>0123456789N</ID_NATIONAL><CODE_MEF>24731212310</CODE_MEF></ELEVE>
      <ELEVE ELEVE_ID="3">` + identity + `<ID_NATIONAL>12345XYZ</ID_NATIONAL><CODE_MEF>24731212310</CODE_MEF></ELEVE>
      <ELEVE ELEVE_ID="4">` + identity + `<INE_RNIE>120345678AB</INE_RNIE></ELEVE>`)
	c := mustRead(t, doc)
	type w struct {
		code  WarningCode
		field string
		text  string
	}
	want := map[string][]w{
		"1": {
			{WarnINEMissing, "ID_NATIONAL", "transférées"},
			{WarnDate, "DATE_NAISS", "31/02/2009"},
			{WarnDate, "DATE_ENTREE", "2024-09-02"},
			{WarnSex, "CODE_SEXE", `"3"`},
			{WarnMEF, "CODE_MEF", "2472000231"},
			{WarnPreviousUAI, "SCOLARITE_AN_DERNIER/CODE_RNE", "attendue est C"},
		},
		"2": {{WarnINEKey, "ID_NATIONAL", "clé"}},
		"3": {{WarnINEShape, "ID_NATIONAL", "8 caractères"}},
		"4": {{WarnMEF, "CODE_MEF", "absent"}},
	}
	for _, s := range c.students {
		ws := want[s.EleveID]
		if len(s.Warnings) != len(ws) {
			t.Errorf("student %s warnings = %v, want %d", s.EleveID, s.Warnings, len(ws))
			continue
		}
		for i, got := range s.Warnings {
			if got.Code != ws[i].code || got.Field != ws[i].field || !strings.Contains(got.Message, ws[i].text) {
				t.Errorf("student %s warning %d = %+v, want %+v", s.EleveID, i, got, ws[i])
			}
		}
	}
	if s := c.students[0]; s.PreviousUAI != "0382032D" || !s.BirthDate.IsZero() {
		t.Errorf("student 1 = %+v", s)
	}
	for _, s := range c.students {
		for _, w := range s.Warnings {
			for _, ine := range []string{"0123456789N", "12345XYZ", "120345678AB"} {
				if strings.Contains(w.String(), ine) {
					t.Errorf("warning %q contains an INE", w)
				}
			}
		}
	}
}

func TestReadParamsWarnings(t *testing.T) {
	doc := `<BEE_ELEVES><PARAMETRES><UAJ>0691234S</UAJ><ANNEE_SCOLAIRE>24-25</ANNEE_SCOLAIRE><DATE_EXPORT>32/01/2025</DATE_EXPORT></PARAMETRES></BEE_ELEVES>`
	c := mustRead(t, []byte(doc))
	ws := c.params[0].Warnings
	if len(ws) != 2 || ws[0].Code != WarnYear || ws[1].Code != WarnDate || ws[1].Field != "DATE_EXPORT" {
		t.Errorf("warnings = %v", ws)
	}
}

func TestReadFileErrors(t *testing.T) {
	smp := sample(t)
	truncatedIn := withEleves(`<ELEVE ELEVE_ID="1"><NOM>X</NOM>`)
	truncatedIn = truncatedIn[:bytes.Index(truncatedIn, []byte("</NOM>"))+6]
	tests := []struct {
		name    string
		doc     []byte
		line    int // 0: any line > 0
		element string
		msg     string
	}{
		{"empty", nil, -1, "", "vide"},
		{"blank", []byte("  \n  "), -1, "", "vide"},
		{"text", []byte("NOM;PRENOM\nDURAND;Léa\n"), -1, "", "n'est pas un document XML"},
		{"truncated", smp[:len(smp)/2], 44, "ELEVES", "tronqué"},
		{"truncated in ELEVE", truncatedIn, 6, "ELEVE", "avant la fin de l'élément ELEVE"},
		{"wrong root", []byte(`<?xml version="1.0"?><BEE_NOMENCLATURES><DONNEES/></BEE_NOMENCLATURES>`), 1, "BEE_NOMENCLATURES", "Nomenclature.xml"},
		{"unknown root", []byte(`<html><body/></html>`), 1, "html", "élément racine est html, BEE_ELEVES attendu"},
		{"syntax", withEleves(`<ELEVE ELEVE_ID="1"><NOM>X</PRENOM></ELEVE>`), 6, "NOM", "XML invalide"},
		{"missing UAJ", []byte("<BEE_ELEVES>\n<PARAMETRES>\n<ANNEE_SCOLAIRE>2024</ANNEE_SCOLAIRE></PARAMETRES></BEE_ELEVES>"), 2, "PARAMETRES", "UAJ absent"},
		{"invalid UAJ", []byte("<BEE_ELEVES>\n<PARAMETRES>\n<UAJ>0382032D</UAJ></PARAMETRES></BEE_ELEVES>"), 3, "UAJ", "attendue est C"},
		{"missing PARAMETRES", []byte("<BEE_ELEVES>\n<DONNEES/>\n</BEE_ELEVES>"), 3, "BEE_ELEVES", "PARAMETRES absent"},
		{"two PARAMETRES", []byte("<BEE_ELEVES><PARAMETRES><UAJ>0691234S</UAJ></PARAMETRES>\n<PARAMETRES/></BEE_ELEVES>"), 2, "PARAMETRES", "en double"},
		{"ELEVE without ELEVE_ID", withEleves(`<ELEVE ELENOET="3"><NOM>X</NOM></ELEVE>`), 6, "ELEVE", "ELEVE_ID absent"},
		{"duplicate ELEVE_ID", withEleves("<ELEVE ELEVE_ID=\"1\"/>\n<ELEVE ELEVE_ID=\"2\"/>\n<ELEVE ELEVE_ID=\"1\"/>"), 8, "ELEVE", "ELEVE_ID 1 en double (déjà vu ligne 6)"},
		{"STRUCTURES_ELEVE without ELEVE_ID", []byte("<BEE_ELEVES><PARAMETRES><UAJ>0691234S</UAJ></PARAMETRES><DONNEES><STRUCTURES>\n<STRUCTURES_ELEVE/></STRUCTURES></DONNEES></BEE_ELEVES>"), 2, "STRUCTURES_ELEVE", "ELEVE_ID absent"},
		{"duplicate STRUCTURES_ELEVE", []byte("<BEE_ELEVES><DONNEES><STRUCTURES>\n<STRUCTURES_ELEVE ELEVE_ID=\"1\"/>\n<STRUCTURES_ELEVE ELEVE_ID=\"1\"/></STRUCTURES></DONNEES></BEE_ELEVES>"), 3, "STRUCTURES_ELEVE", "en double"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(t, tt.doc)
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v (%T), want *FileError", err, err)
			}
			switch {
			case tt.line > 0 && fe.Line != tt.line:
				t.Errorf("line = %d, want %d (%v)", fe.Line, tt.line, err)
			case tt.line == 0 && fe.Line <= 0:
				t.Errorf("no line in %v", err)
			}
			if fe.Element != tt.element {
				t.Errorf("element = %q, want %q (%v)", fe.Element, tt.element, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
			if fe.Line > 0 && !strings.HasPrefix(err.Error(), "ligne ") {
				t.Errorf("error %q does not start with the line", err)
			}
		})
	}
}

func TestFileErrorFormat(t *testing.T) {
	tests := []struct {
		e    FileError
		want string
	}{
		{FileError{Line: 42, Element: "ELEVE", Msg: "problème"}, "ligne 42, élément ELEVE : problème"},
		{FileError{Line: 3, Msg: "problème"}, "ligne 3 : problème"},
		{FileError{Element: "MEF", Err: errors.New("cause")}, "élément MEF : cause"},
		{FileError{}, "fichier illisible"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// TestReadErrorsNeverQuoteINE breaks the XML inside INE elements and checks
// that the error does not carry the INE.
func TestReadErrorsNeverQuoteINE(t *testing.T) {
	for _, el := range []string{"ID_NATIONAL", "INE_RNIE", "INE_BEA"} {
		for _, body := range []string{"120345&678AB;", "120345678AB&", "120345678AB<", "120345678AB</X>"} {
			doc := withEleves(`<ELEVE ELEVE_ID="1"><` + el + `>` + body + `</` + el + `></ELEVE>`)
			_, err := readAll(t, doc)
			if err == nil {
				t.Fatalf("%s %q: no error", el, body)
			}
			for _, part := range []string{"120345678AB", "678AB", "120345"} {
				if strings.Contains(err.Error(), part) {
					t.Errorf("%s %q: error %q quotes the INE", el, body, err)
				}
				var fe *FileError
				if errors.As(err, &fe) && fe.Err != nil && strings.Contains(fe.Err.Error(), part) {
					t.Errorf("%s %q: wrapped error %q quotes the INE", el, body, fe.Err)
				}
			}
		}
	}
}

func TestReadHandlerError(t *testing.T) {
	stop := errors.New("database is down")
	err := Read(bytes.NewReader(sample(t)), HandlerFuncs{OnStudent: func(Student) error { return stop }})
	if err != stop {
		t.Errorf("err = %v, want the handler's error unchanged", err)
	}
	if err := Read(bytes.NewReader(sample(t)), nil); err != nil {
		t.Errorf("validation-only Read: %v", err)
	}
}

func TestCheckUAI(t *testing.T) {
	p, err := ReadParams(bytes.NewReader(sample(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckUAI(p, " 0691234s"); err != nil {
		t.Errorf("CheckUAI same: %v", err)
	}
	err = CheckUAI(p, "0382032C")
	if !errors.Is(err, ErrOtherEstablishment) || !strings.Contains(err.Error(), "0691234S") || !strings.Contains(err.Error(), "0382032C") {
		t.Errorf("CheckUAI other: %v", err)
	}
	if err := CheckUAI(p, "0382032D"); !errors.Is(err, ErrInvalidUAI) {
		t.Errorf("CheckUAI invalid: %v", err)
	}
	if _, err := ReadParams(strings.NewReader("<BEE_ELEVES/>")); err == nil {
		t.Error("ReadParams without PARAMETRES succeeded")
	}
}

// TestReadMarkup reads values written with the rest of XML: references,
// HTML entities, CDATA sections, comments, processing instructions, CRLF
// line ends, single quotes, a DOCTYPE, name space prefixes.
func TestReadMarkup(t *testing.T) {
	doc := "<?xml version='1.0' encoding='ISO-8859-15'?>\r\n" +
		"<!DOCTYPE BEE_ELEVES SYSTEM \"eleves.dtd\">\r\n" +
		"<BEE_ELEVES VERSION='2.1'><!-- export -->\r\n" +
		"<PARAMETRES><UAJ> <![CDATA[0691234S]]> </UAJ></PARAMETRES>\r\n" +
		"<DONNEES><ELEVES>\r\n" +
		"<ELEVE ELEVE_ID='1&#50;' ELENOET=\"&#x33;\">\r\n" +
		"<NOM_DE_FAMILLE>L&apos;HUILLIER &amp; C\xbcUR</NOM_DE_FAMILLE>\r\n" +
		"<PRENOM>L<!-- accent -->&eacute;<?pi ?>a</PRENOM>\r\n" +
		"<PRENOM2><![CDATA[<Zo\xe9>]]></PRENOM2>\r\n" +
		"<x:CODE_SEXE xmlns:x='urn:x'>2</x:CODE_SEXE>\r\n" +
		"</ELEVE>\r\n" +
		"<ELEVE ELEVE_ID=\"13\"/>\r\n" +
		"</ELEVES></DONNEES></BEE_ELEVES>\r\n"
	c := mustRead(t, []byte(doc))
	if len(c.students) != 2 || c.params[0].UAI != "0691234S" || c.params[0].Version != "2.1" {
		t.Fatalf("params %+v, %d students", c.params, len(c.students))
	}
	s := c.students[0]
	if s.EleveID != "12" || s.Elenoet != "3" || s.LastName != "L'HUILLIER & CŒUR" || s.FirstName != "Léa" ||
		s.FirstName2 != "<Zoé>" || s.Sex != "F" || s.Line != 6 || c.students[1].Line != 12 {
		t.Errorf("student = %+v", s)
	}
}

// TestReadAfterRoot checks what may follow the root element: white space,
// comments and processing instructions, but no text or second element (a
// file cut and glued, or two exports concatenated).
func TestReadAfterRoot(t *testing.T) {
	const body = "<BEE_ELEVES><PARAMETRES><UAJ>0691234S</UAJ></PARAMETRES></BEE_ELEVES>"
	if _, err := readAll(t, []byte(body+"\n<!-- fin -->\n<?x y?>\n\n")); err != nil {
		t.Errorf("comment after the root: %v", err)
	}
	for _, tt := range []struct{ tail, msg string }{
		{"\nx", "du texte suit la fin de l'élément racine BEE_ELEVES"},
		{"\n\n<BEE_ELEVES>", "élément BEE_ELEVES après la fin de l'élément racine BEE_ELEVES"},
		{"\n</BEE_ELEVES>", "sans élément ouvert"},
		{"\n<!-- x", "tronqué"},
	} {
		_, err := readAll(t, []byte(body+tt.tail))
		var fe *FileError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.msg) || fe.Line != strings.Count(tt.tail, "\n")+1 {
			t.Errorf("%q after the root: %v", tt.tail, err)
		}
	}
	err := ReadNomenclature(strings.NewReader("<BEE_NOMENCLATURES/>\n<BEE_NOMENCLATURES/>"), func(MEFLabel) error { return nil })
	if !strings.Contains(fmt.Sprint(err), "après la fin") {
		t.Errorf("nomenclature: %v", err)
	}
}

// TestReadStrict checks the refusals added with the tokenizer: entity
// declarations (their expansion is not performed, and is a known attack),
// a DOCTYPE inside the root, and an XML declaration that is not first.
func TestReadStrict(t *testing.T) {
	for _, tt := range []struct{ doc, msg string }{
		{"<!DOCTYPE BEE_ELEVES [\n<!ENTITY e \"x\">]><BEE_ELEVES/>", "<!ENTITY"},
		{"<BEE_ELEVES>\n<!DOCTYPE BEE_ELEVES></BEE_ELEVES>", "DOCTYPE"},
		{"<!-- x -->\n<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><BEE_ELEVES/>", "<?xml"},
	} {
		_, err := readAll(t, []byte(tt.doc))
		var fe *FileError
		if !errors.As(err, &fe) || fe.Line != 2 || !strings.Contains(err.Error(), "XML invalide") || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%q: %v", tt.doc, err)
		}
	}
}

// TestReadChunks reads the sample through readers that return few bytes at
// a time, and through one that fails.
func TestReadChunks(t *testing.T) {
	for name, r := range map[string]io.Reader{
		"one byte": iotest.OneByteReader(bytes.NewReader(sample(t))),
		"half":     iotest.HalfReader(bytes.NewReader(sample(t))),
		"data+EOF": iotest.DataErrReader(bytes.NewReader(sample(t))),
	} {
		c := &collected{}
		if err := Read(r, c.handler()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkSample(t, c, 0)
	}
	err := Read(iotest.TimeoutReader(iotest.HalfReader(bytes.NewReader(sample(t)))), nil)
	var fe *FileError
	if !errors.As(err, &fe) || !errors.Is(err, iotest.ErrTimeout) || !strings.Contains(err.Error(), "lecture impossible") {
		t.Errorf("read error: %v", err)
	}
}
