package health_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

// recordNow is 20 November 2021, 10:00 in Vietnam.
var recordNow = time.Date(2021, 11, 20, 10, 0, 0, 0, vn.Location())

type recordFixture struct {
	store   *health.Store
	trail   *access.Trail
	subject access.Subject
}

// newRecordFixture returns a health store on d with one person living in
// Hà Nội's first ward.
func newRecordFixture(t *testing.T, d *db.DB) *recordFixture {
	t.Helper()
	kf, _ := seal.NewKeyFile(recordNow)
	ring, _ := kf.Ring()
	s := seal.NewSealer(ring)
	c := clock.NewFake(recordNow)
	tr := access.NewTrail(d, s, c)
	g := access.NewGuard(tr)
	persons := identity.NewStore(d, s, g, c)
	err := persons.InsertUnverified(context.Background(), d, []identity.Unverified{{ID: "u-1", FullName: "Trần Thị Bình",
		Ward: "00001", Province: "01", Source: "test", SourceKey: "1"}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := persons.Subject(context.Background(), "u-1")
	if err != nil {
		t.Fatal(err)
	}
	return &recordFixture{store: health.NewStore(d, s, g, c), trail: tr, subject: sub}
}

var (
	hanoiHealth  = access.Actor{Kind: access.KindOfficial, ID: "o-1", Name: "yte.hn", Role: access.RoleHealthOfficial, Scope: "01"}
	saigonHealth = access.Actor{Kind: access.KindOfficial, ID: "o-2", Name: "yte.hcm", Role: access.RoleHealthOfficial, Scope: "79"}
)

func vaccination(a access.Actor) access.Request {
	return access.Request{Actor: a, Purpose: access.PurposeVaccination, Ref: "đợt tiêm 3"}
}

func fieldOf(err error) string {
	var fe *problem.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

func TestRecordDoseValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newRecordFixture(t, d)
		ctx := context.Background()
		good := health.NewDose{Number: "1", Product: "EU/1/21/1529", Date: "01/10/2021", Lot: "ABV5300", Facility: "Trạm y tế phường Phúc Xá", Province: "01"}
		cases := []struct {
			name  string
			edit  func(*health.NewDose)
			field string
		}{
			{"dose number 0", func(n *health.NewDose) { n.Number = "0" }, "number"},
			{"dose number 5", func(n *health.NewDose) { n.Number = "5" }, "number"},
			{"dose number not a number", func(n *health.NewDose) { n.Number = "hai" }, "number"},
			{"a product outside the EU value set", func(n *health.NewDose) { n.Product = "Vodka-V" }, "product"},
			{"the old app's own code", func(n *health.NewDose) { n.Product = "CIGB-66" }, "product"},
			{"a date in the future", func(n *health.NewDose) { n.Date = "21/11/2021" }, "date"},
			{"a date before Vietnam's first dose", func(n *health.NewDose) { n.Date = "07/03/2021" }, "date"},
			{"a date without its day", func(n *health.NewDose) { n.Date = "10/2021" }, "date"},
			{"a date that does not exist", func(n *health.NewDose) { n.Date = "31/09/2021" }, "date"},
			{"no place", func(n *health.NewDose) { n.Facility = "  " }, "facility"},
			{"an unknown province", func(n *health.NewDose) { n.Province = "99" }, "province"},
		}
		for _, c := range cases {
			in := good
			c.edit(&in)
			if _, err := f.store.RecordDose(ctx, vaccination(hanoiHealth), f.subject, in); fieldOf(err) != c.field {
				t.Errorf("%s: %v, want an error on %s", c.name, err, c.field)
			}
		}
		if recs := f.records(t); len(recs.Doses) != 0 {
			t.Fatalf("%d doses stored after refusals", len(recs.Doses))
		}
		// The first and the last valid days.
		for _, date := range []string{"08/03/2021", "2021-11-20"} {
			in := good
			in.Date = date
			in.Number = map[string]string{"08/03/2021": "1", "2021-11-20": "2"}[date]
			if _, err := f.store.RecordDose(ctx, vaccination(hanoiHealth), f.subject, in); err != nil {
				t.Fatalf("dose on %s: %v", date, err)
			}
		}
		recs := f.records(t)
		if len(recs.Doses) != 2 || recs.Doses[1].ProductName != "AstraZeneca (Vaxzevria)" || recs.Doses[1].Source != health.SourceConsole ||
			recs.Doses[1].RecordKey != hanoiHealth.ID || recs.Doses[1].Lot != "ABV5300" {
			t.Fatalf("stored %+v", recs.Doses)
		}
	})
}

func (f *recordFixture) records(t *testing.T) health.Records {
	t.Helper()
	r, err := f.store.ForPerson(context.Background(), vaccination(hanoiHealth), f.subject)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRecordDoseRefusesDuplicates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newRecordFixture(t, d)
		ctx := context.Background()
		// A dose the takeover brought from the old vaccination portal.
		err := f.store.InsertDoses(ctx, d, []health.Dose{{ID: "vaccination/1", PersonID: "u-1", Source: "vaccination", RecordKey: "1",
			Number: 1, Date: vn.Date{Year: 2021, Month: 8, Day: 2}, Product: "EU/1/21/1529"}})
		if err != nil {
			t.Fatal(err)
		}
		dose := func(n, date string) error {
			_, err := f.store.RecordDose(ctx, vaccination(hanoiHealth), f.subject, health.NewDose{Number: n, Product: "EU/1/20/1528", Date: date, Facility: "Bệnh viện Bạch Mai"})
			return err
		}
		if err := dose("1", "03/08/2021"); fieldOf(err) != "number" {
			t.Errorf("dose 1 again: %v", err)
		}
		if err := dose("2", "02/08/2021"); fieldOf(err) != "date" {
			t.Errorf("another dose on the same day: %v", err)
		}
		if err := dose("2", "01/08/2021"); fieldOf(err) != "date" {
			t.Errorf("dose 2 before dose 1: %v", err)
		}
		if err := dose("2", "30/08/2021"); err != nil {
			t.Fatal(err)
		}
		if err := dose("2", "30/09/2021"); fieldOf(err) != "number" {
			t.Errorf("dose 2 twice: %v", err)
		}
		if n := len(f.records(t).Doses); n != 2 {
			t.Fatalf("%d doses stored, want 2", n)
		}
	})
}

func TestRecordDoseChecksAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newRecordFixture(t, d)
		ctx := context.Background()
		in := health.NewDose{Number: "1", Product: "EU/1/21/1529", Date: "01/10/2021", Facility: "Trạm y tế"}
		if _, err := f.store.RecordDose(ctx, vaccination(saigonHealth), f.subject, in); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("an official outside the area recorded a dose: %v", err)
		}
		tracing := access.Request{Actor: hanoiHealth, Purpose: access.PurposeTracing}
		if _, err := f.store.RecordDose(ctx, tracing, f.subject, in); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("a dose recorded for tracing: %v", err)
		}
		commune := access.Actor{Kind: access.KindOfficial, ID: "o-3", Name: "phuong", Role: access.RoleCommuneOfficer, Scope: "01"}
		if _, err := f.store.RecordDose(ctx, vaccination(commune), f.subject, in); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("a commune officer recorded a dose: %v", err)
		}
		if _, err := f.store.RecordDose(ctx, vaccination(hanoiHealth), f.subject, in); err != nil {
			t.Fatal(err)
		}
		entries, _ := f.trail.ForSubject(ctx, "u-1", 10)
		if len(entries) == 0 || entries[0].Action != "health.dose.record" || entries[0].Actor.Name != "yte.hn" || entries[0].Ref != "đợt tiêm 3" {
			t.Fatalf("the person's access log: %+v", entries)
		}
	})
}

func TestRecordTest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newRecordFixture(t, d)
		ctx := context.Background()
		req := access.Request{Actor: hanoiHealth, Purpose: access.PurposeTesting}
		good := health.NewTest{Type: "pcr", Result: "negative", SampledAt: "2021-11-19T08:30", ResultAt: "2021-11-19T20:00", Lab: "CDC Hà Nội", SampleID: "HN-123"}
		cases := []struct {
			name  string
			edit  func(*health.NewTest)
			field string
		}{
			{"an unknown type", func(n *health.NewTest) { n.Type = "blood" }, "type"},
			{"no result", func(n *health.NewTest) { n.Result = "" }, "result"},
			{"a sample in the future", func(n *health.NewTest) { n.SampledAt = "2021-11-20T11:00" }, "sampled_at"},
			{"a sample before 2020", func(n *health.NewTest) { n.SampledAt = "2019-12-31T23:00" }, "sampled_at"},
			{"a result before its sample", func(n *health.NewTest) { n.ResultAt = "2021-11-19T08:00" }, "result_at"},
			{"no laboratory", func(n *health.NewTest) { n.Lab = "" }, "lab"},
		}
		for _, c := range cases {
			in := good
			c.edit(&in)
			if _, err := f.store.RecordTest(ctx, req, f.subject, in); fieldOf(err) != c.field {
				t.Errorf("%s: %v, want an error on %s", c.name, err, c.field)
			}
		}
		got, err := f.store.RecordTest(ctx, req, f.subject, good)
		if err != nil {
			t.Fatal(err)
		}
		if got.Type != health.PCR || got.Positive || !got.SampledAt.Equal(time.Date(2021, 11, 19, 8, 30, 0, 0, vn.Location())) {
			t.Fatalf("recorded %+v", got)
		}
		if _, err := f.store.RecordTest(ctx, req, f.subject, good); fieldOf(err) != "sampled_at" {
			t.Errorf("the same test twice: %v", err)
		}
		if _, err := f.store.RecordTest(ctx, vaccination(hanoiHealth), f.subject, good); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("a test recorded for vaccination: %v", err)
		}
	})
}

func TestDistinct(t *testing.T) {
	t.Parallel()
	day := vn.Date{Year: 2021, Month: 8, Day: 2}
	sampled := time.Date(2021, 11, 1, 8, 0, 0, 0, vn.Location())
	r := health.Records{
		Doses: []health.Dose{
			{ID: "a", Number: 1, Date: day, Source: "vaccination"},
			{ID: "b", Number: 1, Date: day, Source: "healthbook", Facility: "TYT"},
			{ID: "c", Number: 2, Date: vn.Date{Year: 2021, Month: 9, Day: 2}, Source: "healthbook"},
		},
		Tests: []health.Test{
			{ID: "t1", Type: "PCR", SampledAt: sampled, Source: "labtests"},
			{ID: "t2", Type: "PCR", SampledAt: sampled, Source: "healthbook"},
			{ID: "t3", Type: "RAT", SampledAt: sampled.Add(time.Hour), Source: "labtests"},
		},
	}
	doses, tests := health.Distinct(r)
	if len(doses) != 2 || len(doses[0].Sources) != 2 || doses[0].Facility != "TYT" || doses[1].Number != 2 {
		t.Fatalf("doses %+v", doses)
	}
	if len(tests) != 2 || tests[0].ID != "t3" || len(tests[1].Sources) != 2 {
		t.Fatalf("tests %+v", tests)
	}
}

func ExampleVaccineProductName() {
	fmt.Println(health.VaccineProductName("EU/1/20/1525"))
	// Output: Janssen (Jcovden)
}
