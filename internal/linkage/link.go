package linkage

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// pending is a record not yet tied to anyone, with the best registry
// candidate found so far (for review).
type pending struct {
	review *Review
}

// Link decides every record. It runs in rounds, each building on what the
// earlier ones settled:
//
//  1. records with enough evidence of their own are tied to registry persons;
//  2. what those records teach (their phones) and the health book's family
//     links (a managed profile is looked for in its manager's household)
//     tie more;
//  3. the rest are grouped into unverified persons, joining earlier
//     unverified persons where the evidence says so;
//  4. thin records (a phone and nothing else) go to the one person known
//     with that phone, or stay apart when the phone is shared.
func (e *Engine) Link(recs []Record) []Decision {
	e.freeze()
	out := make([]Decision, len(recs))
	for i := range out {
		out[i].Group = -1
	}
	open := make([]pending, len(recs))
	done := make([]bool, len(recs))
	e.round(recs, out, open, done, nil)
	e.learnFrom(recs, out, done)
	managers := e.managerIndex(recs, out, done)
	e.round(recs, out, open, done, managers)
	e.learnFrom(recs, out, done)
	e.namedOnPhone(recs, out, done)
	e.cluster(recs, out, done)
	e.namedOnGroups(recs, out, done)
	e.thin(recs, out, done)
	for i := range out {
		if !done[i] {
			panic(fmt.Sprintf("linkage: record %s/%s left undecided", recs[i].Source, recs[i].Key))
		}
		if out[i].PersonID == "" && open[i].review != nil {
			out[i].Review = open[i].review
		}
	}
	return out
}

// round tries to tie each open, non-thin record to a registry person. The
// records are independent within a round (the persons do not change), so
// they are decided on every core.
func (e *Engine) round(recs []Record, out []Decision, open []pending, done []bool, managers map[string]int32) {
	parallel(len(recs), func(i int) {
		r := &recs[i]
		if done[i] || r.Thin() || foreigner(r) {
			return
		}
		if c, cmp, ok := e.confirmedByID(r); ok {
			ev := cmp.evidence()
			ev.Method = MethodScore
			out[i] = Decision{PersonID: e.persons[c].ID, Verified: true, Group: -1, Evidence: ev}
			done[i] = true
			return
		}
		e.decide(i, r, out, open, done, managers)
	})
}

func (e *Engine) decide(i int, r *Record, out []Decision, open []pending, done []bool, managers map[string]int32) {
	var extra []int32
	household := ""
	if managers != nil && r.ManagedBy != "" {
		if m, ok := managers[r.Source+"/"+r.ManagedBy]; ok {
			household = e.persons[m].Household
			extra = e.house[household]
		}
	}
	best, ev, second, ok := e.best(r, e.candidates(r, extra), household)
	if ok && ev.Score >= LinkThreshold && ev.Score-second >= Margin && (corroborated(ev) || e.rareName(best, ev)) {
		ev.Margin = round1(ev.Score - second)
		ev.Method = MethodScore
		if household != "" && e.persons[best].Household == household {
			ev.Method = MethodManaged
		}
		out[i] = Decision{PersonID: e.persons[best].ID, Verified: true, Group: -1, Evidence: ev}
		done[i] = true
		return
	}
	if ok && ev.Score >= ReviewThreshold {
		ev.Margin = round1(ev.Score - second)
		ev.Method = MethodReview
		open[i].review = &Review{PersonID: e.persons[best].ID, Evidence: ev}
	}
}

// confirmedByID finds the registry person whose CCCD or CMND the record
// gives, when the record's name is exactly theirs and the birth date agrees:
// the number is theirs, and no other candidate could outweigh it. Anything
// less exact (a name with a typo: a twin's number typed for the other twin)
// goes through the full comparison of every candidate.
func (e *Engine) confirmedByID(r *Record) (int32, comparison, bool) {
	for _, id := range [2]struct{ kind, v string }{{"cccd", r.CCCD}, {"cmnd", r.CMND}} {
		if id.v == "" {
			continue
		}
		for _, kp := range e.ids.get(e.hash(id.kind, id.v)) {
			c := kp.person
			p := e.persons[c]
			if !p.Verified {
				continue
			}
			switch compareNames(&r.Profile, &p.Profile) {
			case NameMarked, NameSame, NameReorder:
			default:
				continue
			}
			if b := compareBirth(r.Birth, p.Birth); b != BirthSame && b != BirthYear {
				continue
			}
			cmp := compare(&r.Profile, &p.Profile, e)
			if round1(cmp.score) >= LinkThreshold {
				return c, cmp, true
			}
		}
	}
	return -1, comparison{}, false
}

// namedOnPhone ties a record that has a name and a phone but nothing else
// (a Bluezone registration with a name) to the one person known with that
// phone whose name agrees with it, even a given name alone: the phone says
// which family, the name which member. When two of the phone's people could
// have that name, it stays apart.
func (e *Engine) namedOnPhone(recs []Record, out []Decision, done []bool) {
	for i := range recs {
		r := &recs[i]
		if done[i] || !namedThin(r) {
			continue
		}
		var match []int32
		var ev Evidence
		for _, ph := range r.Phones {
			for _, c := range e.phones[ph] {
				if nameFits(&r.Profile, &e.persons[c].Profile) {
					match = appendUnique(match, c)
					ev = score(&r.Profile, &e.persons[c].Profile, e)
				}
			}
		}
		if len(match) != 1 {
			continue
		}
		p := e.persons[match[0]]
		ev.Method = MethodPhoneName
		out[i] = Decision{PersonID: p.ID, Verified: p.Verified, Group: -1, Evidence: ev}
		done[i] = true
	}
}

// namedOnGroups does what namedOnPhone does for the records left on their
// own after clustering, now that the new unverified persons are known: a
// name on a phone joins the one group of that phone whose records carry an
// agreeing name.
func (e *Engine) namedOnGroups(recs []Record, out []Decision, done []bool) {
	type member struct {
		owner owner
		rec   int
	}
	byPhone := map[string][]member{}
	for i := range recs {
		if !done[i] || recs[i].Name == "" || namedThin(&recs[i]) && out[i].Evidence.Method == MethodSingle {
			continue
		}
		o := owner{person: out[i].PersonID, verified: out[i].Verified, group: out[i].Group}
		for _, ph := range recs[i].Phones {
			byPhone[ph] = append(byPhone[ph], member{o, i})
		}
	}
	for i := range recs {
		r := &recs[i]
		if !done[i] || !namedThin(r) || out[i].Evidence.Method != MethodSingle {
			continue
		}
		var owners []owner
		var ev Evidence
		for _, ph := range r.Phones {
			for _, c := range e.phones[ph] {
				if p := e.persons[c]; nameFits(&r.Profile, &p.Profile) {
					owners = appendUnique(owners, owner{person: p.ID, verified: p.Verified, group: -1})
					ev = score(&r.Profile, &p.Profile, e)
				}
			}
			for _, m := range byPhone[ph] {
				if nameFits(&r.Profile, &recs[m.rec].Profile) {
					owners = appendUnique(owners, m.owner)
					ev = score(&r.Profile, &recs[m.rec].Profile, e)
				}
			}
		}
		if len(owners) != 1 {
			continue
		}
		ev.Method = MethodPhoneName
		out[i] = Decision{PersonID: owners[0].person, Verified: owners[0].verified, Group: owners[0].group, Evidence: ev}
		if out[i].PersonID != "" {
			out[i].Group = -1
		}
	}
}

// namedThin: a name and a phone, nothing else.
func namedThin(r *Record) bool {
	return r.Name != "" && r.Birth.Year == 0 && len(r.Phones) > 0 && r.CCCD == "" && r.CMND == "" && r.Passport == "" && r.Card == ""
}

// foreigner: a record of someone of another nationality, who cannot be in
// the population registry.
func foreigner(r *Record) bool {
	return r.Nationality != "" && r.Nationality != "VNM"
}

// best scores the candidates and returns the best registry person, its
// evidence and the next-best score.
func (e *Engine) best(r *Record, cands []int32, household string) (int32, Evidence, float64, bool) {
	bestI, found := int32(-1), false
	var bestC comparison
	bestScore, second := 0.0, 0.0
	for _, c := range cands {
		p := e.persons[c]
		if !p.Verified {
			continue
		}
		cmp := compare(&r.Profile, &p.Profile, e)
		if household != "" {
			l := HouseholdOther
			if p.Household == household {
				l = HouseholdSame
			}
			cmp.add(FieldHousehold, l, 0)
		}
		s := round1(cmp.score)
		switch {
		// Equal scores go to the smaller person id, not to whichever the
		// engine numbered first: the numbering follows the order persons
		// were read, and a resumed import must choose as the first run did.
		case !found || s > bestScore || s == bestScore && p.ID < e.persons[bestI].ID:
			if found {
				second = max(second, bestScore)
			}
			bestI, bestC, bestScore, found = c, cmp, s, true
		default:
			second = max(second, s)
		}
	}
	if !found {
		return -1, Evidence{}, 0, false
	}
	return bestI, bestC.evidence(), second, true
}

// corroborated: a link needs the name to agree and at least one more fact
// beyond name and birth year — an identity number, a phone, the ward, the
// full birth date, the household, the vaccination-portal id. Name, birth
// year and province are many people: "Nguyễn Văn Hùng, born 1980, Hà Nội".
func corroborated(ev Evidence) bool {
	nameOK, other := false, false
	for _, c := range ev.Comparisons {
		if c.Weight <= 0 {
			continue
		}
		switch c.Field {
		case FieldName:
			nameOK = true
		case FieldBirth:
			// The full date, not a year: two full dates of the same year
			// that differ are two people more often than a typo.
			if c.Level == BirthSame || c.Level == BirthSwapped {
				other = true
			}
		case FieldSex:
		case FieldPlace:
			// A province or a district holds many namesakes; a ward few.
			if c.Level == PlaceWard {
				other = true
			}
		default:
			other = true
		}
	}
	return nameOK && other
}

// rareName: a name so rare that the country likely has no one else of that
// name born that year, held by one registry person of that year and sex, is
// that person. It is the one case where name and year suffice: "Trần Minh
// Mỹ Lan, 1953" is one woman, where "Nguyễn Văn Hùng, 1980" — or "Cao Văn
// Hùng, 1959", even if a town's registry holds only one — is many men.
func (e *Engine) rareName(person int32, ev Evidence) bool {
	p := e.persons[person]
	if !p.Verified || e.names[p.Name] != 1 || e.namesakes(&p.Profile) > 0.05 {
		return false
	}
	var name, year, sex bool
	against := 0
	for _, c := range ev.Comparisons {
		switch {
		case c.Field == FieldName:
			name = c.Level == NameMarked || c.Level == NameSame
		case c.Field == FieldBirth:
			year = c.Level == BirthYear || c.Level == BirthSame
		case c.Field == FieldSex:
			sex = c.Level == SexSame
		case c.Weight < 0:
			against++
		}
	}
	// One disagreement is a journey (a test taken away from home) or a new
	// phone; a phone and a place both someone else's is someone else.
	return name && year && sex && against <= 1
}

// nameFits: a name given alone on a phone (Bluezone asked only "your
// name") fits a person when it agrees with their name, or is its end —
// their given name, or more of it — allowing one typo.
func nameFits(rec, cand *Profile) bool {
	return nameAgrees(compareNames(rec, cand)) || tailOf(rec.Name, cand.Name)
}

// learnFrom teaches the persons what the records tied to them this run say.
func (e *Engine) learnFrom(recs []Record, out []Decision, done []bool) {
	for i := range recs {
		if done[i] && out[i].PersonID != "" {
			if p, ok := e.byID[out[i].PersonID]; ok {
				e.learn(p, &recs[i].Profile)
			}
		}
	}
}

// managerIndex maps "source/key" of the records tied to a registry person
// (this run's and earlier imports') to that person: the managers of
// health-book family profiles.
func (e *Engine) managerIndex(recs []Record, out []Decision, done []bool) map[string]int32 {
	m := map[string]int32{}
	for _, l := range e.linked {
		if e.persons[l.person].Verified {
			m[l.rec.Source+"/"+l.rec.Key] = l.person
		}
	}
	for i := range recs {
		if done[i] && out[i].Verified {
			m[recs[i].Source+"/"+recs[i].Key] = e.byID[out[i].PersonID]
		}
	}
	return m
}

// parallel calls fn for 0..n-1 on every core, in chunks.
func parallel(n int, fn func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < 1000 || workers < 2 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	const chunk = 256
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+chunk, n); i++ {
					fn(i)
				}
			}
		}()
	}
	wg.Wait()
}
