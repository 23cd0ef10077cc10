package exposure

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/problem"
)

// exported reads every published file back, checks its signature with the
// listed export key it names, and returns the keys and the batches.
func exported(t testing.TB, f *fixture) ([]gaen.Key, []gaen.ExportBatch) {
	t.Helper()
	ctx := context.Background()
	signers, err := f.svc.SigningKeys(ctx, UseExport)
	if err != nil {
		t.Fatal(err)
	}
	index, err := f.svc.Index(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var keys []gaen.Key
	var batches []gaen.ExportBatch
	for _, name := range strings.Fields(string(index)) {
		data, _, err := f.svc.ExportData(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := gaen.ReadExport(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		i := slices.IndexFunc(signers, func(sk *SigningKey) bool {
			return sk.KeyVersion() == b.SignatureInfos[0].VerificationKeyVersion
		})
		if i < 0 {
			t.Fatalf("%s is signed by key %q, which is not listed", name, b.SignatureInfos[0].VerificationKeyVersion)
		}
		if err := gaen.VerifyExport(data, signers[i].Public); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		keys = append(keys, b.Keys...)
		batches = append(batches, b)
	}
	return keys, batches
}

func hasKey(keys []gaen.Key, k gaen.Key) bool {
	return slices.ContainsFunc(keys, func(o gaen.Key) bool { return bytes.Equal(o.Data, k.Data) })
}

func TestExportHoldsBackTodaysKeyAndSigns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, testConfig())
		ctx := context.Background()
		keys := history(f.clock.Now(), 13)
		f.publish(t, keys)
		// Until the upload's window has passed (and ExportDelay after it)
		// nothing is cut.
		f.clock.Set(f.svc.window(testNow).Add(time.Hour + time.Minute - time.Second))
		if rep, err := f.svc.Export(ctx, true); err != nil || rep.BatchID != "" {
			t.Fatalf("export before the upload's window has passed: %+v %v", rep, err)
		}
		f.settle()
		rep, err := f.svc.Export(ctx, true)
		if err != nil || rep.Keys != 13 || len(rep.Files) != 1 {
			t.Fatalf("export: %+v %v", rep, err)
		}
		got, batches := exported(t, f)
		b := batches[0]
		if b.Region != "VN" || b.BatchNum != 1 || b.BatchSize != 1 || len(got) != 13 || hasKey(got, keys[13]) {
			t.Fatalf("batch %+v with %d keys (today's key exported: %v)", b, len(got), hasKey(got, keys[13]))
		}
		if si := b.SignatureInfos[0]; si.VerificationKeyVersion != "v1" || si.VerificationKeyID != "452" || si.SignatureAlgorithm != gaen.SignatureAlgorithmP256SHA256 {
			t.Fatalf("signature info %+v", si)
		}
		for _, k := range keys[:13] {
			i := slices.IndexFunc(got, func(o gaen.Key) bool { return bytes.Equal(o.Data, k.Data) })
			if i < 0 || got[i].IntervalNumber != k.IntervalNumber || got[i].ReportType != gaen.ReportTypeConfirmedTest ||
				got[i].TransmissionRisk != 2 || got[i].DaysSinceOnset == nil {
				t.Fatalf("key %d exported as %+v", k.IntervalNumber, got)
			}
		}
		// Today's key goes out in the first batch after it expired.
		f.clock.Set(keys[13].Expiry().Add(time.Minute + time.Second))
		if rep, err = f.svc.Export(ctx, false); err != nil || rep.Keys != 1 {
			t.Fatalf("second export: %+v %v", rep, err)
		}
		got, batches = exported(t, f)
		if len(batches) != 2 || len(got) != 14 || !hasKey(batches[1].Keys, keys[13]) || !batches[1].StartTime.Equal(batches[0].EndTime) {
			t.Fatalf("%d batches, %d keys", len(batches), len(got))
		}
		// Without force, the job waits a whole ExportPeriod.
		f.publish(t, history(f.clock.Now(), 2)[:1])
		f.clock.Advance(50 * time.Minute)
		if rep, err := f.svc.Export(ctx, false); err != nil || rep.BatchID != "" {
			t.Fatalf("export within the period: %+v %v", rep, err)
		}
		f.settle()
		if rep, err := f.svc.Export(ctx, false); err != nil || rep.Keys != 1 {
			t.Fatalf("export after the period: %+v %v", rep, err)
		}
	})
}

func TestExportSplitsAndPads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cfg := testConfig()
		cfg.MaxKeysPerFile, cfg.MinKeysPerBatch = 200, 500
		f := newFixture(t, d, cfg)
		keys := history(f.clock.Now(), 13)[:13]
		f.publish(t, keys)
		f.settle()
		rep, err := f.svc.Export(context.Background(), true)
		if err != nil || rep.Keys != 13 || rep.Padding != 487 || len(rep.Files) != 3 {
			t.Fatalf("%+v %v", rep, err)
		}
		got, batches := exported(t, f)
		if len(got) != 500 {
			t.Fatalf("%d keys exported, want 500", len(got))
		}
		for i, b := range batches {
			if b.BatchNum != int32(i+1) || b.BatchSize != 3 || len(b.Keys) > 200 {
				t.Fatalf("file %d: batch %d/%d with %d keys", i, b.BatchNum, b.BatchSize, len(b.Keys))
			}
		}
		starts := map[int32]bool{}
		for _, k := range keys {
			if !hasKey(got, k) {
				t.Fatal("a published key is missing")
			}
			starts[k.IntervalNumber] = true
		}
		for _, k := range got {
			if !starts[k.IntervalNumber] || k.ReportType != gaen.ReportTypeConfirmedTest || k.IntervalCount != 144 {
				t.Fatalf("padding key %+v does not look like the real ones", k)
			}
		}
	})
}

func TestExportTakeOverAfterCrash(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, testConfig())
		ctx := context.Background()
		f.publish(t, history(f.clock.Now(), 5)[:5])
		f.settle()
		// A server claims the batch and dies before finishing it.
		dead, err := f.svc.claimBatch(ctx, true)
		if err != nil || dead == nil {
			t.Fatalf("claim: %v", err)
		}
		if rep, err := f.svc.Export(ctx, true); err != nil || rep.BatchID != "" {
			t.Fatalf("export while the batch is leased: %+v %v", rep, err)
		}
		f.clock.Advance(f.svc.cfg.ExportLease + time.Second)
		rep, err := f.svc.Export(ctx, true)
		if err != nil || !rep.TookOver || rep.BatchID != dead.id || rep.Keys != 5 {
			t.Fatalf("take-over: %+v %v", rep, err)
		}
		// The dead server comes back: its work is refused.
		if err := f.svc.finishBatch(ctx, dead, nil, 5); !errors.Is(err, problem.ErrConflict) {
			t.Fatalf("late finish: %v", err)
		}
		if got, _ := exported(t, f); len(got) != 5 {
			t.Fatalf("%d keys exported", len(got))
		}
	})
}

func TestExportOnSeveralServersAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, testConfig())
		f.publish(t, history(f.clock.Now(), 13))
		f.settle()
		servers := []*Service{f.svc}
		for range 3 {
			servers = append(servers, New(d, f.sealer, access.NewGuard(f.trail), f.clock, f.delivery, testConfig()))
		}
		var wg sync.WaitGroup
		reps := make([]ExportReport, len(servers))
		errs := make([]error, len(servers))
		for i, s := range servers {
			wg.Go(func() { reps[i], errs[i] = s.Export(context.Background(), true) })
		}
		wg.Wait()
		cut := 0
		for i := range servers {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if reps[i].BatchID != "" {
				cut++
			}
		}
		got, _ := exported(t, f)
		if cut != 1 || len(got) != 13 {
			t.Fatalf("%d servers cut a batch; %d keys exported, want 13 (all but today's) once", cut, len(got))
		}
	})
}

func TestRetentionDeletesAfter14Days(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, testConfig())
		ctx := context.Background()
		f.publish(t, history(f.clock.Now(), 13)) // stored as of 03:00, the upload's window
		f.settle()
		f.issue(t) // an unused code
		rep, err := f.svc.Export(ctx, true)
		if err != nil || rep.Keys != 13 {
			t.Fatalf("export: %+v %v", rep, err)
		}
		exportedAt := f.clock.Now()
		f.clock.Set(f.svc.window(testNow).Add(14*24*time.Hour - time.Minute))
		r, err := f.svc.Retain(ctx)
		if err != nil || r.Keys != 0 || r.Files != 0 || r.Codes != 2 || r.Tokens != 1 || r.Certificates != 1 {
			t.Fatalf("before 14 days: %+v %v", r, err)
		}
		// Keys go 14 days after they arrived, files 14 days after they were
		// published.
		f.clock.Advance(2 * time.Minute)
		r, err = f.svc.Retain(ctx)
		if err != nil || r.Keys != 14 || r.Files != 0 {
			t.Fatalf("14 days after the upload: %+v %v", r, err)
		}
		f.clock.Set(exportedAt.Add(14*24*time.Hour + time.Second))
		r, err = f.svc.Retain(ctx)
		if err != nil || r.Files != 1 || r.Batches != 1 {
			t.Fatalf("14 days after the export: %+v %v", r, err)
		}
		index, _ := f.svc.Index(ctx)
		if len(index) != 0 || f.count(t, "exposure_keys") != 0 || f.count(t, "exposure_export_files") != 0 {
			t.Fatalf("left behind: index %q, %d keys", index, f.count(t, "exposure_keys"))
		}
		// The chain of batches starts again cleanly.
		keys := history(f.clock.Now(), 2)[:2]
		f.publish(t, keys)
		f.settle()
		if rep, err := f.svc.Export(ctx, true); err != nil || rep.Keys != 2 {
			t.Fatalf("export after retention: %+v %v", rep, err)
		}
	})
}

func TestSigningKeysRotateAndAreShared(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, testConfig())
		ctx := context.Background()
		other := New(d, f.sealer, access.NewGuard(f.trail), f.clock, f.delivery, testConfig())
		a, errA := f.svc.SigningKeys(ctx, UseVerification)
		b, errB := other.SigningKeys(ctx, UseVerification)
		if errA != nil || errB != nil || len(a) != 1 || a[0].KID != b[0].KID || !a[0].Public.Equal(b[0].Public) {
			t.Fatalf("two servers use different first keys: %v %v", a, b)
		}
		// A certificate from a freshly rotated key on one server is accepted
		// by the other at once.
		if _, err := f.svc.RotateKey(ctx, UseVerification); err != nil {
			t.Fatal(err)
		}
		keys := history(f.clock.Now(), 3)
		if _, err := other.Publish(ctx, publishBody(keys, f.certify(t, keys))); err != nil {
			t.Fatalf("the other server refuses the new key: %v", err)
		}
		listed, _ := f.svc.SigningKeys(ctx, UseVerification)
		if len(listed) != 2 || listed[0].Version != 2 || listed[1].RetiredAt.IsZero() {
			t.Fatalf("listed %+v", listed)
		}
		// A retired verification key is dropped after a day.
		f.clock.Advance(25 * time.Hour)
		f.svc.keys.snapshot(ctx, true)
		if listed, _ = f.svc.SigningKeys(ctx, UseVerification); len(listed) != 1 {
			t.Fatalf("%d keys listed a day after rotation", len(listed))
		}
		// Export files name the key that signed them.
		f.publish(t, history(f.clock.Now(), 2)[:2])
		f.settle()
		f.svc.Export(ctx, true)
		if _, err := f.svc.RotateKey(ctx, UseExport); err != nil {
			t.Fatal(err)
		}
		f.publish(t, history(f.clock.Now(), 5)[:3])
		f.settle()
		f.svc.Export(ctx, true)
		_, batches := exported(t, f)
		if len(batches) != 2 || batches[0].SignatureInfos[0].VerificationKeyVersion != "v1" || batches[1].SignatureInfos[0].VerificationKeyVersion != "v2" {
			t.Fatalf("batches signed by %v", batches)
		}
	})
}
