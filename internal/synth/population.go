package synth

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"sync"

	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// MaxPersons bounds the size of a population: every serial space (CCCD
// runs, CMND offices, phone prefixes, 8-digit household and BHXH suffixes)
// stays unique up to it. It is about Vietnam's population.
const MaxPersons = 100_000_000

// tables is the immutable reference data the generator draws from, built
// once from vn.AdminUnits and the tables of this package.
type tables struct {
	places *places
	names  *names
	addr   *addresser
	phones phonePlan
	demo   *demography
	ins    *insurance
}

var sharedTables = sync.OnceValue(func() *tables {
	pl := newPlaces(vn.AdminUnits())
	codes := make([]string, len(pl.list))
	for i, p := range pl.list {
		codes[i] = p.code
	}
	return &tables{
		places: pl,
		names:  newNames(codes),
		addr:   newAddresser(),
		phones: newPhonePlan(),
		demo:   newDemography(),
		ins:    newInsurance(),
	}
})

// Population is a synthetic population: a seed and a number of persons.
// It holds no persons; each pass over it generates them again, identically,
// so passes may run concurrently and cost memory for one household only.
type Population struct {
	seed    int64
	persons int
	t       *tables
}

// NewPopulation returns the population of the given number of persons
// generated from seed. The number must lie in [0, MaxPersons]; otherwise
// the error wraps problem.ErrInvalid.
func NewPopulation(seed int64, persons int) (*Population, error) {
	if persons < 0 || persons > MaxPersons {
		return nil, fmt.Errorf("synth: %w", problem.Field("persons",
			fmt.Sprintf("số người phải từ 0 đến %d, không phải %d", MaxPersons, persons),
			fmt.Sprintf("the number of persons must lie in 0–%d, not %d", MaxPersons, persons)))
	}
	return &Population{seed: seed, persons: persons, t: sharedTables()}, nil
}

// Seed returns the seed the population is generated from.
func (p *Population) Seed() int64 { return p.seed }

// Persons returns the number of persons.
func (p *Population) Persons() int { return p.persons }

// Households returns the households in order. The Members slice of each is
// reused by the next one (copy it to keep it); the Person values and their
// strings may be kept freely. The last household is cut short when the
// number of persons ends inside it.
func (p *Population) Households() iter.Seq[Household] {
	return func(yield func(Household) bool) {
		g := newGenerator(p.t, p.seed)
		for g.persons < p.persons {
			if !yield(g.next(p.persons - g.persons)) {
				return
			}
		}
	}
}

// All returns the persons in order, household by household.
func (p *Population) All() iter.Seq[Person] {
	return func(yield func(Person) bool) {
		for h := range p.Households() {
			for _, m := range h.Members {
				if !yield(m) {
					return
				}
			}
		}
	}
}

// Each calls fn for every person in order and stops at the first error,
// which it returns.
func (p *Population) Each(fn func(Person) error) error {
	for m := range p.All() {
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// generator is the state of one pass: the random stream, the identifier
// counters and the buffers reused from household to household.
type generator struct {
	t          *tables
	r          *rand.Rand
	ids        *issuer
	comp       composer
	members    []Person
	buf        []byte
	households int
	persons    int
}

func newGenerator(t *tables, seed int64) *generator {
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed_b1a5_7c0d_e5e7))
	return &generator{
		t:       t,
		r:       r,
		ids:     newIssuer(seed),
		comp:    composer{d: t.demo, r: r},
		members: make([]Person, 0, maxMembers),
		buf:     make([]byte, 0, 128),
	}
}

// next generates the next household, keeping at most limit members. The
// household is generated whole before it is cut, so that its first members
// are the same as in a larger population.
func (g *generator) next(limit int) Household {
	r := g.r
	prov := g.t.places.random(r)
	w := &prov.wards[r.IntN(len(prov.wards))]
	h := Household{
		Index:        g.households,
		ID:           g.ids.householdID(g.households, prov, g.buf),
		ProvinceCode: prov.code,
		WardCode:     w.code,
		Address:      g.t.addr.address(r, prov, w, g.buf),
	}
	g.comp.compose()
	drafts := g.comp.drafts
	g.origins(prov, drafts)
	g.members = g.members[:0]
	for i := range drafts {
		g.members = append(g.members, g.person(&h, prov, drafts, i))
	}
	g.sharePhones()
	if len(g.members) > limit {
		g.members = g.members[:limit]
		g.fixTruncated()
	}
	for i := range g.members {
		g.members[i].Index = g.persons + i
	}
	g.households++
	g.persons += len(g.members)
	h.Members = g.members
	return h
}

// origins decides where each member's birth was registered: adults in
// their own province mostly, migrants elsewhere; children where their
// parents live, or where they come from.
func (g *generator) origins(home *province, drafts []draft) {
	r := g.r
	adult := func() int {
		if chance(r, home.migrants) {
			return g.t.places.pick.pick(r)
		}
		return home.index
	}
	headOrigin := home.index
	for i := range drafts {
		d := &drafts[i]
		switch d.role {
		case RoleHead:
			d.origin = adult()
			headOrigin = d.origin
		case RoleSpouse:
			d.origin = adult()
			if chance(r, 0.5) {
				d.origin = headOrigin
			}
		case RoleParent:
			d.origin = drafts[0].origin
		case RoleParentInLaw:
			d.origin = drafts[1].origin
		default: // children and grandchildren
			d.origin = home.index
			if headOrigin != home.index && chance(r, 0.3) || chance(r, 0.04) {
				d.origin = headOrigin
			}
		}
	}
}

// person gives draft i its name and numbers.
func (g *generator) person(h *Household, home *province, drafts []draft, i int) Person {
	r, d := g.r, &drafts[i]
	birth := extractDay - d.age
	date := dateOf(birth)
	origin := &g.t.places.list[d.origin]
	p := Person{
		HouseholdIndex: h.Index,
		MemberIndex:    i,
		FamilyRole:     d.role,
		BirthDate:      date,
		Sex:            d.sex,
		BirthProvince:  origin.code,
		ProvinceCode:   h.ProvinceCode,
		WardCode:       h.WardCode,
		Address:        h.Address,
		HouseholdID:    h.ID,
		Twin:           d.twin,
	}
	g.name(&p, drafts, i, origin)
	p.CCCD = g.ids.cccd(r, origin, d.sex, date.Year, g.buf)
	if chance(r, cmndShare(date.Year)) {
		office := home
		if origin != home && chance(r, 0.5) {
			office = origin
		}
		p.OldID = g.ids.cmnd(r, office, g.buf)
	}
	age := ageYears(birth)
	if chance(r, phoneShare(age)) {
		p.Phone = g.ids.phone(r, &g.t.phones, g.buf)
	}
	if s := g.t.ins.situationOf(r, age, d.sex, home); s.group != "" {
		p.Insurance = g.t.ins.card(r, s, birth, home, g.ids, g.buf)
	}
	return p
}

// name names member i: a family name of its own or inherited, and middle
// and given names unlike those of the household's other members. A second
// twin often gets the first one's middle name.
func (g *generator) name(p *Person, drafts []draft, i int, origin *province) {
	r, d := g.r, &drafts[i]
	family := ""
	if d.family == i {
		family = g.t.names.families[atoi(origin.code)].pick(r)
	} else {
		family = g.members[d.family].FamilyName
	}
	var twin *Person
	if d.twin && i > 0 && drafts[i-1].twin && drafts[i-1].age == d.age {
		twin = &g.members[i-1]
	}
	year := p.BirthDate.Year
	for tries := 0; ; tries++ {
		s := g.t.names.drawName(r, family, d.sex, year)
		if twin != nil && twin.MiddleName != "" && twin.FamilyName == family && chance(r, 0.6) {
			s.middles = [2]string{}
			s.nMiddle = copy(s.middles[:], splitMiddle(twin.MiddleName))
			g.t.names.redrawGiven(r, &s, d.sex, year)
		}
		g.buf = s.fill(p, g.buf)
		if tries == 8 || !g.nameTaken(p) {
			return
		}
	}
}

// nameTaken reports whether another member already has p's full name or,
// for a twin, p's given name.
func (g *generator) nameTaken(p *Person) bool {
	for _, m := range g.members {
		if m.FullName == p.FullName || p.Twin && m.Twin && m.GivenName == p.GivenName {
			return true
		}
	}
	return false
}

// sharePhones makes some couples use one phone: one spouse in four
// without a phone of their own is registered with the other's, and one
// couple in fourteen where both have one lists only one of them.
func (g *generator) sharePhones() {
	if len(g.members) < 2 || g.members[1].FamilyRole != RoleSpouse {
		return
	}
	head, spouse := &g.members[0], &g.members[1]
	switch {
	case head.Phone != "" && spouse.Phone != "" && chance(g.r, 1.0/14),
		head.Phone != "" && spouse.Phone == "" && chance(g.r, 0.25):
		spouse.Phone = head.Phone
	case head.Phone == "" && spouse.Phone != "" && chance(g.r, 0.25):
		head.Phone = spouse.Phone
	default:
		return
	}
	head.PhoneShared, spouse.PhoneShared = true, true
}

// fixTruncated clears the flags that point at members who were cut off.
func (g *generator) fixTruncated() {
	m := g.members
	if len(m) == 1 {
		m[0].PhoneShared = false
	}
	for i := range m {
		if !m[i].Twin {
			continue
		}
		paired := i > 0 && m[i-1].Twin && m[i-1].BirthDate == m[i].BirthDate ||
			i+1 < len(m) && m[i+1].Twin && m[i+1].BirthDate == m[i].BirthDate
		m[i].Twin = paired
	}
}

// cmndShare is the share of people born in year y who held a 9-digit CMND
// before their CCCD: most adults, few of those who turned 14 after the CCCD
// replaced it in 2016.
func cmndShare(y int) float64 {
	switch {
	case y < 2000:
		return 0.7
	case y < 2005:
		return 0.25
	}
	return 0
}

// phoneShare is the share of people of that age with a mobile number of
// their own in the registry.
func phoneShare(age int) float64 {
	switch {
	case age < 15:
		return 0
	case age < 18:
		return 0.55
	case age < 23:
		return 0.9
	case age < 60:
		return 0.94
	case age < 70:
		return 0.8
	case age < 76:
		return 0.6
	case age < 85:
		return 0.3
	}
	return 0.1
}
