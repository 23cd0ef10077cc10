package exposure

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
)

// seedKeys stores n sealed keys that became exportable at available, as
// uploads would have, in bulk (COPY on PostgreSQL).
func seedKeys(tb testing.TB, f *fixture, n int, available time.Time) {
	tb.Helper()
	ctx := context.Background()
	today := int32(gaen.IntervalNumber(available))/144*144 - 144
	const chunk = 100_000
	for done := 0; done < n; done += chunk {
		rows := make([][]any, 0, min(chunk, n-done))
		for i := done; i < min(done+chunk, n); i++ {
			k := gaen.NewTEK()
			rows = append(rows, []any{f.svc.keyMAC(k), f.sealer.Seal(fieldTEK, k), today - int32(i%14)*144, int32(144),
				int32(2), int32(gaen.ReportTypeConfirmedTest), int32(i%14 - 3), db.Millis(available), db.Millis(available)})
		}
		err := f.db.Transact(ctx, func(tx *db.DB) error { return tx.InsertRows(ctx, "exposure_keys", keyColumns, rows, "") })
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkExport1M times cutting and signing the export of 1,000,000 keys
// from the database: read and open the sealed keys, split them into files of
// 30,000, sign and zip each, store the files. Target: ≤ 10 s.
//
//	go test ./internal/exposure -run '^$' -bench Export1M -benchtime 1x
func BenchmarkExport1M(b *testing.B) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(engine), func(b *testing.B) {
			f := newFixture(b, dbtest.New(b, engine), DefaultConfig())
			ctx := context.Background()
			const n = 1_000_000
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				seedKeys(b, f, n, f.clock.Now())
				f.clock.Advance(time.Hour)
				b.StartTimer()
				rep, err := f.svc.Export(ctx, true)
				if err != nil || rep.Keys != n || len(rep.Files) != 34 {
					b.Fatalf("export: %d keys in %d files, %v", rep.Keys, len(rep.Files), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/1000, "s/export")
		})
	}
}

// BenchmarkExportSmall is the hourly job's usual size: 2,000 keys.
func BenchmarkExportSmall(b *testing.B) {
	f := newFixture(b, dbtest.New(b, db.SQLite), DefaultConfig())
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		seedKeys(b, f, 2000, f.clock.Now())
		f.clock.Advance(time.Hour)
		b.StartTimer()
		if rep, err := f.svc.Export(context.Background(), true); err != nil || rep.Keys != 2000 {
			b.Fatal(fmt.Sprint(rep.Keys), err)
		}
	}
}
