package account_test

import (
	"context"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// TestCreateManyRefusesNamelessPerson: an account is named after its holder;
// a person without first or last name gets no account (and no login made
// of nothing, such as "eleve"), and nothing is created for the others.
func TestCreateManyRefusesNamelessPerson(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		var eid int64
		if err := db.QueryRow(e.ctx, `INSERT INTO establishments (uai, name, created_at, updated_at) VALUES ('0691234S', 'x', $1, $1) RETURNING id`,
			e.clock.Now()).Scan(&eid); err != nil {
			t.Fatal(err)
		}
		role := authz.Membership{Role: authz.RoleStudent, EstablishmentID: eid, UAI: "0691234S"}
		create := func(people ...account.Person) (out []account.Created, err error) {
			err = db.Tx(e.ctx, func(ctx context.Context) error {
				out, err = e.svc.CreateMany(ctx, op().Actor(), role, people)
				return err
			})
			return out, err
		}
		for _, p := range []account.Person{{FirstName: "", LastName: ""}, {FirstName: " ", LastName: "DURAND"}, {FirstName: "Léa", LastName: "\t"}} {
			_, err := create(account.Person{FirstName: "Noé", LastName: "MARTIN"}, p)
			wantCode(t, err, "unnamed_person")
		}
		var n int
		if err := db.QueryRow(e.ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d accounts created, %v", n, err)
		}
		out, err := create(account.Person{FirstName: "Léa", LastName: "DURAND"})
		if err != nil || len(out) != 1 || out[0].Login != "lea.durand" {
			t.Errorf("named person: %+v, %v", out, err)
		}
	})
}
