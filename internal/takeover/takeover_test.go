package takeover

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/bluezone"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/legacy"
	"github.com/pccovid/pccovid/internal/linkage"
	"github.com/pccovid/pccovid/internal/seal"
)

const sampleDir = "testdata/sample"

// keys is one key ring shared by the tests that compare two databases:
// unverified persons' ids are derived with it.
var keys = func() *seal.KeyFile {
	kf, err := seal.NewKeyFile(time.Date(2021, 9, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	return kf
}()

func newService(t testing.TB, d *db.DB) *Service {
	t.Helper()
	ring, err := keys.Ring()
	if err != nil {
		t.Fatal(err)
	}
	s := seal.NewSealer(ring)
	c := clock.NewFake(time.Date(2022, 3, 15, 9, 0, 0, 0, time.UTC))
	g := access.NewGuard(access.NewTrail(d, s, c))
	persons := identity.NewStore(d, s, g, c)
	return NewService(d, s, persons, health.NewStore(d, s, g, c), declaration.NewStore(d, s, g, c), bluezone.NewStore(d), g, c,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func export(t testing.TB, s *Service) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := s.ExportLinkage(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readTruth(t testing.TB) linkage.Mapping {
	t.Helper()
	f, err := os.Open(filepath.Join(sampleDir, "truth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := linkage.ReadMapping(f, "truth.csv")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSampleLinkageQuality is the contract's acceptance test on its sample:
// every record taken over, no record tied to the wrong citizen, and the
// pairwise F1 targets.
func TestSampleLinkageQuality(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		rep, err := s.Import(context.Background(), sampleDir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Records != 5816 {
			t.Fatalf("read %d records, want 5816", rep.Records)
		}
		got, err := linkage.ReadMapping(bytes.NewReader(export(t, s)), "export")
		if err != nil {
			t.Fatal(err)
		}
		truth := readTruth(t)
		all := linkage.Evaluate(truth, got, func(string) bool { return true })
		noBZ := linkage.Evaluate(truth, got, func(src string) bool { return src != "bluezone" })
		t.Logf("all: P %.4f R %.4f F1 %.4f; without Bluezone: P %.4f R %.4f F1 %.4f", all.Precision, all.Recall, all.F1,
			noBZ.Precision, noBZ.Recall, noBZ.F1)
		if all.Coverage() != 1 {
			t.Errorf("coverage %.4f, want 1", all.Coverage())
		}
		if all.WrongCCCD != 0 {
			t.Errorf("%d records tied to the wrong citizen", all.WrongCCCD)
		}
		if noBZ.F1 < 0.998 {
			t.Errorf("F1 without Bluezone %.4f < 0.998", noBZ.F1)
		}
		if all.F1 < 0.965 {
			t.Errorf("F1 overall %.4f < 0.965", all.F1)
		}
	})
}

// TestSampleHardCasesStayApart checks the hard cases one by one: twins,
// shared-phone families.
func TestSampleHardCasesStayApart(t *testing.T) {
	d := dbtest.SQLite(t)
	s := newService(t, d)
	if _, err := s.Import(context.Background(), sampleDir, Options{}); err != nil {
		t.Fatal(err)
	}
	got, _ := linkage.ReadMapping(bytes.NewReader(export(t, s)), "export")
	truth := readTruth(t)
	// Any two records the export puts on one person must be one person in
	// truth (precision 1 restated per pair, with the pair named on failure).
	byGot := map[string][][2]string{}
	for k, p := range got {
		byGot[p] = append(byGot[p], k)
	}
	for p, ks := range byGot {
		for _, k := range ks[1:] {
			if truth[k] != truth[ks[0]] {
				t.Errorf("person %s holds %v (truth %s) and %v (truth %s)", p, ks[0], truth[ks[0]], k, truth[k])
			}
		}
	}
}

// TestDeclarationsKeepTheDeclaredName: a taken-over declaration carries
// the name it was made under, which the verifier at a checkpoint shows
// (masked) beside the journey.
func TestDeclarationsKeepTheDeclaredName(t *testing.T) {
	ctx := context.Background()
	d := dbtest.SQLite(t)
	s := newService(t, d)
	if _, err := s.Import(ctx, sampleDir, Options{}); err != nil {
		t.Fatal(err)
	}
	var person string
	if err := d.QueryRow(ctx, "SELECT person_id FROM declarations WHERE source = 'vhd' ORDER BY id LIMIT 1").Scan(&person); err != nil {
		t.Fatal(err)
	}
	sub, err := s.persons.Subject(ctx, person)
	if err != nil {
		t.Fatal(err)
	}
	req := access.Request{Actor: access.System("test"), Purpose: access.PurposeLinkageReview, Ref: "test"}
	ds, err := s.decls.ForPerson(ctx, req, sub)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) == 0 {
		t.Fatal("no declarations")
	}
	for _, x := range ds {
		if x.Details.FullName == "" || x.Details.FullName != strings.TrimSpace(x.Details.FullName) {
			t.Errorf("declaration %s: declared name %q", x.ID, x.Details.FullName)
		}
	}
}

func TestReimportChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		ctx := context.Background()
		if _, err := s.Import(ctx, sampleDir, Options{}); err != nil {
			t.Fatal(err)
		}
		before := tableCounts(t, d)
		first := export(t, s)
		rep, err := s.Import(ctx, sampleDir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Earlier != rep.Records || rep.NewPersons != 0 {
			t.Fatalf("second import: %d of %d records earlier, %d new persons", rep.Earlier, rep.Records, rep.NewPersons)
		}
		if after := tableCounts(t, d); after != before {
			t.Fatalf("tables changed:\n%s\n%s", before, after)
		}
		if !bytes.Equal(first, export(t, s)) {
			t.Fatal("the linkage changed on re-import")
		}
	})
}

// tableCounts summarises the tables an import writes.
func tableCounts(t testing.TB, d *db.DB) string {
	var b strings.Builder
	for _, tbl := range []string{"persons", "person_identifiers", "person_managers", "legacy_records", "linkage_reviews",
		"declarations", "vaccinations", "test_results", "health_conditions", "bluezone_apps", "bluezone_contacts"} {
		var n int
		if err := d.QueryRow(context.Background(), "SELECT count(*) FROM "+tbl).Scan(&n); err != nil {
			t.Fatal(err)
		}
		b.WriteString(tbl + "=" + itoa(n) + " ")
	}
	return b.String()
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			return string(b[i:])
		}
	}
}

func TestKilledImportResumesToTheSameResult(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		whole := newService(t, dbtest.New(t, d.Engine()))
		if _, err := whole.Import(ctx, sampleDir, Options{BatchSize: 500}); err != nil {
			t.Fatal(err)
		}
		want := export(t, whole)
		wantCounts := tableCounts(t, whole.db)

		s := newService(t, d)
		// Stopped twice, at different points, then finished; each batch is
		// built in chunks of 200 records, and the finishing run asks for
		// another batch size, which must not move the resume point.
		for _, stop := range []int{3, 7} {
			if _, err := s.Import(ctx, sampleDir, Options{BatchSize: 500, stopAfter: stop, chunk: 200}); !errors.Is(err, ErrStopped) {
				t.Fatalf("stopped import: %v", err)
			}
			if stop == 3 {
				// As if started by a version that did not record its batch
				// size: the next run writes everything again.
				if _, err := d.Exec(ctx, "UPDATE takeover_runs SET batch_size = 0"); err != nil {
					t.Fatal(err)
				}
			}
		}
		rep, err := s.Import(ctx, sampleDir, Options{BatchSize: 1000, chunk: 200})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Resumed {
			t.Fatal("the third run did not resume the stopped one")
		}
		if got := export(t, s); !bytes.Equal(got, want) {
			t.Fatalf("resumed import differs from an uninterrupted one:\n%s", firstDiff(got, want))
		}
		if got := tableCounts(t, d); got != wantCounts {
			t.Fatalf("tables differ:\nresumed %s\nwhole   %s", got, wantCounts)
		}
	})
}

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < min(len(la), len(lb)); i++ {
		if la[i] != lb[i] {
			return la[i] + "\n" + lb[i]
		}
	}
	return "lengths differ"
}

// olderDump writes a copy of the sample with only the first share of each
// file's records: the dump an earlier import would have had.
func olderDump(t *testing.T, share float64) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.Walk(sampleDir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(sampleDir, path)
		out := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(out), 0o755)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasPrefix(rel, "registry") || rel == "truth.csv" || strings.HasSuffix(rel, ".json") {
			return os.WriteFile(out, b, 0o644)
		}
		return os.WriteFile(out, headLines(b, share), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// headLines keeps the header and the first share of the lines.
func headLines(b []byte, share float64) []byte {
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	keep := 1 + int(float64(len(lines)-1)*share)
	return append(bytes.Join(lines[:keep], []byte("\n")), '\n')
}

func TestIncrementalImportKeepsIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		older := olderDump(t, 0.6)
		rep1, err := s.Import(ctx, older, Options{})
		if err != nil {
			t.Fatal(err)
		}
		first, _ := linkage.ReadMapping(bytes.NewReader(export(t, s)), "first")
		rep2, err := s.Import(ctx, sampleDir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep2.Earlier != rep1.Records || rep2.Records != 5816 {
			t.Fatalf("second import: %d earlier of %d, first had %d", rep2.Earlier, rep2.Records, rep1.Records)
		}
		second, _ := linkage.ReadMapping(bytes.NewReader(export(t, s)), "second")
		for k, p := range first {
			if second[k] != p {
				t.Fatalf("record %v moved from %s to %s", k, p, second[k])
			}
		}
		truth := readTruth(t)
		m := linkage.Evaluate(truth, second, func(src string) bool { return src != "bluezone" })
		if m.WrongCCCD != 0 || m.F1 < 0.995 || m.Coverage() != 1 {
			t.Fatalf("after an incremental import: F1 %.4f, wrong CCCD %d, coverage %.4f", m.F1, m.WrongCCCD, m.Coverage())
		}
	})
}

func TestDryRunWritesNothing(t *testing.T) {
	rep, err := DryRun(context.Background(), sampleDir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	rep.WriteText(&buf)
	if !strings.Contains(buf.String(), "5816 record(s) read") {
		t.Fatalf("dry run report:\n%s", buf.String())
	}
}

// TestDumpChangedBetweenLinkingAndWriting: the write reads the dump a
// second time; if a record is not the one linked at its place, the import
// stops with an error naming it, before that batch is written.
func TestDumpChangedBetweenLinkingAndWriting(t *testing.T) {
	ctx := context.Background()
	changed := t.TempDir()
	if err := os.CopyFS(changed, os.DirFS(sampleDir)); err != nil {
		t.Fatal(err)
	}
	vhd := filepath.Join(changed, "vhd", "declarations.csv")
	b, err := os.ReadFile(vhd)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vhd, bytes.Replace(b, []byte("VHD0000001,"), []byte("VHD9999999,"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	d := dbtest.SQLite(t)
	s := newService(t, d)
	orig, err := legacy.Open(sampleDir)
	if err != nil {
		t.Fatal(err)
	}
	rep := &Report{ByMethod: map[string]int{}}
	noop := func(string, int, int) {}
	lks, names, err := s.readDump(ctx, orig, rep, noop)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.startRun(ctx, "test", 500)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.plan(ctx, r.id, lks, names, rep, noop)
	if err != nil {
		t.Fatal(err)
	}
	dump, err := legacy.Open(changed)
	if err != nil {
		t.Fatal(err)
	}
	err = s.write(ctx, dump, r, p, Options{BatchSize: 500}, noop)
	if err == nil || !strings.Contains(err.Error(), "the dump changed") || !strings.Contains(err.Error(), "VHD9999999") {
		t.Fatalf("write of a changed dump: %v", err)
	}
	var n int
	if err := d.QueryRow(ctx, "SELECT count(*) FROM legacy_records WHERE source = 'vhd'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d VHD records written from a changed dump", n)
	}
}
