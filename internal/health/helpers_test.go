package health_test

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/seal"
)

// now is after the last event of the sample dump (March 2022).
var now = time.Date(2022, 4, 1, 2, 0, 0, 0, time.UTC)

var (
	admin      = access.Actor{Kind: access.KindOfficial, ID: "admin1", Name: "admin", Role: access.RoleAdmin, Scope: access.Country}
	healthOff  = access.Actor{Kind: access.KindOfficial, ID: "yte1", Name: "yte", Role: access.RoleHealthOfficial, Scope: access.Country}
	reviewReq  = access.Request{Actor: healthOff, Purpose: access.PurposeLinkageReview, Ref: "review"}
	treatReq   = access.Request{Actor: healthOff, Purpose: access.PurposeTreatment, Ref: "ca 1"}
	sampleDump = "testdata/sample"
)

// fakeCases is tracing as the ingest sees it.
type fakeCases struct {
	mu    sync.Mutex
	got   []health.ConfirmedCase
	fail  bool
	calls int
}

func (f *fakeCases) RegisterCase(ctx context.Context, c health.ConfirmedCase) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail {
		return errors.New("tracing is down")
	}
	f.got = append(f.got, c)
	return nil
}

func (f *fakeCases) cases() []health.ConfirmedCase {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]health.ConfirmedCase(nil), f.got...)
}

type fixture struct {
	db         *db.DB
	clock      *clock.Fake
	sealer     *seal.Sealer
	persons    *identity.Store
	store      *health.Store
	treat      *health.Treatments
	facilities *facility.Store
	ingest     *health.Ingest
	cases      *fakeCases
	lab, site  facility.Facility
	people     []map[string]string
}

// newFixture loads the sample registry and registers a lab (HCDC) and a
// vaccination site.
func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	kf, _ := seal.NewKeyFile(now)
	ring, _ := kf.Ring()
	f := &fixture{db: d, clock: clock.NewFake(now), sealer: seal.NewSealer(ring), cases: &fakeCases{}}
	g := access.NewGuard(access.NewTrail(d, f.sealer, f.clock))
	f.persons = identity.NewStore(d, f.sealer, g, f.clock)
	if _, err := f.persons.LoadExtract(ctx, sampleDump+"/registry", nil); err != nil {
		t.Fatal(err)
	}
	f.people = readCSV(t, sampleDump+"/registry/people.csv")
	f.store = health.NewStore(d, f.sealer, g, f.clock)
	f.treat = health.NewTreatments(d, f.sealer, g, f.persons, f.clock)
	f.facilities = facility.NewStore(d, g, f.clock)
	f.ingest = health.NewIngest(d, f.sealer, g, f.clock, health.IngestDeps{Store: f.store, Persons: f.persons,
		Facilities: f.facilities, Treatments: f.treat, Cases: f.cases})
	var err error
	if f.lab, err = f.facilities.Create(ctx, admin, facility.New{Code: "HCDC", Name: "HCDC", Kind: "lab", Province: "79"}); err != nil {
		t.Fatal(err)
	}
	if f.site, err = f.facilities.Create(ctx, admin, facility.New{Code: "TYT_PX", Name: "TYT Phúc Xá", Kind: "vaccination", Province: "01"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func readCSV(t testing.TB, path string) []map[string]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
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

// personWithPhone returns a registry person who has a phone of their own.
func (f *fixture) personWithPhone(t testing.TB, skip int) map[string]string {
	t.Helper()
	n := map[string]int{}
	for _, p := range f.people {
		n[p["phone"]]++
	}
	for _, p := range f.people {
		if p["phone"] != "" && n[p["phone"]] == 1 && p["old_id"] != "" {
			if skip == 0 {
				return p
			}
			skip--
		}
	}
	t.Fatal("no person with a phone of their own")
	return nil
}

func (f *fixture) id(p map[string]string) string { return f.persons.RegistryID(p["cccd"]) }

func count(t testing.TB, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// testFor is a result for p as a lab would send it.
func testFor(p map[string]string, sample, result string) health.TestInput {
	return health.TestInput{SampleID: sample, Type: "RT-PCR", Result: result, SampledAt: "2022-03-20T08:00:00+07:00",
		ResultAt: "2022-03-20T20:00:00+07:00", Person: health.PersonInput{FullName: p["full_name"],
			BirthDate: p["birth_date"][:4], Sex: p["sex"], IDNumber: p["cccd"], Phone: p["phone"]}}
}
