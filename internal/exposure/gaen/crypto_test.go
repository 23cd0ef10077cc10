package gaen

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/pccovid/pccovid/internal/problem"
)

// The test vector of the Exposure Notification Cryptography Specification
// v1.2, as published in Google's exposure-notifications-internals
// (TestVectors.java / TestVectors.h): one TEK generated at 1585785600
// (interval 2642976), rolling period 144, metadata 40 08 00 00.
const (
	vectorTEK      = "75c734c6dd1a782de7a965da5eb93125"
	vectorInterval = 2642976
	vectorMetadata = "40080000"
	vectorRPIK     = "185ad91db69ec7dd048960f1f3ba6175"
	vectorAEMK     = "d57c46af7a1d83965b9bed8bd152936a"
)

// vectorIdentifiers holds a sample of the 144 published (RPI, AEM) pairs,
// indexed by offset from vectorInterval: the first, both ends and some in
// between.
var vectorIdentifiers = map[uint32][2]string{
	0:   {"8be6cd371c5c891604bfbe49df845096", "72033874"},
	1:   {"3c9a1de5dd6b02afa7fded7b570b3e56", "c29211b1"},
	2:   {"243ffe9a3b08bded3094bac8630bb8ad", "6adfad03"},
	35:  {"ec6a40058debffff3c51977f24562e21", "b2add3b7"},
	101: {"443b7b5ab9a86a1fee67e18cb8c40764", "b3fba7e1"},
	142: {"a65ef7ba9752c4173ba48a33849c5e52", "592dbca8"},
	143: {"f431b62ecf443102ce4ed0407de54bd4", "1215e57e"},
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestIntervalNumberOfVector(t *testing.T) {
	t.Parallel()
	// The vector's key was generated at Unix time 1585785600.
	at := IntervalStart(vectorInterval)
	if at.Unix() != 1585785600 || IntervalNumber(at) != vectorInterval {
		t.Fatalf("IntervalStart(%d) = %v (unix %d)", vectorInterval, at, at.Unix())
	}
	if got := IntervalNumber(at.Add(IntervalLength - 1)); got != vectorInterval {
		t.Errorf("last nanosecond of the interval is interval %d", got)
	}
}

func TestDeriveKeysVector(t *testing.T) {
	t.Parallel()
	tek := mustHex(t, vectorTEK)
	rpik, err := DeriveRPIK(tek)
	if err != nil || hex.EncodeToString(rpik) != vectorRPIK {
		t.Errorf("RPIK = %x, %v; want %s", rpik, err, vectorRPIK)
	}
	aemk, err := DeriveAEMK(tek)
	if err != nil || hex.EncodeToString(aemk) != vectorAEMK {
		t.Errorf("AEMK = %x, %v; want %s", aemk, err, vectorAEMK)
	}
}

func TestDeriveVector(t *testing.T) {
	t.Parallel()
	ids, err := Derive(mustHex(t, vectorTEK), vectorInterval, MaxRollingPeriod, mustHex(t, vectorMetadata))
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != MaxRollingPeriod {
		t.Fatalf("got %d identifiers, want %d", len(ids), MaxRollingPeriod)
	}
	for off, want := range vectorIdentifiers {
		id := ids[off]
		if id.Interval != vectorInterval+off {
			t.Errorf("ids[%d].Interval = %d", off, id.Interval)
		}
		if got := hex.EncodeToString(id.RPI[:]); got != want[0] {
			t.Errorf("RPI %d = %s, want %s", off, got, want[0])
		}
		if got := hex.EncodeToString(id.AEM); got != want[1] {
			t.Errorf("AEM %d = %s, want %s", off, got, want[1])
		}
	}
	seen := map[[RPILength]byte]bool{}
	for _, id := range ids {
		if seen[id.RPI] {
			t.Fatalf("RPI %x repeats", id.RPI)
		}
		seen[id.RPI] = true
	}
}

func TestDeriveWithoutMetadata(t *testing.T) {
	t.Parallel()
	ids, err := Derive(mustHex(t, vectorTEK), vectorInterval+143, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ids[0].AEM != nil || hex.EncodeToString(ids[0].RPI[:]) != vectorIdentifiers[143][0] {
		t.Errorf("got %+v", ids[0])
	}
}

func TestDeriveErrors(t *testing.T) {
	t.Parallel()
	tek := mustHex(t, vectorTEK)
	tests := []struct {
		name            string
		tek             []byte
		interval, count uint32
		metadata        []byte
		field           string
	}{
		{"short tek", tek[:15], 1, 1, nil, "tek"},
		{"long tek", append(tek, 0), 1, 1, nil, "tek"},
		{"metadata 3 bytes", tek, 1, 1, []byte{1, 2, 3}, "metadata"},
		{"metadata 5 bytes", tek, 1, 1, []byte{1, 2, 3, 4, 5}, "metadata"},
		{"count 0", tek, 1, 0, nil, "count"},
		{"count 145", tek, 1, 145, nil, "count"},
		{"interval overflow", tek, 1<<32 - 1, 2, nil, "interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Derive(tt.tek, tt.interval, tt.count, tt.metadata)
			var fe *problem.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, problem.ErrInvalid) {
				t.Fatalf("err = %v, want a field error on %q", err, tt.field)
			}
			if fe.Vi == "" || fe.En == "" {
				t.Errorf("missing a language: %+v", fe)
			}
		})
	}
	if _, err := Derive(tek, 1<<32-1, 1, nil); err != nil {
		t.Errorf("last interval: %v", err)
	}
}

func TestNewTEK(t *testing.T) {
	t.Parallel()
	a, b := NewTEK(), NewTEK()
	if len(a) != KeyLength || len(b) != KeyLength || bytes.Equal(a, b) {
		t.Fatalf("NewTEK gave %x and %x", a, b)
	}
}

func TestIntervalNumberBeforeEpoch(t *testing.T) {
	t.Parallel()
	if got := IntervalNumber(IntervalStart(0).Add(-IntervalLength)); got != 0 {
		t.Errorf("got %d", got)
	}
}
