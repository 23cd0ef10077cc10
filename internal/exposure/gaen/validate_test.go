package gaen

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/problem"
)

// testNow is 09:30 UTC, so today's key (from midnight) is still valid.
var testNow = time.Date(2021, 8, 15, 9, 30, 0, 0, time.UTC)

// dayStart is the interval number of midnight UTC, days after testNow's day.
func dayStart(days int) int32 {
	midnight := time.Date(2021, 8, 15, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	return int32(IntervalNumber(midnight))
}

// dayKey is a well-formed key of the day days after testNow's; seed makes
// its bytes unique.
func dayKey(days int, seed byte) Key {
	data := make([]byte, KeyLength)
	for i := range data {
		data[i] = seed + byte(i)
	}
	return Key{Data: data, IntervalNumber: dayStart(days), IntervalCount: MaxRollingPeriod, TransmissionRisk: 2}
}

// history is a phone's key history: the 14 previous days and today.
func history() []Key {
	var keys []Key
	for d := -14; d <= 0; d++ {
		keys = append(keys, dayKey(d, byte(100+d)))
	}
	return keys
}

func TestValidateKeysAcceptsHistory(t *testing.T) {
	t.Parallel()
	keys := history()
	// Sharing keys on a v1.5 phone ends today's key early and starts a new
	// one at the same interval.
	early := dayKey(0, 200)
	early.IntervalCount = 50
	keys = append(keys, early)
	if err := ValidateKeys(keys, testNow); err != nil {
		t.Fatal(err)
	}
	// Just before midnight, the key that began 14 days and ~24 hours ago is
	// still within the window by its end.
	if err := ValidateKeys(history()[:1], time.Date(2021, 8, 15, 23, 59, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
}

// fieldErrors returns the field errors in err by field name.
func fieldErrors(t *testing.T, err error) map[string]*problem.FieldError {
	t.Helper()
	if !errors.Is(err, problem.ErrInvalid) {
		t.Fatalf("err = %v, not ErrInvalid", err)
	}
	out := map[string]*problem.FieldError{}
	var fs problem.Fields
	var fe *problem.FieldError
	switch {
	case errors.As(err, &fs):
	case errors.As(err, &fe):
		fs = problem.Fields{fe}
	}
	for _, f := range fs {
		if f.Vi == "" || f.En == "" {
			t.Errorf("%s: missing a language: %+v", f.Field, f)
		}
		out[f.Field] = f
	}
	return out
}

func TestValidateKeysRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func([]Key) []Key
		field string
		en    string
	}{
		{"no keys", func([]Key) []Key { return nil }, "temporaryExposureKeys", "no keys"},
		{"31 keys", func(k []Key) []Key {
			for i := range 16 {
				k = append(k, dayKey(0, byte(i*3)))
			}
			return k
		}, "temporaryExposureKeys", "Too many keys (31)"},
		{"15-byte key", func(k []Key) []Key { k[2].Data = k[2].Data[:15]; return k }, "temporaryExposureKeys[2].key", "exactly 16 bytes, got 15"},
		{"rolling period 0", func(k []Key) []Key { k[3].IntervalCount = 0; return k }, "temporaryExposureKeys[3].rollingPeriod", "1 to 144"},
		{"rolling period 145", func(k []Key) []Key { k[3].IntervalCount = 145; return k }, "temporaryExposureKeys[3].rollingPeriod", "got 145"},
		{"risk -1", func(k []Key) []Key { k[4].TransmissionRisk = -1; return k }, "temporaryExposureKeys[4].transmissionRisk", "0 to 8"},
		{"risk 9", func(k []Key) []Key { k[4].TransmissionRisk = 9; return k }, "temporaryExposureKeys[4].transmissionRisk", "got 9"},
		{"starts after now", func(k []Key) []Key {
			k[14].IntervalNumber = int32(IntervalNumber(testNow)) + 1
			k[14].IntervalCount = 10
			return k
		}, "temporaryExposureKeys[14].rollingStartNumber", "in the future"},
		{"tomorrow", func(k []Key) []Key { return append(k, dayKey(1, 1)) }, "temporaryExposureKeys[15].rollingStartNumber", "in the future"},
		{"16 days old", func(k []Key) []Key { return append(k, dayKey(-16, 1)) }, "temporaryExposureKeys[15].rollingStartNumber", "older than 14 days"},
		{"negative start", func(k []Key) []Key { k[0].IntervalNumber = -5; return k }, "temporaryExposureKeys[0].rollingStartNumber", "older than 14 days"},
		{"duplicate", func(k []Key) []Key { return append(k, k[5]) }, "temporaryExposureKeys[15].key", "duplicate of temporaryExposureKeys[5]"},
		{"overlap", func(k []Key) []Key {
			k[6].IntervalNumber += 100 // runs into the next day's key
			return k
		}, "temporaryExposureKeys[7].rollingStartNumber", "overlaps temporaryExposureKeys[6]"},
		{"four keys same start", func(k []Key) []Key {
			for i := range 3 {
				extra := dayKey(-3, byte(150+i*20))
				extra.IntervalCount = int32(10 + i)
				k = append(k, extra)
			}
			return k
		}, "temporaryExposureKeys[11].rollingStartNumber", "More than 3 keys start at interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := fieldErrors(t, ValidateKeys(tt.edit(history()), testNow))
			fe, ok := errs[tt.field]
			if !ok || !strings.Contains(fe.En, tt.en) {
				t.Fatalf("errors %v, want %s saying %q", errs, tt.field, tt.en)
			}
			if len(errs) != 1 {
				t.Errorf("want one error, got %v", errs)
			}
		})
	}
}

func TestValidateKeysReportsAllBadKeys(t *testing.T) {
	t.Parallel()
	keys := history()
	keys[0].Data = nil
	keys[1].IntervalCount = 200
	keys[2].TransmissionRisk = 99
	errs := fieldErrors(t, ValidateKeys(keys, testNow))
	for _, f := range []string{"temporaryExposureKeys[0].key", "temporaryExposureKeys[1].rollingPeriod", "temporaryExposureKeys[2].transmissionRisk"} {
		if errs[f] == nil {
			t.Errorf("no error on %s in %v", f, errs)
		}
	}
}

func validPublish() Publish {
	return Publish{
		Keys:                 history(),
		HealthAuthorityID:    "vn.gov.pccovid",
		VerificationPayload:  "eyJ...",
		HMACKey:              base64.StdEncoding.EncodeToString(make([]byte, 32)),
		SymptomOnsetInterval: dayStart(-3),
	}
}

func TestValidatePublish(t *testing.T) {
	t.Parallel()
	if err := ValidatePublish(validPublish(), testNow); err != nil {
		t.Fatal(err)
	}
	p := validPublish()
	p.HealthAuthorityID, p.VerificationPayload, p.HMACKey = "", "", "c2hvcnQ=" // "short"
	p.SymptomOnsetInterval = dayStart(2)
	p.Keys[0].IntervalCount = 0
	errs := fieldErrors(t, ValidatePublish(p, testNow))
	for _, f := range []string{"healthAuthorityID", "verificationPayload", "hmacKey", "symptomOnsetInterval", "temporaryExposureKeys[0].rollingPeriod"} {
		if errs[f] == nil {
			t.Errorf("no error on %s in %v", f, errs)
		}
	}
}

func TestDaysSinceOnset(t *testing.T) {
	t.Parallel()
	onset := dayStart(-5) + 60 // 10:00 on the day: rounded down to midnight
	tests := []struct {
		keyStart int32
		want     int32
		ok       bool
	}{
		{dayStart(-5), 0, true},
		{dayStart(-3), 2, true},
		{dayStart(-7), -2, true},
		{dayStart(-3) + 72, 2, true},  // exactly half a day rounds toward zero
		{dayStart(-3) + 73, 3, true},  // more than half rounds up
		{dayStart(-7) - 73, -3, true}, // and down before onset
		{dayStart(9), 14, true},
		{dayStart(10), 0, false},
		{dayStart(-20), 0, false},
	}
	for _, tt := range tests {
		got, ok := DaysSinceOnset(onset, tt.keyStart)
		if got != tt.want || ok != tt.ok {
			t.Errorf("DaysSinceOnset(%d, %d) = %d, %v; want %d, %v", onset, tt.keyStart, got, ok, tt.want, tt.ok)
		}
	}
}

func TestKeyExpiry(t *testing.T) {
	t.Parallel()
	k := dayKey(0, 1)
	if got, want := k.Expiry(), time.Date(2021, 8, 16, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Expiry = %v, want %v", got, want)
	}
}

func TestReportTypeOf(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]ReportType{
		TestTypeConfirmed: ReportTypeConfirmedTest, TestTypeLikely: ReportTypeConfirmedClinicalDiagnosis,
		TestTypeUserReport: ReportTypeSelfReport, TestTypeNegative: ReportTypeRevoked,
	} {
		if got, ok := ReportTypeOf(in); !ok || got != want {
			t.Errorf("ReportTypeOf(%q) = %v, %v", in, got, ok)
		}
	}
	if _, ok := ReportTypeOf("positive"); ok {
		t.Error("unknown type accepted")
	}
	if DefaultTransmissionRisk(TestTypeLikely, 0) != 4 || DefaultTransmissionRisk(TestTypeLikely, 7) != 7 {
		t.Error("DefaultTransmissionRisk")
	}
}
