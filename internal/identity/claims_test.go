package identity_test

import (
	"context"
	"errors"
	"testing"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// sharedPhone makes a phone shared, as the old apps did: a parent
// registered a household member with their own phone. It returns the phone
// and the two persons' rows.
func sharedPhone(t *testing.T, f *fixture) (vn.Phone, []map[string]string) {
	t.Helper()
	people := readPeople(t)
	for i, p := range people {
		if p["phone"] == "" {
			continue
		}
		for _, q := range people[i+1:] {
			if q["household_id"] == p["household_id"] && q["phone"] == "" {
				phone, _ := vn.ParsePhone(p["phone"])
				err := f.store.AddIdentifiers(context.Background(), f.store.RegistryID(q["cccd"]),
					identity.Identifier{Kind: identity.KindPhone, Value: string(phone), Source: "healthbook", RecordKey: "hb-1", SeenAt: start})
				if err != nil {
					t.Fatal(err)
				}
				return phone, []map[string]string{p, q}
			}
		}
	}
	t.Fatal("the test extract has no household with one phone for two people")
	return "", nil
}

func TestClaimOnSharedPhone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		if _, err := f.store.LoadExtract(ctx, registryDir, nil); err != nil {
			t.Fatal(err)
		}
		phone, owners := sharedPhone(t, f)
		cands, err := f.store.Candidates(ctx, phone)
		if err != nil || len(cands) != len(owners) {
			t.Fatalf("candidates = %v, %v; want %d", cands, err, len(owners))
		}
		for _, c := range cands {
			if c.Initials == "" || c.BirthYear == 0 {
				t.Fatalf("candidate without initials or year: %+v", c)
			}
		}
		me, other := owners[0], owners[1]
		myID, otherID := f.store.RegistryID(me["cccd"]), f.store.RegistryID(other["cccd"])
		// Proof of the other person does not make me them.
		if err := f.store.VerifyClaim(ctx, "acct1", phone, myID, other["cccd"][8:]); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("wrong proof: %v", err)
		}
		if err := f.store.VerifyClaim(ctx, "acct1", phone, myID, me["cccd"][8:]); err != nil {
			t.Fatalf("last 4 digits of my CCCD: %v", err)
		}
		bd, _ := vn.ParseDate(other["birth_date"])
		dmy := bd.Time().Format("02/01/2006")
		if err := f.store.VerifyClaim(ctx, "acct2", phone, otherID, dmy); err != nil {
			t.Fatalf("birth date %s: %v", dmy, err)
		}
		// A person not known with this phone cannot be claimed at all.
		stranger := f.store.RegistryID(readPeople(t)[0]["cccd"])
		if stranger != myID && stranger != otherID {
			if err := f.store.VerifyClaim(ctx, "acct1", phone, stranger, "0000"); !errors.Is(err, problem.ErrForbidden) {
				t.Fatalf("claiming a stranger: %v", err)
			}
		}
		// Guessing is limited.
		var last error
		for range 6 {
			last = f.store.VerifyClaim(ctx, "acct3", phone, myID, "9999")
		}
		if !errors.Is(last, problem.ErrRateLimited) {
			t.Fatalf("6th guess: %v, want rate limited", last)
		}
	})
}

func TestSearchNeedsPurposeStaysInScopeAndIsAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		if _, err := f.store.LoadExtract(ctx, registryDir, nil); err != nil {
			t.Fatal(err)
		}
		row := readPeople(t)[0]
		ward := row["ward_code"]
		prov, _, _, _ := vn.AdminUnits().WardPath(ward)
		local := access.Actor{Kind: access.KindOfficial, ID: "o2", Name: "phuong", Role: access.RoleCommuneOfficer, Scope: access.Scope(ward)}
		q := identity.SearchQuery{CCCD: row["cccd"]}
		if _, err := f.store.Search(ctx, access.Request{Actor: local}, q); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("search without purpose: %v", err)
		}
		got, err := f.store.Search(ctx, access.Request{Actor: local, Purpose: access.PurposeQuarantine}, q)
		if err != nil || len(got) != 1 || got[0].FullName != row["full_name"] {
			t.Fatalf("search in scope: %v %v", got, err)
		}
		elsewhere := "79"
		if prov.Code == "79" {
			elsewhere = "01"
		}
		far := access.Actor{Kind: access.KindOfficial, ID: "o3", Name: "far", Role: access.RoleCommuneOfficer, Scope: access.Scope(elsewhere)}
		got, err = f.store.Search(ctx, access.Request{Actor: far, Purpose: access.PurposeQuarantine}, q)
		if err != nil || len(got) != 0 {
			t.Fatalf("search out of scope returned %v, %v", got, err)
		}
		entries, _ := f.trail.ForSubject(ctx, f.store.RegistryID(row["cccd"]), 10)
		if len(entries) != 1 || entries[0].Actor.ID != "o2" || entries[0].Purpose != access.PurposeQuarantine {
			t.Fatalf("audit for the person: %+v", entries)
		}
		rep, _ := f.trail.Verify(ctx)
		if rep.Entries != 4 { // refused search, search, view, far search
			t.Fatalf("audit entries = %d, want 4", rep.Entries)
		}
	})
}
