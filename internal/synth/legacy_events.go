package synth

// What happened to a person, decided once and then told by each app in
// its own words: the vaccination portal and the health book list the same
// doses, the labs and the health book the same tests.

// Vaccines, as the portal's spellings (FORMATS.md) and the health book's
// names have them.
const (
	vacAZ = iota
	vacPfizer
	vacModerna
	vacSinopharm
	vacSputnik
	vacAbdala
	vacHayat
	vaccineCount
)

type vaccine struct {
	book      string   // name in the health book
	spellings []string // names on the portal
	start     int      // first day it was given in Vietnam
	gap       [2]int   // days from one primary dose to the next
}

var vaccines = [vaccineCount]vaccine{
	vacAZ:        {"AstraZeneca", []string{"AstraZeneca", "Astra Zeneca", "AZD1222", "Vaxzevria", "Covishield"}, dayOf(2021, 3, 8), [2]int{56, 84}},
	vacPfizer:    {"Pfizer", []string{"Pfizer", "Pfizer-BioNTech", "Comirnaty", "pfizer"}, dayOf(2021, 7, 15), [2]int{21, 28}},
	vacModerna:   {"Moderna", []string{"Moderna", "Spikevax"}, dayOf(2021, 7, 1), [2]int{28, 35}},
	vacSinopharm: {"Sinopharm", []string{"Sinopharm", "Vero Cell", "Verocell", "BBIBP-CorV"}, dayOf(2021, 6, 20), [2]int{21, 28}},
	vacSputnik:   {"Sputnik V", []string{"Sputnik V", "Gam-COVID-Vac", "SputnikV"}, dayOf(2021, 7, 1), [2]int{21, 21}},
	vacAbdala:    {"Abdala", []string{"Abdala", "CIGB-66"}, dayOf(2021, 9, 20), [2]int{14, 16}},
	vacHayat:     {"Hayat-Vax", []string{"Hayat-Vax", "Hayat Vax"}, dayOf(2021, 10, 1), [2]int{21, 28}},
}

var (
	primaryPick = newAlias([]float64{vacAZ: 36, vacPfizer: 20, vacModerna: 12, vacSinopharm: 22, vacSputnik: 5, vacAbdala: 5, vacHayat: 3})
	boosterPick = newAlias([]float64{vacAZ: 25, vacPfizer: 45, vacModerna: 30})
	// First doses per month from March 2021 to March 2022.
	firstDoseMonths = newMonthly(12, 2, 3, 3.5, 4, 12, 14, 16, 16, 8, 6, 3, 2, 1.5)
	boosterStart    = dayOf(2021, 11, 20)
	teenStart       = dayOf(2021, 11, 1)
)

// dose is one dose a person received.
type dose struct {
	n        int // dose number, 1–4
	vaccine  int
	day      int
	lot      string
	site     *placeName // ward of the site
	facility string
	reg      int // the portal registration it was entered under: 0, or 1 for a second one
}

// vaccinationShare is the share of people of an age vaccinated by March
// 2022 (children under 12 were not yet; 12–17 from November 2021).
func vaccinationShare(age int) float64 {
	switch {
	case age < 12:
		return 0
	case age < 18:
		return 0.4
	}
	return 0.67
}

// planDoses decides a registry person's doses: a primary series at
// realistic intervals, often a booster from late 2021, none after March
// 2022; and the sites, sometimes registered twice at the portal.
func (g *legacyGen) planDoses(m *member) {
	r := g.r
	m.doses = nil
	if !chance(r, min(0.97, m.engaged*vaccinationShare(m.age))) {
		return
	}
	day := firstDoseMonths.day(r)
	v := primaryPick.pick(r)
	if m.age < 18 {
		day, v = teenStart+r.IntN(120), vacPfizer
	}
	if day < vaccines[vacAZ].start {
		day = vaccines[vacAZ].start + r.IntN(20)
	}
	if day < vaccines[v].start {
		v = vacAZ
	}
	m.doses = append(m.doses, dose{n: 1, vaccine: v, day: day})
	primaries := 2
	if v == vacAbdala {
		primaries = 3
	}
	for n := 2; n <= primaries && chance(r, 0.9); n++ {
		day += between(r, vaccines[v].gap[0], vaccines[v].gap[1])
		m.doses = append(m.doses, dose{n: n, vaccine: v, day: day})
	}
	if len(m.doses) >= 2 && m.age >= 18 && chance(r, 0.45) {
		day = max(day+between(r, 90, 180), boosterStart+r.IntN(20))
		m.doses = append(m.doses, dose{n: len(m.doses) + 1, vaccine: boosterPick.pick(r), day: day})
	}
	for len(m.doses) > 0 && m.doses[len(m.doses)-1].day > legacyLastDay {
		m.doses = m.doses[:len(m.doses)-1]
	}
	g.doseSites(m)
}

// doseSites places the doses: near home mostly, sometimes where the
// person worked; a person who moved was often registered a second time
// at the new site.
func (g *legacyGen) doseSites(m *member) {
	r := g.r
	site := m.place
	if chance(r, 0.08) {
		_, w := g.randomWard(r)
		site = g.book.ward(w.code)
	}
	switchAt := len(m.doses)
	if len(m.doses) >= 2 && chance(r, 0.04) {
		switchAt = between(r, 1, len(m.doses)-1)
	}
	for i := range m.doses {
		d := &m.doses[i]
		if i == switchAt {
			prov := g.provinceOf(m.p.ProvinceCode)
			if chance(r, 0.3) {
				prov, _ = g.randomWard(r)
			}
			site = g.book.ward(prov.wards[r.IntN(len(prov.wards))].code)
		}
		if i >= switchAt {
			d.reg = 1
		}
		d.site = site
		d.facility = facility(r, site)
		d.lot = g.lotOf(d.vaccine, d.day)
	}
}

// lotOf returns a lot number of the vaccine given on the day: lots are
// shared by everyone vaccinated from one delivery, so a few per month.
func (g *legacyGen) lotOf(v, day int) string {
	month := (day - legacyFirstDay) / 30
	h := mix64(g.key ^ uint64(v)<<40 ^ uint64(month)<<8 ^ uint64(g.r.IntN(6)))
	b := g.scratch[:0]
	switch v {
	case vacAZ:
		b = append(b, [4]string{"ABV", "MT", "A", "NX"}[h%4]...)
		b = appendPadded(b, h>>8%10000, 4)
	case vacPfizer:
		b = append(b, [4]string{"FF", "FG", "FH", "EW"}[h%4]...)
		b = appendPadded(b, h>>8%10000, 4)
	case vacModerna:
		b = appendPadded(b, 3_000_000+h>>8%1_000_000, 7)
	case vacSinopharm:
		made := dateOf(day - 30 - int(h%60))
		b = append(append2(append4(b, made.Year), made.Month), 'B')
		b = appendPadded(b, h>>8%10000, 4)
	default:
		b = appendPadded(append(b, 'L'), h>>8%100000, 5)
	}
	g.scratch = b
	return string(b)
}

// testEvent is one sample taken from a person.
type testEvent struct {
	at       stamp
	reported stamp
	kind     int // index in labKinds
	positive bool
	lab      int
}

var (
	labKinds    = []string{"RT-PCR", "Test nhanh kháng nguyên", "RAT"}
	labKindPick = newAlias([]float64{60, 25, 15})
	// Samples per month from March 2020 to March 2022: few until the
	// fourth wave of April 2021.
	labMonths  = newMonthly(0, 15, 4, 6, 6, 12, 20, 13, 9, 9, 8, 3, 1, 1, 6, 35, 34, 33, 41, 26, 36, 33, 36, 29, 38, 27)
	fourthWave = dayOf(2021, 4, 27)
	// The last day a sample was taken whose result came within the dump.
	lastSampleDay = legacyLastDay - 2
	testedCount   = newAlias([]float64{0, 48, 31, 21})
)

// positiveShare is the share of positive samples on a day.
func positiveShare(day int) float64 {
	if day < fourthWave {
		return 0.004
	}
	return 0.03
}

// newTest returns a test of a person living in province code, sampled on
// day.
func (g *legacyGen) newTest(day int, positive float64, provinceCode string) testEvent {
	r := g.r
	t := testEvent{at: stampOf(day, daytime(r)), kind: labKindPick.pick(r), lab: labFor(r, provinceCode)}
	t.positive = chance(r, positive)
	if t.kind == 0 {
		t.reported = t.at + stamp(between(r, 6*3600, 40*3600))
	} else {
		t.reported = t.at + stamp(between(r, 15*60, 60*60))
	}
	return t
}

// planTests decides a person's lab tests: one to three, a positive one
// followed by a check a week or two later.
func (g *legacyGen) planTests(m *member) {
	r := g.r
	m.tests = nil
	if !chance(r, 0.15) {
		return
	}
	n := testedCount.pick(r)
	day := labMonths.day(r)
	for k := 0; k < n && day <= lastSampleDay; k++ {
		share := positiveShare(day)
		if k > 0 && m.tests[k-1].positive {
			share = 0.3
		}
		t := g.newTest(day, share, m.p.ProvinceCode)
		m.tests = append(m.tests, t)
		if t.positive {
			day += between(r, 5, 14)
		} else {
			day += between(r, 3, 120)
		}
	}
}

// householdTests tests the household of a confirmed case within days.
func (g *legacyGen) householdTests(ms []member) {
	r := g.r
	for i := range ms {
		first := -1
		for _, t := range ms[i].tests {
			if t.positive {
				first = t.at.day()
				break
			}
		}
		if first < 0 {
			continue
		}
		for j := range ms {
			if j == i || !chance(r, 0.6) {
				continue
			}
			day := min(first+r.IntN(4), lastSampleDay)
			ms[j].tests = append(ms[j].tests, g.newTest(day, 0.3, ms[j].p.ProvinceCode))
		}
	}
}
