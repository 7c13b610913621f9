package passport_test

import (
	"context"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// TestCAPLevelMigrationKeepsAttachments: migration cap_level widens the level CHECK of
// situations to CAP. On SQLite it rebuilds the table, whose old copy is dropped: the
// attachments referencing it (ON DELETE CASCADE) and their rows must survive, the ids
// of deleted sheets must not be handed out again, and foreign keys must be on again
// after it (a deleted sheet still takes its files with it).
func TestCAPLevelMigrationKeepsAttachments(t *testing.T) {
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	before := 0
	for _, m := range ms {
		if m.Name == "cap_level" {
			before = m.Version - 1
		}
	}
	if before == 0 {
		t.Fatal("no migration cap_level")
	}
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, storetest.DSN(t, e), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// One connection: the one the migration turned foreign keys off on is the
			// one checked after it.
			db.SQL().SetMaxOpenConns(1)
			if _, err := db.MigrateTo(ctx, now, before); err != nil {
				t.Fatal(err)
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.Exec(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			count := func(q string, args ...any) int {
				t.Helper()
				var n int
				if err := db.QueryRow(ctx, q, args...).Scan(&n); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				return n
			}
			var est, stu int64
			if err := db.QueryRow(ctx, `INSERT INTO establishments (uai, name, created_at, updated_at) VALUES ('0691234S', 'Lycée', $1, $1) RETURNING id`, now).Scan(&est); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRow(ctx, `INSERT INTO students (establishment_id, eleve_id, last_name, first_name, status, created_at, updated_at)
				VALUES ($1, '1', 'MARTIN', 'Léa', 'active', $2, $2) RETURNING id`, est, now).Scan(&stu); err != nil {
				t.Fatal(err)
			}
			var sits []int64
			for _, level := range []string{"bac", "bep", "bac"} {
				var id int64
				if err := db.QueryRow(ctx, `INSERT INTO situations (establishment_id, student_id, level, title, created_at, updated_at)
					VALUES ($1, $2, $3, 'Stage', $4, $4) RETURNING id`, est, stu, level, now).Scan(&id); err != nil {
					t.Fatal(err)
				}
				sits = append(sits, id)
				for _, name := range []string{"photo.jpg", "rapport.pdf"} {
					exec(`INSERT INTO attachments (establishment_id, situation_id, name, content_type, size, sha256, created_at)
						VALUES ($1, $2, $3, 'application/pdf', 10, 'abc', $4)`, est, id, name, now)
				}
			}
			// The newest sheet is deleted: its id must stay used.
			exec(`DELETE FROM situations WHERE id = $1`, sits[2])
			if _, err := db.Exec(ctx, `INSERT INTO situations (establishment_id, student_id, level, title, created_at, updated_at)
				VALUES ($1, $2, 'cap', 'Stage', $3, $3)`, est, stu, now); err == nil {
				t.Fatal("level cap accepted before the migration")
			}

			if _, err := db.Migrate(ctx, now); err != nil {
				t.Fatal(err)
			}
			if n := count(`SELECT COUNT(*) FROM situations`); n != 2 {
				t.Fatalf("%d situations after the migration, want 2", n)
			}
			for _, id := range sits[:2] {
				if n := count(`SELECT COUNT(*) FROM attachments WHERE situation_id = $1`, id); n != 2 {
					t.Fatalf("situation %d has %d attachments after the migration, want 2", id, n)
				}
			}
			if n := count(`SELECT COUNT(*) FROM situations WHERE id = $1 AND level = 'bep' AND title = 'Stage'`, sits[1]); n != 1 {
				t.Fatal("situation's row changed by the migration")
			}
			var capID int64
			if err := db.QueryRow(ctx, `INSERT INTO situations (establishment_id, student_id, level, title, created_at, updated_at)
				VALUES ($1, $2, 'cap', 'Stage', $3, $3) RETURNING id`, est, stu, now).Scan(&capID); err != nil {
				t.Fatalf("level cap refused after the migration: %v", err)
			}
			if capID <= sits[2] {
				t.Fatalf("new sheet got id %d, the deleted one had %d: ids are reused", capID, sits[2])
			}
			if _, err := db.Exec(ctx, `INSERT INTO situations (establishment_id, student_id, level, title, created_at, updated_at)
				VALUES ($1, $2, 'cfa', 'Stage', $3, $3)`, est, stu, now); err == nil {
				t.Fatal("an unknown level is accepted after the migration")
			}
			// Foreign keys are on again: deleting a sheet deletes its files, and a file
			// cannot name a missing sheet.
			exec(`DELETE FROM situations WHERE id = $1`, sits[0])
			if n := count(`SELECT COUNT(*) FROM attachments`); n != 2 {
				t.Fatalf("%d attachments after deleting a sheet, want 2 (no cascade: foreign keys left off?)", n)
			}
			if _, err := db.Exec(ctx, `INSERT INTO attachments (establishment_id, situation_id, name, content_type, size, sha256, created_at)
				VALUES ($1, 999999, 'x', 'application/pdf', 1, 'abc', $2)`, est, now); err == nil {
				t.Fatal("an attachment to a missing sheet was accepted")
			}
		})
	}
}
