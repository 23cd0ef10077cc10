package gaen

import "time"

// Sizes and periods fixed by the Exposure Notification Cryptography
// Specification v1.2.
const (
	// KeyLength is the size of a Temporary Exposure Key, in bytes.
	KeyLength = 16
	// RPILength is the size of a Rolling Proximity Identifier, in bytes.
	RPILength = 16
	// MetadataLength is the size of the Bluetooth metadata (version byte,
	// transmit power, two reserved bytes) and so of its encryption, the AEM.
	MetadataLength = 4
	// MaxRollingPeriod is TEKRollingPeriod: a key lives at most 144
	// intervals of 10 minutes, one day.
	MaxRollingPeriod = 144
	// IntervalLength is the length of one ENIntervalNumber window.
	IntervalLength = 10 * time.Minute
	// MatchTolerance is how far outside an interval's 10-minute window an
	// identifier may have been seen and still match it: the specification
	// lets devices accept ±2 hours of clock drift.
	MatchTolerance = 2 * time.Hour
)

// intervalSeconds is IntervalLength in seconds, for integer arithmetic.
const intervalSeconds = int64(IntervalLength / time.Second)

// IntervalNumber returns ENIntervalNumber(t): the number of 10-minute windows
// since the Unix epoch. Times before the epoch give 0.
func IntervalNumber(t time.Time) uint32 {
	s := t.Unix()
	if s < 0 {
		return 0
	}
	return uint32(s / intervalSeconds)
}

// IntervalStart returns the time at which interval i begins, in UTC.
func IntervalStart(i uint32) time.Time {
	return time.Unix(int64(i)*intervalSeconds, 0).UTC()
}
