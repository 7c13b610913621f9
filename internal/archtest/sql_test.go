package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// This file finds the SQL in the Go code of a package, and the tables it names.
//
// A text is taken for SQL in three ways, so that none of the usual ways of building a
// query escapes:
//   - whatever reaches the query argument of a store call (Exec, Query, Each,
//     CopyRows…), followed through concatenations, fmt.Sprintf, strings.Join,
//     constants, variables and range variables of the package;
//   - any string, or concatenation of strings, that reads as SQL (SELECT … FROM,
//     INSERT INTO, UPDATE … SET, DELETE FROM, JOIN, …: upper-case keywords, which prose
//     and routes do not use);
//   - a table given as an argument (`db.CopyRows(ctx, "evaluations", …)`,
//     `db.NextIDs(ctx, "students", …)`, a list of tables a loop walks, the Table of a
//     store.EncryptedColumn): a write.
//
// Table names are matched as whole words: `students` is not found in
// `deactivated_students` nor in `students_active_idx`; a name that is also a column's
// counts only where a table goes (see refs).

// storeCalls are the methods of store.DB that take SQL or a table name, with the index
// of that argument (after the context) and whether the argument is a table (a write).
var storeCalls = map[string]struct {
	arg   int
	table bool
}{
	"Exec": {1, false}, "ExecCount": {1, false}, "Query": {1, false}, "QueryRow": {1, false},
	"Each": {2, false}, "CountWhere": {1, false},
	"CopyRows": {1, true}, "CopyFunc": {1, true}, "InsertRows": {1, true}, "InsertRowsOn": {1, true},
	"UpdateRows": {1, true}, "NextIDs": {1, true},
}

// sqlShape recognises a text written in SQL.
var sqlShape = regexp.MustCompile(`\bSELECT\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bFROM\s+[a-z_]+\b|\bJOIN\s+[a-z_]+\b|\bON CONFLICT\b|\bRETURNING\b`)

// use is one table named by a package's SQL.
type use struct {
	table string
	write bool
	pos   token.Position
	text  string // the SQL, shortened, for the message
}

// pkgSQL is the SQL found in one package.
type pkgSQL struct {
	uses []use
}

// scanPackage parses the non-test Go files of dir and returns the uses of tables.
func scanPackage(dir string, tables []string, columns map[string]bool) (pkgSQL, error) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return pkgSQL{}, err
	}
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, 0)
		if err != nil {
			return pkgSQL{}, err
		}
		files = append(files, f)
	}
	s := &scanner{fset: fset, tables: tables, columns: columns, top: map[string]ast.Expr{}, seen: map[token.Pos]bool{}}
	for _, f := range files {
		s.collectTop(f)
	}
	for _, f := range files {
		s.file(f)
	}
	sort.Slice(s.out.uses, func(i, j int) bool {
		a, b := s.out.uses[i].pos, s.out.uses[j].pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Offset < b.Offset
	})
	return s.out, nil
}

type scanner struct {
	fset    *token.FileSet
	tables  []string
	columns map[string]bool     // table names that are also column names
	top     map[string]ast.Expr // package-level constants and variables
	out     pkgSQL
	seen    map[token.Pos]bool // one report per place and table
}

// collectTop records the package-level values, which other files of the package use
// by name (the parser resolves only names declared in the same file).
func (s *scanner) collectTop(f *ast.File) {
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || (g.Tok != token.CONST && g.Tok != token.VAR) {
			continue
		}
		for _, sp := range g.Specs {
			v := sp.(*ast.ValueSpec)
			for i, n := range v.Names {
				if i < len(v.Values) {
					s.top[n.Name] = v.Values[i]
				}
			}
		}
	}
}

func (s *scanner) file(f *ast.File) {
	parents := map[ast.Node]ast.Node{}
	var stack []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		if len(stack) > 0 {
			parents[n] = stack[len(stack)-1]
		}
		stack = append(stack, n)
		switch x := n.(type) {
		case *ast.CallExpr:
			s.call(x)
		case *ast.KeyValueExpr:
			// a table named in a struct for the store (store.EncryptedColumn{Table: …})
			if k, ok := x.Key.(*ast.Ident); ok && k.Name == "Table" {
				for _, v := range s.fold(x.Value, 0) {
					for _, t := range s.tables {
						if v == t {
							s.add(use{table: t, write: true, pos: s.fset.Position(x.Value.Pos()), text: "Table: " + strconv.Quote(v)})
						}
					}
				}
			}
		case *ast.BinaryExpr:
			if x.Op != token.ADD {
				return true
			}
			if p, ok := parents[x].(*ast.BinaryExpr); ok && p.Op == token.ADD {
				return true // the outermost concatenation is read whole
			}
			for _, text := range s.fold(x, 0) {
				s.sql(text, x.Pos(), false)
			}
		}
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if p, ok := parents[lit].(*ast.BinaryExpr); ok && p.Op == token.ADD {
				return true
			}
			if v, err := strconv.Unquote(lit.Value); err == nil && !s.seen[lit.Pos()] && sqlShape.MatchString(v) {
				s.sql(v, lit.Pos(), false)
			}
		}
		return true
	})
}

// call follows the SQL argument of a store call to its text.
func (s *scanner) call(c *ast.CallExpr) {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return
	}
	sc, ok := storeCalls[sel.Sel.Name]
	if !ok || len(c.Args) <= sc.arg {
		return
	}
	for _, text := range s.fold(c.Args[sc.arg], 0) {
		if !sc.table {
			s.sql(text, c.Args[sc.arg].Pos(), true)
			continue
		}
		for _, t := range s.tables {
			if strings.TrimSpace(text) == t {
				s.add(use{table: t, write: true, pos: s.fset.Position(c.Args[sc.arg].Pos()), text: sel.Sel.Name + "(" + t + ")"})
			}
		}
	}
}

// writeBefore and tableBefore recognise what precedes a table name where it is written,
// or named as a table at all (rather than as a column of the same name).
var (
	writeBefore = regexp.MustCompile(`\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(\s+TABLE)?|ALTER\s+TABLE|DROP\s+TABLE(\s+IF\s+EXISTS)?|CREATE\s+TABLE(\s+IF\s+NOT\s+EXISTS)?)\s+$`)
	tableBefore = regexp.MustCompile(`\b(FROM|JOIN|INTO|UPDATE|TABLE|EXISTS|ANALYZE)\s+$`)
)

// refs tells whether text names table t, and whether it writes it. A name preceded by a
// dot is a column (x.evaluations); a table whose name is also a column's (situations
// has a column competencies, transfers a column evaluations) counts only where a table
// goes: after FROM, JOIN, INTO, UPDATE…, or before a dot (evaluations.id).
func (s *scanner) refs(text, t string) (named, write bool) {
	word := regexp.MustCompile(`\b` + regexp.QuoteMeta(t) + `\b`)
	for _, m := range word.FindAllStringIndex(text, -1) {
		before, after := text[:m[0]], text[m[1]:]
		if strings.HasSuffix(before, ".") {
			continue
		}
		if s.columns[t] && !tableBefore.MatchString(before) && !strings.HasPrefix(after, ".") {
			continue
		}
		named = true
		if writeBefore.MatchString(before) {
			write = true
		}
	}
	return named, write
}

// sql records the tables named by one SQL text.
func (s *scanner) sql(text string, pos token.Pos, force bool) {
	if !force && !sqlShape.MatchString(text) {
		return
	}
	for _, t := range s.tables {
		named, write := s.refs(text, t)
		if !named {
			continue
		}
		short := strings.Join(strings.Fields(text), " ")
		if len(short) > 120 {
			short = short[:117] + "..."
		}
		s.add(use{table: t, write: write, pos: s.fset.Position(pos), text: short})
	}
}

func (s *scanner) add(u use) {
	for _, x := range s.out.uses {
		if x.pos == u.pos && x.table == u.table {
			return
		}
	}
	s.out.uses = append(s.out.uses, u)
}

// maxTexts caps the texts one expression may build (a query over a list of tables
// builds one per table).
const maxTexts = 64

// fold returns the texts an expression may build, as far as they can be known; what
// cannot be known (a number, a call's result) reads as "?". A name bound to a list by a
// range loop builds one text per element.
func (s *scanner) fold(e ast.Expr, depth int) []string {
	unknown := []string{" ? "}
	if depth > 20 {
		return unknown
	}
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			s.seen[x.Pos()] = true
			if v, err := strconv.Unquote(x.Value); err == nil {
				return []string{v}
			}
		}
		return unknown
	case *ast.ParenExpr:
		return s.fold(x.X, depth+1)
	case *ast.BinaryExpr:
		if x.Op == token.ADD {
			return cross(s.fold(x.X, depth+1), s.fold(x.Y, depth+1))
		}
	case *ast.Ident:
		return s.ident(x, depth)
	case *ast.SelectorExpr:
		return s.field(x, depth)
	case *ast.CompositeLit:
		var out []string
		for _, el := range x.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				el = kv.Value
			}
			out = append(out, s.fold(el, depth+1)...)
		}
		return capped(out)
	case *ast.CallExpr:
		sel, ok := x.Fun.(*ast.SelectorExpr)
		if !ok {
			break
		}
		pkg, ok := sel.X.(*ast.Ident)
		if !ok || pkg.Name != "fmt" && pkg.Name != "strings" {
			break
		}
		if pkg.Name == "fmt" && strings.HasSuffix(sel.Sel.Name, "printf") && len(x.Args) > 0 {
			return s.sprintf(x.Args, depth)
		}
		var parts [][]string
		for _, a := range x.Args {
			parts = append(parts, s.fold(a, depth+1))
		}
		out := []string{""}
		for _, p := range parts {
			out = cross(out, cross([]string{" "}, p))
		}
		return out
	}
	return unknown
}

// sprintf puts the arguments' texts in the format's verbs (%s, %v, %d, %[2]s…).
func (s *scanner) sprintf(args []ast.Expr, depth int) []string {
	verb := regexp.MustCompile(`%(\[(\d+)\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)
	var out []string
	for _, format := range s.fold(args[0], depth+1) {
		texts := []string{""}
		next, last := 1, 0
		for _, m := range verb.FindAllStringSubmatchIndex(format, -1) {
			texts = cross(texts, []string{format[last:m[0]]})
			last = m[1]
			if format[m[1]-1] == '%' {
				texts = cross(texts, []string{"%"})
				continue
			}
			n := next
			if m[4] >= 0 {
				n, _ = strconv.Atoi(format[m[4]:m[5]])
			}
			next = n + 1
			if n < len(args) {
				texts = cross(texts, s.fold(args[n], depth+1))
			} else {
				texts = cross(texts, []string{" ? "})
			}
		}
		out = append(out, cross(texts, []string{format[last:]})...)
	}
	return capped(out)
}

func cross(a, b []string) []string {
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return capped(out)
}

func capped(v []string) []string {
	if len(v) > maxTexts {
		return v[:maxTexts]
	}
	if len(v) == 0 {
		return []string{" ? "}
	}
	return v
}

// ident follows a name to the value it was given: a constant or variable of the
// function or of the package, or the list a range variable walks.
func (s *scanner) ident(id *ast.Ident, depth int) []string {
	unknown := []string{" ? "}
	if id.Obj != nil {
		switch d := id.Obj.Decl.(type) {
		case *ast.ValueSpec:
			for i, n := range d.Names {
				if n.Name == id.Name && i < len(d.Values) {
					return s.fold(d.Values[i], depth+1)
				}
			}
		case *ast.AssignStmt:
			if list, ok := rangeOver(d, id.Name); ok {
				return s.fold(list, depth+1)
			}
			for i, n := range d.Lhs {
				if ni, ok := n.(*ast.Ident); ok && ni.Name == id.Name && len(d.Rhs) == len(d.Lhs) {
					return s.fold(d.Rhs[i], depth+1)
				}
			}
		}
		return unknown
	}
	if v, ok := s.top[id.Name]; ok {
		return s.fold(v, depth+1)
	}
	return unknown
}

// rangeOver returns the list a range loop binds name to, as its value.
func rangeOver(d *ast.AssignStmt, name string) (ast.Expr, bool) {
	if len(d.Rhs) != 1 || len(d.Lhs) != 2 {
		return nil, false
	}
	u, ok := d.Rhs[0].(*ast.UnaryExpr)
	if !ok || u.Op != token.RANGE {
		return nil, false
	}
	if v, ok := d.Lhs[1].(*ast.Ident); ok && v.Name == name {
		return u.X, true
	}
	return nil, false
}

// field follows x.f where x walks a list of struct literals (for _, t := range
// []struct{table string; …}{{"evaluations", …}, …}) to the texts of field f.
func (s *scanner) field(sel *ast.SelectorExpr, depth int) []string {
	unknown := []string{" ? "}
	id, ok := sel.X.(*ast.Ident)
	if !ok || id.Obj == nil {
		return unknown
	}
	d, ok := id.Obj.Decl.(*ast.AssignStmt)
	if !ok {
		return unknown
	}
	list, ok := rangeOver(d, id.Name)
	if !ok {
		return unknown
	}
	lit, ok := list.(*ast.CompositeLit)
	if !ok {
		return unknown
	}
	arr, ok := lit.Type.(*ast.ArrayType)
	if !ok {
		return unknown
	}
	st, ok := arr.Elt.(*ast.StructType)
	if !ok {
		return unknown
	}
	index, i := -1, 0
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			if n.Name == sel.Sel.Name {
				index = i
			}
			i++
		}
	}
	var out []string
	for _, el := range lit.Elts {
		c, ok := el.(*ast.CompositeLit)
		if !ok {
			continue
		}
		for j, v := range c.Elts {
			if kv, ok := v.(*ast.KeyValueExpr); ok {
				if k, ok := kv.Key.(*ast.Ident); ok && k.Name == sel.Sel.Name {
					out = append(out, s.fold(kv.Value, depth+1)...)
				}
			} else if j == index {
				out = append(out, s.fold(v, depth+1)...)
			}
		}
	}
	return capped(out)
}
