package certificate

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/pccovid/pccovid/internal/certificate/base45"
)

// Verifier checks DCC QR texts against a trust list of document signer
// certificates (DSCs). It is safe for concurrent use.
type Verifier struct {
	signers   map[string][]*x509.Certificate // by kid; kids may collide
	validator *Validator
	inflater  inflaterPool
}

// NewVerifier returns a Verifier that trusts the given DSCs and checks
// payloads with v. Each DSC is found by its [KID]; when two share a kid,
// both are tried, as HCERT 3.3.3 requires.
func NewVerifier(v *Validator, signers ...*x509.Certificate) *Verifier {
	m := make(map[string][]*x509.Certificate, len(signers))
	for _, c := range signers {
		kid := string(KID(c))
		m[kid] = append(m[kid], c)
	}
	return &Verifier{signers: m, validator: v}
}

// Verify decodes the QR text qr (prefix, Base45, zlib, COSE_Sign1, CWT,
// DCC) and checks it as of the time at: signature by a trusted DSC, validity
// period, the DSC's validity and key usage, and the DCC schema.
//
// The Result always says what was found; err is nil exactly when the
// certificate is valid, and is otherwise an *Error with the Result's code,
// wrapping problem.ErrInvalid.
func (v *Verifier) Verify(qr string, at time.Time) (Result, error) {
	var res Result
	b45, err := unprefix(qr)
	if err != nil {
		return res, res.fail(CodeBadPrefix, "%v", err)
	}
	compressed, err := base45.Decode(b45)
	if err != nil {
		return res, res.fail(CodeBase45, "%v", err)
	}
	cose, err := v.inflater.decompress(compressed)
	if err != nil {
		return res, res.fail(CodeZlib, "%v", err)
	}
	return res, v.verifyCOSE(&res, cose, at)
}

// verifyCOSE runs the checks that follow decompression.
func (v *Verifier) verifyCOSE(res *Result, cose []byte, at time.Time) error {
	msg, h, err := decodeSign1(cose)
	if err != nil {
		return res.fail(CodeCOSE, "%v", err)
	}
	res.Kid = h.Kid
	if h.Alg != nil {
		res.Algorithm = *h.Alg
	}
	if err := v.checkSignature(res, msg, h); err != nil {
		return err
	}
	payload, err := v.readClaims(res, msg.Payload)
	if err != nil {
		return err
	}
	if err := checkTimes(res, at); err != nil {
		return err
	}
	types := typesOf(payload)
	if err := checkKeyUsage(res.Signer, types); err != nil {
		return res.fail(CodeKeyUsage, "%v", err)
	}
	if err := v.validator.Validate(payload); err != nil {
		return res.fail(CodeSchema, "%v", err)
	}
	if len(types) == 1 {
		res.Type = types[0]
	}
	res.Valid, res.Code, res.Message = true, CodeOK, "valid"
	return nil
}

// errAlgorithm marks signature failures caused by the algorithm rather than
// by the signature bytes.
var errAlgorithm = errors.New("algorithm")

// checkSignature finds the DSCs for the message's kid and accepts the
// message if one of their keys verifies the signature.
func (v *Verifier) checkSignature(res *Result, msg *sign1, h coseHeader) error {
	if len(h.Kid) == 0 {
		return res.fail(CodeUnknownKid, "COSE message has no kid")
	}
	signers := v.signers[string(h.Kid)]
	if len(signers) == 0 {
		return res.fail(CodeUnknownKid, "no trusted document signer has kid %x", h.Kid)
	}
	if h.Alg == nil {
		return res.fail(CodeAlgorithm, "COSE message has no alg")
	}
	tbs := toBeSigned(msg.Protected, msg.Payload)
	var err error
	for _, c := range signers {
		if err = verifySignature(*h.Alg, c.PublicKey, tbs, msg.Signature); err == nil {
			res.Signer = c
			return nil
		}
	}
	if errors.Is(err, errAlgorithm) {
		return res.fail(CodeAlgorithm, "%v", err)
	}
	return res.fail(CodeSignature, "%v", err)
}

// readClaims decodes the CWT claims into res and returns the DCC as a JSON
// value, for the schema; res.DCC gets the same data typed.
func (v *Verifier) readClaims(res *Result, payload []byte) (any, error) {
	c, err := decodeClaims(payload)
	if err != nil {
		return nil, res.fail(CodeCWT, "%v", err)
	}
	res.Issuer, res.IssuedAt, res.Expires = c.Issuer, c.IssuedAt, c.Expires
	doc, err := dccJSON(c.DCC)
	if err != nil {
		return nil, res.fail(CodeCWT, "EU DCC: %v", err)
	}
	res.DCC = dccFromDoc(doc)
	return doc, nil
}

// dccJSON decodes a CBOR-encoded DCC into its JSON value.
func dccJSON(raw cbor.RawMessage) (any, error) {
	var g any
	if err := dccDec.Unmarshal(raw, &g); err != nil {
		return nil, err
	}
	return jsonValue(g)
}

// checkTimes checks the validity period of the certificate and of its
// signer at the time at. Bounds are inclusive: a certificate is still valid
// in the second of its exp.
func checkTimes(res *Result, at time.Time) error {
	switch {
	case at.Before(res.IssuedAt):
		return res.fail(CodeNotYetValid, "issued at %s, after %s", stamp(res.IssuedAt), stamp(at))
	case at.After(res.Expires):
		return res.fail(CodeExpired, "expired at %s, before %s", stamp(res.Expires), stamp(at))
	}
	if err := signerValidAt(res.Signer, res.IssuedAt, at); err != nil {
		return res.fail(CodeSignerValidity, "%v", err)
	}
	return nil
}

// signerValidAt checks that dsc was valid when it signed (iat, HCERT 3.3.6)
// and still is at the time at. A certificate whose exp outlives its DSC
// (against HCERT 3.3.5) is thus accepted until the DSC expires.
func signerValidAt(dsc *x509.Certificate, iat, at time.Time) error {
	if iat.Before(dsc.NotBefore) {
		return fmt.Errorf("signed at %s, before its signer's validity from %s", stamp(iat), stamp(dsc.NotBefore))
	}
	if at.After(dsc.NotAfter) {
		return fmt.Errorf("its signer expired at %s, before %s", stamp(dsc.NotAfter), stamp(at))
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// typesOf returns the certificate types whose groups a DCC JSON value has.
func typesOf(doc any) []Type {
	m, _ := doc.(map[string]any)
	var types []Type
	for _, t := range []Type{TypeVaccination, TypeTest, TypeRecovery} {
		if v, ok := m[string(t)]; ok && v != nil {
			types = append(types, t)
		}
	}
	return types
}

// The extended key usage OIDs of HCERT A.4, and the variants with an extra
// ".0" arc that several Member States' DSCs (and the EU test data) carry.
var keyUsageOIDs = map[Type][]asn1.ObjectIdentifier{
	TypeTest:        {{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 1}, {1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 1}},
	TypeVaccination: {{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 2}, {1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 2}},
	TypeRecovery:    {{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 3}, {1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 3}},
}

// checkKeyUsage checks that dsc may sign certificates of every given type.
// A DSC without an extended key usage extension may sign any type (HCERT
// 5.2); one with the extension may sign only the types it lists, so a DSC
// whose extension lists only unrelated purposes may sign none.
func checkKeyUsage(dsc *x509.Certificate, types []Type) error {
	if len(dsc.ExtKeyUsage) == 0 && len(dsc.UnknownExtKeyUsage) == 0 {
		return nil
	}
	if slices.Contains(dsc.ExtKeyUsage, x509.ExtKeyUsageAny) {
		return nil
	}
	for _, t := range types {
		allowed := slices.ContainsFunc(dsc.UnknownExtKeyUsage, func(o asn1.ObjectIdentifier) bool {
			return slices.ContainsFunc(keyUsageOIDs[t], o.Equal)
		})
		if !allowed {
			return fmt.Errorf("the document signer's extended key usage does not allow type %q", t)
		}
	}
	return nil
}
