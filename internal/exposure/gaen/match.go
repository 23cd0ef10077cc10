package gaen

import (
	"encoding/binary"
	"time"
)

// Observation is one sighting of a Bluetooth advertisement: the identifier a
// nearby phone broadcast and when, with optional signal details that risk
// scoring may use.
type Observation struct {
	RPI [RPILength]byte
	// AEM is the encrypted metadata as received; a match decrypts it.
	AEM [MetadataLength]byte
	// SeenAt is when the advertisement was received, by this phone's clock.
	SeenAt time.Time
	// RSSI is the received signal strength in dBm; 0 when unknown.
	RSSI int
	// Duration is how long the identifier was seen in this scan; 0 when
	// unknown.
	Duration time.Duration
}

// Exposure is an Observation that matched a downloaded diagnosis key.
type Exposure struct {
	Key         Key
	Interval    uint32
	Observation Observation
	// Metadata is the decrypted AEM: the sender's version byte and transmit
	// power, needed to turn RSSI into attenuation.
	Metadata [MetadataLength]byte
}

// Matcher finds which downloaded keys a phone was exposed to. It indexes the
// phone's observations by RPI once; matching a key then costs one HKDF and,
// per interval of the key's life, one AES block and one bit test (a map
// look-up only for the rare RPI that passes the filter).
// A Matcher is safe for concurrent use by several goroutines once built.
type Matcher struct {
	obs []Observation
	// first maps the first 8 bytes of an RPI to its first observation; next
	// chains further observations with that prefix (-1 ends the chain), so
	// repeated sightings cost no extra allocation. A uint64 key takes the
	// map's fast path; the rare prefix collision is sorted out by comparing
	// the whole RPI.
	first map[uint64]int32
	next  []int32
	// seen is a one-bit-per-slot filter over the RPIs (a Bloom filter with
	// one hash): almost every derived RPI was never observed, and testing a
	// bit costs a fraction of a map look-up. Whatever RPIs a broadcaster
	// chooses, at most one bit per observation is set, so the filter's
	// false-positive rate stays below len(obs)/len(seen bits).
	seen []uint64
	// seenMask selects the filter bit from an RPI's last 8 bytes (a
	// different part than the map key, so the two tests are independent).
	seenMask uint64
	// lo and hi bound the intervals any observation can match, so that keys
	// from days with no observations cost no cryptography at all.
	lo, hi int64
}

// NewMatcher indexes observations (copied; the caller may reuse the slice).
func NewMatcher(observations []Observation) *Matcher {
	bits := filterBits(len(observations))
	m := &Matcher{
		obs:      append([]Observation(nil), observations...),
		first:    make(map[uint64]int32, len(observations)),
		next:     make([]int32, len(observations)),
		seen:     make([]uint64, bits/64),
		seenMask: uint64(bits - 1),
		lo:       1<<62 - 1,
		hi:       -1,
	}
	tol := int64(MatchTolerance / time.Second)
	for i := len(m.obs) - 1; i >= 0; i-- { // backwards, so chains run in input order
		o := &m.obs[i]
		head, ok := m.first[rpiIndexKey(o.RPI)]
		if !ok {
			head = -1
		}
		m.next[i], m.first[rpiIndexKey(o.RPI)] = head, int32(i)
		bit := m.filterBit(o.RPI)
		m.seen[bit/64] |= 1 << (bit % 64)
		s := o.SeenAt.Unix()
		m.lo = min(m.lo, (s-tol)/intervalSeconds-1)
		m.hi = max(m.hi, (s+tol)/intervalSeconds+1)
	}
	return m
}

// Match returns the exposures to keys, in key order and, within a key, in
// interval order. An RPI derived for interval i matches an observation only
// if it was seen within MatchTolerance of i's 10-minute window; a replayed
// identifier seen at another time does not count. Malformed keys (not 16
// bytes, rolling period outside 1–144, negative start) match nothing: they
// cannot come out of a verified export.
func (m *Matcher) Match(keys []Key) []Exposure {
	var out []Exposure
	for _, k := range keys {
		out = m.matchKey(k, out)
	}
	return out
}

// matchKey appends the exposures to one key.
func (m *Matcher) matchKey(k Key, out []Exposure) []Exposure {
	if len(k.Data) != KeyLength || k.IntervalCount < 1 || k.IntervalCount > MaxRollingPeriod || k.IntervalNumber < 0 {
		return out
	}
	from := max(int64(k.IntervalNumber), m.lo)
	to := min(int64(k.IntervalNumber)+int64(k.IntervalCount), m.hi+1)
	if from >= to {
		return out
	}
	rpiCipher, err := newKeyCipher(k.Data, infoRPIK)
	if err != nil {
		return out
	}
	var pad, rpi [RPILength]byte
	for i := from; i < to; i++ {
		rpiInput(&pad, uint32(i))
		rpiCipher.Encrypt(rpi[:], pad[:])
		if bit := m.filterBit(rpi); m.seen[bit/64]&(1<<(bit%64)) == 0 {
			continue
		}
		idx, ok := m.first[rpiIndexKey(rpi)]
		if !ok {
			continue
		}
		for ; idx >= 0; idx = m.next[idx] {
			if m.obs[idx].RPI == rpi && seenDuring(m.obs[idx].SeenAt, uint32(i)) {
				out = append(out, m.exposure(k, uint32(i), idx))
			}
		}
	}
	return out
}

// filterBits returns the size of the filter for n observations: a power of
// two, about 64 bits per observation (a 1/64 false-positive rate), between
// 2^16 and 2^24 bits (8 KiB to 2 MiB).
func filterBits(n int) int {
	bits := 1 << 16
	for bits < 64*n && bits < 1<<24 {
		bits <<= 1
	}
	return bits
}

// filterBit returns rpi's bit in the filter.
func (m *Matcher) filterBit(rpi [RPILength]byte) uint64 {
	return binary.LittleEndian.Uint64(rpi[8:]) & m.seenMask
}

// rpiIndexKey returns the first 8 bytes of rpi as the index key.
func rpiIndexKey(rpi [RPILength]byte) uint64 {
	return binary.LittleEndian.Uint64(rpi[:8])
}

// seenDuring reports whether t lies within MatchTolerance of interval i's
// window [start, start+10 min).
func seenDuring(t time.Time, i uint32) bool {
	start := IntervalStart(i)
	return !t.Before(start.Add(-MatchTolerance)) && t.Before(start.Add(IntervalLength+MatchTolerance))
}

// exposure builds the Exposure for observation idx, decrypting its metadata.
// The AEMK is derived only here, for the rare matches.
func (m *Matcher) exposure(k Key, interval uint32, idx int32) Exposure {
	e := Exposure{Key: k, Interval: interval, Observation: m.obs[idx]}
	if aemCipher, err := newKeyCipher(k.Data, infoAEMK); err == nil {
		copy(e.Metadata[:], cryptMetadata(aemCipher, e.Observation.RPI, e.Observation.AEM[:]))
	}
	return e
}
