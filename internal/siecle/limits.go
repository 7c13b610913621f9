package siecle

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Length limits of the values the readers deliver, in characters (runes),
// documented in docs/limits.md. They are far above what SIECLE writes and
// stop values no export holds (a name over 100 characters is not a name),
// which would otherwise be stored and shown in every list.
//
// A value over its limit is never delivered: Read drops it with a
// WarnTooLong warning naming the field (the importer then decides what the
// student becomes), except an ELEVE_ID or the UAJ, the keys of the file,
// which make it a *FileError; ReadNomenclature refuses the file.
const (
	// MaxEleveID limits ELEVE_ID (an attribute of ELEVE and
	// STRUCTURES_ELEVE) and UAJ.
	MaxEleveID = 32
	// MaxName limits NOM_DE_FAMILLE, NOM, NOM_USAGE, PRENOM, PRENOM2 and
	// PRENOM3.
	MaxName = 100
	// MaxCode limits the codes, numbers and dates of a student: ELENOET,
	// ID_NATIONAL, INE_RNIE, INE_BEA, DATE_NAISS, DATE_ENTREE, DATE_SORTIE,
	// CODE_SEXE, CODE_MEF, CODE_STATUT, CODE_REGIME, CODE_MOTIF_SORTIE,
	// SCOLARITE_AN_DERNIER/CODE_RNE, and of PARAMETRES: ANNEE_SCOLAIRE,
	// DATE_EXPORT, HORODATAGE; and in Nomenclature.xml MEF@CODE_MEF and
	// MEF_RATTACHEMENT.
	MaxCode = 32
	// MaxStructure limits CODE_STRUCTURE and TYPE_STRUCTURE (a class or
	// group code).
	MaxStructure = 64
	// MaxStructures is the number of STRUCTURE entries kept per student.
	MaxStructures = 50
	// MaxFormation limits FORMATION in Nomenclature.xml.
	MaxFormation = 50
	// MaxLabel limits LIBELLE_LONG and LIBELLE_EDITION in Nomenclature.xml.
	MaxLabel = 200
)

// maxValue is what the tokenizer keeps of a value (tokenizer.keepMax), in
// bytes: more than any limit above needs in UTF-8 (4 bytes a character at
// most), so that a longer value is over its limit whatever its characters.
const maxValue = 4 * MaxLabel

// WarnTooLong is the code of a value over its limit (see MaxName).
const WarnTooLong WarningCode = "too-long"

// WarnMissing is the code of an empty identity field: NOM_DE_FAMILLE (and
// NOM), PRENOM or DATE_NAISS.
const WarnMissing WarningCode = "missing"

// overLimit reports whether the value v, or over (the tokenizer dropped
// part of it), exceeds max characters.
func overLimit(v string, over bool, max int) bool {
	return over || len(v) > max && utf8.RuneCountInString(v) > max
}

// tooLong is the warning for a value of field over max characters. It
// never quotes the value.
func tooLong(field string, max int) Warning {
	return Warning{Code: WarnTooLong, Field: field,
		Message: fmt.Sprintf("plus de %d caractères\u00a0: valeur ignorée (un export SIECLE n’en contient pas de si longue)", max),
		Key:     "siecle.too_long", Params: map[string]string{"max": strconv.Itoa(max)}}
}

// tooLongMsg is the message of a *FileError for a key over max characters.
func tooLongMsg(field string, max int) string {
	return fmt.Sprintf("%s de plus de %d caractères : le fichier n'est pas un export SIECLE valide", field, max)
}
