package certificate

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// CWT claim keys (RFC 8392, HCERT 3.3), as used in messages; the struct
// tags below carry the same numbers: iss 1, exp 4, iat 6, hcert -260, and
// the EU DCC under key 1 of hcert.
const (
	claimExp = 4
	claimIat = 6
)

// The CBOR modes are immutable after creation and safe for concurrent use.
var (
	// cborEnc is RFC 8949 core deterministic encoding: shortest integers and
	// lengths, no indefinite lengths, map keys in bytewise order. The HCERT
	// spec leaves the encoding open; a deterministic one makes the signed
	// bytes reproducible and the QR as small as it can be.
	cborEnc = must(cbor.CoreDetEncOptions().EncMode())
	// cborDec rejects duplicate map keys (two different readings of one
	// signed message must not be possible) and invalid UTF-8.
	cborDec = must(cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		UTF8:             cbor.UTF8RejectInvalid,
		IntDec:           cbor.IntDecConvertNone,
		TimeTagToAny:     cbor.TimeTagToRFC3339,
		MaxArrayElements: 1024,
		MaxMapPairs:      1024,
	}.DecMode())
	// dccDec decodes a DCC into the values encoding/json would give, as the
	// schema validator wants: objects as map[string]any (a DCC has only
	// text keys), integers as int64, tag-0 and tag-1 times as RFC 3339 text.
	dccDec = must(cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		UTF8:             cbor.UTF8RejectInvalid,
		IntDec:           cbor.IntDecConvertSignedOrFail,
		TimeTagToAny:     cbor.TimeTagToRFC3339,
		DefaultMapType:   reflect.TypeFor[map[string]any](),
		MaxArrayElements: 1024,
		MaxMapPairs:      1024,
	}.DecMode())
)

// must returns v, and panics on err: for options that are valid by
// construction.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// claims are the CWT claims of a DCC, as issued by PC-Covid.
type claims struct {
	Issuer   string     `cbor:"1,keyasint,omitempty"`
	Expires  int64      `cbor:"4,keyasint"`
	IssuedAt int64      `cbor:"6,keyasint"`
	HCert    hcertClaim `cbor:"-260,keyasint"`
}

// hcertClaim is the hcert claim, a map holding the EU DCC under key 1.
type hcertClaim struct {
	DCC cbor.RawMessage `cbor:"1,keyasint"`
}

// decodedClaims are the CWT claims of a received DCC; the DCC itself is left
// as CBOR for the schema check and the typed decoding.
type decodedClaims struct {
	Issuer            string
	IssuedAt, Expires time.Time
	DCC               cbor.RawMessage
}

// wireClaims are the claims Verify reads, each kept as raw CBOR until it is
// checked. Claims under other keys, including text keys, are ignored.
type wireClaims struct {
	Iss   cbor.RawMessage `cbor:"1,keyasint"`
	Exp   cbor.RawMessage `cbor:"4,keyasint"`
	Iat   cbor.RawMessage `cbor:"6,keyasint"`
	HCert cbor.RawMessage `cbor:"-260,keyasint"`
}

// decodeClaims parses the CWT claims set of a COSE payload.
func decodeClaims(payload []byte) (*decodedClaims, error) {
	var w wireClaims
	if err := cborDec.Unmarshal(payload, &w); err != nil {
		return nil, fmt.Errorf("CWT claims: %w", err)
	}
	var c decodedClaims
	if w.Iss != nil {
		if err := cborDec.Unmarshal(w.Iss, &c.Issuer); err != nil {
			return nil, fmt.Errorf("CWT iss: %w", err)
		}
	}
	var err error
	if c.IssuedAt, err = numericDate(w.Iat, claimIat, "iat"); err != nil {
		return nil, err
	}
	if c.Expires, err = numericDate(w.Exp, claimExp, "exp"); err != nil {
		return nil, err
	}
	if c.DCC, err = hcertDCC(w.HCert); err != nil {
		return nil, err
	}
	return &c, nil
}

// numericDate reads a NumericDate claim (RFC 8392 section 2): an integer or
// a floating-point number of seconds since the Unix epoch.
func numericDate(raw cbor.RawMessage, key int64, name string) (time.Time, error) {
	if raw == nil {
		return time.Time{}, fmt.Errorf("CWT claim %s (%d) is missing", name, key)
	}
	var v any
	if err := cborDec.Unmarshal(raw, &v); err != nil {
		return time.Time{}, fmt.Errorf("CWT %s: %w", name, err)
	}
	switch n := v.(type) {
	case uint64:
		if n <= math.MaxInt64 {
			return time.Unix(int64(n), 0).UTC(), nil
		}
	case int64:
		return time.Unix(n, 0).UTC(), nil
	case float64:
		if n >= math.MinInt64 && n <= math.MaxInt64 && !math.IsNaN(n) {
			return time.Unix(int64(n), 0).UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("CWT %s is not a NumericDate: %v", name, v)
}

// hcertDCC returns the EU DCC inside the hcert claim.
func hcertDCC(raw cbor.RawMessage) (cbor.RawMessage, error) {
	if raw == nil {
		return nil, errors.New("CWT claim hcert (-260) is missing")
	}
	var h struct {
		DCC cbor.RawMessage `cbor:"1,keyasint"`
	}
	if err := cborDec.Unmarshal(raw, &h); err != nil {
		return nil, fmt.Errorf("CWT hcert: %w", err)
	}
	if h.DCC == nil {
		return nil, errors.New("CWT hcert claim has no EU DCC (key 1)")
	}
	return h.DCC, nil
}
