package competency

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// sample returns a small valid referential; tests change copies of it.
func sample() Referential {
	return Referential{
		Code:  "BACPRO-TEST",
		Label: "Baccalauréat professionnel d'essai",
		Kind:  "bac pro",
		Scale: []ScaleValue{
			{Value: "NA", Label: "Non acquis"},
			{Value: "EC", Label: "En cours d'acquisition"},
			{Value: "A", Label: "Acquis"},
			{Value: "M", Label: "Maîtrisé"},
		},
		Competencies: []Competency{
			{Code: "C1", Label: "Analyser les conditions de l'opération", Block: "B1", BlockLabel: "Préparer une opération"},
			{Code: "C2", Label: "Organiser l'opération", Block: "B1", BlockLabel: "Préparer une opération"},
			{Code: "C3", Label: "Réaliser une installation", Block: "B2", BlockLabel: "Réaliser"},
		},
		MEFs: []string{"24725503", "247255"},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *Referential)
		want   string // substring of the error; "" = valid
	}{
		{"valid", func(r *Referential) {}, ""},
		{"no blocks", func(r *Referential) {
			for i := range r.Competencies {
				r.Competencies[i].Block, r.Competencies[i].BlockLabel = "", ""
			}
		}, ""},
		{"no MEF", func(r *Referential) { r.MEFs = nil }, ""},
		{"no kind", func(r *Referential) { r.Kind = "" }, ""},
		{"empty code", func(r *Referential) { r.Code = "" }, "code du référentiel manquant"},
		{"lower-case code", func(r *Referential) { r.Code = "bacpro" }, "code du référentiel bacpro invalide"},
		{"one-letter code", func(r *Referential) { r.Code = "B" }, "invalide"},
		{"long code", func(r *Referential) { r.Code = strings.Repeat("A", 41) }, "invalide"},
		{"code with space", func(r *Referential) { r.Code = "BAC PRO" }, "invalide"},
		{"40-character code", func(r *Referential) { r.Code = strings.Repeat("A", 40) }, ""},
		{"empty label", func(r *Referential) { r.Label = "  " }, "libellé du référentiel : vide"},
		{"label with newline", func(r *Referential) { r.Label = "a\nb" }, "caractère de contrôle"},
		{"label with spaces", func(r *Referential) { r.Label = " a" }, "espaces en début ou en fin"},
		{"long label", func(r *Referential) { r.Label = strings.Repeat("é", 501) }, "trop long"},
		{"bad UTF-8", func(r *Referential) { r.Label = "\xff" }, "mal encodé"},
		{"one scale value", func(r *Referential) { r.Scale = r.Scale[:1] }, "de 2 à 10 valeurs (1 trouvée)"},
		{"eleven scale values", func(r *Referential) {
			for i := 0; i < 7; i++ {
				r.Scale = append(r.Scale, ScaleValue{Value: "X" + string(rune('a'+i)), Label: "L" + string(rune('a'+i))})
			}
		}, "(11 trouvées)"},
		{"empty scale value", func(r *Referential) { r.Scale[1].Value = "" }, "valeur d'échelle 2 («  ») : valeur manquante"},
		{"empty scale label", func(r *Referential) { r.Scale[1].Label = "" }, "valeur d'échelle 2 (EC) : libellé : vide"},
		{"duplicated scale value", func(r *Referential) { r.Scale[3].Value = "NA" }, "valeur d'échelle 4 (NA) : valeur en double (déjà valeur 1)"},
		{"scale value differing by case", func(r *Referential) { r.Scale[3].Value = "na" }, "valeur en double"},
		{"label equal to another value", func(r *Referential) { r.Scale[3].Label = "ec" }, "valeur d'échelle 4 (M) : se confond avec la valeur 2 (EC)"},
		{"labels differing by accents", func(r *Referential) { r.Scale[3].Label = "Acquís" }, "se confond avec la valeur 3"},
		{"value equal to its own label", func(r *Referential) { r.Scale[2].Label = "A" }, ""},
		{"no competency", func(r *Referential) { r.Competencies = nil }, "aucune compétence"},
		{"duplicated competency", func(r *Referential) {
			r.Competencies[2].Code = "C1"
			r.Competencies[2].Block = "B1"
			r.Competencies[2].BlockLabel = "Préparer une opération"
		},
			"compétence 3 (C1) : code en double (déjà compétence 1)"},
		{"competency differing by case", func(r *Referential) { r.Competencies[1].Code = "c1" }, "compétence 2 (c1) : code en double (déjà compétence 1, C1, à la casse près)"},
		{"bad competency code", func(r *Referential) { r.Competencies[1].Code = "C 2" }, "compétence 2 (« C 2 ») : code invalide"},
		{"long competency code", func(r *Referential) { r.Competencies[1].Code = strings.Repeat("C", 21) }, "code invalide"},
		{"dotted competency code", func(r *Referential) { r.Competencies[1].Code = "C1.2_a-b" }, ""},
		{"empty competency code", func(r *Referential) { r.Competencies[0].Code = "" }, "compétence 1 («  ») : code manquant"},
		{"empty competency label", func(r *Referential) { r.Competencies[2].Label = "" }, "compétence 3 (C3) : libellé : vide"},
		{"block label without block", func(r *Referential) { r.Competencies[2].Block = "" }, "compétence 3 (C3) : libellé de bloc sans code de bloc"},
		{"block without label", func(r *Referential) { r.Competencies[2].BlockLabel = "" }, "libellé du bloc B2 : vide"},
		{"bad block code", func(r *Referential) { r.Competencies[2].Block = "B 2" }, "code de bloc « B 2 » invalide"},
		{"block label differs", func(r *Referential) { r.Competencies[1].BlockLabel = "Autre" }, "compétence 2 (C2) : le bloc B1 a un autre libellé qu'à la compétence 1 (C1)"},
		{"block resumes", func(r *Referential) {
			r.Competencies = append(r.Competencies, Competency{Code: "C4", Label: "x", Block: "B1", BlockLabel: "Préparer une opération"})
		}, "compétence 4 (C4) : le bloc B1 reprend après le bloc B2"},
		{"some without block", func(r *Referential) {
			r.Competencies = append(r.Competencies, Competency{Code: "C4", Label: "x"})
		}, "compétence 4 (C4) : soit toutes les compétences appartiennent à un bloc, soit aucune"},
		{"first without block", func(r *Referential) {
			r.Competencies[0].Block, r.Competencies[0].BlockLabel = "", ""
		}, "compétence 2 (C2) : soit toutes"},
		{"short MEF", func(r *Referential) { r.MEFs = []string{"24"} }, "préfixe MEF 1 (24) : de 3 à 11 chiffres attendus"},
		{"long MEF", func(r *Referential) { r.MEFs = []string{"247255033100"} }, "préfixe MEF 1"},
		{"MEF with letter", func(r *Referential) { r.MEFs = []string{"247", "24A"} }, "préfixe MEF 2 (24A)"},
		{"empty MEF", func(r *Referential) { r.MEFs = []string{""} }, "préfixe MEF 1 («  »)"},
		{"duplicated MEF", func(r *Referential) { r.MEFs = []string{"247", "247"} }, "préfixe MEF 2 (247) : en double (déjà préfixe 1)"},
		{"full MEF", func(r *Referential) { r.MEFs = []string{"24725503310"} }, ""},
		{"long kind", func(r *Referential) { r.Kind = strings.Repeat("k", 41) }, "type de diplôme : trop long"},
		{"message value is cut", func(r *Referential) { r.Code = strings.Repeat("é", 100) }, "ééé…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sample()
			tt.change(&r)
			err := r.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && err == nil:
				t.Fatalf("Validate() = nil, want %q", tt.want)
			case err != nil && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("Validate() = %q, want it to contain %q", err, tt.want)
			case err != nil && !errors.Is(err, ErrInvalid):
				t.Fatalf("Validate() error does not match ErrInvalid")
			}
		})
	}
}

func TestValidateLimits(t *testing.T) {
	r := sample()
	r.Competencies = nil
	for i := 0; i <= maxCompetencies; i++ {
		r.Competencies = append(r.Competencies, Competency{Code: "C" + itoa(i), Label: "x"})
	}
	if err := r.Validate(); err == nil || !strings.Contains(err.Error(), "trop de compétences") {
		t.Errorf("%d competencies: %v", len(r.Competencies), err)
	}
	r = sample()
	r.MEFs = nil
	for i := 0; i <= maxMEFs; i++ {
		r.MEFs = append(r.MEFs, "247"+itoa(1000+i))
	}
	if err := r.Validate(); err == nil || !strings.Contains(err.Error(), "trop de préfixes MEF") {
		t.Errorf("%d MEFs: %v", len(r.MEFs), err)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestLookups(t *testing.T) {
	r := sample()
	if c, ok := r.Competency("C2"); !ok || c.Label != "Organiser l'opération" {
		t.Errorf("Competency(C2) = %v, %v", c, ok)
	}
	if _, ok := r.Competency("c2"); ok {
		t.Error("Competency is exact")
	}
	if _, ok := r.Competency("C9"); ok {
		t.Error("Competency(C9) found")
	}
	for _, tt := range []struct {
		value string
		rank  int
		ok    bool
	}{{"NA", 0, true}, {"EC", 1, true}, {"M", 3, true}, {"m", 0, false}, {"", 0, false}, {"Acquis", 0, false}} {
		if rank, ok := r.Rank(tt.value); rank != tt.rank || ok != tt.ok {
			t.Errorf("Rank(%q) = %d, %v; want %d, %v", tt.value, rank, ok, tt.rank, tt.ok)
		}
	}
}

func TestLookupValue(t *testing.T) {
	r := sample()
	tests := []struct {
		in   string
		want string // "" = not found
	}{
		{"A", "A"}, {"a", "A"}, {" ec ", "EC"}, {"Acquis", "A"}, {"acquis", "A"}, {"ACQUIS", "A"},
		{"Maîtrisé", "M"}, {"maitrise", "M"}, {"MAÎTRISÉ", "M"}, {"en cours d’acquisition", "EC"},
		{"", ""}, {"B", ""}, {"Acquise", ""}, {"NA ", "NA"},
	}
	for _, tt := range tests {
		v, ok := r.LookupValue(tt.in)
		if got := v.Value; got != tt.want || ok != (tt.want != "") {
			t.Errorf("LookupValue(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestBlocks(t *testing.T) {
	r := sample()
	got := r.Blocks()
	want := []Block{
		{Code: "B1", Label: "Préparer une opération", Competencies: r.Competencies[:2]},
		{Code: "B2", Label: "Réaliser", Competencies: r.Competencies[2:]},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Blocks() = %+v", got)
	}
	// Without blocks: one unnamed block holding everything.
	for i := range r.Competencies {
		r.Competencies[i].Block, r.Competencies[i].BlockLabel = "", ""
	}
	if got := r.Blocks(); len(got) != 1 || got[0].Code != "" || len(got[0].Competencies) != 3 {
		t.Errorf("Blocks() without blocks = %+v", got)
	}
	// An unvalidated referential with a block resuming: grouped by first appearance.
	r = sample()
	r.Competencies = append(r.Competencies, Competency{Code: "C4", Label: "x", Block: "B1", BlockLabel: "Préparer une opération"})
	if got := r.Blocks(); len(got) != 2 || len(got[0].Competencies) != 3 || got[0].Competencies[2].Code != "C4" {
		t.Errorf("Blocks() with a resuming block = %+v", got)
	}
	if got := (&Referential{}).Blocks(); got != nil {
		t.Errorf("Blocks() of an empty referential = %+v", got)
	}
}

func TestPreparedBy(t *testing.T) {
	r := sample()
	r.MEFs = []string{"24725503", "24122104210"}
	tests := []struct {
		mef  string
		want bool
	}{
		{"24725503310", true},
		{" 24725503330 ", true},
		{"24725504310", false},
		{"24122104210", true},
		{"24122104220", false},
		{"2472", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := r.PreparedBy(tt.mef); got != tt.want {
			t.Errorf("PreparedBy(%q) = %v", tt.mef, got)
		}
	}
	r.MEFs = []string{""}
	if r.PreparedBy("24725503310") {
		t.Error("an empty prefix must not match every MEF")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, r := range []Referential{sample(), func() Referential {
		r := sample()
		r.MEFs, r.Kind = nil, ""
		for i := range r.Competencies {
			r.Competencies[i].Block, r.Competencies[i].BlockLabel = "", ""
		}
		return r
	}()} {
		r.ID = 42
		var buf bytes.Buffer
		if err := r.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if strings.Contains(out, "42") || strings.Contains(out, "null") || !strings.Contains(out, "\n  \"code\"") {
			t.Errorf("WriteJSON wrote:\n%s", out)
		}
		if !strings.Contains(out, "l'opération") {
			t.Errorf("WriteJSON escapes text:\n%s", out)
		}
		got, err := ParseJSON(&buf)
		if err != nil {
			t.Fatalf("ParseJSON(WriteJSON) = %v\n%s", err, out)
		}
		r.ID = 0
		if r.MEFs == nil {
			r.MEFs = []string{}
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
		}
	}
}

func TestParseJSONErrors(t *testing.T) {
	valid := `{
  "code": "BACPRO-TEST",
  "label": "Bac",
  "kind": "bac pro",
  "scale": [{"value": "NA", "label": "Non acquis"}, {"value": "A", "label": "Acquis"}],
  "competencies": [{"code": "C1", "label": "Analyser"}],
  "mefs": ["247255"]
}`
	if _, err := ParseJSON(strings.NewReader(valid)); err != nil {
		t.Fatalf("valid document: %v", err)
	}
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"empty", "", "le document est vide"},
		{"spaces", "  \n ", "le document est vide"},
		{"array", "[]", "JSON, ligne 1, colonne 1 : le document doit être un objet { … }, pas une liste"},
		{"string", `"x"`, "le document doit être un objet { … }, pas une chaîne"},
		{"truncated", `{"code": "X"`, "s'arrête avant la fin"},
		{"syntax", "{\n  \"code\": \"X\",\n  \"label\" \"Y\"\n}", "JSON, ligne 3, colonne 11 : syntaxe invalide (caractère « \" » inattendu)"},
		{"unknown field", strings.Replace(valid, `"kind"`, `"knd"`, 1), "JSON, ligne 4, colonne 3 : champ inconnu knd (champs attendus : code, label, kind, scale, competencies, mefs)"},
		{"field case", strings.Replace(valid, `"kind"`, `"Kind"`, 1), "champ inconnu Kind"},
		{"nested unknown field", strings.Replace(valid, `"value": "A"`, `"valeur": "A"`, 1), "ligne 5, colonne 54 : champ inconnu valeur dans scale[1] (champs attendus : label, value)"},
		{"unknown competency field", strings.Replace(valid, `"label": "Analyser"`, `"label": "Analyser", "bloc": "B1"`, 1), "champ inconnu bloc dans competencies[0]"},
		{"duplicated field", strings.Replace(valid, `"kind": "bac pro"`, `"kind": "bac pro", "kind": "cap"`, 1), "ligne 4, colonne 22 : champ kind en double"},
		{"id field", strings.Replace(valid, `"kind"`, `"ID": 3, "kind"`, 1), "champ inconnu ID"},
		{"wrong type", strings.Replace(valid, `"Bac"`, `12`, 1), "JSON, ligne 3, colonne 12 : label doit être une chaîne, pas un nombre"},
		{"wrong nested type", strings.Replace(valid, `"247255"`, `247255`, 1), "JSON, ligne 7, colonne 12 : mefs[0] doit être une chaîne, pas un nombre"},
		{"object for list", strings.Replace(valid, `["247255"]`, `{}`, 1), "mefs doit être une liste [ … ], pas un objet"},
		{"trailing data", valid + "\n{}", "JSON, ligne 9, colonne 1 : données après la fin du référentiel"},
		{"trailing garbage", valid + " x", "syntaxe invalide"},
		{"invalid referential", strings.Replace(valid, `"C1"`, `""`, 1), "compétence 1 («  ») : code manquant"},
		{"deep nesting", `{"code": ` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`, "JSON, ligne 1, colonne 10 : code doit être une chaîne, pas une liste"},
		{"null", `null`, "le document doit être un objet { … }, pas null"},
		{"bad nested type", strings.Replace(valid, `"label": "Acquis"`, `"label": true`, 1), "scale[1].label doit être une chaîne, pas un booléen"},
		{"huge number", strings.Replace(valid, `"Bac"`, `1e999`, 1), "label doit être une chaîne, pas un nombre"},
		{"unclosed string", `{"code": "X`, "s'arrête avant la fin"},
		{"BOM", "\xEF\xBB\xBF" + strings.Replace(valid, `"C1"`, `""`, 1), "code manquant"},
		{"too large", `{"label": "` + strings.Repeat("a", maxInput) + `"}`, "fichier trop volumineux"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseJSON(strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseJSON() = %v, want %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
		})
	}
}

// failingReader fails after its data.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disque débranché") }

func TestReadFailure(t *testing.T) {
	for name, parse := range map[string]func() error{
		"json": func() error { _, err := ParseJSON(failingReader{}); return err },
		"csv":  func() error { _, err := ParseCSV(failingReader{}); return err },
		"grid": func() error {
			r := sample()
			_, _, _, err := ParseGridCSV(failingReader{}, &r, nil)
			return err
		},
	} {
		err := parse()
		if err == nil || errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "disque débranché") {
			t.Errorf("%s: read failure gave %v (must not match ErrInvalid)", name, err)
		}
	}
}

func TestShow(t *testing.T) {
	for in, want := range map[string]string{
		"C1.2": "C1.2", "": "«  »", "a b": "« a b »", `"x"`: `« "x" »`, "a\nb\x00": `« a\nb\x00 »`,
		strings.Repeat("é", 41): "« " + strings.Repeat("é", 40) + "… »",
	} {
		if got := show(in); got != want {
			t.Errorf("show(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{"Maîtrisé": "maitrise", " ÉCHELLE ": "echelle", "Cœur": "coeur", "l’élève": "l'eleve", "ÇA": "ca"} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseJSON checks that ParseJSON never panics, that what it accepts is
// valid and survives WriteJSON, and that its errors are all ErrInvalid.
func FuzzParseJSON(f *testing.F) {
	var buf bytes.Buffer
	r := sample()
	_ = r.WriteJSON(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte(`{"code":"AB","label":"x","kind":"","scale":[{"value":"a","label":"b"},{"value":"c","label":"d"}],"competencies":[{"code":"1","label":"x"}],"mefs":[]}`))
	f.Add([]byte(`{"code": [[[{}]]], "scale": {"x": 1}}`))
	f.Add([]byte(`{"scale":[1,[2],{"value":{}}]}`))
	f.Add([]byte("\xef\xbb\xbf{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseJSON(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("ParseJSON accepted an invalid referential: %v", err)
		}
		var out bytes.Buffer
		if err := r.WriteJSON(&out); err != nil {
			t.Fatal(err)
		}
		again, err := ParseJSON(&out)
		if err != nil {
			t.Fatalf("WriteJSON output refused: %v", err)
		}
		if r.MEFs == nil {
			r.MEFs = []string{}
		}
		if !reflect.DeepEqual(again, r) {
			t.Fatalf("JSON round trip changed the referential")
		}
	})
}
