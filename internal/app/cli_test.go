package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
)

// run runs the command line and returns its output.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

// engines gives the --database flag of each engine: the embedded default,
// and a fresh PostgreSQL database.
func engines(t *testing.T) map[string][]string {
	return map[string][]string{
		"sqlite":   nil,
		"postgres": {"--database", dbtest.PostgresDatabaseURL(t)},
	}
}

func TestOperatorCommands(t *testing.T) {
	for name, dbFlags := range engines(t) {
		t.Run(name, func(t *testing.T) {
			data := t.TempDir()
			common := append([]string{"--data", data, "--log-level", "error"}, dbFlags...)
			extract := filepath.Join(t.TempDir(), "registry")
			if out, err := run(t, "gen", "population", "--persons", "300", "--seed", "3", "--out", extract); err != nil {
				t.Fatalf("gen population: %v\n%s", err, out)
			}
			out, err := run(t, append(append([]string{"registry", "load"}, common...), extract)...)
			if err != nil || !strings.Contains(out, "loaded 300 people") {
				t.Fatalf("registry load: %v\n%s", err, out)
			}
			t.Setenv("PCCOVID_PASSWORD", "a long enough password")
			out, err = run(t, append([]string{"user", "add", "--username", "yte.cli", "--role", "health_official", "--scope", "01"}, common...)...)
			if err != nil || !strings.Contains(out, "created yte.cli") {
				t.Fatalf("user add: %v\n%s", err, out)
			}
			if _, err := run(t, append([]string{"user", "add", "--username", "x", "--role", "boss"}, common...)...); !errors.Is(err, problem.ErrInvalid) {
				t.Fatalf("user add with a bad role: %v", err)
			}
			if out, err = run(t, append([]string{"user", "list"}, common...)...); err != nil || !strings.Contains(out, "yte.cli") {
				t.Fatalf("user list: %v\n%s", err, out)
			}
			out, err = run(t, append([]string{"keys", "rotate", "--reseal"}, common...)...)
			if err != nil || !strings.Contains(out, "key 2 is now primary") {
				t.Fatalf("keys rotate: %v\n%s", err, out)
			}
			assertAllSealedUnder(t, data, dbFlags, 2)
			if out, err = run(t, append([]string{"audit", "verify"}, common...)...); err != nil || !strings.Contains(out, "intact") {
				t.Fatalf("audit verify: %v\n%s", err, out)
			}
		})
	}
}

// assertAllSealedUnder opens the database and checks that every sealed
// value of every package is now under key id, and still opens.
func assertAllSealedUnder(t *testing.T, data string, dbFlags []string, id uint32) {
	t.Helper()
	ctx := context.Background()
	cfg := Config{DataDir: data, LogLevel: "error"}
	if len(dbFlags) == 2 {
		cfg.Database = dbFlags[1]
	}
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open after rotation: %v", err)
	}
	defer a.Close()
	checked := 0
	for _, c := range sealedColumns() {
		rows, err := a.DB.Query(ctx, "SELECT "+c.Column+" FROM "+c.Table+" WHERE "+c.Column+" IS NOT NULL")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v []byte
			rows.Scan(&v)
			if seal.KeyID(v) != id {
				t.Fatalf("%s.%s has a value under key %d", c.Table, c.Column, seal.KeyID(v))
			}
			if _, err := a.Sealer.Open(c.Field, v); err != nil {
				t.Fatalf("%s.%s: %v", c.Table, c.Column, err)
			}
			checked++
		}
		rows.Close()
	}
	if checked < 300 {
		t.Fatalf("only %d sealed values checked", checked)
	}
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	data := t.TempDir()
	common := []string{"--data", data, "--log-level", "error"}
	t.Setenv("PCCOVID_PASSWORD", "a long enough password")
	if out, err := run(t, append([]string{"user", "add", "--username", "admin.cli", "--role", "admin"}, common...)...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	ctx := context.Background()
	a, err := Open(ctx, Config{DataDir: data, LogLevel: "error"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"person-1", "person-2", "person-3"} {
		if _, err := a.Trail.Append(ctx, auditEntry(q)); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{"DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET subject_id = 'someone' WHERE seq = 2"} {
		if _, err := a.DB.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	out, err := run(t, append([]string{"audit", "verify"}, common...)...)
	if err == nil || !strings.Contains(out, "entry 2 was changed") {
		t.Fatalf("audit verify after tampering: %v\n%s", err, out)
	}
}

func TestStartRefusesMissingOrWrongKeys(t *testing.T) {
	data := t.TempDir()
	common := []string{"--data", data, "--log-level", "error"}
	t.Setenv("PCCOVID_PASSWORD", "a long enough password")
	if out, err := run(t, append([]string{"user", "add", "--username", "k.cli", "--role", "admin"}, common...)...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	keys := filepath.Join(data, "keys.json")
	saved, _ := os.ReadFile(keys)
	os.Remove(keys)
	if out, err := run(t, append([]string{"user", "list"}, common...)...); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("start without the key file: %v\n%s", err, out)
	}
	other, _ := seal.NewKeyFile(db.TimeOf(1))
	other.Save(keys)
	if _, err := run(t, append([]string{"user", "list"}, common...)...); err == nil || !strings.Contains(err.Error(), "wrong key file") {
		t.Fatalf("start with another key file: %v", err)
	}
	os.WriteFile(keys, saved, 0o600)
	if out, err := run(t, append([]string{"user", "list"}, common...)...); err != nil || !strings.Contains(out, "k.cli") {
		t.Fatalf("start with the right key file: %v\n%s", err, out)
	}
}

func TestEnvironmentConfiguresFlags(t *testing.T) {
	data := t.TempDir()
	t.Setenv("PCCOVID_DATA", data)
	t.Setenv("PCCOVID_LOG_LEVEL", "error")
	t.Setenv("PCCOVID_PASSWORD", "a long enough password")
	if out, err := run(t, "user", "add", "--username", "env.cli", "--role", "admin"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, "pccovid.db")); err != nil {
		t.Fatalf("PCCOVID_DATA was not used: %v", err)
	}
	if _, err := run(t, "nonsense"); ExitCode(err) != 2 {
		t.Fatalf("unknown command: exit %d", ExitCode(err))
	}
}

func auditEntry(subject string) access.Entry {
	return access.Entry{Actor: access.System("test"), Purpose: access.PurposeTracing, Action: "person.view", SubjectID: subject}
}
