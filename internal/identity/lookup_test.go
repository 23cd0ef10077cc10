package identity_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

func TestFindManyAndLinkageProfiles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		if _, err := f.store.LoadExtract(ctx, registryDir, nil); err != nil {
			t.Fatal(err)
		}
		people := readPeople(t)
		a, b := people[0], people[1]
		got, err := f.store.FindMany(ctx, identity.KindCCCD, []string{a["cccd"], b["cccd"], "000000000000", ""})
		if err != nil || len(got) != 2 || got[a["cccd"]][0] != f.store.RegistryID(a["cccd"]) {
			t.Fatalf("FindMany = %v %v", got, err)
		}
		if _, err := f.store.FindMany(ctx, identity.KindBluezone, []string{"x"}); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("find by an unsupported kind: %v", err)
		}
		ps, err := f.store.LinkageProfiles(ctx, []string{f.store.RegistryID(b["cccd"]), f.store.RegistryID(a["cccd"]), "nobody"})
		if err != nil || len(ps) != 2 {
			t.Fatalf("profiles %v %v", ps, err)
		}
		for _, p := range ps {
			row := a
			if p.ID == f.store.RegistryID(b["cccd"]) {
				row = b
			}
			if p.CCCD != row["cccd"] || p.FullName != row["full_name"] || p.Ward != row["ward_code"] || !p.Verified {
				t.Fatalf("profile %+v of %v", p, row)
			}
		}
	})
}

func TestInsuranceCards(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		if _, err := f.store.LoadExtract(ctx, registryDir, nil); err != nil {
			t.Fatal(err)
		}
		id := f.store.RegistryID("019176015210")
		me := access.Request{Actor: access.Actor{Kind: access.KindCitizen, PersonID: id, Role: access.RoleCitizen}}
		cards, err := f.store.InsuranceCards(ctx, me, id)
		if err != nil || len(cards) != 1 {
			t.Fatalf("cards %v %v", cards, err)
		}
		c := cards[0]
		if c.Number != "DN4191991450615" || c.Masked() != "DN4********0615" || c.ValidTo.String() != "2022-06-30" {
			t.Fatalf("card %+v masked %s", c, c.Masked())
		}
		if !c.ValidOn(vn.Date{Year: 2022, Month: 6, Day: 30}) || c.ValidOn(vn.Date{Year: 2022, Month: 7, Day: 1}) {
			t.Fatal("validity is not up to and including the last day")
		}
		other := access.Request{Actor: access.Actor{Kind: access.KindCitizen, PersonID: "someone", Role: access.RoleCitizen}}
		if _, err := f.store.InsuranceCards(ctx, other, id); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("another citizen read the card: %v", err)
		}
	})
}

// TestLookupsUsePartialIndexes: the CMND, phone and household indexes hold
// only rows that have a value (migration 0130); a look-up by value must
// still find its index rather than scan every person.
func TestLookupsUsePartialIndexes(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	for column, index := range map[string]string{"cmnd_idx": "persons_cmnd", "phone_idx": "persons_phone", "household_idx": "persons_household"} {
		rows, err := d.Query(ctx, "EXPLAIN QUERY PLAN SELECT id FROM persons WHERE "+column+" IN ($1, $2)", []byte{1}, []byte{2})
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if got := strings.Join(plan, "; "); !strings.Contains(got, "INDEX "+index+" ") {
			t.Errorf("look-up by %s: plan %q, want index %s", column, got, index)
		}
	}
}
