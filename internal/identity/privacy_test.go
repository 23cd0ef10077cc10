package identity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// planted returns the personal values of the test extract that must never
// appear in the database's bytes: names, addresses, CCCDs, CMNDs and phones
// in every form they could be stored in.
func planted(t *testing.T) [][]byte {
	var out [][]byte
	for _, p := range readPeople(t) {
		vals := []string{p["full_name"], p["cccd"], p["old_id"], p["address"], p["phone"]}
		if ph, err := vn.ParsePhone(p["phone"]); err == nil {
			vals = append(vals, string(ph))
		}
		for _, v := range vals {
			if len(v) >= 8 { // shorter strings (a 3-letter name) match by chance in any binary
				out = append(out, []byte(v))
			}
		}
	}
	return out
}

func assertNoPlanted(t *testing.T, where string, raw []byte, planted [][]byte) {
	t.Helper()
	found := 0
	for _, v := range planted {
		if bytes.Contains(raw, v) {
			if found < 5 {
				t.Errorf("%s contains personal value %q in clear", where, v)
			}
			found++
		}
	}
	if found > 0 {
		t.Fatalf("%s: %d of %d personal values found in clear", where, found, len(planted))
	}
}

func TestSQLiteFileRevealsNoOne(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pccovid.db")
	ctx := context.Background()
	d, err := db.Open(ctx, "sqlite:"+path, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, d)
	if _, err := f.store.LoadExtract(ctx, registryDir, nil); err != nil {
		t.Fatal(err)
	}
	d.Close() // checkpoints the WAL into the main file
	var raw []byte
	for _, name := range []string{"pccovid.db", "pccovid.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		raw = append(raw, b...)
	}
	if len(raw) < 100_000 {
		t.Fatalf("database file is only %d bytes; was anything loaded?", len(raw))
	}
	assertNoPlanted(t, "SQLite file", raw, planted(t))
}

func TestPostgresDumpRevealsNoOne(t *testing.T) {
	url := dbtest.PostgresDatabaseURL(t)
	ctx := context.Background()
	d, err := db.Open(ctx, url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	f := newFixture(t, d)
	if _, err := f.store.LoadExtract(ctx, registryDir, nil); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pg_dump", "--data-only", url).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	if !bytes.Contains(out, []byte("COPY public.persons")) {
		t.Fatal("the dump has no persons table")
	}
	assertNoPlanted(t, "pg_dump", out, planted(t))
}

// fakeRegistry is the population-database service as the HTTP contract
// describes it.
func fakeRegistry(t *testing.T, records map[string]identity.RegistryRecord) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" || r.Header.Get("X-Purpose") != "tracing" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var rec identity.RegistryRecord
		var ok bool
		switch {
		case strings.HasPrefix(r.URL.Path, "/v1/citizens/"):
			rec, ok = records[strings.TrimPrefix(r.URL.Path, "/v1/citizens/")]
		case r.URL.Path == "/v1/citizens" && r.URL.Query().Get("old_id") == "025236118":
			rec, ok = records["old"]
		case r.URL.Path == "/v1/insurance-cards":
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(map[string]string{"error": "not_found"})
			return
		}
		json.NewEncoder(w).Encode(rec)
	}))
}

func TestHTTPRegistry(t *testing.T) {
	good := identity.RegistryRecord{CCCD: "001085012345", FullName: "NGUYỄN VĂN AN", BirthDate: "1985-02-01", Sex: "M",
		WardCode: "00004", Address: "Số 5", HouseholdID: "1", Phone: "0912 345 678"}
	bad := good
	bad.CCCD, bad.WardCode = "001085012346", "99999"
	srv := fakeRegistry(t, map[string]identity.RegistryRecord{"001085012345": good, "001085012346": bad, "old": good})
	defer srv.Close()
	reg := &identity.HTTPRegistry{Base: srv.URL, Token: "s3cret", Purpose: access.PurposeTracing}
	ctx := context.Background()
	got, err := reg.Citizen(ctx, "001085012345")
	if err != nil {
		t.Fatal(err)
	}
	if got.Phone != "+84912345678" || got.FullName != "NGUYỄN VĂN AN" {
		t.Fatalf("record not normalised: %+v", got)
	}
	if _, err := reg.CitizenByOldID(ctx, "025236118"); err != nil {
		t.Fatalf("by old id: %v", err)
	}
	if _, err := reg.Citizen(ctx, "001085099999"); !errors.Is(err, problem.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	if _, err := reg.Citizen(ctx, "001085012346"); !errors.Is(err, problem.ErrInvalid) {
		t.Fatalf("bad answer: %v, want invalid", err)
	}
	if _, err := reg.Cards(ctx, "001085012345"); !errors.Is(err, problem.ErrRateLimited) {
		t.Fatalf("429: %v", err)
	}
	wrong := &identity.HTTPRegistry{Base: srv.URL, Token: "nope", Purpose: access.PurposeTracing}
	if _, err := wrong.Citizen(ctx, "001085012345"); err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("bad token: %v", err)
	}
}

func TestExtractRegistryAnswersLikeTheService(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		if _, err := f.store.LoadExtract(ctx, registryDir, nil); err != nil {
			t.Fatal(err)
		}
		row := readPeople(t)[3]
		var reg identity.Registry = f.store.Registry()
		got, err := reg.Citizen(ctx, row["cccd"])
		if err != nil || got.FullName != row["full_name"] || got.BirthDate != row["birth_date"] {
			t.Fatalf("Citizen = %+v, %v", got, err)
		}
		if _, err := reg.Citizen(ctx, "001085099999"); !errors.Is(err, problem.ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}
	})
}
