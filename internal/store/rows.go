package store

import (
	"context"
	"database/sql"

	"andon/internal/domain"
)

// scanner is one row to read: *sql.Row or *sql.Rows. The scan* functions
// take it, so one function reads a row for single loads and for lists.
type scanner = interface{ Scan(...any) error }

// scanAll reads every row with scan and closes rows. The list is empty, not
// nil, when there are no rows, so it encodes as [] in JSON.
func scanAll[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanString reads a row of one text column.
func scanString(sc scanner) (string, error) {
	var s string
	err := sc.Scan(&s)
	return s, err
}

// scanInt64 reads a row of one integer column (an id).
func scanInt64(sc scanner) (int64, error) {
	var n int64
	err := sc.Scan(&n)
	return n, err
}

// execOne runs a statement that must change exactly one row; none changed
// means the row is not there: domain.NotFound(what).
func (tx *Tx) execOne(ctx context.Context, what, q string, args ...any) error {
	res, err := tx.exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound(what)
	}
	return nil
}
