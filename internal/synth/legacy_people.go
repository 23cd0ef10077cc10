package synth

import (
	"fmt"
	"math/rand/v2"

	"github.com/pccovid/pccovid/internal/vn"
)

// member is one person as the legacy apps knew them: a registry person
// (or a made-up one for people in no registry) and what the apps learnt
// that the registry did not — numbers it does not know, whose phone stood
// in for theirs, their doses and tests.
type member struct {
	p       *Person
	key     string // person_key in truth.csv: the CCCD, or NOREG-<n>
	noreg   bool
	age     int     // completed years on the extract day
	engaged float64 // how keen on the apps: scales the Bluezone, NCOVI and vaccination shares
	place   *placeName

	own    string // the person's own mobile number ("0xxxxxxxxx"), or ""
	second string // a second SIM the registry does not know, or ""
	family string // the number of the household member who speaks for this person, or ""
	// shared is true for a person in no registry whose own number is a
	// registry person's: their host's, or a recycled number.
	shared bool

	cmnd     string // an old CMND the registry does not hold (people in no registry)
	passport string // Vietnamese passport, once needed
	foreign  *foreigner

	vhd     vhdHabit
	bz      []bzUser
	doses   []dose
	tests   []testEvent
	account string // the person's own health-book profile id
}

// phoneUse says whose number a record carries.
type phoneUse uint8

const (
	phoneNone   phoneUse = iota
	phoneOwn             // the person's own
	phoneSecond          // the person's, unknown to the registry
	phoneFamily          // a household member's
	phoneShared          // a person in no registry with a registry person's number
)

func (g *legacyGen) registryMember(p *Person) member {
	m := member{
		p:       p,
		key:     p.CCCD,
		age:     ageYears(dayOf(p.BirthDate.Year, p.BirthDate.Month, p.BirthDate.Day)),
		place:   g.book.ward(p.WardCode),
		engaged: 0.75,
	}
	if chance(g.r, 0.5) {
		m.engaged = 1.25
	}
	switch {
	case p.Phone != "":
		m.own = p.Phone
		// Dual-SIM phones are the rule in Vietnam: many people gave the
		// apps the number the registry does not have.
		if chance(g.r, 0.45) {
			m.second = g.ids.freshPhone(g)
		}
	case m.age >= 15 && chance(g.r, unlistedShare(m.age)):
		m.own = g.ids.freshPhone(g)
	}
	return m
}

// unlistedShare is the share of people without a number in the registry
// who have one of their own all the same.
func unlistedShare(age int) float64 {
	switch {
	case age < 18:
		return 0.45
	case age < 70:
		return 0.7
	case age < 80:
		return 0.35
	}
	return 0.12
}

// familyPhones decides whose phone stands in for each member: a parent's
// for a child, a child's for an elderly parent, a spouse's otherwise.
func (g *legacyGen) familyPhones(ms []member) {
	spouse := -1
	for i := range ms {
		if ms[i].p.FamilyRole == RoleSpouse {
			spouse = i
			break
		}
	}
	for i := range ms {
		m := &ms[i]
		for _, j := range g.guardians(ms, i, spouse) {
			if j < 0 || j == i || ms[j].own == "" {
				continue
			}
			m.family = ms[j].own
			if ms[j].second != "" && chance(g.r, 0.3) {
				m.family = ms[j].second
			}
			if m.family == m.own {
				m.family = ""
			}
			break
		}
	}
}

// guardians lists, in order of preference, the household members whose
// phone stands in for member i's: the parents (the mother more often) of
// a child, the couple for their parents, grown children for an elderly
// couple, the spouse otherwise.
func (g *legacyGen) guardians(ms []member, i, spouse int) []int {
	m := &ms[i]
	switch m.p.FamilyRole {
	case RoleChild, RoleGrandchild:
		if spouse >= 0 && ms[spouse].p.Sex == 'F' && chance(g.r, 0.6) {
			return []int{spouse, 0}
		}
		return []int{0, spouse}
	case RoleParent:
		return []int{0, spouse}
	case RoleParentInLaw:
		return []int{spouse, 0}
	}
	var out []int
	if m.age >= 60 {
		for j := range ms {
			if ms[j].p.FamilyRole == RoleChild && ms[j].age >= 20 {
				out = append(out, j)
			}
		}
	}
	if i == 0 {
		return append(out, spouse)
	}
	return append(out, 0)
}

// phoneFor returns the number one record of m carries, and whose it is.
func (g *legacyGen) phoneFor(m *member) (string, phoneUse) { return g.phoneOf(m, 1) }

// phoneOf is phoneFor for an app where someone with a phone of their own
// gives a family member's number familyScale times as often as usual.
func (g *legacyGen) phoneOf(m *member, familyScale float64) (string, phoneUse) {
	r := g.r
	switch {
	case m.foreign != nil:
		if m.foreign.phone == "" {
			return "", phoneNone
		}
		return m.foreign.phone, phoneOwn
	case m.own == "":
		if m.family != "" {
			return m.family, phoneFamily
		}
		return "", phoneNone
	case m.shared:
		return m.own, phoneShared
	case m.family != "" && chance(r, familyScale*familyUse(m.age)):
		return m.family, phoneFamily
	case m.second != "" && chance(r, 0.7):
		return m.second, phoneSecond
	}
	return m.own, phoneOwn
}

// familyUse is how often someone with a phone of their own still gave a
// family member's: children and the elderly often, adults sometimes.
func familyUse(age int) float64 {
	switch {
	case age < 18:
		return 0.2
	case age < 65:
		return 0.06
	}
	return 0.25
}

// countPhone counts a number written into a record.
func (g *legacyGen) countPhone(u phoneUse) {
	c := &g.stats.Cases
	switch u {
	case phoneSecond:
		c.SecondSIM++
	case phoneFamily:
		c.FamilyPhone++
	case phoneShared:
		c.SharedWithNoreg++
	}
}

// Identity numbers.

// idTypoShare is the share of people who, in one app, gave their number
// with one digit wrong (the sample has 0.8 % of the records that carry a
// number).
const idTypoShare = 0.012

// idHabit is how one person gave their identity number in one app.
type idHabit struct {
	id       string // the number given, or "" for none
	old      bool   // it is the old CMND
	registry bool   // it is a registry person's
	typo     string // the number with one digit wrong, used in most records, or ""
	other    bool   // the wrong number is another registry person's
}

// idHabit draws whether m gives a number in an app (give), the old CMND
// rather than the CCCD when they had one (oldShare), and a typo.
func (g *legacyGen) idHabit(m *member, give, oldShare float64) idHabit {
	var h idHabit
	if !chance(g.r, give) {
		return h
	}
	if m.noreg {
		h.id, h.old = m.cmnd, true
		return h
	}
	h.id, h.registry = m.p.CCCD, true
	if m.p.OldID != "" && chance(g.r, oldShare) {
		h.id, h.old = m.p.OldID, true
	}
	if chance(g.r, idTypoShare) {
		h.typo, h.other = g.mistypeID(h.id)
	}
	return h
}

// idFor returns the number one record gives: the habit's with probability
// keep (mistyped in most records of one who mistypes it), else none.
func (g *legacyGen) idFor(h *idHabit, keep float64) string {
	if h.id == "" || !chance(g.r, keep) {
		return ""
	}
	c := &g.stats.Cases
	id := h.id
	if h.typo != "" && chance(g.r, 0.85) {
		id = h.typo
		c.IDTypo++
		if h.other {
			c.IDTypoOnOther++
		}
	}
	if h.old && h.registry {
		c.OldIDGiven++
	}
	return id
}

// mistypeID returns id with one digit wrong. Numbers were issued in runs,
// so the slip often lands on the number issued just before: another real
// person's, taken from the memory of recent people. Otherwise a random
// digit is wrong (mostly in the serial), which may or may not be someone's.
func (g *legacyGen) mistypeID(id string) (string, bool) {
	r := g.r
	if chance(r, 0.7) {
		var near string
		switch len(id) {
		case 12:
			near = g.memory.cccd[cccdBucket(id)]
		case 9:
			near = g.memory.cmnd[atoi(id[:2])]
		}
		if near != "" && oneDigitApart(near, id) {
			return near, true
		}
	}
	b := []byte(id)
	i := r.IntN(len(b))
	if len(b) == 12 && chance(r, 0.7) {
		i = 6 + r.IntN(6)
	}
	b[i] = '0' + byte((int(b[i]-'0')+1+r.IntN(9))%10)
	return string(b), false
}

func oneDigitApart(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	diff := 0
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			diff++
		}
	}
	return diff == 1
}

// cccdBucket is the run a CCCD was issued in: birth province, sex and
// century, year of birth.
func cccdBucket(c string) int {
	return atoi(c[:3])*400 + int(c[3]-'0')*100 + atoi(c[4:6])
}

// Birth dates.

// birthHabit is the birth date as one person wrote it in one app: mostly
// right, sometimes a year off or with day and month swapped.
func (g *legacyGen) birthHabit(m *member) vn.Date {
	d := m.p.BirthDate
	switch u := g.r.Float64(); {
	case u < 0.012 && !(d.Month == 2 && d.Day == 29):
		d.Year--
		if chance(g.r, 0.5) && d.Year+2 < extractDate.Year {
			d.Year += 2
		}
	case u < 0.037 && d.Day <= 12 && d.Day != d.Month:
		d.Day, d.Month = d.Month, d.Day
	}
	return d
}

var extractDate = dateOf(extractDay)

// birthFor returns the birth date one record gives: the habit's mostly.
func (g *legacyGen) birthFor(m *member, habit vn.Date) vn.Date {
	d := m.p.BirthDate
	if habit == d || !chance(g.r, 0.85) {
		return d
	}
	if habit.Year != d.Year {
		g.stats.Cases.BirthYearOff++
	} else {
		g.stats.Cases.BirthDaySwapped++
	}
	return habit
}

// Identifiers the apps issued.

// legacyIDs issues the apps' identifiers. Each is a keyed bijection of a
// counter, so identifiers never repeat and need no memory to check.
type legacyIDs struct {
	key                                   uint64
	bluezone, profiles, portal, passports uint64
	foreign                               uint64
	freshPhones                           [100]uint32
	freshCMNDs                            uint32
	noreg                                 int
	portalMul, portalAdd                  uint64
	passportMul, passportAdd              uint64
}

func newLegacyIDs(key uint64) legacyIDs {
	return legacyIDs{
		key:         key,
		portalMul:   unitMod(mix64(key^0x9091), 100_000_000),
		portalAdd:   mix64(key^0x9092) % 100_000_000,
		passportMul: unitMod(mix64(key^0x9093), 10_000_000),
		passportAdd: mix64(key^0x9094) % 10_000_000,
	}
}

const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// bluezoneID returns the next 6-character Bluezone id (A–Z, 2–7): a
// 30-bit keyed permutation of a counter.
func (ids *legacyIDs) bluezoneID() string {
	n := ids.bluezone
	if n >= 1<<30 {
		panic("synth: Bluezone ids exhausted")
	}
	ids.bluezone++
	x := uint32(n)
	l, r := x>>15, x&0x7fff
	for round := uint64(0); round < 4; round++ {
		l, r = r, l^uint32(mix64(ids.key^0xb1e^round<<40^uint64(r))&0x7fff)
	}
	x = l<<15 | r
	var b [6]byte
	for i := 5; i >= 0; i-- {
		b[i] = base32Alphabet[x&31]
		x >>= 5
	}
	return string(b[:])
}

// profileID returns the next health-book profile id: a MongoDB ObjectId
// of the creation time, the server's machine bytes and a counter.
func (ids *legacyIDs) profileID(created stamp) string {
	const hex = "0123456789abcdef"
	n := ids.profiles
	ids.profiles++
	var b [24]byte
	t := uint32(created.unixSec())
	for i := 7; i >= 0; i-- {
		b[i] = hex[t&15]
		t >>= 4
	}
	copy(b[8:], "5b94019c")
	hi := 0x92 + n>>24
	b[16], b[17] = hex[hi>>4&15], hex[hi&15]
	c := permute(uint32(n&0xffffff), 1<<24, ids.key^0x0b1d)
	for i := 23; i >= 18; i-- {
		b[i] = hex[c&15]
		c >>= 4
	}
	return string(b[:])
}

// portalID returns the next ma_doi_tuong of the vaccination portal.
func (ids *legacyIDs) portalID(buf []byte) string {
	n := (ids.portal*ids.portalMul + ids.portalAdd) % 100_000_000
	ids.portal++
	return string(appendPadded(append(buf[:0], "DT-"...), n, 8))
}

// vnPassport returns the next Vietnamese passport number: B or C and
// seven digits.
func (ids *legacyIDs) vnPassport(buf []byte) string {
	n := (ids.passports*ids.passportMul + ids.passportAdd) % 10_000_000
	ids.passports++
	letter := byte('B' + mix64(ids.key^n)%2)
	return string(appendPadded(append(buf[:0], letter), n, 7))
}

// freshPhone returns a mobile number no registry person has: the
// registry's numbers are a keyed permutation of counters counting up from
// 0 in each prefix; these count down from the top of the same permutation.
func (ids *legacyIDs) freshPhone(g *legacyGen) string {
	plan := &g.t.phones
	prefix := plan.prefixes[plan.pick.pick(g.r)]
	i := atoi(prefix)
	n := ids.freshPhones[i]
	if n >= phoneNumber/2 {
		panic("synth: fresh phone numbers exhausted for prefix 0" + prefix)
	}
	ids.freshPhones[i]++
	sub := permute(phoneNumber-1-n, phoneNumber, ids.key^uint64(i)<<32)
	b := append(append(g.scratch[:0], '0'), prefix...)
	g.scratch = appendPadded(b, uint64(sub), 7)
	return string(g.scratch)
}

// freshCMND returns an old 9-digit CMND of office p that no registry
// person holds: the registry's serials stay far below 9,000,000.
func (ids *legacyIDs) freshCMND(p *province, buf []byte) string {
	n := ids.freshCMNDs
	if n >= 1_000_000 {
		panic("synth: fresh CMND numbers exhausted")
	}
	ids.freshCMNDs++
	return string(appendPadded(append(buf[:0], p.cmnd...), uint64(9_000_000+n), 7))
}

// legacyMemory remembers a bounded window of recent people: the last
// number issued in each CCCD run and CMND office (for typos that land on
// a neighbour), registry numbers (recycled to people in no registry) and
// Bluezone registrations (contacts).
type legacyMemory struct {
	cccd    []string
	cmnd    [100]string
	phones  [1024]string
	nPhones int
	bz      [4096]bzUser
	nBZ     int
}

func newLegacyMemory() legacyMemory {
	return legacyMemory{cccd: make([]string, 100*400)}
}

// remember records the members of a household once its records are out.
func (g *legacyGen) remember(ms []member) {
	mem := &g.memory
	for i := range ms {
		p := ms[i].p
		if ms[i].noreg {
			continue
		}
		mem.cccd[cccdBucket(p.CCCD)] = p.CCCD
		if p.OldID != "" {
			mem.cmnd[atoi(p.OldID[:2])] = p.OldID
		}
		if p.Phone != "" {
			mem.phones[mem.nPhones%len(mem.phones)] = p.Phone
			mem.nPhones++
		}
	}
}

// recycledPhone returns the registry number of someone from an earlier
// household, reassigned by the network to a person in no registry.
func (g *legacyGen) recycledPhone() string {
	mem := &g.memory
	if mem.nPhones == 0 {
		return ""
	}
	return mem.phones[g.r.IntN(min(mem.nPhones, len(mem.phones)))]
}

// People in no registry.

// Rates per registry person of the people in no registry, from the
// sample: residents known only to Bluezone and NCOVI, foreigners arriving,
// Vietnamese arriving on a passport with no registry entry.
const (
	noregResidentRate = 0.026
	foreignerRate     = 0.0135
	overseasRate      = 0.002
)

// strangers writes the people in no registry who come with a household.
func (g *legacyGen) strangers(h *Household, ms []member) {
	for range ms {
		switch u := g.r.Float64(); {
		case u < noregResidentRate:
			g.noregResident(h, ms)
		case u < noregResidentRate+foreignerRate:
			g.arrival(false)
		case u < noregResidentRate+foreignerRate+overseasRate:
			g.arrival(true)
		}
	}
}

// madeUp returns a person in no registry living in ward w of prov.
func (g *legacyGen) madeUp(prov *province, w *ward, age int, sex byte, address string) member {
	r := g.r
	birth := extractDay - years(float64(age)+r.Float64())
	p := &Person{Sex: sex, BirthDate: dateOf(birth), BirthProvince: prov.code,
		ProvinceCode: prov.code, WardCode: w.code, Address: address}
	family := g.t.names.families[atoi(prov.code)].pick(r)
	s := g.t.names.drawName(r, family, sex, p.BirthDate.Year)
	g.scratch = s.fill(p, g.scratch)
	if p.Address == "" {
		p.Address = g.t.addr.address(r, prov, w, g.scratch)
	}
	return member{p: p, key: g.newNoreg(), noreg: true, age: ageYears(birth), engaged: 1, place: g.book.ward(w.code)}
}

func (g *legacyGen) provinceOf(code string) *province {
	return &g.t.places.list[g.t.places.byCode[atoi(code)]]
}

func (g *legacyGen) randomSex() byte {
	if chance(g.r, 0.5) {
		return 'M'
	}
	return 'F'
}

// noregResident writes a resident in no registry: someone living unregistered
// with the household, or elsewhere in the province, known only to
// Bluezone and NCOVI. A lodger often uses a household member's phone; a
// stranger sometimes has a number the network took back from a registry
// person and reissued.
func (g *legacyGen) noregResident(h *Household, ms []member) {
	r := g.r
	prov := g.provinceOf(h.ProvinceCode)
	lodger := chance(r, 0.3)
	w := &prov.wards[r.IntN(len(prov.wards))]
	address := ""
	if lodger {
		w, address = g.wardOf(prov, h.WardCode), h.Address
	}
	m := g.madeUp(prov, w, between(r, 18, 65), g.randomSex(), address)
	switch {
	case lodger && chance(r, 0.4):
		for _, j := range r.Perm(len(ms)) {
			if ms[j].own != "" {
				m.own, m.shared = ms[j].own, true
				break
			}
		}
	case !lodger && chance(r, 0.22):
		if n := g.recycledPhone(); n != "" {
			m.own, m.shared = n, true
		}
	}
	if m.own == "" {
		m.own = g.ids.freshPhone(g)
	}
	if chance(r, 0.1) {
		m.cmnd = g.ids.freshCMND(prov, g.scratch)
	}
	g.stats.Cases.NoregDomestic++
	switch u := r.Float64(); {
	case u < 0.52:
		g.bluezoneUsers(&m, 1)
	case u < 0.96:
		g.bluezoneUsers(&m, 1)
		g.declarations(&m, ncoviCount(r))
	default:
		g.declarations(&m, ncoviCount(r))
	}
}

// wardOf returns the ward with the code in prov.
func (g *legacyGen) wardOf(prov *province, code string) *ward {
	for i := range prov.wards {
		if prov.wards[i].code == code {
			return &prov.wards[i]
		}
	}
	panic(fmt.Sprintf("synth: ward %s not in province %s", code, prov.code))
}

// randomWard returns a ward of a province drawn by population, and the
// province.
func (g *legacyGen) randomWard(r *rand.Rand) (*province, *ward) {
	p := g.t.places.random(r)
	return p, &p.wards[r.IntN(len(p.wards))]
}
