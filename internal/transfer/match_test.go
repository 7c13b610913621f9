package transfer_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/transfer"
)

// adminOf is an administrator of the world's establishment e (A or B).
func (w *world) adminOf(t *testing.T, login string, estID int64) *authz.Principal {
	t.Helper()
	u := w.s.CreateUser(login, authz.Membership{Role: authz.RoleAdmin, EstablishmentID: estID})
	return &authz.Principal{AccountID: u.ID, Login: u.Login, Roles: []authz.Membership{{Role: authz.RoleAdmin, EstablishmentID: estID}}}
}

// events counts the audit events of an action at an establishment.
func (w *world) events(t *testing.T, action string, estID int64) int {
	t.Helper()
	return count(t, w.s, `SELECT COUNT(*) FROM audit_events WHERE action = $1 AND establishment_id = $2`, action, estID)
}

// stillAtA fails unless every record of X is still at A.
func (w *world) stillAtA(t *testing.T) {
	t.Helper()
	if ev, res, com, sit, files := w.records(t, w.a.ID, w.x.ID); ev != w.evals || res != w.results || com != w.comments || sit != 2 || files != w.files {
		t.Fatalf("A lost records: %d evaluations, %d results, %d comments, %d situations, %d files", ev, res, com, sit, files)
	}
	if n := count(t, w.s, `SELECT COUNT(*) FROM transfers WHERE kind = 'transfer'`); n != 0 {
		t.Fatalf("%d transfer receipts", n)
	}
}

// states returns what each side's dashboard says of X: B's entry for him (pending or
// impossible) and A's request.
func (w *world) states(t *testing.T) (atB transfer.Waiting, atA transfer.Request) {
	t.Helper()
	ctx := context.Background()
	xb := w.xAt(t, w.b.UAI)
	db, err := w.s.App.Transfers.Dashboard(ctx, op, w.b.UAI)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range append(append([]transfer.Waiting{}, db.Pending...), db.Impossible...) {
		if x.StudentID == xb.ID {
			atB = x
		}
	}
	da, err := w.s.App.Transfers.Dashboard(ctx, op, w.a.UAI)
	if err != nil {
		t.Fatal(err)
	}
	if len(da.Requests) > 1 {
		t.Fatalf("A's requests: %+v", da.Requests)
	}
	if len(da.Requests) == 1 {
		atA = da.Requests[0]
		if atA.StudentID != w.x.ID || atA.CandidateID != xb.ID || atA.OtherUAI != w.b.UAI || atA.LastName != w.x.LastName {
			t.Fatalf("A's request: %+v", atA)
		}
	}
	return atB, atA
}

// TestForgedINEWithAnotherBirthDate: B imports a made-up student carrying X's INE with
// another birth date. Nothing moves, ever; both sides see it refused (B without learning
// where X was), and the attempt is audited once at each establishment.
func TestForgedINEWithAnotherBirthDate(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		w := newWorldWith(t, s, true, true, func(w *world) func(string) string {
			return func(el string) string {
				return set("DATE_NAISS", "29/02/2000")(set("NOM_DE_FAMILLE", "FAUSSAIRE")(el))
			}
		})
		for range 2 { // the second night changes nothing and records nothing again
			c, err := s.App.Transfers.RunTransfers(ctx)
			if err != nil || c.Transferred != 0 || c.Refused != 1 {
				t.Fatalf("counts %+v %v", c, err)
			}
			w.stillAtA(t)
			atB, atA := w.states(t)
			if atB.State != "refused" || strings.Join(atB.ReasonCodes, ",") != transfer.CodeBirthDateDiffers || atB.OtherUAI != "" {
				t.Fatalf("B sees %+v", atB)
			}
			if atA.State != "refused" || strings.Join(atA.ReasonCodes, ",") != transfer.CodeBirthDateDiffers || atA.CandidateLastName != "FAUSSAIRE" {
				t.Fatalf("A sees %+v", atA)
			}
			for _, est := range []int64{w.a.ID, w.b.ID} {
				if n := w.events(t, "transfer.identity_refused", est); n != 1 {
					t.Fatalf("%d audit events at establishment %d", n, est)
				}
			}
		}
		// A's administrator cannot let it through: a birth date that differs never moves.
		admin := w.adminOf(t, "admin.alpha", w.a.ID)
		if _, err := s.App.Transfers.Confirm(ctx, admin, w.a.UAI, w.xAt(t, w.b.UAI).ID, w.x.ID); err == nil {
			t.Fatal("a birth-date mismatch was confirmed")
		}
		if _, err := s.App.Transfers.RunTransfers(ctx); err != nil {
			t.Fatal(err)
		}
		w.stillAtA(t)
	})
}

// TestUncertainMatchWaitsForTheOrigin: the same INE and birth date, but SIECLE names
// another last school, none, or another name: nothing moves until A's administrator
// confirms; A sees why, B only that A must confirm.
func TestUncertainMatchWaitsForTheOrigin(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(*world) func(string) string
		code   string
		params map[string]string
	}{
		{"wrong ancienRNE", func(*world) func(string) string { return from("0442953W") }, transfer.CodePreviousUAIOther, map[string]string{"previous_uai": "0442953W"}},
		{"no ancienRNE", func(*world) func(string) string { return from("") }, transfer.CodePreviousUAIMissing, nil},
		{"another name", func(*world) func(string) string { return set("NOM_DE_FAMILLE", "ZYGOMAR") }, transfer.CodeNamesDiffer, nil},
		{"another first name", func(*world) func(string) string { return set("PRENOM", "Zéphyrin") }, transfer.CodeNamesDiffer, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
				w := newWorldWith(t, s, true, true, tc.edit)
				c, err := s.App.Transfers.RunTransfers(context.Background())
				if err != nil || c.Transferred != 0 || c.ToConfirm != 1 {
					t.Fatalf("counts %+v %v", c, err)
				}
				w.stillAtA(t)
				atB, atA := w.states(t)
				if atB.State != "to_confirm" || strings.Join(atB.ReasonCodes, ",") != tc.code || atB.OtherUAI != "" {
					t.Fatalf("B sees %+v", atB)
				}
				if atA.State != "to_confirm" || strings.Join(atA.ReasonCodes, ",") != tc.code || len(atA.ReasonParams) != len(tc.params) {
					t.Fatalf("A sees %+v", atA)
				}
				for k, v := range tc.params {
					if atA.ReasonParams[k] != v {
						t.Fatalf("A's request params %v", atA.ReasonParams)
					}
				}
			})
		})
	}
}

// TestAccentsAndCaseStillMatch: names that differ only by accents, case, hyphens or a
// usage name move automatically.
func TestAccentsAndCaseStillMatch(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		w := newWorldWith(t, s, true, true, func(w *world) func(string) string {
			return func(el string) string {
				last, first := tag(el, "NOM_DE_FAMILLE"), tag(el, "PRENOM")
				// Accents and case the other way round; the usage name given as birth name.
				last = strings.ToLower(strings.NewReplacer("E", "É", "É", "E", "È", "e", "Ü", "u").Replace(last))
				el = set("NOM_DE_FAMILLE", last)(el)
				el = set("NOM_USAGE", "")(el)
				return set("PRENOM", strings.ToUpper(strings.NewReplacer("é", "e", "ë", "e", "è", "e").Replace(first)))(el)
			}
		})
		c, err := s.App.Transfers.RunTransfers(context.Background())
		if err != nil || c.Transferred != 1 || c.ToConfirm != 0 {
			t.Fatalf("counts %+v %v", c, err)
		}
		w.checkMoved(t)
		d, _ := s.App.Transfers.Dashboard(context.Background(), op, w.b.UAI)
		if len(d.Done) != 1 || strings.Join(d.Done[0].Matched, ",") != "ine,birth_date,previous_uai,names" {
			t.Fatalf("receipt: %+v", d.Done)
		}
	})
}

// TestNamesAgree is the name rule: accents, case, spaces, hyphens and apostrophes do not
// count; the birth name or the usage name of one may be either of the other's; a first
// name may be given with the second one; anything else waits for a person.
func TestNamesAgree(t *testing.T) {
	p := func(last, usage, first, first2 string) transfer.Person {
		return transfer.Person{Last: last, Usage: usage, First: first, First2: first2}
	}
	cases := []struct {
		a, b transfer.Person
		want bool
	}{
		{p("LEFÈVRE", "", "Zoé", ""), p("Lefevre", "", "ZOE", ""), true},
		{p("N'DIAYE", "", "Aïcha", ""), p("NDIAYE", "", "Aicha", ""), true},
		{p("MARTIN-DUPONT", "", "Jean-Pierre", ""), p("Martin Dupont", "", "jean pierre", ""), true},
		{p("ŒUVRAY", "", "Léa", ""), p("OEUVRAY", "", "Lea", ""), true},
		{p("MARTIN", "DUPONT", "Léa", ""), p("DUPONT", "", "Léa", ""), true},          // usage name given as the name
		{p("MARTIN", "MARTIN-DUPONT", "Léa", ""), p("MARTIN", "", "Léa", ""), true},   // birth name on both sides
		{p("DURAND", "", "Jean", "Pierre"), p("DURAND", "", "Jean-Pierre", ""), true}, // compound first name split in two
		{p("MARTIN", "", "Léa", ""), p("MARTINEZ", "", "Léa", ""), false},
		{p("MARTIN-DUPONT", "", "Léa", ""), p("MARTIN", "", "Léa", ""), false}, // a shortened compound name: a person decides
		{p("MARTIN", "", "Léa", ""), p("MARTIN", "", "Léo", ""), false},
		{p("MARTIN", "", "Léa", "Marie"), p("MARTIN", "", "Marie", ""), false}, // the second first name alone
		{p("", "", "", ""), p("", "", "", ""), false},                          // nothing to compare proves nothing
		{p("MARTIN", "", "", ""), p("MARTIN", "", "", ""), false},
	}
	for _, c := range cases {
		if got := transfer.NamesAgree(c.a, c.b); got != c.want {
			t.Errorf("%+v vs %+v: %v, want %v", c.a, c.b, got, c.want)
		}
		if got := transfer.NamesAgree(c.b, c.a); got != c.want {
			t.Errorf("%+v vs %+v (swapped): %v, want %v", c.b, c.a, got, c.want)
		}
	}
}

// TestConfirmMovesAtOnce: A's administrator confirms; the records move in the same
// request, the receipts say who confirmed, and both establishments audit it.
func TestConfirmMovesAtOnce(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		w := newWorldWith(t, s, true, true, func(*world) func(string) string { return from("") })
		if c, err := s.App.Transfers.RunTransfers(ctx); err != nil || c.ToConfirm != 1 {
			t.Fatalf("counts %+v %v", c, err)
		}
		xb := w.xAt(t, w.b.UAI)
		// B's administrator cannot confirm for A; nor can A's confirm another pair.
		adminB := w.adminOf(t, "admin.bravo", w.b.ID)
		if _, err := s.App.Transfers.Confirm(ctx, adminB, w.a.UAI, xb.ID, w.x.ID); err == nil {
			t.Fatal("B's administrator confirmed for A")
		}
		if _, err := s.App.Transfers.Confirm(ctx, adminB, w.b.UAI, xb.ID, w.x.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("B's administrator on his own establishment: %v", err)
		}
		admin := w.adminOf(t, "admin.alpha", w.a.ID)
		if _, err := s.App.Transfers.Confirm(ctx, admin, w.a.UAI, xb.ID, w.x.ID+1); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("another student: %v", err)
		}
		w.stillAtA(t)
		d, err := s.App.Transfers.Confirm(ctx, admin, w.a.UAI, xb.ID, w.x.ID)
		if err != nil || !d.Moved || d.Decision != "confirmed" {
			t.Fatalf("confirm: %+v %v", d, err)
		}
		w.checkMoved(t)
		for _, uai := range []string{w.a.UAI, w.b.UAI} {
			dash, _ := s.App.Transfers.Dashboard(ctx, op, uai)
			if len(dash.Done) != 1 || dash.Done[0].ConfirmedBy != "admin.alpha" || dash.Done[0].ConfirmedAt == nil ||
				strings.Join(dash.Done[0].Matched, ",") != "ine,birth_date,names" || len(dash.Requests) != 0 {
				t.Fatalf("%s's dashboard: %+v %+v", uai, dash.Done, dash.Requests)
			}
		}
		for _, est := range []int64{w.a.ID, w.b.ID} {
			if n := w.events(t, "transfer.confirmed", est); n != 1 {
				t.Fatalf("%d confirmation events at %d", n, est)
			}
		}
		// Confirming again changes nothing; the next night neither.
		if d, err := s.App.Transfers.Confirm(ctx, admin, w.a.UAI, xb.ID, w.x.ID); err == nil && d.Moved {
			t.Fatalf("second confirmation moved again: %+v", d)
		}
		if c, err := s.App.Transfers.RunTransfers(ctx); err != nil || c.Transferred != 0 {
			t.Fatalf("next night: %+v %v", c, err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM transfers WHERE kind = 'transfer'`); n != 1 {
			t.Fatalf("%d receipts", n)
		}
	})
}

// TestConfirmThenCrashThenNight: the move after a confirmation dies before its commit;
// nothing is lost, and the next run moves him on the strength of the confirmation.
func TestConfirmThenCrashThenNight(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		w := newWorldWith(t, s, true, true, func(*world) func(string) string { return from("0442953W") })
		if c, err := s.App.Transfers.RunTransfers(ctx); err != nil || c.ToConfirm != 1 {
			t.Fatalf("counts %+v %v", c, err)
		}
		crash := errors.New("killed")
		transfer.SetCrash(s.App.Transfers, func(at string) error {
			if at == "before-commit" {
				return crash
			}
			return nil
		})
		admin := w.adminOf(t, "admin.alpha", w.a.ID)
		d, err := s.App.Transfers.Confirm(ctx, admin, w.a.UAI, w.xAt(t, w.b.UAI).ID, w.x.ID)
		if err != nil || d.Moved || !errors.Is(d.MoveErr, crash) {
			t.Fatalf("confirm with a crash: %+v %v", d, err)
		}
		w.stillAtA(t)
		transfer.SetCrash(s.App.Transfers, nil)
		if c, err := s.App.Transfers.RunTransfers(ctx); err != nil || c.Transferred != 1 {
			t.Fatalf("next night: %+v %v", c, err)
		}
		w.checkMoved(t)
	})
}

// TestConfirmWhileTheJobRuns: a confirmation and the job at the same time move him once.
func TestConfirmWhileTheJobRuns(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		w := newWorldWith(t, s, true, true, func(*world) func(string) string { return from("") })
		if c, err := s.App.Transfers.RunTransfers(ctx); err != nil || c.ToConfirm != 1 {
			t.Fatalf("counts %+v %v", c, err)
		}
		admin := w.adminOf(t, "admin.alpha", w.a.ID)
		xb := w.xAt(t, w.b.UAI)
		var wg sync.WaitGroup
		var errs [3]error
		var moved [3]int
		for i := range 3 {
			wg.Go(func() {
				if i == 0 {
					d, err := s.App.Transfers.Confirm(ctx, admin, w.a.UAI, xb.ID, w.x.ID)
					errs[i] = err
					if d.Moved {
						moved[i] = 1
					}
					return
				}
				c, err := s.App.Transfers.RunTransfers(ctx)
				errs[i], moved[i] = err, c.Transferred
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, s, `SELECT COUNT(*) FROM transfers WHERE kind = 'transfer'`); n != 1 || moved[0]+moved[1]+moved[2] > 1 {
			t.Fatalf("%d receipts, moved %v", n, moved)
		}
		if moved[0]+moved[1]+moved[2] == 0 {
			// The runs read the state before the confirmation: the next one moves him.
			if _, err := s.App.Transfers.RunTransfers(ctx); err != nil {
				t.Fatal(err)
			}
		}
		w.checkMoved(t)
	})
}

// TestRefuseIsFinal: "ce n'est pas cet élève" — nothing moves for that pair, ever, and
// both establishments audit it.
func TestRefuseIsFinal(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		w := newWorldWith(t, s, true, true, func(*world) func(string) string { return set("PRENOM", "Zéphyrin") })
		if _, err := s.App.Transfers.RunTransfers(ctx); err != nil {
			t.Fatal(err)
		}
		admin := w.adminOf(t, "admin.alpha", w.a.ID)
		xb := w.xAt(t, w.b.UAI)
		d, err := s.App.Transfers.Refuse(ctx, admin, w.a.UAI, xb.ID, w.x.ID)
		if err != nil || d.Decision != "refused" || d.Moved {
			t.Fatalf("refuse: %+v %v", d, err)
		}
		for range 2 {
			atB, atA := w.states(t)
			if atB.State != "refused" || strings.Join(atB.ReasonCodes, ",") != transfer.CodeRefusedByOrigin || atB.OtherUAI != "" || atB.ReasonParams["by"] != "" {
				t.Fatalf("B sees %+v", atB)
			}
			if atA.State != "refused" || atA.ReasonParams["by"] != "admin.alpha" {
				t.Fatalf("A sees %+v", atA)
			}
			// Even with the right first name now, the pair stays refused.
			if _, err := s.App.DB.Exec(ctx, `UPDATE students SET first_name = $1 WHERE id = $2`, w.x.FirstName, xb.ID); err != nil {
				t.Fatal(err)
			}
			if c, err := s.App.Transfers.RunTransfers(ctx); err != nil || c.Transferred != 0 || c.Refused != 1 {
				t.Fatalf("counts %+v %v", c, err)
			}
			w.stillAtA(t)
		}
		if _, err := s.App.Transfers.Confirm(ctx, admin, w.a.UAI, xb.ID, w.x.ID); err == nil {
			t.Fatal("a refused pair was confirmed")
		}
		w.stillAtA(t)
		for _, est := range []int64{w.a.ID, w.b.ID} {
			if n := w.events(t, "transfer.refused", est); n != 1 {
				t.Fatalf("%d refusal events at %d", n, est)
			}
		}
		// B's event names neither A nor A's administrator.
		var actor, detail string
		if err := s.App.DB.QueryRow(ctx, `SELECT actor_login, detail FROM audit_events WHERE action = 'transfer.refused' AND establishment_id = $1`, w.b.ID).Scan(&actor, &detail); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(actor+detail, "admin.alpha") || strings.Contains(detail, w.a.UAI) {
			t.Fatalf("B's refusal event: %s %s", actor, detail)
		}
	})
}

// TestArrivalImportedFirst: B imports X before A deactivates him. He waits, neither side
// sees a request (A still has him), and the first run after A's import moves him, matched
// as fully as in the other order.
func TestArrivalImportedFirst(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		w := setupWorld(t, s, true, true)
		w.arriveB(t)
		if c, err := s.App.Transfers.RunTransfers(ctx); err != nil || c.Transferred != 0 || c.ToConfirm+c.Refused != 0 {
			t.Fatalf("before A's import: %+v %v", c, err)
		}
		if atB, atA := w.states(t); atB.State != "waiting" || atA.State != "" {
			t.Fatalf("waiting: B sees %+v, A %+v", atB, atA)
		}
		w.leaveA(t)
		if c, err := s.App.Transfers.RunTransfers(ctx); err != nil || c.Transferred != 1 {
			t.Fatalf("after A's import: %+v %v", c, err)
		}
		w.checkMoved(t)
		d, _ := s.App.Transfers.Dashboard(ctx, op, w.a.UAI)
		if len(d.Done) != 1 || strings.Join(d.Done[0].Matched, ",") != "ine,birth_date,previous_uai,names" || len(d.Requests) != 0 {
			t.Fatalf("A's dashboard: %+v %+v", d.Done, d.Requests)
		}
	})
}
