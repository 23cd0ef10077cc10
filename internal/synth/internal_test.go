package synth

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestDayOf(t *testing.T) {
	t.Parallel()
	for d := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2101; d = d.AddDate(0, 0, 1) {
		day := int(d.Unix() / 86400)
		if got := dayOf(d.Year(), int(d.Month()), d.Day()); got != day {
			t.Fatalf("dayOf(%s) = %d, want %d", d.Format(time.DateOnly), got, day)
		}
		if got := dateOf(day); got.String() != d.Format(time.DateOnly) || string(appendDate(nil, got)) != got.String() {
			t.Fatalf("dateOf(%d) = %v, want %s", day, got, d.Format(time.DateOnly))
		}
	}
	if got := ExtractDate().String(); got != "2021-11-01" {
		t.Errorf("ExtractDate() = %s", got)
	}
}

func TestPermuteIsBijection(t *testing.T) {
	t.Parallel()
	const n = phoneNumber
	seen := make([]uint64, n/64+1)
	for x := uint32(0); x < n; x++ {
		y := permute(x, n, 42)
		if y >= n || seen[y/64]&(1<<(y%64)) != 0 {
			t.Fatalf("permute(%d) = %d: out of range or repeated", x, y)
		}
		seen[y/64] |= 1 << (y % 64)
	}
}

func TestAffineSuffixesAreBijections(t *testing.T) {
	t.Parallel()
	for seed := range int64(50) {
		s := newIssuer(seed)
		for _, a := range []uint64{s.hhMul, s.bhxhMul} {
			if a%2 == 0 || a%5 == 0 || a >= suffixSpace {
				t.Fatalf("seed %d: multiplier %d is not invertible modulo 10^8", seed, a)
			}
		}
	}
}

func TestAliasFrequencies(t *testing.T) {
	t.Parallel()
	w := []float64{50, 25, 12.5, 12.5, 0}
	a := newAlias(w)
	r := rand.New(rand.NewPCG(1, 2))
	const n = 200_000
	var got [5]int
	for range n {
		got[a.pick(r)]++
	}
	for i, wi := range w {
		want := wi / 100 * n
		if math.Abs(float64(got[i])-want) > 5*math.Sqrt(want+1) {
			t.Errorf("index %d drawn %d times, want about %.0f", i, got[i], want)
		}
	}
}

// No table repeats an entry, and there are a few hundred given names.
func TestNameTables(t *testing.T) {
	t.Parallel()
	lists := map[string][]string{
		"maleMiddleClassic": maleMiddleClassic, "maleMiddleModern": maleMiddleModern,
		"femaleMiddleClassic": femaleMiddleClassic, "femaleMiddleModern": femaleMiddleModern,
		"maleGivenClassic": maleGivenClassic, "maleGivenModern": maleGivenModern,
		"femaleGivenClassic": femaleGivenClassic, "femaleGivenModern": femaleGivenModern,
		"streetNames": streetNames, "villageFirst": villageFirst, "villageSecond": villageSecond,
	}
	for name, list := range lists {
		seen := map[string]bool{}
		for _, s := range normalized(list) {
			if s == "" || seen[s] {
				t.Errorf("%s repeats %q or has an empty entry", name, s)
			}
			seen[s] = true
		}
	}
	given := map[string]bool{}
	for _, list := range [][]string{maleGivenClassic, maleGivenModern, femaleGivenClassic, femaleGivenModern} {
		for _, s := range normalized(list) {
			given[s] = true
		}
	}
	if len(given) < 250 {
		t.Errorf("only %d distinct given names", len(given))
	}
	t.Logf("%d distinct given names", len(given))
}
