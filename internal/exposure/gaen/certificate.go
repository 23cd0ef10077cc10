package gaen

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/problem"
)

// Why a verification certificate was refused. Each wraps
// problem.ErrForbidden: an upload without a valid certificate is not allowed.
// The returned error also wraps the JWT library's own error for detail.
var (
	ErrCertificateMalformed   = fmt.Errorf("verification certificate is malformed: %w", problem.ErrForbidden)
	ErrCertificateAlgorithm   = fmt.Errorf("verification certificate is not signed with ES256: %w", problem.ErrForbidden)
	ErrCertificateUnknownKey  = fmt.Errorf("verification certificate is signed by an unknown key: %w", problem.ErrForbidden)
	ErrCertificateSignature   = fmt.Errorf("verification certificate signature does not verify: %w", problem.ErrForbidden)
	ErrCertificateExpired     = fmt.Errorf("verification certificate has expired: %w", problem.ErrForbidden)
	ErrCertificateNotYetValid = fmt.Errorf("verification certificate is not valid yet: %w", problem.ErrForbidden)
	ErrCertificateIssuer      = fmt.Errorf("verification certificate has the wrong issuer: %w", problem.ErrForbidden)
	ErrCertificateAudience    = fmt.Errorf("verification certificate has the wrong audience: %w", problem.ErrForbidden)
	ErrCertificateClaims      = fmt.Errorf("verification certificate claims are missing or invalid: %w", problem.ErrForbidden)
)

// CertificateClaims are the claims of a verification certificate, the ES256
// JWT the verification server issues on /api/certificate and the key server
// checks on /v1/publish.
type CertificateClaims struct {
	Issuer    string    // "iss": the health authority's verification server
	Audience  string    // "aud": the key server
	IssuedAt  time.Time // "iat"
	NotBefore time.Time // "nbf"; zero leaves it out
	ExpiresAt time.Time // "exp"; required
	// ReportType is the "reportType" claim: TestTypeConfirmed, TestTypeLikely,
	// TestTypeNegative or TestTypeUserReport.
	ReportType string
	// SymptomOnsetInterval is an interval on the day of symptom onset; 0 when
	// unknown.
	SymptomOnsetInterval uint32
	// TransmissionRisks is the deprecated "trisk" claim.
	TransmissionRisks []TransmissionRiskOverride
	// KeysHMAC is the "tekmac" claim: KeysHMAC of the keys this certificate
	// allows to be uploaded (base64 in the JWT).
	KeysHMAC []byte
}

// TransmissionRiskOverride is one entry of the deprecated "trisk" claim: keys
// valid at or after SinceRollingInterval get TransmissionRisk.
type TransmissionRiskOverride struct {
	TransmissionRisk     int32 `json:"tr"`
	SinceRollingInterval int32 `json:"sinceRollingInterval"`
}

// UnmarshalJSON also accepts "sinceRollingPeriod", the member's name in the
// protocol's design document and in older servers.
func (t *TransmissionRiskOverride) UnmarshalJSON(b []byte) error {
	var w struct {
		TR     int32  `json:"tr"`
		Since  *int32 `json:"sinceRollingInterval"`
		Period *int32 `json:"sinceRollingPeriod"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*t = TransmissionRiskOverride{TransmissionRisk: w.TR}
	switch {
	case w.Since != nil:
		t.SinceRollingInterval = *w.Since
	case w.Period != nil:
		t.SinceRollingInterval = *w.Period
	}
	return nil
}

// certPayload is the JWT body as SignCertificate writes it. "aud" is a plain
// string, as the reference servers (which decode it into a string) expect.
type certPayload struct {
	Issuer               string                     `json:"iss"`
	Audience             string                     `json:"aud"`
	IssuedAt             int64                      `json:"iat,omitempty"`
	NotBefore            int64                      `json:"nbf,omitempty"`
	ExpiresAt            int64                      `json:"exp"`
	ReportType           string                     `json:"reportType"`
	SymptomOnsetInterval uint32                     `json:"symptomOnsetInterval,omitempty"`
	TransmissionRisks    []TransmissionRiskOverride `json:"trisk,omitempty"`
	KeysHMAC             string                     `json:"tekmac"`
}

// certParsed is the JWT body as CertificateVerifier reads it; the registered
// claims accept "aud" as a string or an array.
type certParsed struct {
	jwt.RegisteredClaims
	ReportType           string                     `json:"reportType"`
	SymptomOnsetInterval uint32                     `json:"symptomOnsetInterval"`
	TransmissionRisks    []TransmissionRiskOverride `json:"trisk"`
	KeysHMAC             string                     `json:"tekmac"`
}

// checkClaims checks what every certificate must carry, on issue and on
// receipt alike.
func (c CertificateClaims) checkClaims() error {
	switch {
	case c.ExpiresAt.IsZero():
		return fmt.Errorf("gaen: certificate: no expiry (exp): %w", ErrCertificateClaims)
	case len(c.KeysHMAC) != sha256.Size:
		return fmt.Errorf("gaen: certificate: tekmac is %d bytes, want %d: %w", len(c.KeysHMAC), sha256.Size, ErrCertificateClaims)
	}
	if _, ok := ReportTypeOf(c.ReportType); !ok {
		return fmt.Errorf("gaen: certificate: unknown reportType %q: %w", c.ReportType, ErrCertificateClaims)
	}
	return nil
}

// SignCertificate issues a verification certificate: an ES256 JWT over
// claims, signed by signer (an ECDSA P-256 key, in memory or in a KMS), with
// keyID in the "kid" header when not empty. Issuer, audience, expiry,
// reportType and a 32-byte KeysHMAC are required.
func SignCertificate(signer crypto.Signer, keyID string, c CertificateClaims) (string, error) {
	if err := checkP256(signer.Public()); err != nil {
		return "", err
	}
	if c.Issuer == "" || c.Audience == "" {
		return "", fmt.Errorf("gaen: certificate: issuer and audience are required: %w", ErrCertificateClaims)
	}
	if err := c.checkClaims(); err != nil {
		return "", err
	}
	header, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
		Kid string `json:"kid,omitempty"`
	}{"ES256", "JWT", keyID})
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(c.payload())
	if err != nil {
		return "", err
	}
	signing := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(body)
	sig, err := signES256(signer, []byte(signing))
	if err != nil {
		return "", err
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func (c CertificateClaims) payload() certPayload {
	p := certPayload{
		Issuer:               c.Issuer,
		Audience:             c.Audience,
		ExpiresAt:            c.ExpiresAt.Unix(),
		ReportType:           c.ReportType,
		SymptomOnsetInterval: c.SymptomOnsetInterval,
		TransmissionRisks:    c.TransmissionRisks,
		KeysHMAC:             base64.StdEncoding.EncodeToString(c.KeysHMAC),
	}
	if !c.IssuedAt.IsZero() {
		p.IssuedAt = c.IssuedAt.Unix()
	}
	if !c.NotBefore.IsZero() {
		p.NotBefore = c.NotBefore.Unix()
	}
	return p
}

// signES256 signs msg with SHA-256 and returns the JWS form of the
// signature: r || s, 32 bytes each (crypto.Signer gives ASN.1 DER).
func signES256(signer crypto.Signer, msg []byte) ([]byte, error) {
	digest := sha256.Sum256(msg)
	der, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("gaen: sign certificate: %w", err)
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("gaen: sign certificate: signer returned a malformed ECDSA signature")
	}
	if rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > 256 || rs.S.BitLen() > 256 {
		return nil, fmt.Errorf("gaen: sign certificate: signer returned an out-of-range ECDSA signature")
	}
	out := make([]byte, 64)
	rs.R.FillBytes(out[:32])
	rs.S.FillBytes(out[32:])
	return out, nil
}

// checkP256 checks that pub is an ECDSA P-256 public key.
func checkP256(pub crypto.PublicKey) error {
	if k, ok := pub.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
		return fmt.Errorf("gaen: signing key must be ECDSA P-256, got %T", pub)
	}
	return nil
}

// CertificateVerifier checks verification certificates on the key server.
type CertificateVerifier struct {
	issuer, audience string
	keys             map[string]*ecdsa.PublicKey
	clock            clock.Clock
	leeway           time.Duration
}

// NewCertificateVerifier returns a verifier that accepts certificates from
// issuer, for audience, signed with ES256 by one of keys (indexed by the JWT
// "kid" header; a certificate without kid is accepted when there is exactly
// one key). leeway allows for clock skew on exp, nbf and iat.
func NewCertificateVerifier(issuer, audience string, keys map[string]*ecdsa.PublicKey, clk clock.Clock, leeway time.Duration) (*CertificateVerifier, error) {
	if issuer == "" || audience == "" || len(keys) == 0 || clk == nil {
		return nil, errors.New("gaen: certificate verifier needs an issuer, an audience, keys and a clock")
	}
	for kid, k := range keys {
		if err := checkP256(k); err != nil {
			return nil, fmt.Errorf("gaen: certificate key %q: %w", kid, err)
		}
	}
	return &CertificateVerifier{issuer, audience, keys, clk, leeway}, nil
}

// Verify checks token's algorithm, signature, issuer, audience, expiry (exp
// required), not-before and issued-at, and its claims, and returns them. Its
// errors wrap one of the ErrCertificate… sentinels.
func (v *CertificateVerifier) Verify(token string) (CertificateClaims, error) {
	var parsed certParsed
	_, err := jwt.ParseWithClaims(token, &parsed, v.keyFor,
		jwt.WithIssuer(v.issuer),
		jwt.WithAudience(v.audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(v.leeway),
		jwt.WithTimeFunc(v.clock.Now))
	if err != nil {
		return CertificateClaims{}, fmt.Errorf("gaen: certificate: %w: %w", classify(err), err)
	}
	c, err := parsed.claims()
	if err != nil {
		return CertificateClaims{}, err
	}
	c.Audience = v.audience // "aud" may list several; ours is among them
	return c, c.checkClaims()
}

// keyFor picks the verification key for a token, refusing any algorithm
// but ES256 (in particular "none" and HMAC algorithms keyed with a public
// key).
func (v *CertificateVerifier) keyFor(t *jwt.Token) (any, error) {
	if m, ok := t.Method.(*jwt.SigningMethodECDSA); !ok || m.Alg() != jwt.SigningMethodES256.Alg() {
		return nil, ErrCertificateAlgorithm
	}
	kid, _ := t.Header["kid"].(string)
	if k, ok := v.keys[kid]; ok {
		return k, nil
	}
	if kid == "" && len(v.keys) == 1 {
		for _, k := range v.keys {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: kid %q", ErrCertificateUnknownKey, kid)
}

// classify maps a JWT library error to the sentinel that best says why.
func classify(err error) error {
	checks := []struct{ lib, ours error }{
		{ErrCertificateAlgorithm, ErrCertificateAlgorithm},
		{ErrCertificateUnknownKey, ErrCertificateUnknownKey},
		{jwt.ErrTokenMalformed, ErrCertificateMalformed},
		{jwt.ErrTokenUnverifiable, ErrCertificateAlgorithm}, // an unregistered "alg"
		{jwt.ErrTokenSignatureInvalid, ErrCertificateSignature},
		{jwt.ErrTokenExpired, ErrCertificateExpired},
		{jwt.ErrTokenNotValidYet, ErrCertificateNotYetValid},
		{jwt.ErrTokenUsedBeforeIssued, ErrCertificateNotYetValid},
		{jwt.ErrTokenInvalidIssuer, ErrCertificateIssuer},
		{jwt.ErrTokenInvalidAudience, ErrCertificateAudience},
		{jwt.ErrTokenRequiredClaimMissing, ErrCertificateClaims},
	}
	for _, c := range checks {
		if errors.Is(err, c.lib) {
			return c.ours
		}
	}
	return ErrCertificateMalformed
}

// claims converts the parsed JWT body.
func (p certParsed) claims() (CertificateClaims, error) {
	mac, err := base64.StdEncoding.DecodeString(p.KeysHMAC)
	if err != nil {
		return CertificateClaims{}, fmt.Errorf("gaen: certificate: tekmac is not base64: %w", ErrCertificateClaims)
	}
	c := CertificateClaims{
		Issuer:               p.Issuer,
		IssuedAt:             numericTime(p.IssuedAt),
		NotBefore:            numericTime(p.NotBefore),
		ExpiresAt:            numericTime(p.ExpiresAt),
		ReportType:           p.ReportType,
		SymptomOnsetInterval: p.SymptomOnsetInterval,
		TransmissionRisks:    p.TransmissionRisks,
		KeysHMAC:             mac,
	}
	if len(p.Audience) > 0 {
		c.Audience = p.Audience[0]
	}
	return c, nil
}

// numericTime returns d in UTC, or the zero time when the claim is absent.
func numericTime(d *jwt.NumericDate) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.UTC()
}
