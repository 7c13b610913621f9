package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// use is one place of the source that names a message.
type use struct {
	where string
	key   string
	// params are the named parameters given (With), nil when they are not known;
	// checked says whether they are all there is (the error is built in one chain).
	params  []string
	checked bool
}

// apperrConstructors are the apperr functions whose first argument is a code.
var apperrConstructors = map[string]bool{"Invalid": true, "NotFound": true, "Conflict": true, "Gone": true,
	"Unauthenticated": true, "Forbidden": true, "TooMany": true, "Unavailable": true, "Unsupported": true, "TooLarge": true}

// sourceUses returns the error codes and keys the Go code of cartable (internal/ and
// cmd/, tests aside) gives apperr, and the catalogue keys it stores for later (the
// Key of a SIECLE or import warning, of a SIECLE value check). Transfer reason codes
// are checked by internal/transfer's tests.
func sourceUses(t *testing.T) []use {
	t.Helper()
	var out []use
	// Literals that may be an error's Key given apart from its constructor
	// ("invalid_results.value"): kept until the codes are known.
	var literals []use
	fset := token.NewFileSet()
	lit := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	for _, root := range []string{"../../internal", "../../cmd"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			inner := map[*ast.CallExpr]bool{} // calls that are part of a longer chain
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					if inner[n] {
						return true
					}
					if u, ok := errorChain(n, lit, inner); ok {
						u.where = fset.Position(n.Pos()).String()
						out = append(out, u)
					}
					// The keys of siecle's value checks and of the warnings around them, and
					// of the problems of a grid file (competency.ParseGridCSV).
					if id, ok := n.Fun.(*ast.Ident); ok {
						arg := map[string]int{"valueError": 1, "valueWarning": 3, "gridProblem": 2, "gridError": 0}
						if i, ok := arg[id.Name]; ok && len(n.Args) > i {
							if k, ok := lit(n.Args[i]); ok && k != "" {
								out = append(out, use{where: fset.Position(n.Pos()).String(), key: k})
							}
						}
					}
				case *ast.BasicLit:
					if k, ok := lit(n); ok && strings.Contains(k, ".") && isKey(k) {
						literals = append(literals, use{where: fset.Position(n.Pos()).String(), key: k})
					}
				case *ast.CompositeLit:
					// Stored keys: the Key of a warning (siecle.Warning, importer.Warning).
					if !strings.HasSuffix(typeName(n.Type), "Warning") {
						return true
					}
					for _, e := range n.Elts {
						kv, ok := e.(*ast.KeyValueExpr)
						if id, ok2 := kv.Key.(*ast.Ident); ok && ok2 && id.Name == "Key" {
							if k, ok := lit(kv.Value); ok && k != "" {
								out = append(out, use{where: fset.Position(kv.Pos()).String(), key: k})
							}
						}
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	codes := map[string]bool{}
	for _, u := range out {
		if u.checked {
			codes[u.key] = true
		}
	}
	for _, l := range literals {
		if code, _, _ := strings.Cut(l.key, "."); codes[code] && !strings.HasSuffix(l.key, ".") {
			out = append(out, l)
		}
	}
	return out
}

// isKey reports whether s has the shape of a key: lower-case words, digits, "_" and ".".
func isKey(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
			return false
		}
	}
	return s != ""
}

// typeName is the name of a composite literal's type, without its package.
func typeName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return t.Sel.Name
	}
	return ""
}

// errorChain reads apperr.X("code", …)[.WithKey("key")][.With("name", v)…][.Wrap(err)],
// apperr.TooLong and apperr.TooManyItems.
func errorChain(c *ast.CallExpr, lit func(ast.Expr) (string, bool), inner map[*ast.CallExpr]bool) (use, bool) {
	var u use
	var key string
	for {
		sel, ok := c.Fun.(*ast.SelectorExpr)
		if !ok {
			return u, false
		}
		if x, ok := sel.X.(*ast.Ident); ok && x.Name == "apperr" {
			switch {
			case apperrConstructors[sel.Sel.Name] && len(c.Args) > 0:
				code, ok := lit(c.Args[0])
				if !ok {
					return u, false
				}
				u.key, u.checked = code, true
			case sel.Sel.Name == "TooLong" || sel.Sel.Name == "CheckLen":
				u.key, u.params, u.checked = "too_long", append(u.params, "field", "max"), true
			case sel.Sel.Name == "TooManyItems":
				u.key, u.params, u.checked = "too_many", append(u.params, "field", "max"), true
			default:
				return u, false
			}
			if key != "" {
				u.key = key
			}
			return u, true
		}
		next, ok := sel.X.(*ast.CallExpr)
		if !ok {
			return u, false
		}
		switch sel.Sel.Name {
		case "With":
			if len(c.Args) != 2 {
				return u, false
			}
			name, ok := lit(c.Args[0])
			if !ok {
				return u, false
			}
			u.params = append(u.params, name)
		case "WithKey":
			k, ok := lit(c.Args[0])
			if !ok {
				return u, false
			}
			key = k
		case "Wrap":
		default:
			return u, false
		}
		inner[next] = true
		c = next
	}
}

// TestEveryCodeHasAMessage: every error code the code returns, every key it gives an
// error (WithKey) or stores (Key:), has a message; the parameters given to an error are
// those of its message, and an error built in one chain gives all of them ({detail}
// aside: it is the error's own message).
func TestEveryCodeHasAMessage(t *testing.T) {
	uses := sourceUses(t)
	if len(uses) < 150 {
		t.Fatalf("only %d error codes and keys found in the source: is the parser broken?", len(uses))
	}
	for _, u := range uses {
		m, ok := Lookup(u.key)
		if !ok {
			t.Errorf("%s: %q has no message in the catalogue (internal/i18n)", u.where, u.key)
			continue
		}
		want := Placeholders(m.FR)
		for _, p := range u.params {
			if !slices.Contains(want, p) {
				t.Errorf("%s: %q is given the parameter %q, its message has %v", u.where, u.key, p, want)
			}
		}
		if !u.checked {
			continue
		}
		for _, p := range want {
			if p != "detail" && !slices.Contains(u.params, p) {
				t.Errorf("%s: %q is not given the parameter %q of its message", u.where, u.key, p)
			}
		}
	}
}
