package competency

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
)

// example is the referential CSV of the documentation.
const example = `referentiel;BACPRO-MELEC;Baccalauréat professionnel Métiers de l'électricité et de ses environnements connectés;bac pro
echelle;NA;Non acquis
echelle;EC;En cours d'acquisition
echelle;A;Acquis
echelle;M;Maîtrisé
mef;247255
bloc;B1;Préparer une opération
competence;C1;Analyser les conditions de l'opération et son contexte
competence;C2;Organiser l'opération dans son contexte
bloc;B2;Réaliser une installation
competence;C3;Réaliser une installation de manière éco-responsable
`

func exampleReferential() Referential {
	return Referential{
		Code:  "BACPRO-MELEC",
		Label: "Baccalauréat professionnel Métiers de l'électricité et de ses environnements connectés",
		Kind:  "bac pro",
		Scale: []ScaleValue{{"NA", "Non acquis"}, {"EC", "En cours d'acquisition"}, {"A", "Acquis"}, {"M", "Maîtrisé"}},
		Competencies: []Competency{
			{Code: "C1", Label: "Analyser les conditions de l'opération et son contexte", Block: "B1", BlockLabel: "Préparer une opération"},
			{Code: "C2", Label: "Organiser l'opération dans son contexte", Block: "B1", BlockLabel: "Préparer une opération"},
			{Code: "C3", Label: "Réaliser une installation de manière éco-responsable", Block: "B2", BlockLabel: "Réaliser une installation"},
		},
		MEFs: []string{"247255"},
	}
}

// toWindows1252 encodes s, which must only hold Latin-1 letters and ’ œ …,
// as windows-1252.
func toWindows1252(t testing.TB, s string) []byte {
	t.Helper()
	var b []byte
	for _, r := range s {
		switch {
		case r < 0x100:
			b = append(b, byte(r))
		case r == '’':
			b = append(b, 0x92)
		case r == 'œ':
			b = append(b, 0x9C)
		case r == '…':
			b = append(b, 0x85)
		case r == '€':
			b = append(b, 0x80)
		default:
			t.Fatalf("toWindows1252: %q", r)
		}
	}
	return b
}

func toUTF16LE(s string) []byte {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func toUTF16BE(s string) []byte {
	b := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

func TestParseCSVVariants(t *testing.T) {
	crlf := strings.ReplaceAll(example, "\n", "\r\n")
	tests := []struct {
		name string
		data []byte
	}{
		{"documentation", []byte(example)},
		{"BOM and CRLF", []byte("\uFEFF" + crlf)},
		{"windows-1252", toWindows1252(t, crlf)},
		{"UTF-16LE", toUTF16LE(crlf)},
		{"UTF-16BE", toUTF16BE(example)},
		{"comma", []byte(strings.ReplaceAll(example, ";", ","))},
		{"tab", []byte(strings.ReplaceAll(example, ";", "\t"))},
		{"comma with quoted semicolon", []byte(strings.Replace(strings.ReplaceAll(example, ";", ","),
			"referentiel,BACPRO-MELEC,", `referentiel,"BACPRO-MELEC",`, 1))},
		{"English types", []byte(strings.NewReplacer("referentiel;", "referential;", "echelle;", "scale;", "bloc;", "block;", "competence;", "competency;").Replace(example))},
		{"accented and upper-case types", []byte(strings.NewReplacer("referentiel;", "Référentiel;", "echelle;", "ÉCHELLE;", "bloc;", "Bloc;", "competence;", "Compétence;", "mef;", "MEF;").Replace(example))},
		{"comments, blank lines and padding", []byte("# Référentiel; exporté le 3 mars\n\n" +
			strings.NewReplacer("\nbloc;B2", "\n\n;;;\n  \n# deuxième bloc\nbloc;B2", "echelle;A;Acquis", "echelle;A;Acquis;;").Replace(example) + ";;;\n")},
		{"quoted comment line", []byte("\"# un commentaire; entre guillemets\";;\n" + example)},
		{"spreadsheet quotes and spaces", []byte(strings.Replace(example, "competence;C2;Organiser l'opération dans son contexte",
			`"competence";" C2 ";"Organiser l'opération dans son contexte "`, 1))},
		{"several MEFs on a line", []byte(strings.Replace(example, "mef;247255", "mef;247255;", 1))},
	}
	want := exampleReferential()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCSV(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatalf("ParseCSV: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ParseCSV:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestParseCSVDetails(t *testing.T) {
	// No blocks, no kind, several MEFs on one line, a defused label.
	doc := "referentiel;CAP-X;CAP d'essai\nechelle;0;Non\nechelle;1;Oui\nmef;240221;241221\ncompetence;C1;'=Calculer\ncompetence;C2;'- Tirets\n"
	got, err := ParseCSV(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := Referential{Code: "CAP-X", Label: "CAP d'essai", Scale: []ScaleValue{{"0", "Non"}, {"1", "Oui"}},
		Competencies: []Competency{{Code: "C1", Label: "=Calculer"}, {Code: "C2", Label: "- Tirets"}}, MEFs: []string{"240221", "241221"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseCSV:\n got %+v\nwant %+v", got, want)
	}
}

func TestParseCSVErrors(t *testing.T) {
	head := "referentiel;BAC-X;Bac\nechelle;NA;Non acquis\nechelle;A;Acquis\n"
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"empty", "", "le fichier est vide"},
		{"only comments", "# rien\n\n;;\n", "le fichier est vide"},
		{"no header line", "echelle;NA;Non acquis\n", "ligne « referentiel;CODE;libellé;type » manquante"},
		{"two header lines", head + "referentiel;BAC-Y;Autre\n", "ligne 4 : seconde ligne « referentiel » (la première est ligne 1)"},
		{"unknown type", head + "competance;C1;x\n", "ligne 4 : type de ligne competance inconnu"},
		{"empty type", head + ";C1;x\n", "ligne 4 : type de ligne «  » inconnu"},
		{"missing label", head + "competence;C1\n", "ligne 4 : competence : libellé manquant"},
		{"empty label", head + "competence;C1;\n", "ligne 4 : competence : libellé manquant"},
		{"missing code", head + "competence;;Analyser\n", "ligne 4 : competence : code manquant"},
		{"too many cells", head + "competence;C1;Analyser;Note\n", "ligne 4 : competence : trop de colonnes (2 attendues après le type, 3 trouvées : Note en trop)"},
		{"too many header cells", "referentiel;BAC-X;Bac;bac pro;2024\n", "ligne 1 : referentiel : trop de colonnes"},
		{"header without label", "referentiel;BAC-X\n", "ligne 1 : referentiel : libellé manquant"},
		{"empty MEF line", head + "mef\n", "ligne 4 : mef : préfixe MEF manquant"},
		{"hole between MEFs", head + "mef;247;;248\n", "ligne 4 : mef : cellule vide entre deux préfixes MEF"},
		{"bad MEF", head + "mef;247255\nmef;24A\ncompetence;C1;x\n", "ligne 5 : préfixe MEF 2 (24A) : de 3 à 11 chiffres attendus"},
		{"bad code", strings.Replace(head, "BAC-X", "bac x", 1) + "competence;C1;x\n", "ligne 1 : code du référentiel « bac x » invalide"},
		{"duplicated competency", head + "\n# bloc\nbloc;B1;Un\ncompetence;C1;x\ncompetence;C2;y\ncompetence;C1;z\n", "ligne 9 : compétence 3 (C1) : code en double (déjà compétence 1)"},
		{"duplicated scale value", head + "echelle;a;Autre\ncompetence;C1;x\n", "ligne 4 : valeur d'échelle 3 (a) : valeur en double (déjà valeur 2)"},
		{"scale too short", "referentiel;BAC-X;Bac\nechelle;A;Acquis\ncompetence;C1;x\n", "l'échelle doit compter de 2 à 10 valeurs (1 trouvée)"},
		{"no competency", head, "le référentiel n'a aucune compétence"},
		{"empty block", head + "bloc;B1;Un\nbloc;B2;Deux\ncompetence;C1;x\n", "ligne 4 : le bloc B1 n'a aucune compétence"},
		{"empty last block", head + "bloc;B1;Un\ncompetence;C1;x\nbloc;B2;Deux\n", "ligne 6 : le bloc B2 n'a aucune compétence"},
		{"block declared twice", head + "bloc;B1;Un\ncompetence;C1;x\nbloc;B2;Deux\ncompetence;C2;y\nbloc;B1;Un\ncompetence;C3;z\n", "ligne 8 : bloc B1 déjà déclaré ligne 4"},
		{"competency before first block", head + "competence;C0;w\nbloc;B1;Un\ncompetence;C1;x\n", "ligne 6 : compétence 2 (C1) : soit toutes les compétences appartiennent à un bloc, soit aucune"},
		{"label with line break", head + "competence;C1;\"deux\nlignes\"\n", "ligne 4 : compétence 1 (C1) : libellé : caractère de contrôle"},
		{"bad quotes", head + "competence;C1;\"Analyser\" les\n", "ligne 4 : guillemet manquant ou en trop"},
		{"bare quote", head + "competence;C1;Écran 12\" pouces\n", "ligne 4 : guillemet dans une cellule"},
		{"unclosed quote", head + "competence;C1;\"Analyser\n", "guillemet manquant ou en trop"},
		{"xlsx", "PK\x03\x04\x14\x00\x06\x00", "classeur (.xlsx ou .ods)"},
		{"xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "classeur Excel 97-2003"},
		{"binary", "referentiel;\x00\x01", "n'est pas un fichier texte CSV"},
		{"too large", strings.Repeat("#", maxInput+1), "fichier trop volumineux"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseCSV() = %v, want %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
		})
	}
}

func TestParseCSVTooManyCompetencies(t *testing.T) {
	var b strings.Builder
	b.WriteString("referentiel;BAC-X;Bac\nechelle;NA;Non acquis\nechelle;A;Acquis\n")
	for i := 0; i <= maxCompetencies; i++ {
		b.WriteString("competence;C" + itoa(i) + ";x\n")
	}
	_, err := ParseCSV(strings.NewReader(b.String()))
	if err == nil || !strings.Contains(err.Error(), "trop de compétences") {
		t.Errorf("ParseCSV = %v", err)
	}
}

func TestWriteCSV(t *testing.T) {
	r := exampleReferential()
	r.Competencies[2].Label = "=HYPERLINK(\"http://example.invalid\")"
	var buf bytes.Buffer
	if err := WriteCSV(&buf, &r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"\uFEFF# ",
		"\r\nreferentiel;BACPRO-MELEC;Baccalauréat professionnel Métiers de l'électricité et de ses environnements connectés;bac pro\r\n",
		"\r\nechelle;EC;En cours d'acquisition\r\n",
		"\r\nmef;247255\r\n",
		"\r\nbloc;B1;Préparer une opération\r\ncompetence;C1;",
		"\r\ncompetence;C3;\"'=HYPERLINK(\"\"http://example.invalid\"\")\"\r\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteCSV output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Error("WriteCSV wrote a bare LF")
	}
	got, err := ParseCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
	}

	bad := exampleReferential()
	bad.Competencies = append(bad.Competencies, Competency{Code: "C4", Label: "x", Block: "B1", BlockLabel: "Préparer une opération"})
	if err := WriteCSV(&bytes.Buffer{}, &bad); err == nil || !strings.Contains(err.Error(), "reprend après") {
		t.Errorf("WriteCSV of an invalid referential = %v", err)
	}
}

// TestJSONCSVRoundTrip converts a referential JSON -> CSV -> JSON and
// checks nothing is lost either way.
func TestJSONCSVRoundTrip(t *testing.T) {
	refs := []Referential{sample(), exampleReferential(), func() Referential {
		r := sample()
		r.Kind, r.MEFs = "", []string{}
		for i := range r.Competencies {
			r.Competencies[i].Block, r.Competencies[i].BlockLabel = "", ""
		}
		r.Competencies[0].Label = "+ Ajouter; « guillemets » \"doubles\""
		r.Scale[0] = ScaleValue{Value: "-", Label: "Non évalué"}
		return r
	}()}
	for _, r := range refs {
		t.Run(r.Code, func(t *testing.T) {
			var js bytes.Buffer
			if err := r.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			fromJSON, err := ParseJSON(bytes.NewReader(js.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			var csvBuf bytes.Buffer
			if err := WriteCSV(&csvBuf, &fromJSON); err != nil {
				t.Fatal(err)
			}
			fromCSV, err := ParseCSV(&csvBuf)
			if err != nil {
				t.Fatalf("ParseCSV(WriteCSV): %v", err)
			}
			if fromCSV.MEFs == nil {
				fromCSV.MEFs = []string{}
			}
			if fromJSON.MEFs == nil {
				fromJSON.MEFs = []string{}
			}
			if !reflect.DeepEqual(fromCSV, fromJSON) {
				t.Errorf("JSON -> CSV:\n got %+v\nwant %+v", fromCSV, fromJSON)
			}
			var js2 bytes.Buffer
			if err := fromCSV.WriteJSON(&js2); err != nil {
				t.Fatal(err)
			}
			if js.String() != js2.String() && r.MEFs != nil {
				t.Errorf("CSV -> JSON:\n%s\nwant\n%s", js2.String(), js.String())
			}
		})
	}
}

func TestDecodeText(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
	}{
		{[]byte("abc"), "abc"},
		{[]byte("\xEF\xBB\xBFé"), "é"},
		{[]byte("Ma\xEEtris\xE9 \x80 \x9C \x92 \x81"), "Maîtrisé € œ ’ \uFFFD"},
		{toUTF16LE("é😀"), "é😀"},
		{toUTF16BE("é😀"), "é😀"},
		{[]byte{0xFF, 0xFE, 'a'}, ""}, // odd byte dropped
	}
	for _, tt := range tests {
		got, err := decodeText(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("decodeText(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestDetectSeparator(t *testing.T) {
	tests := []struct {
		in   string
		want rune
	}{
		{"a;b", ';'}, {"a,b;c", ';'}, {"a,b", ','}, {"a\tb,c", '\t'}, {`"a;b",c`, ','},
		{"# x,y\n\na;b", ';'}, {"\"# x;y\"\na,b", ','}, {"abc", ';'}, {"", ';'},
	}
	for _, tt := range tests {
		if got := detectSeparator(tt.in); got != tt.want {
			t.Errorf("detectSeparator(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDefuse(t *testing.T) {
	for _, s := range []string{"", "a", "=1+1", "+33", "-", "@SUM", "'=x", "''=x", "'", ", a", "\tx"} {
		if got := undefuse(defuse(s)); got != s {
			t.Errorf("undefuse(defuse(%q)) = %q", s, got)
		}
	}
	if defuse("=1") != "'=1" || defuse("a=1") != "a=1" {
		t.Error("defuse")
	}
}

// FuzzParseCSV checks that ParseCSV never panics, that what it accepts is
// valid and survives WriteCSV, and that its errors are all ErrInvalid.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(example))
	f.Add([]byte("\uFEFF" + strings.ReplaceAll(example, "\n", "\r\n")))
	f.Add(toWindows1252(f, example))
	f.Add(toUTF16LE(example))
	f.Add([]byte(strings.ReplaceAll(example, ";", ",")))
	f.Add([]byte("referentiel;AB;x\nechelle;'=a;b\nechelle;c;d\ncompetence;1;\"x\"\"y\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseCSV(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("ParseCSV accepted an invalid referential: %v", err)
		}
		var out bytes.Buffer
		if err := WriteCSV(&out, &r); err != nil {
			t.Fatal(err)
		}
		again, err := ParseCSV(&out)
		if err != nil {
			t.Fatalf("WriteCSV output refused: %v\n%q", err, out.String())
		}
		if !reflect.DeepEqual(again, r) {
			t.Fatalf("CSV round trip changed the referential:\n got %+v\nwant %+v", again, r)
		}
	})
}
