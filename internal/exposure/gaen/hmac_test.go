package gaen

import (
	"encoding/base64"
	"fmt"
	"slices"
	"testing"
)

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The published test cases of the verification protocol
// (google/exposure-notifications-server pkg/verification/utils_test.go).
func TestKeysHMACPublishedCases(t *testing.T) {
	t.Parallel()
	secret := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	keys := func(tr1, tr2 int32) []Key {
		return []Key{
			{Data: b64(t, "z2Cx9hdz2SlxZ8GEgqTYpA=="), IntervalNumber: 1, IntervalCount: 144, TransmissionRisk: tr1},
			{Data: b64(t, "dPCphLzfG4uzXneNimkPRQ=="), IntervalNumber: 144, IntervalCount: 144, TransmissionRisk: tr2},
		}
	}
	tests := []struct {
		name     string
		keys     []Key
		want     string
		wantNoTR string // the form without transmission risk, accepted when all risks are 0
	}{
		{"risks 3 and 5", keys(3, 5), "2u1nHt5WWurJytFLF3xitNzM99oNrad2y4YGOL53AeY=", ""},
		{"risks 0", keys(0, 0), "mFNI9zhTA17n4ndd1Vu5tsn4XQX0gPrIKyjeh/9noUE=", "J9S7xVebH/66dm14wGsIcAnSUR3PHD4NtDQEOGZbDUo="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := slices.Clone(tt.keys)
			if got := base64.StdEncoding.EncodeToString(KeysHMAC(secret, tt.keys)); got != tt.want {
				t.Errorf("KeysHMAC = %s, want %s", got, tt.want)
			}
			if !slices.EqualFunc(before, tt.keys, func(a, b Key) bool { return string(a.Data) == string(b.Data) }) {
				t.Error("KeysHMAC reordered its argument")
			}
			if !VerifyKeysHMAC(secret, tt.keys, b64(t, tt.want)) {
				t.Error("VerifyKeysHMAC refuses the HMAC")
			}
			if tt.wantNoTR != "" && !VerifyKeysHMAC(secret, tt.keys, b64(t, tt.wantNoTR)) {
				t.Error("VerifyKeysHMAC refuses the form without transmission risk")
			}
		})
	}
}

func TestVerifyKeysHMACRefuses(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdef")
	keys := []Key{{Data: make([]byte, 16), IntervalNumber: 10, IntervalCount: 144, TransmissionRisk: 2}}
	mac := KeysHMAC(secret, keys)
	noRisk := keysHMAC(secret, keys, false)
	changed := []Key{{Data: make([]byte, 16), IntervalNumber: 10, IntervalCount: 143, TransmissionRisk: 2}}
	tests := []struct {
		name   string
		secret []byte
		keys   []Key
		mac    []byte
	}{
		{"other secret", []byte("fedcba9876543210"), keys, mac},
		{"changed key", secret, changed, mac},
		{"no-risk form with a risk set", secret, keys, noRisk},
		{"empty keys", secret, nil, KeysHMAC(secret, nil)},
		{"truncated", secret, keys, mac[:16]},
	}
	for _, tt := range tests {
		if VerifyKeysHMAC(tt.secret, tt.keys, tt.mac) {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}

// ExampleKeysHMAC shows the cleartext format behind the HMAC.
func ExampleKeysHMAC() {
	secret := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	keyA, _ := base64.StdEncoding.DecodeString("z2Cx9hdz2SlxZ8GEgqTYpA==")
	keyB, _ := base64.StdEncoding.DecodeString("dPCphLzfG4uzXneNimkPRQ==")
	// HMAC-SHA-256 of "dPCphLzfG4uzXneNimkPRQ==.144.144.5,z2Cx9hdz2SlxZ8GEgqTYpA==.1.144.3"
	mac := KeysHMAC(secret, []Key{
		{Data: keyA, IntervalNumber: 1, IntervalCount: 144, TransmissionRisk: 3},
		{Data: keyB, IntervalNumber: 144, IntervalCount: 144, TransmissionRisk: 5},
	})
	fmt.Println(base64.StdEncoding.EncodeToString(mac))
	// Output: 2u1nHt5WWurJytFLF3xitNzM99oNrad2y4YGOL53AeY=
}
