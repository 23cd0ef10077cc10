package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// rebind rewrites $N placeholders to SQLite's ?N outside quoted text. Both
// forms bind argument N, so one query text serves both engines.
func (d *DB) rebind(query string) string {
	if d.engine != SQLite || !strings.Contains(query, "$") {
		return query
	}
	if q, ok := d.stmts.Load(query); ok {
		return q.(string)
	}
	q := rebindSQLite(query)
	d.stmts.Store(query, q)
	return q
}

func rebindSQLite(query string) string {
	var b strings.Builder
	b.Grow(len(query))
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '$' && i+1 < len(query) && query[i+1] >= '0' && query[i+1] <= '9':
			c = '?'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// sqliteMaxVars is SQLite's default SQLITE_MAX_VARIABLE_NUMBER since 3.32.
const sqliteMaxVars = 32766

// InsertRows inserts many rows into table quickly: PostgreSQL's COPY, or
// multi-row INSERTs on SQLite. conflict is an optional clause appended to the
// insert, such as "ON CONFLICT (id) DO NOTHING"; on PostgreSQL it makes the
// rows go through a temporary staging table first, since COPY cannot resolve
// conflicts. Call it inside [DB.Transact] when the rows must land together.
func (d *DB) InsertRows(ctx context.Context, table string, columns []string, rows [][]any, conflict string) error {
	if len(rows) == 0 {
		return nil
	}
	if d.engine == Postgres {
		return d.Transact(ctx, func(tx *DB) error { return tx.copyPostgres(ctx, table, columns, rows, conflict) })
	}
	return d.insertSQLite(ctx, table, columns, rows, conflict)
}

func (d *DB) insertSQLite(ctx context.Context, table string, columns []string, rows [][]any, conflict string) error {
	per := max(1, min(500, sqliteMaxVars/len(columns)))
	verb := "INSERT"
	if d.tx != nil {
		// An INSERT that may stop halfway through its rows keeps a
		// statement journal to undo them: every page it touches is copied
		// there first, four times the bytes of the rows themselves. Inside
		// a transaction the caller rolls back on any error, so a failing
		// statement need not undo its own rows, and OR FAIL needs no
		// journal (2.4 GB written for 500,000 rows became 0.6 GB).
		verb = "INSERT OR FAIL"
	}
	head := verb + " INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES "
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", len(columns)), ",") + ")"
	statement := func(n int) string {
		return head + strings.TrimSuffix(strings.Repeat(tuple+",", n), ",") + " " + conflict
	}
	// Compiling a statement of thousands of placeholders costs about as much
	// as running it, so every full chunk reuses one prepared statement.
	// These are already SQLite placeholders: rebind is bypassed, and caching
	// every chunk size's text would only fill its cache.
	var full *sql.Stmt
	if len(rows) >= 2*per {
		var err error
		if d.tx != nil {
			full, err = d.tx.PrepareContext(ctx, statement(per))
		} else {
			full, err = d.write.PrepareContext(ctx, statement(per))
		}
		if err != nil {
			return fmt.Errorf("db: insert into %s: %w", table, err)
		}
		defer full.Close()
	}
	args := make([]any, 0, per*len(columns))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		args = args[:0]
		for _, r := range chunk {
			if len(r) != len(columns) {
				return fmt.Errorf("db: insert into %s: row has %d values for %d columns", table, len(r), len(columns))
			}
			args = append(args, r...)
		}
		var err error
		switch {
		case full != nil && len(chunk) == per:
			_, err = full.ExecContext(ctx, args...)
		case d.tx != nil:
			_, err = d.tx.ExecContext(ctx, statement(len(chunk)), args...)
		default:
			_, err = d.write.ExecContext(ctx, statement(len(chunk)), args...)
		}
		if err != nil {
			return fmt.Errorf("db: insert into %s: %w", table, err)
		}
	}
	return nil
}

func (d *DB) copyPostgres(ctx context.Context, table string, columns []string, rows [][]any, conflict string) error {
	target := table
	if conflict != "" {
		// One staging table per table and transaction, emptied after each
		// use: creating one per batch costs more than the batch.
		target = "pccovid_stage_" + table
		if _, err := d.Exec(ctx, "CREATE TEMP TABLE IF NOT EXISTS "+target+" (LIKE "+table+" INCLUDING DEFAULTS) ON COMMIT DROP"); err != nil {
			return fmt.Errorf("db: stage %s: %w", table, err)
		}
	}
	err := d.conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("db: unexpected driver connection %T", driverConn)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{target}, columns, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return fmt.Errorf("db: copy into %s: %w", table, err)
	}
	if conflict == "" {
		return nil
	}
	cols := strings.Join(columns, ", ")
	if _, err := d.Exec(ctx, "INSERT INTO "+table+" ("+cols+") SELECT "+cols+" FROM "+target+" "+conflict); err != nil {
		return fmt.Errorf("db: insert into %s: %w", table, err)
	}
	_, err = d.Exec(ctx, "TRUNCATE "+target)
	return err
}
