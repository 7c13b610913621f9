package agreement

import (
	"context"
	"database/sql"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/student"
)

// ExportHeader is the header of the registrar file (docs/agreements.md): one line per
// student and unit of each version transmitted; version_uid is stable, so the
// registrar applies a version once however often it is exported.
var ExportHeader = []string{"year", "student_number", "step", "step_version", "unit_code", "semester", "ects", "origin",
	"version_uid", "version_number", "agreement_kind", "status", "signed_on"}

const exportBatch = 1000

// ExportReport tells what an export wrote.
type ExportReport struct {
	Transmitted int `json:"transmitted"` // versions signed until now, transmitted by this export
	Versions    int `json:"versions"`    // versions in the file (every one awaiting the registrar)
	Lines       int `json:"lines"`
}

// Export writes the registrar file of a year to w (CSV, ";", UTF-8): the signed
// versions become transmitted, then every transmitted version (awaiting the
// registrar's acknowledgement) is written, a batch of 1,000 versions at a time
// (memory bounded whatever the number). The office exports; the export is audited.
func (s *Service) Export(ctx context.Context, p *authz.Principal, uai string, year int, w io.Writer) (ExportReport, error) {
	var rep ExportReport
	e, err := s.resolve(ctx, p, uai, office...)
	if err != nil {
		return rep, err
	}
	now := s.now()
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var signed []int64
		if err := s.db.Each(ctx, func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			signed = append(signed, id)
			return err
		}, `SELECT v.id FROM agreement_versions v JOIN agreements g ON g.id = v.agreement_id
			WHERE g.establishment_id = $1 AND g.year = $2 AND v.state = 'signed' ORDER BY v.id`, e.ID, year); err != nil {
			return err
		}
		for from := 0; from < len(signed); from += exportBatch {
			chunk := signed[from:min(from+exportBatch, len(signed))]
			args := []any{Transmitted, now}
			ph := make([]string, len(chunk))
			events := make([][]any, len(chunk))
			for i, id := range chunk {
				args = append(args, id)
				ph[i] = "$" + strconv.Itoa(i+3)
				events[i] = []any{e.ID, id, Signed, Transmitted, Transmit, "", p.AccountID, p.Login, now}
			}
			if _, err := s.db.Exec(ctx, `UPDATE agreement_versions SET state = $1, updated_at = $2 WHERE id IN (`+strings.Join(ph, ", ")+`)`, args...); err != nil {
				return err
			}
			if err := s.db.InsertRows(ctx, "agreement_events", []string{"establishment_id", "version_id", "from_state", "to_state", "action",
				"reason", "actor_id", "actor_login", "at"}, events, "", nil); err != nil {
				return err
			}
		}
		rep.Transmitted = len(signed)
		if err := s.send(ctx, e.ID, nil); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.AgreementExported, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"year": year, "transmitted": len(signed)}})
	})
	if err != nil {
		return rep, err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if err := cw.Write(ExportHeader); err != nil {
		return rep, err
	}
	type ver struct {
		id, student        int64
		uid                string
		number             int
		step, stepV        string
		kind, status, sign string
	}
	var after int64
	for {
		var batch []ver
		err := s.db.Each(ctx, func(rows *sql.Rows) error {
			var v ver
			var signed sql.NullTime
			if err := rows.Scan(&v.id, &v.uid, &v.number, &v.student, &v.step, &v.stepV, &v.kind, &v.status, &signed); err != nil {
				return err
			}
			if signed.Valid {
				v.sign = calendar.Date(signed.Time)
			}
			batch = append(batch, v)
			return nil
		}, `SELECT v.id, v.uid, v.number, g.student_id, g.step, g.step_version, g.kind, g.status, v.director_signed_at
			FROM agreement_versions v JOIN agreements g ON g.id = v.agreement_id
			WHERE g.establishment_id = $1 AND g.year = $2 AND v.state = 'transmitted' AND v.id > $3 ORDER BY v.id LIMIT `+strconv.Itoa(exportBatch),
			e.ID, year, after)
		if err != nil {
			return rep, err
		}
		if len(batch) == 0 {
			break
		}
		after = batch[len(batch)-1].id
		sids := make([]int64, len(batch))
		args := make([]any, len(batch))
		ph := make([]string, len(batch))
		for i, v := range batch {
			sids[i], args[i], ph[i] = v.student, v.id, "$"+strconv.Itoa(i+1)
		}
		people, err := student.People(ctx, s.db, sids)
		if err != nil {
			return rep, err
		}
		units := map[int64][]VersionUnit{}
		if err := s.db.Each(ctx, func(rows *sql.Rows) error {
			var id int64
			var u VersionUnit
			err := rows.Scan(&id, &u.Code, &u.Semester, &u.ECTS, &u.Origin)
			units[id] = append(units[id], u)
			return err
		}, `SELECT version_id, unit_code, semester, ects, origin FROM agreement_version_units WHERE version_id IN (`+strings.Join(ph, ", ")+`)
			ORDER BY version_id, semester, unit_code`, args...); err != nil {
			return rep, err
		}
		y := strconv.Itoa(year)
		for _, v := range batch {
			rep.Versions++
			for _, u := range units[v.id] {
				if err := cw.Write([]string{y, people[v.student].EleveID, v.step, v.stepV, u.Code, strconv.Itoa(u.Semester), strings.ReplaceAll(u.ECTS.String(), ",", "."),
					u.Origin, v.uid, strconv.Itoa(v.number), v.kind, v.status, v.sign}); err != nil {
					return rep, err
				}
				rep.Lines++
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return rep, err
		}
	}
	cw.Flush()
	return rep, cw.Error()
}

var ackColumns = []column{
	{"version_uid", []string{"version uid", "id version", "uid", "identifiant version"}, true},
	{"status", []string{"statut", "status", "etat"}, true},
	{"reason", []string{"motif", "reason", "raison"}, false},
}

// Acknowledge reads the registrar's acknowledgement file back (CSV or XLSX: version_uid,
// status "intégré"/"integrated" or "rejeté"/"rejected", reason): each transmitted
// version becomes integrated or rejected (a rejection needs the reason; the office and
// the student are told). A row for a version already in that state changes nothing
// (re-runnable); an unknown version or another state is an error of its row; a file
// with an error applies nothing.
func (s *Service) Acknowledge(ctx context.Context, p *authz.Principal, uai string, src Source, dryRun bool) (ImportReport, error) {
	rep := ImportReport{File: src.Name, DryRun: dryRun, Errors: []RowError{}, Changes: []string{}}
	e, err := s.resolve(ctx, p, uai, office...)
	if err != nil {
		return rep, err
	}
	rows, idx, err := read(src, ackColumns)
	if err != nil {
		return rep, err
	}
	rep.Rows = len(rows)
	type ack struct {
		row    int
		uid    string
		act    Action
		to     State
		reason string
	}
	var acks []ack
	for i, rec := range rows {
		a := ack{row: i + 2, uid: cell(rec, idx, "version_uid"), reason: cell(rec, idx, "reason")}
		switch fold(cell(rec, idx, "status")) {
		case "integre", "integrated", "ok":
			a.act, a.to = Integrate, Integrated
		case "rejete", "rejected", "ko":
			a.act, a.to = Reject, Rejected
			if a.reason == "" {
				rep.fail(a.row, "reason", "reason_required", nil)
				continue
			}
		default:
			rep.fail(a.row, "status", "agreement.error.ack_status", map[string]string{"value": cell(rec, idx, "status")})
			continue
		}
		if len([]rune(a.reason)) > MaxReason {
			rep.fail(a.row, "reason", "registrar.warning.too_long", map[string]string{"max": strconv.Itoa(MaxReason)})
			continue
		}
		acks = append(acks, a)
	}
	now := s.now()
	var notices []notice
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		type todo struct {
			ack
			a Agreement
			v Version
		}
		var list []todo
		for _, k := range acks {
			v, err := scanVersion(s.db.QueryRow(ctx, `SELECT `+versionCols+` FROM agreement_versions WHERE establishment_id = $1 AND uid = $2`, e.ID, k.uid))
			if err != nil {
				rep.fail(k.row, "version_uid", "agreement.error.ack_version", map[string]string{"value": k.uid})
				continue
			}
			if v.State == k.to {
				rep.Unchanged++
				continue
			}
			if _, err := Next(v.State, k.act, Who{Office: true}, Signatures{}, k.reason); err != nil {
				rep.fail(k.row, "status", "agreement.error.ack_state", map[string]string{"value": k.uid, "state": string(v.State)})
				continue
			}
			a, err := s.agreement(ctx, e.ID, v.AgreementID)
			if err != nil {
				return err
			}
			list = append(list, todo{k, a, v})
		}
		if len(rep.Errors) > 0 {
			return errImport(&rep)
		}
		for _, t := range list {
			rep.Updated++
			rep.change(string(t.to) + " " + t.uid)
			if dryRun {
				continue
			}
			n, err := s.apply(ctx, e.ID, t.a, t.v, t.act, t.to, Who{Office: true}, t.reason, p.Actor(), now)
			if err != nil {
				return err
			}
			notices = append(notices, n...)
			if t.act == Reject {
				params := map[string]string{"version": strconv.Itoa(t.v.Number), "reason": t.reason}
				notices = append(notices, notice{role: authz.RoleOffice, key: "agreement.notice.rejected", params: params},
					notice{to: s.studentAccounts(ctx, t.a.StudentID), key: "agreement.notice.rejected", params: params})
			}
		}
		if dryRun {
			return nil
		}
		if err := s.send(ctx, e.ID, notices); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.AgreementAcknowledged, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"file": src.Name, "rows": rep.Rows, "updated": rep.Updated}})
	})
	if err != nil && apperr.CodeOf(err) == "import_errors" {
		return rep, err
	}
	return rep, err
}
