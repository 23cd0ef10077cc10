package checkin_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
)

// BenchmarkCheckIn measures the domain path alone — parse the code, find
// the venue (cached), group-commit durably — with many goroutines at once,
// on each engine: go test -bench CheckIn -cpu 2 ./internal/checkin
func BenchmarkCheckIn(b *testing.B) {
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(e), func(b *testing.B) {
			d := dbtest.New(b, e)
			svc := checkin.NewService(d, newSealer(b), nil, clock.System{}, checkin.Config{})
			defer svc.Close()
			ctx := context.Background()
			var codes []string
			for i := range 100 {
				n := goodVenue()
				n.Name += strconv.Itoa(i)
				v, err := svc.RegisterVenue(ctx, citizenA, n)
				if err != nil {
					b.Fatal(err)
				}
				codes = append(codes, v.Code)
			}
			var seq atomic.Int64
			run := strconv.FormatInt(time.Now().UnixNano(), 36)
			b.SetParallelism(128)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := seq.Add(1)
					_, err := svc.CheckIn(ctx, citizenA, "person-"+strconv.FormatInt(i%5000, 10),
						checkin.Scan{ID: run + "-" + strconv.FormatInt(i, 10), Code: codes[(i/5000)%100]})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			st := svc.Stats()
			b.ReportMetric(float64(st.CheckIns)/float64(max(1, st.Batches)), "checkins/tx")
		})
	}
}
