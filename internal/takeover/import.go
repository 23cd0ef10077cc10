package takeover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/bluezone"
	"github.com/pccovid/pccovid/internal/legacy"
	"github.com/pccovid/pccovid/internal/linkage"
)

// ErrStopped is returned by an import stopped on purpose mid-way (tests of
// resumption).
var ErrStopped = errors.New("takeover: stopped")

// bulkTables are the tables an import writes in bulk: when they are empty
// (the first import) their secondary indexes are built once at the end.
var bulkTables = []string{"persons", "insurance_cards", "person_identifiers", "person_managers", "legacy_records",
	"linkage_reviews", "declarations", "vaccinations", "test_results", "health_conditions", "bluezone_apps",
	"bluezone_contacts"}

// defaultBatch is the records written per transaction. A commit writes
// every page the batch touched, and the persons' keys are spread over the
// whole table, so bigger batches write each page fewer times. At a million
// persons 25,000 a batch wrote 28 GB to disk, 100,000 wrote 15 GB and
// 400,000 (built in chunks of buildChunk, so memory does not grow) 10 GB;
// the write stage went 2 m 35 s → 2 m 19 s for the last step. A killed
// import redoes at most one batch.
const defaultBatch = 400000

// Import takes over the dump in dir.
func (s *Service) Import(ctx context.Context, dir string, opt Options) (rep *Report, err error) {
	start := time.Now()
	if opt.BatchSize <= 0 {
		opt.BatchSize = defaultBatch
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	dump, err := legacy.Open(dir)
	if err != nil {
		return nil, err
	}
	rep = &Report{ByMethod: map[string]int{}}
	restore, err := s.db.DeferIndexes(ctx, bulkTables...)
	if err != nil {
		return nil, err
	}
	defer func() {
		if rerr := restore(context.WithoutCancel(ctx)); rerr != nil && err == nil {
			err = rerr
		}
	}()
	if dump.HasRegistry() {
		lr, err := s.persons.LoadExtract(ctx, filepath.Join(dir, "registry"), func(n int) { progress("registry", n, 0) })
		if err != nil {
			return rep, fmt.Errorf("takeover: registry: %w", err)
		}
		rep.Registry = &lr
	}
	fp, err := fingerprint(dump)
	if err != nil {
		return rep, err
	}
	r, err := s.startRun(ctx, fp, opt.BatchSize)
	if err != nil {
		return rep, err
	}
	rep.Run, rep.Resumed = r.id, r.resumed
	if err := s.guard.Record(ctx, access.Request{Actor: access.System("takeover"), Purpose: access.PurposeLinkageReview, Ref: "import " + r.id},
		"takeover.import", "", "bulk read of persons for record linkage"); err != nil {
		return rep, err
	}
	lks, names, err := s.readDump(ctx, dump, rep, progress)
	if err != nil {
		return rep, err
	}
	p, err := s.plan(ctx, r.id, lks, names, rep, progress)
	if err != nil {
		return rep, err
	}
	if err := s.write(ctx, dump, r, p, opt, progress); err != nil {
		return rep, err
	}
	if dump.HasContacts() {
		if err := s.importContacts(ctx, dump, rep, progress); err != nil {
			return rep, err
		}
	}
	rep.Duration = time.Since(start)
	return rep, s.finishRun(ctx, r, rep)
}

// readDump reads the identity evidence of every record of the dump — only
// that: the payload is read again, a batch at a time, when it is written,
// so that millions of records never sit in memory whole. Parsing and
// converting run on two goroutines: the reader hands each batch over and
// goes on.
func (s *Service) readDump(ctx context.Context, dump *legacy.Dump, rep *Report, progress func(string, int, int)) ([]linkage.Record, []string, error) {
	var lks []linkage.Record
	var names []string
	batches := make(chan []legacy.Record, 2)
	converted := make(chan struct{})
	go func() {
		defer close(converted)
		conv := newConverter()
		for batch := range batches {
			for i := range batch {
				_, lk := conv.item(&batch[i])
				lk.Detach()
				lks, names = append(lks, lk), append(names, strings.Clone(batch[i].FullName))
			}
			progress("read", len(lks), 0)
		}
	}()
	read, err := dump.Read(ctx, 10000, func(batch []legacy.Record) error {
		batches <- batch
		return nil
	})
	close(batches)
	<-converted
	rep.Read = read
	rep.Records = len(lks)
	if err != nil {
		return nil, nil, fmt.Errorf("takeover: read dump: %w", err)
	}
	return lks, names, nil
}

// importContacts carries over the Bluezone contact logs. Rows are keyed, so
// a resumed or repeated import writes each line once.
func (s *Service) importContacts(ctx context.Context, dump *legacy.Dump, rep *Report, progress func(string, int, int)) error {
	n := 0
	cr, err := dump.Contacts(ctx, func(batch []legacy.Contact) error {
		cs := make([]bluezone.Contact, len(batch))
		for i, c := range batch {
			cs[i] = bluezone.Contact{BluezoneID: c.BluezoneID, ContactID: c.ContactID, FirstSeen: c.FirstSeen,
				LastSeen: c.LastSeen, RSSIMax: c.RSSIMax}
		}
		if err := s.bluezone.InsertContacts(ctx, s.db, cs); err != nil {
			return err
		}
		n += len(batch)
		progress("contacts", n, 0)
		return nil
	})
	rep.Contacts, rep.ContactLines = cr, n
	if err != nil {
		return fmt.Errorf("takeover: contacts: %w", err)
	}
	return nil
}

// evidenceJSON is the evidence as stored: levels and weights, never values.
func evidenceJSON(ev linkage.Evidence) string {
	b, err := json.Marshal(ev)
	if err != nil {
		return ""
	}
	return string(b)
}
