package takeover

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/pccovid/pccovid/internal/bluezone"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/legacy"
	"github.com/pccovid/pccovid/internal/seal"
)

const fieldProfile = "legacy_record.profile"

// SealedColumns lists the columns this package seals, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{{Table: "legacy_records", Key: []string{"source", "record_key"}, Column: "profile_sealed", Field: fieldProfile}}
}

// batch is one numbered transaction of an import. replay redoes, without
// writing, the bookkeeping of a batch an interrupted run already committed.
type batch struct {
	run    func(tx *db.DB) error
	replay func()
}

// write commits the plan in numbered batches: first the new persons, then
// the records in reading order. Each batch commits with the run's progress
// mark, so a resumed run starts after the last committed one.
func (s *Service) write(ctx context.Context, r run, p *plan, opt Options, progress func(string, int, int)) error {
	var batches []batch
	for i := 0; i < len(p.newPersons); i += opt.BatchSize {
		chunk := p.newPersons[i:min(i+opt.BatchSize, len(p.newPersons))]
		batches = append(batches, batch{run: func(tx *db.DB) error { return s.persons.InsertUnverified(ctx, tx, chunk) }})
	}
	w := &writer{s: s, p: p, run: r.id, written: map[string]bool{}}
	for i := 0; i < len(p.items); i += opt.BatchSize {
		lo, hi := i, min(i+opt.BatchSize, len(p.items))
		batches = append(batches, batch{run: func(tx *db.DB) error { return w.records(ctx, tx, lo, hi) },
			replay: func() { w.replay(lo, hi) }})
	}
	for b, bt := range batches {
		if b < r.batchesDone {
			if bt.replay != nil {
				bt.replay()
			}
			continue
		}
		if opt.stopAfter > 0 && b >= opt.stopAfter {
			return ErrStopped
		}
		err := s.db.Transact(ctx, func(tx *db.DB) error {
			if err := bt.run(tx); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE takeover_runs SET batches_done = $1 WHERE id = $2", b+1, r.id)
			return err
		})
		if err != nil {
			return fmt.Errorf("takeover: write batch %d of %d: %w", b+1, len(batches), err)
		}
		progress("write", b+1, len(batches))
	}
	return nil
}

// writer turns a range of items into rows.
type writer struct {
	s   *Service
	p   *plan
	run string
	// written remembers the identifiers this run has recorded, so each is
	// written once per person however many records repeat it.
	written map[string]bool
}

// replay runs the identifier bookkeeping of a committed batch, so that the
// batches after it leave out the same repeats an uninterrupted run would.
func (w *writer) replay(lo, hi int) {
	var b batchRows
	for i := lo; i < hi; i++ {
		if !w.p.earlier[i] {
			w.identifiers(&b, &w.p.items[i], w.p.personOf[i])
		}
	}
}

// batchRows are the rows of one batch, by table.
type batchRows struct {
	records  [][]any
	ids      []identity.PersonIdentifier
	managers []identity.Manager
	decls    []declaration.Declaration
	doses    []health.Dose
	tests    []health.Test
	conds    []health.Condition
	apps     []bluezone.App
	reviews  [][]any
}

func (w *writer) records(ctx context.Context, tx *db.DB, lo, hi int) error {
	var b batchRows
	for i := lo; i < hi; i++ {
		if w.p.earlier[i] {
			continue
		}
		if err := w.addItem(&b, i); err != nil {
			return err
		}
	}
	steps := []func() error{
		func() error {
			return tx.InsertRows(ctx, "legacy_records", []string{"source", "record_key", "person_id", "run_id", "method",
				"score", "evidence", "profile_sealed", "recorded_at"}, b.records, "ON CONFLICT (source, record_key) DO NOTHING")
		},
		func() error { return w.s.persons.InsertIdentifiers(ctx, tx, b.ids) },
		func() error { return w.s.persons.InsertManagers(ctx, tx, b.managers) },
		func() error { return w.s.decls.Insert(ctx, tx, b.decls) },
		func() error { return w.s.health.InsertDoses(ctx, tx, b.doses) },
		func() error { return w.s.health.InsertTests(ctx, tx, b.tests) },
		func() error { return w.s.health.InsertConditions(ctx, tx, b.conds) },
		func() error { return w.s.bluezone.InsertApps(ctx, tx, b.apps) },
		func() error {
			return tx.InsertRows(ctx, "linkage_reviews", []string{"id", "source", "record_key", "candidate_id", "area",
				"score", "evidence", "created_at"}, b.reviews, "ON CONFLICT (id) DO NOTHING")
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) addItem(b *batchRows, i int) error {
	it, d, person := &w.p.items[i], w.p.decisions[i], w.p.personOf[i]
	src, key := it.lk.Source, it.lk.Key
	prof, err := it.stored()
	if err != nil {
		return err
	}
	b.records = append(b.records, []any{src, key, person, w.run, d.Evidence.Method, d.Evidence.Score,
		evidenceJSON(d.Evidence), w.s.sealer.Seal(fieldProfile, prof), db.Millis(it.at)})
	w.identifiers(b, it, person)
	if mb := it.lk.ManagedBy; mb != "" {
		if m := w.managerOf(src, mb); m != "" {
			b.managers = append(b.managers, identity.Manager{PersonID: person, ManagerID: m, Source: src, RecordKey: key, RunID: w.run})
		}
	}
	w.payload(b, it, person)
	if d.Review != nil {
		h := sha256.Sum256([]byte(src + "\x00" + key + "\x00" + d.Review.PersonID))
		b.reviews = append(b.reviews, []any{hex.EncodeToString(h[:12]), src, key, d.Review.PersonID,
			w.p.engine.Ward(d.Review.PersonID), d.Review.Evidence.Score, evidenceJSON(d.Review.Evidence), db.Millis(w.s.clock.Now())})
	}
	return nil
}

// managerOf finds the person of the managing record: in this run or an
// earlier import.
func (w *writer) managerOf(source, key string) string {
	if j, ok := w.p.byKey[source+"/"+key]; ok {
		return w.p.personOf[j]
	}
	id, _ := w.p.engine.PersonOfRecord(source, key)
	return id
}

// identifiers records what the record newly teaches about its person.
func (w *writer) identifiers(b *batchRows, it *item, person string) {
	p := &it.lk.Profile
	add := func(kind identity.Kind, engineKind, v string) {
		if v == "" || w.p.engine.Knows(person, engineKind, v) {
			return
		}
		k := person + "\x00" + string(kind) + "\x00" + v
		if w.written[k] {
			return
		}
		w.written[k] = true
		b.ids = append(b.ids, identity.PersonIdentifier{PersonID: person, RunID: w.run, Identifier: identity.Identifier{
			Kind: kind, Value: v, Source: it.lk.Source, RecordKey: it.lk.Key, SeenAt: it.at}})
	}
	for _, ph := range p.Phones {
		add(identity.KindPhone, "phone", ph)
	}
	add(identity.KindCCCD, "cccd", p.CCCD)
	add(identity.KindCMND, "cmnd", p.CMND)
	add(identity.KindPassport, "passport", p.Passport)
	add(identity.KindInsurance, "card", p.Card)
	if it.app != nil {
		add(identity.KindBluezone, "bluezone", it.app.ID)
	}
}

// payload carries the record's content into the domain tables, each row
// keyed by the record so that it is written once.
func (w *writer) payload(b *batchRows, it *item, person string) {
	src, key := it.lk.Source, it.lk.Key
	base := src + "/" + key
	if x := it.decl; x != nil {
		b.decls = append(b.decls, declaration.Declaration{ID: base, PersonID: person, Source: src, RecordKey: key,
			Kind: x.Type, DeclaredAt: x.DeclaredAt, Ward: it.ward, Transport: x.Transport, TransportNo: x.TransportNo,
			DepartureDate: x.DepartureDate, SeatNo: x.SeatNo, Details: declaration.Details{Symptoms: x.Symptoms,
				ContactWithCase: x.ContactWithCase, FromEpidemicArea: x.FromEpidemicArea, FromPlace: x.FromPlace,
				ToPlace: x.ToPlace, Address: it.declAddr, Nationality: it.declNatnl, IDType: x.IDType}})
	}
	for n, x := range it.doses {
		id := base
		if len(it.doses) > 1 || src != string(legacy.Vaccination) {
			id = fmt.Sprintf("%s/v%d", base, n+1)
		}
		b.doses = append(b.doses, health.Dose{ID: id, PersonID: person, Source: src, RecordKey: key, Number: x.Number,
			Date: x.Date, Product: x.Product, ProductName: x.ProductName, Lot: x.Lot, Facility: x.Facility, Province: x.Province})
	}
	for n, x := range it.tests {
		id := base
		if len(it.tests) > 1 || src != string(legacy.Labtests) {
			id = fmt.Sprintf("%s/t%d", base, n+1)
		}
		b.tests = append(b.tests, health.Test{ID: id, PersonID: person, Source: src, RecordKey: key, Type: x.Type,
			Positive: x.Positive, SampledAt: x.SampledAt, ResultAt: x.ResultAt, Lab: x.Lab, SampleID: x.SampleID})
	}
	if len(it.conds) > 0 {
		b.conds = append(b.conds, health.Condition{PersonID: person, Source: src, RecordKey: key, Names: it.conds})
	}
	if it.app != nil {
		b.apps = append(b.apps, bluezone.App{BluezoneID: it.app.ID, PersonID: person, Platform: it.app.Platform,
			RegisteredAt: it.app.CreatedAt})
	}
}
