package graduation_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/graduation"
)

// TestMatrixSpreadsheet: the export (XLSX coloured by state with its words, CSV) is the
// import template; a filled one gives a dry-run diff, errors by row and column (nothing
// written), then is applied in one go; a re-run changes nothing. The PDFs render.
func TestMatrixSpreadsheet(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 3)
		g := s.App.Graduation
		for _, r := range []graduation.Rule{
			{Code: "TOEIC", Label: "TOEIC", Category: "language", Mandatory: true, Deadline: "2027-06-01", ExemptionAllowed: true, Position: 1},
			{Code: "STAGE", Label: "Stage", Category: "internship", Mandatory: true, Deadline: "2027-06-01", Position: 2},
		} {
			if _, err := g.SaveRule(ctx, f.office, uai, f.cohort.ID, r); err != nil {
				t.Fatal(err)
			}
		}
		m, reasons, err := g.ExportMatrix(ctx, f.office, uai, f.cohort.ID)
		if err != nil {
			t.Fatal(err)
		}
		var xbuf, cbuf bytes.Buffer
		if err := graduation.WriteMatrixXLSX(&xbuf, m, reasons, "fr"); err != nil {
			t.Fatal(err)
		}
		if err := graduation.WriteMatrixCSV(&cbuf, m, reasons, "fr"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(cbuf.String(), "TOEIC;STAGE") || !strings.Contains(cbuf.String(), "à fournir") {
			t.Fatalf("csv:\n%s", cbuf.String())
		}
		x, err := excelize.OpenReader(bytes.NewReader(xbuf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		sheet := x.GetSheetList()[0]
		if v, _ := x.GetCellValue(sheet, "E2"); v != "à fournir" {
			t.Fatalf("E2 = %q", v)
		}
		style, _ := x.GetCellStyle(sheet, "E2")
		if st, err := x.GetStyle(style); err != nil || len(st.Fill.Color) == 0 || st.Fill.Color[0] != "FFFFFF" {
			t.Fatalf("E2 style %+v %v", st, err)
		}
		// Fill: row 2 TOEIC validated, row 3 STAGE exempted (not allowed), TOEIC refused
		// without a reason; a bad state; an unknown student.
		number, _ := x.GetCellValue(sheet, "A2")
		x.SetCellValue(sheet, "E2", "Validé")
		x.SetCellValue(sheet, "F3", "dispensé : apprenti")
		x.SetCellValue(sheet, "E3", "refusé")
		x.SetCellValue(sheet, "E4", "peut-être")
		x.SetCellValue(sheet, "A5", "INCONNU")
		x.SetCellValue(sheet, "E5", "validé")
		var filled bytes.Buffer
		if err := x.Write(&filled); err != nil {
			t.Fatal(err)
		}
		rep, err := g.ImportMatrix(ctx, f.office, uai, f.cohort.ID, bytes.NewReader(filled.Bytes()), int64(filled.Len()), false)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, e := range rep.Errors {
			got[e.Column+itoa(e.Row)] = e.Key
		}
		want := map[string]string{"F3": "graduation.sheet.exemption", "E3": "graduation.sheet.reason", "E4": "graduation.sheet.unknown_state", "A5": "graduation.sheet.unknown_student"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("error at %s: %q, want %q (all: %+v)", k, got[k], v, rep.Errors)
			}
		}
		if cl, _ := g.Checklist(ctx, f.office, uai, f.students[0]); cl.Items[0].State != graduation.ToProvide && cl.Items[1].State != graduation.ToProvide {
			t.Fatal("an import with errors wrote")
		}
		// Corrected: dry run first, then applied; a re-run changes nothing.
		x.SetCellValue(sheet, "F3", "non concerné : apprenti")
		x.SetCellValue(sheet, "E3", "refusé : score 700")
		x.SetCellValue(sheet, "E4", "")
		x.RemoveRow(sheet, 5)
		filled.Reset()
		x.Write(&filled)
		data := filled.Bytes()
		rep, err = g.ImportMatrix(ctx, f.office, uai, f.cohort.ID, bytes.NewReader(data), int64(len(data)), true)
		if err != nil || len(rep.Errors) != 0 || len(rep.Changes) != 3 {
			t.Fatalf("dry run: %+v %v", rep, err)
		}
		if rep.Changes[0].Number != number || rep.Changes[0].To != graduation.Validated {
			t.Fatalf("diff: %+v", rep.Changes)
		}
		if rep, err = g.ImportMatrix(ctx, f.office, uai, f.cohort.ID, bytes.NewReader(data), int64(len(data)), false); err != nil || len(rep.Changes) != 3 {
			t.Fatalf("apply: %+v %v", rep, err)
		}
		if n := f.notes.keys()["graduation.notice.refused"]; n != 1 {
			t.Fatalf("refusal notices: %d", n)
		}
		if rep, err = g.ImportMatrix(ctx, f.office, uai, f.cohort.ID, bytes.NewReader(data), int64(len(data)), false); err != nil || len(rep.Changes) != 0 {
			t.Fatalf("re-run: %+v %v", rep, err)
		}
		// The jury may not import.
		if _, err := g.ImportMatrix(ctx, f.jury, uai, f.cohort.ID, bytes.NewReader(data), int64(len(data)), true); err == nil {
			t.Fatal("jury imported")
		}
		// PDFs.
		var pdf bytes.Buffer
		if err := g.PreJuryPDF(ctx, f.director, uai, f.cohort.ID, &pdf, "fr"); err != nil || !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) {
			t.Fatalf("pre-jury: %v", err)
		}
		pdf.Reset()
		if err := g.StatementPDF(ctx, f.studentP(0), uai, f.students[0], &pdf, "en"); err != nil || !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) {
			t.Fatalf("statement: %v", err)
		}
		if err := g.StatementPDF(ctx, f.studentP(0), uai, f.students[1], &pdf, "en"); err == nil {
			t.Fatal("a student printed another's statement")
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
