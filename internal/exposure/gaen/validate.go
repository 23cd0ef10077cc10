package gaen

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"github.com/pccovid/pccovid/internal/problem"
)

// Limits on an upload. They follow the reference key server
// (google/exposure-notifications-server, internal/publish/model) so that apps
// written for it work with PC-Covid unchanged.
const (
	// MaxKeysPerPublish is the most keys one upload may carry (reference
	// MAX_KEYS_ON_PUBLISH default): 14 days of keys with room for same-day
	// re-issued keys.
	MaxKeysPerPublish = 30
	// MaxSameStartIntervalKeys is how many keys may share a start interval.
	// Since GAEN v1.5, sharing keys makes the phone end today's key early and
	// start a new one on the same day, so a later upload may hold two or
	// three keys with the same start (reference MAX_SAME_START_INTERVAL_KEYS).
	MaxSameStartIntervalKeys = 3
	// MaxKeyAge is how far back a key may still have been valid: phones keep
	// and match 14 days of keys, older ones are of no use to anyone.
	MaxKeyAge = 14 * 24 * time.Hour
	// MaxTransmissionRisk is the largest transmission risk level.
	MaxTransmissionRisk = 8
	// MinHMACKeyLength is the shortest HMAC secret accepted in a publish
	// request: the protocol asks for at least 128 random bits.
	MinHMACKeyLength = 16
)

// keyField names the JSON member of the i-th key, e.g.
// "temporaryExposureKeys[3].rollingPeriod".
func keyField(i int, member string) string {
	return fmt.Sprintf("temporaryExposureKeys[%d].%s", i, member)
}

// ValidateKeyCount checks that an upload has 1 to MaxKeysPerPublish keys.
func ValidateKeyCount(n int) error {
	switch {
	case n == 0:
		return problem.Field("temporaryExposureKeys",
			"Không có khóa nào để gửi.",
			"There are no keys to upload.")
	case n > MaxKeysPerPublish:
		return problem.Field("temporaryExposureKeys",
			fmt.Sprintf("Có quá nhiều khóa (%d); mỗi lần gửi tối đa %d khóa.", n, MaxKeysPerPublish),
			fmt.Sprintf("Too many keys (%d); an upload may carry at most %d.", n, MaxKeysPerPublish))
	}
	return nil
}

// ValidateKeyData checks that the i-th key is exactly 16 bytes.
func ValidateKeyData(i int, k Key) error {
	if len(k.Data) != KeyLength {
		return problem.Field(keyField(i, "key"),
			fmt.Sprintf("Khóa phải dài đúng %d byte, nhận được %d byte.", KeyLength, len(k.Data)),
			fmt.Sprintf("The key must be exactly %d bytes, got %d.", KeyLength, len(k.Data)))
	}
	return nil
}

// ValidateRollingPeriod checks that the i-th key's rolling period is 1–144.
func ValidateRollingPeriod(i int, k Key) error {
	if k.IntervalCount < 1 || k.IntervalCount > MaxRollingPeriod {
		return problem.Field(keyField(i, "rollingPeriod"),
			fmt.Sprintf("Thời gian hiệu lực của khóa phải từ 1 đến %d khoảng 10 phút, nhận được %d.", MaxRollingPeriod, k.IntervalCount),
			fmt.Sprintf("The key's rolling period must be 1 to %d ten-minute intervals, got %d.", MaxRollingPeriod, k.IntervalCount))
	}
	return nil
}

// ValidateTransmissionRisk checks that the i-th key's transmission risk is
// 0–8.
func ValidateTransmissionRisk(i int, k Key) error {
	if k.TransmissionRisk < 0 || k.TransmissionRisk > MaxTransmissionRisk {
		return problem.Field(keyField(i, "transmissionRisk"),
			fmt.Sprintf("Mức nguy cơ lây truyền phải từ 0 đến %d, nhận được %d.", MaxTransmissionRisk, k.TransmissionRisk),
			fmt.Sprintf("The transmission risk must be 0 to %d, got %d.", MaxTransmissionRisk, k.TransmissionRisk))
	}
	return nil
}

// ValidateRollingStart checks the i-th key's start against now. A key may not
// start after the current interval (today's key, started at midnight, is
// fine; a later start means a wrong phone clock). It must still have been
// valid within MaxKeyAge: like the reference server, the test is on the key's
// end, so that all 14 previous days' keys are accepted at any hour of the day.
func ValidateRollingStart(i int, k Key, now time.Time) error {
	start := int64(k.IntervalNumber)
	if start > int64(IntervalNumber(now)) {
		return problem.Field(keyField(i, "rollingStartNumber"),
			"Khóa có thời điểm bắt đầu ở tương lai; hãy kiểm tra ngày giờ của điện thoại.",
			"The key starts in the future; check the phone's date and time.")
	}
	period := min(max(int64(k.IntervalCount), 1), MaxRollingPeriod)
	if start+period <= int64(IntervalNumber(now.Add(-MaxKeyAge))) {
		return problem.Field(keyField(i, "rollingStartNumber"),
			fmt.Sprintf("Khóa đã cũ hơn %d ngày nên không cần gửi nữa.", MaxKeyAge/(24*time.Hour)),
			fmt.Sprintf("The key is older than %d days and is no longer needed.", MaxKeyAge/(24*time.Hour)))
	}
	return nil
}

// ValidateNoDuplicateKeys checks that no key is uploaded twice in one
// request; it reports each repeat against the first occurrence.
func ValidateNoDuplicateKeys(keys []Key) error {
	var errs problem.Fields
	seen := make(map[string]int, len(keys))
	for i, k := range keys {
		first, dup := seen[string(k.Data)]
		if !dup {
			seen[string(k.Data)] = i
			continue
		}
		errs.Add(problem.Field(keyField(i, "key"),
			fmt.Sprintf("Khóa này bị gửi trùng: giống hệt temporaryExposureKeys[%d].", first),
			fmt.Sprintf("This key is a duplicate of temporaryExposureKeys[%d].", first)))
	}
	return errs.Err()
}

// ValidateOverlaps checks how the keys' validity windows fit together. Keys
// that share a start interval may overlap (a same-day key re-issued after
// sharing, GAEN v1.5), at most MaxSameStartIntervalKeys of them; any other
// overlap means the upload is not one phone's key history and is refused.
func ValidateOverlaps(keys []Key) error {
	order := byStart(keys)
	var errs problem.Fields
	groupStart, groupEnd, groupSize, last := int64(-1), int64(-1), 0, -1
	for _, i := range order {
		start, end := int64(keys[i].IntervalNumber), int64(keys[i].IntervalNumber)+int64(keys[i].IntervalCount)
		switch {
		case start == groupStart:
			groupSize++
			if groupSize == MaxSameStartIntervalKeys+1 {
				errs.Add(tooManySameStart(i, start))
			}
		case start < groupEnd:
			errs.Add(overlapError(i, last))
			continue
		default:
			groupStart, groupSize = start, 1
		}
		groupEnd, last = max(groupEnd, end), i
	}
	return errs.Err()
}

// byStart returns the indexes of keys ordered by start interval, then by
// rolling period.
func byStart(keys []Key) []int {
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(keys[a].IntervalNumber, keys[b].IntervalNumber); c != 0 {
			return c
		}
		return cmp.Compare(keys[a].IntervalCount, keys[b].IntervalCount)
	})
	return order
}

func tooManySameStart(i int, start int64) error {
	return problem.Field(keyField(i, "rollingStartNumber"),
		fmt.Sprintf("Có hơn %d khóa cùng bắt đầu ở khoảng %d.", MaxSameStartIntervalKeys, start),
		fmt.Sprintf("More than %d keys start at interval %d.", MaxSameStartIntervalKeys, start))
}

func overlapError(i, other int) error {
	return problem.Field(keyField(i, "rollingStartNumber"),
		fmt.Sprintf("Thời gian hiệu lực của khóa này chồng lên temporaryExposureKeys[%d] mà không cùng thời điểm bắt đầu.", other),
		fmt.Sprintf("This key's validity overlaps temporaryExposureKeys[%d] without starting at the same interval.", other))
}

// ValidateKeys applies every key rule to an upload at time now and returns
// all problems at once (a problem.Fields, or nil). The rules on the whole set
// (duplicates, overlaps) run only once each key is well-formed, so one bad
// key does not drown the answer in follow-on complaints.
func ValidateKeys(keys []Key, now time.Time) error {
	if err := ValidateKeyCount(len(keys)); err != nil {
		return err
	}
	var errs problem.Fields
	for i, k := range keys {
		errs.Add(ValidateKeyData(i, k))
		errs.Add(ValidateRollingPeriod(i, k))
		errs.Add(ValidateTransmissionRisk(i, k))
		errs.Add(ValidateRollingStart(i, k, now))
	}
	if len(errs) > 0 {
		return errs.Err()
	}
	addAll(&errs, ValidateNoDuplicateKeys(keys))
	addAll(&errs, ValidateOverlaps(keys))
	return errs.Err()
}

// ValidateSymptomOnset checks the optional symptomOnsetInterval of a publish
// request: 0 means not given; otherwise it may not be negative nor after now.
// A value too old to matter is not an error: DaysSinceOnset leaves it off the
// keys, as the reference server does.
func ValidateSymptomOnset(interval int32, now time.Time) error {
	if interval < 0 || int64(interval) > int64(IntervalNumber(now)) {
		return problem.Field("symptomOnsetInterval",
			"Ngày bắt đầu có triệu chứng không hợp lệ hoặc ở tương lai.",
			"The symptom onset date is invalid or in the future.")
	}
	return nil
}

// ValidatePublish checks a whole publish request at time now: the keys
// (ValidateKeys), the symptom onset, and the fields PC-Covid requires because
// every upload must be certified by a health authority: healthAuthorityID,
// verificationPayload (the certificate) and hmacKey (base64 of at least 16
// bytes). The certificate itself is checked by CertificateVerifier.
func ValidatePublish(p Publish, now time.Time) error {
	var errs problem.Fields
	if p.HealthAuthorityID == "" {
		errs.Add(problem.Field("healthAuthorityID",
			"Thiếu mã cơ quan y tế.", "The health authority ID is missing."))
	}
	if p.VerificationPayload == "" {
		errs.Add(problem.Field("verificationPayload",
			"Thiếu chứng nhận xác minh của cơ quan y tế.", "The health authority's verification certificate is missing."))
	}
	if secret, err := base64.StdEncoding.DecodeString(p.HMACKey); err != nil || len(secret) < MinHMACKeyLength {
		errs.Add(problem.Field("hmacKey",
			fmt.Sprintf("Khóa HMAC phải là base64 của ít nhất %d byte ngẫu nhiên.", MinHMACKeyLength),
			fmt.Sprintf("The HMAC key must be base64 of at least %d random bytes.", MinHMACKeyLength)))
	}
	errs.Add(ValidateSymptomOnset(p.SymptomOnsetInterval, now))
	addAll(&errs, ValidateKeys(p.Keys, now))
	return errs.Err()
}

// addAll adds every field error in err to errs: Fields.Add keeps only the
// first of a problem.Fields.
func addAll(errs *problem.Fields, err error) {
	if fs, ok := err.(problem.Fields); ok {
		*errs = append(*errs, fs...)
		return
	}
	errs.Add(err)
}
