package identity_test

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

var start = time.Date(2021, 10, 1, 9, 0, 0, 0, time.UTC)

type fixture struct {
	db    *db.DB
	clock *clock.Fake
	seal  *seal.Sealer
	trail *access.Trail
	store *identity.Store
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	kf, _ := seal.NewKeyFile(start)
	ring, _ := kf.Ring()
	s := seal.NewSealer(ring)
	c := clock.NewFake(start)
	tr := access.NewTrail(d, s, c)
	return &fixture{db: d, clock: c, seal: s, trail: tr, store: identity.NewStore(d, s, access.NewGuard(tr), c)}
}

const registryDir = "testdata/registry"

// readPeople returns the rows of the test extract.
func readPeople(t testing.TB) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(registryDir, "people.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func count(t testing.TB, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var healthOfficial = access.Actor{Kind: access.KindOfficial, ID: "o1", Name: "yte", Role: access.RoleHealthOfficial, Scope: access.Country}

func TestLoadExtract(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		rep, err := f.store.LoadExtract(ctx, registryDir, nil)
		if err != nil {
			t.Fatal(err)
		}
		people := readPeople(t)
		if rep.People != len(people) || rep.Insurance != 246 {
			t.Fatalf("report %+v, want %d people and 246 cards", rep, len(people))
		}
		if n := count(t, d, "persons"); n != len(people) {
			t.Fatalf("persons = %d", n)
		}
		row := people[0]
		ids, err := f.store.FindByCCCD(ctx, row["cccd"])
		if err != nil || len(ids) != 1 || ids[0] != f.store.RegistryID(row["cccd"]) {
			t.Fatalf("FindByCCCD = %v %v", ids, err)
		}
		p, err := f.store.Get(ctx, access.Request{Actor: healthOfficial, Purpose: access.PurposeTracing}, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if p.FullName != row["full_name"] || p.CCCD != row["cccd"] || p.BirthDate.String() != row["birth_date"] ||
			p.WardCode != row["ward_code"] || !p.Verified || p.Sex.String() != row["sex"] || p.OldID != row["old_id"] {
			t.Fatalf("person %+v does not match row %v", p, row)
		}
		if row["phone"] != "" {
			want, _ := vn.ParsePhone(row["phone"])
			if p.Phone != want {
				t.Fatalf("phone %q, want %q", p.Phone, want)
			}
		}
		hh, err := f.store.Household(ctx, ids[0])
		if err != nil || len(hh) < 2 {
			t.Fatalf("household of first person: %v %v (the sample's first household has several people)", hh, err)
		}
		if old, _ := f.store.FindByCMND(ctx, row["old_id"]); row["old_id"] != "" && (len(old) != 1 || old[0] != ids[0]) {
			t.Fatalf("FindByCMND = %v", old)
		}
	})
}

func TestLoadExtractTwiceChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		if _, err := f.store.LoadExtract(ctx, registryDir, nil); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, d)
		f.clock.Advance(time.Hour)
		if _, err := f.store.LoadExtract(ctx, registryDir, nil); err != nil {
			t.Fatal(err)
		}
		if after := snapshot(t, d); after != before {
			t.Fatal("loading the same extract twice changed the database")
		}
		// A newer extract with one changed address updates that row only.
		dir := t.TempDir()
		people := readPeople(t)
		people[5]["address"] = "Số 1 phố Mới"
		writePeople(t, dir, people)
		copyFile(t, filepath.Join(registryDir, "insurance.csv"), filepath.Join(dir, "insurance.csv"))
		if _, err := f.store.LoadExtract(ctx, dir, nil); err != nil {
			t.Fatal(err)
		}
		var changed int
		d.QueryRow(ctx, "SELECT count(*) FROM persons WHERE updated_at > $1", db.Millis(start)).Scan(&changed)
		if changed != 1 {
			t.Fatalf("%d rows updated, want 1", changed)
		}
		p, _ := f.store.Get(ctx, access.Request{Actor: healthOfficial, Purpose: access.PurposeTracing}, f.store.RegistryID(people[5]["cccd"]))
		if p.Address != "Số 1 phố Mới" {
			t.Fatalf("address = %q", p.Address)
		}
	})
}

// snapshot summarises every row of the identity tables, ciphertexts included.
func snapshot(t *testing.T, d *db.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT id, profile_sealed, updated_at FROM persons ORDER BY id",
		"SELECT person_id, card_sealed, updated_at FROM insurance_cards ORDER BY person_id, card_idx",
	} {
		rows, err := d.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a string
			var s []byte
			var u int64
			rows.Scan(&a, &s, &u)
			b.WriteString(a + string(s) + "|")
		}
		rows.Close()
	}
	return b.String()
}

func writePeople(t *testing.T, dir string, people []map[string]string) {
	t.Helper()
	cols := []string{"cccd", "old_id", "full_name", "birth_date", "sex", "ward_code", "address", "household_id", "phone"}
	f, err := os.Create(filepath.Join(dir, "people.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(cols)
	for _, p := range people {
		rec := make([]string, len(cols))
		for i, c := range cols {
			rec[i] = p[c]
		}
		w.Write(rec)
	}
	w.Flush()
	f.Close()
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(to, b, 0o600)
}

func TestLoadExtractBadInputLoadsNothing(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(people []map[string]string)
		raw   string // replaces people.csv when set
		where string // expected in the error
	}{
		{"bad CCCD", func(p []map[string]string) { p[100]["cccd"] = "12345" }, "", "people.csv:102:cccd"},
		{"unknown ward", func(p []map[string]string) { p[150]["ward_code"] = "99999" }, "", "people.csv:152:ward_code"},
		{"impossible date", func(p []map[string]string) { p[200]["birth_date"] = "1980-02-31" }, "", "people.csv:202:birth_date"},
		{"bad phone", func(p []map[string]string) { p[250]["phone"] = "0111" }, "", "people.csv:252:phone"},
		{"duplicate CCCD", func(p []map[string]string) { p[260]["cccd"] = p[10]["cccd"] }, "", "people.csv:262:cccd"},
		{"truncated quote", nil, "cccd,old_id,full_name,birth_date,sex,ward_code,address,household_id,phone\n001085012345,,\"Nguyễn Văn An,1985-02-01,M,00004,x,1,\n", "people.csv:2"},
		{"missing column", nil, "cccd,full_name\n001085012345,An\n", "missing column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				f := newFixture(t, d)
				dir := t.TempDir()
				if tt.raw != "" {
					os.WriteFile(filepath.Join(dir, "people.csv"), []byte(tt.raw), 0o600)
				} else {
					people := readPeople(t)
					tt.edit(people)
					writePeople(t, dir, people)
				}
				_, err := f.store.LoadExtract(context.Background(), dir, nil)
				if !errors.Is(err, problem.ErrInvalid) || !strings.Contains(err.Error(), tt.where) {
					t.Fatalf("error = %v, want ErrInvalid naming %q", err, tt.where)
				}
				if n := count(t, d, "persons"); n != 0 {
					t.Fatalf("%d persons kept from a failed load", n)
				}
			})
		})
	}
}

func TestInsuranceForUnknownCitizenRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		dir := t.TempDir()
		copyFile(t, filepath.Join(registryDir, "people.csv"), filepath.Join(dir, "people.csv"))
		os.WriteFile(filepath.Join(dir, "insurance.csv"), []byte("cccd,bhxh_code,card_number,valid_to\n001185999999,0123456789,DN4010123456789,2022-12-31\n"), 0o600)
		_, err := f.store.LoadExtract(context.Background(), dir, nil)
		if !errors.Is(err, problem.ErrInvalid) || !strings.Contains(err.Error(), "insurance.csv:2:cccd") {
			t.Fatalf("error = %v", err)
		}
		if n := count(t, d, "persons"); n != 0 {
			t.Fatalf("people kept although insurance.csv failed: %d", n)
		}
	})
}

// TestUpgradeProfiles writes persons as they were before migration 0120,
// one sealed column a field, and checks the upgrade at start moves them
// into the one sealed profile without changing what a reader sees.
func TestUpgradeProfiles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		if _, err := f.store.LoadExtract(ctx, registryDir, nil); err != nil {
			t.Fatal(err)
		}
		req := access.Request{Actor: healthOfficial, Purpose: access.PurposeTracing}
		people := readPeople(t)
		var before []identity.Person
		for _, row := range []map[string]string{people[0], people[len(people)/2], people[len(people)-1]} {
			p, err := f.store.Get(ctx, req, f.store.RegistryID(row["cccd"]))
			if err != nil {
				t.Fatal(err)
			}
			before = append(before, p)
			_, err = d.Exec(ctx, `UPDATE persons SET profile_sealed = NULL, cccd_sealed = $1, cmnd_sealed = $2,
				full_name_sealed = $3, birth_date_sealed = $4, address_sealed = $5, phone_sealed = $6 WHERE id = $7`,
				f.seal.SealString("person.cccd", p.CCCD), f.seal.SealString("person.cmnd", p.OldID),
				f.seal.SealString("person.full_name", p.FullName), f.seal.SealString("person.birth_date", row["birth_date"]),
				f.seal.SealString("person.address", p.Address), f.seal.SealString("person.phone", string(p.Phone)), p.ID)
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.Exec(ctx, "INSERT INTO data_upgrades (name) VALUES ('person_profiles')"); err != nil {
			t.Fatal(err)
		}
		// Two persons a transaction: the upgrade crosses every batch
		// boundary of the test registry.
		n, err := identity.UpgradeProfilesInBatches(ctx, f.store, 2)
		if err != nil || n != 3 {
			t.Fatalf("UpgradeProfiles = %d, %v; want 3 persons moved", n, err)
		}
		for _, want := range before {
			got, err := f.store.Get(ctx, req, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.CCCD != want.CCCD || got.OldID != want.OldID || got.FullName != want.FullName ||
				got.BirthDate != want.BirthDate || got.Address != want.Address || got.Phone != want.Phone {
				t.Fatalf("after the upgrade %+v, before %+v", got, want)
			}
		}
		if n := count(t, d, "persons WHERE full_name_sealed IS NOT NULL OR cccd_sealed IS NOT NULL OR profile_sealed IS NULL"); n != 0 {
			t.Fatalf("%d persons still in the old form", n)
		}
		if n, err := f.store.UpgradeProfiles(ctx); err != nil || n != 0 || count(t, d, "data_upgrades") != 0 {
			t.Fatalf("second UpgradeProfiles = %d, %v, or the upgrade is still recorded", n, err)
		}
	})
}
