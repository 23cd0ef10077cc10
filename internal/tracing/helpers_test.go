package tracing_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"sort"
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
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/synth"
	"github.com/pccovid/pccovid/internal/tracing"
	"github.com/pccovid/pccovid/internal/vn"
)

// at is a time in Vietnam, August 2021.
func at(day, hour, minute int) time.Time {
	return time.Date(2021, 8, day, hour, minute, 0, 0, vn.Location())
}

// now is when the tests run: the afternoon of 20 August 2021.
var now = at(20, 15, 0)

var (
	yte = access.Actor{Kind: access.KindOfficial, ID: "yte1", Name: "yte", Role: access.RoleHealthOfficial, Scope: access.Country}
	// tracingReq is a country-wide health official tracing.
	tracingReq = access.Request{Actor: yte, Purpose: access.PurposeTracing}
	operator   = access.Actor{Kind: access.KindOfficial, ID: "venue1", Name: "venue", Role: access.RoleVenueOperator, Scope: access.Country}
)

// person is one synthetic person of the registry extract.
type person struct {
	ID, CCCD, Household, Ward, Phone string
}

type fixture struct {
	t        *testing.T
	ctx      context.Context
	d        *db.DB
	clock    *clock.Fake
	trail    *access.Trail
	persons  *identity.Store
	checkins *checkin.Service
	decls    *declaration.Store
	bz       *bluezone.Store
	health   *health.Store
	inbox    *inbox.Store
	svc      *tracing.Service
	people   []person
	byID     map[string]person
	venues   map[string]string // name → id
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	kf, err := seal.NewKeyFile(now)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := kf.Ring()
	if err != nil {
		t.Fatal(err)
	}
	sealer := seal.NewSealer(ring)
	c := clock.NewFake(now)
	f := &fixture{t: t, ctx: ctx, d: d, clock: c, venues: map[string]string{}, byID: map[string]person{}}
	f.trail = access.NewTrail(d, sealer, c)
	guard := access.NewGuard(f.trail)
	f.persons = identity.NewStore(d, sealer, guard, c)
	f.checkins = checkin.NewService(d, sealer, f.persons, c, checkin.Config{})
	f.decls = declaration.NewStore(d, sealer, guard, c)
	f.bz = bluezone.NewStore(d)
	f.health = health.NewStore(d, sealer, guard, c)
	f.inbox = inbox.NewStore(d, sealer, guard, f.persons, c)
	f.svc = tracing.New(tracing.Deps{DB: d, Sealer: sealer, Guard: guard, Persons: f.persons, Checkins: f.checkins,
		Journeys: f.decls, Bluezone: f.bz, Results: f.health, Inbox: f.inbox, Clock: c})
	f.loadPeople()
	return f
}

// loadPeople loads a synthetic registry of 400 people in their households.
func (f *fixture) loadPeople() {
	dir := f.t.TempDir()
	if _, err := synth.WriteRegistry(dir, 11, 400); err != nil {
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
	recs, err := csv.NewReader(file).ReadAll()
	if err != nil {
		f.t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, r := range recs[1:] {
		p := person{CCCD: r[col["cccd"]], Household: r[col["household_id"]], Ward: r[col["ward_code"]], Phone: r[col["phone"]]}
		p.ID = f.persons.RegistryID(p.CCCD)
		f.people = append(f.people, p)
		f.byID[p.ID] = p
	}
}

// household returns the ids of a person's household, the person included.
func (f *fixture) household(id string) []string {
	var out []string
	for _, p := range f.people {
		if p.Household == f.byID[id].Household {
			out = append(out, p.ID)
		}
	}
	return out
}

// pick returns n persons of n different households, none of whose
// households is in avoid (nor the households already picked), with at
// least min members in their household.
func (f *fixture) pick(n, minSize int, avoid map[string]bool) []string {
	f.t.Helper()
	size := map[string]int{}
	for _, p := range f.people {
		size[p.Household]++
	}
	var out []string
	for _, p := range f.people {
		if len(out) == n {
			break
		}
		if avoid[p.Household] || size[p.Household] < minSize {
			continue
		}
		avoid[p.Household] = true
		out = append(out, p.ID)
	}
	if len(out) < n {
		f.t.Fatalf("only %d persons of distinct households", len(out))
	}
	return out
}

// venue registers a venue once, by name.
func (f *fixture) venue(name string) string {
	if id, ok := f.venues[name]; ok {
		return id
	}
	v, err := f.checkins.RegisterVenue(f.ctx, operator, checkin.NewVenue{Name: name, Kind: "restaurant", Province: "01",
		District: "001", Ward: "00001", Address: "1 Phố Hàng Bạc", Capacity: "50"})
	if err != nil {
		f.t.Fatal(err)
	}
	f.venues[name] = v.ID
	return v.ID
}

// visit records a check-in of a person at a venue.
func (f *fixture) visit(personID, venue string, t time.Time) {
	f.t.Helper()
	err := f.checkins.LoadHistory(f.ctx, []checkin.CheckIn{{ID: db.NewID(), VenueID: f.venue(venue), PersonID: personID, At: t,
		Method: checkin.MethodVenueQR, RecordedBy: personID, CreatedAt: t}})
	if err != nil {
		f.t.Fatal(err)
	}
}

// travel records a declared journey.
func (f *fixture) travel(personID, transport, number, day, seat string) {
	f.t.Helper()
	d, err := vn.ParseDate(day)
	if err != nil {
		f.t.Fatal(err)
	}
	err = f.decls.Insert(f.ctx, f.d, []declaration.Declaration{{ID: "test/" + db.NewID(), PersonID: personID, Source: "pccovid",
		Kind: declaration.KindDomestic, DeclaredAt: d.Time(), Transport: transport, TransportNo: number, DepartureDate: d, SeatNo: seat}})
	if err != nil {
		f.t.Fatal(err)
	}
}

// phone registers a Bluezone id on a person.
func (f *fixture) phone(personID, bz string) {
	f.t.Helper()
	if err := f.bz.InsertApps(f.ctx, f.d, []bluezone.App{{BluezoneID: bz, PersonID: personID, RegisteredAt: at(1, 0, 0)}}); err != nil {
		f.t.Fatal(err)
	}
}

// near records a Bluezone contact-log line uploaded by bz.
func (f *fixture) near(bz, other string, from time.Time, minutes, rssi int) {
	f.t.Helper()
	err := f.bz.InsertContacts(f.ctx, f.d, []bluezone.Contact{{BluezoneID: bz, ContactID: other, FirstSeen: from,
		LastSeen: from.Add(time.Duration(minutes) * time.Minute), RSSIMax: rssi}})
	if err != nil {
		f.t.Fatal(err)
	}
}

// positive stores a positive result of a person and returns its id.
func (f *fixture) positive(personID string, sampled, result time.Time) string {
	f.t.Helper()
	id := "lab/" + db.NewID()
	err := f.health.InsertTests(f.ctx, f.d, []health.Test{{ID: id, PersonID: personID, Source: "HCDC", RecordKey: id,
		Type: "PCR", Positive: true, SampledAt: sampled, ResultAt: result, Lab: "HCDC"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// links returns the persons linked to a case at a degree, sorted.
func (f *fixture) links(caseID int64, degree int) []string {
	f.t.Helper()
	rows, err := f.d.Query(f.ctx, "SELECT person_id FROM tracing_links WHERE case_id = $1 AND degree = $2", caseID, degree)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		rows.Scan(&p)
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// messages counts the exposure messages in a person's inbox.
func (f *fixture) messages(personID string) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRow(f.ctx, "SELECT count(*) FROM inbox_messages WHERE person_id = $1 AND category = 'exposure'", personID).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// count counts a table's rows.
func (f *fixture) count(table string) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRow(f.ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func sorted(xs ...[]string) []string {
	var out []string
	for _, x := range xs {
		for _, v := range x {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	sort.Strings(out)
	return out
}

func without(xs []string, drop ...string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(drop, x) {
			out = append(out, x)
		}
	}
	return out
}
