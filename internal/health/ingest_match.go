package health

import (
	"context"
	"fmt"

	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/linkage"
	"github.com/pccovid/pccovid/internal/vn"
)

// linker ties incoming records to persons with the takeover's engine and
// rules (package linkage). The takeover loads every person; a facility's
// batch needs only the persons its records could be, so the linker loads
// those: everyone with one of the batch's identity numbers (or a number
// one digit away from one that matched nobody: a typo often lands on
// another real person, and the rules then need the right one beside it),
// phones or passports. A record whose person is not among them matches no
// one and waits for an official: it is never forced onto the nearest
// person.
type linker struct {
	persons *identity.Store
}

// link decides recs and returns the engine that decided, which knows the
// candidates' wards and identifiers.
func (l *linker) link(ctx context.Context, recs []linkage.Record) (*linkage.Engine, []linkage.Decision, error) {
	ids, err := l.candidates(ctx, recs)
	if err != nil {
		return nil, nil, err
	}
	profiles, err := l.persons.LinkageProfiles(ctx, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("health: candidates: %w", err)
	}
	e := linkage.NewEngine()
	for _, lp := range profiles {
		e.AddPerson(lp.Person())
	}
	return e, e.Link(recs), nil
}

// candidates returns the ids of the persons the records could be.
func (l *linker) candidates(ctx context.Context, recs []linkage.Record) ([]string, error) {
	var cccds, cmnds, phones, passports, nameYears, names []string
	for i := range recs {
		r := &recs[i]
		cccds, cmnds, passports = appendSome(cccds, r.CCCD), appendSome(cmnds, r.CMND), appendSome(passports, r.Passport)
		phones = append(phones, r.Phones...)
		// Name keys, as the takeover's blocking: most results carry no
		// number at all, only a name and a birth year.
		ny, n := linkage.NameKeys(r.Name, r.Birth.Year)
		if ny != "" {
			nameYears = append(nameYears, ny)
		} else {
			names = appendSome(names, n)
		}
	}
	var ids []string
	found := map[identity.Kind]map[string][]string{}
	for kind, values := range map[identity.Kind][]string{identity.KindCCCD: cccds, identity.KindCMND: cmnds,
		identity.KindPhone: phones, identity.KindPassport: passports, identity.KindNameYear: nameYears,
		identity.KindFullName: names} {
		m, err := l.persons.FindMany(ctx, kind, values)
		if err != nil {
			return nil, fmt.Errorf("health: candidates: %w", err)
		}
		found[kind] = m
		for _, list := range m {
			ids = append(ids, list...)
		}
	}
	more, err := l.typoCandidates(ctx, recs, found)
	return append(ids, more...), err
}

// typoCandidates looks up the numbers one digit away from each identity
// number that matched nobody.
func (l *linker) typoCandidates(ctx context.Context, recs []linkage.Record, found map[identity.Kind]map[string][]string) ([]string, error) {
	var ids []string
	for _, kind := range []identity.Kind{identity.KindCCCD, identity.KindCMND} {
		var near []string
		for i := range recs {
			v := recs[i].CCCD
			if kind == identity.KindCMND {
				v = recs[i].CMND
			}
			if v != "" && len(found[kind][v]) == 0 {
				near = append(near, oneDigitAway(v)...)
			}
		}
		m, err := l.persons.FindMany(ctx, kind, near)
		if err != nil {
			return nil, fmt.Errorf("health: candidates: %w", err)
		}
		for _, list := range m {
			ids = append(ids, list...)
		}
	}
	return ids, nil
}

func appendSome(list []string, v string) []string {
	if v == "" {
		return list
	}
	return append(list, v)
}

// oneDigitAway returns every number that differs from v in one digit.
func oneDigitAway(v string) []string {
	out := make([]string, 0, 9*len(v))
	b := []byte(v)
	for i := range b {
		orig := b[i]
		for d := byte('0'); d <= '9'; d++ {
			if d != orig {
				b[i] = d
				out = append(out, string(b))
			}
		}
		b[i] = orig
	}
	return out
}

// linkageRecord is an incoming record's identity evidence for the engine.
func (r *incoming) linkageRecord(source, key string) linkage.Record {
	s := &r.Subject
	rec := linkage.Record{Source: source, Key: key}
	p := &rec.Profile
	p.SetName(s.FullName)
	p.Birth = s.BirthDate
	p.Sex, _ = vn.ParseSex(s.Sex)
	p.CCCD, p.CMND, p.Passport, p.Card = s.CCCD, s.CMND, s.Passport, s.Card
	if s.Phone != "" {
		p.Phones = []string{string(s.Phone)}
	}
	p.Ward, p.District, p.Province, p.Nationality = s.Ward, s.District, s.Province, s.Nationality
	return rec
}
