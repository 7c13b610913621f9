package graduation_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/highered"
)

// TestInactiveStudentsApart: a student a full registrar export deactivated leaves the
// matrix (listed apart under its filter, counted apart) and the "at risk" report.
func TestInactiveStudentsApart(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 3)
		g := s.App.Graduation
		if _, err := g.SaveRule(ctx, f.office, uai, f.cohort.ID, graduation.Rule{Code: "STAGE", Label: "Stage", Category: "internship",
			Mandatory: true, Deadline: "2027-05-01"}); err != nil {
			t.Fatal(err)
		}
		// The first and the third deposit their internship agreement.
		for _, i := range []int{0, 2} {
			if _, err := g.SubmitProof(ctx, f.studentP(i), uai, f.students[i], itemOf(t, g, f, i, "STAGE"), "stage.pdf", strings.NewReader(minimalPDF), graduation.Change{}); err != nil {
				t.Fatal(err)
			}
		}
		// The registrar's full export lists only the first two: the third is deactivated.
		csv := "N° étudiant;Nom;Prénom;Date de naissance;Courriel;Formation;Promotion;Année\n" +
			"EA;NuméroA;Élève;01/01/2003;;ING;ING-2027;3\n" +
			"EB;NuméroB;Élève;01/01/2003;;ING;ING-2027;3\n"
		rep, err := s.App.Highered.Registrar(ctx, authz.OperatorPrincipal(), uai, highered.RegistrarSource{Name: "scol.csv", R: strings.NewReader(csv), Size: int64(len(csv))},
			highered.RegistrarOptions{Full: true})
		if err != nil || rep.Deactivated != 1 {
			t.Fatalf("registrar: %+v, %v", rep, err)
		}
		// A month before the jury the internship deadline has passed for all three.
		s.Clock.Advance(time.Date(2027, 6, 1, 10, 0, 0, 0, time.UTC).Sub(s.Clock.Now()))
		if _, err := g.RunNightly(ctx); err != nil {
			t.Fatal(err)
		}
		m, err := g.Matrix(ctx, f.office, uai, f.cohort.ID, graduation.FilterAll)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Rows) != 2 || m.Counts[graduation.FilterInactive] != 1 || m.Counts[string(graduation.Blocked)] != 2 {
			t.Fatalf("matrix: %d rows, counts %v", len(m.Rows), m.Counts)
		}
		for _, r := range m.Rows {
			if r.StudentID == f.students[2] || !r.Active {
				t.Fatalf("the deactivated student is in the matrix: %+v", r)
			}
		}
		if m, err = g.Matrix(ctx, f.office, uai, f.cohort.ID, graduation.FilterAtRisk); err != nil || len(m.Rows) != 2 {
			t.Fatalf("at risk: %d rows, %v", len(m.Rows), err)
		}
		if m, err = g.Matrix(ctx, f.office, uai, f.cohort.ID, graduation.FilterInactive); err != nil || len(m.Rows) != 1 || m.Rows[0].StudentID != f.students[2] || m.Rows[0].Active {
			t.Fatalf("inactive: %+v, %v", m.Rows, err)
		}
		// His proof leaves the office's queue and its digest.
		q, err := g.Queue(ctx, f.office, uai)
		if err != nil || len(q) != 1 || q[0].StudentID != f.students[0] {
			t.Fatalf("queue: %+v, %v", q, err)
		}
		if _, err := g.RunDigest(ctx); err != nil {
			t.Fatal(err)
		}
		digests := 0
		for _, n := range f.notes.list {
			if n.key == "graduation.notice.digest" {
				digests++
				if n.params["count"] != "1" {
					t.Errorf("the digest counts %s proofs, want 1 (the enrolled student's)", n.params["count"])
				}
			}
		}
		if digests == 0 {
			t.Fatalf("no digest: %v", f.notes.keys())
		}
		reports := 0
		for _, n := range f.notes.list {
			if n.key == "graduation.notice.at_risk" {
				reports++
				if n.params["count"] != "2" {
					t.Errorf("at-risk report counts %s students, want 2", n.params["count"])
				}
			}
		}
		if reports != 1 {
			t.Fatalf("%d at-risk reports (one director), want 1: %v", reports, f.notes.keys())
		}
	})
}

// TestTransferPurgeTakesProofs: when the six-month purge deletes a student who left
// (here deactivated by a full registrar export), the contents of his graduation proofs
// go too, except a content another student's proof still names.
func TestTransferPurgeTakesProofs(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 2)
		g := s.App.Graduation
		for _, r := range []graduation.Rule{
			{Code: "TOEIC", Label: "Anglais", Category: "language", Mandatory: true, Deadline: "2027-06-01"},
			{Code: "STAGE", Label: "Stage", Category: "internship", Mandatory: true, Deadline: "2027-06-01"},
		} {
			if _, err := g.SaveRule(ctx, f.office, uai, f.cohort.ID, r); err != nil {
				t.Fatal(err)
			}
		}
		own := []byte(minimalPDF + "% relevé TOEIC de A\n")
		shared := []byte(minimalPDF + "% convention de stage commune\n")
		deposit := func(i int, rule string, b []byte) graduation.Item {
			t.Helper()
			it, err := g.SubmitProof(ctx, f.studentP(i), uai, f.students[i], itemOf(t, g, f, i, rule), rule+".pdf", bytes.NewReader(b), graduation.Change{})
			if err != nil {
				t.Fatal(err)
			}
			return it
		}
		mine, common := deposit(0, "TOEIC", own), deposit(0, "STAGE", shared)
		deposit(1, "STAGE", shared)

		csv := "N° étudiant;Nom;Prénom;Date de naissance;Courriel;Formation;Promotion;Année\nEB;NuméroB;Élève;01/01/2003;;ING;ING-2027;3\n"
		if rep, err := s.App.Highered.Registrar(ctx, authz.OperatorPrincipal(), uai, highered.RegistrarSource{Name: "scol.csv", R: strings.NewReader(csv), Size: int64(len(csv))},
			highered.RegistrarOptions{Full: true}); err != nil || rep.Deactivated != 1 {
			t.Fatalf("registrar: %+v %v", rep, err)
		}
		// Seven months later, the transfer purge deletes A.
		s.Clock.Advance(212 * 24 * time.Hour)
		c, err := s.App.Transfers.RunPurge(ctx)
		if err != nil || c.Purged != 1 || c.FilesDeleted != 1 {
			t.Fatalf("purge: %+v %v", c, err)
		}
		if ok, err := s.App.Blobs.Exists(ctx, mine.ProofSHA()); err != nil || ok {
			t.Fatalf("A's own proof still stored: %v %v", ok, err)
		}
		if ok, err := s.App.Blobs.Exists(ctx, common.ProofSHA()); err != nil || !ok {
			t.Fatalf("the content B's proof names was deleted: %v %v", ok, err)
		}
	})
}
