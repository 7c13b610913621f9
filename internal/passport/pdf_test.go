package passport

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/cartable/cartable/internal/pdfdoc"
	"github.com/cartable/cartable/internal/pdfdoc/pdftest"
	"github.com/go-pdf/fpdf"
)

// pdfGenerated is 23 November 2026, 13:05 UTC (14:05 in Paris).
var pdfGenerated = time.Date(2026, 11, 23, 13, 5, 0, 0, time.UTC)

// pdfScale is the four-value scale of the sample referential.
var pdfScale = []struct{ value, label string }{
	{"NM", "Non maîtrisé"}, {"PM", "Partiellement maîtrisé"}, {"M", "Maîtrisé"}, {"TBM", "Très bien maîtrisé"},
}

// pdfResult is the result of competency code (block "B<first digit>") at rank.
func pdfResult(code, label string, rank int) Result {
	block, blockLabel := "", ""
	if len(code) >= 2 && code[0] == 'C' && code[1] >= '1' && code[1] <= '9' {
		block = "B" + code[1:2]
		blockLabel = map[string]string{"B1": "Préparer une opération", "B2": "Réaliser une installation", "B3": "Livrer et mettre en service"}[block]
	}
	return Result{
		Competency: code, CompetencyLabel: label, Block: block, BlockLabel: blockLabel,
		Value: pdfScale[rank].value, ValueLabel: pdfScale[rank].label, Rank: rank, ScaleSize: len(pdfScale),
	}
}

// samplePassport is a realistic passport: two establishments, three evaluations with
// twelve results in the first, two situations with files in the second.
func samplePassport() *Passport {
	var desc strings.Builder
	for desc.Len() < 3000 {
		desc.WriteString("Pendant ma période en entreprise, j'ai préparé le chantier d'une maison individuelle : lecture des plans, choix du matériel, pose des gaines et du tableau électrique. ")
		if desc.Len()%4 == 0 {
			desc.WriteString("\n\n")
		}
	}
	return &Passport{
		SchemaVersion: SchemaVersion,
		GeneratedAt:   pdfGenerated,
		Student: Identity{
			Login: "lea.durand-oeuvray", LastName: "Dûrand-Œuvray", FirstNames: []string{"Léa", "Zoé"},
			BirthDate: "2009-03-01",
		},
		Records: []Record{
			{
				UAI: "0691234S", EstablishmentName: "Lycée professionnel Jean-Moulin", EleveID: "1234",
				Class: "1MELEC", MEF: "24720002310", MEFLabel: "1PRO MÉTIERS DE L'ÉLECTRICITÉ",
				EntryDate: "2024-09-02", ExitDate: "2025-07-04", Status: "deactivated", NouvelEleve: "0",
				Evaluations: []Evaluation{
					{ID: 11, Title: "Tableau de répartition", Date: "2024-11-14", Level: "BAC", Diploma: "MELEC",
						DiplomaLabel: "Bac pro Métiers de l'électricité", Author: "M. Éric Bénard",
						Results: []Result{
							pdfResult("C1.2", "Analyser les conditions de l'opération", 0),
							pdfResult("C2.1", "Organiser l'opération dans son contexte", 1),
							pdfResult("C10", "Communiquer avec le client", 1),
							pdfResult("C2.10", "Réaliser une installation de manière éco-responsable", 2),
						},
						Comment: "Bon début ; revoir le schéma unifilaire."},
					{ID: 12, Title: "Mise en service d'un éclairage", Date: "2025-02-03", Diploma: "MELEC",
						DiplomaLabel: "Bac pro Métiers de l'électricité", Author: "Mme Ngọc Trần",
						Results: []Result{
							pdfResult("C1.2", "Analyser les conditions de l'opération", 2),
							pdfResult("C3.1", "Contrôler les grandeurs caractéristiques", 1),
							pdfResult("C2.1", "Organiser l'opération dans son contexte", 3),
							pdfResult("X9", "Compétence hors bloc", 0),
						}},
					{ID: 13, Title: "Dépannage (PFMP)", Date: "2025-05-20", Diploma: "MELEC",
						DiplomaLabel: "Bac pro Métiers de l'électricité", Author: "M. Éric Bénard",
						Results: []Result{
							pdfResult("C1.2", "Analyser les conditions de l'opération", 3),
							pdfResult("C3.1", "Contrôler les grandeurs caractéristiques", 2),
							pdfResult("C10", "Communiquer avec le client", 3),
							pdfResult("C3.2", "Valider le fonctionnement de l'installation", 2),
						},
						Comment: "Très bonne autonomie en entreprise."},
				},
			},
			{
				UAI: "0380001Z", EstablishmentName: "Lycée des métiers Œuvre-Ré", EleveID: "987",
				Class: "TMELEC", MEF: "24720002311", MEFLabel: "TLE PRO MÉTIERS DE L'ÉLECTRICITÉ",
				EntryDate: "2025-09-01", Status: "active", NouvelEleve: "2025-09-03",
				Situations: []Situation{
					{ID: 1, Level: "BAC", Context: "PFMP", Period: "du 6 au 31 janvier 2025",
						Company: "Élec & Cie (Villeurbanne)", Title: "Rénovation d'une installation",
						Description: desc.String(),
						Competencies: []CompetencyRef{
							{Code: "C2.1", Label: "Organiser l'opération dans son contexte"},
							{Code: "C3.1", Label: "Contrôler les grandeurs caractéristiques"},
						},
						Evaluator: "M. Paul Martin, tuteur", Result: "Maîtrisé", Comment: "Élève sérieuse.",
						Author: "Léa Dûrand-Œuvray", UpdatedAt: time.Date(2025, 2, 1, 9, 0, 0, 0, time.UTC),
						Attachments: []Attachment{
							{ID: 1, Name: "rapport-pfmp.pdf", ContentType: "application/pdf", Size: 482_113},
							{ID: 2, Name: "photos chantier.zip", ContentType: "application/zip", Size: 12_400_000},
						}},
					{ID: 2, Level: "cap", Context: "Établissement", Title: "Câblage d'un coffret — Çağ 王 😀",
						Description: "Câblage sur platine.\nContrôle à l'ohmmètre.",
						Attachments: []Attachment{{ID: 3, Name: "schéma.pdf", ContentType: "application/pdf", Size: 850}}},
				},
			},
		},
	}
}

// bigPassport is one record with n evaluations, each with one result on one of
// nComp competencies, and a comment every tenth evaluation.
func bigPassport(n, nComp int) *Passport {
	p := samplePassport()
	p.Records = p.Records[:1]
	rec := &p.Records[0]
	rec.Evaluations = nil
	for i := range n {
		e := Evaluation{
			ID: int64(i + 1), Title: fmt.Sprintf("Évaluation n°%d", i+1),
			Date:    time.Date(2024, 9, 2, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly),
			Diploma: "MELEC", DiplomaLabel: "Bac pro Métiers de l'électricité", Author: "M. Éric Bénard",
			Results: []Result{pdfResult(fmt.Sprintf("C%d.%d", 1+i%3, i%nComp), fmt.Sprintf("Compétence numéro %d du référentiel, dont le libellé est assez long pour tenir sur deux lignes", i%nComp), i%4)},
		}
		if i%10 == 0 {
			e.Comment = strings.Repeat("Commentaire détaillé de l'enseignant. ", 8)
		}
		rec.Evaluations = append(rec.Evaluations, e)
	}
	return p
}

func renderPDF(t testing.TB, p *Passport, o PDFOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WritePDF(&buf, p, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func renderRaw(t testing.TB, p *Passport, o PDFOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := writePDF(&buf, p, o, false); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// pageCount counts the page objects ("/Type /Pages" is the page tree).
func pageCount(pdf []byte) int { return bytes.Count(pdf, []byte("/Type /Page\n")) }

// cp1252 is s as it appears in the page content.
func cp1252(s string) string {
	return fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("")(pdfdoc.CoreFontText(s, false))
}

func TestWritePDFRealisticPassport(t *testing.T) {
	pdf := renderPDF(t, samplePassport(), PDFOptions{})
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("starts with %q", pdf[:8])
	}
	if !bytes.HasSuffix(bytes.TrimSpace(pdf), []byte("%%EOF")) {
		t.Fatal("does not end with the end-of-file marker")
	}
	n := pageCount(pdf)
	if n < 2 {
		t.Fatalf("%d pages, want at least 2", n)
	}
	if bytes.Contains(pdf, []byte("Situations professionnelles")) {
		t.Fatal("page content is not compressed")
	}
	text := pdftest.Text(pdf)
	for _, want := range []string{
		cp1252("Passeport — Léa Dûrand-Œuvray"),
		fmt.Sprintf("page 1/%d ", n), fmt.Sprintf("page %d/%d ", n, n),
		cp1252("Évaluations par compétence"),
		"Situations professionnelles",
		"rapport-pfmp.pdf",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	if !strings.Contains(text, "/CreationDate (D:20261123130500)") || !strings.Contains(text, "/ModDate (D:20261123130500)") {
		t.Error("document dates are not the generation date (UTC)")
	}
	t.Logf("%d pages, %d bytes", n, len(pdf))
}

// The text of the page content, uncompressed, holds every fact of the passport in
// cp1252, as the core fonts print it.
func TestWritePDFText(t *testing.T) {
	raw := renderRaw(t, samplePassport(), PDFOptions{})
	n := pageCount([]byte(raw))
	for _, want := range []string{
		// Page header and footer, on every page.
		"Passeport \x97 L\xe9a D\xfbrand-\x8cuvray",
		fmt.Sprintf("page 1/%d \x97 g\xe9n\xe9r\xe9 le 23\xa0novembre 2026", n),
		// Identity.
		"Identit\xe9", "D\xfbrand-\x8cuvray", "L\xe9a, Zo\xe9", "1er\xa0mars 2009", "lea.durand-oeuvray",
		// First record.
		"Lyc\xe9e professionnel Jean-Moulin \\(0691234S\\)",
		"1PRO M\xc9TIERS DE L'\xc9LECTRICIT\xc9 \\(24720002310\\)",
		"2\xa0septembre 2024", "4\xa0juillet 2025", "termin\xe9e",
		"\xc9valuations par comp\xe9tence",
		"Dipl\xf4me\xa0: Bac pro M\xe9tiers de l'\xe9lectricit\xe9 \\(MELEC\\)",
		"Derni\xe8re valeur", "Nb \xe9val.",
		"B1 \x97 Pr\xe9parer une op\xe9ration", "Autres comp\xe9tences",
		// C1.2: latest value of three, on 20/05/2025.
		"(C1.2)", "(Tr\xe8s bien ma\xeetris\xe9)", "(20/05/2025)",
		"Tableau de r\xe9partition \\(BAC\\)", "M. \xc9ric B\xe9nard",
		"Mme Ngoc Tr\xe2n", // ọ and ầ lose the accents cp1252 lacks, not the one it has
		"Commentaire\xa0: Bon d\xe9but ; revoir le sch\xe9ma unifilaire.",
		// Second record and its situations.
		"Lyc\xe9e des m\xe9tiers \x8cuvre-R\xe9", "en cours",
		"Situations professionnelles",
		"Situation 1 \x97 R\xe9novation d'une installation",
		"(PFMP)", "du 6 au 31 janvier 2025", "\xc9lec & Cie \\(Villeurbanne\\)",
		"C2.1 \x97 Organiser l'op\xe9ration dans son contexte",
		"M. Paul Martin, tuteur", "(Ma\xeetris\xe9)", "\xc9l\xe8ve s\xe9rieuse.",
		"1er\xa0f\xe9vrier 2025",
		"rapport-pfmp.pdf \\(482\xa0ko\\)", "photos chantier.zip \\(12\xa0Mo\\)", "sch\xe9ma.pdf \\(850\xa0o\\)",
		"C\xe2blage d'un coffret \x97 \xc7ag ? ?",
		"C\xe2blage sur platine.", "Contr\xf4le \xe0 l'ohmm\xe8tre.",
		// A stored level is printed in words.
		"Niveau CAP",
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	if got := strings.Count(raw, "Passeport \x97 L\xe9a"); got != n {
		t.Errorf("page header printed %d times on %d pages", got, n)
	}
	// The outline (side panel of readers) keeps the characters cp1252 lacks.
	var title []byte
	for _, u := range utf16.Encode([]rune("Situation 2 — Câblage d'un coffret — Çağ 王 😀")) {
		title = append(title, byte(u>>8), byte(u))
	}
	if !strings.Contains(raw, "/Outlines") || !strings.Contains(raw, "/Title (\xfe\xff"+string(title)+")") {
		t.Error("the outline lacks the situation's title in UTF-16")
	}
}

// Every line of text lies between the page header and the footer, except theirs: rows
// and long texts break across pages instead of running over the footer.
func TestWritePDFStaysInsideMargins(t *testing.T) {
	td := regexp.MustCompile(`BT ([\d.-]+) ([\d.-]+) Td \(((?:[^\\)]|\\.)*)\)Tj ET`)
	const k = 72 / 25.4
	for name, p := range map[string]*Passport{
		"sample": samplePassport(),
		"big":    bigPassport(200, 120),
		"odd":    oddPassport(),
	} {
		t.Run(name, func(t *testing.T) {
			raw := renderRaw(t, p, PDFOptions{})
			lines := td.FindAllStringSubmatch(raw, -1)
			if len(lines) < 50 {
				t.Fatalf("only %d lines of text found", len(lines))
			}
			for _, l := range lines {
				y, _ := strconv.ParseFloat(l[2], 64)
				top := pdfPageH - y/k // baseline, mm from the top of the page
				switch {
				case strings.HasPrefix(l[3], "Passeport "):
					if top > pdfTop-5 {
						t.Errorf("page header at %.1f mm", top)
					}
				case strings.HasPrefix(l[3], "page "):
					if top < pdfBottom+2 {
						t.Errorf("footer at %.1f mm", top)
					}
				case top < pdfTop || top > pdfBottom:
					t.Errorf("%q at %.1f mm, outside %.0f–%.0f mm", l[3], top, pdfTop, pdfBottom)
				}
			}
		})
	}
}

func TestPageCountGrowsWithContent(t *testing.T) {
	empty := samplePassport()
	empty.Records = nil
	last := 0
	for _, tc := range []struct {
		name     string
		p        *Passport
		minPages int
	}{
		{"empty", empty, 1},
		{"sample", samplePassport(), 2},
		{"50 evaluations", bigPassport(50, 20), 3},
		{"200 evaluations", bigPassport(200, 120), 8},
	} {
		n := pageCount(renderPDF(t, tc.p, PDFOptions{}))
		t.Logf("%s: %d pages", tc.name, n)
		if n < tc.minPages || n <= last {
			t.Errorf("%s: %d pages, want at least %d and more than the previous case (%d)", tc.name, n, tc.minPages, last)
		}
		last = n
	}
}

// A table that runs over several pages repeats its caption and header on each.
func TestLongTablesRepeatTheirHeader(t *testing.T) {
	raw := renderRaw(t, bigPassport(200, 120), PDFOptions{})
	n := pageCount([]byte(raw))
	// Competency table (120 rows), then the list of 200 evaluations.
	competencyHeads := strings.Count(raw, "(Derni\xe8re valeur)")
	listHeads := strings.Count(raw, "(Auteur)")
	continued := strings.Count(raw, "\\(suite\\)")
	t.Logf("%d pages, competency table header ×%d, evaluation list header ×%d, continued ×%d", n, competencyHeads, listHeads, continued)
	if competencyHeads < 2 || listHeads < 2 {
		t.Fatalf("headers not repeated: ×%d and ×%d on %d pages", competencyHeads, listHeads, n)
	}
	if continued != competencyHeads+listHeads-2 {
		t.Errorf("%d continuation captions for %d repeated headers", continued, competencyHeads+listHeads-2)
	}
	if competencyHeads+listHeads > n+1 {
		t.Errorf("%d table headers on %d pages: some page has a header twice", competencyHeads+listHeads, n)
	}
}

func TestWritePDFIsDeterministic(t *testing.T) {
	for _, o := range []PDFOptions{{}, {Lang: "en"}} {
		// Several times: fpdf keeps resources in maps, and the aggregation uses maps
		// too, whose order changes from run to run.
		a := renderPDF(t, samplePassport(), o)
		for range 5 {
			if !bytes.Equal(a, renderPDF(t, samplePassport(), o)) {
				t.Fatal("two renderings of the same passport differ")
			}
		}
		p := samplePassport()
		p.GeneratedAt = p.GeneratedAt.Add(time.Minute)
		if bytes.Equal(a, renderPDF(t, p, o)) {
			t.Fatal("the generation date does not show in the output")
		}
	}
	// The passport's order of evaluations with the same date and id does not matter
	// for the table; shuffled evaluations give the same table.
	p := samplePassport()
	slices.Reverse(p.Records[0].Evaluations)
	if !bytes.Equal(renderPDF(t, samplePassport(), PDFOptions{}), renderPDF(t, p, PDFOptions{})) {
		t.Error("the order of the evaluations in the passport changes the document")
	}
}

func TestWritePDFLanguages(t *testing.T) {
	for _, tc := range []struct {
		lang      string
		want, not []string
	}{
		{"", []string{"\xc9valuations par comp\xe9tence", "g\xe9n\xe9r\xe9 le 23\xa0novembre 2026", "Passeport \x97"}, []string{"Evaluations by competency"}},
		{"fr-FR", []string{"Situations professionnelles", "Identit\xe9"}, []string{"Identity"}},
		{"de", []string{"Situations professionnelles"}, []string{"Professional situations"}},
		{"en", []string{
			"Passport \x97 L\xe9a D\xfbrand-\x8cuvray", "Identity", "Date of birth", "1 March 2009",
			"Evaluations by competency", "Latest value", "Professional situations",
			"generated on 23 November 2026", "(20 May 2025)", "Attached files", "ended", "current",
			"rapport-pfmp.pdf \\(482\xa0kB\\)", "CAP level",
		}, []string{"\xc9valuations", "Identit\xe9", "g\xe9n\xe9r\xe9", "novembre"}},
		{"en-GB", []string{"Professional situations"}, []string{"Situations professionnelles"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			raw := renderRaw(t, samplePassport(), PDFOptions{Lang: tc.lang})
			for _, w := range tc.want {
				if !strings.Contains(raw, w) {
					t.Errorf("Lang %q: document lacks %q", tc.lang, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(raw, n) {
					t.Errorf("Lang %q: document has %q", tc.lang, n)
				}
			}
		})
	}
}

func TestWritePDFEmptyPassport(t *testing.T) {
	for _, tc := range []struct {
		lang, want string
	}{
		{"fr", "Aucune scolarit\xe9 n\x92est encore enregistr\xe9e pour vous"},
		{"en", "cartable holds no schooling for you yet"},
	} {
		p := &Passport{SchemaVersion: SchemaVersion, GeneratedAt: pdfGenerated,
			Student: Identity{Login: "noe.petit", LastName: "PETIT", FirstNames: []string{"Noé"}}}
		pdf := renderPDF(t, p, PDFOptions{Lang: tc.lang})
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || pageCount(pdf) != 1 {
			t.Fatalf("%s: %d pages, want a one-page PDF", tc.lang, pageCount(pdf))
		}
		raw := renderRaw(t, p, PDFOptions{Lang: tc.lang})
		for _, w := range []string{tc.want, "No\xe9 PETIT", "page 1/1 ", "noe.petit"} {
			if !strings.Contains(raw, w) {
				t.Errorf("%s: document lacks %q", tc.lang, w)
			}
		}
	}
	// No name at all: the login names the passport.
	p := &Passport{GeneratedAt: pdfGenerated, Student: Identity{Login: "x.y"}}
	if raw := renderRaw(t, p, PDFOptions{}); !strings.Contains(raw, "Passeport \x97 x.y") {
		t.Error("the login does not stand in for a missing name")
	}
}

// oddPassport has records with nothing in them, evaluations without results or
// diploma, values off their scale, cells far too long for a row, a comment of several
// pages and text no font has.
func oddPassport() *Passport {
	p := samplePassport()
	p.Student.LastName = strings.Repeat("Ŵĳ王😀\u200b\u202e", 40)
	p.Student.FirstNames = nil
	p.Records = append(p.Records, Record{EstablishmentName: "Vide", Status: "unknown-status"})
	rec := &p.Records[0]
	rec.Evaluations = append(rec.Evaluations,
		Evaluation{ID: 99, Title: "Sans résultat", Date: "not a date"},
		Evaluation{ID: 100, Title: strings.Repeat("W", 2000), Date: "2025-06-01", Diploma: "AUTRE",
			Author:  strings.Repeat("Auteur très long ", 100),
			Results: []Result{{Competency: strings.Repeat("C", 200), CompetencyLabel: strings.Repeat("x", 5000), Value: "?", Rank: 7, ScaleSize: 4}},
			Comment: "{nb} " + strings.Repeat("Long commentaire sans fin. ", 400)},
		Evaluation{ID: 101, Title: "Rang négatif", Date: "2025-06-02", Diploma: "AUTRE",
			Results: []Result{{Competency: "Z1", Value: "abs", Rank: -1, ScaleSize: 0}}},
	)
	rec.Situations = []Situation{{Description: "début" + strings.Repeat("\r\n \t", 300) + "\nfin\u2028ligne\ttab"}}
	return p
}

// Odd input still makes a document.
func TestWritePDFOddInput(t *testing.T) {
	p := oddPassport()
	raw := renderRaw(t, p, PDFOptions{})
	for _, want := range []string{
		"Rang n\xe9gatif", "(not a date)", "(unknown-status)", "Dipl\xf4me\xa0: non pr\xe9cis\xe9", "Dipl\xf4me\xa0: AUTRE",
		"Wij??Wij??",                               // Ŵ → W, ĳ → ij, 王 and 😀 → ?, invisible characters dropped
		"(d\xe9but)Tj", "(fin)Tj", "(ligne tab)Tj", // 300 empty lines print as one
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	// A student's "{nb}" is text, not the page count.
	if !strings.Contains(raw, "{nb} Long commentaire") || strings.Contains(raw, "\x1fnb") {
		t.Error("the page-count alias replaced text, or leaked")
	}
	if pdf := renderPDF(t, p, PDFOptions{}); pageCount(pdf) < 3 || pageCount(pdf) > 6 {
		t.Errorf("%d pages, want 3 to 6", pageCount(pdf))
	}
	// The page header is cut to the width of the page.
	_, header, _ := strings.Cut(raw, "(Passeport \x97 ")
	header, _, _ = strings.Cut(header, ")Tj")
	if !strings.HasSuffix(header, "Wij?\x85") {
		t.Fatalf("page header %q, want it shortened with an ellipsis", header)
	}
}

func TestWritePDFErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := WritePDF(&buf, nil, PDFOptions{}); err == nil {
		t.Error("no error for a nil passport")
	}
	p := samplePassport()
	p.GeneratedAt = time.Time{}
	if err := WritePDF(&buf, p, PDFOptions{}); err == nil || !strings.Contains(err.Error(), "GeneratedAt") {
		t.Errorf("err = %v, want GeneratedAt required", err)
	}
	if buf.Len() != 0 {
		t.Error("output written despite the error")
	}
	errFull := errors.New("disk full")
	if err := WritePDF(failingWriter{errFull}, samplePassport(), PDFOptions{}); !errors.Is(err, errFull) {
		t.Errorf("err = %v, want the writer's error", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestGroupByDiploma(t *testing.T) {
	groups := groupByDiploma(samplePassport().Records[0].Evaluations)
	if len(groups) != 1 || groups[0].code != "MELEC" || len(groups[0].evaluations) != 3 {
		t.Fatalf("groups = %+v", groups)
	}
	type row struct {
		block, code, value, date string
		count                    int
	}
	var got []row
	for _, b := range groups[0].blocks {
		for _, c := range b.competencies {
			got = append(got, row{b.code, c.code, c.latest.Value, c.latestDate, c.count})
		}
	}
	want := []row{
		{"B1", "C1.2", "TBM", "2025-05-20", 3},
		{"B1", "C10", "TBM", "2025-05-20", 2}, // C10 is in block B1 (first digit), after C1.2
		{"B2", "C2.1", "TBM", "2025-02-03", 2},
		{"B2", "C2.10", "M", "2024-11-14", 1},
		{"B3", "C3.1", "M", "2025-05-20", 2},
		{"B3", "C3.2", "M", "2025-05-20", 1},
		{"", "X9", "NM", "2025-02-03", 1}, // no block: last
	}
	if !slices.Equal(got, want) {
		t.Errorf("table\n got %v\nwant %v", got, want)
	}
	if groups[0].blocks[0].label != "Préparer une opération" {
		t.Errorf("block label %q", groups[0].blocks[0].label)
	}

	// Same date: the higher id is the later evaluation; a competency evaluated twice
	// in one evaluation counts once; diplomas in natural order, none last.
	evals := []Evaluation{
		{ID: 2, Date: "2025-01-01", Diploma: "D10", Results: []Result{{Competency: "A", Value: "second"}}},
		{ID: 1, Date: "2025-01-01", Diploma: "D10", Results: []Result{{Competency: "A", Value: "first"}, {Competency: "A", Value: "first-again"}}},
		{ID: 3, Date: "2024-01-01", Diploma: "", Results: nil},
		{ID: 4, Date: "2024-01-01", Diploma: "D9"},
	}
	groups = groupByDiploma(evals)
	var codes []string
	for _, g := range groups {
		codes = append(codes, g.code)
	}
	if !slices.Equal(codes, []string{"D9", "D10", ""}) {
		t.Errorf("diplomas %q", codes)
	}
	a := groups[1].blocks[0].competencies[0]
	if a.latest.Value != "second" || a.count != 2 {
		t.Errorf("A: latest %q, count %d; want second, 2", a.latest.Value, a.count)
	}
}

func TestNaturalCompare(t *testing.T) {
	sorted := []string{"", "B1", "B2", "B10", "C1", "C1.2", "C1.10", "C01.11", "C2", "C10", "C10a", "Ca", "c1"}
	for i := range sorted {
		for j := range sorted {
			if got, want := naturalCompare(sorted[i], sorted[j]), cmpInt(i, j); got != want {
				t.Errorf("naturalCompare(%q, %q) = %d, want %d", sorted[i], sorted[j], got, want)
			}
		}
	}
	// Equal as numbers, still ordered: "C01" and "C1" are two codes.
	if naturalCompare("C01", "C1") == 0 || naturalCompare("C01", "C1") != -naturalCompare("C1", "C01") {
		t.Error("C01 and C1 have no order")
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestDatesAndSizes(t *testing.T) {
	const fr, en = "fr", "en"
	for _, tc := range []struct {
		lang string
		date string
		long bool
		want string
	}{
		{fr, "2026-11-23", true, "23\u00a0novembre 2026"},
		{fr, "2026-12-01", true, "1er\u00a0décembre 2026"},
		{fr, "2026-08-15", false, "15/08/2026"},
		{fr, "2026-08-15T10:00:00Z", false, "15/08/2026"},
		{en, "2026-12-01", true, "1 December 2026"},
		{en, "2026-08-15", false, "15 Aug 2026"},
		{fr, "", true, ""},
		{fr, "septembre", true, "septembre"},
		{fr, "2026-13-45", false, "2026-13-45"},
	} {
		if got := civilDate(tc.lang, tc.date, tc.long); got != tc.want {
			t.Errorf("%s civilDate(%q, %v) = %q, want %q", tc.lang, tc.date, tc.long, got, tc.want)
		}
	}
	for _, tc := range []struct {
		lang string
		n    int64
		want string
	}{
		{fr, 0, "0\u00a0o"}, {fr, 999, "999\u00a0o"}, {fr, 1000, "1,0\u00a0ko"}, {fr, 482_113, "482\u00a0ko"},
		{fr, 3_400_000, "3,4\u00a0Mo"}, {en, 3_400_000, "3.4\u00a0MB"}, {en, 9_999_999_999_999, "10000\u00a0GB"},
	} {
		if got := size(tc.lang, tc.n); got != tc.want {
			t.Errorf("%s size(%d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	// The generation date is a day in Paris: 23:30 UTC on 30 June is 1 July there.
	p := &Passport{GeneratedAt: time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC), Student: Identity{Login: "a"}}
	if raw := renderRaw(t, p, PDFOptions{}); !strings.Contains(raw, "g\xe9n\xe9r\xe9 le 1er\xa0juillet 2026") {
		t.Error("the generation date is not the day in Paris")
	}
}

// BenchmarkWritePDF renders the PDF of a typical passport: two establishments, a
// dozen results, two situations with their files.
func BenchmarkWritePDF(b *testing.B) {
	for _, bc := range []struct {
		name string
		p    *Passport
	}{
		{"typical", samplePassport()},
		{"200-evaluations", bigPassport(200, 120)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var size, pages int
			b.ReportAllocs()
			for b.Loop() {
				var buf bytes.Buffer
				if err := WritePDF(&buf, bc.p, PDFOptions{}); err != nil {
					b.Fatal(err)
				}
				size = buf.Len()
				pages = pageCount(buf.Bytes())
			}
			b.ReportMetric(float64(size), "pdf-bytes")
			b.ReportMetric(float64(pages), "pages")
		})
	}
}
