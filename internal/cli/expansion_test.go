package cli

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportExpansionCap: the XML inside a ZIP is held to --max-upload once
// decompressed, as a plain upload is, whatever the archive declares.
func TestImportExpansionCap(t *testing.T) {
	dir := t.TempDir()
	g := []string{"--data", dir, "--log-level", "warn", "--max-upload", "1"}
	cli := func(args ...string) (int, string, string) {
		return runCLI(t, append(append([]string{}, g...), args...)...)
	}
	cli("migrate")
	cli("establishment", "create", "--uai", "0691234S", "--name", "A")
	// A valid export followed by 2 MiB of white space: a few KiB zipped.
	doc := "<?xml version=\"1.0\" encoding=\"UTF-8\"?><BEE_ELEVES><PARAMETRES><UAJ>0691234S</UAJ></PARAMETRES></BEE_ELEVES>" +
		strings.Repeat(" ", 2<<20)
	zipped := func(doc string) string {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("ElevesSansAdresses.xml")
		w.Write([]byte(doc))
		zw.Close()
		file := filepath.Join(dir, "e.zip")
		if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return file
	}
	code, _, stderr := cli("import", "siecle", "--uai", "0691234S", zipped(doc))
	if code == 0 || !strings.Contains(stderr, "au-delà de la limite de 1.0 Mio") {
		t.Fatalf("2 MiB document in a ZIP with --max-upload 1: %d %s", code, stderr)
	}
	if code, out, stderr := cli("import", "siecle", "--uai", "0691234S", zipped(doc[:1<<19])); code != 0 {
		t.Fatalf("512 KiB document: %d %s %s", code, out, stderr)
	}
	app := openTestApp(t, []string{"--data", t.TempDir(), "--max-upload", "3", "--migrate"})
	defer app.Close()
	if app.Importer.MaxSize != 3<<20 {
		t.Errorf("importer cap %d, want --max-upload", app.Importer.MaxSize)
	}
}
