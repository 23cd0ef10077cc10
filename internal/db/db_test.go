package db_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
)

func TestTransactRollsBackOnError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		mustExec(t, d, "CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT NOT NULL)")
		boom := errors.New("boom")
		err := d.Transact(ctx, func(tx *db.DB) error {
			if _, err := tx.Exec(ctx, "INSERT INTO t (id, v) VALUES ($1, $2)", 1, "a"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Transact error = %v, want boom", err)
		}
		if n := count(t, d, "t"); n != 0 {
			t.Fatalf("rows after rollback = %d, want 0", n)
		}
		err = d.Transact(ctx, func(tx *db.DB) error {
			_, err := tx.Exec(ctx, "INSERT INTO t (id, v) VALUES ($1, $2)", 1, "a")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, "t"); n != 1 {
			t.Fatalf("rows after commit = %d, want 1", n)
		}
	})
}

func TestPlaceholdersBindByNumber(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var got string
		// $2 before $1, $1 used twice, a '$1' inside a string literal.
		err := d.QueryRow(ctx, "SELECT $2 || '-$1-' || $1 || $1", "a", "b").Scan(&got)
		if err != nil {
			t.Fatal(err)
		}
		if got != "b-$1-aa" {
			t.Fatalf("got %q, want b-$1-aa", got)
		}
	})
}

func TestInsertRowsWithConflict(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		mustExec(t, d, "CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT NOT NULL)")
		rows := make([][]any, 2123) // four full chunks of 500 and a tail
		for i := range rows {
			rows[i] = []any{int64(i), fmt.Sprint("v", i)}
		}
		err := d.Transact(ctx, func(tx *db.DB) error {
			return tx.InsertRows(ctx, "t", []string{"id", "v"}, rows, "")
		})
		if err != nil {
			t.Fatal(err)
		}
		// Again, with changed values: DO NOTHING keeps the first.
		for i := range rows {
			rows[i][1] = "changed"
		}
		err = d.Transact(ctx, func(tx *db.DB) error {
			return tx.InsertRows(ctx, "t", []string{"id", "v"}, rows, "ON CONFLICT (id) DO NOTHING")
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, "t"); n != 2123 {
			t.Fatalf("rows = %d, want 2123", n)
		}
		var v string
		if err := d.QueryRow(ctx, "SELECT v FROM t WHERE id = $1", 2122).Scan(&v); err != nil || v != "v2122" {
			t.Fatalf("v = %q, %v; want v2122", v, err)
		}
		// Without a conflict clause a duplicate fails and nothing lands.
		err = d.Transact(ctx, func(tx *db.DB) error {
			return tx.InsertRows(ctx, "t", []string{"id", "v"}, [][]any{{int64(5000), "x"}, {int64(1), "dup"}}, "")
		})
		if !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate insert error = %v, want a unique violation", err)
		}
		if n := count(t, d, "t"); n != 2123 {
			t.Fatalf("rows after failed insert = %d, want 2123", n)
		}
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		before, err := d.Applied(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		after, _ := d.Applied(ctx)
		ms, _ := db.Migrations(d.Engine())
		if !slices.Equal(before, after) || len(after) != len(ms) {
			t.Fatalf("applied before %v after %v, migrations %d", before, after, len(ms))
		}
	})
}

// TestEnginesEndAtSameSchema checks that the two sets of migrations build
// the same tables, columns (with compatible types) and indexes.
func TestEnginesEndAtSameSchema(t *testing.T) {
	lite, pg := dbtest.SQLite(t), dbtest.Postgres(t)
	ls, ps := sqliteSchema(t, lite), postgresSchema(t, pg)
	for k, v := range ls {
		if pv, ok := ps[k]; !ok {
			t.Errorf("%s is on SQLite but not on PostgreSQL", k)
		} else if pv != v {
			t.Errorf("%s: SQLite %s, PostgreSQL %s", k, v, pv)
		}
	}
	for k := range ps {
		if _, ok := ls[k]; !ok {
			t.Errorf("%s is on PostgreSQL but not on SQLite", k)
		}
	}
	if len(ls) < 10 {
		t.Fatalf("schema has only %d entries; did migrations run?", len(ls))
	}
}

func typeClass(t string) string {
	t = strings.ToLower(t)
	switch {
	case strings.Contains(t, "int"):
		return "integer"
	case t == "blob" || t == "bytea":
		return "bytes"
	case t == "boolean":
		return "boolean"
	case t == "text" || strings.Contains(t, "char"):
		return "text"
	case t == "real" || strings.Contains(t, "double") || strings.Contains(t, "numeric"):
		return "real"
	}
	return t
}

func sqliteSchema(t *testing.T, d *db.DB) map[string]string {
	ctx := context.Background()
	out := map[string]string{}
	rows, err := d.Query(ctx, `SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var tbl, col, typ string
		rows.Scan(&tbl, &col, &typ)
		out["column "+tbl+"."+col] = typeClass(typ)
	}
	rows.Close()
	rows, err = d.Query(ctx, `SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, tbl string
		rows.Scan(&name, &tbl)
		out["index "+name] = tbl
	}
	rows.Close()
	return out
}

func postgresSchema(t *testing.T, d *db.DB) map[string]string {
	ctx := context.Background()
	out := map[string]string{}
	rows, err := d.Query(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var tbl, col, typ string
		rows.Scan(&tbl, &col, &typ)
		out["column "+tbl+"."+col] = typeClass(typ)
	}
	rows.Close()
	// Explicit indexes only: PostgreSQL names its constraint indexes
	// (_pkey, _key) itself, where SQLite keeps them out of sqlite_master.sql.
	rows, err = d.Query(ctx, `SELECT i.indexname, i.tablename FROM pg_indexes i
		WHERE i.schemaname = 'public' AND NOT EXISTS (
			SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, tbl string
		rows.Scan(&name, &tbl)
		out["index "+name] = tbl
	}
	rows.Close()
	return out
}

func mustExec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeferIndexesRestoresAfterAKilledLoad(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		mustExec(t, d, "CREATE TABLE full_t (id BIGINT PRIMARY KEY, v TEXT NOT NULL)")
		mustExec(t, d, "CREATE INDEX full_t_v ON full_t (v)")
		mustExec(t, d, "INSERT INTO full_t (id, v) VALUES (1, 'x')")
		mustExec(t, d, "CREATE TABLE empty_t (id BIGINT PRIMARY KEY, v TEXT NOT NULL, w TEXT NOT NULL UNIQUE)")
		mustExec(t, d, "CREATE INDEX empty_t_v ON empty_t (v)")
		if _, err := d.DeferIndexes(ctx, "full_t", "empty_t"); err != nil {
			t.Fatal(err)
		}
		if !hasIndex(t, d, "full_t_v") || hasIndex(t, d, "empty_t_v") {
			t.Fatal("want the empty table's secondary index dropped and the other kept")
		}
		// The load is "killed" here; the next start migrates, which rebuilds.
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if !hasIndex(t, d, "empty_t_v") {
			t.Fatal("the dropped index was not rebuilt at the next start")
		}
		if n := count(t, d, "deferred_indexes"); n != 0 {
			t.Fatalf("%d indexes still recorded as deferred", n)
		}
	})
}

func hasIndex(t *testing.T, d *db.DB, name string) bool {
	t.Helper()
	q := "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = $1"
	if d.Engine() == db.Postgres {
		q = "SELECT count(*) FROM pg_indexes WHERE indexname = $1"
	}
	var n int
	if err := d.QueryRow(context.Background(), q, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// TestFailedInsertRowsLeavesNothing: inside a transaction SQLite's bulk
// insert is INSERT OR FAIL, which keeps the rows a failing statement wrote
// before its bad row; the transaction's rollback must still remove them,
// and the rows of the statements before it.
func TestFailedInsertRowsLeavesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		mustExec(t, d, "CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT NOT NULL)")
		mustExec(t, d, "INSERT INTO t (id, v) VALUES (1500, 'there before')")
		rows := make([][]any, 2000) // four statements of 500 rows on SQLite
		for i := range rows {
			rows[i] = []any{i, "new"}
		}
		err := d.Transact(ctx, func(tx *db.DB) error {
			return tx.InsertRows(ctx, "t", []string{"id", "v"}, rows, "")
		})
		if err == nil {
			t.Fatal("inserting an existing id succeeded")
		}
		if n := count(t, d, "t"); n != 1 {
			t.Fatalf("%d rows after the failed insert, want the 1 that was there", n)
		}
	})
}
