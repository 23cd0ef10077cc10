package quarantine_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/bluezone"
	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/quarantine"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/synth"
	"github.com/pccovid/pccovid/internal/tracing"
	"github.com/pccovid/pccovid/internal/vn"
)

// day is a date; at a time in Vietnam on it.
func day(y, m, d int) vn.Date { return vn.Date{Year: y, Month: m, Day: d} }

func at(y, m, d, hh, mm int) time.Time {
	return time.Date(y, time.Month(m), d, hh, mm, 0, 0, vn.Location())
}

var (
	yte      = access.Actor{Kind: access.KindOfficial, ID: "yte1", Name: "yte", Role: access.RoleHealthOfficial, Scope: access.Country}
	operator = access.Actor{Kind: access.KindOfficial, ID: "venue1", Name: "venue", Role: access.RoleVenueOperator, Scope: access.Country}
)

type person struct {
	ID, CCCD, Household, Ward string
}

type fixture struct {
	t        *testing.T
	ctx      context.Context
	d        *db.DB
	clock    *clock.Fake
	persons  *identity.Store
	checkins *checkin.Service
	decls    *declaration.Store
	health   *health.Store
	tracing  *tracing.Service
	q        *quarantine.Service
	people   []person
	venue    string
}

func newFixture(t *testing.T, d *db.DB, now time.Time) *fixture {
	t.Helper()
	ctx := context.Background()
	kf, _ := seal.NewKeyFile(now)
	ring, _ := kf.Ring()
	sealer := seal.NewSealer(ring)
	c := clock.NewFake(now)
	f := &fixture{t: t, ctx: ctx, d: d, clock: c}
	guard := access.NewGuard(access.NewTrail(d, sealer, c))
	f.persons = identity.NewStore(d, sealer, guard, c)
	f.checkins = checkin.NewService(d, sealer, f.persons, c, checkin.Config{})
	f.decls = declaration.NewStore(d, sealer, guard, c)
	f.health = health.NewStore(d, sealer, guard, c)
	box := inbox.NewStore(d, sealer, guard, f.persons, c)
	f.tracing = tracing.New(tracing.Deps{DB: d, Sealer: sealer, Guard: guard, Persons: f.persons, Checkins: f.checkins,
		Journeys: f.decls, Bluezone: bluezone.NewStore(d), Results: f.health, Inbox: box, Clock: c})
	f.q = quarantine.New(quarantine.Deps{DB: d, Sealer: sealer, Guard: guard, Persons: f.persons, Health: f.health, Cases: f.tracing,
		Entries: f.decls, Arrivals: declaration.NewService(f.decls, f.persons), Inbox: box, Clock: c})
	f.tracing.OnCase(func(ctx context.Context, c tracing.Case) error { return f.q.OnCase(ctx, c.ID) })
	f.loadPeople()
	v, err := f.checkins.RegisterVenue(ctx, operator, checkin.NewVenue{Name: "Quán cơm Phúc Xá", Kind: "restaurant", Province: "01",
		District: "001", Ward: "00001", Address: "12 Phúc Xá", Capacity: "40"})
	if err != nil {
		t.Fatal(err)
	}
	f.venue = v.ID
	return f
}

func (f *fixture) loadPeople() {
	dir := f.t.TempDir()
	if _, err := synth.WriteRegistry(dir, 5, 300); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.persons.LoadExtract(f.ctx, dir, nil); err != nil {
		f.t.Fatal(err)
	}
	file, err := os.Open(filepath.Join(dir, "people.csv"))
	if err != nil {
		f.t.Fatal(err)
	}
	defer file.Close()
	recs, _ := csv.NewReader(file).ReadAll()
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	size := map[string]int{}
	for _, r := range recs[1:] {
		size[r[col["household_id"]]]++
	}
	for _, r := range recs[1:] {
		p := person{CCCD: r[col["cccd"]], Household: r[col["household_id"]], Ward: r[col["ward_code"]]}
		if size[p.Household] != 1 { // people living alone: no household contacts in these tests
			continue
		}
		p.ID = f.persons.RegistryID(p.CCCD)
		f.people = append(f.people, p)
	}
}

// officer is a commune officer of a person's ward.
func (f *fixture) officer(p person) access.Request {
	return access.Request{Actor: access.Actor{Kind: access.KindOfficial, ID: "phuong-" + p.Ward, Name: "phuong", Role: access.RoleCommuneOfficer,
		Scope: access.Scope(p.Ward)}, Purpose: access.PurposeQuarantine}
}

func (f *fixture) visit(personID string, t time.Time) {
	f.t.Helper()
	if err := f.checkins.LoadHistory(f.ctx, []checkin.CheckIn{{ID: db.NewID(), VenueID: f.venue, PersonID: personID, At: t,
		Method: checkin.MethodVenueQR, RecordedBy: personID, CreatedAt: t}}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) doses(personID string, days ...vn.Date) {
	f.t.Helper()
	var ds []health.Dose
	for i, d := range days {
		ds = append(ds, health.Dose{ID: personID + "/d" + d.String(), PersonID: personID, Source: "vaccination", Number: i + 1, Date: d,
			Product: "EU/1/21/1529"})
	}
	if err := f.health.InsertDoses(f.ctx, f.d, ds); err != nil {
		f.t.Fatal(err)
	}
}

// positive registers a case for a person from a lab result.
func (f *fixture) positive(personID string, sampled time.Time) tracing.Case {
	f.t.Helper()
	id := "lab/" + db.NewID()
	if err := f.health.InsertTests(f.ctx, f.d, []health.Test{{ID: id, PersonID: personID, Source: "HCDC", Type: "PCR", Positive: true,
		SampledAt: sampled, ResultAt: sampled.Add(10 * time.Hour)}}); err != nil {
		f.t.Fatal(err)
	}
	c, _, err := f.tracing.Register(f.ctx, yte, tracing.Result{TestID: id, PersonID: personID, Source: tracing.SourceLab,
		SampledAt: sampled, ResultAt: sampled.Add(10 * time.Hour)})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// orderOf returns a person's active order.
func (f *fixture) orderOf(p person) quarantine.View {
	f.t.Helper()
	for _, o := range f.mine(p) {
		if o.Status == quarantine.OrderActive {
			return o
		}
	}
	f.t.Fatalf("%s has no active order", p.ID)
	return quarantine.View{}
}

func (f *fixture) mine(p person) []quarantine.View {
	f.t.Helper()
	vs, err := f.q.Mine(f.ctx, access.Actor{Kind: access.KindCitizen, ID: "acct-" + p.ID, PersonID: p.ID, Role: access.RoleCitizen}, p.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return vs
}

func citizen(p person) access.Actor {
	return access.Actor{Kind: access.KindCitizen, ID: "acct-" + p.ID, PersonID: p.ID, Role: access.RoleCitizen}
}

func mustDate(t *testing.T, s string) vn.Date {
	t.Helper()
	d, err := vn.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
