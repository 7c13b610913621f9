package passport_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

const uai = "0691234S"

const minimalPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

// sheet returns a school with one student and one situation sheet of his.
func sheet(t *testing.T, s *apptest.Server) (student.Student, passport.Situation) {
	t.Helper()
	ctx := context.Background()
	name := "Lycée des Canuts"
	if _, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name}); err != nil {
		t.Fatal(err)
	}
	var gen bytes.Buffer
	if err := siecle.Generate(&gen, siecle.GenOptions{UAI: uai, Students: 3, Seed: 8}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Importer.Siecle(ctx, authz.OperatorPrincipal(), uai, importer.Source{Name: "e.xml", R: bytes.NewReader(gen.Bytes()), Size: int64(gen.Len())}, false); err != nil {
		t.Fatal(err)
	}
	list, err := s.App.Students.List(ctx, authz.OperatorPrincipal(), uai, student.Filter{Limit: 3})
	if err != nil || len(list.Students) == 0 {
		t.Fatalf("students: %v", err)
	}
	st := list.Students[0]
	sit, err := s.App.Passports.CreateSituation(ctx, authz.OperatorPrincipal(), uai, st.ID, passport.SituationInput{Level: "bac", Title: "Stage"})
	if err != nil {
		t.Fatal(err)
	}
	return st, sit
}

func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("contenu"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAttachChecksContentAndName: a file is a PDF only when it starts like one and a ZIP
// only when its directory reads; it is stored under its name with the extension of its
// type, without bidi or control characters; the passport ZIP uses that name (issue 8,
// finding 5).
func TestAttachChecksContentAndName(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		st, sit := sheet(t, s)
		op := authz.OperatorPrincipal()
		attach := func(name string, r io.Reader) (passport.Attachment, error) {
			return s.App.Passports.Attach(ctx, op, uai, st.ID, sit.ID, name, r)
		}

		// Refused: what is not a PDF or a ZIP, whatever it mentions or is named.
		for _, tc := range []struct {
			name, content, code string
		}{
			{"evil.html", "<html><body><script>alert(document.cookie)</script><!-- %PDF-1.4 --></body></html>", "unsupported_file"},
			{"evil.svg", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>` + "\n" + minimalPDF, "unsupported_file"},
			{"rapport.pdf", strings.Repeat("x", 100) + minimalPDF, "unsupported_file"},
			{"plans.zip", "PK\x03\x04<html><script>alert(1)</script></html>", "invalid_archive"},
			{"plans.zip", string(zipOf(t, "../../.bashrc")), "invalid_archive"},
			{"plans.zip", string(zipOf(t, "/etc/cron.d/x")), "invalid_archive"},
		} {
			_, err := attach(tc.name, strings.NewReader(tc.content))
			if apperr.CodeOf(err) != tc.code || apperr.KindOf(err) != apperr.KindUnsupported {
				t.Errorf("%s %.30q: %v, want %s", tc.name, tc.content, err, tc.code)
			}
		}
		// An archive read from a stream (no random access) is checked too.
		if _, err := attach("plans.zip", iotest.HalfReader(bytes.NewReader(zipOf(t, "../x")))); apperr.CodeOf(err) != "invalid_archive" {
			t.Errorf("a hostile archive from a stream: %v", err)
		}

		// Accepted, under a name that tells the truth.
		for _, tc := range []struct {
			name    string
			content []byte
			stream  bool
			want    string
		}{
			{"evil.html", []byte(minimalPDF), false, "evil.pdf"},
			{"rapport\u202Efdp.exe", []byte(minimalPDF), false, "rapportfdp.pdf"},
			{"\ufeffrapport\u200b.pdf", []byte("\xef\xbb\xbf\r\n" + minimalPDF), false, "rapport.pdf"},
			{"", []byte(minimalPDF), false, "fichier.pdf"},
			{"C:\\Users\\léa\\plans.pdf", zipOf(t, "plan.txt", "photos/chantier.jpg"), false, "plans.zip"},
			{"plans", zipOf(t, "plan.txt"), true, "plans.zip"},
		} {
			var r io.Reader = bytes.NewReader(tc.content)
			if tc.stream {
				r = iotest.OneByteReader(r)
			}
			a, err := attach(tc.name, r)
			if err != nil || a.Name != tc.want {
				t.Errorf("%q: %+v, %v; want the name %q", tc.name, a, err, tc.want)
			}
		}

		// A name stored before the rule is shown, downloaded and zipped under the rule.
		old, err := attach("ancien.pdf", strings.NewReader(minimalPDF))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.DB.Exec(ctx, `UPDATE attachments SET name = $2 WHERE id = $1`, old.ID, "ancien\u202Elmth.html"); err != nil {
			t.Fatal(err)
		}
		a, rc, err := s.App.Passports.OpenAttachment(ctx, op, uai, st.ID, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		rc.Close()
		if a.Name != "ancienlmth.pdf" || a.ContentType != "application/pdf" {
			t.Errorf("an old name opens as %q (%s)", a.Name, a.ContentType)
		}
		pp, err := s.App.Passports.ForStudent(ctx, op, uai, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := s.App.Passports.WriteZIP(ctx, &buf, pp, "fr"); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
			if strings.HasPrefix(f.Name, "fichiers/") && !strings.HasSuffix(f.Name, ".pdf") && !strings.HasSuffix(f.Name, ".zip") {
				t.Errorf("passport ZIP entry %q", f.Name)
			}
			if strings.ContainsAny(f.Name, "\u202E\u200b\ufeff\\") {
				t.Errorf("passport ZIP entry %q", f.Name)
			}
		}
		for _, want := range []string{"fichiers/" + uai + "/evil.pdf", "fichiers/" + uai + "/ancienlmth.pdf", "fichiers/" + uai + "/plans (2).zip"} {
			if !contains(names, want) {
				t.Errorf("passport ZIP: no %q in %q", want, names)
			}
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestAttachReadError: a stream that fails is reported as such, not as a bad file.
func TestAttachReadError(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	st, sit := sheet(t, s)
	broken := io.MultiReader(strings.NewReader("PK\x03\x04"), iotest.ErrReader(errors.New("connexion coupée")))
	_, err := s.App.Passports.Attach(context.Background(), authz.OperatorPrincipal(), uai, st.ID, sit.ID, "plans.zip", broken)
	if apperr.CodeOf(err) != "bad_upload" {
		t.Fatalf("a broken stream: %v", err)
	}
}
