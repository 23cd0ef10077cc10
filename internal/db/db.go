// Package db opens PC-Covid's database — embedded SQLite by default,
// PostgreSQL in production — applies the embedded migrations, and gives the
// domain packages one small type, [DB], whose methods work the same on both
// engines and inside or outside a transaction.
//
// Queries are written once with PostgreSQL placeholders ($1, $2…); on SQLite
// they are rewritten to SQLite's numbered form (?1, ?2…), which binds the same
// way. SQL that both engines do not share is kept out of the stores where
// possible; where it cannot be, a store asks [DB.Engine].
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	sqlite3 "github.com/mattn/go-sqlite3"
)

// Engine names a database engine.
type Engine string

// The two engines PC-Covid runs on.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is a handle on the database, or on one transaction of it.
//
// On SQLite, writes go through a pool of one connection, so writers queue in
// Go rather than spinning on SQLite's busy handler, and reads use a separate
// pool that never blocks the writer (WAL mode). On PostgreSQL both pools are
// the same.
type DB struct {
	engine Engine
	write  *sql.DB
	read   *sql.DB
	conn   *sql.Conn // set inside Transact
	tx     *sql.Tx   // set inside Transact
	stmts  *sync.Map // query text → engine-specific text
}

// Open opens the database named by dsn. An empty dsn opens (and creates) the
// embedded SQLite file pccovid.db under dataDir; "sqlite:PATH" opens a SQLite
// file at PATH; "postgres://…" or "postgresql://…" opens PostgreSQL.
// Open does not migrate; call [DB.Migrate].
func Open(ctx context.Context, dsn, dataDir string) (*DB, error) {
	switch {
	case dsn == "":
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("db: data directory: %w", err)
		}
		return openSQLite(ctx, filepath.Join(dataDir, "pccovid.db"))
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	}
	return nil, fmt.Errorf("db: unsupported database URL %q: want postgres://… or sqlite:PATH", redact(dsn))
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("db: sqlite directory: %w", err)
	}
	// synchronous=FULL: a commit is on disk before it is acknowledged, so a
	// crash (or power loss) never loses an acknowledged write.
	base := "file:" + path + "?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_synchronous=FULL"
	// The one writer gets a large page cache (bulk loads touch many pages);
	// each reader a modest one.
	w, err := sql.Open(sqliteDriver, base+"&_cache_size=-262144&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open(sqliteDriver, base+"&_cache_size=-32768&_query_only=true")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	r.SetMaxOpenConns(max(4, 2*runtime.GOMAXPROCS(0)))
	d := &DB{engine: SQLite, write: w, read: r, stmts: new(sync.Map)}
	if err := d.Ping(ctx); err != nil {
		d.Close()
		return nil, err
	}
	// Make the file private before anything is written to it.
	if err := os.Chmod(path, 0o600); err != nil {
		d.Close()
		return nil, fmt.Errorf("db: sqlite file permissions: %w", err)
	}
	return d, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open postgres %s: %w", redact(dsn), err)
	}
	p.SetMaxOpenConns(max(8, 8*runtime.GOMAXPROCS(0)))
	p.SetMaxIdleConns(max(8, 8*runtime.GOMAXPROCS(0)))
	p.SetConnMaxIdleTime(5 * time.Minute)
	d := &DB{engine: Postgres, write: p, read: p, stmts: new(sync.Map)}
	if err := d.Ping(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return d, nil
}

// redact hides a password in a database URL for error messages and logs.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Engine reports which engine d talks to.
func (d *DB) Engine() Engine { return d.engine }

// InTx reports whether d is a transaction handed over by [DB.Transact].
func (d *DB) InTx() bool { return d.tx != nil }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.write.PingContext(ctx); err != nil {
		return fmt.Errorf("db: %s unreachable: %w", d.engine, err)
	}
	if d.read != d.write {
		if err := d.read.PingContext(ctx); err != nil {
			return fmt.Errorf("db: %s unreachable: %w", d.engine, err)
		}
	}
	return nil
}

// Close closes the pools. It must not be called on a transaction.
func (d *DB) Close() error {
	err := d.write.Close()
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// Exec runs a statement that returns no rows.
func (d *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q := d.rebind(query)
	if d.tx != nil {
		return d.tx.ExecContext(ctx, q, args...)
	}
	return d.write.ExecContext(ctx, q, args...)
}

// Query runs a query. Outside a transaction a SELECT goes to the read pool and
// anything else (INSERT … RETURNING) to the writer.
func (d *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := d.rebind(query)
	if d.tx != nil {
		return d.tx.QueryContext(ctx, q, args...)
	}
	return d.pool(query).QueryContext(ctx, q, args...)
}

// QueryRow runs a query expected to return at most one row.
func (d *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	q := d.rebind(query)
	if d.tx != nil {
		return d.tx.QueryRowContext(ctx, q, args...)
	}
	return d.pool(query).QueryRowContext(ctx, q, args...)
}

func (d *DB) pool(query string) *sql.DB {
	if isRead(query) {
		return d.read
	}
	return d.write
}

func isRead(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	return len(q) >= 6 && strings.EqualFold(q[:6], "select")
}

// Transact runs fn in a transaction and commits when fn returns nil. fn gets
// the transaction as a *DB so the same store methods work inside and outside
// it. A nested call joins the outer transaction.
func (d *DB) Transact(ctx context.Context, fn func(tx *DB) error) (err error) {
	if d.tx != nil {
		return fn(d)
	}
	conn, err := d.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	child := *d
	child.conn, child.tx = conn, tx
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err := fn(&child); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint violation on
// either engine, for stores that turn it into problem.ErrConflict.
func IsUniqueViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	var pe interface{ SQLState() string }
	if errors.As(err, &pe) {
		return pe.SQLState() == "23505"
	}
	return false
}

// Millis converts t to the stored form of a time: Unix milliseconds, UTC.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// TimeOf converts stored Unix milliseconds back to a time in UTC; 0 is the
// zero time.
func TimeOf(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// Make sure the pgx driver is registered under "pgx".
var _ = stdlib.GetDefaultDriver

// sqliteDriver is mattn's driver with PC-Covid's connection settings that
// have no DSN parameter. The WAL is checkpointed every 20,000 pages (80 MB)
// instead of every 1,000, so that bulk loads (a registry, a legacy dump) do
// not copy every page twice while they write. Temporary files — above all
// the statement journals that let a multi-row INSERT undo itself, which
// copy every page it touches — stay in memory: on disk they were four
// times the bytes of the rows a bulk load wrote.
const sqliteDriver = "sqlite3-pccovid"

func init() {
	sql.Register(sqliteDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec("PRAGMA wal_autocheckpoint = 20000; PRAGMA temp_store = MEMORY", nil)
		return err
	}})
}
