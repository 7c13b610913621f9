package importer_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
)

// export builds a UTF-8 student export of establishment 0691234S; each
// student is the inside of an ELEVE element, ELEVE_ID i+1, one per line
// from line 5.
func export(students ...string) []byte {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BEE_ELEVES VERSION=\"2.1\">\n<PARAMETRES><UAJ>0691234S</UAJ></PARAMETRES>\n<DONNEES><ELEVES>\n")
	for i, s := range students {
		fmt.Fprintf(&b, "<ELEVE ELEVE_ID=\"%d\">%s</ELEVE>\n", i+1, s)
	}
	b.WriteString("</ELEVES></DONNEES></BEE_ELEVES>\n")
	return []byte(b.String())
}

// eleve is the inside of a complete ELEVE element.
func eleve(last, first, ine, extra string) string {
	return fmt.Sprintf("<ID_NATIONAL>%s</ID_NATIONAL><NOM_DE_FAMILLE>%s</NOM_DE_FAMILLE><PRENOM>%s</PRENOM>"+
		"<DATE_NAISS>14/03/2009</DATE_NAISS><CODE_MEF>24720002310</CODE_MEF>%s", ine, last, first, extra)
}

// ineRows returns eleve_id → "unqid set?/ine_status".
func ineRows(t *testing.T, s *apptest.Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	rows, err := s.App.DB.Query(context.Background(), `SELECT eleve_id, COALESCE(unqid, ''), ine_status FROM students`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, unq, st string
		if err := rows.Scan(&id, &unq, &st); err != nil {
			t.Fatal(err)
		}
		out[id] = fmt.Sprintf("%v/%s", unq != "", st)
	}
	return out
}

func warningsOf(rep importer.Report, eleveID string) []importer.Warning {
	var out []importer.Warning
	for _, w := range rep.Warnings {
		if w.EleveID == eleveID {
			out = append(out, w)
		}
	}
	return out
}

// TestDuplicateINE: students sharing an INE are all imported, with the INE
// unusable for transfers (no unqid, status invalid, out of the index of
// deactivated students) and a warning each naming the others, whether the
// other is in the file or an active student already stored and absent from
// it (docs/decisions/0011-duplicate-ine.md).
func TestDuplicateINE(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		op := authz.OperatorPrincipal()
		newEstablishment(t, s, "0691234S")
		left := "<DATE_SORTIE>15/01/2025</DATE_SORTIE>"
		data := export(
			eleve("DURAND", "Léa", "111111111AA", ""),
			eleve("MARTIN", "Noé", "222222222BB", ""),
			eleve("PETIT", "Zoé", "111111111AA", left), // the INE of student 1; she left
			eleve("LEROY", "Jade", "333333333CC", ""),
		)
		rep, err := s.App.Importer.Siecle(ctx, op, "0691234S", source(t, "dup.xml", data), false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 4 || rep.Refused != 0 {
			t.Fatalf("report: created %d refused %d", rep.Created, rep.Refused)
		}
		got := ineRows(t, s)
		if got["1"] != "false/invalid" || got["3"] != "false/invalid" || got["2"] != "true/unchecked" || got["4"] != "true/unchecked" {
			t.Fatalf("stored INEs: %v", got)
		}
		for _, x := range []struct{ id, other, line string }{{"1", "3", "ligne 7"}, {"3", "1", "ligne 5"}} {
			ws := warningsOf(rep, x.id)
			if len(ws) != 1 || ws[0].Field != "ID_NATIONAL" || !strings.Contains(ws[0].Message, "ELEVE_ID "+x.other) ||
				!strings.Contains(ws[0].Message, x.line) || !strings.Contains(ws[0].Message, "transfert") || ws[0].Line == 0 {
				t.Errorf("warnings of %s: %+v", x.id, ws)
			}
		}
		var n int
		if err := s.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM deactivated_students`).Scan(&n); err != nil || n != 0 {
			t.Errorf("index of deactivated students: %d rows, %v", n, err)
		}
		assertNoINE(t, s, "111111111AA", "222222222BB")

		// The INE of an active student already stored and absent from the
		// next file: the newcomer's INE is unusable, the stored student keeps his.
		data = export(
			eleve("DURAND", "Léa", "111111111AA", ""),
			"", // ELEVE_ID 2 (Noé, 222222222BB) is absent
			eleve("PETIT", "Zoé", "444444444DD", left),
			eleve("LEROY", "Jade", "333333333CC", ""),
			eleve("GARCIA", "Hugo", "222222222BB", ""),
		)
		data = []byte(strings.Replace(string(data), "<ELEVE ELEVE_ID=\"2\"></ELEVE>\n", "", 1))
		rep, err = s.App.Importer.Siecle(ctx, op, "0691234S", source(t, "dup2.xml", data), false)
		if err != nil {
			t.Fatal(err)
		}
		got = ineRows(t, s)
		if got["2"] != "true/unchecked" || got["5"] != "false/invalid" || got["1"] != "true/unchecked" || got["3"] != "true/unchecked" {
			t.Fatalf("stored INEs after the second file: %v", got)
		}
		ws := warningsOf(rep, "5")
		if len(ws) != 1 || !strings.Contains(ws[0].Message, "ELEVE_ID 2") || !strings.Contains(ws[0].Message, "absent") {
			t.Errorf("warnings of 5: %+v", ws)
		}
		if len(rep.Absent) != 1 || rep.Absent[0].EleveID != "2" {
			t.Errorf("absent: %+v", rep.Absent)
		}
		// Zoé, who left, is now in the index under her own INE.
		if err := s.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM deactivated_students`).Scan(&n); err != nil || n != 1 {
			t.Errorf("index of deactivated students: %d rows, %v", n, err)
		}
	})
}

// TestIncompleteIdentityRefused: a student without last name or first
// name, or with a name over siecle.MaxName characters, is not imported (a
// warning names him, his line and the field); the rest of the file is. An
// empty birth date is only a warning. A stored student keeps what he had.
func TestIncompleteIdentityRefused(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		op := authz.OperatorPrincipal()
		newEstablishment(t, s, "0691234S")
		huge := strings.Repeat("X", 5_000_000)
		data := export(
			eleve("", "Léa", "111111111AA", ""),
			eleve("MARTIN", " ", "222222222BB", ""),
			strings.Replace(eleve("PETIT", "Zoé", "333333333CC", ""), "14/03/2009", "", 1),
			eleve("LEROY", "Jade", "444444444DD", "<PRENOM2>"+strings.Repeat("é", siecle.MaxName+1)+"</PRENOM2>"),
			eleve(huge, "Hugo", "555555555EE", ""),
			eleve("GARCIA", "Inès", "666666666FF", "<CODE_MOTIF_SORTIE>"+huge+"</CODE_MOTIF_SORTIE>"),
		)
		rep, err := s.App.Importer.Siecle(ctx, op, "0691234S", source(t, "identity.xml", data), false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 2 || rep.AccountsCreated != 2 || rep.Refused != 4 || rep.InFile != 6 {
			t.Fatalf("report: created %d accounts %d refused %d in file %d", rep.Created, rep.AccountsCreated, rep.Refused, rep.InFile)
		}
		for _, x := range []struct{ id, field string }{{"1", "NOM_DE_FAMILLE"}, {"2", "PRENOM"}, {"4", "PRENOM2"}, {"5", "NOM_DE_FAMILLE"}} {
			found := false
			for _, w := range warningsOf(rep, x.id) {
				if len(w.Message) > 300 {
					t.Errorf("warning of %s quotes the value: %d bytes", x.id, len(w.Message))
				}
				if w.Field == x.field && strings.Contains(w.Message, "non importé") && w.Line == 4+mustAtoi(t, x.id) {
					found = true
				}
			}
			if !found {
				t.Errorf("no refusal of %s on %s: %+v", x.id, x.field, warningsOf(rep, x.id))
			}
		}
		if ws := warningsOf(rep, "3"); len(ws) != 1 || ws[0].Field != "DATE_NAISS" || ws[0].Line != 7 {
			t.Errorf("warnings of 3: %+v", ws)
		}
		if ws := warningsOf(rep, "6"); len(ws) != 1 || ws[0].Field != "CODE_MOTIF_SORTIE" {
			t.Errorf("warnings of 6: %+v", ws)
		}
		got := ineRows(t, s)
		if len(got) != 2 || got["3"] == "" || got["6"] == "" {
			t.Fatalf("stored: %v", got)
		}
		var longest, nameless int
		if err := s.App.DB.QueryRow(ctx, `SELECT COALESCE(MAX(LENGTH(last_name) + LENGTH(first_name) + LENGTH(first_name2) + LENGTH(exit_reason)), 0) FROM students`).Scan(&longest); err != nil || longest > 50 {
			t.Errorf("longest stored text: %d, %v", longest, err)
		}
		if err := s.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM accounts WHERE TRIM(display_name) = '' OR login LIKE 'eleve%'`).Scan(&nameless); err != nil || nameless != 0 {
			t.Errorf("%d accounts named after nothing, %v", nameless, err)
		}

		// Léa is stored; a later file that loses her first name refuses her
		// and keeps her as she was (she is neither updated nor absent).
		if _, err := s.App.Importer.Siecle(ctx, op, "0691234S", source(t, "lea.xml", export(eleve("DURAND", "Léa", "111111111AA", ""))), false); err != nil {
			t.Fatal(err)
		}
		rep, err = s.App.Importer.Siecle(ctx, op, "0691234S", source(t, "lost.xml", export(eleve("DURAND", "", "111111111AA", "<DATE_SORTIE>15/01/2025</DATE_SORTIE>"))), false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Refused != 1 || rep.Updated+rep.Deactivated != 0 || len(rep.Absent) != 2 {
			t.Fatalf("refused stored student: %+v", rep)
		}
		for _, a := range rep.Absent {
			if a.EleveID == "1" {
				t.Errorf("a refused student is listed as absent")
			}
		}
		var first, status string
		if err := s.App.DB.QueryRow(ctx, `SELECT first_name, status FROM students WHERE eleve_id = '1'`).Scan(&first, &status); err != nil || first != "Léa" || status != "active" {
			t.Errorf("stored student changed: %q %q %v", first, status, err)
		}
	})
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNestedZipRefused: the ZIP of the review (nested elements, a few hundred KiB
// that expand a thousandfold) is refused with the line and the reason, and changes
// nothing.
func TestNestedZipRefused(t *testing.T) {
	s := apptest.Start(t, "sqlite")
	newEstablishment(t, s, "0691234S")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("ElevesSansAdresses.xml")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<BEE_ELEVES>\n")
	block := strings.Repeat("<a>", 1<<14)
	for range 16 << 20 / len(block) {
		io.WriteString(w, block)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s)
	_, err = s.App.Importer.Siecle(context.Background(), authz.OperatorPrincipal(), "0691234S", source(t, "bomb.zip", buf.Bytes()), false)
	if apperr.CodeOf(err) != "invalid_file" || !strings.Contains(err.Error(), "ligne 3") || !strings.Contains(err.Error(), "imbriqués sur plus de 32 niveaux") {
		t.Fatalf("nested ZIP (%d KiB): %v", buf.Len()>>10, err)
	}
	if snapshot(t, s) != before {
		t.Fatal("the database changed")
	}
}
