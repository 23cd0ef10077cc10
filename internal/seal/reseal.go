package seal

import (
	"context"
	"fmt"
	"strings"

	"github.com/pccovid/pccovid/internal/db"
)

// Column names one sealed column, so that a key rotation can re-seal it.
// Each package that seals data lists its columns.
type Column struct {
	Table  string
	Key    []string // primary-key columns
	Column string
	Field  string // the field name the values were sealed for
}

const resealBatch = 1000

// Reseal re-encrypts, under the primary key, every value of the columns that
// is sealed under another key. It walks each table in key order, one batch
// per transaction, so it can be interrupted and run again. It returns how
// many values it re-sealed.
func (s *Sealer) Reseal(ctx context.Context, d *db.DB, cols []Column) (int, error) {
	total := 0
	for _, c := range cols {
		n, err := s.resealColumn(ctx, d, c)
		total += n
		if err != nil {
			return total, fmt.Errorf("seal: reseal %s.%s: %w", c.Table, c.Column, err)
		}
	}
	return total, nil
}

type sealedRow struct {
	key    []any
	sealed []byte
}

func (s *Sealer) resealColumn(ctx context.Context, d *db.DB, c Column) (int, error) {
	keys := strings.Join(c.Key, ", ")
	where := make([]string, len(c.Key))
	after := make([]string, len(c.Key))
	for i, k := range c.Key {
		where[i] = fmt.Sprintf("%s = $%d", k, i+2)
		after[i] = fmt.Sprintf("$%d", i+1)
	}
	first := "SELECT " + keys + ", " + c.Column + " FROM " + c.Table + " ORDER BY " + keys + " LIMIT " + fmt.Sprint(resealBatch)
	next := "SELECT " + keys + ", " + c.Column + " FROM " + c.Table + " WHERE (" + keys + ") > (" + strings.Join(after, ", ") +
		") ORDER BY " + keys + " LIMIT " + fmt.Sprint(resealBatch)
	update := "UPDATE " + c.Table + " SET " + c.Column + " = $1 WHERE " + strings.Join(where, " AND ")
	done := 0
	var last []any
	for {
		page, err := s.readPage(ctx, d, first, next, last, len(c.Key))
		if err != nil || len(page) == 0 {
			return done, err
		}
		last = page[len(page)-1].key
		err = d.Transact(ctx, func(tx *db.DB) error {
			for _, r := range page {
				fresh, changed, err := s.ResealValue(c.Field, r.sealed)
				if err != nil {
					return err
				}
				if !changed {
					continue
				}
				if _, err := tx.Exec(ctx, update, append([]any{fresh}, r.key...)...); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			return done, err
		}
	}
}

func (s *Sealer) readPage(ctx context.Context, d *db.DB, first, next string, last []any, nkeys int) ([]sealedRow, error) {
	q, args := first, []any(nil)
	if last != nil {
		q, args = next, last
	}
	rows, err := d.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []sealedRow
	for rows.Next() {
		r := sealedRow{key: make([]any, nkeys)}
		dest := make([]any, nkeys+1)
		for i := range r.key {
			dest[i] = &r.key[i]
		}
		dest[nkeys] = &r.sealed
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		page = append(page, r)
	}
	return page, rows.Err()
}
