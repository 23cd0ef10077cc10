package gaen

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"
)

// sighting returns an observation of identifier id seen at t.
func sighting(id Identifier, t time.Time) Observation {
	o := Observation{RPI: id.RPI, SeenAt: t, RSSI: -60, Duration: 5 * time.Minute}
	copy(o.AEM[:], id.AEM)
	return o
}

func TestMatcher(t *testing.T) {
	t.Parallel()
	tek, metadata := mustHex(t, vectorTEK), mustHex(t, vectorMetadata)
	ids, err := Derive(tek, vectorInterval, MaxRollingPeriod, metadata)
	if err != nil {
		t.Fatal(err)
	}
	at := func(off int) time.Time { return IntervalStart(vectorInterval + uint32(off)) }
	key := Key{Data: tek, IntervalNumber: vectorInterval, IntervalCount: MaxRollingPeriod, TransmissionRisk: 4}
	tests := []struct {
		name  string
		obs   Observation
		match bool
	}{
		{"in its interval", sighting(ids[10], at(10).Add(3*time.Minute)), true},
		{"2h early (edge)", sighting(ids[10], at(10).Add(-MatchTolerance)), true},
		{"2h late (last second)", sighting(ids[10], at(11).Add(MatchTolerance-time.Second)), true},
		{"just over 2h early", sighting(ids[10], at(10).Add(-MatchTolerance-time.Second)), false},
		{"just over 2h late", sighting(ids[10], at(11).Add(MatchTolerance)), false},
		{"replayed next day", sighting(ids[10], at(10+MaxRollingPeriod)), false},
		{"other identifier", Observation{RPI: [16]byte{1, 2, 3}, SeenAt: at(10)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := NewMatcher([]Observation{tt.obs}).Match([]Key{key})
			if (len(got) == 1) != tt.match || len(got) > 1 {
				t.Fatalf("got %d exposures, want match=%v", len(got), tt.match)
			}
			if !tt.match {
				return
			}
			e := got[0]
			if e.Interval != vectorInterval+10 || !bytes.Equal(e.Key.Data, tek) || e.Observation != tt.obs {
				t.Errorf("got %+v", e)
			}
			if !bytes.Equal(e.Metadata[:], metadata) {
				t.Errorf("metadata %x, want %x", e.Metadata, metadata)
			}
		})
	}
}

func TestMatcherSeveralSightingsAndKeys(t *testing.T) {
	t.Parallel()
	tekA, tekB := NewTEK(), NewTEK()
	idsA, _ := Derive(tekA, vectorInterval, MaxRollingPeriod, nil)
	idsB, _ := Derive(tekB, vectorInterval+MaxRollingPeriod, 20, nil)
	at := func(i uint32) time.Time { return IntervalStart(i).Add(time.Minute) }
	obs := []Observation{
		sighting(idsA[5], at(idsA[5].Interval)),
		sighting(idsB[3], at(idsB[3].Interval)),
		sighting(idsA[5], at(idsA[5].Interval).Add(4*time.Minute)), // seen again
		sighting(idsA[100], at(idsA[100].Interval)),
	}
	keys := []Key{
		{Data: []byte("short"), IntervalNumber: vectorInterval, IntervalCount: 144}, // malformed: skipped
		{Data: tekA, IntervalNumber: vectorInterval, IntervalCount: MaxRollingPeriod},
		{Data: tekB, IntervalNumber: vectorInterval + MaxRollingPeriod, IntervalCount: 20},
		{Data: NewTEK(), IntervalNumber: vectorInterval, IntervalCount: MaxRollingPeriod},                   // never seen
		{Data: tekA, IntervalNumber: vectorInterval + 30*MaxRollingPeriod, IntervalCount: MaxRollingPeriod}, // no observations then
	}
	got := NewMatcher(obs).Match(keys)
	want := []Observation{obs[0], obs[2], obs[3], obs[1]}
	if len(got) != len(want) {
		t.Fatalf("got %d exposures, want %d: %+v", len(got), len(want), got)
	}
	for i, e := range got {
		if e.Observation != want[i] {
			t.Errorf("exposure %d: observation %+v, want %+v", i, e.Observation, want[i])
		}
	}
	if NewMatcher(nil).Match(keys) != nil {
		t.Error("matches without observations")
	}
}

// BenchmarkMatch matches 100,000 downloaded keys (14 days' worth, each a full
// day) against 10,000 observations spread over the same 14 days.
func BenchmarkMatch(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	firstDay := uint32(vectorInterval - vectorInterval%MaxRollingPeriod)
	randomKey := func() []byte {
		k := make([]byte, KeyLength)
		for i := range k {
			k[i] = byte(rng.Uint32())
		}
		return k
	}
	keys := make([]Key, 100_000)
	for i := range keys {
		day := uint32(rng.IntN(14))
		keys[i] = Key{Data: randomKey(), IntervalNumber: int32(firstDay + day*MaxRollingPeriod), IntervalCount: MaxRollingPeriod}
	}
	obs := make([]Observation, 10_000)
	for i := range obs {
		at := IntervalStart(firstDay).Add(time.Duration(rng.Int64N(int64(14 * 24 * time.Hour))))
		copy(obs[i].RPI[:], randomKey())
		obs[i].SeenAt = at
	}
	// Plant 50 real contacts so the benchmark also exercises the hit path.
	for i := range 50 {
		k := keys[i*997]
		ids, _ := Derive(k.Data, uint32(k.IntervalNumber), uint32(k.IntervalCount), nil)
		obs[i*199] = sighting(ids[i%MaxRollingPeriod], IntervalStart(ids[i%MaxRollingPeriod].Interval))
	}
	m := NewMatcher(obs)
	b.ResetTimer()
	var n int
	for b.Loop() {
		n = len(m.Match(keys))
	}
	if n < 50 {
		b.Fatalf("found %d exposures, want at least 50", n)
	}
	b.ReportMetric(float64(len(keys))*float64(b.N)/b.Elapsed().Seconds(), "keys/s")
}
