package gaen

import "time"

// Key is a Temporary Exposure Key with its metadata: what a diagnosed person's
// phone uploads (JSON, in [Publish]) and what the export file carries
// (protobuf, in [ExportBatch]).
//
// The JSON names are those of the public key-server protocol. ReportType and
// DaysSinceOnset are not uploaded by the phone: the server sets them from the
// verification certificate, and the export file carries them.
type Key struct {
	// Data is the 16-byte key; base64 (standard alphabet, padded) in JSON.
	Data []byte `json:"key"`
	// IntervalNumber is the rolling start interval number: the
	// ENIntervalNumber at which the key became valid.
	IntervalNumber int32 `json:"rollingStartNumber"`
	// IntervalCount is the rolling period: how many 10-minute intervals the
	// key was valid for, 1–144.
	IntervalCount int32 `json:"rollingPeriod"`
	// TransmissionRisk is 0–8; 0 means unknown. Deprecated in the GAEN v1.5
	// API in favour of ReportType, but still uploaded and exported.
	TransmissionRisk int32 `json:"transmissionRisk,omitempty"`
	// ReportType says why the key was published.
	ReportType ReportType `json:"-"`
	// DaysSinceOnset is the number of days from symptom onset to the key's
	// day (negative before onset); nil when unknown.
	DaysSinceOnset *int32 `json:"-"`
}

// Expiry returns the time at which k stops being valid on the phone. A key
// that is still valid at upload time (today's key) must not be put in an
// export before then: the reference server embargoes it, so that nobody can
// match it while its owner still broadcasts identifiers from it.
func (k Key) Expiry() time.Time {
	end := int64(k.IntervalNumber) + int64(k.IntervalCount)
	return time.Unix(end*intervalSeconds, 0).UTC()
}

// ReportType is the TemporaryExposureKey.ReportType enum of export.proto.
type ReportType int32

// The values of export.proto's ReportType.
const (
	ReportTypeUnknown                    ReportType = 0
	ReportTypeConfirmedTest              ReportType = 1
	ReportTypeConfirmedClinicalDiagnosis ReportType = 2
	ReportTypeSelfReport                 ReportType = 3
	ReportTypeRecursive                  ReportType = 4
	ReportTypeRevoked                    ReportType = 5
)

// Valid reports whether r is one of the enum's values.
func (r ReportType) Valid() bool {
	return r >= ReportTypeUnknown && r <= ReportTypeRevoked
}

// Test types, as the verification server's /api/verify response
// ("testtype") and the certificate's "reportType" claim name them.
const (
	TestTypeConfirmed  = "confirmed"
	TestTypeLikely     = "likely"
	TestTypeNegative   = "negative"
	TestTypeUserReport = "user-report"
)

// ReportTypeOf maps a certificate's reportType claim to the export enum, as
// the reference server does: confirmed → CONFIRMED_TEST, likely →
// CONFIRMED_CLINICAL_DIAGNOSIS, user-report → SELF_REPORT, negative →
// REVOKED. It reports false for any other value.
func ReportTypeOf(testType string) (ReportType, bool) {
	switch testType {
	case TestTypeConfirmed:
		return ReportTypeConfirmedTest, true
	case TestTypeLikely:
		return ReportTypeConfirmedClinicalDiagnosis, true
	case TestTypeUserReport:
		return ReportTypeSelfReport, true
	case TestTypeNegative:
		return ReportTypeRevoked, true
	}
	return ReportTypeUnknown, false
}

// DefaultTransmissionRisk returns the transmission risk to store for a key:
// the one the phone gave when it is not 0, otherwise the reference server's
// backfill for older apps (confirmed 2, likely 4, user-report 5, negative 6).
func DefaultTransmissionRisk(testType string, given int32) int32 {
	if given != 0 {
		return given
	}
	switch testType {
	case TestTypeConfirmed:
		return 2
	case TestTypeLikely:
		return 4
	case TestTypeUserReport:
		return 5
	case TestTypeNegative:
		return 6
	}
	return 0
}

// MaxSymptomOnsetDays bounds DaysSinceOnset: further from onset than this,
// the value says nothing useful and is left off the key (reference server
// default MAX_SYMPTOM_ONSET_DAYS).
const MaxSymptomOnsetDays = 14

// DaysSinceOnset returns the days from symptom onset to a key starting at
// keyStart, both interval numbers. The onset is first rounded down to the
// start of its UTC day; part days round to the nearest day (exactly half a day
// rounds toward zero), as the reference server does. It reports false when
// the magnitude exceeds MaxSymptomOnsetDays, and the key then goes without it.
func DaysSinceOnset(onsetInterval, keyStart int32) (int32, bool) {
	onsetDay := int64(onsetInterval) - int64(onsetInterval)%MaxRollingPeriod
	distance := int64(keyStart) - onsetDay
	days, rem := distance/MaxRollingPeriod, distance%MaxRollingPeriod
	switch {
	case rem > MaxRollingPeriod/2:
		days++
	case rem < -MaxRollingPeriod/2:
		days--
	}
	if days > MaxSymptomOnsetDays || days < -MaxSymptomOnsetDays {
		return 0, false
	}
	return int32(days), true
}
