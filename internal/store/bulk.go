package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// maxParams keeps a statement under both engines' limits on bound parameters
// (SQLite 32,766, PostgreSQL 65,535).
const maxParams = 30000

// InsertRows inserts rows into table with multi-row INSERT statements (hundreds of rows
// each), which both engines execute an order of magnitude faster than one statement per
// row. When returning is not empty (e.g. "id, eleve_id"), scan is called for every
// returned row; rows come back in no guaranteed order, so return a natural key too.
func (db *DB) InsertRows(ctx context.Context, table string, columns []string, rows [][]any, returning string, scan func(*sql.Rows) error) error {
	return db.InsertRowsOn(ctx, table, columns, rows, "", returning, scan)
}

// InsertRowsOn is InsertRows with a conflict clause ("ON CONFLICT (…) DO …") after the
// values.
func (db *DB) InsertRowsOn(ctx context.Context, table string, columns []string, rows [][]any, onConflict, returning string, scan func(*sql.Rows) error) error {
	if len(rows) == 0 {
		return nil
	}
	per := max(1, min(1000, maxParams/len(columns)))
	head := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES "
	var b strings.Builder
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		b.Reset()
		b.WriteString(head)
		args := make([]any, 0, len(chunk)*len(columns))
		for i, row := range chunk {
			if len(row) != len(columns) {
				return fmt.Errorf("insert into %s: row %d has %d values for %d columns", table, start+i, len(row), len(columns))
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range row {
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "$%d", len(args)+j+1)
			}
			b.WriteByte(')')
			args = append(args, row...)
		}
		if onConflict != "" {
			b.WriteString(" " + onConflict)
		}
		if returning == "" {
			if _, err := db.Exec(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
			continue
		}
		b.WriteString(" RETURNING " + returning)
		if err := db.Each(ctx, scan, b.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// UpdateRows updates rows of table in batches: each row is the key value followed by
// the new values of columns. keyType is the SQL type of the key ("BIGINT", "TEXT"), for
// PostgreSQL, which does not infer the type of parameters in a VALUES list; the other
// columns are sent as text or the driver's type. extra, when not empty, is appended to
// the SET list and may use $1, bound to extraArg (e.g. "updated_at = $1").
func (db *DB) UpdateRows(ctx context.Context, table, key, keyType string, columns []string, rows [][]any, extra string, extraArg any) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	width := len(columns) + 1
	per := max(1, min(1000, maxParams/width))
	var set []string
	for _, c := range columns {
		set = append(set, fmt.Sprintf("%s = v.%s", c, c))
	}
	if extra != "" {
		set = append(set, extra)
	}
	var total int64
	var b strings.Builder
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		b.Reset()
		fmt.Fprintf(&b, "WITH v(k, %s) AS (VALUES ", strings.Join(columns, ", "))
		var args []any
		if extra != "" {
			args = append(args, extraArg)
		}
		for i, row := range chunk {
			if len(row) != width {
				return total, fmt.Errorf("update %s: row %d has %d values for %d", table, start+i, len(row), width)
			}
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "(CAST($%d AS %s)", len(args)+1, keyType)
			for j := 1; j < width; j++ {
				fmt.Fprintf(&b, ", $%d", len(args)+j+1)
			}
			b.WriteByte(')')
			args = append(args, row...)
		}
		fmt.Fprintf(&b, ") UPDATE %s SET %s FROM v WHERE %s.%s = v.k", table, strings.Join(set, ", "), table, key)
		n, err := db.ExecCount(ctx, b.String(), args...)
		if err != nil {
			return total, fmt.Errorf("update %s: %w", table, err)
		}
		total += n
	}
	return total, nil
}
