package synth

import (
	"math/rand/v2"
	"strconv"

	"github.com/pccovid/pccovid/internal/vn"
)

// The record writers of Bluezone, NCOVI, the vaccination portal and the
// labs. Each appends one record's bytes to g.line (after the record key
// for sources with sequential keys) and spills it. The weights of
// spellings and forms are the sample's.

// Bluezone.

// bzUser is one Bluezone registration.
type bzUser struct {
	id      string
	created int64 // Unix ms
}

var (
	bzNames = newNameStyle([spellKinds]float64{spellExact: 12, spellUpper: 7, spellPlain: 27, spellUpperPlain: 9,
		spellOldTone: 5, spellTypo: 6, spellPartial: 34}, 0.012, 0)
	bzPhones = newPhoneStyle([phoneForms]float64{phoneLocal: 38, phonePlus: 19, phoneBare: 15, phoneSpaced: 14, phone84: 12}, 0.09)
	// Registrations per month from April 2020, when Bluezone was
	// launched, to September 2021.
	bzMonths       = newMonthly(1, 14, 18, 30, 35, 29, 24, 28, 25, 26, 30, 24, 35, 27, 29, 26, 25, 28, 29)
	bluezoneLaunch = dayOf(2020, 4, 18)
)

// bluezoneShare is the share of people of an age who installed Bluezone.
func bluezoneShare(age int) float64 {
	switch {
	case age < 12:
		return 0
	case age < 18:
		return 0.17
	case age < 60:
		return 0.30
	case age < 75:
		return 0.29
	}
	return 0.15
}

// bluezoneUsers writes n Bluezone registrations of m (a reinstall made a
// second). Bluezone needs a number: a child or an elderly parent without
// one registered on a family member's, mostly without a name.
func (g *legacyGen) bluezoneUsers(m *member, n int) {
	r := g.r
	for k := 0; k < n; k++ {
		// Bluezone took the number of the phone it ran on: rarely
		// another's, unless the person had none.
		num, use := g.phoneOf(m, 0.2)
		if num == "" {
			return
		}
		id := g.ids.bluezoneID()
		created := stampOf(max(bzMonths.day(r), bluezoneLaunch+r.IntN(10)), r.IntN(secondsPerDay)).unixMilli(r.IntN(1000))
		b := append(append(g.line[:0], id...), ',')
		b = append(g.putPhone(b, num, use, &bzPhones), ',')
		b = g.bzName(b, m, use)
		b = append(strconv.AppendInt(append(b, ','), created, 10), ',')
		if chance(r, 0.69) {
			b = append(b, "android\n"...)
		} else {
			b = append(b, "ios\n"...)
		}
		g.line = b
		g.put(g.bluezone, m, id, b)
		u := bzUser{id: id, created: created}
		m.bz = append(m.bz, u)
		mem := &g.memory
		mem.bz[mem.nBZ%len(mem.bz)] = u
		mem.nBZ++
	}
}

// bzName appends the optional name of a registration: often left out,
// mostly so on a family member's phone.
func (g *legacyGen) bzName(b []byte, m *member, use phoneUse) []byte {
	nameless := 0.4
	switch {
	case m.noreg:
		nameless = 0.52
	case use == phoneFamily:
		nameless = 0.85
	}
	if chance(g.r, nameless) {
		g.stats.Cases.NameMissing++
		if use == phoneFamily {
			g.stats.Cases.NamelessFamilyPhone++
		}
		return b
	}
	return appendCSV(b, g.spellName(m.p, &bzNames), ',')
}

// upload writes the contact log a confirmed case's phone uploaded: the
// Bluezone ids it met in the two weeks before the test, some of them
// family, the same pair sometimes twice.
func (g *legacyGen) upload(m *member, test stamp) {
	r := g.r
	mine := m.bz[len(m.bz)-1]
	until := test.unixMilli(0)
	mem := &g.memory
	w := g.contacts.w
	var met []bzUser
	n := between(r, 100, 190)
	for k := 0; k < n; k++ {
		var other bzUser
		switch {
		case len(met) > 0 && chance(r, 0.18):
			other = met[r.IntN(len(met))]
		case chance(r, 0.08):
			for _, j := range r.Perm(len(g.members)) {
				if o := &g.members[j]; len(o.bz) > 0 && o.bz[0].id != mine.id {
					other = o.bz[0]
					break
				}
			}
		default:
			other = mem.bz[r.IntN(min(mem.nBZ, len(mem.bz)))]
		}
		from := max(mine.created, other.created, until-14*secondsPerDay*1000)
		if other.id == "" || other.id == mine.id || from >= until-60_000 {
			continue
		}
		met = append(met, other)
		first := from + r.Int64N(until-60_000-from)
		last := first + int64(between(r, 60, 4*3600))*1000 + r.Int64N(1000)
		b := append(append(append(append(g.line[:0], mine.id...), ','), other.id...), ',')
		b = append(strconv.AppendInt(b, first, 10), ',')
		b = append(strconv.AppendInt(b, last, 10), ',')
		b = append(strconv.AppendInt(b, -int64(between(r, 35, 95)), 10), '\n')
		g.line = b
		w.Write(b)
		g.stats.Contacts++
	}
	g.stats.Cases.Uploaders++
}

// NCOVI.

var (
	ncoviNames = newNameStyle([spellKinds]float64{spellExact: 24, spellUpper: 38, spellPlain: 10, spellUpperPlain: 16,
		spellOldTone: 4, spellTypo: 4.5}, 0.03, 0)
	ncoviPhones = newPhoneStyle([phoneForms]float64{phoneLocal: 72, phoneSpaced: 8, phone84: 7.5, phonePlus: 6, phoneBare: 6}, 0.09)
	// Declarations per month from March 2020 to September 2021.
	ncoviMonths     = newMonthly(0, 51, 70, 64, 91, 61, 68, 73, 85, 84, 72, 63, 65, 64, 63, 67, 78, 59, 64, 64)
	ncoviCounts     = newAlias([]float64{0, 25, 20, 21.5, 18, 15.5})
	ncoviSymptoms   = []string{`"sot":`, `,"ho":`, `,"kho_tho":`, `,"dau_hong":`, `,"mat_vi_giac":`}
	ncoviContactKey = []string{`"nguoi_benh":`, `,"tu_vung_dich":`}
)

// ncoviShare is the share of people of an age who declared on NCOVI.
func ncoviShare(age int) float64 {
	switch {
	case age < 18:
		return 0
	case age < 75:
		return 0.33
	}
	return 0.3
}

// ncoviCount draws how many times a person declared.
func ncoviCount(r *rand.Rand) int { return ncoviCounts.pick(r) }

// declarations writes n NCOVI declarations of m over the months: the same
// person each time, written a little differently.
func (g *legacyGen) declarations(m *member, n int) {
	r := g.r
	birth := g.birthHabit(m)
	give := 0.75
	if m.p.OldID != "" {
		give = 0.58
	}
	if m.noreg {
		give = 0.8
	}
	id := g.idHabit(m, give, 0.44)
	name := g.spellName(m.p, &ncoviNames)
	num, use := g.phoneFor(m)
	for k := 0; k < n; k++ {
		if k > 0 && chance(r, 0.4) {
			name = g.spellName(m.p, &ncoviNames)
		}
		if k > 0 && chance(r, 0.15) {
			num, use = g.phoneFor(m)
		}
		b := appendJSON(append(g.line[:0], `","ho_ten":`...), name)
		year := g.birthFor(m, birth).Year
		if chance(r, 0.14) {
			b = append4(append(b, `,"nam_sinh":"`...), year)
			b = append(b, '"')
		} else {
			b = append4(append(b, `,"nam_sinh":`...), year)
		}
		b = append(append(b, `,"gioi_tinh":`...), sexWord(r, m.p.Sex, true)...)
		b = appendJSON(append(b, `,"so_cmnd":`...), idText(r, g.idFor(&id, 0.85), 0.16))
		b = append(b, `,"so_dien_thoai":"`...)
		if chance(r, 0.91) {
			b = g.putPhone(b, num, use, &ncoviPhones)
		}
		b = append(b, '"')
		b = g.ncoviPlace(b, m)
		b = g.ncoviHealth(b)
		b = appendStampISO(append(b, `,"thoi_gian":"`...), stampOf(ncoviMonths.day(r), daytime(r)))
		g.line = append(b, "\"}\n"...)
		g.put(g.ncovi, m, "", g.line)
	}
}

// sexWord is gioi_tinh in Vietnamese, as JSON when quoted.
func sexWord(r *rand.Rand, sex byte, quoted bool) string {
	s := "Nam"
	switch {
	case quoted && r.Float64() < 0.005:
		s = "Khác"
	case sex == 'F':
		s = "Nữ"
	}
	if quoted {
		return `"` + s + `"`
	}
	return s
}

// ncoviPlace appends the place fields, names in the spellings people used.
func (g *legacyGen) ncoviPlace(b []byte, m *member) []byte {
	r := g.r
	w := m.place
	b = appendJSON(append(b, `,"tinh_thanh":`...), placeText(r, w.parent.parent))
	b = appendJSON(append(b, `,"quan_huyen":`...), placeText(r, w.parent))
	b = appendJSON(append(b, `,"phuong_xa":`...), placeText(r, w))
	street := m.p.Address
	if chance(r, 0.5) {
		street += ", " + w.name
	}
	return appendJSON(append(b, `,"dia_chi":`...), street)
}

// ncoviHealth appends the symptom and exposure answers: one declaration
// in seven reports one to three symptoms.
func (g *legacyGen) ncoviHealth(b []byte) []byte {
	r := g.r
	var sick [5]bool
	if chance(r, 0.15) {
		n := 1
		switch u := r.Float64(); {
		case u < 0.02:
			n = 3
		case u < 0.1:
			n = 2
		}
		for _, i := range r.Perm(len(sick))[:n] {
			sick[i] = true
		}
	}
	b = append(b, `,"trieu_chung":{`...)
	for i, k := range ncoviSymptoms {
		b = strconv.AppendBool(append(b, k...), sick[i])
	}
	b = append(b, `},"tiep_xuc":{`...)
	b = strconv.AppendBool(append(b, ncoviContactKey[0]...), chance(r, 0.023))
	b = strconv.AppendBool(append(b, ncoviContactKey[1]...), chance(r, 0.079))
	return append(b, '}')
}

// Vaccination portal.

var (
	portalNames = newNameStyle([spellKinds]float64{spellExact: 65, spellUpper: 18, spellPlain: 8, spellUpperPlain: 1.5,
		spellOldTone: 3, spellTypo: 4.5}, 0.03, 0)
	portalPhones = newPhoneStyle([phoneForms]float64{phoneLocal: 82, phoneSpaced: 8, phonePlus: 3, phoneBare: 2, phone84: 2}, 0.025)
)

// registration is a person as one vaccination site entered them on the
// portal.
type registration struct {
	id    string
	name  string
	birth vn.Date
	year  bool // only the birth year was entered
	idh   idHabit
	phone string
	use   phoneUse
}

func (g *legacyGen) register(m *member) registration {
	r := g.r
	reg := registration{id: g.ids.portalID(g.scratch), name: g.spellName(m.p, &portalNames), birth: g.birthHabit(m),
		year: chance(r, 0.04), idh: g.idHabit(m, 0.68, 0.14)}
	if chance(r, 0.9) {
		reg.phone, reg.use = g.phoneFor(m)
	}
	return reg
}

// doses writes one portal row per dose of m, in Windows-1258 with
// semicolons and CRLF, as the portal's office export was.
func (g *legacyGen) doses(m *member) {
	if len(m.doses) == 0 {
		return
	}
	r := g.r
	var regs [2]registration
	regs[0] = g.register(m)
	if m.doses[len(m.doses)-1].reg == 1 {
		regs[1] = g.register(m)
		g.stats.Cases.PortalDuplicates++
	}
	for _, d := range m.doses {
		reg := &regs[d.reg]
		name := reg.name
		if chance(r, 0.12) {
			name = g.spellName(m.p, &portalNames)
		}
		b := append(append(g.line[:0], ';'), reg.id...)
		b = append(appendCSV(append(b, ';'), name, ';'), ';')
		if reg.year {
			b = append4(b, m.p.BirthDate.Year)
			g.stats.Cases.BirthYearOnly++
		} else {
			b = appendDMY(b, g.birthFor(m, reg.birth))
		}
		b = append(b, ';', "01"[boolInt(m.p.Sex == 'M')], ';')
		b = append(append(b, g.idFor(&reg.idh, 0.94)...), ';')
		if chance(r, 0.92) {
			b = g.putPhone(b, reg.phone, reg.use, &portalPhones)
		}
		b = appendNum(append(b, ';'), d.n)
		v := &vaccines[d.vaccine]
		b = append(append(append(b, ';'), v.spellings[r.IntN(len(v.spellings))]...), ';')
		b = append(append(b, d.lot...), ';')
		b = append(appendDMY(b, dateOf(d.day)), ';')
		b = append(appendCSV(b, d.facility, ';'), ';')
		b = append(append(b, d.site.parent.parent.code...), '\r', '\n')
		g.line = b
		g.enc = appendCP1258(g.enc[:0], b)
		g.put(g.vaccination, m, "", g.enc)
	}
}

// Labs.

var (
	labNames = newNameStyle([spellKinds]float64{spellExact: 40, spellUpper: 26, spellPlain: 12, spellUpperPlain: 8,
		spellOldTone: 4, spellTypo: 8}, 0.03, 0)
	labPhones   = newPhoneStyle([phoneForms]float64{phoneLocal: 77, phoneSpaced: 10, phone84: 4, phoneBare: 3.5, phonePlus: 3}, 0.012)
	posResults  = []string{"Dương tính", "DUONG TINH", "POS"}
	negResults  = []string{"Âm tính", "AM TINH", "NEG"}
	bookResults = [2]string{"NEGATIVE", "POSITIVE"}
)

// labRecords writes a line of the lab's list for each test of m, and the
// contact log of a confirmed case who had Bluezone.
func (g *legacyGen) labRecords(m *member) {
	if len(m.tests) == 0 {
		return
	}
	r := g.r
	birth := g.birthHabit(m)
	id := g.idHabit(m, 0.34, 0.45)
	var uploaded bool
	for _, t := range m.tests {
		b := append(g.line[:0], ',')
		if m.foreign != nil {
			b = appendCSV(b, g.foreignName(m.foreign), ',')
		} else {
			b = appendCSV(b, g.spellName(m.p, &labNames), ',')
		}
		b = append4(append(b, ','), g.birthFor(m, birth).Year)
		b = append(append(append(b, ','), sexWord(r, m.p.Sex, false)...), ',')
		if num, use := g.phoneFor(m); chance(r, 0.67) {
			b = g.putPhone(b, num, use, &labPhones)
		}
		b = append(append(append(b, ','), g.idFor(&id, 0.9)...), ',')
		b = appendCSV(b, g.labAddressOf(m), ',')
		b = append(append(append(b, ','), labKinds[t.kind]...), ',')
		if t.positive {
			b = append(b, randomOf(r, posResults)...)
			g.stats.Cases.PositiveTests++
		} else {
			b = append(b, randomOf(r, negResults)...)
		}
		b = appendStampDMYHM(append(b, ','), t.at)
		b = appendStampDMYHM(append(b, ','), t.reported)
		g.line = append(b, '\n')
		g.put(g.labs[t.lab], m, "", g.line)
		if t.positive && !uploaded && len(m.bz) > 0 && chance(r, 0.85) {
			uploaded = true
			g.upload(m, t.at)
		}
	}
}

// labAddressOf is where the lab wrote that m lives.
func (g *legacyGen) labAddressOf(m *member) string {
	if m.foreign != nil {
		return randomOf(g.r, lodgings) + ", " + m.place.parent.parent.name
	}
	return labAddress(g.r, m.p.Address, m.place, g.scratch)
}

// quarantineTests writes the tests of an arrival in quarantine in the
// province they landed in.
func (g *legacyGen) quarantineTests(m *member, arrived int, prov *province) {
	r := g.r
	m.place = g.book.ward(prov.wards[r.IntN(len(prov.wards))].code)
	m.tests = m.tests[:0]
	day := arrived + r.IntN(3)
	for k := 0; k < 1+boolInt(chance(r, 0.4)) && day <= lastSampleDay; k++ {
		m.tests = append(m.tests, g.newTest(day, 0.03, prov.code))
		day += between(r, 3, 10)
	}
	g.labRecords(m)
}
