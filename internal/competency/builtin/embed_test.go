package builtin

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/siecle"
)

// TestAll checks that every built-in referential parses, validates, has the
// size the README promises and survives a CSV round trip.
func TestAll(t *testing.T) {
	refs, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 3 {
		t.Fatalf("All() returned %d referentials, want 3", len(refs))
	}
	codes := map[string]bool{}
	for _, r := range refs {
		t.Run(r.Code, func(t *testing.T) {
			if codes[r.Code] {
				t.Fatalf("code %s used twice", r.Code)
			}
			codes[r.Code] = true
			if err := r.Validate(); err != nil {
				t.Fatal(err)
			}
			if n := len(r.Blocks()); n < 3 || n > 5 {
				t.Errorf("%d blocks, want 3 to 5", n)
			}
			if n := len(r.Competencies); n < 12 || n > 25 {
				t.Errorf("%d competencies, want 12 to 25", n)
			}
			want := []competency.ScaleValue{{Value: "NA", Label: "Non acquis"}, {Value: "EC", Label: "En cours d'acquisition"},
				{Value: "A", Label: "Acquis"}, {Value: "M", Label: "Maîtrisé"}}
			if !reflect.DeepEqual(r.Scale, want) {
				t.Errorf("scale %v", r.Scale)
			}
			if !bytes.Contains([]byte(r.Label), []byte("(exemple fictif)")) {
				t.Errorf("label %q does not say it is an invented example", r.Label)
			}
			var buf bytes.Buffer
			if err := competency.WriteCSV(&buf, &r); err != nil {
				t.Fatal(err)
			}
			back, err := competency.ParseCSV(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, r) {
				t.Errorf("CSV round trip changed the referential")
			}
		})
	}
	// Fresh values on every call: a caller's change does not leak.
	refs[0].Competencies[0].Label = "changé"
	again, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Competencies[0].Label == "changé" {
		t.Error("All() shares its values between calls")
	}
}

// TestMEFLinks checks the link between the built-in referentials and the
// synthetic SIECLE data: each generated vocational MEF is prepared by the
// expected referential only, of the right kind, and a referential claims
// no generated MEF of another diploma.
func TestMEFLinks(t *testing.T) {
	refs, err := All()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"24725503310": "BACPRO-MELEC", "24725503320": "BACPRO-MELEC", "24725503330": "BACPRO-MELEC",
		"24122104210": "CAP-CUISINE", "24122104220": "CAP-CUISINE", "24022104110": "CAP-CUISINE",
		"24431212210": "BEP-MRC", "24431212220": "BEP-MRC",
	}
	family := map[string]siecle.Family{"bac pro": siecle.FamilyBacPro, "cap": siecle.FamilyCAP, "bep": siecle.FamilyBEP}
	generated := map[string]bool{}
	for _, m := range siecle.GeneratedMEFs() {
		code := string(m.Code)
		generated[code] = true
		var got []string
		for _, r := range refs {
			if r.PreparedBy(code) {
				got = append(got, r.Code)
				if f := family[r.Kind]; m.Code.Family() != f {
					t.Errorf("%s (%s) is a %s MEF, prepared by %s of kind %q", code, m.Label, m.Code.Family(), r.Code, r.Kind)
				}
			}
		}
		switch w, ok := want[code]; {
		case ok && !reflect.DeepEqual(got, []string{w}):
			t.Errorf("%s (%s) prepared by %v, want %s", code, m.Label, got, w)
		case !ok && len(got) > 0:
			t.Errorf("%s (%s) prepared by %v, want none", code, m.Label, got)
		}
	}
	for code := range want {
		if !generated[code] {
			t.Errorf("the SIECLE generator no longer writes MEF %s: update the built-in referentials", code)
		}
	}
}
