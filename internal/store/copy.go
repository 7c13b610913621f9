package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CopyRows loads rows into table as fast as the engine allows: PostgreSQL's COPY
// protocol, or multi-row INSERTs in one transaction on SQLite. It is for bulk loaders
// and jobs that write many rows at once; it runs outside the caller's transaction on
// PostgreSQL unless ctx carries one (then it falls back to InsertRows).
func (db *DB) CopyRows(ctx context.Context, table string, columns []string, rows [][]any) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	if db.engine != Postgres || InTx(ctx) {
		err := db.Tx(ctx, func(ctx context.Context) error { return db.InsertRows(ctx, table, columns, rows, "", nil) })
		if err != nil {
			return 0, err
		}
		return int64(len(rows)), nil
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var n int64
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy: unexpected driver connection %T", dc)
		}
		args := make([][]any, len(rows))
		for i, r := range rows {
			args[i] = db.args(append([]any(nil), r...))
		}
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(args))
		return err
	})
	if err != nil {
		return n, fmt.Errorf("copy into %s: %w", table, translate(err))
	}
	return n, nil
}

