// Package takeover brings the old apps' data into PC-Covid: it reads a
// legacy dump (package legacy), loads the registry extract it carries,
// decides who each record is (package linkage), and writes the result — the
// persons, every record's link and evidence, the identifiers each record
// taught, and the payload (declarations, doses, tests, Bluezone ids and
// contact logs, insurance cards, managed family profiles) with its
// provenance.
//
// An import is resumable and idempotent. The decisions are a deterministic
// function of the dump and of what earlier, completed imports left; the
// writes are numbered batches, each committed with the import's progress
// mark, and every row has a deterministic key written with "do nothing on
// conflict". A run killed at any moment is resumed by the next run on the
// same dump: it recomputes the same decisions, skips the batches already
// committed, and ends with exactly what an uninterrupted run would have
// written. Importing the same dump again changes nothing; a newer dump
// links its new records into the existing persons without changing any id.
package takeover

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/bluezone"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/legacy"
	"github.com/pccovid/pccovid/internal/seal"
)

// Service runs imports.
type Service struct {
	db       *db.DB
	sealer   *seal.Sealer
	persons  *identity.Store
	health   *health.Store
	decls    *declaration.Store
	bluezone *bluezone.Store
	guard    *access.Guard
	clock    clock.Clock
	log      *slog.Logger
}

// NewService returns the takeover service.
func NewService(d *db.DB, s *seal.Sealer, persons *identity.Store, h *health.Store, decls *declaration.Store,
	bz *bluezone.Store, g *access.Guard, c clock.Clock, log *slog.Logger) *Service {
	return &Service{db: d, sealer: s, persons: persons, health: h, decls: decls, bluezone: bz, guard: g, clock: c, log: log}
}

// Options tune an import.
type Options struct {
	// BatchSize is the number of records written per transaction. A
	// resumed run keeps the size it started with.
	BatchSize int
	// Progress is told what stage the import is in and how far it got.
	Progress func(stage string, done, total int)
	// stopAfter makes the import stop (as if killed) after that many
	// batches; tests use it.
	stopAfter int
	// chunk overrides buildChunk; tests use it to split batches.
	chunk int
}

// Report says what an import did.
type Report struct {
	Run      string
	Resumed  bool
	Registry *identity.LoadReport
	Read     *legacy.Report
	Contacts *legacy.Report
	// Records read from the dump; Earlier of them were taken over by an
	// earlier import and left as they were.
	Records, Earlier int
	// What became of the new records.
	LinkedRegistry   int // tied to a registry citizen
	JoinedUnverified int // joined an unverified person of an earlier import
	NewUnverified    int // records that started or joined a new unverified person
	NewPersons       int // unverified persons created
	SentToReview     int
	ByMethod         map[string]int
	ContactLines     int
	Duration         time.Duration
}

// WriteText writes the report for the end of `pccovid import`.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "import %s%s finished in %s\n", r.Run, map[bool]string{true: " (resumed)", false: ""}[r.Resumed], r.Duration.Round(time.Millisecond))
	if r.Registry != nil {
		fmt.Fprintf(w, "  registry: %d people, %d insurance cards\n", r.Registry.People, r.Registry.Insurance)
	}
	if r.Read != nil {
		r.Read.WriteText(w)
	}
	fmt.Fprintf(w, "  records read: %d (%d taken over earlier, unchanged)\n", r.Records, r.Earlier)
	fmt.Fprintf(w, "  linked to registry persons: %d\n", r.LinkedRegistry)
	fmt.Fprintf(w, "  joined earlier unverified persons: %d\n", r.JoinedUnverified)
	fmt.Fprintf(w, "  new unverified persons: %d (from %d records)\n", r.NewPersons, r.NewUnverified)
	fmt.Fprintf(w, "  sent to review: %d\n", r.SentToReview)
	methods := make([]string, 0, len(r.ByMethod))
	for m := range r.ByMethod {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	for _, m := range methods {
		fmt.Fprintf(w, "    by %s: %d\n", m, r.ByMethod[m])
	}
	fmt.Fprintf(w, "  Bluezone contact-log lines: %d\n", r.ContactLines)
}

// DryRun reads and validates every file of the dump and writes nothing:
// no database is needed. It is the parse-only baseline of an import.
func DryRun(ctx context.Context, dir string) (*legacy.Report, error) {
	dump, err := legacy.Open(dir)
	if err != nil {
		return nil, err
	}
	rep, err := dump.Read(ctx, 10000, func([]legacy.Record) error { return nil })
	if err != nil {
		return rep, err
	}
	if dump.HasContacts() {
		if _, err := dump.Contacts(ctx, func([]legacy.Contact) error { return nil }); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// run is one import's row in takeover_runs.
type run struct {
	id          string
	batchesDone int
	// batchSize is the records a transaction of this run writes: fixed at
	// its start, since batchesDone counts batches of it.
	batchSize int
	resumed   bool
}

// startRun resumes the unfinished run on the same dump, or starts one
// writing batchSize records a transaction. Unfinished runs on other dumps
// are closed: what they wrote stays, as records of an earlier import.
func (s *Service) startRun(ctx context.Context, fingerprint string, batchSize int) (run, error) {
	r := run{batchSize: batchSize}
	err := s.db.Transact(ctx, func(tx *db.DB) error {
		var size int
		err := tx.QueryRow(ctx, `SELECT id, batches_done, batch_size FROM takeover_runs WHERE fingerprint = $1
			AND finished_at = 0 ORDER BY started_at DESC LIMIT 1`, fingerprint).Scan(&r.id, &r.batchesDone, &size)
		if err == nil {
			r.resumed = true
			if size > 0 {
				r.batchSize = size
			} else {
				// Started before batch sizes were recorded: which records its
				// batches held is unknown, so write them all again (every
				// insert leaves what exists as it is).
				r.batchesDone = 0
				_, err = tx.Exec(ctx, "UPDATE takeover_runs SET batch_size = $1, batches_done = 0 WHERE id = $2", r.batchSize, r.id)
			}
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := db.Millis(s.clock.Now())
		if _, err := tx.Exec(ctx, "UPDATE takeover_runs SET finished_at = $1, report = 'abandoned' WHERE finished_at = 0", now); err != nil {
			return err
		}
		r.id = db.NewID()
		_, err = tx.Exec(ctx, "INSERT INTO takeover_runs (id, fingerprint, started_at, batch_size) VALUES ($1, $2, $3, $4)",
			r.id, fingerprint, now, batchSize)
		return err
	})
	if err != nil {
		return r, fmt.Errorf("takeover: start run: %w", err)
	}
	return r, nil
}

// fingerprint identifies a dump by its files' names, sizes and the first
// and last 64 KiB of each: enough to tell a resumed run's dump from another.
func fingerprint(dump *legacy.Dump) (string, error) {
	h := sha256.New()
	for _, rel := range dump.Files() {
		path := filepath.Join(dump.Dir(), rel)
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("takeover: %w", err)
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", rel, fi.Size())
		buf := make([]byte, 64<<10)
		n, _ := f.ReadAt(buf, 0)
		h.Write(buf[:n])
		if fi.Size() > int64(len(buf)) {
			n, _ = f.ReadAt(buf, fi.Size()-int64(len(buf)))
			h.Write(buf[:n])
		}
		f.Close()
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

func (s *Service) finishRun(ctx context.Context, r run, rep *Report) error {
	summary := fmt.Sprintf("records %d, linked %d, new persons %d, review %d", rep.Records, rep.LinkedRegistry, rep.NewPersons, rep.SentToReview)
	_, err := s.db.Exec(ctx, "UPDATE takeover_runs SET finished_at = $1, report = $2 WHERE id = $3",
		db.Millis(s.clock.Now()), summary, r.id)
	return err
}
