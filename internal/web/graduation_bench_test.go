package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// BenchmarkMatrixPage: the office's cohort matrix of 2,000 students × 15 rules as the
// browser gets it — GET over HTTP with the session cookie, through the whole handler
// chain (session, CSRF token, the service's queries and audit event, the template
// rendered), the body read to its end. Issue 12's target: p95 < 300 ms.
//
//	go test ./internal/web -run '^$' -bench MatrixPage -benchtime 20x
func BenchmarkMatrixPage(b *testing.B) {
	const n, rules = 2000, 15
	s := apptest.Start(b, store.SQLite)
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	const uai = "0691998X"
	name, higher := "École d'ingénieurs", establishment.SectorHigher
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name, Sector: &higher})
	if err != nil {
		b.Fatal(err)
	}
	var gen bytes.Buffer
	if err := siecle.Generate(&gen, siecle.GenOptions{UAI: uai, Students: n, Seed: 3}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.App.Importer.Siecle(ctx, op, uai, importer.Source{Name: "e.xml", R: bytes.NewReader(gen.Bytes()), Size: int64(gen.Len())}, false); err != nil {
		b.Fatal(err)
	}
	list, err := s.App.Students.List(ctx, op, uai, student.Filter{Status: "active", Limit: n})
	if err != nil || len(list.Students) != n {
		b.Fatalf("students: %d, %v", len(list.Students), err)
	}
	if _, err := s.App.Highered.SaveProgramme(ctx, op, uai, highered.Programme{Code: "ING", Label: "Ingénieur", DurationYears: 3}); err != nil {
		b.Fatal(err)
	}
	c, err := s.App.Highered.SaveCohort(ctx, op, uai, highered.CohortInput{ProgrammeCode: "ING", Code: "ING-2027", EntryYear: 2024, GraduationYear: 2027, JuryDate: "2099-07-01"})
	if err != nil {
		b.Fatal(err)
	}
	members := make([]highered.Member, n)
	for i, st := range list.Students {
		members[i] = highered.Member{StudentID: st.ID, CohortID: c.ID, YearOfStudy: 3}
	}
	if err := s.App.DB.Tx(ctx, func(ctx context.Context) error { return s.App.Highered.SetMembers(ctx, e.ID, members) }); err != nil {
		b.Fatal(err)
	}
	for i := range rules {
		r := graduation.Rule{Code: fmt.Sprintf("R%02d", i), Label: fmt.Sprintf("Règle %d", i), Category: "other",
			Mandatory: i%5 != 4, Deadline: fmt.Sprintf("2099-%02d-15", 3+i%4), ExemptionAllowed: i%3 == 0, Position: i}
		if _, err := s.App.Graduation.SaveRule(ctx, op, uai, c.ID, r); err != nil {
			b.Fatal(err)
		}
	}
	office := s.CreateUser("scol.bench", authz.Membership{Role: authz.RoleOffice, EstablishmentID: e.ID})
	cl := s.Browser()
	login(b, s, cl, office)
	url := fmt.Sprintf("%s/establishments/%s/cohorts/%d", s.URL, uai, c.ID)

	var ds []time.Duration
	var size int64
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		resp, err := cl.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		size, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, %v", resp.StatusCode, err)
		}
		ds = append(ds, time.Since(t))
	}
	b.StopTimer()
	// The page holds every student and every rule.
	resp, err := cl.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := strings.Count(string(body), "<tr"); got < n {
		b.Fatalf("the page has %d rows, want at least %d", got, n)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	b.ReportMetric(float64(ds[(len(ds)*95+99)/100-1].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(size)/1024, "KiB")
}
