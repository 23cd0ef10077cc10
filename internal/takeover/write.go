package takeover

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/bluezone"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/legacy"
	"github.com/pccovid/pccovid/internal/linkage"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
	"golang.org/x/sync/errgroup"
)

const fieldProfile = "legacy_record.profile"

// SealedColumns lists the columns this package seals, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{{Table: "legacy_records", Key: []string{"source", "record_key"}, Column: "profile_sealed", Field: fieldProfile}}
}

// buildChunk bounds the records whose rows are built and held at once. A
// batch — a transaction — is several chunks: a commit writes every page the
// batch touched, so batches are large, while memory holds two chunks.
const buildChunk = 50000

// write commits the plan in numbered batches: first the new persons, then
// the records in reading order, read from the dump a second time so that
// only a chunk's payload is in memory. Each batch commits with the run's
// progress mark, so a resumed run starts after the last committed one.
func (s *Service) write(ctx context.Context, dump *legacy.Dump, r run, p *plan, opt Options, progress func(string, int, int)) error {
	bs := r.batchSize
	personBatches := (len(p.newPersons) + bs - 1) / bs
	total := personBatches + (len(p.personOf)+bs-1)/bs
	commit := func(b int, fn func(tx *db.DB) error) error {
		if opt.stopAfter > 0 && b >= opt.stopAfter {
			return ErrStopped
		}
		err := s.db.Transact(ctx, func(tx *db.DB) error {
			if err := fn(tx); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE takeover_runs SET batches_done = $1 WHERE id = $2", b+1, r.id)
			return err
		})
		if err != nil {
			return fmt.Errorf("takeover: write batch %d of %d: %w", b+1, total, err)
		}
		progress("write", b+1, total)
		return nil
	}
	for b := r.batchesDone; b < personBatches; b++ {
		chunk := p.newPersons[b*bs : min((b+1)*bs, len(p.newPersons))]
		if err := commit(b, func(tx *db.DB) error { return s.persons.InsertUnverified(ctx, tx, chunk) }); err != nil {
			return err
		}
	}
	// Reading the dump again and building each batch's rows (sealing,
	// evidence) runs on one goroutine while the previous batch is written
	// on this one: the database and the Go work overlap on two cores.
	w := &writer{s: s, p: p, run: r.id, written: map[string]bool{}}
	jobs := make(chan chunk, 1)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(jobs)
		size := buildChunk
		if opt.chunk > 0 {
			size = opt.chunk
		}
		return w.build(gctx, dump, r.batchesDone-personBatches, bs, size, func(c chunk) error {
			select {
			case jobs <- c:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	})
	g.Go(func() error {
		for c := range jobs {
			err := commit(personBatches+c.batch, func(tx *db.DB) error {
				for {
					if err := w.insert(ctx, tx, c.rows); err != nil {
						return err
					}
					if c.last {
						return nil
					}
					var ok bool
					if c, ok = <-jobs; !ok {
						return gctx.Err() // the builder stopped halfway through a batch
					}
				}
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return g.Wait()
}

// chunk is the rows of up to buildChunk records of batch number batch;
// last marks the batch's final chunk.
type chunk struct {
	batch int
	rows  *batchRows
	last  bool
}

// build reads the dump again in the order it was linked and hands the rows
// of each batch of bs records to emit, in chunks of at most size records,
// batches numbered from 0; the batches before skip were committed by the
// run being resumed and are only replayed.
func (w *writer) build(ctx context.Context, dump *legacy.Dump, skip, bs, size int, emit func(chunk) error) error {
	p := w.p
	buf := make([]readItem, 0, min(bs, size))
	next := 0
	flush := func() error {
		lo := next - len(buf)
		b := lo / bs
		defer func() {
			clear(buf)
			buf = buf[:0]
			// Written records need their evidence no more: the heap
			// shrinks as the write goes on, and the collector with it.
			clear(p.decisions[lo:next])
		}()
		if b < skip {
			w.replay(lo, buf)
			return nil
		}
		rows, err := w.rows(lo, buf)
		if err != nil {
			return err
		}
		return emit(chunk{batch: b, rows: rows, last: next%bs == 0 || next == len(p.recordKeys)})
	}
	conv := newConverter()
	_, err := dump.Read(ctx, 10000, func(batch []legacy.Record) error {
		for i := range batch {
			it, lk := conv.item(&batch[i])
			if next >= len(p.recordKeys) || recordKey(p.seed, &lk) != p.recordKeys[next] {
				return fmt.Errorf("takeover: the dump changed while it was being imported (at %s/%s)", lk.Source, lk.Key)
			}
			buf = append(buf, readItem{it, lk})
			next++
			if len(buf) == cap(buf) || next%bs == 0 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil && len(buf) > 0 {
		err = flush()
	}
	return err
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

// readItem is a record read again for writing: its payload and its
// identity evidence.
type readItem struct {
	it item
	lk linkage.Record
}

// replay runs the identifier bookkeeping of a committed batch, so that the
// batches after it leave out the same repeats an uninterrupted run would.
func (w *writer) replay(lo int, items []readItem) {
	var b batchRows
	for j := range items {
		if !w.p.earlier[lo+j] {
			w.identifiers(&b, time.Time{}, &items[j].lk, w.p.personOf[lo+j])
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

// rows builds the rows of the items read for records lo, lo+1, ….
func (w *writer) rows(lo int, items []readItem) (*batchRows, error) {
	b := new(batchRows)
	for j := range items {
		if w.p.earlier[lo+j] {
			continue
		}
		if err := w.addItem(b, lo+j, &items[j].it, &items[j].lk); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// insert writes a batch's rows.
func (w *writer) insert(ctx context.Context, tx *db.DB, b *batchRows) error {
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

func (w *writer) addItem(b *batchRows, i int, it *item, lk *linkage.Record) error {
	d, person := w.p.decisions[i], w.p.personOf[i]
	src, key := lk.Source, lk.Key
	prof, err := it.stored(lk)
	if err != nil {
		return err
	}
	b.records = append(b.records, []any{src, key, person, w.run, d.Evidence.Method, d.Evidence.Score,
		evidenceJSON(d.Evidence), w.s.sealer.Seal(fieldProfile, prof), db.Millis(it.at)})
	w.identifiers(b, it.at, lk, person)
	if mb := lk.ManagedBy; mb != "" {
		if m := w.managerOf(src, mb); m != "" {
			b.managers = append(b.managers, identity.Manager{PersonID: person, ManagerID: m, Source: src, RecordKey: key, RunID: w.run})
		}
	}
	w.payload(b, it, lk, person)
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
func (w *writer) identifiers(b *batchRows, at time.Time, lk *linkage.Record, person string) {
	p := &lk.Profile
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
			Kind: kind, Value: v, Source: lk.Source, RecordKey: lk.Key, SeenAt: at}})
	}
	for _, ph := range p.Phones {
		add(identity.KindPhone, "phone", ph)
	}
	add(identity.KindCCCD, "cccd", p.CCCD)
	add(identity.KindCMND, "cmnd", p.CMND)
	add(identity.KindPassport, "passport", p.Passport)
	add(identity.KindInsurance, "card", p.Card)
	if lk.Source == string(legacy.Bluezone) {
		add(identity.KindBluezone, "bluezone", lk.Key)
	}
}

// payload carries the record's content into the domain tables, each row
// keyed by the record so that it is written once.
func (w *writer) payload(b *batchRows, it *item, lk *linkage.Record, person string) {
	src, key := lk.Source, lk.Key
	base := src + "/" + key
	if x := it.decl; x != nil {
		b.decls = append(b.decls, declaration.Declaration{ID: base, PersonID: person, Source: src, RecordKey: key,
			Kind: x.Type, DeclaredAt: x.DeclaredAt, Ward: it.ward, Transport: x.Transport, TransportNo: x.TransportNo,
			DepartureDate: x.DepartureDate, SeatNo: x.SeatNo, Details: declaration.Details{FullName: vn.NormalizeName(it.fullName), Symptoms: x.Symptoms,
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
