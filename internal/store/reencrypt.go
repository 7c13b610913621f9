package store

import (
	"context"
	"database/sql"
	"fmt"
)

// EncryptedColumn names a column holding keyring ciphertexts and the key column whose
// value is the ciphertext's row in its associated data.
type EncryptedColumn struct {
	Table, Column, Key string
}

// Reencrypt rewrites, in batches of one transaction each, every non-NULL value of col
// for which stale reports true, with the value fn returns (given the old ciphertext and
// the row key). It returns the number of values rewritten. A value changed concurrently
// is left alone (compare-and-set on the old ciphertext) and picked up by the next run.
func (db *DB) Reencrypt(ctx context.Context, col EncryptedColumn, stale func([]byte) bool, fn func(ct []byte, row string) ([]byte, error)) (int, error) {
	// Identifiers come from the code (EncryptedColumns), never from input.
	sel := fmt.Sprintf(`SELECT CAST(%[1]s AS TEXT), %[2]s FROM %[3]s WHERE %[2]s IS NOT NULL ORDER BY %[1]s`, col.Key, col.Column, col.Table)
	upd := fmt.Sprintf(`UPDATE %[3]s SET %[2]s = $1 WHERE CAST(%[1]s AS TEXT) = $2 AND %[2]s = $3`, col.Key, col.Column, col.Table)
	type item struct {
		row string
		ct  []byte
	}
	var todo []item
	err := db.Each(ctx, func(rows *sql.Rows) error {
		var it item
		if err := rows.Scan(&it.row, &it.ct); err != nil {
			return err
		}
		if stale(it.ct) {
			todo = append(todo, it)
		}
		return nil
	}, sel)
	if err != nil {
		return 0, err
	}
	done := 0
	const batch = 500
	for start := 0; start < len(todo); start += batch {
		end := min(start+batch, len(todo))
		batchDone := 0
		err := db.Tx(ctx, func(ctx context.Context) error {
			batchDone = 0
			for _, it := range todo[start:end] {
				ct, err := fn(it.ct, it.row)
				if err != nil {
					return fmt.Errorf("%s.%s row %s: %w", col.Table, col.Column, it.row, err)
				}
				n, err := db.ExecCount(ctx, upd, ct, it.row, it.ct)
				if err != nil {
					return err
				}
				batchDone += int(n)
			}
			return nil
		})
		if err != nil {
			return done, err
		}
		done += batchDone
	}
	return done, nil
}

// CountWhere counts the non-NULL values of col for which match reports true.
func (db *DB) CountWhere(ctx context.Context, col EncryptedColumn, match func([]byte) bool) (int, error) {
	n := 0
	err := db.Each(ctx, func(rows *sql.Rows) error {
		var ct []byte
		if err := rows.Scan(&ct); err != nil {
			return err
		}
		if match(ct) {
			n++
		}
		return nil
	}, fmt.Sprintf(`SELECT %s FROM %s WHERE %s IS NOT NULL`, col.Column, col.Table, col.Column))
	return n, err
}
