package legacy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pccovid/pccovid/internal/problem"
)

// The files of a dump, relative to its folder (FORMATS.md).
const (
	fileBluezoneUsers = "bluezone/users.csv"
	fileContacts      = "bluezone/contacts.csv"
	fileNCOVI         = "ncovi/declarations.jsonl"
	fileVHD           = "vhd/declarations.csv"
	fileHealthbook    = "healthbook/profiles.json"
	fileDoses         = "vaccination/doses.csv"
	dirLabtests       = "labtests"
	fileRegistry      = "registry/people.csv"
)

// Dump is a legacy dump folder: the exports found in it, ready to be read.
type Dump struct {
	dir      string
	files    []dumpFile // record files, in reading order
	contacts bool
	registry bool
}

// dumpFile is one record file of a dump.
type dumpFile struct {
	source Source
	name   string // path inside the dump, with slashes
	lab    string // lab code, for a lab line list
}

// Open finds the exports in the dump folder dir. Any source may be
// missing; the lab line lists are the files labtests/*.csv, read in the
// order of their names. Open fails when dir cannot be read or holds no
// known export at all (no record file, no contact log, no registry).
func Open(dir string) (*Dump, error) {
	if _, err := os.ReadDir(dir); err != nil {
		return nil, fmt.Errorf("legacy: open dump: %w", err)
	}
	d := &Dump{dir: dir}
	for _, f := range [...]dumpFile{
		{source: Bluezone, name: fileBluezoneUsers},
		{source: NCOVI, name: fileNCOVI},
		{source: VHD, name: fileVHD},
		{source: Healthbook, name: fileHealthbook},
		{source: Vaccination, name: fileDoses},
	} {
		if d.isFile(f.name) {
			d.files = append(d.files, f)
		}
	}
	labs, err := d.labFiles()
	if err != nil {
		return nil, err
	}
	d.files = append(d.files, labs...)
	d.contacts = d.isFile(fileContacts)
	d.registry = d.isFile(fileRegistry)
	if len(d.files) == 0 && !d.contacts && !d.registry {
		return nil, fmt.Errorf("legacy: %s holds no legacy export (bluezone, ncovi, vhd, healthbook, vaccination, labtests or registry): %w",
			dir, problem.ErrNotFound)
	}
	return d, nil
}

func (d *Dump) isFile(name string) bool {
	st, err := os.Stat(filepath.Join(d.dir, filepath.FromSlash(name)))
	return err == nil && st.Mode().IsRegular()
}

// labFiles lists labtests/*.csv sorted by name.
func (d *Dump) labFiles() ([]dumpFile, error) {
	entries, err := os.ReadDir(filepath.Join(d.dir, dirLabtests))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("legacy: open dump: %w", err)
	}
	var out []dumpFile
	for _, e := range entries {
		name := e.Name()
		ext := path.Ext(name)
		lab := strings.TrimSuffix(name, ext)
		if !strings.EqualFold(ext, ".csv") || lab == "" || strings.HasPrefix(name, ".") {
			continue
		}
		if !d.isFile(dirLabtests + "/" + name) {
			continue
		}
		out = append(out, dumpFile{source: Labtests, name: dirLabtests + "/" + name, lab: lab})
	}
	slices.SortFunc(out, func(a, b dumpFile) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// Dir returns the dump folder.
func (d *Dump) Dir() string { return d.dir }

// Sources returns the sources present in the dump, in reading order: a
// subset of the package's Sources.
func (d *Dump) Sources() []Source {
	var out []Source
	for _, f := range d.files {
		if len(out) == 0 || out[len(out)-1] != f.source {
			out = append(out, f.source)
		}
	}
	return out
}

// Files returns the record files Read reads, as paths inside the dump
// ("ncovi/declarations.jsonl", "labtests/HCDC.csv"), in reading order.
func (d *Dump) Files() []string {
	out := make([]string, len(d.files))
	for i, f := range d.files {
		out[i] = f.name
	}
	return out
}

// HasRegistry reports whether the dump holds a population-registry extract
// (registry/people.csv). This package does not read it: the registry is
// loaded by package identity.
func (d *Dump) HasRegistry() bool { return d.registry }

// HasContacts reports whether the dump holds Bluezone contact logs.
func (d *Dump) HasContacts() bool { return d.contacts }

// DefaultBatchSize is the batch size Read uses when given none.
const DefaultBatchSize = 1000

// Read reads every record file of the dump, in the order of Files, and
// hands the records to fn in batches of at most batchSize
// (DefaultBatchSize when batchSize < 1). A batch holds records of one file
// only, and is handed on only once all of it has been read: when a file
// turns out to be truncated or undecodable, the batch in which that
// happened is not delivered (the batches before it were), the Report says
// where and why, and reading goes on with the next file. Rows that break
// the format are set aside, with file, line and reason in the Report, and
// the rest of the file is read. The same dump always gives the same
// records in the same order.
//
// fn owns each batch it is given. An error from fn, or the cancellation of
// ctx, stops Read at once: it returns that error with the report so far.
// A Dump does not change once opened: it may be read again, also by
// several goroutines at once.
func (d *Dump) Read(ctx context.Context, batchSize int, fn func(batch []Record) error) (*Report, error) {
	if batchSize < 1 {
		batchSize = DefaultBatchSize
	}
	rep := &Report{}
	pl := newCaches()
	for _, f := range d.files {
		fr := &FileReport{File: f.name, Source: f.source}
		rep.Files = append(rep.Files, fr)
		out := newBatcher(ctx, batchSize, fn, fr)
		err := d.readFile(f, out, pl)
		if err = settle(err, out, fr); err != nil {
			rep.total()
			return rep, err
		}
	}
	rep.total()
	return rep, ctx.Err()
}

// readFile reads one record file into out.
func (d *Dump) readFile(f dumpFile, out *batcher[Record], pl *caches) error {
	in, err := openInput(d.dir, f.name)
	if err != nil {
		return err
	}
	defer in.close()
	return readInput(f, in, out, pl)
}

// readInput reads the records of one file from in.
func readInput(f dumpFile, in *input, out *batcher[Record], pl *caches) error {
	switch f.source {
	case Bluezone:
		return readBluezone(in, out, pl)
	case NCOVI:
		return readNCOVI(in, out, pl)
	case VHD:
		return readVHD(in, out, pl)
	case Healthbook:
		return readHealthbook(in, out, pl)
	case Vaccination:
		return readDoses(in, out, pl)
	case Labtests:
		return readLab(in, f.lab, out, pl)
	}
	return fmt.Errorf("legacy: unknown source %q", f.source)
}

// contactBatch is the size of the batches Contacts delivers.
const contactBatch = 5000

// Contacts reads the Bluezone contact logs (bluezone/contacts.csv) and
// hands them to fn in batches, with the rules of Read. It returns an empty
// report when the dump has no contact log.
func (d *Dump) Contacts(ctx context.Context, fn func([]Contact) error) (*Report, error) {
	rep := &Report{}
	if !d.contacts {
		return rep, nil
	}
	fr := &FileReport{File: fileContacts, Source: Bluezone}
	rep.Files = append(rep.Files, fr)
	out := newBatcher(ctx, contactBatch, fn, fr)
	err := func() error {
		in, err := openInput(d.dir, fileContacts)
		if err != nil {
			return err
		}
		defer in.close()
		return readContacts(in, out, nil)
	}()
	err = settle(err, out, fr)
	rep.total()
	if err == nil {
		err = ctx.Err()
	}
	return rep, err
}

// settle records a fatal problem of a file in its report and withholds the
// batch it cut; it returns the errors that must stop the whole read.
func settle[T any](err error, out *batcher[T], fr *FileReport) error {
	var f *fatalError
	switch {
	case err == nil:
		return out.flush()
	case errors.As(err, &f):
		f.p.File = fr.File
		fr.fail(f.p)
		out.withhold()
		return nil
	}
	return err
}

// fatalError is a problem that stops the reading of one file.
type fatalError struct{ p Problem }

func (e *fatalError) Error() string { return e.p.String() }

func fatal(line int, off int64, kind, detail string) *fatalError {
	return &fatalError{Problem{Line: line, Offset: off, Kind: kind, Reason: kind + detail, SetAside: true}}
}

// fatalReason is fatal with a reason that says more than its kind.
func fatalReason(line int, off int64, kind, reason string) *fatalError {
	return &fatalError{Problem{Line: line, Offset: off, Kind: kind, Reason: reason, SetAside: true}}
}

// batcher gathers records into batches and hands them on.
type batcher[T any] struct {
	ctx   context.Context
	size  int
	fn    func([]T) error
	batch []T
	rep   *FileReport
	rows  int
}

func newBatcher[T any](ctx context.Context, size int, fn func([]T) error, rep *FileReport) *batcher[T] {
	return &batcher[T]{ctx: ctx, size: size, fn: fn, rep: rep}
}

// next returns a new zero record at the end of the batch, to be filled in
// place and then kept with keep or dropped with drop.
func (b *batcher[T]) next() *T {
	if b.batch == nil {
		b.batch = make([]T, 0, b.size)
	}
	if n := len(b.batch); n < cap(b.batch) {
		// make zeroed the slot, and drop zeroes it again when a record
		// is dropped: no need to clear it once more.
		b.batch = b.batch[:n+1]
	} else {
		var zero T
		b.batch = append(b.batch, zero)
	}
	return &b.batch[len(b.batch)-1]
}

// drop removes the record next returned.
func (b *batcher[T]) drop() {
	var zero T
	b.batch[len(b.batch)-1] = zero
	b.batch = b.batch[:len(b.batch)-1]
}

// keep keeps the record next returned, and hands the batch on when full.
func (b *batcher[T]) keep() error {
	b.rows++
	if b.rows%1024 == 0 {
		if err := b.ctx.Err(); err != nil {
			return err
		}
	}
	if len(b.batch) >= b.size {
		return b.flush()
	}
	return nil
}

// flush hands on the records gathered so far. The batch becomes fn's: a
// new one is started.
func (b *batcher[T]) flush() error {
	if len(b.batch) == 0 {
		return b.ctx.Err()
	}
	if err := b.ctx.Err(); err != nil {
		return err
	}
	batch := b.batch
	b.batch = nil
	b.rep.Read += len(batch)
	return b.fn(batch)
}

// withhold drops the batch a fatal problem cut.
func (b *batcher[T]) withhold() {
	b.rep.Withheld += len(b.batch)
	b.batch = nil
}
