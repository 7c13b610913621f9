package competency

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func gridStudents() []GridStudent {
	return []GridStudent{
		{ID: 11, EleveID: "1001", LastName: "DUPONT", FirstName: "Léa"},
		{ID: 12, EleveID: "1002", LastName: "N'DIAYE", FirstName: "Maëlys"},
		{ID: 13, EleveID: "01003", LastName: "LEBŒUF", FirstName: "Noël"},
	}
}

// sampleGrid is a grid of the sample referential (C1, C2, C3).
func sampleGrid() *Grid {
	r := sample()
	return &Grid{
		Referential: &r,
		Students:    gridStudents(),
		Values: map[int64]map[string]string{
			11: {"C1": "A", "C2": "EC", "C3": "M"},
			12: {"C1": "NA", "C3": ""},
		},
		Comments: map[int64]string{
			11: "Très bien ; soigneux.\nContinuer ainsi.",
			12: "=1+1 n'est pas une formule",
		},
	}
}

func TestGridRoundTrip(t *testing.T) {
	g := sampleGrid()
	var buf bytes.Buffer
	if err := WriteGridCSV(&buf, g); err != nil {
		t.Fatal(err)
	}
	values, comments, problems, err := ParseGridCSV(bytes.NewReader(buf.Bytes()), g.Referential, g.Students)
	if err != nil || len(problems) > 0 {
		t.Fatalf("ParseGridCSV = %v, %v\n%s", problems, err, buf.String())
	}
	wantValues := map[int64]map[string]string{
		11: {"C1": "A", "C2": "EC", "C3": "M"},
		12: {"C1": "NA", "C2": "", "C3": ""},
		13: {"C1": "", "C2": "", "C3": ""},
	}
	wantComments := map[int64]string{11: g.Comments[11], 12: g.Comments[12], 13: ""}
	if !reflect.DeepEqual(values, wantValues) {
		t.Errorf("values = %v, want %v", values, wantValues)
	}
	if !reflect.DeepEqual(comments, wantComments) {
		t.Errorf("comments = %v, want %v", comments, wantComments)
	}
}

func TestWriteGridCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteGridCSV(&buf, sampleGrid()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\r\n")
	want := []string{
		"\uFEFF# libellés;;;Analyser les conditions de l'opération;Organiser l'opération;Réaliser une installation;",
		"# échelle;NA = Non acquis;EC = En cours d'acquisition;A = Acquis;M = Maîtrisé",
		"eleve_id;nom;prenom;C1;C2;C3;commentaire",
		"1001;DUPONT;Léa;A;EC;M;\"Très bien ; soigneux.", // the line break of the comment is CRLF too
		"Continuer ainsi.\"",
		"1002;N'DIAYE;Maëlys;NA;;;'=1+1 n'est pas une formule",
		"01003;LEBŒUF;Noël;;;;",
		"",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("WriteGridCSV:\n%q\nwant\n%q", lines, want)
	}
	if err := WriteGridCSV(&buf, &Grid{}); err == nil {
		t.Error("WriteGridCSV without referential")
	}
}

func TestParseGridCSV(t *testing.T) {
	ref := sample()
	students := gridStudents()
	type result struct {
		values   map[int64]map[string]string
		comments map[int64]string
		problems []GridProblem
	}
	tests := []struct {
		name string
		data []byte
		want result
	}{
		{
			name: "Excel: BOM, CRLF, windows-1252, labels and lower case",
			data: toWindows1252(t, "eleve_id;nom;prenom;C1;C2;C3;commentaire\r\n1001;DUPONT;Léa;Acquis;ec;maîtrisé;Très bien\r\n1002;N'DIAYE;Maëlys;non acquis; M ;;\r\n;;;;;;\r\n"),
			want: result{
				values:   map[int64]map[string]string{11: {"C1": "A", "C2": "EC", "C3": "M"}, 12: {"C1": "NA", "C2": "M", "C3": ""}},
				comments: map[int64]string{11: "Très bien", 12: ""},
			},
		},
		{
			name: "UTF-8 BOM, comma, quoted comment lines, subset of columns in another order",
			data: []byte("\uFEFF\"# libellés\",,\"Organiser, vite\"\r\nELEVE_ID,c3,Nom,C1\r\n1001,A,DUPONT,EC\r\n"),
			want: result{
				values:   map[int64]map[string]string{11: {"C1": "EC", "C3": "A"}},
				comments: map[int64]string{},
			},
		},
		{
			name: "bad cells, unknown and missing students",
			data: []byte("eleve_id;nom;prenom;C1;C2;C3;commentaire\n1001;DUPONT;Léa;B;A;X;ok\n9999;INCONNU;Jean;A;A;A;\n;;;A\n1002;N'DIAYE;Maëlys;A\n"),
			want: result{
				values:   map[int64]map[string]string{11: {"C2": "A"}, 12: {"C1": "A", "C2": "", "C3": ""}},
				comments: map[int64]string{11: "ok", 12: ""},
				problems: []GridProblem{
					{2, "C1", "grid.problem.off_scale", map[string]string{"value": "B", "scale": "NA, EC, A, M"}},
					{2, "C3", "grid.problem.off_scale", map[string]string{"value": "X", "scale": "NA, EC, A, M"}},
					{3, "eleve_id", "grid.problem.unknown_student", map[string]string{"id": "9999"}},
					{4, "eleve_id", "grid.problem.no_eleve_id", nil},
				},
			},
		},
		{
			name: "duplicated row: the last wins whole",
			data: []byte("eleve_id;C1;C2;commentaire\n1001;A;A;premier\n1002;EC;EC;\n1001;M;;second\n"),
			want: result{
				values:   map[int64]map[string]string{11: {"C1": "M", "C2": ""}, 12: {"C1": "EC", "C2": "EC"}},
				comments: map[int64]string{11: "second", 12: ""},
				problems: []GridProblem{{4, "eleve_id", "grid.problem.duplicate_student", map[string]string{"id": "1001", "first": "2"}}},
			},
		},
		{
			name: "leading zeros dropped by the spreadsheet",
			data: []byte("eleve_id;C1\n1003;A\n0001001;EC\n"),
			want: result{
				values:   map[int64]map[string]string{13: {"C1": "A"}, 11: {"C1": "EC"}},
				comments: map[int64]string{},
			},
		},
		{
			name: "untitled columns and cells beyond the header",
			data: []byte("eleve_id;C1;;C2\n1001;A;note;EC;;en trop\n1002;A;;EC\n"),
			want: result{
				values:   map[int64]map[string]string{11: {"C1": "A", "C2": "EC"}, 12: {"C1": "A", "C2": "EC"}},
				comments: map[int64]string{},
				problems: []GridProblem{
					{2, "C", "grid.problem.untitled_column", nil},
					{2, "F", "grid.problem.beyond_last_column", nil},
				},
			},
		},
		{
			name: "defused and multi-line cells",
			data: []byte("eleve_id;C1;commentaire\n1001;A;\"'=SOMME(A1)\"\n1002;;\"deux\nlignes\"\n1003;M;x\n"),
			want: result{
				values:   map[int64]map[string]string{11: {"C1": "A"}, 12: {"C1": ""}, 13: {"C1": "M"}},
				comments: map[int64]string{11: "=SOMME(A1)", 12: "deux\nlignes", 13: "x"},
			},
		},
		{
			name: "header only",
			data: []byte("# rien\neleve_id;C1\n"),
			want: result{values: map[int64]map[string]string{}, comments: map[int64]string{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values, comments, problems, err := ParseGridCSV(bytes.NewReader(tt.data), &ref, students)
			if err != nil {
				t.Fatal(err)
			}
			got := result{values, comments, problems}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseGridCSV:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseGridCSVAmbiguousStudent(t *testing.T) {
	ref := sample()
	students := []GridStudent{{ID: 1, EleveID: "100"}, {ID: 2, EleveID: "0100"}}
	values, _, problems, err := ParseGridCSV(strings.NewReader("eleve_id;C1\n0100;A\n00100;A\n"), &ref, students)
	if err != nil {
		t.Fatal(err)
	}
	// "0100" is exact; "00100" could be either once zeros are dropped.
	if !reflect.DeepEqual(values, map[int64]map[string]string{2: {"C1": "A"}}) || len(problems) != 1 || problems[0].Line != 3 {
		t.Errorf("values %v, problems %v", values, problems)
	}
}

func TestParseGridCSVErrors(t *testing.T) {
	ref := sample()
	tests := []struct {
		name string
		data string
		want string
	}{
		{"empty", "", "le fichier est vide"},
		{"only comments", "# libellés;;\n\n", "le fichier est vide"},
		{"no eleve_id", "nom;C1\nDUPONT;A\n", "ligne 1, colonne A\u00a0: la première colonne doit être «\u00a0eleve_id\u00a0» (trouvé «\u00a0nom\u00a0»)"},
		{"eleve_id not first", "# x\nC1;eleve_id\n", "ligne 2, colonne A\u00a0: la première colonne doit être «\u00a0eleve_id\u00a0»"},
		{"unknown competency", "eleve_id;nom;C1;C9\n", "ligne 1, colonne D\u00a0: «\u00a0C9\u00a0» n’est pas une compétence du référentiel BACPRO-TEST"},
		{"no competency column", "eleve_id;nom;prenom;commentaire\n1001;A;B;C\n", "ligne 1\u00a0: aucune colonne de compétence\u00a0: l’en-tête doit nommer des codes du référentiel BACPRO-TEST (C1, C2, C3)"},
		{"duplicated competency", "eleve_id;C1;c1\n", "ligne 1, colonne C\u00a0: colonne «\u00a0c1\u00a0» en double (déjà colonne B)"},
		{"duplicated comment", "eleve_id;C1;commentaire;Commentaires\n", "colonne «\u00a0Commentaires\u00a0» en double (déjà colonne C)"},
		{"duplicated eleve_id", "eleve_id;C1;ELEVE_ID\n", "ligne 1, colonne C\u00a0: colonne eleve_id en double"},
		{"bad quotes", "eleve_id;C1\n1001;\"A\"B\n", "ligne 2 : guillemet manquant ou en trop"},
		{"too many columns", "eleve_id;C1" + strings.Repeat(";", maxGridColumns) + "C2\n", "ligne 1\u00a0: trop de colonnes (1002, au plus 1000)"},
		{"xlsx", "PK\x03\x04rest", "enregistrez-le au format « CSV (séparateur : point-virgule) »"},
		{"binary", "eleve_id;C1\n\x00", "n'est pas un fichier texte CSV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values, comments, problems, err := ParseGridCSV(strings.NewReader(tt.data), &ref, gridStudents())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseGridCSV() = %v, want %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
			if values != nil || comments != nil || problems != nil {
				t.Error("a fatal error must take nothing")
			}
		})
	}
	many := "eleve_id;C1\n" + strings.Repeat("1001;B\n", maxGridProblems+1)
	if _, _, _, err := ParseGridCSV(strings.NewReader(many), &ref, gridStudents()); err == nil || !strings.Contains(err.Error(), "plus de 1000\u00a0problèmes") {
		t.Errorf("ParseGridCSV with too many problems = %v", err)
	}
	exactly := "eleve_id;C1\n" + strings.Repeat("1001;B\n", maxGridProblems/2)
	if _, _, p, err := ParseGridCSV(strings.NewReader(exactly), &ref, gridStudents()); err != nil || len(p) != maxGridProblems-1 {
		t.Errorf("ParseGridCSV with %d problems = %d, %v", maxGridProblems-1, len(p), err)
	}
	if _, _, _, err := ParseGridCSV(strings.NewReader("eleve_id;C1\n"), nil, nil); err == nil {
		t.Error("ParseGridCSV without referential")
	}
}

func TestColumnLetter(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA"} {
		if got := columnLetter(i); got != want {
			t.Errorf("columnLetter(%d) = %q, want %q", i, got, want)
		}
	}
}

// FuzzParseGridCSV checks that ParseGridCSV never panics, that its errors
// are all ErrInvalid, and that what it takes is only known students,
// known competencies and scale values.
func FuzzParseGridCSV(f *testing.F) {
	var buf bytes.Buffer
	_ = WriteGridCSV(&buf, sampleGrid())
	f.Add(buf.Bytes())
	f.Add([]byte("eleve_id,c1,C2,commentaire\n1001,acquis,,x\n1001,B\n"))
	f.Add(toWindows1252(f, "eleve_id;C1;;commentaire\r\n01003;Maîtrisé;x;é\r\n"))
	f.Add([]byte("\"# x\";\"\neleve_id;C3\n1002;\"'=A\""))
	ref := sample()
	students := gridStudents()
	f.Fuzz(func(t *testing.T, data []byte) {
		values, comments, problems, err := ParseGridCSV(bytes.NewReader(data), &ref, students)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		known := map[int64]bool{11: true, 12: true, 13: true}
		for id, row := range values {
			if !known[id] {
				t.Fatalf("values for unknown student %d", id)
			}
			for code, v := range row {
				if _, ok := ref.Competency(code); !ok {
					t.Fatalf("value for unknown competency %q", code)
				}
				if _, ok := ref.Rank(v); v != "" && !ok {
					t.Fatalf("value %q is not on the scale", v)
				}
			}
		}
		for id := range comments {
			if !known[id] {
				t.Fatalf("comment for unknown student %d", id)
			}
		}
		for _, p := range problems {
			if p.Line < 1 || p.Column == "" || p.Key == "" {
				t.Fatalf("incomplete problem %+v", p)
			}
		}
	})
}

// TestParseGridCSVLongComment: a comment over MaxComment characters is not taken, with
// a problem naming the line and the column; the student's other cells are, and his
// stored comment is left as it was (issue 8, finding 6).
func TestParseGridCSVLongComment(t *testing.T) {
	ref := sample()
	long := strings.Repeat("é", MaxComment+1)
	ok := strings.Repeat("é", MaxComment)
	data := "eleve_id;C1;commentaire\n1001;A;" + long + "\n1002;EC;" + ok + "\n"
	values, comments, problems, err := ParseGridCSV(strings.NewReader(data), &ref, gridStudents())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(values, map[int64]map[string]string{11: {"C1": "A"}, 12: {"C1": "EC"}}) {
		t.Errorf("values %v", values)
	}
	if _, taken := comments[11]; taken || comments[12] != ok {
		t.Errorf("comments: the long one taken %v, the one at the limit %d characters", taken, len([]rune(comments[12])))
	}
	if len(problems) != 1 || problems[0].Line != 2 || problems[0].Column != "commentaire" || problems[0].Key != "grid.problem.long_comment" || problems[0].Params["max"] != "10000" {
		t.Errorf("problems %+v", problems)
	}
}
