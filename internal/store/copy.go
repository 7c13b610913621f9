package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CopyRows loads rows into table as fast as the engine allows: PostgreSQL's COPY
// protocol, or multi-row INSERTs on SQLite. Within a transaction (ctx from Tx) it is
// part of it; otherwise it runs in one of its own.
func (db *DB) CopyRows(ctx context.Context, table string, columns []string, rows [][]any) (int64, error) {
	return db.CopyFunc(ctx, table, columns, len(rows), func(i int) []any { return rows[i] })
}

// NextIDs reserves n ids of table's id column, so rows written with CopyRows can carry
// them and reference each other without reading them back. On PostgreSQL they come from
// the identity sequence; on SQLite, whose writers are serialised by the transaction's
// lock, they follow the largest id ever given (AUTOINCREMENT's counter), which is moved
// past them, so ctx must carry the transaction that writes them; two calls in one
// transaction never return the same id.
func (db *DB) NextIDs(ctx context.Context, table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, n)
	if db.engine == Postgres {
		err := db.Each(ctx, func(r *sql.Rows) error {
			var id int64
			err := r.Scan(&id)
			ids = append(ids, id)
			return err
		}, `SELECT nextval(pg_get_serial_sequence('`+table+`', 'id')) FROM generate_series(1, $1)`, n)
		return ids, err
	}
	if !InTx(ctx) {
		return nil, fmt.Errorf("store: NextIDs on SQLite needs the writing transaction")
	}
	var top int64
	err := db.QueryRow(ctx, `SELECT MAX(x) FROM (SELECT COALESCE(MAX(id), 0) AS x FROM `+table+`
		UNION ALL SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = $1)`, table).Scan(&top)
	if err != nil {
		return nil, err
	}
	for i := range n {
		ids = append(ids, top+1+int64(i))
	}
	// Reserve them: the next call (or an AUTOINCREMENT insert) starts after.
	c, err := db.ExecCount(ctx, `UPDATE sqlite_sequence SET seq = $2 WHERE name = $1`, table, top+int64(n))
	if err == nil && c == 0 {
		_, err = db.Exec(ctx, `INSERT INTO sqlite_sequence (name, seq) VALUES ($1, $2)`, table, top+int64(n))
	}
	return ids, err
}

// CopyFunc is CopyRows for n rows produced one at a time by row(i): the rows are never
// all in memory (PostgreSQL streams them to COPY; SQLite writes them in batches).
func (db *DB) CopyFunc(ctx context.Context, table string, columns []string, n int, row func(i int) []any) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	if db.engine == Postgres {
		conn, ok := ctx.Value(connKey{}).(*sql.Conn)
		if !ok {
			var c int64
			err := db.Tx(ctx, func(ctx context.Context) error {
				var err error
				c, err = db.CopyFunc(ctx, table, columns, n, row)
				return err
			})
			return c, err
		}
		var c int64
		err := conn.Raw(func(dc any) error {
			pc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("copy: unexpected driver connection %T", dc)
			}
			var err error
			c, err = pc.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
				return db.args(row(i)), nil
			}))
			return err
		})
		if err != nil {
			return c, fmt.Errorf("copy into %s: %w", table, translate(err))
		}
		return c, nil
	}
	const batch = 2000
	err := db.Tx(ctx, func(ctx context.Context) error {
		rows := make([][]any, 0, batch)
		for start := 0; start < n; start += batch {
			rows = rows[:0]
			for i := start; i < min(start+batch, n); i++ {
				rows = append(rows, row(i))
			}
			if err := db.InsertRows(ctx, table, columns, rows, "", nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return int64(n), nil
}
