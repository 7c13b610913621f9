package graduation_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/pdfdoc/pdftest"
)

func TestJuryMinutes(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 3)
		g := f.s.App.Graduation
		// The jury writes the minutes of the session (the cohort's jury date by default).
		m, err := g.SaveMinutes(ctx, f.jury, uai, f.cohort.ID, "", "Deliberation ING-2027: 2 admis, 1 ajourne")
		if err != nil || m.SessionDate != "2027-07-01" || m.ID == 0 {
			t.Fatalf("jury saves: %+v, %v", m, err)
		}
		// The office rewrites them (same session: one row), the director adds a session.
		if _, err := g.SaveMinutes(ctx, f.office, uai, f.cohort.ID, "2027-07-01", "Deliberation ING-2027 finale: 3 admis"); err != nil {
			t.Fatal(err)
		}
		if _, err := g.SaveMinutes(ctx, f.director, uai, f.cohort.ID, "2027-09-10", "Session de rattrapage"); err != nil {
			t.Fatal(err)
		}
		list, err := g.MinutesOf(ctx, f.jury, uai, f.cohort.ID)
		if err != nil || len(list) != 2 || list[0].SessionDate != "2027-09-10" || list[1].Text != "Deliberation ING-2027 finale: 3 admis" ||
			list[1].AuthorID == nil || *list[1].AuthorID != f.office.AccountID {
			t.Fatalf("minutes: %+v, %v", list, err)
		}
		// Bad input.
		_, err = g.SaveMinutes(ctx, f.jury, uai, f.cohort.ID, "", "   ")
		wantCode(t, "empty", err, "required")
		_, err = g.SaveMinutes(ctx, f.jury, uai, f.cohort.ID, "", strings.Repeat("é", graduation.MaxMinutes+1))
		wantCode(t, "too long", err, "too_long")
		if _, err := g.SaveMinutes(ctx, f.jury, uai, f.cohort.ID, "2027-09-11", strings.Repeat("é", graduation.MaxMinutes)); err != nil {
			t.Fatalf("at the limit: %v", err)
		}
		_, err = g.SaveMinutes(ctx, f.jury, uai, f.cohort.ID, "01/07/2027", "x")
		wantCode(t, "bad date", err, "invalid_session_date")
		_, err = g.SaveMinutes(ctx, f.jury, uai, f.cohort.ID+1000, "", "x")
		wantCode(t, "unknown cohort", err, "cohort_not_found")
		// A student neither reads nor writes; an establishment admin neither (not listed);
		// a jury member of another establishment sees nothing.
		_, err = g.MinutesOf(ctx, f.studentP(0), uai, f.cohort.ID)
		wantCode(t, "student reads", err, "forbidden")
		_, err = g.SaveMinutes(ctx, f.studentP(0), uai, f.cohort.ID, "", "x")
		wantCode(t, "student writes", err, "forbidden")
		other := &authz.Principal{AccountID: f.jury.AccountID, Login: "other", Roles: []authz.Membership{{Role: authz.RoleJury, EstablishmentID: f.e.ID + 1000}}}
		_, err = g.MinutesOf(ctx, other, uai, f.cohort.ID)
		if err == nil {
			t.Fatal("a jury member of another establishment reads the minutes")
		}
		// Every write and read is audited.
		for action, want := range map[string]int{audit.GraduationMinutesSaved: 4, audit.GraduationMinutesRead: 1} {
			evs, err := f.s.App.Audit.List(ctx, audit.Filter{Action: action, Limit: 100})
			if err != nil || len(evs) != want {
				t.Fatalf("%s: %d events, %v; want %d", action, len(evs), err, want)
			}
		}
		// At most MaxSessions sessions a cohort (3 so far).
		for d := 1; d <= graduation.MaxSessions-3; d++ {
			if _, err := g.SaveMinutes(ctx, f.office, uai, f.cohort.ID, fmt.Sprintf("2027-10-%02d", d), "s"); err != nil {
				t.Fatal(err)
			}
		}
		_, err = g.SaveMinutes(ctx, f.office, uai, f.cohort.ID, "2027-11-01", "one too many")
		wantCode(t, "a session too many", err, "too_many")
		if _, err := g.SaveMinutes(ctx, f.office, uai, f.cohort.ID, "2027-10-01", "rewritten"); err != nil {
			t.Fatalf("rewriting a session at the cap: %v", err)
		}
		// The pre-jury PDF prints the minutes of the session (the jury date).
		var pdf bytes.Buffer
		if err := g.PreJuryPDF(ctx, f.jury, uai, f.cohort.ID, &pdf, "fr"); err != nil {
			t.Fatal(err)
		}
		text := pdftest.Text(pdf.Bytes())
		if !strings.Contains(text, "Deliberation ING-2027 finale: 3 admis") || strings.Contains(text, "Session de rattrapage") {
			t.Fatal("the pre-jury PDF does not print the session's minutes (only them)")
		}
		// The purge takes them with the cohort's graduation data.
		f.s.Clock.Advance(time.Date(2028, 9, 3, 12, 0, 0, 0, time.UTC).Sub(f.s.Clock.Now()))
		rep, err := g.RunPurge(ctx)
		if err != nil || rep.Minutes != graduation.MaxSessions || rep.Cohorts != 1 {
			t.Fatalf("purge: %+v, %v", rep, err)
		}
		list, err = g.MinutesOf(ctx, f.jury, uai, f.cohort.ID)
		if err != nil || len(list) != 0 {
			t.Fatalf("after the purge: %+v, %v", list, err)
		}
	})
}
