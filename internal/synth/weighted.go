package synth

import "math/rand/v2"

// alias draws an index with probability proportional to its weight in
// constant time (Vose's alias method): the generator draws several names
// and places per person, and a binary search over a few hundred weights
// would dominate the cost.
type alias struct {
	threshold []uint64 // keep column i when the low 32 random bits are below this (at most 1<<32)
	other     []int32  // the column's alias otherwise
}

func newAlias(weights []float64) alias {
	n := len(weights)
	if n == 0 {
		panic("synth: empty weight table")
	}
	sum := 0.0
	for _, w := range weights {
		if w < 0 {
			panic("synth: negative weight")
		}
		sum += w
	}
	scaled := make([]float64, n)
	var small, large []int
	for i, w := range weights {
		scaled[i] = w * float64(n) / sum
		if scaled[i] < 1 {
			small = append(small, i)
		} else {
			large = append(large, i)
		}
	}
	a := alias{threshold: make([]uint64, n), other: make([]int32, n)}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.threshold[s] = uint64(scaled[s] * (1 << 32))
		a.other[s] = int32(l)
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	// What remains has probability 1 up to rounding.
	for _, i := range append(small, large...) {
		a.threshold[i] = 1 << 32
		a.other[i] = int32(i)
	}
	return a
}

// pick draws an index from one 64-bit random number: the high half picks
// the column, the low half decides between the column and its alias.
func (a *alias) pick(r *rand.Rand) int {
	x := r.Uint64()
	i := int((x >> 32) * uint64(len(a.threshold)) >> 32)
	if x&0xFFFFFFFF < a.threshold[i] {
		return i
	}
	return int(a.other[i])
}

// table is a weighted list of strings.
type table struct {
	items []string
	a     alias
}

func newTable(items []string, weights []float64) table {
	if len(items) != len(weights) {
		panic("synth: table sizes differ")
	}
	return table{items: items, a: newAlias(weights)}
}

// rankTable weights items listed most frequent first by a Zipf-like law,
// 1/(rank+q): names and streets follow it, and q flattens the head so that
// the most frequent item is a few per cent, not a third, of all draws.
func rankTable(items []string, q float64) table {
	w := make([]float64, len(items))
	for i := range w {
		w[i] = 1 / (float64(i+1) + q)
	}
	return newTable(items, w)
}

func (t *table) pick(r *rand.Rand) string { return t.items[t.a.pick(r)] }

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between returns a uniform integer in [lo, hi].
func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }
