package declaration_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

// now is 16:00 on 1 October 2021 in Vietnam.
var now = time.Date(2021, 10, 1, 9, 0, 0, 0, time.UTC)

// today is now's date in Vietnam.
var today = vn.Date{Year: 2021, Month: 10, Day: 1}

// The registry the tests load: a father and his daughter in Hà Nội
// (Phường Phúc Xá), a man in Hồ Chí Minh City (Phường Tân Định) and a woman
// in Đà Nẵng (Phường Hòa Hiệp Bắc).
const people = `cccd,old_id,full_name,birth_date,sex,ward_code,address,household_id,phone
001085012345,,Nguyễn Văn An,1985-02-01,M,00001,Số 5 ngõ 12,H1,0912345678
001315012346,,Nguyễn Thị Bình,2015-06-01,F,00001,Số 5 ngõ 12,H1,
079090012347,,Trần Văn Cường,1990-03-04,M,26734,12 Hai Bà Trưng,H2,0987654321
048195012348,,Lê Thị Dung,1995-07-08,F,20194,3 Nguyễn Lương Bằng,H3,0905123456
`

type fixture struct {
	db      *db.DB
	clock   *clock.Fake
	sealer  *seal.Sealer
	trail   *access.Trail
	persons *identity.Store
	store   *declaration.Store
	svc     *declaration.Service
	// Person ids.
	an, binh, cuong, dung string
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
	f := &fixture{db: d, clock: clock.NewFake(now), sealer: seal.NewSealer(ring)}
	f.trail = access.NewTrail(d, f.sealer, f.clock)
	guard := access.NewGuard(f.trail)
	f.persons = identity.NewStore(d, f.sealer, guard, f.clock)
	f.store = declaration.NewStore(d, f.sealer, guard, f.clock)
	f.svc = declaration.NewService(f.store, f.persons)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "people.csv"), []byte(people), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.persons.LoadExtract(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	f.an, f.binh = f.persons.RegistryID("001085012345"), f.persons.RegistryID("001315012346")
	f.cuong, f.dung = f.persons.RegistryID("079090012347"), f.persons.RegistryID("048195012348")
	if err := f.persons.AddManager(ctx, f.binh, f.an, "test", ""); err != nil {
		t.Fatal(err)
	}
	return f
}

// citizen is the actor of the account of a person.
func citizen(personID string) access.Actor {
	return access.Actor{Kind: access.KindCitizen, ID: "acct-" + personID, Name: "citizen", Role: access.RoleCitizen,
		Scope: access.Country, PersonID: personID}
}

// officer is an official of a role and scope.
func officer(name string, role access.Role, scope string) access.Actor {
	return access.Actor{Kind: access.KindOfficial, ID: "off-" + name, Name: name, Role: role, Scope: access.Scope(scope)}
}

// domesticForm is a valid domestic journey from Hà Nội to Đà Nẵng by air.
func domesticForm() declaration.Form {
	return declaration.Form{Kind: "DOMESTIC", From: "00001", Ward: "20194", Transport: "FLIGHT", TransportNo: "VN 0113",
		Seat: "07C", DepartureDate: "2021-10-02", ArrivalDate: "02/10/2021", Symptoms: []string{"cough"}}
}

// entryForm is a valid arrival from Korea at Nội Bài, staying in Hà Nội.
func entryForm() declaration.Form {
	return declaration.Form{Kind: "ENTRY", IDType: "CCCD", IDNumber: "001085012345", Nationality: "VNM", FromCountry: "KOR",
		FromCity: "Seoul", BorderGate: "HAN", Transport: "FLIGHT", TransportNo: "KE479", Seat: "31A",
		DepartureDate: "2021-09-30", ArrivalDate: "2021-10-01", Ward: "00004", Address: "Khách sạn cách ly"}
}

// entries returns the audit entries about a person, actions only.
func (f *fixture) actions(t *testing.T, personID string) string {
	t.Helper()
	es, err := f.trail.ForSubject(context.Background(), personID, 50)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action+"/"+string(e.Purpose)+"/"+e.Actor.Name)
	}
	return strings.Join(out, " ")
}

func (f *fixture) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), "SELECT count(*) FROM declarations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
