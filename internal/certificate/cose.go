package certificate

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	"github.com/fxamacker/cbor/v2"
)

// COSE_Sign1 is written by hand (RFC 9052) rather than with go-cose: the DCC
// needs only ES256 and PS256, a kid that may sit in either header bucket
// (the protected one wins), and acceptance of untagged, tag-18 and
// tag-61-wrapped messages. Doing the few steps here keeps those rules in
// view, keeps the protected header's bytes exactly as signed, and avoids
// go-cose's generic header maps on the verify path. go-cose is still used in
// the tests, as an independent check of what Issue produces.

// COSE algorithm identifiers (RFC 9053, RFC 8230) that the DCC uses.
const (
	AlgES256 = -7
	AlgPS256 = -37
)

// CBOR tags around a COSE_Sign1 message.
const (
	tagCOSESign1 = 18
	tagCWT       = 61
)

// sign1 is a decoded COSE_Sign1 message. Protected holds the protected
// header's bytes exactly as they were signed.
type sign1 struct {
	_           struct{} `cbor:",toarray"`
	Protected   []byte
	Unprotected cbor.RawMessage
	Payload     []byte
	Signature   []byte
}

// coseHeader holds the header parameters the DCC uses, alg (label 1) and
// kid (label 4); others are ignored.
type coseHeader struct {
	Alg *int64 `cbor:"1,keyasint,omitempty"`
	Kid []byte `cbor:"4,keyasint,omitempty"`
}

// decodeSign1 parses a COSE_Sign1 message, untagged or tagged 18, possibly
// wrapped in the CWT tag 61. It returns the message and the header
// parameters, the protected ones taking precedence.
func decodeSign1(data []byte) (*sign1, coseHeader, error) {
	body, err := untag(data)
	if err != nil {
		return nil, coseHeader{}, err
	}
	var msg sign1
	if err := cborDec.Unmarshal(body, &msg); err != nil {
		return nil, coseHeader{}, fmt.Errorf("COSE_Sign1: %w", err)
	}
	if msg.Payload == nil {
		return nil, coseHeader{}, errors.New("COSE_Sign1: detached payload")
	}
	h, err := msg.headers()
	return &msg, h, err
}

// untag strips an optional CWT tag (61) and then an optional COSE_Sign1 tag
// (18) from data, and rejects any other tag or order.
func untag(data []byte) ([]byte, error) {
	allowed := []uint64{tagCWT, tagCOSESign1}
	for len(data) > 0 && data[0]>>5 == 6 { // major type 6: a tag
		var t cbor.RawTag
		if err := cborDec.Unmarshal(data, &t); err != nil {
			return nil, fmt.Errorf("COSE: %w", err)
		}
		i := slices.Index(allowed, t.Number)
		if i < 0 {
			return nil, fmt.Errorf("COSE: unexpected CBOR tag %d", t.Number)
		}
		allowed = allowed[i+1:]
		data = t.Content
	}
	return data, nil
}

// headers merges the protected and unprotected header parameters; a
// protected value wins (HCERT 3.3.3).
func (m *sign1) headers() (coseHeader, error) {
	var prot, unprot coseHeader
	if len(m.Protected) > 0 {
		if err := cborDec.Unmarshal(m.Protected, &prot); err != nil {
			return prot, fmt.Errorf("COSE protected header: %w", err)
		}
	}
	if len(m.Unprotected) > 0 {
		if err := cborDec.Unmarshal(m.Unprotected, &unprot); err != nil {
			return prot, fmt.Errorf("COSE unprotected header: %w", err)
		}
	}
	if prot.Alg == nil {
		// RFC 9052 wants alg protected; tolerate it unprotected as other
		// verifiers do, since the signature check still binds the key type.
		prot.Alg = unprot.Alg
	}
	if prot.Kid == nil {
		prot.Kid = unprot.Kid
	}
	return prot, nil
}

// toBeSigned returns the Sig_structure of RFC 9052 section 4.4 for a
// COSE_Sign1 with an empty external_aad: the array of "Signature1", the
// protected header bytes, an empty byte string and the payload. It is
// written directly since it is on the path of every signature.
func toBeSigned(protected, payload []byte) []byte {
	b := make([]byte, 0, 32+len(protected)+len(payload))
	b = append(b, 0x84, 0x6a) // array(4), text(10)
	b = append(b, "Signature1"...)
	b = appendBstr(b, protected)
	b = append(b, 0x40) // empty external_aad
	return appendBstr(b, payload)
}

// appendBstr appends a CBOR byte string with the shortest length header.
func appendBstr(b, data []byte) []byte {
	const major = 2 << 5
	switch n := len(data); {
	case n < 24:
		b = append(b, major|byte(n))
	case n <= 0xff:
		b = append(b, major|24, byte(n))
	case n <= 0xffff:
		b = append(b, major|25, byte(n>>8), byte(n))
	default:
		b = append(b, major|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, data...)
}

// verifySignature checks sig over the Sig_structure with the public key pub,
// using the COSE algorithm alg.
func verifySignature(alg int64, pub crypto.PublicKey, tbs, sig []byte) error {
	digest := sha256.Sum256(tbs)
	switch alg {
	case AlgES256:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || k.Curve != elliptic.P256() {
			return fmt.Errorf("%w: ES256 needs a P-256 key", errAlgorithm)
		}
		if len(sig) != 64 {
			return fmt.Errorf("ES256 signature is %d bytes, want 64", len(sig))
		}
		if !ecdsa.VerifyASN1(k, digest[:], asn1Signature(sig)) {
			return errors.New("ES256 signature does not verify")
		}
		return nil
	case AlgPS256:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: PS256 needs an RSA key", errAlgorithm)
		}
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
		if err := rsa.VerifyPSS(k, crypto.SHA256, digest[:], sig, opts); err != nil {
			return fmt.Errorf("PS256 signature does not verify: %w", err)
		}
		return nil
	default:
		return fmt.Errorf("%w: unsupported COSE algorithm %d", errAlgorithm, alg)
	}
}

// asn1Signature turns an ES256 signature, r and s as 32 bytes each, into
// the ASN.1 DER form crypto/ecdsa reads: SEQUENCE { INTEGER r, INTEGER s }.
// Every length fits in one byte.
func asn1Signature(sig []byte) []byte {
	r, s := derInteger(sig[:32]), derInteger(sig[32:])
	out := make([]byte, 0, 2+len(r)+len(s))
	out = append(out, 0x30, byte(len(r)+len(s)))
	out = append(out, r...)
	return append(out, s...)
}

// derInteger encodes a big-endian unsigned number as a DER INTEGER.
func derInteger(n []byte) []byte {
	for len(n) > 1 && n[0] == 0 {
		n = n[1:]
	}
	pad := 0
	if n[0]&0x80 != 0 {
		pad = 1 // keep it positive
	}
	out := make([]byte, 2+pad, 2+pad+len(n))
	out[0], out[1] = 0x02, byte(pad+len(n))
	return append(out, n...)
}

// signES256 signs tbs with key and returns the COSE form of the signature:
// r and s as 32-byte big-endian integers, concatenated (RFC 9053 2.1), not
// the ASN.1 form that crypto/ecdsa produces.
func signES256(key *ecdsa.PrivateKey, tbs []byte) ([]byte, error) {
	digest := sha256.Sum256(tbs)
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return nil, err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig, nil
}
