package certificate

import (
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/pccovid/pccovid/internal/certificate/base45"
	"github.com/pccovid/pccovid/internal/clock"
)

// Country is the ISO 3166-1 code PC-Covid puts in the iss claim.
const Country = "VN"

// ErrSignerUnusable is returned by Issue when its document signer cannot
// sign the certificate: the DSC is expired or not yet valid, or its
// extended key usage does not cover the certificate's type. It is a key
// management problem, not bad input: a new or another DSC is needed.
var ErrSignerUnusable = errors.New("certificate: the document signer cannot sign this certificate")

// Issuer signs DCCs with one document signer key, ES256. It is safe for
// concurrent use.
type Issuer struct {
	dsc       *x509.Certificate
	key       *ecdsa.PrivateKey
	protected []byte // the encoded protected header {1: -7, 4: kid}
	validator *Validator
	clock     clock.Clock
	zlib      zlibPool
}

// NewIssuer returns an Issuer signing with key, the private key of the
// document signer certificate dsc. Payloads are checked with v; the time of
// issue comes from clk.
func NewIssuer(dsc *x509.Certificate, key *ecdsa.PrivateKey, v *Validator, clk clock.Clock) (*Issuer, error) {
	if !key.PublicKey.Equal(dsc.PublicKey) {
		return nil, fmt.Errorf("certificate: %w", errNotSigner)
	}
	// Deterministic encoding puts alg (1) before kid (4); the kid goes in the
	// protected header so that it is signed (HCERT 3.3.1).
	protected, err := cborEnc.Marshal(coseHeader{Alg: new(int64(AlgES256)), Kid: KID(dsc)})
	if err != nil {
		return nil, err
	}
	return &Issuer{dsc: dsc, key: key, protected: protected, validator: v, clock: clk}, nil
}

// Issued is a signed certificate. Times are UTC, whole seconds.
type Issued struct {
	QR       string // the text to put in the QR code, "HC1:…"
	UVCI     string // the certificate identifier, as in the payload
	IssuedAt time.Time
	Expires  time.Time // 12 months after issue, or the DSC's expiry if sooner
}

// Issue signs d and returns the QR text. Empty fields are completed: ver
// with [SchemaVersion], fnt and gnt by [Transliterate] of fn and gn, and the
// entry's ci with a new [NewUVCI]. The payload must then match the schema
// and use codes of the EU value sets, or the error wraps
// problem.ErrInvalid; a DSC that cannot sign it gives [ErrSignerUnusable].
func (is *Issuer) Issue(d DCC) (Issued, error) {
	now := is.clock.Now().UTC().Truncate(time.Second)
	if now.Before(is.dsc.NotBefore) || now.After(is.dsc.NotAfter) {
		return Issued{}, fmt.Errorf("%w: it is valid from %s to %s", ErrSignerUnusable, stamp(is.dsc.NotBefore), stamp(is.dsc.NotAfter))
	}
	uvci := complete(&d)
	dcc, err := is.encodePayload(&d)
	if err != nil {
		return Issued{}, err
	}
	exp := now.AddDate(1, 0, 0)
	if exp.After(is.dsc.NotAfter) {
		exp = is.dsc.NotAfter.UTC().Truncate(time.Second)
	}
	payload, err := cborEnc.Marshal(claims{
		Issuer: Country, IssuedAt: now.Unix(), Expires: exp.Unix(), HCert: hcertClaim{DCC: dcc},
	})
	if err != nil {
		return Issued{}, err
	}
	qr, err := is.sign(payload)
	if err != nil {
		return Issued{}, err
	}
	return Issued{QR: qr, UVCI: uvci, IssuedAt: now, Expires: exp}, nil
}

// complete fills the empty fields of d that Issue derives, and returns the
// UVCI.
func complete(d *DCC) string {
	if d.Version == "" {
		d.Version = SchemaVersion
	}
	if d.Name.FamilyNameStd == "" {
		d.Name.FamilyNameStd = Transliterate(d.Name.FamilyName)
	}
	if d.Name.GivenNameStd == "" {
		d.Name.GivenNameStd = Transliterate(d.Name.GivenName)
	}
	// Copy the entry slices so that filling ci does not write to the caller's.
	d.Vaccinations = append([]Vaccination(nil), d.Vaccinations...)
	d.Tests = append([]Test(nil), d.Tests...)
	d.Recoveries = append([]Recovery(nil), d.Recoveries...)
	var ci *string
	switch {
	case len(d.Vaccinations) > 0:
		ci = &d.Vaccinations[0].ID
	case len(d.Tests) > 0:
		ci = &d.Tests[0].ID
	case len(d.Recoveries) > 0:
		ci = &d.Recoveries[0].ID
	default:
		return ""
	}
	if *ci == "" {
		*ci = NewUVCI()
	}
	return *ci
}

// encodePayload encodes d as CBOR and checks exactly those bytes: schema,
// value sets and the DSC's key usage.
func (is *Issuer) encodePayload(d *DCC) (cbor.RawMessage, error) {
	dcc, err := cborEnc.Marshal(d)
	if err != nil {
		return nil, err
	}
	doc, err := dccJSON(dcc)
	if err != nil {
		return nil, err
	}
	if err := is.validator.Validate(doc); err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	if err := is.validator.CheckValueSets(d); err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	if err := checkKeyUsage(is.dsc, []Type{d.Type()}); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignerUnusable, err)
	}
	return dcc, nil
}

// sign wraps payload in a tagged COSE_Sign1 signed with ES256, compresses
// it and returns the QR text.
func (is *Issuer) sign(payload []byte) (string, error) {
	sig, err := signES256(is.key, toBeSigned(is.protected, payload))
	if err != nil {
		return "", fmt.Errorf("certificate: sign: %w", err)
	}
	msg, err := cborEnc.Marshal(cbor.Tag{Number: tagCOSESign1, Content: sign1{
		Protected:   is.protected,
		Unprotected: cbor.RawMessage{0xa0}, // empty map
		Payload:     payload,
		Signature:   sig,
	}})
	if err != nil {
		return "", err
	}
	return Prefix + base45.Encode(is.zlib.compress(msg)), nil
}
