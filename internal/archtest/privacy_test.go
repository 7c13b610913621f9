package archtest

import (
	"slices"
	"testing"

	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/privacy"
)

// TestPrivacyCatalogue: every table the migrations leave has its entry in the data
// catalogue (internal/privacy), which the privacy notice and the record of processing
// activities are made of; the catalogue names no table the schema lacks, each entry's
// processing exists, and every text it needs is in the catalogue of messages.
func TestPrivacyCatalogue(t *testing.T) {
	tables, _ := schemaTables(t)
	cat := map[string]privacy.Table{}
	for _, e := range privacy.Tables() {
		if _, dup := cat[e.Name]; dup {
			t.Errorf("privacy catalogue: %s listed twice", e.Name)
		}
		cat[e.Name] = e
	}
	for _, name := range tables {
		if _, ok := cat[name]; !ok {
			t.Errorf("table %s is in the migrations but not in the data catalogue (internal/privacy Tables): "+
				"say which processing it serves and how long its rows are kept", name)
		}
	}
	processings := map[string]bool{}
	for _, p := range privacy.Processings() {
		processings[p.ID] = true
		for _, f := range []string{"name", "purpose", "basis", "data", "recipients", "retention"} {
			if !i18n.Has("privacy." + p.ID + "." + f) {
				t.Errorf("processing %s: no message privacy.%s.%s", p.ID, p.ID, f)
			}
		}
	}
	for _, e := range privacy.Tables() {
		if !slices.Contains(tables, e.Name) {
			t.Errorf("the data catalogue lists %s, which the migrations do not create", e.Name)
		}
		if !processings[e.Processing] {
			t.Errorf("table %s: unknown processing %q", e.Name, e.Processing)
		}
		if !i18n.Has("privacy.retention." + e.Retention) {
			t.Errorf("table %s: no message privacy.retention.%s", e.Name, e.Retention)
		}
	}
}
