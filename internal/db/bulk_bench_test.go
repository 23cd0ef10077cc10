package db_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
)

// BenchmarkInsertRows measures the bulk path on its own: 1,000,000 rows of a
// 17-byte text key and a 200-byte blob a transaction, no secondary index —
// the floor under every bulk load of SQLite rows of that size. It reports
// rows/s and, on Linux, the bytes the process passed to write() per row:
// statement journals on disk showed there as four times the row size.
func BenchmarkInsertRows(b *testing.B) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(engine), func(b *testing.B) {
			d := dbtest.New(b, engine)
			ctx := context.Background()
			const n = 1_000_000
			rows := make([][]any, n)
			for i := range rows {
				key := make([]byte, 8)
				rand.Read(key)
				blob := make([]byte, 200)
				rand.Read(blob)
				rows[i] = []any{fmt.Sprintf("p%x", key), blob}
			}
			var written int64
			i := 0
			for b.Loop() {
				b.StopTimer()
				table := "bench_" + strconv.Itoa(i)
				i++
				if _, err := d.Exec(ctx, "CREATE TABLE "+table+" (id TEXT PRIMARY KEY, v "+blobType(engine)+")"); err != nil {
					b.Fatal(err)
				}
				w0 := writeBytes()
				b.StartTimer()
				err := d.Transact(ctx, func(tx *db.DB) error {
					for start := 0; start < n; start += 2000 {
						if err := tx.InsertRows(ctx, table, []string{"id", "v"}, rows[start:start+2000], ""); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				written += writeBytes() - w0
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(written)/float64(b.N*n), "write-B/row")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func blobType(e db.Engine) string {
	if e == db.Postgres {
		return "BYTEA"
	}
	return "BLOB"
}

// writeBytes is what this process has passed to write() so far (Linux), or 0.
func writeBytes() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("wchar: ")); ok {
			n, _ := strconv.ParseInt(string(v), 10, 64)
			return n
		}
	}
	return 0
}

// TestSQLiteTemporaryFilesInMemory guards the setting that keeps statement
// journals off the disk during bulk loads.
func TestSQLiteTemporaryFilesInMemory(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	err := d.Transact(ctx, func(tx *db.DB) error { // the writer's connection
		var mode int
		if err := tx.QueryRow(ctx, "PRAGMA temp_store").Scan(&mode); err != nil {
			return err
		}
		if mode != 2 {
			t.Errorf("temp_store = %d, want 2 (memory)", mode)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
