package app

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

// TestPurgeDeletesContactDataPastRetention takes over the sample dump of
// 2021 (every journey and Bluetooth contact in it is years past the 21-day
// window) and checks that `pccovid purge` deletes the contact data and
// nothing else.
func TestPurgeDeletesContactDataPastRetention(t *testing.T) {
	dump := filepath.Join("..", "takeover", "testdata", "sample")
	for name, dbFlags := range engines(t) {
		t.Run(name, func(t *testing.T) {
			data := t.TempDir()
			common := append([]string{"--data", data, "--log-level", "error"}, dbFlags...)
			if out, err := run(t, append(append([]string{"import"}, common...), dump)...); err != nil {
				t.Fatalf("import: %v\n%s", err, out)
			}
			const (
				travel    = "SELECT count(*) FROM declarations WHERE kind <> 'SELFCHECK'"
				bluetooth = "SELECT count(*) FROM bluezone_contacts"
				persons   = "SELECT count(*) FROM persons"
				doses     = "SELECT count(*) FROM vaccinations"
			)
			before := countAll(t, data, dbFlags, travel, bluetooth, persons, doses)
			if before[0] == 0 || before[1] == 0 || before[2] == 0 || before[3] == 0 {
				t.Fatalf("the dump took over too little to test the purge: %v", before)
			}
			out, err := run(t, append([]string{"purge"}, common...)...)
			if err != nil || !strings.Contains(out, "travel declarations") {
				t.Fatalf("purge: %v\n%s", err, out)
			}
			after := countAll(t, data, dbFlags, travel, bluetooth, persons, doses)
			if after[0] != 0 || after[1] != 0 {
				t.Errorf("after the purge: %d travel declarations and %d Bluetooth contacts remain", after[0], after[1])
			}
			if after[2] != before[2] || after[3] != before[3] {
				t.Errorf("the purge touched what is not contact data: persons %d → %d, doses %d → %d", before[2], after[2], before[3], after[3])
			}
		})
	}
}

// countAll opens the app's database and runs each count query.
func countAll(t *testing.T, data string, dbFlags []string, queries ...string) []int {
	t.Helper()
	ctx := context.Background()
	cfg := Config{DataDir: data, LogLevel: "error"}
	if len(dbFlags) == 2 {
		cfg.Database = dbFlags[1]
	}
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	out := make([]int, len(queries))
	for i, q := range queries {
		if err := a.DB.QueryRow(ctx, q).Scan(&out[i]); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return out
}
