package health_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/health"
)

// BenchmarkIngestLabResults sends batches of 500 lab results for registry
// people (name, birth year, sex, CCCD or CMND, phone, as labs write them),
// each looked up and tied by the linking rules and stored with its inbox
// notice, on each engine. results/s is the rate of results taken in.
func BenchmarkIngestLabResults(b *testing.B) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(engine), func(b *testing.B) {
			f := newFixture(b, dbtest.New(b, engine))
			const batch = 500
			ctx := context.Background()
			n := 0
			next := func() []health.TestInput {
				out := make([]health.TestInput, batch)
				for i := range out {
					p := f.people[(n*batch+i)%len(f.people)]
					out[i] = testFor(p, fmt.Sprintf("B%d-%d", n, i), "negative")
					if i%3 == 0 {
						out[i].Person.IDNumber = p["old_id"] // some labs still write the CMND
					}
				}
				n++
				return out
			}
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				recs := next()
				b.StartTimer()
				res, err := f.ingest.SubmitTests(ctx, f.lab, health.ViaAPI, recs)
				if err != nil {
					b.Fatal(err)
				}
				if res.Linked+res.Review != batch {
					b.Fatalf("%+v", res)
				}
			}
			b.ReportMetric(float64(n*batch)/b.Elapsed().Seconds(), "results/s")
		})
	}
}
