package checkin_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/seal"
)

var start = time.Date(2021, 9, 10, 8, 0, 0, 0, time.UTC)

func newSealer(t testing.TB) *seal.Sealer {
	t.Helper()
	kf, err := seal.NewKeyFile(start)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := kf.Ring()
	if err != nil {
		t.Fatal(err)
	}
	return seal.NewSealer(ring)
}

// fakePersons is a registry of CCCD → person ids.
type fakePersons map[string][]string

func (f fakePersons) FindByCCCD(_ context.Context, cccd string) ([]string, error) {
	return slices.Clone(f[cccd]), nil
}

func (f fakePersons) RegistryID(cccd string) string { return "p-" + cccd }

// fixture is a service on a fresh database with a fake clock.
type fixture struct {
	svc   *checkin.Service
	clock *clock.Fake
	db    *db.DB
}

func newFixture(t testing.TB, d *db.DB, persons fakePersons) *fixture {
	t.Helper()
	c := clock.NewFake(start)
	svc := checkin.NewService(d, newSealer(t), persons, c, checkin.Config{})
	t.Cleanup(svc.Close)
	return &fixture{svc: svc, clock: c, db: d}
}

var (
	citizenA = access.Actor{Kind: access.KindCitizen, ID: "acct-a", Role: access.RoleCitizen, Scope: access.Country, PersonID: "person-a"}
	operator = access.Actor{Kind: access.KindOfficial, ID: "off-1", Role: access.RoleVenueOperator, Scope: "00001"}
)

// goodVenue is a valid registration in Phường Phúc Xá, Ba Đình, Hà Nội.
func goodVenue() checkin.NewVenue {
	return checkin.NewVenue{Name: "Quán Phở Thìn", Kind: "restaurant", Province: "01", District: "001", Ward: "00001",
		Address: "13 Lò Đúc", Capacity: "40"}
}

func (f *fixture) venue(t testing.TB, owner access.Actor) checkin.Venue {
	t.Helper()
	v, err := f.svc.RegisterVenue(context.Background(), owner, goodVenue())
	if err != nil {
		t.Fatal(err)
	}
	return v
}
