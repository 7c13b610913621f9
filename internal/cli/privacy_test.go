package cli

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/privacy"
)

// TestPrivacyRegister: the record of processing activities has a row per table of the
// catalogue (CSV) and a section per processing (Markdown), in the language asked.
func TestPrivacyRegister(t *testing.T) {
	code, out, errOut := runCLI(t, "privacy", "register", "--format", "csv", "--lang", "en")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != len(privacy.Tables())+1 || rows[0][0] != "Table" || rows[0][3] != "Legal basis" {
		t.Fatalf("CSV: %d rows, %v: %q", len(rows), err, rows[:1])
	}
	code, out, _ = runCLI(t, "privacy", "register")
	if code != 0 || !strings.HasPrefix(out, "# Registre des activités de traitement") || strings.Count(out, "\n## ") != len(privacy.Processings()) {
		t.Fatalf("Markdown (exit %d):\n%s", code, out)
	}
	if code, _, _ = runCLI(t, "privacy", "register", "--format", "pdf"); code != 2 {
		t.Errorf("--format pdf: exit %d", code)
	}
}
