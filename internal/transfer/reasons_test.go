package transfer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
	"github.com/cartable/cartable/internal/transfer"
)

// The words the transfer job stored before reasons became codes.
const (
	oldNoSend    = "l'établissement d'origine n'autorise pas l'envoi des données"
	oldNoReceive = "l'établissement d'accueil n'autorise pas la réception des données"
	oldNoConsent = "aucun des deux établissements n'autorise le transfert des données"
	oldNoINE     = "INE absent dans SIECLE : l'élève ne peut pas être retrouvé dans un autre établissement"
	oldDiploma   = "l'élève ne prépare plus le même diplôme (MEF %s → %s) : les référentiels diffèrent, rien n'est transféré"
)

// TestStoredReasonsBecomeCodes: the reasons the job stored in French before (the states
// impossible and no_ine, the receipts of diploma changes) are codes and parameters after
// the migration, so that they are written in the reader's language; the date a student
// entered his state is kept, and a reason the migration does not know stays in words.
func TestStoredReasonsBecomeCodes(t *testing.T) {
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	before := 0
	for _, m := range ms {
		if m.Name == "reason_codes" {
			before = m.Version - 1
		}
	}
	if before == 0 {
		t.Fatal("no migration reason_codes")
	}
	now := time.Date(2026, 11, 23, 13, 5, 0, 0, time.UTC)
	since := time.Date(2026, 10, 2, 8, 0, 0, 0, time.UTC)
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, storetest.DSN(t, e), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.MigrateTo(ctx, now, before); err != nil {
				t.Fatal(err)
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.Exec(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			var a, b int64
			for _, x := range []struct {
				id  *int64
				uai string
			}{{&a, "0691234S"}, {&b, "0382032C"}} {
				if err := db.QueryRow(ctx, `INSERT INTO establishments (uai, name, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id`,
					x.uai, "Lycée "+x.uai, now).Scan(x.id); err != nil {
					t.Fatal(err)
				}
			}
			reasons := []string{oldNoSend, oldNoReceive, oldNoConsent, oldNoINE, "une raison d'une autre version"}
			states := []string{"impossible", "impossible", "impossible", "no_ine", "impossible"}
			for i, reason := range reasons {
				var id int64
				if err := db.QueryRow(ctx, `INSERT INTO students (establishment_id, eleve_id, last_name, first_name, status, created_at, updated_at)
					VALUES ($1, $2, $3, 'Léa', 'active', $4, $4) RETURNING id`, b, string(rune('a'+i)), "ÉLÈVE"+string(rune('A'+i)), now).Scan(&id); err != nil {
					t.Fatal(err)
				}
				exec(`INSERT INTO transfer_states (student_id, establishment_id, state, reason, since) VALUES ($1, $2, $3, $4, $5)`, id, b, states[i], reason, since)
			}
			for i, mefs := range [][2]string{{"24725503310", "50022101310"}, {`2472"5503310`, "50022101310"}} {
				exec(`INSERT INTO transfers (kind, to_establishment_id, to_student_id, from_establishment_id, from_student_id, from_uai, to_uai,
					last_name, first_name, done_on, reason, created_at) VALUES ('diploma_change', $1, NULL, $2, NULL, '0691234S', '0382032C', $3, 'Léa', $4, $5, $6)`,
					b, a, "CHANGE"+string(rune('A'+i)), "2026-11-20", strings.Replace(strings.Replace(oldDiploma, "%s", mefs[0], 1), "%s", mefs[1], 1), now)
			}
			if _, err := db.Migrate(ctx, now); err != nil {
				t.Fatal(err)
			}

			log := audit.New(db, func() time.Time { return now })
			svc := transfer.New(db, log, establishment.New(db, log, func() time.Time { return now }), nil, func() time.Time { return now })
			d, err := svc.Dashboard(ctx, authz.OperatorPrincipal(), "0382032C")
			if err != nil {
				t.Fatal(err)
			}
			codes := map[string]string{}
			for _, w := range d.Impossible {
				codes[w.LastName] = strings.Join(w.ReasonCodes, ",") + "|" + w.Reason
			}
			for _, w := range d.Pending {
				codes[w.LastName] = strings.Join(w.ReasonCodes, ",") + "|" + w.Reason
			}
			for name, want := range map[string]string{"ÉLÈVEA": "no_send|", "ÉLÈVEB": "no_receive|", "ÉLÈVEC": "no_consent|", "ÉLÈVED": "no_ine|",
				"ÉLÈVEE": "|une raison d'une autre version"} {
				if codes[name] != want {
					t.Errorf("%s: %q, want %q", name, codes[name], want)
				}
			}
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM transfer_states WHERE since = $1`, since).Scan(&n); err != nil || n != 5 {
				t.Errorf("%d states kept their date (%v)", n, err)
			}
			if len(d.Done) != 2 {
				t.Fatalf("receipts: %+v", d.Done)
			}
			for _, x := range d.Done {
				switch x.LastName {
				case "CHANGEA":
					if strings.Join(x.ReasonCodes, ",") != transfer.CodeDiplomaChange || x.ReasonParams["from_mef"] != "24725503310" || x.ReasonParams["to_mef"] != "50022101310" {
						t.Errorf("receipt: %+v", x)
					}
				case "CHANGEB":
					if len(x.ReasonCodes) != 0 || !strings.Contains(x.Reason, `2472"5503310`) {
						t.Errorf("a receipt the migration cannot take apart: %+v", x)
					}
				}
			}

			for lang, want := range map[string][]string{
				// The codes are written with today's catalogue: typographic apostrophes
				// and no-break spaces.
				"fr": {typo(oldNoSend), typo(oldNoReceive), typo(oldNoConsent), typo(oldNoINE), "(MEF 24725503310 → 50022101310)\u00a0: les référentiels diffèrent"},
				"en": {"the origin establishment does not allow sending the data", "the new establishment does not allow receiving the data",
					"neither establishment allows transferring the data", "no INE in SIECLE: the student cannot be found in another establishment",
					"the student no longer prepares the same diploma (MEF 24725503310 → 50022101310): the referentials differ, nothing is transferred"},
			} {
				d.Words(lang)
				var all []string
				for _, w := range append(d.Impossible, d.Pending...) {
					all = append(all, w.Reason)
				}
				for _, x := range d.Done {
					all = append(all, x.Reason)
				}
				text := strings.Join(all, "\n")
				for _, w := range want {
					if !strings.Contains(text, w) {
						t.Errorf("%s: the dashboard lacks %q:\n%s", lang, w, text)
					}
				}
			}
		})
	}
}

// TestEveryReasonHasWords: every reason code the job stores is written from the
// catalogue, in both languages, with the parameters the job stores.
func TestEveryReasonHasWords(t *testing.T) {
	for code, params := range map[string]map[string]string{
		transfer.CodeBirthDateDiffers:   nil,
		transfer.CodeRefusedByOrigin:    {"by": "admin.a", "on": "2026-12-01"},
		transfer.CodeBirthDateMissing:   nil,
		transfer.CodePreviousUAIMissing: nil,
		transfer.CodePreviousUAIOther:   {"previous_uai": "0442953W"},
		transfer.CodeNamesDiffer:        nil,
		transfer.CodeNoSend:             nil,
		transfer.CodeNoReceive:          nil,
		transfer.CodeNoConsent:          nil,
		transfer.CodeNoINE:              nil,
		transfer.CodeDiplomaChange:      {"from_mef": "24725503310", "to_mef": "50022101310"},
	} {
		for _, lang := range []string{"fr", "en"} {
			for _, origin := range []bool{false, true} {
				got := transfer.ReasonText(lang, "", []string{code}, params, origin)
				if got == code || strings.ContainsAny(got, "{}") || got == "" {
					t.Errorf("%s (%s, origin %v): %q", code, lang, origin, got)
				}
			}
		}
	}
	if got := transfer.ReasonText("fr", "", []string{transfer.CodeRefusedByOrigin}, map[string]string{"by": "admin.a", "on": "2026-12-01"}, true); got != "ce n’est pas cet élève, refusé par admin.a le 1er\u00a0décembre 2026" {
		t.Errorf("refused, at the origin: %q", got)
	}
}

// typo is an old French reason as the catalogue writes it now (issue 10, item 9).
func typo(s string) string { return strings.NewReplacer("'", "’", " : ", "\u00a0: ").Replace(s) }
