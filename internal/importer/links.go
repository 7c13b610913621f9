package importer

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"sort"
	"strings"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/secret"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/student"
)

// Limits of a file of external identities (docs/limits.md).
const (
	MaxLinkLines = 20000 // lines of data
	MaxLinkField = 300   // characters of a field
)

// LinksReport is what an import of external identities did, or would do (DryRun).
type LinksReport struct {
	UAI      string `json:"uai"`
	Provider string `json:"provider"`
	DryRun   bool   `json:"dry_run"`
	// Key is the first column's heading: login (cartable's) or ine (the student's).
	Key      string              `json:"key"`
	Lines    int                 `json:"lines"`
	Linked   int                 `json:"linked"`
	Problems []sso.ImportProblem `json:"problems"`
}

// errDryRun rolls a dry run back.
var errDryRun = errors.New("dry run")

// Links imports a CSV of external identities of a provider for an establishment whose
// administrator p is: a heading "login,external_id" (cartable logins) or
// "ine,external_id" (students' INEs, matched through their unqid, never kept), then
// one line per person; "," or ";" separates the fields. Everything happens in one
// transaction: a line that cannot be linked is reported with its number and reason
// and the others are linked; a file that cannot be read changes nothing. With dryRun,
// the same work is done and rolled back.
func (s *Service) Links(ctx context.Context, p *authz.Principal, uai, provider string, r io.Reader, dryRun bool) (LinksReport, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, authz.RoleAdmin)
	if err != nil {
		return LinksReport{}, err
	}
	rep := LinksReport{UAI: e.UAI, Provider: provider, DryRun: dryRun, Problems: []sso.ImportProblem{}}
	br := bufio.NewReader(r)
	head, _ := br.Peek(4096)
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	first, _, _ := strings.Cut(string(head), "\n")
	if strings.Count(first, ";") > strings.Count(first, ",") {
		cr.Comma = ';'
	}
	rec, err := cr.Read()
	if err != nil {
		return rep, apperr.Invalid("links_csv_header", "line 1: a heading login,external_id or ine,external_id is needed").With("line", 1)
	}
	rep.Key = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(rec[0], "\ufeff")))
	if len(rec) != 2 || (rep.Key != "login" && rep.Key != "ine") || strings.ToLower(strings.TrimSpace(rec[1])) != "external_id" {
		return rep, apperr.Invalid("links_csv_header", "line 1: a heading login,external_id or ine,external_id is needed").With("line", 1)
	}
	var byUnqid map[string]int64
	var key []byte
	if rep.Key == "ine" {
		if key, err = s.secrets.Get(ctx, secret.Unqid); err != nil {
			return rep, err
		}
		byUnqid = map[string]int64{}
		err := student.EachStored(ctx, s.db, e.ID, func(x student.Stored) error {
			if x.Unqid != "" && x.AccountID.Valid {
				byUnqid[x.Unqid] = x.AccountID.Int64
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
	}
	problem := func(line int, err error) {
		ae := apperr.As(err)
		rep.Problems = append(rep.Problems, sso.ImportProblem{Line: line, Code: ae.Code, Message: ae.Message})
	}
	var lines []sso.ImportLink
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return rep, err // the reader's own (a body over its limit)
			}
			line = pe.Line
			return rep, apperr.Invalid("links_csv_unreadable", "line %d: not CSV (%v)", line, err).With("line", line)
		}
		rep.Lines++
		if rep.Lines > MaxLinkLines {
			return rep, apperr.TooManyItems("lines", MaxLinkLines)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			rep.Lines--
			continue
		}
		if len(rec) != 2 {
			problem(line, apperr.Invalid("links_csv_fields", "line %d: two fields are needed", line).With("line", line))
			continue
		}
		who, ext := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if len(who) > MaxLinkField || len(ext) > MaxLinkField {
			problem(line, apperr.TooLong("field", MaxLinkField))
			continue
		}
		var accountID int64
		if rep.Key == "ine" {
			accountID = byUnqid[Unqid(key, siecle.NormalizeINE(who))]
		} else if acc, err := s.accounts.ByLogin(ctx, p, who); err == nil {
			accountID = acc.ID
		} else if apperr.KindOf(err) == apperr.KindInternal {
			return rep, err
		}
		if accountID == 0 {
			problem(line, apperr.NotFound("links_csv_unknown", "line %d: no account of this establishment has this %s", line, rep.Key).
				With("line", line).With("key", rep.Key))
			continue
		}
		lines = append(lines, sso.ImportLink{Line: line, AccountID: accountID, ExternalID: ext})
	}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		problems, err := s.SSO.ImportLinks(ctx, p, e.ID, provider, lines)
		if err != nil {
			return err
		}
		rep.Problems = append(rep.Problems, problems...)
		rep.Linked = len(lines) - len(problems)
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	sort.SliceStable(rep.Problems, func(i, j int) bool { return rep.Problems[i].Line < rep.Problems[j].Line })
	return rep, err
}
