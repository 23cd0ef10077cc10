package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// DeferIndexes drops the secondary, non-unique indexes of those of tables
// that are empty, so that a bulk load into them builds each index once at
// the end — a sort — instead of inserting into it row by row. It returns a
// function that builds them again. The dropped definitions are recorded
// first, in the same transaction, and Migrate rebuilds any still recorded:
// a load killed before the rebuild gets its indexes back at the next start.
// Tables that already hold rows keep their indexes (a live system's reads
// need them).
func (d *DB) DeferIndexes(ctx context.Context, tables ...string) (func(context.Context) error, error) {
	var dropped []string
	err := d.Transact(ctx, func(tx *DB) error {
		for _, t := range tables {
			names, err := tx.deferTable(ctx, t)
			if err != nil {
				return err
			}
			dropped = append(dropped, names...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("db: defer indexes: %w", err)
	}
	return func(ctx context.Context) error { return d.restoreIndexes(ctx, dropped) }, nil
}

func (d *DB) deferTable(ctx context.Context, table string) ([]string, error) {
	var any int
	err := d.QueryRow(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+table+" LIMIT 1) t").Scan(&any)
	if err != nil || any > 0 {
		return nil, err
	}
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL
		AND upper(sql) NOT LIKE 'CREATE UNIQUE%'`
	if d.engine == Postgres {
		q = `SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = $1
			AND upper(i.indexdef) NOT LIKE 'CREATE UNIQUE%'`
	}
	rows, err := d.Query(ctx, q, table)
	if err != nil {
		return nil, err
	}
	var defs [][2]string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		defs = append(defs, [2]string{name, def})
	}
	rows.Close()
	var names []string
	for _, def := range defs {
		if _, err := d.Exec(ctx, "INSERT INTO deferred_indexes (name, table_name, definition) VALUES ($1, $2, $3)",
			def[0], table, def[1]); err != nil {
			return nil, err
		}
		if _, err := d.Exec(ctx, "DROP INDEX "+def[0]); err != nil {
			return nil, err
		}
		names = append(names, def[0])
	}
	return names, nil
}

// RestoreIndexes builds every index DeferIndexes dropped and has not built
// again: Migrate calls it at every start.
func (d *DB) RestoreIndexes(ctx context.Context) error { return d.restoreIndexes(ctx, nil) }

// restoreIndexes builds the named deferred indexes, or all when names is nil.
func (d *DB) restoreIndexes(ctx context.Context, names []string) error {
	if names != nil && len(names) == 0 {
		return nil
	}
	rows, err := d.Query(ctx, "SELECT name, definition FROM deferred_indexes ORDER BY name")
	if err != nil {
		return fmt.Errorf("db: deferred indexes: %w", err)
	}
	var defs [][2]string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return err
		}
		if names == nil || slices.Contains(names, name) {
			defs = append(defs, [2]string{name, def})
		}
	}
	rows.Close()
	var errs []error
	for _, def := range defs {
		errs = append(errs, d.Transact(ctx, func(tx *DB) error {
			if _, err := tx.Exec(ctx, def[1]); err != nil {
				return fmt.Errorf("db: rebuild index %s: %w", def[0], err)
			}
			_, err := tx.Exec(ctx, "DELETE FROM deferred_indexes WHERE name = $1", def[0])
			return err
		}))
	}
	return errors.Join(errs...)
}
