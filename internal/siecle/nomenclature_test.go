package siecle

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func readNomenclature(t *testing.T, doc []byte) ([]MEFLabel, error) {
	t.Helper()
	var got []MEFLabel
	err := ReadNomenclature(bytes.NewReader(doc), func(m MEFLabel) error {
		got = append(got, m)
		return nil
	})
	return got, err
}

func TestNomenclatureRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := GenerateNomenclature(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("\xe9lectricit\xe9")) { // é in ISO-8859-15
		t.Error("nomenclature is not ISO-8859-15")
	}
	if !bytes.Contains(buf.Bytes(), []byte("CUISINE                    ")) {
		t.Error("values are not padded")
	}
	got, err := readNomenclature(t, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := GeneratedMEFs()
	if len(got) != len(want) {
		t.Fatalf("got %d MEFs, want %d", len(got), len(want))
	}
	for i := range want {
		g := got[i]
		if g.Line <= 0 {
			t.Errorf("%s: no line", g.Code)
		}
		g.Line = 0
		if g != want[i] {
			t.Errorf("MEF %d = %+v, want %+v", i, g, want[i])
		}
	}
}

func TestReadNomenclature(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<BEE_NOMENCLATURES VERSION="3.3">
  <DONNEES>
    <MATIERES><MATIERE CODE_MATIERE="030201"><LIBELLE_LONG>ANGLAIS</LIBELLE_LONG></MATIERE></MATIERES>
    <MEFS>
      <MEF CODE_MEF=" 24720002310 ">
        <LIBELLE_LONG>2NDPRO METIERS DE LA RELATION CLIENT     </LIBELLE_LONG>
        <FORMATION>2NDPRO    </FORMATION>
        <MEF_RATTACHEMENT>junk</MEF_RATTACHEMENT>
      </MEF>
    </MEFS>
  </DONNEES>
</BEE_NOMENCLATURES>`
	got, err := readNomenclature(t, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := MEFLabel{Code: "24720002310", Formation: "2NDPRO", Label: "2NDPRO METIERS DE LA RELATION CLIENT", Line: 6}
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %+v, want %+v", got, want)
	}

	tests := []struct {
		name, doc, msg string
	}{
		{"wrong root", `<BEE_ELEVES/>`, "export élèves"},
		{"bad code", `<BEE_NOMENCLATURES><DONNEES><MEFS>` + "\n" + `<MEF CODE_MEF="123"/></MEFS></DONNEES></BEE_NOMENCLATURES>`, "ligne 2, élément MEF"},
		{"no code", `<BEE_NOMENCLATURES><DONNEES><MEFS><MEF/></MEFS></DONNEES></BEE_NOMENCLATURES>`, "vide"},
		{"truncated", `<BEE_NOMENCLATURES><DONNEES><MEFS><MEF CODE_MEF="24720002310">`, "tronqué"},
	}
	for _, tt := range tests {
		_, err := readNomenclature(t, []byte(tt.doc))
		var fe *FileError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: err = %v, want a FileError containing %q", tt.name, err, tt.msg)
		}
	}
	stop := errors.New("stop")
	var buf bytes.Buffer
	_ = GenerateNomenclature(&buf)
	if err := ReadNomenclature(&buf, func(MEFLabel) error { return stop }); err != stop {
		t.Errorf("callback error = %v", err)
	}
}
