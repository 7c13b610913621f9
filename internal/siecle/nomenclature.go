package siecle

import (
	"fmt"
	"io"
)

// MEFLabel is one MEF of Nomenclature.xml with its labels: the importer and
// the referentials show labels, never bare codes.
type MEFLabel struct {
	// Code is the CODE_MEF attribute.
	Code MEF
	// Formation is FORMATION, the short name of the formation year
	// ("2NDPRO", "1CAP2").
	Formation string
	// Label is LIBELLE_LONG, the upper-case label
	// ("2NDPRO METIERS DE LA RELATION CLIENT").
	Label string
	// Edition is LIBELLE_EDITION, the mixed-case label for printed documents;
	// may be empty.
	Edition string
	// Parent is MEF_RATTACHEMENT, the MEF this one is attached to; may be
	// empty.
	Parent MEF
	// Line is the line of the MEF element.
	Line int
}

// rootNomenclatures is the root element of Nomenclature.xml.
const rootNomenclatures = "BEE_NOMENCLATURES"

// ReadNomenclature streams the MEFs of a SIECLE Nomenclature.xml into fn,
// with the same encodings and *FileError as Read. Values are trimmed (the
// file pads them with spaces). A MEF without a well-formed CODE_MEF is a
// *FileError: the code is the only thing the file is read for; so is a
// value over its limit (MaxCode, MaxFormation, MaxLabel), which a genuine
// nomenclature never holds. Other
// sections (MATIERES, OPTIONS, …) are skipped. An error returned by fn stops
// the reading and is returned unchanged.
func ReadNomenclature(r io.Reader, fn func(MEFLabel) error) error {
	p := newParser(r)
	if err := p.root(rootNomenclatures, "un fichier de nomenclatures de SIECLE (Nomenclature.xml)"); err != nil {
		return err
	}
	if err := nomenclatureSection(p, fn); err != nil {
		return err
	}
	return p.end(rootNomenclatures)
}

// nomenclatureSection reads the children of the root or of DONNEES.
func nomenclatureSection(p *parser, fn func(MEFLabel) error) error {
	for {
		ok, err := p.child()
		if err != nil || !ok {
			return err
		}
		switch string(p.name()) {
		case "DONNEES":
			err = nomenclatureSection(p, fn)
		case "MEFS":
			err = readMEFs(p, fn)
		default:
			err = p.skip()
		}
		if err != nil {
			return err
		}
	}
}

func readMEFs(p *parser, fn func(MEFLabel) error) error {
	for {
		ok, err := p.child()
		if err != nil || !ok {
			return err
		}
		if string(p.name()) != "MEF" {
			err = p.skip()
		} else {
			var m MEFLabel
			if m, err = readMEF(p); err == nil {
				err = fn(m)
			}
		}
		if err != nil {
			return err
		}
	}
}

func readMEF(p *parser) (MEFLabel, error) {
	m := MEFLabel{Line: p.line()}
	raw := p.attr("CODE_MEF")
	if overLimit(raw, false, MaxCode) {
		return m, &FileError{Line: m.Line, Element: "MEF", Msg: tooLongMsg("attribut CODE_MEF", MaxCode)}
	}
	var parent string
	for {
		ok, err := p.child()
		if err != nil {
			return m, err
		}
		if !ok {
			break
		}
		var dst *string
		max := MaxLabel
		field := string(p.name())
		switch field {
		case "FORMATION":
			dst, max = &m.Formation, MaxFormation
		case "LIBELLE_LONG":
			dst = &m.Label
		case "LIBELLE_EDITION":
			dst = &m.Edition
		case "MEF_RATTACHEMENT":
			dst, max = &parent, MaxCode
		default:
			err = p.skip()
		}
		if dst != nil {
			var over bool
			if *dst, over, err = p.text(max); over {
				return m, &FileError{Line: m.Line, Element: "MEF", Msg: fmt.Sprintf("MEF %s : %s", raw, tooLongMsg(field, max))}
			}
		}
		if err != nil {
			return m, err
		}
	}
	code, err := ParseMEF(raw)
	if err != nil {
		return m, &FileError{Line: m.Line, Element: "MEF", Msg: fmt.Sprintf("attribut CODE_MEF : %v", err), Err: err}
	}
	m.Code = code
	if pm, err := ParseMEF(parent); err == nil {
		m.Parent = pm
	}
	return m, nil
}
