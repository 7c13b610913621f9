package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"text/template/parse"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/student"
)

// i18nUse is one place that asks for a message.
type i18nUse struct {
	where string // file:line
	key   string // the key; for a dynamic key, the printf format that builds it
	nargs int    // arguments given to the message, -1 when unknown
	// dynamic is set for (t (printf "prefix.%s" .X)); bad for a t whose key is
	// neither a literal nor a printf with a literal format.
	dynamic, bad bool
}

// templateI18nUses returns every call of t in the templates.
func templateI18nUses(t *testing.T) []i18nUse {
	t.Helper()
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	var uses []i18nUse
	for _, name := range names {
		b, err := fs.ReadFile(templateFS, name)
		if err != nil {
			t.Fatal(err)
		}
		trees := map[string]*parse.Tree{}
		tr := parse.New(name)
		tr.Mode = parse.SkipFuncCheck
		if _, err := tr.Parse(string(b), "{{", "}}", trees); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, tree := range trees {
			walkTemplate(tree, tree.Root, &uses)
		}
	}
	return uses
}

func walkTemplate(tree *parse.Tree, n parse.Node, uses *[]i18nUse) {
	switch n := n.(type) {
	case nil:
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkTemplate(tree, c, uses)
		}
	case *parse.ActionNode:
		walkTemplate(tree, n.Pipe, uses)
	case *parse.TemplateNode:
		walkTemplate(tree, n.Pipe, uses)
	case *parse.IfNode:
		walkBranch(tree, &n.BranchNode, uses)
	case *parse.RangeNode:
		walkBranch(tree, &n.BranchNode, uses)
	case *parse.WithNode:
		walkBranch(tree, &n.BranchNode, uses)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walkTemplate(tree, c, uses)
		}
	case *parse.CommandNode:
		if id, ok := n.Args[0].(*parse.IdentifierNode); ok && id.Ident == "t" {
			loc, _ := tree.ErrorContext(n)
			u := i18nUse{where: loc, nargs: len(n.Args) - 2, bad: true}
			if len(n.Args) >= 2 {
				switch k := n.Args[1].(type) {
				case *parse.StringNode:
					u.key, u.bad = k.Text, false
				case *parse.PipeNode:
					if len(k.Cmds) == 1 && len(k.Cmds[0].Args) >= 2 {
						fn, ok1 := k.Cmds[0].Args[0].(*parse.IdentifierNode)
						format, ok2 := k.Cmds[0].Args[1].(*parse.StringNode)
						if ok1 && ok2 && fn.Ident == "printf" {
							u.key, u.dynamic, u.bad = format.Text, true, false
						}
					}
				}
			}
			*uses = append(*uses, u)
		}
		for _, a := range n.Args {
			walkTemplate(tree, a, uses)
		}
	}
}

func walkBranch(tree *parse.Tree, b *parse.BranchNode, uses *[]i18nUse) {
	walkTemplate(tree, b.Pipe, uses)
	walkTemplate(tree, b.List, uses)
	walkTemplate(tree, b.ElseList, uses)
}

// goI18nUses returns the literal keys the package's Go code passes to T and newPage,
// and the error codes it returns (apperr constructors, pathInt), which errorMessage
// translates. The codes the other packages return are checked by internal/i18n's
// tests, over the whole source.
func goI18nUses(t *testing.T) (keys, codes []i18nUse) {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	lit := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			where := fset.Position(call.Pos()).String()
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				switch {
				case fn.Name == "T" && len(call.Args) >= 2:
					// T(l, e.Code) is errorMessage's: the codes are checked apart.
					if k, ok := lit(call.Args[1]); ok {
						keys = append(keys, i18nUse{where: where, key: k, nargs: len(call.Args) - 2})
					}
				case fn.Name == "pathInt" && len(call.Args) == 3:
					if c, ok := lit(call.Args[2]); ok {
						codes = append(codes, i18nUse{where: where, key: c, nargs: -1})
					}
				}
			case *ast.SelectorExpr:
				x, _ := fn.X.(*ast.Ident)
				switch {
				case fn.Sel.Name == "newPage" && len(call.Args) >= 2:
					if k, ok := lit(call.Args[1]); ok {
						keys = append(keys, i18nUse{where: where, key: k, nargs: len(call.Args) - 2})
					}
				case x != nil && x.Name == "apperr" && len(call.Args) >= 1:
					if c, ok := lit(call.Args[0]); ok {
						codes = append(codes, i18nUse{where: where, key: c, nargs: -1})
					}
				}
			}
			return true
		})
	}
	return keys, codes
}

// verbRE matches a fmt verb.
var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*(\d+|\*)?(\.(\d+|\*)?)?[a-zA-Z%]`)

func verbs(s string) []string {
	var out []string
	for _, v := range verbRE.FindAllString(s, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	return out
}

// verbArgsExceptions are messages deliberately given fewer arguments than verbs.
var verbArgsExceptions = map[string]string{
	// grid.html puts it in a data- attribute; static/grid.js replaces its %s with the
	// server's explanation.
	"grid.error": "filled by grid.js",
}

// checkUse fails when a key has no message, or is given another number of arguments
// than its message has verbs.
func checkUse(t *testing.T, u i18nUse) {
	t.Helper()
	m, ok := i18n.Lookup(u.key)
	if !ok {
		t.Errorf("%s: key %q has no message in the catalog", u.where, u.key)
		return
	}
	if n := len(verbs(m.FR)); u.nargs >= 0 && n != u.nargs && verbArgsExceptions[u.key] == "" {
		t.Errorf("%s: key %q is given %d arguments, its message has %d verbs (%q)", u.where, u.key, u.nargs, n, m.FR)
	}
}

// TestI18nTemplateKeys checks that every literal key the templates pass to t has a
// message, with as many verbs as the template gives arguments.
func TestI18nTemplateKeys(t *testing.T) {
	uses := templateI18nUses(t)
	if len(uses) < 100 {
		t.Fatalf("only %d calls of t found in the templates: is the parser broken?", len(uses))
	}
	for _, u := range uses {
		switch {
		case u.bad:
			t.Errorf("%s: t is called with a key that is neither a literal nor (printf \"literal\" …): list how it is built in dynamicKeys", u.where)
		case !u.dynamic:
			checkUse(t, u)
		}
	}
}

// TestI18nGoKeys checks the keys the Go code of the package asks for (page titles,
// infos) and the error codes it returns.
func TestI18nGoKeys(t *testing.T) {
	keys, codes := goI18nUses(t)
	if len(keys) < 20 {
		t.Fatalf("only %d keys found in the Go code: is the parser broken?", len(keys))
	}
	for _, u := range keys {
		checkUse(t, u)
	}
	for _, u := range codes {
		checkUse(t, u)
	}
}

// dynamicKeys are the keys built at run time, by where they are built.
var dynamicKeys = []string{
	// agreement_inbox.html: (printf "agreement.page.import.%s" .) over the three kinds
	// agreementImport accepts.
	"agreement.page.import.catalogue", "agreement.page.import.enrolments", "agreement.page.import.acknowledgements",
	// partials.html, imports-table: (printf "imports.kind.%s" .Kind); importer writes
	// the kinds 'siecle' and 'nomenclature' in the imports table.
	"imports.kind.siecle", "imports.kind.nomenclature",
	// me.html, students.html, student.html: (printf "status.%s" .Status); student.Status*.
	"status." + student.StatusActive, "status." + student.StatusDeactivated,
	// students.html: (printf "nouvel.%s" $v) over (list "1" "0" "changementDiplome" "date"),
	// the values student.Filter.NouvelEleve accepts.
	"nouvel." + student.NouvelRecent, "nouvel." + student.NouvelSettled, "nouvel." + student.NouvelChangementDiplo, "nouvel.date",
	// student.html: (printf "student.ine.%s" .INEStatus); importer.toRow sets ok,
	// unchecked, missing or invalid.
	"student.ine.ok", "student.ine.unchecked", "student.ine.missing", "student.ine.invalid",
	// situations.html: (printf "situations.level.%s" .) over passport.Levels, the levels
	// the situations table accepts (passport.AllLevels).
	"situations.level.bac", "situations.level.bep", "situations.level.cap",
	// transfers.html: (printf "transfers.%s" .Direction); transfer.Dashboard sets
	// "received" or "sent".
	"transfers.received", "transfers.sent",
	// sso_account.html: (printf "sso.origin.%s" .Origin); sso.Origin*.
	"sso.origin." + sso.OriginSelf, "sso.origin." + sso.OriginAdmin, "sso.origin." + sso.OriginImport,
	// sso_establishment.html: (printf "sso.policy.%s" .) over PolicyChoices, the sso.Policy* values.
	"sso.policy." + string(sso.PolicySSOOnly), "sso.policy." + string(sso.PolicySSOThenTOTP), "sso.policy." + string(sso.PolicyCartableOnly),
	// partials.html, runs: (printf "jobs.job.%s" .Job) and (printf "jobs.status.%s" .Status);
	// the jobs app.New registers (TestJobsPageListsRegisteredJobs checks each has its
	// label), and the statuses jobs.Runner records.
	"jobs.job.transfer", "jobs.job.purge", "jobs.status.running", "jobs.status.ok", "jobs.status.failed",
	// students.html, student.html: (printf "state.%s" .AccountState), the accounts'
	// stored status; accounts.html and account.html: account.State adds expired and locked.
	"state." + string(account.StatusPending), "state." + string(account.StatusActive), "state." + string(account.StatusDisabled),
	"state.expired", "state.locked",
	// me.html, accounts.html…: (printf "role.%s" .Role); more below from authz.Roles.
	"role.admin", "role.teacher", "role.student",
	// graduation_*.html: the words of states, statuses and categories, built by
	// web.words (graduation.States, the statuses, graduation.Categories).
	"graduation.state.to_provide", "graduation.state.submitted", "graduation.state.validated", "graduation.state.refused",
	"graduation.state.expired", "graduation.state.exempted", "graduation.state.not_concerned",
	"graduation.status.graduable", "graduation.status.on_track", "graduation.status.at_risk", "graduation.status.blocked",
	"graduation.category.language", "graduation.category.internship", "graduation.category.mobility", "graduation.category.credits",
	"graduation.category.engagement", "graduation.category.other",
	// schoolyear*.html, pupil_file.html: the kinds of periods, the régimes, the
	// statuses, the decisions and the diploma results (schoolyear's lists).
	"sy.kind.trimestre", "sy.kind.semestre", "sy.regime.externe", "sy.regime.demi-pensionnaire", "sy.regime.interne",
	"sy.status.enrolled", "sy.status.pre-enrolled", "sy.status.left",
	"sy.decision.passage", "sy.decision.redoublement", "sy.decision.orientation", "sy.decision.depart",
	"sy.diploma_result.admis", "sy.diploma_result.ajourne", "sy.diploma_result.absent",
	// marks_council.html: (printf "marks.mention.%s" .), the mentions (marks.Mentions).
	"marks.mention.felicitations", "marks.mention.compliments", "marks.mention.encouragements",
	"marks.mention.warning_work", "marks.mention.warning_conduct",
	// me.html: (printf "kind.%s" .Kind), the kinds of sessions.
	"kind." + account.KindWeb, "kind." + account.KindAPI, "kind." + account.KindPersonal,
	// account.html: (printf "account.read_only.%s" .ReadOnly); account.ReadOnly*.
	"account.read_only." + account.ReadOnlyOtherEstablishment, "account.read_only." + account.ReadOnlyPlatformRole,
}

// TestI18nDynamicKeys checks that the keys built at run time have messages, and that
// every (printf …) building a key in the templates is covered by dynamicKeys.
func TestI18nDynamicKeys(t *testing.T) {
	keys := append([]string{}, dynamicKeys...)
	for _, r := range authz.Roles {
		keys = append(keys, "role."+string(r))
	}
	for _, k := range keys {
		if !hasMessage(k) {
			t.Errorf("dynamic key %q has no message in the catalog", k)
		}
	}
	for _, u := range templateI18nUses(t) {
		if !u.dynamic {
			continue
		}
		re := regexp.MustCompile("^" + verbRE.ReplaceAllString(regexp.QuoteMeta(u.key), ".+") + "$")
		found := false
		for _, k := range keys {
			found = found || re.MatchString(k)
		}
		if !found {
			t.Errorf("%s: the keys built by (printf %q …) are not listed in dynamicKeys", u.where, u.key)
		}
	}
}
