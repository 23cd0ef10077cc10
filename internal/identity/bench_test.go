package identity_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/synth"
)

// benchPersons is the extract size of BenchmarkLoadExtract; set
// PCCOVID_BENCH_PERSONS=1000000 for the figure in BENCHMARKS.md.
func benchPersons() int {
	if n, err := strconv.Atoi(os.Getenv("PCCOVID_BENCH_PERSONS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// BenchmarkLoadExtract loads a synthetic registry extract into a fresh
// database of each engine, against the parse-only baseline (CheckExtract).
// It reports persons/s.
func BenchmarkLoadExtract(b *testing.B) {
	dir := b.TempDir()
	n := benchPersons()
	if _, err := synth.WriteRegistry(dir, 1, n); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, target := range []string{"parse", "sqlite", "postgres"} {
		b.Run(target, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				d := dbtest.SQLite(b)
				if target == "postgres" {
					d = dbtest.New(b, db.Postgres)
				}
				f := newFixture(b, d)
				load := f.store.LoadExtract
				if target == "parse" {
					load = f.store.CheckExtract
				}
				b.StartTimer()
				if _, err := load(ctx, dir, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "persons/s")
		})
	}
}
