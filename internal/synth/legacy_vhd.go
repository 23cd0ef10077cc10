package synth

import (
	"math/rand/v2"

	"github.com/pccovid/pccovid/internal/vn"
)

// VHD declarations (tokhaiyte): one per journey. Who travelled together
// is tracing evidence, so journeys are shared the way they were: a family
// boards one car, flight or train with adjacent seats, and strangers from
// other households declare the same flight on the same day. Trips live in
// fixed-size pools per mode, so co-travellers are found without memory
// growing with the population.

const (
	modeFlight = iota
	modeTrain
	modeBus
	modeCar
	modeShip
	modeOther
	modes
)

var modeNames = [modes]string{"FLIGHT", "TRAIN", "BUS", "CAR", "SHIP", "OTHER"}

var (
	// Domestic journeys by mode, from the sample.
	modePick = newAlias([]float64{modeFlight: 30, modeTrain: 12, modeBus: 18, modeCar: 30, modeShip: 2, modeOther: 8})
	// Pool sizes, and the chance a journey is on a trip already declared
	// by someone else.
	poolSizes  = [modes]int{modeFlight: 512, modeTrain: 128, modeBus: 256, modeShip: 32}
	joinShares = [modes]float64{modeFlight: 0.65, modeTrain: 0.55, modeBus: 0.55, modeShip: 0.5}
	// Declarations per month from April 2020 to October 2021.
	vhdMonths = newMonthly(1, 41, 46, 29, 62, 53, 44, 51, 55, 29, 66, 36, 49, 47, 50, 30, 55, 82, 34, 28)
	// Domestic airlines and their shares.
	airlines     = []string{"VN", "VJ", "QH", "BL"}
	airlinePick  = newAlias([]float64{45, 35, 15, 5})
	trainPrefix  = []string{"SE", "TN", "SNT", "SPT", "SQN", "LP"}
	shipServices = []string{"Superdong", "Greenlines", "Côn Đảo Express", "Phú Quốc Express"}
	symptomCodes = []string{"fever", "cough", "breath", "sore_throat", "taste_loss"}
)

// plateCodes are the licence-plate codes of each province (GSO code).
var plateCodes = map[string]string{
	"01": "29", "02": "23", "04": "11", "06": "97", "08": "22", "10": "24", "11": "27", "12": "25", "14": "26",
	"15": "21", "17": "28", "19": "20", "20": "12", "22": "14", "24": "98", "25": "19", "26": "88", "27": "99",
	"30": "34", "31": "15", "33": "89", "34": "17", "35": "90", "36": "18", "37": "35", "38": "36", "40": "37",
	"42": "38", "44": "73", "45": "74", "46": "75", "48": "43", "49": "92", "51": "76", "52": "77", "54": "78",
	"56": "79", "58": "85", "60": "86", "62": "82", "64": "81", "66": "47", "67": "48", "68": "49", "70": "93",
	"72": "70", "74": "61", "75": "60", "77": "72", "79": "51", "80": "62", "82": "63", "83": "71", "84": "84",
	"86": "64", "87": "66", "89": "67", "91": "68", "92": "65", "93": "95", "94": "83", "95": "94", "96": "69",
}

// trip is one journey people declared.
type trip struct {
	mode   int
	number string
	day    int        // departure
	from   *placeName // provinces of a domestic trip
	to     *placeName
	abroad *origin // where an international flight came from
	city   string
	seat   int // the next free seat
	left   int // strangers who may still join
}

type tripPools struct {
	domestic [modes][]trip
	entry    []trip
	single   trip // a car or other journey, never shared beyond the family
}

func newTripPools() tripPools {
	var p tripPools
	for m, n := range poolSizes {
		p.domestic[m] = make([]trip, n)
	}
	p.entry = make([]trip, 256)
	return p
}

// vhdShare is the share of people of an age with VHD declarations.
func vhdShare(age int) float64 {
	switch {
	case age < 5:
		return 0.17
	case age < 12:
		return 0.16
	case age < 18:
		return 0.24
	case age < 75:
		return 0.27
	}
	return 0.29
}

// journeys draws how many journeys a traveller declared.
var journeys = newAlias([]float64{0, 48, 30.5, 20, 1.5})

// travels writes the household's VHD declarations: each traveller's
// journeys, shared with the family members who came along, and the rare
// return from abroad.
func (g *legacyGen) travels(ms []member) {
	r := g.r
	want := make([]int, len(ms))
	for i := range ms {
		if chance(r, vhdShare(ms[i].age)) {
			want[i] = journeys.pick(r)
		}
	}
	home := ms[0].place.parent.parent
	for i := range ms {
		for want[i] > 0 {
			want[i]--
			mode := modePick.pick(r)
			t, joined := g.domesticTrip(mode, home)
			party := []int{i}
			for j := i + 1; j < len(ms); j++ {
				if want[j] > 0 && chance(r, familyJoin(mode)) {
					want[j]--
					party = append(party, j)
				}
			}
			g.board(t, ms, party, joined)
		}
	}
	for i := range ms {
		if ms[i].age < 18 || ms[i].age > 70 || !chance(r, 0.013) {
			continue
		}
		t := g.entryTrip(r, &ms[i])
		g.boardEntry(t, &ms[i])
		for j := range ms {
			if j != i && ms[j].age < 18 && chance(r, 0.35) {
				g.boardEntry(t, &ms[j])
			}
		}
	}
}

func familyJoin(mode int) float64 {
	if mode == modeCar {
		return 0.6
	}
	return 0.4
}

// domesticTrip returns a trip of the mode for someone living in province
// home: one already declared by others, or a new one.
func (g *legacyGen) domesticTrip(mode int, home *placeName) (*trip, bool) {
	r := g.r
	pool := g.trips.domestic[mode]
	if len(pool) == 0 {
		g.trips.single = g.newTrip(mode, home)
		return &g.trips.single, false
	}
	slot := &pool[r.IntN(len(pool))]
	if slot.left > 0 && chance(r, joinShares[mode]) {
		slot.left--
		slot.seat += between(r, 1, 12)
		return slot, true
	}
	*slot = g.newTrip(mode, home)
	return slot, false
}

// newTrip makes up a journey between home and another province, either
// way.
func (g *legacyGen) newTrip(mode int, home *placeName) trip {
	r := g.r
	other := home
	for other == home {
		other = g.book.byCode[g.t.places.random(r).code]
	}
	t := trip{mode: mode, day: vhdMonths.day(r), from: home, to: other, left: between(r, 1, 9)}
	if chance(r, 0.7) {
		t.from, t.to = other, home
	}
	switch mode {
	case modeFlight:
		t.number = airlines[airlinePick.pick(r)] + itoa(between(r, 100, 1999))
		t.seat = r.IntN(54)
	case modeTrain:
		t.number = randomOf(r, trainPrefix) + itoa(between(r, 1, 22))
		t.seat = r.IntN(9 * 64)
	case modeBus:
		t.number = g.plateOf(t.from.code)
		t.seat = r.IntN(40)
	case modeCar:
		if g.plate == "" {
			g.plate = g.plateOf(home.code)
		}
		t.number = g.plate
	case modeShip:
		t.number = randomOf(r, shipServices) + " " + itoa(between(r, 1, 9))
		t.seat = r.IntN(300)
	}
	return t
}

func itoa(n int) string { return string(appendNum(nil, n)) }

// plateOf makes up a licence plate registered in the province:
// "29A-123.45".
func (g *legacyGen) plateOf(code string) string {
	r := g.r
	b := append(g.scratch[:0], plateCodes[code]...)
	b = append(b, "ABCDEFGHKLM"[r.IntN(11)], '-')
	b = appendPadded(b, uint64(r.IntN(1000)), 3)
	b = appendPadded(append(b, '.'), uint64(r.IntN(100)), 2)
	g.scratch = b
	return string(b)
}

// seat returns the next seat of t: rows of six on a plane, car-seat on a
// train, a number on a bus, a deck letter and number on a ship.
func (t *trip) takeSeat(buf []byte) []byte {
	n := t.seat
	t.seat++
	switch t.mode {
	case modeFlight:
		return append(appendNum(buf, n/6%30+1), "ABCDEF"[n%6])
	case modeTrain:
		return appendNum(append(appendNum(buf, n/64%9+1), '-'), n%64+1)
	case modeBus:
		return appendNum(buf, n%45+1)
	case modeShip:
		return appendNum(append(buf, "ABC"[n/100%3]), n%100+1)
	}
	return buf
}

// vhdHabit is how one person filled in VHD forms.
type vhdHabit struct {
	ready bool
	birth vn.Date
	id    idHabit
}

var (
	vhdNames  = newNameStyle([spellKinds]float64{spellExact: 52, spellUpper: 29, spellPlain: 8.5, spellUpperPlain: 5, spellOldTone: 3, spellTypo: 2.5}, 0.025, 0)
	vhdPhones = newPhoneStyle([phoneForms]float64{phonePlus: 80, phoneLocal: 13, phone84: 3.8, phoneSpaced: 2, phoneBare: 1.2}, 0.02)
)

func (g *legacyGen) vhdHabitOf(m *member) *vhdHabit {
	h := &m.vhd
	if !h.ready {
		h.ready = true
		h.birth = g.birthHabit(m)
		give := 0.75
		if m.age < 14 {
			give = 0.2
		}
		h.id = g.idHabit(m, give, 0.24)
	}
	return h
}

// board writes the declarations of the members in party on trip t.
func (g *legacyGen) board(t *trip, ms []member, party []int, joined bool) {
	r := g.r
	for k, i := range party {
		if joined || k > 0 {
			g.stats.Cases.CoTravel++
		}
		m := &ms[i]
		h := g.vhdHabitOf(m)
		stay, street := g.stayOf(m, t)
		b := g.vhdStart(m, h, "DOMESTIC")
		switch id := g.idFor(&h.id, 0.92); len(id) {
		case 12:
			b = append(append(append(b, "CCCD,"...), id...), ",VNM,"...)
		case 9:
			b = append(append(append(b, "CMND,"...), id...), ",VNM,"...)
		default:
			b = append(b, ",,VNM,"...)
		}
		if chance(r, 0.91) {
			num, use := g.phoneFor(m)
			b = g.putPhone(b, num, use, &vhdPhones)
		}
		b = g.vhdPlace(b, stay, street)
		b = appendCSV(b, travelPlace(r, t.from), ',')
		b = appendCSV(append(b, ','), travelPlace(r, t.to), ',')
		g.line = g.vhdEnd(append(b, ','), t)
		g.put(g.vhd, m, "", g.line)
	}
}

// stayOf is where a traveller stays: at home, or somewhere at the other
// end of the trip — a lodging or someone's address.
func (g *legacyGen) stayOf(m *member, t *trip) (*placeName, string) {
	r := g.r
	if t.to == m.place.parent.parent {
		return m.place, m.p.Address
	}
	prov := g.provinceOf(t.to.code)
	w := &prov.wards[r.IntN(len(prov.wards))]
	if chance(r, 0.5) {
		return g.book.ward(w.code), g.t.addr.address(r, prov, w, g.scratch)
	}
	return g.book.ward(w.code), randomOf(r, lodgings)
}

// vhdStart begins a declaration after its key: type, name, birth date,
// gender, up to the id_type field.
func (g *legacyGen) vhdStart(m *member, h *vhdHabit, kind string) []byte {
	b := append(append(append(g.line[:0], ','), kind...), ',')
	name := ""
	if m.foreign != nil {
		name = g.foreignName(m.foreign)
	} else {
		name = g.spellName(m.p, &vhdNames)
	}
	b = append(appendCSV(b, name, ','), ',')
	birth := m.p.BirthDate
	if m.foreign == nil {
		birth = g.birthFor(m, h.birth)
	}
	b = append(appendDMY(b, birth), ',')
	switch {
	case chance(g.r, 0.007):
		b = append(b, "OTHER"...)
	case m.p.Sex == 'F':
		b = append(b, "FEMALE"...)
	default:
		b = append(b, "MALE"...)
	}
	return append(b, ',')
}

// vhdPlace appends the phone's end and the place of stay: province,
// district and ward codes and the address.
func (g *legacyGen) vhdPlace(b []byte, stay *placeName, street string) []byte {
	b = append(b, ',')
	if stay == nil {
		return append(b, ",,,,"...)
	}
	d, p := stay.parent, stay.parent.parent
	b = append(append(append(append(append(append(b, p.code...), ','), d.code...), ','), stay.code...), ',')
	return append(appendCSV(b, street, ','), ',')
}

// vhdEnd appends transport, number, seat, departure, symptoms and the
// declaration time, and the line end.
func (g *legacyGen) vhdEnd(b []byte, t *trip) []byte {
	r := g.r
	b = append(append(b, modeNames[t.mode]...), ',')
	b = append(appendCSV(b, t.number, ','), ',')
	b = append(t.takeSeat(b), ',')
	b = append(appendDate(b, dateOf(t.day)), ',')
	b = append(g.appendSymptoms(b, 0.038), ',')
	day := t.day
	if chance(r, 0.32) {
		day--
	}
	b = appendStampRFC3339(b, stampOf(day, daytime(r)))
	return append(b, '\n')
}

// appendSymptoms appends one to three symptom codes, |-separated, with
// probability p.
func (g *legacyGen) appendSymptoms(b []byte, p float64) []byte {
	if !chance(g.r, p) {
		return b
	}
	n := 1 + g.r.IntN(3)
	picked := g.r.Perm(len(symptomCodes))[:n]
	first := true
	for i, c := range symptomCodes {
		for _, k := range picked {
			if k == i {
				if !first {
					b = append(b, '|')
				}
				b = append(b, c...)
				first = false
			}
		}
	}
	return b
}

// Entry from abroad.

// entryTrip returns an international flight for an arrival: one others
// declared already, or a new one from the arrival's country.
func (g *legacyGen) entryTrip(r *rand.Rand, m *member) *trip {
	pool := g.trips.entry
	slot := &pool[r.IntN(len(pool))]
	if slot.left > 0 && chance(r, 0.7) {
		slot.left--
		slot.seat += between(r, 1, 12)
		g.stats.Cases.CoTravel++
		return slot
	}
	o := &origins[r.IntN(len(origins))]
	if m.foreign != nil && m.foreign.nationality != "VNM" && chance(r, 0.7) {
		for i := range nationalities {
			if nationalities[i].code == m.foreign.nationality {
				o = &origins[nationalities[i].origin]
			}
		}
	}
	dest := g.book.byCode[arrivalProvinces[arrivalPick.pick(r)]]
	*slot = trip{mode: modeFlight, day: vhdMonths.day(r), to: dest, abroad: o, city: randomOf(r, o.cities),
		number: randomOf(r, o.carriers) + itoa(between(r, 100, 999)), seat: r.IntN(60), left: between(r, 3, 12)}
	return slot
}

// boardEntry writes an ENTRY declaration of m on flight t.
func (g *legacyGen) boardEntry(t *trip, m *member) {
	r := g.r
	g.stats.Cases.EntryDeclarations++
	b := g.entryID(g.vhdStart(m, g.vhdHabitOf(m), "ENTRY"), m)
	var stay *placeName
	street := ""
	if chance(r, 0.78) {
		prov := g.provinceOf(t.to.code)
		stay = g.book.ward(prov.wards[r.IntN(len(prov.wards))].code)
		street = randomOf(r, lodgings)
		if !m.noreg && m.place.parent.parent == t.to && chance(r, 0.25) {
			stay, street = m.place, m.p.Address
		}
	}
	b = g.vhdPlace(b, stay, street)
	country := t.abroad.en
	if chance(r, 0.5) {
		country = t.abroad.vi
	}
	b = appendCSV(b, t.city+", "+country, ',')
	b = appendCSV(append(b, ','), travelPlace(r, t.to), ',')
	g.line = g.vhdEnd(append(b, ','), t)
	g.put(g.vhd, m, "", g.line)
}

// entryID appends the identity fields and the phone of an arrival: a
// foreigner's passport; a Vietnamese's passport mostly, or their CCCD.
func (g *legacyGen) entryID(b []byte, m *member) []byte {
	if f := m.foreign; f != nil {
		b = append(append(append(append(b, "PASSPORT,"...), f.passport...), ','), f.nationality...)
		return append(append(b, ','), f.phone...)
	}
	if m.passport == "" {
		m.passport = g.ids.vnPassport(g.scratch)
	}
	switch u := g.r.Float64(); {
	case u < 0.74 || m.noreg:
		b = append(append(append(b, "PASSPORT,"...), m.passport...), ",VNM"...)
		if !m.noreg {
			g.stats.Cases.ReturningOnPassport++
		}
	case u < 0.89:
		b = append(append(append(b, "CCCD,"...), m.p.CCCD...), ",VNM"...)
	default:
		b = append(b, ",,VNM"...)
	}
	return append(append(b, ','), g.returningPhone(m)...)
}

// returningPhone is the number a Vietnamese arrival gives: their own,
// the foreign one they used abroad, or none.
func (g *legacyGen) returningPhone(m *member) string {
	r := g.r
	switch u := r.Float64(); {
	case u < 0.7:
		num, use := g.phoneFor(m)
		if num == "" {
			return ""
		}
		g.countPhone(use)
		b, _ := g.appendPhone(g.scratch[:0], num, &vhdPhones)
		g.scratch = b
		return string(b)
	case u < 0.85:
		nat := &nationalities[nationalityPick.pick(r)]
		return g.ids.foreignPhone(nat.phonePrefix, nat.phoneDigits)
	}
	return ""
}
