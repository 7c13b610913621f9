package transfer

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/competency"
)

// WriteCSV writes one list of the dashboard (done, pending or impossible) as CSV for a
// spreadsheet: semicolons, UTF-8 with a byte order mark so the accents display.
func (d Dashboard) WriteCSV(w io.Writer, list string) error {
	var rows [][]string
	switch list {
	case "done":
		rows = append(rows, []string{"date", "sens", "type", "student_id", "nom", "prenom", "autre_uai", "autre_etablissement", "evaluations", "resultats",
			"commentaires", "situations", "fichiers", "raison"})
		for _, x := range d.Done {
			rows = append(rows, []string{x.Date, x.Direction, x.Kind, strconv.FormatInt(x.StudentID, 10), x.LastName, x.FirstName, x.OtherUAI, x.OtherName,
				strconv.Itoa(x.Evaluations), strconv.Itoa(x.Results), strconv.Itoa(x.Comments), strconv.Itoa(x.Situations), strconv.Itoa(x.Files), x.Reason})
		}
	case "pending", "impossible":
		rows = append(rows, []string{"student_id", "nom", "prenom", "classe", "date_entree", "ancien_rne", "autre_uai", "etat", "raison"})
		src := d.Pending
		if list == "impossible" {
			src = d.Impossible
		}
		for _, x := range src {
			rows = append(rows, []string{strconv.FormatInt(x.StudentID, 10), x.LastName, x.FirstName, x.Class, x.EntryDate, x.PreviousUAI, x.OtherUAI, x.State, x.Reason})
		}
	default:
		return apperr.Invalid("invalid_list", "list: done, pending or impossible")
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	for _, row := range rows {
		for i, c := range row {
			row[i] = competency.SpreadsheetCell(c) // names come from files: no formula may run
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}
