package synth

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// The records of a source are generated household by household, but an
// export lists them in no such order: the sample's files are shuffled, and
// a dump whose consecutive keys belong to one family would hand a linkage
// engine the answer. So each source spills its records to bucket files in
// a temporary folder, each record to a bucket drawn at random, and at the
// end reads the buckets back one at a time, shuffles each in memory and
// writes them out. That is a uniform shuffle, and memory holds one bucket:
// about bucketTarget records, whatever the size of the dump.

// bucketTarget is the number of records a spill bucket is sized for.
const bucketTarget = 1 << 16

// maxBuckets bounds the open bucket files of one source; beyond it
// buckets grow instead (a dump of 100 million persons holds about 400,000
// records in the biggest buckets).
const maxBuckets = 256

// recordSink collects the records of one output file.
type recordSink struct {
	source   string // source name in truth.csv
	truthDir string // prefix of the record_key in truth.csv: "BV_BACHMAI/" for labs
	path     string // final path of the file

	// Records of sources with sequential keys (NC-000123) get them when
	// written, in shuffled order: keyPrefix and keyWidth say how, and
	// lineStart is what a record's line has before the key; the record
	// body is what follows the key. Other records carry their own key (a
	// Bluezone id, a profile id) and their body is whole.
	keyPrefix string
	keyWidth  int
	lineStart []byte

	head, sep, tail []byte // file start, between records, file end
	last            []byte // after the last record, if there is one

	files []*os.File
	ws    []*bufio.Writer
	n     int
}

// newSink creates the bucket files of a sink in spill for about expected
// records.
func newSink(spill, source, path string, expected int) (*recordSink, error) {
	k := min(max(1, expected/bucketTarget), maxBuckets)
	s := &recordSink{source: source, path: path}
	for i := 0; i < k; i++ {
		f, err := os.CreateTemp(spill, "bucket-*")
		if err != nil {
			s.close()
			return nil, fmt.Errorf("synth: %w", err)
		}
		s.files = append(s.files, f)
		s.ws = append(s.ws, bufio.NewWriterSize(f, 32<<10))
	}
	return s, nil
}

// put spills one record: the person it is (truth.csv's person_key), its
// own key or "" for a sequential one, and its bytes.
func (s *recordSink) put(r *rand.Rand, person, key string, body []byte) {
	w := s.ws[0]
	if len(s.ws) > 1 {
		w = s.ws[r.IntN(len(s.ws))]
	}
	var n [binary.MaxVarintLen64]byte
	w.Write(n[:binary.PutUvarint(n[:], uint64(len(person)))])
	w.WriteString(person)
	w.Write(n[:binary.PutUvarint(n[:], uint64(len(key)))])
	w.WriteString(key)
	w.Write(n[:binary.PutUvarint(n[:], uint64(len(body)))])
	w.Write(body)
	s.n++
}

// spilled is one record read back from a bucket.
type spilled struct{ person, key, body []byte }

// finish writes the sink's file atomically, in shuffled order, and its
// lines of truth.csv; it returns the file's size.
func (s *recordSink) finish(r *rand.Rand, truth *bufio.Writer) (int64, error) {
	out, err := newAtomicFile(filepath.Dir(s.path), filepath.Base(s.path))
	if err != nil {
		return 0, err
	}
	defer out.abort()
	out.w.Write(s.head)
	var (
		data    []byte
		entries []spilled
		key     []byte
		seq     uint64
	)
	first := true
	for i := range s.files {
		if data, err = s.readBucket(i, data); err != nil {
			return 0, err
		}
		if entries, err = parseSpilled(data, entries[:0]); err != nil {
			return 0, fmt.Errorf("synth: spill of %s: %w", s.path, err)
		}
		r.Shuffle(len(entries), func(a, b int) { entries[a], entries[b] = entries[b], entries[a] })
		for _, e := range entries {
			if !first {
				out.w.Write(s.sep)
			}
			first = false
			k := e.key
			if s.keyPrefix != "" {
				seq++
				key = appendPadded(append(key[:0], s.keyPrefix...), seq, s.keyWidth)
				out.w.Write(s.lineStart)
				out.w.Write(key)
				k = key
			}
			out.w.Write(e.body)
			s.writeTruth(truth, k, e.person)
		}
	}
	if !first {
		out.w.Write(s.last)
	}
	out.w.Write(s.tail)
	return out.commit()
}

// writeTruth writes the truth.csv line of one record.
func (s *recordSink) writeTruth(truth *bufio.Writer, key, person []byte) {
	truth.WriteString(s.source)
	truth.WriteByte(',')
	truth.WriteString(s.truthDir)
	truth.Write(key)
	truth.WriteByte(',')
	truth.Write(person)
	truth.WriteByte('\n')
}

// readBucket flushes bucket i and reads it back whole into buf.
func (s *recordSink) readBucket(i int, buf []byte) ([]byte, error) {
	f := s.files[i]
	if err := s.ws[i].Flush(); err != nil {
		return buf, fmt.Errorf("synth: %w", err)
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		return buf, fmt.Errorf("synth: %w", err)
	}
	if int64(cap(buf)) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	if _, err := io.ReadFull(f, buf); err != nil {
		return buf, fmt.Errorf("synth: %w", err)
	}
	return buf, nil
}

var errSpill = errors.New("corrupt spill record")

func parseSpilled(data []byte, out []spilled) ([]spilled, error) {
	field := func() ([]byte, bool) {
		n, k := binary.Uvarint(data)
		if k <= 0 || uint64(len(data)-k) < n {
			return nil, false
		}
		f := data[k : k+int(n)]
		data = data[k+int(n):]
		return f, true
	}
	for len(data) > 0 {
		var e spilled
		var ok1, ok2, ok3 bool
		e.person, ok1 = field()
		e.key, ok2 = field()
		e.body, ok3 = field()
		if !ok1 || !ok2 || !ok3 {
			return out, errSpill
		}
		out = append(out, e)
	}
	return out, nil
}

// close closes the bucket files; the spill folder is removed by the
// caller.
func (s *recordSink) close() {
	for _, f := range s.files {
		f.Close()
	}
}
