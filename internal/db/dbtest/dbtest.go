// Package dbtest gives tests a fresh, migrated database on each engine: a
// temporary SQLite file, and a PostgreSQL database cloned from a migrated
// template. PostgreSQL is never skipped: when it cannot be reached the test
// fails, so a CI run cannot pass with half its tests silently missing.
//
// The server is PCCOVID_TEST_POSTGRES, by default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/db"
)

// DefaultPostgres is the server tests use when PCCOVID_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// PostgresURL returns the admin URL of the test PostgreSQL server.
func PostgresURL() string {
	if u := os.Getenv("PCCOVID_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgres
}

// Each runs fn as a parallel subtest on a fresh database of each engine.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			fn(t, New(t, e))
		})
	}
}

// New returns a fresh migrated database of engine, closed and removed when
// the test ends.
func New(t testing.TB, engine db.Engine) *db.DB {
	t.Helper()
	if engine == db.SQLite {
		return SQLite(t)
	}
	return Postgres(t)
}

// SQLite returns a fresh migrated SQLite database in a temporary directory.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "test.db"), "")
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatalf("dbtest: migrate sqlite: %v", err)
	}
	return d
}

// Postgres returns a fresh database cloned from the migrated template.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	u := PostgresDatabaseURL(t)
	d, err := db.Open(context.Background(), u, "")
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// PostgresDatabaseURL creates a fresh migrated PostgreSQL database and
// returns its URL; it is dropped when the test ends. Tests that start a
// whole server (which opens the database itself) use it.
func PostgresDatabaseURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer admin.Close()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("dbtest: PostgreSQL at %s is unreachable (set PCCOVID_TEST_POSTGRES): %v", redacted(PostgresURL()), err)
	}
	tmpl, err := ensureTemplate(ctx, admin)
	if err != nil {
		t.Fatalf("dbtest: template: %v", err)
	}
	name := "pccovid_test_" + randomHex(8)
	if err := createFrom(ctx, admin, name, tmpl); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", PostgresURL())
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return withDatabase(PostgresURL(), name)
}

// createFrom clones the template, retrying while another test's clone holds
// the template (PostgreSQL refuses a template that is being accessed).
func createFrom(ctx context.Context, admin *sql.DB, name, tmpl string) error {
	var err error
	for i := 0; i < 50; i++ {
		if _, err = admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tmpl); err == nil {
			return nil
		}
		time.Sleep(time.Duration(20+i*10) * time.Millisecond)
	}
	return fmt.Errorf("create database %s: %w", name, err)
}

// ensureTemplate creates, once per schema version, a migrated template
// database. An advisory lock keeps test binaries running in parallel from
// racing to create it.
func ensureTemplate(ctx context.Context, admin *sql.DB) (string, error) {
	hash, err := db.MigrationsHash(db.Postgres)
	if err != nil {
		return "", err
	}
	name := "pccovid_tmpl_" + hash
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7267927)"); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(7267927)")
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)")
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	d, err := db.Open(ctx, withDatabase(PostgresURL(), building), "")
	if err != nil {
		return "", err
	}
	err = d.Migrate(ctx)
	d.Close()
	if err != nil {
		return "", err
	}
	// Renamed only once complete, so a crash mid-migration never leaves a
	// half-migrated template behind under the real name.
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

func withDatabase(admin, name string) string {
	u, err := url.Parse(admin)
	if err != nil {
		return admin
	}
	u.Path = "/" + name
	return u.String()
}

func redacted(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(bad URL)"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
