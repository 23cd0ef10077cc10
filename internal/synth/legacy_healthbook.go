package synth

// The electronic health book: accounts of their own for adults, and
// profiles an account owner created for a child or an elderly parent in
// the household — without a phone or an identity number of their own
// mostly. When both parents have accounts, a child often got a profile
// from each: one person, two profiles.

var (
	bookNames = newNameStyle([spellKinds]float64{spellExact: 86, spellUpper: 3, spellPlain: 2, spellOldTone: 4.5,
		spellTypo: 3}, 0.035, 0.23)
	bookPhones = newPhoneStyle([phoneForms]float64{phone84: 64, phoneLocal: 24, phonePlus: 12}, 0.004)
	// Profiles created per month from May to November 2021.
	bookMonths = newMonthly(14, 78, 74, 80, 73, 109, 104, 19)
	conditions = []string{"hypertension", "diabetes", "heart_disease", "copd", "asthma", "kidney_disease", "cancer", "obesity"}
)

// accountShare is the share of people of an age with an account.
func accountShare(age int) float64 {
	switch {
	case age < 15:
		return 0
	case age < 18:
		return 0.03
	case age < 65:
		return 0.22
	case age < 75:
		return 0.17
	}
	return 0.1
}

// healthbookProfiles writes the household's profiles: accounts first,
// then the profiles their owners created for the others.
func (g *legacyGen) healthbookProfiles(ms []member) {
	r := g.r
	for i := range ms {
		m := &ms[i]
		share := accountShare(m.age)
		if s := spouseOf(ms, i); s >= 0 && ms[s].account != "" {
			share = max(share, 0.4)
		}
		if chance(r, share) {
			m.account = g.profile(m, nil)
		}
	}
	for i := range ms {
		c := &ms[i]
		managers := managersOf(ms, i)
		if len(managers) == 0 || c.account != "" && !chance(r, 0.15) {
			continue
		}
		first := 0.9
		if c.age >= 18 {
			first = 0.7
		}
		made := 0
		for _, j := range r.Perm(len(managers)) {
			if made == 0 && chance(r, first) || made > 0 && chance(r, 0.55) {
				g.profile(c, &ms[managers[j]])
				made++
			}
		}
		if made >= 2 {
			g.stats.Cases.DoubleManaged++
		}
	}
}

// spouseOf returns the index of the head's spouse for the head, of the
// head for the spouse, or -1.
func spouseOf(ms []member, i int) int {
	switch ms[i].p.FamilyRole {
	case RoleHead:
		for j := range ms {
			if ms[j].p.FamilyRole == RoleSpouse {
				return j
			}
		}
	case RoleSpouse:
		return 0
	}
	return -1
}

// managersOf returns the account owners of the household who may create
// a profile for member i: a parent (or grandparent raising them) for a
// child, a grown child for an elderly parent.
func managersOf(ms []member, i int) []int {
	c := &ms[i]
	var out []int
	add := func(j int) {
		if j >= 0 && j != i && ms[j].account != "" && ms[j].age >= 18 {
			out = append(out, j)
		}
	}
	role := c.p.FamilyRole
	switch {
	case c.age < 18 && (role == RoleChild || role == RoleGrandchild):
		add(0)
		add(spouseOf(ms, 0))
	case c.age >= 60 && (role == RoleParent || role == RoleParentInLaw):
		add(0)
		add(spouseOf(ms, 0))
	case c.age >= 60 && (role == RoleHead || role == RoleSpouse):
		for j := range ms {
			if ms[j].p.FamilyRole == RoleChild {
				add(j)
			}
		}
	}
	return out
}

// profile writes a profile of m, created by manager's owner (nil for m's
// own account), and returns its id.
func (g *legacyGen) profile(m *member, manager *member) string {
	r := g.r
	id := g.ids.profileID(stampOf(bookMonths.day(r), daytime(r)))
	b := appendJSON(append(g.line[:0], `{"profileId":`...), id)
	b = appendJSON(append(b, `,"fullName":`...), g.spellName(m.p, &bookNames))
	b = append(appendDate(append(b, `,"birthDate":"`...), g.birthFor(m, g.birthHabit(m))), '"')
	b = append(append(b, `,"sex":`...), "12"[boolInt(m.p.Sex == 'F')])
	b = append(b, `,"identityNumber":"`...)
	b = append(append(b, g.bookID(m, manager)...), '"')
	b = append(b, `,"phoneNumber":"`...)
	b = append(g.bookPhone(b, m, manager), '"')
	b = append(b, `,"healthInsuranceNumber":"`...)
	if c := m.p.Insurance; c != nil && chance(r, 0.57) {
		b = append(b, c.CardNumber...)
	}
	b = append(append(append(b, `","provinceCode":"`...), m.p.ProvinceCode...), '"')
	b = appendJSON(append(b, `,"address":`...), bookAddress(r, m.p.Address, m.place))
	b = append(b, `,"managedBy":`...)
	if manager != nil {
		b = appendJSON(b, manager.account)
		g.stats.Cases.ManagedProfiles++
	} else {
		b = append(b, "null"...)
	}
	b = g.bookConditions(b, m.age)
	b = g.bookDoses(b, m)
	b = g.bookTests(b, m)
	g.line = append(b, '}')
	g.put(g.healthbook, m, id, g.line)
	return id
}

// bookID is the identity number of a profile: an owner gives theirs half
// the time; a managed profile rarely has one.
func (g *legacyGen) bookID(m *member, manager *member) string {
	if manager != nil {
		if chance(g.r, 0.08) {
			return m.p.CCCD
		}
		return ""
	}
	h := g.idHabit(m, 0.5, 0.07)
	return g.idFor(&h, 1)
}

// bookPhone appends the number of a profile: the owner's own, or, for a
// managed profile, mostly none and sometimes the manager's.
func (g *legacyGen) bookPhone(b []byte, m *member, manager *member) []byte {
	num, use := "", phoneNone
	switch {
	case manager != nil:
		if chance(g.r, 0.11) {
			num, use = manager.own, phoneFamily
		}
	case chance(g.r, 0.96):
		num, use = g.phoneFor(m)
	}
	return g.putPhone(b, num, use, &bookPhones)
}

func (g *legacyGen) bookConditions(b []byte, age int) []byte {
	r := g.r
	b = append(b, `,"chronicConditions":[`...)
	share := 0.02
	switch {
	case age >= 60:
		share = 0.18
	case age >= 40:
		share = 0.08
	}
	if chance(r, share) {
		picked := r.Perm(len(conditions))[:1+r.IntN(2)]
		for k, i := range picked {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, conditions[i])
		}
	}
	return append(b, ']')
}

// bookDoses appends the doses the book synced from the portal; one
// profile in seven misses the last or has a date a few days off.
func (g *legacyGen) bookDoses(b []byte, m *member) []byte {
	r := g.r
	doses := m.doses
	shift := -1
	if len(doses) > 0 && chance(r, 0.15) {
		if chance(r, 0.5) {
			doses = doses[:len(doses)-1]
		} else {
			shift = r.IntN(len(doses))
		}
	}
	b = append(b, `,"vaccinations":[`...)
	for i, d := range doses {
		if i > 0 {
			b = append(b, ',')
		}
		day := d.day
		if i == shift {
			day = min(day+between(r, 1, 5), legacyLastDay)
		}
		b = appendNum(append(b, `{"dose":`...), d.n)
		b = appendJSON(append(b, `,"vaccine":`...), vaccines[d.vaccine].book)
		b = append(appendDate(append(b, `,"date":"`...), dateOf(day)), '"')
		b = appendJSON(append(b, `,"lot":`...), d.lot)
		b = append(appendJSON(append(b, `,"facility":`...), d.facility), '}')
	}
	return append(b, ']')
}

// bookTests appends about half of the person's lab results.
func (g *legacyGen) bookTests(b []byte, m *member) []byte {
	b = append(b, `,"testResults":[`...)
	first := true
	for _, t := range m.tests {
		if !chance(g.r, 0.5) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		kind := "RAT"
		if t.kind == 0 {
			kind = "RT-PCR"
		}
		b = appendJSON(append(b, `{"type":`...), kind)
		b = appendJSON(append(b, `,"result":`...), bookResults[boolInt(t.positive)])
		b = append(appendStampRFC3339(append(b, `,"sampledAt":"`...), t.at), '"')
		b = append(appendJSON(append(b, `,"lab":`...), legacyLabs[t.lab]), '}')
	}
	return append(b, ']')
}
