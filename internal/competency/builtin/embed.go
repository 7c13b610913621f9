// Package builtin ships example competency referentials with cartable, for
// demos, tests and a first start: a Bac pro, a CAP and a BEP, each linked to
// the MEFs that the synthetic SIECLE generator (siecle.GeneratedMEFs) writes,
// so that generated students find their referential.
//
// The referentials are invented: their labels say "exemple fictif" and they
// are not the official texts (see README.md). They are JSON files in the
// format of competency.ParseJSON, embedded in the binary.
package builtin

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/cartable/cartable/internal/competency"
)

// files holds the referentials. An embed.FS is read-only: it is no
// package-level mutable state.
//
//go:embed *.json
var files embed.FS

// All returns the built-in referentials, parsed and validated, ordered by
// file name. Each call returns fresh values that the caller may change.
func All() ([]competency.Referential, error) {
	names, err := fs.Glob(files, "*.json")
	if err != nil {
		return nil, err
	}
	out := make([]competency.Referential, 0, len(names))
	for _, name := range names {
		f, err := files.Open(name)
		if err != nil {
			return nil, err
		}
		r, err := competency.ParseJSON(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("référentiel intégré %s : %w", name, err)
		}
		out = append(out, r)
	}
	return out, nil
}
