// Package passport owns a student's professional situations (BAC and BEP level sheets
// and the files he attaches to them) and his passport: the download of all his data as
// a ZIP holding a PDF summary, a JSON file (docs/passport-schema.md) and his files.
package passport
