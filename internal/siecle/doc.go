// Package siecle knows the French national education identifiers and the files
// that SIECLE (the ministry's student information system) exports.
//
// It covers:
//
//   - UAI, the establishment code (formerly RNE), with its check letter;
//   - INE, the national student identifier, as a type that redacts itself
//     everywhere it could be printed or logged, because the product stores
//     only a keyed hash of it (unqid) and must never leak it in logs or errors;
//   - MEF, the formation code, and the rule deciding whether two students
//     prepare the same diploma (which decides whether data may be transferred);
//   - a streaming reader for the student export ElevesSansAdresses.xml
//     (plain or zipped, ISO-8859-15 or UTF-8) and for Nomenclature.xml;
//   - a deterministic generator of realistic synthetic exports for tests,
//     demos and benchmarks.
//
// The package is pure format code: it imports no other package of the
// project, touches no database and keeps no package-level mutable state, so
// every layer (importer, referentials, demo, tests) can depend on it.
//
// No official schema of the SIECLE exports is published. The reader is
// therefore liberal in what it accepts (element order, older element names,
// unknown elements, several encodings) and precise in what it reports: a
// broken file is a *FileError naming the line and element, and a doubtful
// value (bad date, INE failing its check) is a Warning attached to the student,
// never a rejected file. Values have length limits (limits.go, docs/limits.md),
// and the reader's memory is bounded whatever the document: nesting depth,
// tag size and what is kept of a value are capped.
package siecle
