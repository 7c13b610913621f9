// Package sqlsample holds the ways of writing SQL that archtest must recognise (or
// not): TestScannerFindsTables reads it. It is never built.
package sqlsample

const cols = `id, establishment_id`

func direct(ctx context.Context, db *store.DB) {
	db.Exec(ctx, `DELETE FROM students WHERE id = $1`, 1)                     // writes students
	db.ExecCount(ctx, `UPDATE accounts SET status = 'x' WHERE id = $1`, 1)    // writes accounts
	db.QueryRow(ctx, `INSERT INTO audit_events (action) VALUES ($1)`, "x")    // writes audit_events
	db.Exec(ctx, `DELETE FROM deactivated_students WHERE unqid = $1`, "u")    // writes deactivated_students, not students
	db.CopyRows(ctx, "attachments", []string{"id"}, nil)                      // a table argument: writes attachments
	db.NextIDs(ctx, "competencies", 3)                                        // a table argument, also a column's name
	db.CopyFunc(ctx, "evaluation_comments", []string{"id"}, 0, nil)           // writes evaluation_comments
	db.InsertRowsOn(ctx, "transfer_states", []string{"id"}, nil, "", "", nil) // writes transfer_states
	db.UpdateRows(ctx, "enrollments", "id", "BIGINT", nil, nil, "", nil)      // writes enrollments
}

func built(ctx context.Context, db *store.DB, ids string) {
	q := `SELECT e.id FROM evaluations e JOIN situations s ON s.id = e.id` // reads evaluations, situations
	db.Each(ctx, nil, q+` WHERE e.id IN (`+ids+`)`)
	db.Query(ctx, "SELECT "+cols+" FROM imports")                              // reads imports (cols in another file)
	db.Exec(ctx, fmt.Sprintf("UPDATE %s SET x = 1 WHERE %s", "sessions", ids)) // writes sessions
	for _, t := range []string{"memberships", "recovery_codes"} {
		db.Exec(ctx, `DELETE FROM `+t) // writes both
	}
	for _, t := range []struct {
		name string
		cols []string
	}{{"evaluation_results", nil}, {name: "referentials"}} {
		db.CopyRows(ctx, t.name, t.cols, nil) // writes both
	}
}
