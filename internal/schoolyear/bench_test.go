package schoolyear_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/store/storetest"
	"github.com/cartable/cartable/internal/student"
)

// BenchmarkFeed is what a SIECLE import now adds to its transaction: the year's classes
// and the enrolments of n students (40 classes), first (all created) and again (all
// updated).
func BenchmarkFeed(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		for _, n := range []int{2000, 10000} {
			s := apptest.Start(b, e)
			ctx := context.Background()
			name := "Lycée"
			est, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: "0691111H", Name: &name})
			if err != nil {
				b.Fatal(err)
			}
			ins := make([]student.Insert, n)
			for i := range ins {
				ins[i] = student.Insert{Record: &student.Record{EleveID: fmt.Sprint(i), LastName: "NOM", FirstName: "P", INEStatus: "missing",
					Class: fmt.Sprintf("C%02d", i%40), MEF: "24720002310", Status: student.StatusActive}, NouvelEleve: "0"}
			}
			if err := s.App.DB.Tx(ctx, func(ctx context.Context) error {
				_, err := student.Apply(ctx, s.App.DB, est, ins, nil, s.Clock.Now())
				return err
			}); err != nil {
				b.Fatal(err)
			}
			list, err := student.Placements(ctx, s.App.DB, est.ID)
			if err != nil {
				b.Fatal(err)
			}
			year := 2030
			b.Run(fmt.Sprintf("%s/%d/first", e, n), func(b *testing.B) {
				for range b.N {
					year++ // a new year each time: every class and enrolment created
					if err := s.App.DB.Tx(ctx, func(ctx context.Context) error {
						_, err := s.App.SchoolYear.Feed(ctx, est.ID, year, list, "siecle")
						return err
					}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "students/s")
			})
			b.Run(fmt.Sprintf("%s/%d/again", e, n), func(b *testing.B) {
				for range b.N {
					if err := s.App.DB.Tx(ctx, func(ctx context.Context) error {
						_, err := s.App.SchoolYear.Feed(ctx, est.ID, year, list, "siecle")
						return err
					}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "students/s")
			})
		}
	}
}
