package siecle

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadFieldLimits: a value over its limit is not delivered, and a
// warning names the field; an ELEVE_ID over its limit refuses the file.
func TestReadFieldLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) }
	doc := withEleves(`
      <ELEVE ELEVE_ID="1" ELENOET="` + strings.Repeat("9", MaxCode+1) + `">
        <NOM_DE_FAMILLE>` + long(MaxName) + `</NOM_DE_FAMILLE>
        <PRENOM>  ` + long(MaxName+1) + `  </PRENOM>
        <PRENOM2>` + long(5000) + `</PRENOM2>
        <DATE_NAISS>` + strings.Repeat("01/01/2009", 4) + `</DATE_NAISS>
        <CODE_MEF>` + strings.Repeat("2", 40) + `</CODE_MEF>
        <CODE_SEXE>` + strings.Repeat("1", 5000) + `</CODE_SEXE>
        <CODE_STATUT>` + strings.Repeat("S", MaxCode) + `</CODE_STATUT>
        <CODE_REGIME>` + strings.Repeat("2", MaxCode+1) + `</CODE_REGIME>
        <ID_NATIONAL>` + strings.Repeat("1", 100) + `</ID_NATIONAL>
        <INE_BEA>0123456789M</INE_BEA>
        <SCOLARITE_AN_DERNIER><CODE_RNE>` + strings.Repeat("0382032C", 5) + `</CODE_RNE></SCOLARITE_AN_DERNIER>
      </ELEVE>`)
	c := mustRead(t, doc)
	s := c.students[0]
	if s.LastName != long(MaxName) || s.FirstName != "" || s.FirstName2 != "" || s.Elenoet != "" || !s.BirthDate.IsZero() ||
		s.MEF != "" || s.Sex != "" || s.Statut != strings.Repeat("S", MaxCode) || s.Regime != "" || s.PreviousUAI != "" ||
		s.INE != NormalizeINE("0123456789M") {
		t.Errorf("student = %+v", s)
	}
	tooLong := map[string]bool{}
	for _, w := range s.Warnings {
		if w.Code == WarnTooLong {
			tooLong[w.Field] = true
			if len(w.Message) > 200 {
				t.Errorf("warning %s quotes the value: %d bytes", w.Field, len(w.Message))
			}
		}
	}
	for _, f := range []string{"ELENOET", "PRENOM", "PRENOM2", "DATE_NAISS", "CODE_MEF", "CODE_SEXE", "CODE_REGIME", "ID_NATIONAL",
		"SCOLARITE_AN_DERNIER/CODE_RNE"} {
		if !tooLong[f] {
			t.Errorf("no %s warning on %s: %v", WarnTooLong, f, s.Warnings)
		}
	}
	if len(tooLong) != 9 {
		t.Errorf("too-long warnings on %v", tooLong)
	}

	// Structures: an over-long code is dropped, and so are the structures
	// beyond MaxStructures, with a warning each time.
	var b strings.Builder
	b.WriteString(`<BEE_ELEVES><PARAMETRES><UAJ>0691234S</UAJ></PARAMETRES><DONNEES><STRUCTURES>` + "\n" + `<STRUCTURES_ELEVE ELEVE_ID="1">`)
	b.WriteString(`<STRUCTURE><CODE_STRUCTURE>` + strings.Repeat("A", MaxStructure+1) + `</CODE_STRUCTURE><TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE>`)
	for range MaxStructures + 5 {
		b.WriteString(`<STRUCTURE><CODE_STRUCTURE>G1</CODE_STRUCTURE><TYPE_STRUCTURE>G</TYPE_STRUCTURE></STRUCTURE>`)
	}
	b.WriteString(`</STRUCTURES_ELEVE></STRUCTURES></DONNEES></BEE_ELEVES>`)
	var got StudentStructures
	err := Read(strings.NewReader(b.String()), HandlerFuncs{OnStructures: func(s StudentStructures) error { got = s; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if got.EleveID != "1" || got.Line != 2 || len(got.List) != MaxStructures || got.List[0].Code != "G1" || len(got.Warnings) != 2 ||
		got.Warnings[0].Field != "CODE_STRUCTURE" || got.Warnings[1].Field != "STRUCTURE" {
		t.Errorf("structures = %+v", got)
	}

	// An over-long key refuses the file.
	for _, doc := range [][]byte{
		withEleves(`<ELEVE ELEVE_ID="` + strings.Repeat("1", MaxEleveID+1) + `"/>`),
		[]byte("<BEE_ELEVES><PARAMETRES><UAJ>0691234S</UAJ></PARAMETRES><DONNEES><STRUCTURES>\n<STRUCTURES_ELEVE ELEVE_ID=\"" +
			strings.Repeat("1", 5000) + "\"/></STRUCTURES></DONNEES></BEE_ELEVES>"),
		[]byte("<BEE_ELEVES><PARAMETRES>\n<UAJ>" + strings.Repeat("0691234S", 1000) + "</UAJ></PARAMETRES></BEE_ELEVES>"),
	} {
		_, err := readAll(t, doc)
		var fe *FileError
		if !errors.As(err, &fe) || fe.Line == 0 || !strings.Contains(err.Error(), "plus de 32 caractères") || len(err.Error()) > 300 {
			t.Errorf("over-long key: %v", err)
		}
	}
}

// TestReadMissingIdentity: an empty name, first name or birth date gives a
// warning naming the field.
func TestReadMissingIdentity(t *testing.T) {
	doc := withEleves(`
      <ELEVE ELEVE_ID="1"><NOM_DE_FAMILLE> </NOM_DE_FAMILLE><PRENOM>Léa</PRENOM><DATE_NAISS>01/01/2009</DATE_NAISS></ELEVE>
      <ELEVE ELEVE_ID="2"><NOM>DURAND</NOM><PRENOM/><DATE_NAISS>01/01/2009</DATE_NAISS></ELEVE>
      <ELEVE ELEVE_ID="3"><NOM_DE_FAMILLE>DURAND</NOM_DE_FAMILLE><PRENOM>Léa</PRENOM></ELEVE>
      <ELEVE ELEVE_ID="4"><NOM_DE_FAMILLE>DURAND</NOM_DE_FAMILLE><PRENOM>Léa</PRENOM><DATE_NAISS>01/01/2009</DATE_NAISS></ELEVE>`)
	c := mustRead(t, doc)
	want := map[string]string{"1": "NOM_DE_FAMILLE", "2": "PRENOM", "3": "DATE_NAISS", "4": ""}
	for _, s := range c.students {
		var missing []string
		for _, w := range s.Warnings {
			if w.Code == WarnMissing {
				missing = append(missing, w.Field)
			}
		}
		if strings.Join(missing, ",") != want[s.EleveID] {
			t.Errorf("student %s: missing %v, want %q", s.EleveID, missing, want[s.EleveID])
		}
	}
}

// TestNomenclatureFieldLimits: a nomenclature value over its limit refuses
// the file, naming the line, the MEF and the field.
func TestNomenclatureFieldLimits(t *testing.T) {
	for _, tt := range []struct{ field, value string }{
		{"FORMATION", strings.Repeat("F", MaxFormation+1)},
		{"LIBELLE_LONG", strings.Repeat("L", MaxLabel+1)},
		{"LIBELLE_EDITION", strings.Repeat("L", 10_000)},
		{"MEF_RATTACHEMENT", strings.Repeat("2", 5000)},
	} {
		doc := "<BEE_NOMENCLATURES><DONNEES><MEFS>\n<MEF CODE_MEF=\"24720002310\">\n<" + tt.field + ">" + tt.value + "</" + tt.field + "></MEF></MEFS></DONNEES></BEE_NOMENCLATURES>"
		err := ReadNomenclature(strings.NewReader(doc), func(MEFLabel) error { return nil })
		var fe *FileError
		if !errors.As(err, &fe) || fe.Line != 2 || fe.Element != "MEF" || !strings.Contains(err.Error(), tt.field) ||
			!strings.Contains(err.Error(), "24720002310") || len(err.Error()) > 300 {
			t.Errorf("%s: %v", tt.field, err)
		}
	}
	// At the limit, and padded with spaces as the real files are: accepted.
	doc := "<BEE_NOMENCLATURES><DONNEES><MEFS><MEF CODE_MEF=\"24720002310\"><LIBELLE_LONG>" + strings.Repeat("L", MaxLabel) +
		strings.Repeat(" ", 10_000) + "</LIBELLE_LONG></MEF></MEFS></DONNEES></BEE_NOMENCLATURES>"
	var got MEFLabel
	if err := ReadNomenclature(strings.NewReader(doc), func(m MEFLabel) error { got = m; return nil }); err != nil || got.Label != strings.Repeat("L", MaxLabel) {
		t.Errorf("label at the limit: %v, %d characters", err, len(got.Label))
	}
}

// TestTokenizerKeepMax: kept character data stops at keepMax bytes; white
// space before the value and after the cap is not counted, so that the
// trimmed value is exact whenever the tokenizer does not report it over.
func TestTokenizerKeepMax(t *testing.T) {
	sp := strings.Repeat(" \n\t", 10)
	for _, tt := range []struct {
		body string
		want string // trimmed; "" with over
		over bool
	}{
		{"abc", "abc", false},
		{"abcdefgh", "abcdefgh", false},
		{"abcdefghi", "", true},
		{sp + "abc" + sp, "abc", false},
		{sp + "abcdefgh" + sp + sp, "abcdefgh", false},
		{"abc" + sp + "d", "", true},
		{"a\r\nb", "a\nb", false},
		{"a&amp;b&#233;", "a&bé", false},
		{"&eacute;&eacute;&eacute;&eacute;&eacute;", "", true},
		{"<![CDATA[  ]]>" + sp + "<![CDATA[abc]]><!-- x --><?pi?>d", "abcd", false},
		{"<![CDATA[abcdefgh]]><![CDATA[ ]]>" + sp, "abcdefgh", false},
		{"<![CDATA[abcdefgh]]>]", "", true},
		{"ééé" + sp, "ééé", false},
		{"éééé", "éééé", false},
		{"ééééé", "", true},
	} {
		for _, one := range []bool{false, true} {
			var r io.Reader = strings.NewReader("<a>" + tt.body + "</a>")
			if one {
				r = iotest.OneByteReader(r)
			}
			tk := newTokenizer(r)
			tk.keepMax = 8
			for {
				k, err := tk.next(keepText)
				if err != nil {
					t.Fatalf("%q: %v", tt.body, err)
				}
				if k == tokEnd && tk.depth() == 0 {
					break
				}
			}
			got := string(bytes.TrimSpace(tk.text))
			if tk.textOver != tt.over || !tt.over && got != tt.want || len(tk.text) > 8 {
				t.Errorf("%q (one byte at a time: %v): %q, over %v; want %q, over %v", tt.body, one, tk.text, tk.textOver, tt.want, tt.over)
			}
		}
	}
}

// TestReadRepeatedValues: an element repeated over and over in one student
// (each repetition keeps its value until the student ends) refuses the
// file instead of piling up values.
func TestReadRepeatedValues(t *testing.T) {
	for name, doc := range map[string][]byte{
		"ELEVE": withEleves(`<ELEVE ELEVE_ID="1">` + identity + strings.Repeat("<PRENOM>Léa</PRENOM><NOM>X</NOM>", 50_000) + `</ELEVE>`),
		"STRUCTURES_ELEVE": []byte(`<BEE_ELEVES><PARAMETRES><UAJ>0691234S</UAJ></PARAMETRES><DONNEES><STRUCTURES><STRUCTURES_ELEVE ELEVE_ID="1">` +
			strings.Repeat("<STRUCTURE><CODE_STRUCTURE>"+strings.Repeat("A", MaxStructure+1)+"</CODE_STRUCTURE></STRUCTURE>", 10_000) +
			`</STRUCTURES_ELEVE></STRUCTURES></DONNEES></BEE_ELEVES>`),
	} {
		_, err := readAll(t, doc)
		var fe *FileError
		if !errors.As(err, &fe) || fe.Line == 0 || !strings.Contains(err.Error(), "trop de valeurs pour un même élève") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
