package importer_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
)

// person is the inside of an ELEVE element with the given fields (empty: left out).
func person(ine, last, first, birth, mef, extra string) string {
	var b strings.Builder
	for _, f := range [][2]string{{"ID_NATIONAL", ine}, {"NOM_DE_FAMILLE", last}, {"PRENOM", first}, {"DATE_NAISS", birth}, {"CODE_MEF", mef}} {
		if f[1] != "" {
			b.WriteString("<" + f[0] + ">" + f[1] + "</" + f[0] + ">")
		}
	}
	return b.String() + extra
}

// TestWarningsAreMessages: every remark of an import is a message of the catalogue
// with its parameters, which says in French exactly what the report always said and
// in English the same; a report written before (Message only) still reads.
func TestWarningsAreMessages(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	newEstablishment(t, s, "0691234S")
	var nom bytes.Buffer
	if err := siecle.GenerateNomenclature(&nom); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Importer.Nomenclature(ctx, op, "0691234S", source(t, "Nomenclature.xml", nom.Bytes())); err != nil {
		t.Fatal(err)
	}
	const mef = "24720002310"
	structures := strings.Repeat("<STRUCTURE><TYPE_STRUCTURE>G</TYPE_STRUCTURE><CODE_STRUCTURE>G</CODE_STRUCTURE></STRUCTURE>", siecle.MaxStructures+1)
	first := export(
		person("111111111AA", "DURAND", "Léa", "14/03/2009", mef, ""),
		person("222222222BB", "", "Noé", "14/03/2009", mef, ""),                                    // no last name: refused
		person("333333333CC", "MARTIN", "", "", mef, ""),                                           // no first name: refused, no birth date
		person("444444444DD", strings.Repeat("X", siecle.MaxName+1), "Zoé", "14/03/2009", mef, ""), // too long: refused
		person("", "PETIT", "Jade", "31/02/2009", "", "<CODE_SEXE>3</CODE_SEXE>"),                  // no INE, no MEF, impossible date, sex
		person("1234567890A", "LEROY", "Hugo", "2009-03-14", "123", ""),                            // INE key, date format, MEF digits
		person("12345", "GARCIA", "Inès", "14/03/2009", "99999999999", "<SCOLARITE_AN_DERNIER><CODE_RNE>0382032</CODE_RNE></SCOLARITE_AN_DERNIER>"),
		person("ABCDEFGHIJK", "ROUX", "Lou", "14/03/2009", mef, "<SCOLARITE_AN_DERNIER><CODE_RNE>0382032D</CODE_RNE></SCOLARITE_AN_DERNIER>"),
		person("555555555EE", "FAURE", "Ana", "14/03/2009", mef, ""),
		person("555555555EE", "BLANC", "Eva", "14/03/2009", mef, ""), // the INE of the one before
		person("66666666é66", "NOEL", "Tom", "14/03/2009", mef, ""),
	)
	first = bytes.Replace(first, []byte("</ELEVES>"), []byte("</ELEVES><STRUCTURES><STRUCTURES_ELEVE ELEVE_ID=\"1\">"+structures+"</STRUCTURES_ELEVE></STRUCTURES>"), 1)
	rep, err := s.App.Importer.Siecle(ctx, op, "0691234S", source(t, "first.xml", first), false)
	if err != nil {
		t.Fatal(err)
	}
	// The INE of DURAND, active and absent from the next file, comes again.
	second := export(person("777777777GG", "DURAND", "Léa", "14/03/2009", mef, ""), person("111111111AA", "NOUVEAU", "Max", "14/03/2009", mef, ""))
	second = bytes.Replace(second, []byte(`ELEVE_ID="1"`), []byte(`ELEVE_ID="99"`), 1)
	rep2, err := s.App.Importer.Siecle(ctx, op, "0691234S", source(t, "second.xml", second), false)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, w := range append(rep.Warnings, rep2.Warnings...) {
		if w.Key == "" {
			t.Errorf("%s %s: no key: %q", w.EleveID, w.Field, w.Message)
			continue
		}
		keys[w.Key] = true
		if check := w.Params["check"]; check != "" {
			keys[check] = true
		}
		if got := w.Text("fr"); got != w.Message {
			t.Errorf("%s %s (%s): in French\n%q, the report said\n%q", w.EleveID, w.Field, w.Key, got, w.Message)
		}
		en := w.Text("en")
		if en == w.Message || strings.ContainsAny(en, "{}") {
			t.Errorf("%s %s (%s): in English %q", w.EleveID, w.Field, w.Key, en)
		}
	}
	for _, k := range []string{"siecle.last_name_missing", "siecle.first_name_missing", "siecle.birth_date_missing", "siecle.too_long",
		"siecle.ine_missing", "siecle.mef_missing", "siecle.date.calendar", "siecle.sex", "siecle.ine.key", "siecle.date.format",
		"siecle.mef.digits", "siecle.ine_shape", "siecle.ine.length", "siecle.ine.kind", "siecle.ine.chars", "siecle.previous_uai",
		"siecle.uai.length", "siecle.uai.check", "siecle.structures_too_many", "imports.warning.mef_unknown",
		"imports.warning.ine_shared", "imports.warning.ine_taken"} {
		if !keys[k] {
			t.Errorf("no warning %s", k)
		}
	}
	for _, w := range rep.Warnings {
		if w.Key == "imports.warning.ine_shared" && w.EleveID == "9" &&
			w.Text("en") != "INE shared with ELEVE_ID 10 (line 14): unusable for these students' transfers until SIECLE is corrected" {
			t.Errorf("shared INE in English: %q", w.Text("en"))
		}
		if w.Refused && !strings.HasSuffix(w.Text("en"), ": student not imported, to be corrected in SIECLE (if imported before, he keeps his data)") {
			t.Errorf("refused in English: %q", w.Text("en"))
		}
	}
	// Warnings name the student (issue 10): every warning of a student the file names.
	named := 0
	for _, w := range rep.Warnings {
		if w.Name != "" {
			named++
		}
		if w.Key == "imports.warning.mef_unknown" && w.Name == "" {
			t.Errorf("%s: the warning does not name the student: %+v", w.EleveID, w)
		}
	}
	if named == 0 {
		t.Error("no warning names its student")
	}
	// A report stored before warnings had keys reads as it was.
	old := importer.Warning{EleveID: "1", Field: "PRENOM", Message: "prénom absent"}
	if old.Text("en") != "prénom absent" {
		t.Errorf("old warning: %q", old.Text("en"))
	}
	// What the report stores is what it returned.
	got, err := s.App.Importer.Get(ctx, op, "0691234S", rep.ImportID)
	if err != nil || len(got.Warnings) != len(rep.Warnings) || got.Warnings[0].Key != rep.Warnings[0].Key || got.Warnings[0].Name != rep.Warnings[0].Name {
		t.Fatalf("stored report: %v", err)
	}
}
