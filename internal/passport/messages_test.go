package passport

import (
	"slices"
	"testing"

	"github.com/cartable/cartable/internal/blob"
	"github.com/cartable/cartable/internal/i18n"
)

// TestArchiveReasonsHaveMessages: every reason an attached archive is refused for is
// written on the pages from the catalogue, with the parameters Attach gives.
func TestArchiveReasonsHaveMessages(t *testing.T) {
	for _, r := range blob.ArchiveReasons {
		m, ok := i18n.Lookup("invalid_archive." + r)
		if !ok {
			t.Errorf("reason %s has no message invalid_archive.%s", r, r)
			continue
		}
		for _, p := range i18n.Placeholders(m.FR) {
			if !slices.Contains([]string{"file", "entry", "max"}, p) {
				t.Errorf("invalid_archive.%s takes %q, which Attach does not give", r, p)
			}
		}
	}
}
