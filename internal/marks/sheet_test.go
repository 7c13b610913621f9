package marks

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apperr"
)

var (
	sheetAssessments = []SheetAssessment{{ID: 12, Title: "Contrôle 1", OutOf: 2000, Coef: 100}, {ID: 13, Title: "DM", OutOf: 1000, Coef: 50}}
	sheetStudents    = []SheetStudent{{ID: 1, EleveID: "0012345", LastName: "DUPONT", FirstName: "Léa"},
		{ID: 2, EleveID: "99", LastName: "=MARTIN", FirstName: "Paul"}, {ID: 3, LastName: "SANS", FirstName: "Id"}}
)

// The template written, read back and parsed gives back the marks it held, in both formats.
func TestSheetRoundTrip(t *testing.T) {
	sh := Sheet{Assessments: sheetAssessments, Students: sheetStudents, Marks: map[int64]map[int64]Mark{
		1: {12: num(1250), 13: {Code: Absent}}, 3: {13: num(725)}}}
	for _, format := range []string{"csv", "xlsx"} {
		var buf bytes.Buffer
		var err error
		if format == "csv" {
			err = WriteSheetCSV(&buf, sh)
		} else {
			err = WriteSheetXLSX(&buf, sh)
		}
		if err != nil {
			t.Fatal(err)
		}
		if format == "csv" && !strings.Contains(buf.String(), "Contrôle 1 [#12];DM [#13]") || strings.Contains(buf.String(), ";=MARTIN;") {
			t.Errorf("csv template:\n%s", buf.String())
		}
		rows, err := ReadSheet(&buf)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		cells, problems, err := ParseSheet(rows, sheetAssessments, sheetStudents)
		if err != nil || len(problems) != 0 {
			t.Fatalf("%s: %v %v", format, err, problems)
		}
		got := map[[2]int64]SheetCell{}
		for _, c := range cells {
			got[[2]int64{c.StudentID, c.AssessmentID}] = c
		}
		if len(cells) != 6 {
			t.Errorf("%s: %d cells, want 6 (3 pupils × 2 assessments)", format, len(cells))
		}
		if c := got[[2]int64{1, 12}]; !c.Set || c.Mark != num(1250) || c.Row != 4 {
			t.Errorf("%s: 1/12 = %+v", format, c)
		}
		if c := got[[2]int64{1, 13}]; c.Mark.Code != Absent {
			t.Errorf("%s: 1/13 = %+v", format, c)
		}
		if c := got[[2]int64{3, 13}]; c.Mark != num(725) {
			t.Errorf("%s: 3/13 = %+v", format, c)
		}
		if c := got[[2]int64{2, 12}]; c.Set {
			t.Errorf("%s: empty cell set: %+v", format, c)
		}
	}
}

func TestSheetProblems(t *testing.T) {
	csv := "\ufeffeleve_id;nom;prenom;DM;Contrôle 1 [#12]\r\n" +
		"12345;DUPONT;Léa;12;15,5\r\n" + // DM is out of 10: 12 is above; leading zeros of 0012345 may be lost
		"77;X;Y;1;2\r\n" + // unknown pupil
		"99;MARTIN;Paul;abc;ABS\r\n" + // not a mark
		"99;MARTIN;Paul;1;2\r\n" + // twice
		";;;1;1\r\n" + // no eleve_id
		"id-3;SANS;Id;5,555;3;extra\r\n" // three decimals, a cell beyond the last column
	rows, err := ReadSheet(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	_, problems, err := ParseSheet(rows, sheetAssessments, sheetStudents)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"2 DM marks.problem.above_max",
		"3 eleve_id marks.problem.unknown_student",
		"4 DM marks.problem.invalid",
		"5 eleve_id marks.problem.duplicate_student",
		"6 eleve_id marks.problem.no_eleve_id",
		"7 DM marks.problem.invalid",
		"7 F marks.problem.beyond_last_column",
	}
	var got []string
	for _, p := range problems {
		got = append(got, strings.Join([]string{itoa(p.Row), p.Column, p.Key}, " "))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func itoa(n int) string { return FormatPoints(int64(n)*100, "fr") }

func TestSheetRefused(t *testing.T) {
	for _, c := range []struct{ in, code string }{
		{"", "sheet_empty"},
		{"nom;prenom\n", "sheet_no_eleve_id"},
		{"eleve_id;nom;Interro surprise\n", "sheet_unknown_column"},
		{"eleve_id;DM;DM [#13]\n", "sheet_repeated_column"},
		{"eleve_id;nom;prenom\n", "sheet_no_assessment"},
		{"eleve_id;\"a\"b\"\n", ""},
	} {
		rows, err := ReadSheet(strings.NewReader(c.in))
		if err == nil {
			_, _, err = ParseSheet(rows, sheetAssessments, sheetStudents)
		}
		if c.code == "" {
			continue
		}
		if apperr.CodeOf(err) != c.code {
			t.Errorf("%q: %v, want %s", c.in, err, c.code)
		}
	}
	big := strings.Repeat("x", MaxSheetBytes+1)
	if _, err := ReadSheet(strings.NewReader(big)); apperr.KindOf(err) != apperr.KindTooLarge {
		t.Errorf("a large file: %v", err)
	}
	// windows-1252 is read: "Contrôle" with ô as 0xF4.
	rows, err := ReadSheet(strings.NewReader("eleve_id;Contr\xf4le 1\n99;12\n"))
	if err != nil {
		t.Fatal(err)
	}
	cells, problems, err := ParseSheet(rows, sheetAssessments, sheetStudents)
	if err != nil || len(problems) > 0 || len(cells) != 1 || cells[0].Mark != num(1200) {
		t.Errorf("windows-1252: %v %v %+v", err, problems, cells)
	}
}

// TestSheetCSVDefusesTitles: an assessment's title (typed by a teacher) that a
// spreadsheet would run as a formula is defused in the CSV, and the sheet still reads
// back.
func TestSheetCSVDefusesTitles(t *testing.T) {
	as := []SheetAssessment{{ID: 12, Title: `=HYPERLINK("http://x")`, OutOf: 2000, Coef: 100}}
	sh := Sheet{Assessments: as, Students: sheetStudents, Marks: map[int64]map[int64]Mark{1: {12: num(1250)}}}
	var buf bytes.Buffer
	if err := WriteSheetCSV(&buf, sh); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), `;=HYPERLINK`) || strings.Contains(buf.String(), "\n=HYPERLINK") || !strings.Contains(buf.String(), `'=HYPERLINK`) {
		t.Fatalf("the title is not defused:\n%s", buf.String())
	}
	rows, err := ReadSheet(&buf)
	if err != nil {
		t.Fatal(err)
	}
	cells, problems, err := ParseSheet(rows, as, sheetStudents)
	if err != nil || len(problems) != 0 || len(cells) == 0 {
		t.Fatalf("read back: %d cells, %v %v", len(cells), problems, err)
	}
}

// TestCardName: a report card's path in a ZIP is its class's folder and the pupil's
// file, never a parent directory.
func TestCardName(t *testing.T) {
	for class, want := range map[string]string{
		"3e A":   "3e A/DUPONT Léa - 7.pdf",
		"..":     "_../DUPONT Léa - 7.pdf",
		"a/../b": "a_.._b/DUPONT Léa - 7.pdf",
		" . ":    "_ . /DUPONT Léa - 7.pdf",
	} {
		got := CardName(ReportCard{Class: Class{Name: class}, Pupil: Pupil{StudentID: 7, LastName: "DUPONT", FirstName: "Léa"}})
		if got != want {
			t.Errorf("class %q: %q, want %q", class, got, want)
		}
	}
}
