package takeover

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"

	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/legacy"
	"github.com/pccovid/pccovid/internal/linkage"
	"github.com/pccovid/pccovid/internal/vn"
)

// plan is everything an import will write, decided before the first write.
type plan struct {
	engine     *linkage.Engine
	lks        []linkage.Record   // every record's identity evidence, in reading order, until linked
	names      []string           // every record's name as written (for new persons)
	earlier    []bool             // taken over by an earlier import: left alone
	decisions  []linkage.Decision // for the records not earlier, by item index
	personOf   []string           // the person id of each item
	newPersons []identity.Unverified
	byKey      map[string]int // "source/key" → item index
	// recordKeys fingerprints each record's source and key once linking is
	// done and lks is let go.
	recordKeys []uint64
	seed       maphash.Seed
}

// recordKey fingerprints a record's source and key.
func recordKey(seed maphash.Seed, r *linkage.Record) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(r.Source)
	h.WriteByte(0)
	h.WriteString(r.Key)
	return h.Sum64()
}

// plan loads what the database knows, links the new records, and settles
// the id of every person.
func (s *Service) plan(ctx context.Context, runID string, lks []linkage.Record, names []string, rep *Report, progress func(string, int, int)) (*plan, error) {
	e := linkage.NewEngine()
	n := 0
	err := s.persons.EachForLinkage(ctx, runID, func(lp identity.LinkageProfile) error {
		e.AddPerson(lp.Person())
		n++
		if n%100000 == 0 {
			progress("persons", n, 0)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("takeover: load persons: %w", err)
	}
	earlierKeys, err := s.loadEarlier(ctx, e, runID)
	if err != nil {
		return nil, err
	}
	p := &plan{engine: e, lks: lks, names: names, earlier: make([]bool, len(lks)), personOf: make([]string, len(lks)),
		byKey: make(map[string]int), seed: maphash.MakeSeed()}
	var idx []int
	for i := range lks {
		k := lks[i].Source + "/" + lks[i].Key
		if lks[i].Source == string(legacy.Healthbook) {
			p.byKey[k] = i // managers are found by key, in the health book only
		}
		if id, ok := earlierKeys[k]; ok {
			p.earlier[i], p.personOf[i] = true, id
			rep.Earlier++
			continue
		}
		idx = append(idx, i)
	}
	// The first import links every record: no copy of the evidence.
	recs := lks
	if len(idx) < len(lks) {
		recs = make([]linkage.Record, len(idx))
		for j, i := range idx {
			recs[j] = lks[i]
		}
	}
	progress("link", 0, len(recs))
	ds := e.Link(recs)
	e.DoneLinking()
	p.decisions = ds
	if len(idx) < len(lks) {
		p.decisions = make([]linkage.Decision, len(lks))
		for j, d := range ds {
			if d.Group >= 0 {
				d.Group = idx[d.Group]
			}
			p.decisions[idx[j]] = d
		}
	}
	p.settlePersons(s.persons, runID, rep)
	// The write reads each record again: of the evidence kept for linking
	// only a fingerprint of each key stays, to notice a dump that changed
	// in between. At a million persons the rest is over a gigabyte the
	// collector would otherwise walk through the whole write.
	p.recordKeys = make([]uint64, len(lks))
	for i := range lks {
		p.recordKeys[i] = recordKey(p.seed, &lks[i])
	}
	p.lks, p.names = nil, nil
	return p, nil
}

// loadEarlier adds the records earlier imports took over to the engine and
// returns their keys with their persons. Records the run being resumed
// wrote are not earlier: they are decided again, the same way.
func (s *Service) loadEarlier(ctx context.Context, e *linkage.Engine, runID string) (map[string]string, error) {
	rows, err := s.db.Query(ctx, `SELECT source, record_key, person_id, profile_sealed FROM legacy_records
		WHERE run_id <> $1 ORDER BY source, record_key`, runID)
	if err != nil {
		return nil, fmt.Errorf("takeover: earlier records: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var src, key, person string
		var sealed []byte
		if err := rows.Scan(&src, &key, &person, &sealed); err != nil {
			return nil, err
		}
		b, err := s.sealer.Open(fieldProfile, sealed)
		if err != nil {
			return nil, err
		}
		var sp storedProfile
		if err := json.Unmarshal(b, &sp); err != nil {
			return nil, fmt.Errorf("takeover: record %s/%s: %w", src, key, err)
		}
		e.AddLinked(sp.linkageRecord(src, key), person)
		out[src+"/"+key] = person
	}
	return out, rows.Err()
}

// settlePersons gives every new group of records its unverified person: the
// id comes from the group's first record, so it is the same in every run.
func (p *plan) settlePersons(persons *identity.Store, runID string, rep *Report) {
	members := map[int][]int{}
	for i, d := range p.decisions {
		if p.earlier[i] {
			continue
		}
		switch {
		case d.PersonID != "" && d.Verified:
			p.personOf[i] = d.PersonID
			rep.LinkedRegistry++
		case d.PersonID != "":
			p.personOf[i] = d.PersonID
			rep.JoinedUnverified++
		default:
			members[d.Group] = append(members[d.Group], i)
			rep.NewUnverified++
		}
		rep.ByMethod[d.Evidence.Method]++
		if d.Review != nil {
			rep.SentToReview++
		}
	}
	for g := range p.lks {
		ms, ok := members[g]
		if !ok {
			continue
		}
		lead := &p.lks[g]
		id := persons.RecordID(lead.Source, lead.Key)
		for _, i := range ms {
			p.personOf[i] = id
		}
		p.newPersons = append(p.newPersons, p.unverified(id, ms, runID))
	}
	rep.NewPersons = len(p.newPersons)
}

// unverified builds a new person from its records: the first record's
// facts, with gaps filled from the others in order.
func (p *plan) unverified(id string, members []int, runID string) identity.Unverified {
	lead := &p.lks[members[0]]
	u := identity.Unverified{ID: id, Source: lead.Source, SourceKey: lead.Key, RunID: runID}
	for _, i := range members {
		pr := &p.lks[i].Profile
		if u.FullName == "" {
			u.FullName = p.names[i]
		}
		if u.BirthDate.IsZero() || u.BirthDate.Month == 0 && pr.Birth.Month != 0 {
			u.BirthDate = pr.Birth
		}
		if u.Sex == vn.SexUnknown {
			u.Sex = pr.Sex
		}
		if u.Ward == "" {
			u.Ward, u.Province = pr.Ward, pr.Province
		}
		if u.Phone == "" && len(pr.Phones) > 0 {
			u.Phone = vn.Phone(pr.Phones[0])
		}
		if u.Nationality == "" {
			u.Nationality = pr.Nationality
		}
	}
	return u
}
