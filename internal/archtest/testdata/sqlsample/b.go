package sqlsample

var (
	// SQL by its shape, wherever it is.
	stray = "SELECT COUNT(*) FROM transfers WHERE kind = 'x'" // reads transfers
	// Not SQL: routes, keys, prose.
	route = "DELETE /api/v1/sessions/{id}"
	key   = map[string]any{"students": 1, "establishments": 2}
	prose = "the students of the establishments"
	// Columns named like tables: situations.competencies, transfers.evaluations.
	columns = `SELECT competencies, s.evaluations, x.referential_mefs FROM job_runs s` // reads job_runs only
	// Qualified names: the table, not a column.
	qualified = `DELETE FROM establishment_mefs WHERE NOT EXISTS (SELECT 1 FROM platform_secrets p WHERE p.x = establishment_mefs.y)`
	// A table for the store's re-encryption.
	secrets = store.EncryptedColumn{Table: "job_leases", Column: "value_enc", Key: "name"}
)
