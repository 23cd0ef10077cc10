package synth

import (
	"math/rand/v2"
	"strconv"
)

// Identifiers are issued by counters, never by drawing at random and
// checking a set: uniqueness then needs no memory that grows with the
// population. All counters together take about 100 KB.

// CCCD serials live in buckets, one per prefix (birth province, sex and
// century digit, year of birth): 63 × 4 × 100 of them.
const cccdBuckets = 63 * 4 * 100

// Capacities of the serial spaces.
const (
	cccdSerials = 1_000_000   // digits 7–12 of a CCCD
	cmndSerials = 10_000_000  // digits 3–9 of a CMND
	phoneNumber = 10_000_000  // the 7 digits after a network prefix
	suffixSpace = 100_000_000 // the 8 digits after the province in household and BHXH numbers
)

// mobilePrefixes are the 10-digit network prefixes (after the trunk 0) in
// use since 2018, with the network's market share (Viettel ≈ 50 %,
// VinaPhone ≈ 25 %, MobiFone ≈ 20 %, Vietnamobile and Gmobile the rest)
// spread over its prefixes; the older 09x prefixes are fuller.
var mobilePrefixes = []struct {
	share    float64
	prefixes []string
	old      []string
}{
	{50, []string{"32", "33", "34", "35", "36", "37", "38", "39"}, []string{"86", "96", "97", "98"}}, // Viettel
	{25, []string{"81", "82", "83", "84", "85"}, []string{"88", "91", "94"}},                         // VinaPhone
	{20, []string{"70", "76", "77", "78", "79"}, []string{"89", "90", "93"}},                         // MobiFone
	{3.5, []string{"52", "56", "58"}, []string{"92"}},                                                // Vietnamobile
	{1.5, []string{"59"}, []string{"99"}},                                                            // Gmobile
}

// phonePlan is mobilePrefixes in drawing form.
type phonePlan struct {
	prefixes []string
	pick     alias
}

func newPhonePlan() phonePlan {
	var p phonePlan
	var w []float64
	for _, n := range mobilePrefixes {
		units := float64(len(n.prefixes)) + 1.5*float64(len(n.old))
		for _, x := range n.prefixes {
			p.prefixes = append(p.prefixes, x)
			w = append(w, n.share/units)
		}
		for _, x := range n.old {
			p.prefixes = append(p.prefixes, x)
			w = append(w, 1.5*n.share/units)
		}
	}
	p.pick = newAlias(w)
	return p
}

// issuer hands out identifiers for one pass over a population.
type issuer struct {
	key        uint64
	cccdOff    []uint32 // next offset in each CCCD bucket
	cmndOff    [100]uint32
	phoneCount [100]uint32
	hhMul      uint64 // household and BHXH suffixes: an affine bijection of a counter
	hhAdd      uint64
	bhxhMul    uint64
	bhxhAdd    uint64
	insured    uint64
}

func newIssuer(seed int64) *issuer {
	k := mix64(uint64(seed) ^ 0x9e3779b97f4a7c15)
	return &issuer{
		key:     k,
		cccdOff: make([]uint32, cccdBuckets),
		hhMul:   unitMod(mix64(k^1), suffixSpace),
		hhAdd:   mix64(k^2) % suffixSpace,
		bhxhMul: unitMod(mix64(k^3), suffixSpace),
		bhxhAdd: mix64(k^4) % suffixSpace,
	}
}

// runStep is the gap to the next serial of a bucket: mostly the next
// number, as cards were issued in runs to the people queueing at one
// office, so that a one-digit typo in a number usually lands on another
// real person's; sometimes a small gap, rarely a jump to a new batch.
func runStep(r *rand.Rand) uint32 {
	switch u := r.IntN(100); {
	case u < 85:
		return 1
	case u < 97:
		return uint32(between(r, 2, 5))
	}
	return uint32(between(r, 6, 50))
}

// cccd issues the next CCCD for a person whose birth was registered in
// province p, of the sex, born in year y.
func (s *issuer) cccd(r *rand.Rand, p *province, sex byte, y int, buf []byte) string {
	d := byte(0)
	if y >= 2000 {
		d = 2
	}
	if sex == 'F' {
		d++
	}
	b := p.index*400 + int(d)*100 + y%100
	base := mix64(s.key^uint64(b)<<20^0xcccd) % 300_000
	off := s.cccdOff[b]
	if off >= cccdSerials-300_000 {
		panic("synth: CCCD serials exhausted for one birth province and year")
	}
	s.cccdOff[b] += runStep(r)
	serial := (base + uint64(off)) % cccdSerials
	buf = append(append(buf[:0], p.cccd...), '0'+d, byte('0'+y/10%10), byte('0'+y%10))
	return string(appendPadded(buf, serial, 6))
}

// cmnd issues the next 9-digit CMND of the police office serving p.
func (s *issuer) cmnd(r *rand.Rand, p *province, buf []byte) string {
	o := atoi(p.cmnd)
	base := mix64(s.key^uint64(o)<<24^0xc3d) % 2_000_000
	off := s.cmndOff[o]
	if off >= cmndSerials-2_000_000 {
		panic("synth: CMND serials exhausted for one office")
	}
	step := uint32(1)
	if r.IntN(100) < 5 {
		step = uint32(between(r, 2, 10))
	}
	s.cmndOff[o] += step
	buf = append(buf[:0], p.cmnd...)
	return string(appendPadded(buf, base+uint64(off), 7))
}

// phone issues a new mobile number. Within a prefix, numbers are a keyed
// permutation of a counter, so they are unique yet look scattered, as
// subscribers' numbers do.
func (s *issuer) phone(r *rand.Rand, plan *phonePlan, buf []byte) string {
	prefix := plan.prefixes[plan.pick.pick(r)]
	i := atoi(prefix)
	n := s.phoneCount[i]
	if n >= phoneNumber {
		panic("synth: phone numbers exhausted for prefix 0" + prefix)
	}
	s.phoneCount[i]++
	sub := permute(uint32(n), phoneNumber, s.key^uint64(i)<<32)
	buf = append(append(buf[:0], '0'), prefix...)
	return string(appendPadded(buf, uint64(sub), 7))
}

// householdID returns the 10-digit household book number of household i:
// the province code and an 8-digit number unique to the household.
func (s *issuer) householdID(i int, p *province, buf []byte) string {
	buf = append(buf[:0], p.code...)
	return string(appendPadded(buf, (uint64(i)*s.hhMul+s.hhAdd)%suffixSpace, 8))
}

// bhxh returns the next 10-digit social insurance number, starting with the
// province code like the real ones.
func (s *issuer) bhxh(p *province, buf []byte) []byte {
	n := (s.insured*s.bhxhMul + s.bhxhAdd) % suffixSpace
	s.insured++
	return appendPadded(append(buf, p.code...), n, 8)
}

func appendPadded(buf []byte, n uint64, width int) []byte {
	var tmp [20]byte
	d := strconv.AppendUint(tmp[:0], n, 10)
	for i := len(d); i < width; i++ {
		buf = append(buf, '0')
	}
	return append(buf, d...)
}

// mix64 is the SplitMix64 finaliser: a fast, well-mixed hash of x.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// unitMod returns a multiplier invertible modulo m = 10^k: an odd number
// not divisible by 5, so that x ↦ a·x + b is a bijection of [0, m).
func unitMod(x, m uint64) uint64 {
	a := x%m | 1
	if a%5 == 0 {
		a = (a + 2) % m
	}
	return a
}

// permute is a keyed bijection of [0, n) for 2^23 < n ≤ 2^24: a four-round
// Feistel network on 24 bits, cycle-walked until it lands below n (under
// two rounds of walking on average for n = 10^7).
func permute(x, n uint32, key uint64) uint32 {
	for {
		l, r := x>>12, x&0xfff
		for round := uint64(0); round < 4; round++ {
			l, r = r, l^uint32(mix64(key^round<<40^uint64(r))&0xfff)
		}
		x = l<<12 | r
		if x < n {
			return x
		}
	}
}
