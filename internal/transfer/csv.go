package transfer

import (
	"encoding/csv"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/competency"
)

// WriteCSV writes one list of the dashboard (done, pending, impossible or requests) as
// CSV for a spreadsheet: semicolons, UTF-8 with a byte order mark so the accents
// display. Reasons are the words the caller filled in, if any, and their codes.
func (d Dashboard) WriteCSV(w io.Writer, list string) error {
	var rows [][]string
	switch list {
	case "done":
		rows = append(rows, []string{"date", "sens", "type", "student_id", "nom", "prenom", "autre_uai", "autre_etablissement", "evaluations", "resultats",
			"commentaires", "situations", "fichiers", "raison", "correspondance", "confirme_par", "confirme_le"})
		for _, x := range d.Done {
			confirmed := ""
			if x.ConfirmedAt != nil {
				confirmed = x.ConfirmedAt.UTC().Format(time.RFC3339)
			}
			rows = append(rows, []string{x.Date, x.Direction, x.Kind, strconv.FormatInt(x.StudentID, 10), x.LastName, x.FirstName, x.OtherUAI, x.OtherName,
				strconv.Itoa(x.Evaluations), strconv.Itoa(x.Results), strconv.Itoa(x.Comments), strconv.Itoa(x.Situations), strconv.Itoa(x.Files), x.Reason,
				strings.Join(x.Matched, "+"), x.ConfirmedBy, confirmed})
		}
	case "pending", "impossible":
		rows = append(rows, []string{"student_id", "nom", "prenom", "classe", "date_entree", "ancien_rne", "autre_uai", "etat", "raison", "codes_raison"})
		src := d.Pending
		if list == "impossible" {
			src = d.Impossible
		}
		for _, x := range src {
			rows = append(rows, []string{strconv.FormatInt(x.StudentID, 10), x.LastName, x.FirstName, x.Class, x.EntryDate, x.PreviousUAI, x.OtherUAI, x.State,
				x.Reason, codesText(x.ReasonCodes, x.ReasonParams)})
		}
	case "requests":
		rows = append(rows, []string{"etat", "depuis", "student_id", "nom", "prenom", "nouveau_student_id", "nouveau_nom", "nouveau_prenom",
			"ancien_rne_declare", "autre_uai", "autre_etablissement", "raison", "codes_raison"})
		for _, x := range d.Requests {
			rows = append(rows, []string{x.State, calendar.Date(x.Since), strconv.FormatInt(x.StudentID, 10), x.LastName, x.FirstName,
				strconv.FormatInt(x.CandidateID, 10), x.CandidateLastName, x.CandidateFirstName, x.CandidatePreviousUAI, x.OtherUAI, x.OtherName,
				x.Reason, codesText(x.ReasonCodes, x.ReasonParams)})
		}
	default:
		return apperr.Invalid("invalid_list", "list: done, pending, impossible or requests")
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

// codesText writes reason codes and their parameters for a spreadsheet:
// "previous_uai_other+names_differ previous_uai=0442953W".
func codesText(codes []string, params map[string]string) string {
	out := strings.Join(codes, "+")
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out += " " + k + "=" + params[k]
	}
	return out
}
