package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/backup"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/student"
)

const backupPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

// TestBackupAndRestore: a backup made while the application runs is restored into a
// new data directory, where a passport is read with its attached file and an account
// logs in (the keys came back from their own file). Damaged or incomplete backups, and
// keys stored with the data, are refused.
func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cli := func(args ...string) (int, string, string) { return runCLI(t, args...) }
	must := func(args ...string) string {
		t.Helper()
		code, out, stderr := cli(args...)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, stderr)
		}
		return out
	}
	const uai = "0691234S"
	g := []string{"--data", data, "--log-level", "warn"}
	must(append(g, "migrate")...)
	must(append(g, "establishment", "create", "--uai", uai, "--name", "Lycée des Canuts")...)
	f := filepath.Join(dir, "e.xml")
	must("gen", "siecle", "--uai", uai, "--students", "5", "--out", f)
	must(append(g, "import", "siecle", "--uai", uai, f)...)

	// The application stays open during the backup, as a serving instance would.
	app := openTestApp(t, g)
	defer app.Close()
	op := authz.OperatorPrincipal()
	u := enrolTestUser(t, app, "sauvegarde")
	list, err := app.Students.List(ctx, op, uai, student.Filter{Limit: 1})
	if err != nil || len(list.Students) != 1 {
		t.Fatalf("students: %v", err)
	}
	st := list.Students[0]
	sit, err := app.Passports.CreateSituation(ctx, op, uai, st.ID, passport.SituationInput{Level: "bac", Title: "Stage chez Guignol"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Passports.Attach(ctx, op, uai, st.ID, sit.ID, "rapport.pdf", strings.NewReader(backupPDF)); err != nil {
		t.Fatal(err)
	}

	out, keys := filepath.Join(dir, "backup"), filepath.Join(dir, "apart", "keys.json")
	if err := os.Mkdir(filepath.Dir(keys), 0o700); err != nil {
		t.Fatal(err)
	}
	// The keys never go with the data.
	for _, tc := range [][]string{
		{"backup", "--out", out},
		{"backup", "--out", out, "--keys-out", filepath.Join(out, "keys.json")},
		{"backup", "--out", data, "--keys-out", keys},
	} {
		if code, _, stderr := cli(append(g, tc...)...); code == 0 {
			t.Fatalf("%v succeeded", tc)
		} else if _, err := os.Stat(filepath.Join(out, backup.ManifestName)); err == nil {
			t.Fatalf("%v wrote a manifest: %s", tc, stderr)
		}
	}
	os.RemoveAll(out)
	var m backup.Manifest
	if err := json.Unmarshal([]byte(must(append(g, "backup", "--out", out, "--keys-out", keys)...)), &m); err != nil {
		t.Fatal(err)
	}
	if m.Engine != "sqlite" || m.Files != 1 || m.Keys != "file" || m.FileStore != "local" || m.Schema == 0 || m.DatabaseSHA256 == "" {
		t.Fatalf("manifest %+v", m)
	}
	for _, p := range []string{keys, filepath.Join(out, backup.DatabaseName)} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", p, fi.Mode(), err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "keys.json")); err == nil {
		t.Fatal("the backup directory holds the keys")
	}
	if code, _, _ := cli(append(g, "backup", "--out", out, "--keys-out", keys+"2")...); code == 0 {
		t.Fatal("a second backup into the same directory succeeded")
	}

	restored := filepath.Join(dir, "restored")
	rg := []string{"--data", restored, "--log-level", "warn"}
	if code, _, stderr := cli(append(rg, "restore", "--from", out)...); code == 0 || !strings.Contains(stderr, "--keys") {
		t.Fatalf("restore without the keys: %d %s", code, stderr)
	}
	must(append(rg, "restore", "--from", out, "--keys", keys)...)
	if code, _, stderr := cli(append(rg, "restore", "--from", out, "--keys", keys)...); code == 0 || !strings.Contains(stderr, "exists") {
		t.Fatalf("restore over a restored directory: %d %s", code, stderr)
	}

	// The restored instance: the passport and its file, an account that logs in.
	app2 := openTestApp(t, rg)
	defer app2.Close()
	pp, err := app2.Passports.ForStudent(ctx, op, uai, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pp.Records) != 1 || len(pp.Records[0].Situations) != 1 || pp.Records[0].Situations[0].Title != "Stage chez Guignol" {
		t.Fatalf("restored passport: %+v", pp.Records)
	}
	var zbuf bytes.Buffer
	if err := app2.Passports.WriteZIP(ctx, &zbuf, pp, "fr"); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zbuf.Bytes()), int64(zbuf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, ".pdf") && !strings.Contains(zf.Name, "passeport") {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			found = found || string(b) == backupPDF
		}
	}
	if !found {
		names := []string{}
		for _, zf := range zr.File {
			names = append(names, zf.Name)
		}
		t.Fatalf("the attached file is not in the restored passport's ZIP: %v", names)
	}
	loginTestUser(t, app2, u)
	if _, err := app2.Handler(ctx); err != nil { // the platform secrets decrypt
		t.Fatal(err)
	}

	// A damaged database or a backup without its manifest is refused, and leaves
	// nothing behind.
	db := filepath.Join(out, backup.DatabaseName)
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(db, b, 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other")
	if code, _, stderr := cli("--data", other, "restore", "--from", out, "--keys", keys); code == 0 || !strings.Contains(stderr, "damaged") {
		t.Fatalf("restore of a damaged database: %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(other, "cartable.db")); err == nil {
		t.Fatal("a damaged restore left a database")
	}
	os.Remove(filepath.Join(out, backup.ManifestName))
	if code, _, stderr := cli("--data", filepath.Join(dir, "third"), "restore", "--from", out, "--keys", keys); code == 0 || !strings.Contains(stderr, "manifest") {
		t.Fatalf("restore without a manifest: %d %s", code, stderr)
	}
}
