package family_test

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
	"github.com/pccovid/pccovid/internal/family"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/synth"
	"github.com/pccovid/pccovid/internal/vn"
)

// now is 20 November 2021, 10:00 in Vietnam: the synthetic extract is of
// 1 November 2021.
var now = time.Date(2021, 11, 20, 10, 0, 0, 0, vn.Location())

type fixture struct {
	db       *db.DB
	clock    *clock.Fake
	trail    *access.Trail
	persons  *identity.Store
	sessions *access.Sessions
	family   *family.Service
	people   []map[string]string
}

// registryDir is a synthetic extract written once for all tests.
var registryDir = func() string {
	dir, err := os.MkdirTemp("", "family-registry")
	if err != nil {
		panic(err)
	}
	if _, err := synth.WriteRegistry(dir, 11, 300); err != nil {
		panic(err)
	}
	return dir
}()

func TestMain(m *testing.M) {
	code := m.Run()
	os.RemoveAll(registryDir)
	os.Exit(code)
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	kf, _ := seal.NewKeyFile(now)
	ring, _ := kf.Ring()
	s := seal.NewSealer(ring)
	c := clock.NewFake(now)
	tr := access.NewTrail(d, s, c)
	g := access.NewGuard(tr)
	f := &fixture{db: d, clock: c, trail: tr, persons: identity.NewStore(d, s, g, c), sessions: access.NewSessions(d, c)}
	if _, err := f.persons.LoadExtract(context.Background(), registryDir, nil); err != nil {
		t.Fatal(err)
	}
	f.family = family.NewService(d, f.persons, f.persons.Registry(), f.sessions, g, c)
	f.people = readPeople(t)
	return f
}

func readPeople(t *testing.T) []map[string]string {
	t.Helper()
	file, err := os.Open(filepath.Join(registryDir, "people.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	recs, err := csv.NewReader(file).ReadAll()
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

func age(p map[string]string) int {
	b, _ := vn.ParseDate(p["birth_date"])
	a := 2021 - b.Year
	if b.Month > 11 || b.Month == 11 && b.Day > 20 {
		a--
	}
	return a
}

// family returns an adult with a child under 14 in their household, and
// someone of another household.
func (f *fixture) household(t *testing.T) (adult, child, stranger map[string]string) {
	t.Helper()
	for _, a := range f.people {
		if age(a) < 25 {
			continue
		}
		for _, c := range f.people {
			if c["household_id"] == a["household_id"] && age(c) < family.ChildAge && age(c) >= 1 {
				for _, o := range f.people {
					if o["household_id"] != a["household_id"] && age(o) >= 60 && o["old_id"] != "" {
						return a, c, o
					}
				}
			}
		}
	}
	t.Fatal("no household with a child in the extract")
	return nil, nil, nil
}

// citizen is the account of a registry person.
func (f *fixture) citizen(p map[string]string) access.Actor {
	id := f.persons.RegistryID(p["cccd"])
	return access.Actor{Kind: access.KindCitizen, ID: "acct-" + id, Name: "citizen", Role: access.RoleCitizen, Scope: access.Country, PersonID: id}
}

func dmy(p map[string]string) string {
	b := p["birth_date"]
	return b[8:10] + "/" + b[5:7] + "/" + b[:4]
}

func fieldOf(err error) string {
	var fe *problem.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

func TestAddByNumber(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		adult, _, elder := f.household(t)
		me := f.citizen(adult)
		cases := []struct {
			name  string
			proof family.Proof
			want  error
			field string
		}{
			{"a wrong birth date", family.Proof{IDNumber: elder["cccd"], BirthDate: "01/01/1950"}, family.ErrMismatch, "birth_date"},
			{"a number nobody has", family.Proof{IDNumber: "001099012345", BirthDate: dmy(elder)}, family.ErrMismatch, "birth_date"},
			{"not a number", family.Proof{IDNumber: "12345", BirthDate: dmy(elder)}, nil, "id_number"},
			{"no birth date", family.Proof{IDNumber: elder["cccd"]}, nil, "birth_date"},
			{"oneself", family.Proof{IDNumber: adult["cccd"], BirthDate: dmy(adult)}, nil, "id_number"},
		}
		for _, c := range cases {
			_, err := f.family.Add(ctx, me, c.proof)
			if c.want != nil && !errors.Is(err, c.want) || fieldOf(err) != c.field {
				t.Errorf("%s: %v, want %v on %s", c.name, err, c.want, c.field)
			}
		}
		if rels, _ := f.family.Profiles(ctx, me); len(rels) != 1 || !rels[0].Self || rels[0].FullName != adult["full_name"] {
			t.Fatalf("after refusals the profiles are %+v", rels)
		}
		// The elderly parent's old CMND and birth date.
		rel, err := f.family.Add(ctx, me, family.Proof{IDNumber: elder["old_id"], BirthDate: elder["birth_date"]})
		if err != nil {
			t.Fatal(err)
		}
		elderID := f.persons.RegistryID(elder["cccd"])
		if rel.PersonID != elderID || rel.FullName != elder["full_name"] || rel.Source != family.SourceAdded {
			t.Fatalf("added %+v", rel)
		}
		rels, _ := f.family.Profiles(ctx, me)
		if len(rels) != 2 || rels[1].PersonID != elderID {
			t.Fatalf("profiles %+v", rels)
		}
		// Again: nothing changes.
		if _, err := f.family.Add(ctx, me, family.Proof{IDNumber: elder["cccd"], BirthDate: dmy(elder)}); err != nil {
			t.Fatal(err)
		}
		entries, _ := f.trail.ForSubject(ctx, elderID, 10)
		if len(entries) != 2 || entries[0].Action != "family.add" || entries[0].Purpose != access.PurposeFamily || entries[0].Actor.ID != me.ID {
			t.Fatalf("the elder's access log: %+v", entries)
		}
	})
}

func TestAddChildOfHousehold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		adult, child, stranger := f.household(t)
		me, childID := f.citizen(adult), f.persons.RegistryID(child["cccd"])
		kids, err := f.family.Children(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		if !containsMember(kids, childID) || containsMember(kids, me.PersonID) {
			t.Fatalf("children offered: %+v", kids)
		}
		for _, k := range kids {
			if k.BirthYear < 2021-family.ChildAge {
				t.Errorf("%d-born member offered as a child", k.BirthYear)
			}
		}
		if _, err := f.family.Add(ctx, me, family.Proof{Child: true, MemberID: childID, BirthDate: "01/01/2015"}); fieldOf(err) != "birth_date" {
			t.Fatalf("wrong birth date: %v", err)
		}
		strangerID := f.persons.RegistryID(stranger["cccd"])
		if _, err := f.family.Add(ctx, me, family.Proof{Child: true, MemberID: strangerID, BirthDate: dmy(stranger)}); fieldOf(err) != "birth_date" {
			t.Fatalf("someone of another household: %v", err)
		}
		rel, err := f.family.Add(ctx, me, family.Proof{Child: true, MemberID: childID, BirthDate: dmy(child)})
		if err != nil || rel.PersonID != childID {
			t.Fatalf("child: %+v %v", rel, err)
		}
		if kids, _ := f.family.Children(ctx, me); containsMember(kids, childID) {
			t.Fatal("a managed child is still offered")
		}
		// Years later the child is 14: their CCCD is needed.
		f.clock.Set(now.AddDate(15, 0, 0))
		other := f.citizen(child)
		if _, err := f.family.Add(ctx, other, family.Proof{Child: true, MemberID: me.PersonID, BirthDate: dmy(adult)}); fieldOf(err) != "member" {
			t.Fatalf("an adult added as a child: %v", err)
		}
	})
}

func containsMember(ms []identity.Member, id string) bool {
	for _, m := range ms {
		if m.PersonID == id {
			return true
		}
	}
	return false
}

func TestAddIsRateLimited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		adult, _, elder := f.household(t)
		me := f.citizen(adult)
		for i := range 5 {
			if _, err := f.family.Add(context.Background(), me, family.Proof{IDNumber: elder["cccd"], BirthDate: "01/01/19" + string(rune('3'+i)) + "0"}); !errors.Is(err, family.ErrMismatch) {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		_, err := f.family.Add(context.Background(), me, family.Proof{IDNumber: elder["cccd"], BirthDate: dmy(elder)})
		if !errors.Is(err, problem.ErrRateLimited) {
			t.Fatalf("sixth attempt: %v", err)
		}
		f.clock.Advance(16 * time.Minute)
		if _, err := f.family.Add(context.Background(), me, family.Proof{IDNumber: elder["cccd"], BirthDate: dmy(elder)}); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}

func TestSwitch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		adult, child, stranger := f.household(t)
		me, childID, strangerID := f.citizen(adult), f.persons.RegistryID(child["cccd"]), f.persons.RegistryID(stranger["cccd"])
		token, _, err := f.sessions.Create(ctx, access.KindCitizen, me.ID, me.PersonID)
		if err != nil {
			t.Fatal(err)
		}
		active := func() string {
			t.Helper()
			s, err := f.sessions.Lookup(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			return s.PersonID
		}
		// Not managed yet: refused, and the attempt is on the child's log.
		for _, id := range []string{childID, strangerID, "p-does-not-exist", ""} {
			if _, err := f.family.Switch(ctx, me, token, id); !errors.Is(err, problem.ErrForbidden) {
				t.Errorf("switch to %q: %v", id, err)
			}
		}
		if active() != me.PersonID {
			t.Fatalf("a refused switch changed the profile to %s", active())
		}
		if entries, _ := f.trail.ForSubject(ctx, strangerID, 5); len(entries) != 1 || entries[0].Action != "family.switch.refused" {
			t.Fatalf("the stranger's log after a forged switch: %+v", entries)
		}
		if _, err := f.family.Add(ctx, me, family.Proof{Child: true, MemberID: childID, BirthDate: dmy(child)}); err != nil {
			t.Fatal(err)
		}
		rel, err := f.family.Switch(ctx, me, token, childID)
		if err != nil || rel.FullName != child["full_name"] || active() != childID {
			t.Fatalf("switch to the child: %+v %v, active %s", rel, err, active())
		}
		// Reading the child's profile as the parent is on the child's log.
		if _, err := f.persons.Get(ctx, access.Request{Actor: me, Purpose: access.PurposeOwn}, childID); err != nil {
			t.Fatal(err)
		}
		entries, _ := f.trail.ForSubject(ctx, childID, 10)
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
			if e.Purpose != access.PurposeFamily || e.Actor.ID != me.ID {
				t.Errorf("entry %+v: want purpose family by %s", e, me.ID)
			}
		}
		if got := strings.Join(actions, " "); got != "person.view family.switch family.add family.switch.refused" {
			t.Fatalf("the child's log: %s", got)
		}
		if a, err := f.family.Active(ctx, me, childID); err != nil || a.PersonID != childID {
			t.Fatalf("Active = %+v %v", a, err)
		}
		if _, err := f.family.Active(ctx, me, strangerID); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("Active(stranger) = %v", err)
		}
		if _, err := f.family.Switch(ctx, me, token, me.PersonID); err != nil || active() != me.PersonID {
			t.Fatalf("back to one's own profile: %v", err)
		}
	})
}
