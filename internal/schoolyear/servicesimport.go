package schoolyear

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/student"
)

// Limits of a services file (docs/limits.md).
const (
	MaxServicesFile  = 20 << 20 // bytes
	MaxServicesRows  = 20000
	MaxServicesDepth = 16
)

// ServiceRow is one service a file gives, with where it is in the file.
type ServiceRow struct {
	// Line is the line of the CSV row or of the XML element that gives the service.
	Line         int    `json:"line"`
	ClassCode    string `json:"class_code,omitempty"`
	GroupCode    string `json:"group_code,omitempty"`
	SubjectCode  string `json:"subject_code"`
	SubjectLabel string `json:"subject_label"`
	// Teacher is a login or "NOM Prénom" as the file gives it.
	Teacher     string `json:"teacher,omitempty"`
	Coefficient *int   `json:"coefficient,omitempty"`
}

// ImportProblem is a refused row (an error) or a remark (a warning), by line and field.
type ImportProblem struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Err is the error itself, for a page to write it in its reader's language.
	Err error `json:"-"`
}

// ServicesReport is what an import of services did, or would do (DryRun).
type ServicesReport struct {
	DryRun    bool            `json:"dry_run"`
	Rows      int             `json:"rows"`
	Created   int             `json:"created"`
	Updated   int             `json:"updated"`
	Errors    []ImportProblem `json:"errors"`
	Warnings  []ImportProblem `json:"warnings"`
	Format    string          `json:"format"`
	YearLabel string          `json:"year"`
}

var errRollback = errors.New("dry run")

// ImportServices reads services from an STS-web style XML export (sts_emp) or a CSV
// (classe;groupe;matiere;libelle;enseignant;coefficient) and writes them in one
// transaction for a year: all or nothing. A dry run reports the same and writes
// nothing. Teachers are matched by login, else by "NOM Prénom" among the teachers of
// the establishment; an unknown teacher leaves the service without one (a warning).
func (s *Service) ImportServices(ctx context.Context, p *authz.Principal, uai string, yearID int64, name string, r io.Reader, dryRun bool) (ServicesReport, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return ServicesReport{}, err
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxServicesFile+1))
	if err != nil {
		return ServicesReport{}, err
	}
	if len(data) > MaxServicesFile {
		return ServicesReport{}, apperr.Invalid("services_file_too_large", "the file is larger than %d MiB", MaxServicesFile>>20).With("max", MaxServicesFile>>20)
	}
	rep := ServicesReport{DryRun: dryRun, Errors: []ImportProblem{}, Warnings: []ImportProblem{}}
	var rows []ServiceRow
	trimmed := bytes.TrimLeft(data, "\xef\xbb\xbf \t\r\n")
	if bytes.HasPrefix(trimmed, []byte("<")) {
		rep.Format = "xml"
		rows, err = ParseSTS(bytes.NewReader(data))
	} else {
		rep.Format = "csv"
		rows, err = ParseServicesCSV(bytes.NewReader(data))
	}
	if err != nil {
		return rep, err
	}
	rep.Rows = len(rows)
	members, err := account.Members(ctx, s.db, e.ID, authz.RoleTeacher)
	if err != nil {
		return rep, err
	}
	byLogin, byName := map[string]int64{}, map[string]int64{}
	teachers := teacherSet{}
	for _, m := range members {
		teachers[m.ID] = true
		byLogin[strings.ToLower(m.Login)] = m.ID
		if m.DisplayName != "" {
			byName[student.SearchKey(m.DisplayName)] = m.ID
		}
	}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		y, err := s.writableYear(ctx, e.ID, yearID)
		if err != nil {
			return err
		}
		rep.YearLabel = y.Label()
		for _, row := range rows {
			in := TeachingInput{ClassCode: row.ClassCode, GroupCode: row.GroupCode, SubjectCode: row.SubjectCode, SubjectLabel: row.SubjectLabel, Coefficient: row.Coefficient}
			if t := strings.TrimSpace(row.Teacher); t != "" {
				if id := byLogin[strings.ToLower(t)]; id != 0 {
					in.TeacherID = id
				} else if id := byName[student.SearchKey(t)]; id != 0 {
					in.TeacherID = id
				} else {
					w := apperr.Invalid("teacher_unmatched", "no teacher %q in the establishment: the service has no teacher", t).With("teacher", t)
					rep.Warnings = append(rep.Warnings, ImportProblem{Line: row.Line, Field: "teacher", Code: w.Code, Message: w.Message, Err: w})
				}
			}
			_, created, err := s.saveTeaching(ctx, e.ID, yearID, in, teachers)
			if err != nil {
				if k := apperr.KindOf(err); k != apperr.KindInvalid && k != apperr.KindNotFound {
					return err
				}
				var ae *apperr.Error
				field := ""
				if errors.As(err, &ae) {
					if f, ok := ae.Params["field"].(string); ok {
						field = f
					} else if _, ok := ae.Params["class"]; ok {
						field = "class"
					}
				}
				rep.Errors = append(rep.Errors, ImportProblem{Line: row.Line, Field: field, Code: apperr.CodeOf(err), Message: err.Error(), Err: err})
				continue
			}
			if created {
				rep.Created++
			} else {
				rep.Updated++
			}
		}
		if len(rep.Errors) > 0 || dryRun {
			return errRollback
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolServicesImported, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"year_id": yearID, "file": name, "created": rep.Created, "updated": rep.Updated}})
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return rep, err
}

// ParseServicesCSV reads a CSV of services with a header row naming its columns
// (classe or class, groupe or group, matiere or subject, libelle or label, enseignant
// or teacher, coefficient), separated by ';' or ','.
func ParseServicesCSV(r io.Reader) ([]ServiceRow, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4096)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	first, _, _ := bytes.Cut(head, []byte("\n"))
	cr := csv.NewReader(br)
	cr.Comma = ','
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, apperr.Invalid("invalid_services_csv", "unreadable CSV header: %v", err).With("line", 1).With("detail", err.Error())
	}
	cols := map[string]int{}
	aliases := map[string]string{"classe": "class", "class": "class", "division": "class", "groupe": "group", "group": "group",
		"matiere": "subject", "matière": "subject", "subject": "subject", "code_matiere": "subject", "libelle": "label", "libellé": "label", "label": "label",
		"enseignant": "teacher", "teacher": "teacher", "professeur": "teacher", "coefficient": "coefficient", "coef": "coefficient"}
	for i, h := range header {
		if f, ok := aliases[strings.ToLower(strings.TrimSpace(h))]; ok {
			cols[f] = i
		}
	}
	if _, ok := cols["subject"]; !ok {
		return nil, apperr.Invalid("services_columns", "the header names no subject column (matiere)").With("fields", "matiere")
	}
	var out []ServiceRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, apperr.Invalid("invalid_services_csv", "line %d: %v", line, err).With("line", line).With("detail", err.Error())
		}
		get := func(f string) string {
			if i, ok := cols[f]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		if len(out) >= MaxServicesRows {
			return nil, apperr.TooManyItems("rows", MaxServicesRows)
		}
		row := ServiceRow{Line: line, ClassCode: get("class"), GroupCode: get("group"), SubjectCode: get("subject"), SubjectLabel: get("label"), Teacher: get("teacher")}
		if c := get("coefficient"); c != "" {
			v, err := ParseCoefficient(c)
			if err != nil {
				return nil, apperr.Invalid("invalid_coefficient_at", "line %d: coefficient %q", line, c).With("line", line).With("value", c)
			}
			row.Coefficient = &v
		}
		out = append(out, row)
	}
	return out, nil
}

// ParseSTS reads the services of an STS-web style export (STS_EDT / sts_emp): the
// subjects (NOMENCLATURES/MATIERES/MATIERE CODE, LIBELLE_COURT or LIBELLE_LONG), the
// people (INDIVIDUS/INDIVIDU ID, NOM_USAGE, PRENOM) and the services of each division
// and group (STRUCTURE/DIVISIONS/DIVISION CODE or GROUPES/GROUPE CODE, SERVICES/SERVICE
// CODE_MATIERE, ENSEIGNANTS/ENSEIGNANT ID). A service with several teachers gives one
// row per teacher. Depth and size are bounded.
func ParseSTS(r io.Reader) ([]ServiceRow, error) {
	dec := xml.NewDecoder(io.LimitReader(r, MaxServicesFile))
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "iso-8859-15":
			return charmap.ISO8859_15.NewDecoder().Reader(in), nil
		case "iso-8859-1", "latin1", "windows-1252":
			return charmap.Windows1252.NewDecoder().Reader(in), nil
		case "utf-8":
			return in, nil
		}
		return nil, fmt.Errorf("unknown encoding %q", label)
	}
	subjects := map[string]string{}
	people := map[string]string{}
	type pending struct {
		row      ServiceRow
		teachers []string
	}
	var services []pending
	var stack []string
	var text strings.Builder
	var subjCode, indivID, nom, prenom, target string
	var isGroup bool
	var cur *pending
	line := func() int {
		l, _ := dec.InputPos()
		return l
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, apperr.Invalid("invalid_services_xml", "line %d: %v", line(), err).With("line", line()).With("detail", err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			if len(stack) > MaxServicesDepth {
				return nil, apperr.Invalid("xml_too_deep", "line %d: elements nested deeper than %d", line(), MaxServicesDepth).With("max", MaxServicesDepth)
			}
			text.Reset()
			attr := func(n string) string {
				for _, a := range t.Attr {
					if a.Name.Local == n {
						return strings.TrimSpace(a.Value)
					}
				}
				return ""
			}
			switch t.Name.Local {
			case "MATIERE":
				subjCode = attr("CODE")
			case "INDIVIDU":
				indivID, nom, prenom = attr("ID"), "", ""
			case "DIVISION":
				if inside(stack, "STRUCTURE") && !inside(stack[:len(stack)-1], "GROUPE") {
					target, isGroup = attr("CODE"), false
				}
			case "GROUPE":
				target, isGroup = attr("CODE"), true
			case "SERVICE":
				if len(services) >= MaxServicesRows {
					return nil, apperr.TooManyItems("rows", MaxServicesRows)
				}
				row := ServiceRow{Line: line(), SubjectCode: attr("CODE_MATIERE")}
				if isGroup {
					row.GroupCode = target
				} else {
					row.ClassCode = target
				}
				services = append(services, pending{row: row})
				cur = &services[len(services)-1]
			case "ENSEIGNANT":
				if cur != nil && len(cur.teachers) < 20 {
					cur.teachers = append(cur.teachers, attr("ID"))
				}
			}
		case xml.CharData:
			if text.Len() < 1000 {
				text.Write(t)
			}
		case xml.EndElement:
			v := strings.TrimSpace(text.String())
			switch t.Name.Local {
			case "LIBELLE_COURT", "LIBELLE_LONG", "LIBELLE_EDITION":
				if subjCode != "" && inside(stack, "MATIERE") && (subjects[subjCode] == "" || t.Name.Local == "LIBELLE_COURT") {
					subjects[subjCode] = v
				}
			case "NOM_USAGE":
				if inside(stack, "INDIVIDU") {
					nom = v
				}
			case "NOM_PATRONYMIQUE":
				if inside(stack, "INDIVIDU") && nom == "" {
					nom = v
				}
			case "PRENOM":
				if inside(stack, "INDIVIDU") {
					prenom = v
				}
			case "INDIVIDU":
				if indivID != "" {
					people[indivID] = strings.TrimSpace(nom + " " + prenom)
				}
			case "MATIERE":
				subjCode = ""
			case "SERVICE":
				cur = nil
			case "DIVISION", "GROUPE":
				if t.Name.Local == "GROUPE" || !isGroup {
					target = ""
				}
			}
			text.Reset()
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	var out []ServiceRow
	for _, sv := range services {
		sv.row.SubjectLabel = subjects[sv.row.SubjectCode]
		if len(sv.teachers) == 0 {
			out = append(out, sv.row)
			continue
		}
		for _, id := range sv.teachers {
			row := sv.row
			row.Teacher = people[id]
			if row.Teacher == "" {
				row.Teacher = "#" + id
			}
			out = append(out, row)
		}
	}
	return out, nil
}

func inside(stack []string, name string) bool {
	for _, s := range stack {
		if s == name {
			return true
		}
	}
	return false
}
