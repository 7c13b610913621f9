package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

func genFile(b *testing.B, uai string, n int) []byte {
	b.Helper()
	var buf bytes.Buffer
	if err := siecle.Generate(&buf, siecle.GenOptions{UAI: uai, Students: n, Seed: int64(n), LeftPercent: 5}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkImport measures a first import (every student created, with his account)
// and a re-import of the same file (nothing to write), and two references for the first:
// parsing the file alone, and a plain multi-row INSERT of the same number of rows.
func BenchmarkImport(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		for _, n := range []int{2000, 10000} {
			data := genFile(b, "0691234S", n)
			b.Run(fmt.Sprintf("%s/%d/first", e, n), func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					s := apptest.Start(b, e)
					newEstablishment(b, s, "0691234S")
					b.StartTimer()
					if _, err := s.App.Importer.Siecle(context.Background(), authz.OperatorPrincipal(), "0691234S", source(b, "f.xml", data), false); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "students/s")
			})
			// The same without the school year's feed (issue 14): the difference is what
			// the year's classes and enrolments cost an import.
			b.Run(fmt.Sprintf("%s/%d/first-without-year", e, n), func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					s := apptest.Start(b, e)
					s.App.Importer.Placements = nil
					newEstablishment(b, s, "0691234S")
					b.StartTimer()
					if _, err := s.App.Importer.Siecle(context.Background(), authz.OperatorPrincipal(), "0691234S", source(b, "f.xml", data), false); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "students/s")
			})
			b.Run(fmt.Sprintf("%s/%d/again", e, n), func(b *testing.B) {
				s := apptest.Start(b, e)
				newEstablishment(b, s, "0691234S")
				if _, err := s.App.Importer.Siecle(context.Background(), authz.OperatorPrincipal(), "0691234S", source(b, "f.xml", data), false); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for range b.N {
					if _, err := s.App.Importer.Siecle(context.Background(), authz.OperatorPrincipal(), "0691234S", source(b, "f.xml", data), false); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("%s/%d/insert-only", e, n), func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					db := storetest.Open(b, e)
					now := time.Now()
					var eid int64
					if err := db.QueryRow(context.Background(), `INSERT INTO establishments (uai, name, created_at, updated_at) VALUES ('0691234S', 'x', $1, $1) RETURNING id`, now).Scan(&eid); err != nil {
						b.Fatal(err)
					}
					accRows := make([][]any, n)
					stRows := make([][]any, n)
					for i := range n {
						accRows[i] = []any{fmt.Sprintf("l%06d", i), "Prénom Nom", "pending", "fr", nil, now, now}
						stRows[i] = []any{eid, fmt.Sprint(i), "1", now, now, "12", nil, "missing", "NOM", "", "Prénom", "", "",
							"2009-01-01", "F", "2NDPRO-A", "", "24720002310", "2024-09-02", "", "", "active", "", "nom prenom"}
					}
					b.StartTimer()
					// The fastest plain load each engine offers: COPY on PostgreSQL, multi-row
					// INSERTs on SQLite, in one transaction.
					err := db.Tx(context.Background(), func(ctx context.Context) error {
						if _, err := db.CopyRows(ctx, "accounts", []string{"login", "display_name", "status", "lang", "created_by", "created_at", "updated_at"}, accRows); err != nil {
							return err
						}
						_, err := db.CopyRows(ctx, "students", []string{"establishment_id", "eleve_id", "nouvel_eleve", "created_at", "updated_at",
							"elenoet", "unqid", "ine_status", "last_name", "usage_name", "first_name", "first_name2", "first_name3",
							"birth_date", "sex", "class", "groups", "mef", "entry_date", "exit_date", "exit_reason", "status", "previous_uai", "search"}, stRows)
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkParseOnly is the cost of reading the file alone (the floor of an import).
func BenchmarkParseOnly(b *testing.B) {
	for _, n := range []int{2000, 10000} {
		data := genFile(b, "0691234S", n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for range b.N {
				if err := siecle.Read(bytes.NewReader(data), nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "students/s")
		})
	}
}

var _ = store.SQLite
