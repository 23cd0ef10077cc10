package linkage

import (
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Person is a person linkage may tie records to: a registry citizen, or an
// unverified person an earlier import created.
type Person struct {
	ID       string
	Verified bool
	Profile
}

// Record is one legacy record to decide.
type Record struct {
	Source, Key string
	Profile
	// ManagedBy is the key, in the same source, of the record whose owner
	// manages this one (health-book family profiles).
	ManagedBy string
}

// Decision is what linkage decided for one record.
type Decision struct {
	// PersonID is the registry person or earlier unverified person the
	// record is tied to; empty when the record starts (with the others of
	// its Group) a new unverified person.
	PersonID string
	Verified bool
	// Group numbers the new unverified persons: the records of one share it.
	// It is the index of the group's first record in the input.
	Group    int
	Evidence Evidence
	// Review, when set, is a registry person an official should compare the
	// record with: the evidence was not strong or clear enough to decide.
	Review *Review
}

// Review is a candidate pair for an official.
type Review struct {
	PersonID string
	Evidence Evidence
}

// Engine links records to persons. Build it with the persons and the records
// earlier imports linked, then call Link once with the new records.
type Engine struct {
	seed    maphash.Seed
	persons []*Person
	byID    map[string]int32
	ids     keyIndex           // identity numbers
	phones  map[string][]int32 // phone → persons known with it
	keys    keyIndex           // name blocking keys
	house   map[string][]int32
	names   map[string]int32 // folded full name → registry persons with it
	// parts counts family names, middle names and given names (prefixed
	// f/m/g) among registry persons, to estimate how common a name is.
	parts map[string]int32
	// linked are records of earlier imports with their person: they teach
	// phones and keep unverified persons' records together.
	linked    []linkedRecord
	byRecKey  map[string]int // "source/key" of earlier records → index in linked
	nRegistry int
	// origPhones counts, per person, the phones known before this run; the
	// rest were learned from its records.
	origPhones []int
}

type linkedRecord struct {
	rec    Record
	person int32
}

// NewEngine returns an empty engine.
func NewEngine() *Engine {
	return &Engine{seed: maphash.MakeSeed(), byID: map[string]int32{},
		phones: map[string][]int32{}, house: map[string][]int32{},
		names: map[string]int32{}, parts: map[string]int32{}, byRecKey: map[string]int{}}
}

func (e *Engine) hash(parts ...string) uint64 {
	var h maphash.Hash
	h.SetSeed(e.seed)
	for _, p := range parts {
		h.WriteString(p)
		h.WriteByte(0)
	}
	return h.Sum64()
}

// AddPerson adds a registry citizen or an earlier unverified person.
func (e *Engine) AddPerson(p Person) {
	i := int32(len(e.persons))
	pp := p
	e.persons = append(e.persons, &pp)
	e.origPhones = append(e.origPhones, len(p.Phones))
	e.byID[p.ID] = i
	for _, id := range []struct{ kind, v string }{{"cccd", p.CCCD}, {"cmnd", p.CMND}, {"card", p.Card}, {"passport", p.Passport}} {
		if id.v != "" {
			e.ids.add(e.hash(id.kind, id.v), i)
		}
	}
	for _, ph := range p.Phones {
		e.phones[ph] = append(e.phones[ph], i)
	}
	for _, k := range e.nameKeys(&pp.Profile, true) {
		e.keys.add(k, i)
	}
	if p.Household != "" {
		e.house[p.Household] = append(e.house[p.Household], i)
	}
	if p.Verified {
		e.nRegistry++
		if p.Name != "" {
			e.names[p.Name]++
			e.parts["f"+p.Family()]++
			e.parts["m"+p.Middle()]++
			e.parts["g"+p.Given()]++
		}
	}
}

// AddLinked adds a record an earlier import (or a review) tied to personID.
func (e *Engine) AddLinked(r Record, personID string) {
	i, ok := e.byID[personID]
	if !ok {
		return
	}
	e.byRecKey[r.Source+"/"+r.Key] = len(e.linked)
	e.linked = append(e.linked, linkedRecord{rec: r, person: i})
	e.learn(i, &r.Profile)
	e.origPhones[i] = len(e.persons[i].Phones)
}

// learn adds what a record linked to person i says about them that helps
// link the next records: its phones.
func (e *Engine) learn(i int32, p *Profile) {
	per := e.persons[i]
	for _, ph := range p.Phones {
		if !per.HasPhone(ph) {
			per.AddPhone(ph)
			e.phones[ph] = append(e.phones[ph], i)
		}
	}
}

// nameKeys are the blocking keys of a name, each specific enough that a
// common name's block stays small, and together tolerant of one typo in any
// part: family, given name and birth year; middle, given name and year (a
// typo in the family name); family, middle name, the given name's first
// or last two letters and year (a typo in the given name — "Nguyễn Văn"
// and a year alone would be thousands); family and full birth date (also with day and month swapped, for a
// record); and the full name alone (a typo in the year, or no year at all),
// which records use only when its block is small. Regional spellings of a
// family name (Huỳnh for Hoàng) meet in the keys.
func (e *Engine) nameKeys(p *Profile, person bool) []uint64 {
	if p.Name == "" {
		return nil
	}
	ks := make([]uint64, 0, 6)
	fam := p.Family()
	if v, ok := familyVariants[fam]; ok {
		fam = v
	}
	y := strconv.Itoa(p.Birth.Year)
	if p.Birth.Year != 0 {
		ks = append(ks, e.hash("fg", fam, p.Given(), y))
		if p.Middle() != "" {
			ks = append(ks, e.hash("mg", p.Middle(), p.Given(), y), e.hash("fm<", fam, p.Middle(), prefix(p.Given(), 2), y),
				e.hash("fm>", fam, p.Middle(), suffix(p.Given(), 2), y))
		}
	}
	if p.Birth.Month != 0 {
		ks = append(ks, e.hash("fd", fam, p.Birth.String()))
		if sw, ok := p.Birth.SwappedDayMonth(); ok && !person {
			ks = append(ks, e.hash("fd", fam, sw.String()))
		}
	}
	return append(ks, e.fullNameKey(p))
}

func prefix(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

func suffix(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[len(s)-n:]
}

func (e *Engine) fullNameKey(p *Profile) uint64 {
	if v, ok := familyVariants[p.Family()]; ok {
		return e.hash("n", v+p.Name[len(p.Family()):])
	}
	return e.hash("n", p.Name)
}

// maxBlock bounds a blocking key's list: a key shared by more persons than
// this brings no usable candidates. A name key's list longer than
// maxNameBlock is searched only when no other key found anyone, and a
// record that has a birth year uses the full-name key (for a typo in the
// year) only when it is that small.
const (
	maxBlock     = 1000
	maxNameBlock = 50
)

// population is the least number of people frequencies are taken over: the
// people a record may come from are the country's, even when only a town's
// extract is loaded (a demo, a test), where a name's share would otherwise
// look far larger than it is.
const population = 1_000_000

func (e *Engine) nameFreq(name string) float64 {
	n := float64(max(e.names[name], 1))
	return n / float64(max(e.nRegistry, population))
}

// namesakes estimates how many people of the country share a name and a
// birth year, from how common its family, middle and given names are among
// registry persons: a registry that is only a town's would otherwise make a
// common name look unique.
func (e *Engine) namesakes(p *Profile) float64 {
	n := float64(max(e.nRegistry, 1))
	f := func(k string) float64 { return float64(max(e.parts[k], 1)) / n }
	const birthYears = 80
	return float64(max(e.nRegistry, population)) * f("f"+p.Family()) * f("m"+p.Middle()) * f("g"+p.Given()) / birthYears
}

// phoneFreq is the chance that another person among the candidates has the
// phone: how many persons share it, with a floor, since phones pass between
// family members and are reassigned.
func (e *Engine) phoneFreq(phone string) float64 {
	n := float64(max(len(e.phones[phone]), 1))
	return math.Max(n/float64(max(e.nRegistry, population)), 1e-4)
}

// candidates returns the registry persons a record may be, by every key.
func (e *Engine) candidates(r *Record, extra []int32) []int32 {
	var out []int32
	addPairs := func(list []keyPair) {
		if len(list) <= maxBlock {
			for _, p := range list {
				out = append(out, p.person)
			}
		}
	}
	for _, id := range []struct{ kind, v string }{{"cccd", r.CCCD}, {"cmnd", r.CMND}, {"card", r.Card}, {"passport", r.Passport}} {
		if id.v == "" {
			continue
		}
		exact := e.ids.get(e.hash(id.kind, id.v))
		addPairs(exact)
		// The number's owner may not be the record's person (a typo landing
		// on a neighbour's number); the person it was meant for is one digit
		// away. Look there unless the owner's name is the record's.
		if (id.kind == "cccd" || id.kind == "cmnd") && !e.ownerFits(r, exact) {
			e.typoNeighbours(id.kind, id.v, addPairs)
		}
	}
	for _, ph := range r.Phones {
		if list := e.phones[ph]; len(list) <= maxBlock {
			out = append(out, list...)
		}
	}
	// A name key shared by many persons (a common name and a birth year,
	// in a registry of millions) is searched only when nothing more
	// specific found anyone: comparing every record with hundreds of
	// namesakes made linking grow with the square of the population.
	full := e.fullNameKey(&r.Profile)
	var common [][]keyPair
	for _, k := range e.nameKeys(&r.Profile, false) {
		switch list := e.keys.get(k); {
		case len(list) <= maxNameBlock:
			addPairs(list)
		case k != full || r.Birth.Year == 0:
			common = append(common, list)
		}
	}
	if len(out) == 0 && len(extra) == 0 {
		for _, list := range common {
			addPairs(list)
		}
	}
	out = append(out, extra...)
	slices.Sort(out)
	return slices.Compact(out)
}

// ownerFits: one of the persons holding the number has the record's name.
func (e *Engine) ownerFits(r *Record, owners []keyPair) bool {
	for _, c := range owners {
		if l := compareNames(&r.Profile, &e.persons[c.person].Profile); l == NameMarked || l == NameSame {
			return true
		}
	}
	return false
}

// typoNeighbours adds the persons whose number is one digit away from v: the
// person a mistyped number was meant for.
func (e *Engine) typoNeighbours(kind, v string, add func([]keyPair)) {
	b := []byte(v)
	for i := range b {
		orig := b[i]
		for d := byte('0'); d <= '9'; d++ {
			if d == orig {
				continue
			}
			b[i] = d
			add(e.ids.get(e.hash(kind, string(b))))
		}
		b[i] = orig
	}
}

// freeze sorts the key indexes once the persons are in.
func (e *Engine) freeze() {
	e.ids.freeze()
	e.keys.freeze()
}

// DoneLinking releases what only Link uses — the blocking indexes and the
// name counts — and keeps what the writer of the decisions asks: Knows,
// Ward and PersonOfRecord. At a national scale the indexes are hundreds of
// megabytes an import would otherwise carry through its whole write. Link
// must not be called after it.
func (e *Engine) DoneLinking() {
	e.ids, e.keys = keyIndex{}, keyIndex{}
	e.phones, e.house, e.names, e.parts = nil, nil, nil, nil
	for i := range e.linked {
		e.linked[i].rec = Record{}
	}
}

// Knows reports whether the person had the identifier before this run —
// from the registry or an earlier import — so that an import records only
// what a record newly teaches. kind is "cccd", "cmnd", "card", "passport" or
// "phone".
func (e *Engine) Knows(personID, kind, value string) bool {
	i, ok := e.byID[personID]
	if !ok {
		return false
	}
	p := e.persons[i]
	switch kind {
	case "cccd":
		return p.CCCD == value
	case "cmnd":
		return p.CMND == value
	case "card":
		return p.Card == value
	case "passport":
		return p.Passport == value
	case "phone":
		for _, ph := range p.Phones[:e.origPhones[i]] {
			if ph == value {
				return true
			}
		}
	}
	return false
}

// PersonOfRecord returns the person an earlier import tied a record to.
func (e *Engine) PersonOfRecord(source, key string) (string, bool) {
	i, ok := e.byRecKey[source+"/"+key]
	if !ok {
		return "", false
	}
	return e.persons[e.linked[i].person].ID, true
}

// Ward returns a person's ward (or province) code, "" when unknown.
func (e *Engine) Ward(personID string) string {
	i, ok := e.byID[personID]
	if !ok {
		return ""
	}
	if p := e.persons[i]; p.Ward != "" {
		return p.Ward
	} else {
		return p.Province
	}
}

// Explain lists a record's candidates with their evidence, best first: what
// an official sees when a record was held apart, and a tool for tuning.
func (e *Engine) Explain(r Record) []string {
	e.freeze()
	var out []string
	type scored struct {
		id string
		ev Evidence
	}
	var all []scored
	for _, c := range e.candidates(&r, nil) {
		p := e.persons[c]
		all = append(all, scored{p.ID, score(&r.Profile, &p.Profile, e)})
	}
	slices.SortFunc(all, func(a, b scored) int {
		switch {
		case a.ev.Score > b.ev.Score:
			return -1
		case a.ev.Score < b.ev.Score:
			return 1
		}
		return strings.Compare(a.id, b.id)
	})
	for i, s := range all {
		if i == 5 {
			break
		}
		out = append(out, s.id+": "+s.ev.String())
	}
	return out
}
