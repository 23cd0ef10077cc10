package linkage

import "slices"

// keyIndex maps blocking keys to persons. It holds (key, person) pairs,
// sorted by key once every person is added, and finds a key's persons by
// binary search: a fraction of the memory of a map of slices when, as with
// identity numbers and most name keys, a key names one person — a national
// registry has millions of keys.
type keyIndex struct {
	pairs  []keyPair
	sorted bool
}

type keyPair struct {
	key    uint64
	person int32
}

func (x *keyIndex) add(k uint64, p int32) {
	x.pairs = append(x.pairs, keyPair{k, p})
	x.sorted = false
}

// freeze sorts the pairs; get needs it.
func (x *keyIndex) freeze() {
	if x.sorted {
		return
	}
	slices.SortFunc(x.pairs, func(a, b keyPair) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return int(a.person - b.person)
	})
	x.sorted = true
}

// get returns the pairs of key k, in person order.
func (x *keyIndex) get(k uint64) []keyPair {
	i, _ := slices.BinarySearchFunc(x.pairs, k, func(p keyPair, k uint64) int {
		switch {
		case p.key < k:
			return -1
		case p.key > k:
			return 1
		}
		return 0
	})
	j := i
	for j < len(x.pairs) && x.pairs[j].key == k {
		j++
	}
	return x.pairs[i:j]
}
