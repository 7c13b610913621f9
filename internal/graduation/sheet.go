package graduation

import (
	"context"
	"database/sql"
	"encoding/csv"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/student"
)

// The spreadsheet of the cohort matrix (docs/graduation.md): one row per student, the
// columns "N° étudiant", "Nom", "Prénom", "Bilan", then one column per rule, headed by
// its code; a cell is a state in words ("validé", "refusé : motif", "dispensé : motif",
// "non concerné : motif", "à fournir"…), French or English, or its code.

// stateFills are the cell colours of the states (the words say the same: colour is
// never the only carrier).
var stateFills = map[State]string{
	ToProvide: "FFFFFF", Submitted: "FFF2CC", Validated: "C6EFCE", Refused: "FFC7CE",
	Expired: "F4B183", Exempted: "DDEBF7", NotConcerned: "E7E6E6",
}

// sheetBatch is how many rows a statement of the matrix import writes.
const sheetBatch = 250

// reasoned are the states a reason goes with.
var reasoned = map[State]bool{Refused: true, Exempted: true, NotConcerned: true}

// stateWord is the state in the reader's language, lower-case as a cell writes it.
func stateWord(lang string, s State) string {
	return strings.ToLower(i18n.T(lang, "graduation.state."+string(s)))
}

func cellText(lang string, c Cell, reason string) string {
	w := stateWord(lang, c.State)
	if reason != "" {
		w += " : " + reason
	}
	return w
}

func sheetHeader(lang string, m Matrix) []string {
	h := []string{i18n.T(lang, "field.student_number"), i18n.T(lang, "field.last_name"), i18n.T(lang, "field.first_name"), i18n.T(lang, "graduation.summary")}
	for _, r := range m.Rules {
		h = append(h, r.Code)
	}
	return h
}

// WriteMatrixXLSX writes the matrix as a workbook, each cell coloured by its state and
// holding its state in words (and the reason); the summary column in words too.
func WriteMatrixXLSX(w io.Writer, m Matrix, reasons map[int64]string, lang string) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Pass'Diplôme"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	styles := map[State]int{}
	for st, color := range stateFills {
		id, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}},
			Border: []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
				{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}}})
		if err != nil {
			return err
		}
		styles[st] = id
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	head := sheetHeader(lang, m)
	row := make([]any, len(head))
	for i, h := range head {
		row[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", row); err != nil {
		return err
	}
	for i, r := range m.Rows {
		row := []any{r.Number, r.LastName, r.FirstName, i18n.T(lang, "graduation.status."+string(r.Summary.Status))}
		for _, c := range r.Cells {
			row = append(row, excelize.Cell{StyleID: styles[c.State], Value: cellText(lang, c, reasons[c.ItemID])})
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// WriteMatrixCSV writes the matrix as CSV (semicolons, UTF-8 with a byte order mark, as
// French spreadsheets open it).
func WriteMatrixCSV(w io.Writer, m Matrix, reasons map[int64]string, lang string) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if err := cw.Write(sheetHeader(lang, m)); err != nil {
		return err
	}
	for _, r := range m.Rows {
		rec := []string{r.Number, r.LastName, r.FirstName, i18n.T(lang, "graduation.status."+string(r.Summary.Status))}
		for _, c := range r.Cells {
			rec = append(rec, cellText(lang, c, reasons[c.ItemID]))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Reasons returns the reasons of the items of a cohort, by item id (for the exports).
func (s *Service) Reasons(ctx context.Context, establishmentID, cohortID int64) (map[int64]string, error) {
	out := map[int64]string{}
	rows, err := s.db.Query(ctx, `SELECT i.id, i.reason`+itemFrom+` WHERE i.establishment_id = $1 AND r.cohort_id = $2 AND i.reason <> ''`, establishmentID, cohortID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r string
		if err := rows.Scan(&id, &r); err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, rows.Err()
}

// ExportMatrix returns the matrix with its reasons, for a download (staff; audited by
// Matrix).
func (s *Service) ExportMatrix(ctx context.Context, p *authz.Principal, uai string, cohortID int64) (Matrix, map[int64]string, error) {
	m, err := s.Matrix(ctx, p, uai, cohortID, FilterAll)
	if err != nil {
		return m, nil, err
	}
	reasons, err := s.Reasons(ctx, m.Cohort.EstablishmentID, cohortID)
	return m, reasons, err
}

// parseState reads a cell: a state in French or English words or its code, then an
// optional reason after ":".
func parseState(cell string) (State, string, bool) {
	word, reason, _ := strings.Cut(cell, ":")
	word = strings.ToLower(strings.TrimSpace(word))
	reason = strings.TrimSpace(reason)
	for _, st := range States {
		if word == string(st) || word == stateWord("fr", st) || word == stateWord("en", st) {
			return st, reason, true
		}
	}
	return "", "", false
}

// SheetChange is one item the import changes.
type SheetChange struct {
	Row    int    `json:"row"`
	Number string `json:"student_number"`
	Rule   string `json:"rule"`
	From   State  `json:"from"`
	To     State  `json:"to"`
	Reason string `json:"reason,omitempty"`
}

// SheetError is a cell the import refuses: its row, its column (letter and header).
type SheetError struct {
	Row    int               `json:"row"`
	Column string            `json:"column"`
	Header string            `json:"header"`
	Key    string            `json:"key"`
	Params map[string]string `json:"params,omitempty"`
}

// SheetReport is what a matrix import did or would do.
type SheetReport struct {
	DryRun  bool          `json:"dry_run"`
	Rows    int           `json:"rows"`
	Changes []SheetChange `json:"changes"`
	Errors  []SheetError  `json:"errors"`
}

// ImportMatrix reads a cohort matrix spreadsheet (XLSX or CSV, the format of the
// export) and sets the items it changes (the office): a dry run returns the diff and
// the errors by row and column; an applied import with any error changes nothing;
// otherwise every change is written, with its history ("import") and audit, and the
// summaries, in one transaction. A re-run of the same file changes nothing. An
// administrative setting by the office, it goes past the state machine's order (a
// spreadsheet says where items are), but keeps its rules: a reason to refuse, exempt or
// mark not concerned, an exemption only where the rule allows it.
func (s *Service) ImportMatrix(ctx context.Context, p *authz.Principal, uai string, cohortID int64, r io.Reader, size int64, dryRun bool) (SheetReport, error) {
	e, err := s.highered.Resolve(ctx, p, uai, office...)
	if err != nil {
		return SheetReport{}, err
	}
	rep := SheetReport{DryRun: dryRun, Changes: []SheetChange{}, Errors: []SheetError{}}
	c, err := s.highered.CohortByID(ctx, e.ID, cohortID)
	if err != nil {
		return rep, err
	}
	table, err := highered.ReadTable(r, size)
	if err != nil {
		return rep, err
	}
	if len(table) == 0 {
		return rep, apperr.Invalid("empty_file", "the file is empty")
	}
	rules, err := s.rules(ctx, e.ID, c.ID)
	if err != nil {
		return rep, err
	}
	byCode := map[string]Rule{}
	for _, r := range rules {
		byCode[r.Code] = r
	}
	header := table[0]
	col := func(i int) string { n, _ := excelize.ColumnNumberToName(i + 1); return n }
	bad := func(row, i int, key string, params map[string]string) {
		h := ""
		if i < len(header) {
			h = header[i]
		}
		rep.Errors = append(rep.Errors, SheetError{Row: row, Column: col(i), Header: h, Key: key, Params: params})
	}
	ruleCols := map[int]Rule{}
	for i := 4; i < len(header); i++ {
		code := strings.TrimSpace(header[i])
		if code == "" {
			continue
		}
		r, ok := byCode[code]
		if !ok {
			bad(1, i, "graduation.sheet.unknown_rule", map[string]string{"code": code})
			continue
		}
		ruleCols[i] = r
	}
	numbers := map[string]int64{}
	if err := student.EachStored(ctx, s.db, e.ID, func(x student.Stored) error {
		numbers[x.EleveID] = x.ID
		return nil
	}); err != nil {
		return rep, err
	}
	members, err := s.highered.Members(ctx, e.ID, c.ID)
	if err != nil {
		return rep, err
	}
	inCohort := map[int64]bool{}
	for _, m := range members {
		inCohort[m.StudentID] = true
	}
	// Current items of the cohort: (student, rule) -> item, in one query.
	type key struct{ st, rule int64 }
	current := map[key]Item{}
	if err := s.db.Each(ctx, func(rows *sql.Rows) error {
		it, err := scanItem(rows)
		current[key{it.StudentID, it.Rule.ID}] = it
		return err
	}, `SELECT `+itemCols+itemFrom+` WHERE i.establishment_id = $1 AND r.cohort_id = $2`, e.ID, c.ID); err != nil {
		return rep, err
	}
	type apply struct {
		item Item
		to   State
		why  string
	}
	var todo []apply
	for n, cells := range table[1:] {
		row := n + 2
		if strings.TrimSpace(strings.Join(cells, "")) == "" {
			continue
		}
		rep.Rows++
		num := ""
		if len(cells) > 0 {
			num = strings.TrimSpace(cells[0])
		}
		id, ok := numbers[num]
		if !ok || !inCohort[id] {
			bad(row, 0, "graduation.sheet.unknown_student", map[string]string{"value": num})
			continue
		}
		for i, rule := range ruleCols {
			if i >= len(cells) || strings.TrimSpace(cells[i]) == "" {
				continue
			}
			to, why, ok := parseState(cells[i])
			if !ok {
				bad(row, i, "graduation.sheet.unknown_state", map[string]string{"value": cells[i]})
				continue
			}
			it, ok := current[key{id, rule.ID}]
			if !ok {
				bad(row, i, "graduation.sheet.unknown_student", map[string]string{"value": num})
				continue
			}
			if reasoned[to] && why == "" {
				bad(row, i, "graduation.sheet.reason", map[string]string{"state": string(to)})
				continue
			}
			if to == Exempted && !rule.ExemptionAllowed {
				bad(row, i, "graduation.sheet.exemption", nil)
				continue
			}
			if to == Submitted && !it.HasProof() {
				bad(row, i, "graduation.sheet.no_proof", nil)
				continue
			}
			if to == it.State && (why == it.Reason || !reasoned[to]) {
				continue
			}
			rep.Changes = append(rep.Changes, SheetChange{Row: row, Number: num, Rule: rule.Code, From: it.State, To: to, Reason: why})
			todo = append(todo, apply{it, to, why})
		}
	}
	if dryRun || len(rep.Errors) > 0 || len(todo) == 0 {
		return rep, nil
	}
	actor := p.Actor()
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		now := s.now()
		touched := map[int64]bool{}
		var ids []int64
		updates := make([][]any, 0, len(todo))
		events := make([][]any, 0, len(todo))
		for _, a := range todo {
			reason := a.why
			if a.to == Validated || a.to == Submitted || a.to == ToProvide {
				reason = ""
			}
			updates = append(updates, []any{a.item.ID, string(a.to), reason})
			events = append(events, []any{e.ID, a.item.ID, string(a.item.State), string(a.to), a.why, audit.ID(actor.ID), actor.Login, now})
			if !touched[a.item.StudentID] {
				touched[a.item.StudentID] = true
				ids = append(ids, a.item.StudentID)
			}
		}
		// Set-based: batched updates and inserts, the history with them, 250 rows a
		// statement (SQLite looks a parameter's name up in a list: binding costs the
		// square of the parameters of a statement).
		for start := 0; start < len(updates); start += sheetBatch {
			end := min(start+sheetBatch, len(updates))
			if _, err := s.db.UpdateRows(ctx, "graduation_items", "id", "BIGINT", []string{"state", "reason"}, updates[start:end], "updated_at = $1", now); err != nil {
				return err
			}
			if err := s.db.InsertRows(ctx, "graduation_item_events",
				[]string{"establishment_id", "item_id", "from_state", "to_state", "reason", "actor_id", "actor_login", "at"}, events[start:end], "", nil); err != nil {
				return err
			}
		}
		if err := s.audit.Record(ctx, audit.Event{Action: audit.GraduationItemChanged, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"cohort_id": c.ID, "import": true, "changes": len(todo), "students": len(ids)}}); err != nil {
			return err
		}
		return s.Recompute(ctx, e.ID, c.ID, ids)
	})
	if err != nil {
		return SheetReport{}, err
	}
	for _, a := range todo {
		if a.to == Refused {
			if err := s.notifyStudents(ctx, []int64{a.item.StudentID}, "graduation.notice.refused",
				map[string]string{"rule": a.item.Rule.Label, "reason": a.why}); err != nil {
				return rep, err
			}
		}
	}
	return rep, nil
}

// Template writes the import template of a cohort: the matrix itself, which the office
// fills and sends back.
func (s *Service) Template(ctx context.Context, p *authz.Principal, uai string, cohortID int64, w io.Writer, lang string) error {
	m, reasons, err := s.ExportMatrix(ctx, p, uai, cohortID)
	if err != nil {
		return err
	}
	return WriteMatrixXLSX(w, m, reasons, lang)
}
