package synth

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/problem"
)

func TestWriteRegistry(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "registry")
	stats, err := WriteRegistry(dir, 4, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	people, insurance := csvBytes(t, 4, 10_000)
	for name, want := range map[string][]byte{"people.csv": people, "insurance.csv": insurance} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s differs from WriteCSV's output", name)
		}
	}
	if stats.Persons != 10_000 || stats.PeopleBytes != int64(len(people)) || stats.InsuranceBytes != int64(len(insurance)) ||
		stats.Insured != strings.Count(string(insurance), "\n")-1 || stats.Households == 0 || stats.SharedPhones == 0 {
		t.Errorf("stats %+v", stats)
	}
	checkNoTempFiles(t, dir)
	// Writing again replaces the files.
	if _, err := WriteRegistry(dir, 5, 100); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "people.csv")); strings.Count(string(got), "\n") != 101 {
		t.Errorf("rewritten people.csv has %d lines", strings.Count(string(got), "\n"))
	}
	checkNoTempFiles(t, dir)
}

// A failed write leaves no temporary file behind.
func TestWriteRegistryFailureLeavesNoTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A non-empty directory where insurance.csv goes makes the rename fail.
	if err := os.MkdirAll(filepath.Join(dir, "insurance.csv", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteRegistry(dir, 1, 1_000); err == nil {
		t.Fatal("WriteRegistry succeeded over a directory")
	}
	checkNoTempFiles(t, dir)
}

func TestWriteRegistryRefusesBadSize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := WriteRegistry(dir, 1, -5)
	var fe *problem.FieldError
	if !errors.Is(err, problem.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "persons" {
		t.Fatalf("err = %v, want a FieldError for persons", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files written: %v", entries)
	}
}

func checkNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// Streaming a million persons keeps memory bounded by a household: the
// live heap does not grow with the number of persons. Not parallel, so
// other tests do not disturb the heap.
func TestStreamingMemoryIsBounded(t *testing.T) {
	const n, every = 1_000_000, 100_000
	p := population(t, 61, n)
	var kept []uint64 // live heap after a collection, every 100,000 persons
	var ms runtime.MemStats
	i := 0
	for range p.All() {
		if i%every == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			kept = append(kept, ms.HeapAlloc)
		}
		i++
	}
	lo, hi := kept[0], kept[0]
	for _, k := range kept {
		lo, hi = min(lo, k), max(hi, k)
	}
	if hi-lo > 2<<20 {
		t.Errorf("live heap grew by %d KB while streaming: %v", (hi-lo)>>10, kept)
	}
	t.Logf("live heap while streaming %d persons: %d–%d KB", n, lo>>10, hi>>10)
}

// BenchmarkWriteRegistry measures writing the two files of 100,000
// persons; the persons/s metric must stay far above the 100,000 persons/s
// the registry loader is benchmarked at.
func BenchmarkWriteRegistry(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	var stats Stats
	for b.Loop() {
		var err error
		if stats, err = WriteRegistry(dir, 1, n); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "persons/s")
	b.ReportMetric(float64(stats.PeopleBytes+stats.InsuranceBytes)/n, "bytes/person")
}

// BenchmarkPopulationAll measures generating persons without writing them.
func BenchmarkPopulationAll(b *testing.B) {
	const n = 100_000
	p := population(b, 1, n)
	for b.Loop() {
		for range p.All() {
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "persons/s")
}
