package legacy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/vn"
)

// benchCopies is how many times the benchmarks repeat the sample: about
// 58,000 records for the mix.
const benchCopies = 10

// writeBenchDump writes to dir the sample files of the given sources,
// each repeated benchCopies times. Free-text addresses get a different
// house number in every copy, so that the address cache hits no more often
// than on real data, where most addresses are a person's own; the place
// names of declarations recur as they do in real data.
func writeBenchDump(tb testing.TB, dir string, sources ...string) {
	tb.Helper()
	for _, src := range sources {
		names, err := filepath.Glob(filepath.Join("testdata/sample", src))
		if err != nil || len(names) == 0 {
			tb.Fatalf("no sample file %s", src)
		}
		for _, from := range names {
			rel, _ := filepath.Rel("testdata/sample", from)
			to := filepath.Join(dir, rel)
			if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
				tb.Fatal(err)
			}
			data, err := os.ReadFile(from)
			if err != nil {
				tb.Fatal(err)
			}
			var out []byte
			switch {
			case strings.HasSuffix(rel, ".json"):
				out = repeatJSONArray(tb, data)
			case strings.HasPrefix(rel, "labtests"):
				out = repeatCSV(tb, data, ',', "dia_chi")
			default:
				out = repeatLines(data)
			}
			if err := os.WriteFile(to, out, 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

// repeatLines repeats the lines after the first (a header) benchCopies
// times.
func repeatLines(data []byte) []byte {
	start := 0
	if !bytes.HasSuffix(data, []byte("\n")) {
		data = append(data, '\n')
	}
	if i := bytes.IndexByte(data, '\n'); !bytes.HasPrefix(data, []byte("{")) {
		start = i + 1
	}
	out := append([]byte(nil), data[:start]...)
	for range benchCopies {
		out = append(out, data[start:]...)
	}
	return out
}

// repeatCSV repeats the rows of a CSV file, prefixing the column col with
// a house number that differs in every copy.
func repeatCSV(tb testing.TB, data []byte, comma rune, col string) []byte {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = comma
	rows, err := r.ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	at := -1
	for i, h := range rows[0] {
		if h == col {
			at = i
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = comma
	w.Write(rows[0])
	for c := range benchCopies {
		for _, row := range rows[1:] {
			row = append([]string(nil), row...)
			row[at] = "Số " + strconv.Itoa(c+1) + ", " + row[at]
			w.Write(row)
		}
	}
	w.Flush()
	return buf.Bytes()
}

// repeatJSONArray repeats the elements of the health book's array (one a
// line in the sample), varying addresses like repeatCSV.
func repeatJSONArray(tb testing.TB, data []byte) []byte {
	var elems [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := bytes.TrimSuffix(sc.Bytes(), []byte(",")); bytes.HasPrefix(line, []byte("{")) {
			elems = append(elems, append([]byte(nil), line...))
		}
	}
	if len(elems) == 0 {
		tb.Fatal("no profiles")
	}
	var out bytes.Buffer
	out.WriteString("[\n")
	for c := range benchCopies {
		for i, e := range elems {
			if c > 0 || i > 0 {
				out.WriteString(",\n")
			}
			out.Write(bytes.Replace(e, []byte(`"address":"`), []byte(`"address":"Số `+strconv.Itoa(c+1)+`, `), 1))
		}
	}
	out.WriteString("\n]\n")
	return out.Bytes()
}

// benchRead reads the dump in dir b.N times and reports records per
// second of wall-clock time and of CPU time (see cpuTime).
func benchRead(b *testing.B, dir string) {
	d, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	vn.AdminUnits() // loaded once per process, not per read
	records := 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		rep, err := d.Read(context.Background(), 1000, func(batch []Record) error {
			records += len(batch)
			return nil
		})
		if err != nil || rep.SetAside > 0 || rep.Failed > 0 {
			b.Fatalf("read: %v, %d set aside, %d failed", err, rep.SetAside, rep.Failed)
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	if cpu := cpuTime() - cpu; cpu > 0 {
		b.ReportMetric(float64(records)/cpu.Seconds(), "records/cpu-s")
	}
}

func benchSource(b *testing.B, sources ...string) {
	dir := b.TempDir()
	writeBenchDump(b, dir, sources...)
	benchRead(b, dir)
}

func BenchmarkReadBluezone(b *testing.B)    { benchSource(b, "bluezone/users.csv") }
func BenchmarkReadNCOVI(b *testing.B)       { benchSource(b, "ncovi/declarations.jsonl") }
func BenchmarkReadVHD(b *testing.B)         { benchSource(b, "vhd/declarations.csv") }
func BenchmarkReadHealthbook(b *testing.B)  { benchSource(b, "healthbook/profiles.json") }
func BenchmarkReadVaccination(b *testing.B) { benchSource(b, "vaccination/doses.csv") }
func BenchmarkReadLabtests(b *testing.B)    { benchSource(b, "labtests/*.csv") }

// BenchmarkReadMix reads every source in the proportions of the sample.
func BenchmarkReadMix(b *testing.B) {
	benchSource(b, "bluezone/users.csv", "ncovi/declarations.jsonl", "vhd/declarations.csv",
		"healthbook/profiles.json", "vaccination/doses.csv", "labtests/*.csv")
}

func BenchmarkContacts(b *testing.B) {
	dir := b.TempDir()
	writeBenchDump(b, dir, "bluezone/contacts.csv")
	d, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Contacts(context.Background(), func(c []Contact) error { n += len(c); return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "contacts/s")
}
