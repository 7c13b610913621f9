package marks

import (
	"context"
	"io"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
)

// Template returns a service's marks sheet for a period: its assessments, the class's
// pupils and their marks (staff; audited as a read).
func (s *Service) Template(ctx context.Context, p *authz.Principal, uai string, serviceID, periodID int64) (Sheet, error) {
	g, err := s.Grid(ctx, p, uai, serviceID, periodID)
	if err != nil {
		return Sheet{}, err
	}
	return gridSheet(g), nil
}

func gridSheet(g Grid) Sheet {
	sh := Sheet{Marks: g.Marks}
	for _, a := range g.Assessments {
		sh.Assessments = append(sh.Assessments, SheetAssessment{ID: a.ID, Title: a.Title, OutOf: a.OutOf, Coef: a.Coef})
	}
	for _, pu := range g.Pupils {
		sh.Students = append(sh.Students, SheetStudent{ID: pu.StudentID, EleveID: pu.EleveID, LastName: pu.LastName, FirstName: pu.FirstName})
	}
	return sh
}

// ImportReport is what an import of a marks sheet did, or would do (a dry run).
type ImportReport struct {
	DryRun    bool           `json:"dry_run"`
	Added     int            `json:"added"`
	Changed   int            `json:"changed"`
	Removed   int            `json:"removed"`
	Unchanged int            `json:"unchanged"`
	Problems  []SheetProblem `json:"problems,omitempty"`
	// Diff lists the cells that change: pupil, assessment, before and after.
	Diff []DiffLine `json:"diff,omitempty"`
}

// DiffLine is a cell an import changes.
type DiffLine struct {
	Row        int    `json:"row"`
	Pupil      string `json:"pupil"`
	Assessment string `json:"assessment"`
	Before     string `json:"before"`
	After      string `json:"after"`
}

// maxDiff bounds the diff a report lists (the counts are complete).
const maxDiff = 500

// ImportSheet reads a marks sheet (CSV or XLSX) for a service's period and, unless
// dryRun, saves it in one transaction. A sheet with problems saves nothing: the report
// lists them, each with its row and column. Importing the same file again changes
// nothing (re-runnable).
func (s *Service) ImportSheet(ctx context.Context, p *authz.Principal, uai string, serviceID, periodID int64, r io.Reader, dryRun bool) (ImportReport, error) {
	sc, err := s.resolve(ctx, p, uai, serviceID, periodID)
	if err != nil {
		return ImportReport{}, err
	}
	if err := sc.writable(); err != nil {
		return ImportReport{}, err
	}
	rows, err := ReadSheet(r)
	if err != nil {
		return ImportReport{}, err
	}
	g, err := s.grid(ctx, sc)
	if err != nil {
		return ImportReport{}, err
	}
	sh := gridSheet(g)
	cells, problems, err := ParseSheet(rows, sh.Assessments, sh.Students)
	if err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{DryRun: dryRun, Problems: problems}
	if len(problems) > 0 {
		return rep, apperr.Invalid("sheet_problems", "%d cells of the file cannot be taken: nothing was saved", len(problems)).With("n", len(problems))
	}
	titles := map[int64]string{}
	for _, a := range g.Assessments {
		titles[a.ID] = a.Title
	}
	names := map[int64]string{}
	for _, pu := range g.Pupils {
		names[pu.StudentID] = pu.Name()
	}
	var changes []SheetCell
	for _, c := range cells {
		old, had := g.Marks[c.StudentID][c.AssessmentID]
		switch {
		case !had && !c.Set, had && c.Set && old == c.Mark:
			rep.Unchanged++
			continue
		case !had:
			rep.Added++
		case !c.Set:
			rep.Removed++
		default:
			rep.Changed++
		}
		changes = append(changes, c)
		if len(rep.Diff) < maxDiff {
			dl := DiffLine{Row: c.Row, Pupil: names[c.StudentID], Assessment: titles[c.AssessmentID]}
			if had {
				dl.Before = old.Format("fr")
			}
			if c.Set {
				dl.After = c.Mark.Format("fr")
			}
			rep.Diff = append(rep.Diff, dl)
		}
	}
	if dryRun || len(changes) == 0 {
		return rep, nil
	}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.write(ctx, p, sc.e.ID, changes); err != nil {
			return err
		}
		return s.record(ctx, p, sc.e.ID, audit.MarksImported, map[string]any{"service_id": serviceID, "period_id": periodID,
			"added": rep.Added, "changed": rep.Changed, "removed": rep.Removed})
	})
	return rep, err
}
