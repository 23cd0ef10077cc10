package db

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migration is one numbered, forward-only schema change for one engine.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations for engine in version order.
func Migrations(engine Engine) ([]Migration, error) {
	dir := "migrations/" + string(engine)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(rest, ".sql") {
			return nil, fmt.Errorf("db: migration %s/%s: name must be NNNN_name.sql", dir, name)
		}
		body, err := migrationFiles.ReadFile(path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("db: migration %s: %w", name, err)
		}
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(rest, ".sql"), SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("db: two %s migrations numbered %d", engine, ms[i].Version)
		}
	}
	return ms, nil
}

// MigrationsHash identifies the embedded schema of engine; tests use it to
// name a migrated template database.
func MigrationsHash(engine Engine) (string, error) {
	ms, err := Migrations(engine)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%d\x00%s\x00", m.Version, m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// Migrate applies every embedded migration not yet applied, each in its own
// transaction with its bookkeeping row, so a crash never leaves one half
// applied. Several servers starting at once are serialised (an advisory lock
// on PostgreSQL, the single writer on SQLite).
func (d *DB) Migrate(ctx context.Context) error {
	ms, err := Migrations(d.engine)
	if err != nil {
		return err
	}
	if _, err := d.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("db: migrations table: %w", err)
	}
	for _, m := range ms {
		if err := d.apply(ctx, m); err != nil {
			return err
		}
	}
	return d.RestoreIndexes(ctx)
}

func (d *DB) apply(ctx context.Context, m Migration) error {
	return d.Transact(ctx, func(tx *DB) error {
		if tx.engine == Postgres {
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(7267926)"); err != nil {
				return fmt.Errorf("db: migration lock: %w", err)
			}
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM schema_migrations WHERE version = $1", m.Version).Scan(&n); err != nil {
			return fmt.Errorf("db: migration %d: %w", m.Version, err)
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("db: migration %04d_%s: %w", m.Version, m.Name, err)
		}
		_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
			m.Version, m.Name, time.Now().UnixMilli())
		return err
	})
}

// Applied returns the versions recorded as applied.
func (d *DB) Applied(ctx context.Context) ([]int, error) {
	rows, err := d.Query(ctx, "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("db: applied migrations: %w", err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}
