package gaen

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// KeysHMAC returns the verification protocol's HMAC-SHA-256 of keys under
// secret. The cleartext is one segment per key,
//
//	base64(key).rollingStartNumber.rollingPeriod.transmissionRisk
//
// (standard padded base64, decimal numbers), the segments sorted by their
// base64 key and joined with ",". The phone sends this HMAC to the
// verification server, which signs it into the certificate's "tekmac" claim;
// the key server recomputes it from the uploaded keys and the phone's hmacKey.
// keys is not reordered. Validate keys first: the protocol has no HMAC of an
// empty key list.
func KeysHMAC(secret []byte, keys []Key) []byte {
	return keysHMAC(secret, keys, true)
}

// VerifyKeysHMAC reports whether mac is the HMAC of keys under secret, in
// constant time. Like the reference server it also accepts the older form
// without the transmission risk segment when every key's risk is 0, since
// apps that no longer set a risk computed it that way. It is false for an
// empty key list.
func VerifyKeysHMAC(secret []byte, keys []Key, mac []byte) bool {
	if len(keys) == 0 {
		return false
	}
	if hmac.Equal(mac, keysHMAC(secret, keys, true)) {
		return true
	}
	for _, k := range keys {
		if k.TransmissionRisk != 0 {
			return false
		}
	}
	return hmac.Equal(mac, keysHMAC(secret, keys, false))
}

// keysHMAC computes the HMAC, with or without the transmission risk segment.
func keysHMAC(secret []byte, keys []Key, withRisk bool) []byte {
	type segment struct{ key, text string }
	segs := make([]segment, len(keys))
	for i, k := range keys {
		b64 := base64.StdEncoding.EncodeToString(k.Data)
		text := b64 + "." + strconv.Itoa(int(k.IntervalNumber)) + "." + strconv.Itoa(int(k.IntervalCount))
		if withRisk {
			text += "." + strconv.Itoa(int(k.TransmissionRisk))
		}
		segs[i] = segment{b64, text}
	}
	// Sort on the key alone, not the whole segment: '+' sorts before '.', so
	// comparing segments would misorder keys where one base64 is a prefix of
	// another (only possible for keys of the wrong length, but be exact).
	slices.SortStableFunc(segs, func(a, b segment) int { return strings.Compare(a.key, b.key) })
	mac := hmac.New(sha256.New, secret)
	for i, s := range segs {
		if i > 0 {
			mac.Write([]byte{','})
		}
		mac.Write([]byte(s.text))
	}
	return mac.Sum(nil)
}
