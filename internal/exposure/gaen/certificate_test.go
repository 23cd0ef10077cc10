package gaen

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/problem"
)

const (
	testIssuer   = "verify.pccovid.gov.vn"
	testAudience = "exposure.pccovid.gov.vn"
)

func newP256(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testClaims() CertificateClaims {
	return CertificateClaims{
		Issuer:               testIssuer,
		Audience:             testAudience,
		IssuedAt:             testNow.Add(-time.Minute),
		ExpiresAt:            testNow.Add(15 * time.Minute),
		ReportType:           TestTypeConfirmed,
		SymptomOnsetInterval: uint32(dayStart(-3)),
		TransmissionRisks:    []TransmissionRiskOverride{{TransmissionRisk: 5, SinceRollingInterval: dayStart(-2)}},
		KeysHMAC:             KeysHMAC([]byte("0123456789abcdef"), history()),
	}
}

func newVerifier(t testing.TB, keys map[string]*ecdsa.PublicKey) *CertificateVerifier {
	t.Helper()
	v, err := NewCertificateVerifier(testIssuer, testAudience, keys, clock.NewFake(testNow), 0)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCertificateRoundTrip(t *testing.T) {
	t.Parallel()
	key := newP256(t)
	token, err := SignCertificate(key, "v1", testClaims())
	if err != nil {
		t.Fatal(err)
	}
	got, err := newVerifier(t, map[string]*ecdsa.PublicKey{"v1": &key.PublicKey}).Verify(token)
	if err != nil {
		t.Fatal(err)
	}
	want := testClaims()
	if got.Issuer != want.Issuer || got.Audience != want.Audience || !got.IssuedAt.Equal(want.IssuedAt) ||
		!got.ExpiresAt.Equal(want.ExpiresAt) || !got.NotBefore.IsZero() || got.ReportType != want.ReportType ||
		got.SymptomOnsetInterval != want.SymptomOnsetInterval || string(got.KeysHMAC) != string(want.KeysHMAC) ||
		len(got.TransmissionRisks) != 1 || got.TransmissionRisks[0] != want.TransmissionRisks[0] {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// TestCertificateWireFormat pins the JWT as other implementations see it:
// ES256 header with kid, and the claim names of the protocol, "aud" a string.
func TestCertificateWireFormat(t *testing.T) {
	t.Parallel()
	token, err := SignCertificate(newP256(t), "v1", testClaims())
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	var header, body map[string]any
	for i, dst := range []*map[string]any{&header, &body} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatal(err)
		}
	}
	if header["alg"] != "ES256" || header["kid"] != "v1" || header["typ"] != "JWT" {
		t.Errorf("header %v", header)
	}
	for _, claim := range []string{"iss", "aud", "iat", "exp", "reportType", "symptomOnsetInterval", "trisk", "tekmac"} {
		if _, ok := body[claim]; !ok {
			t.Errorf("claim %q missing from %v", claim, body)
		}
	}
	if _, ok := body["aud"].(string); !ok {
		t.Errorf("aud is %T, want a string", body["aud"])
	}
	if sig, _ := base64.RawURLEncoding.DecodeString(parts[2]); len(sig) != 64 {
		t.Errorf("signature is %d bytes, want 64 (r||s)", len(sig))
	}
}

// signRaw signs arbitrary claims with the JWT library, to build certificates
// SignCertificate would refuse to make.
func signRaw(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCertificateVerifyRefuses(t *testing.T) {
	t.Parallel()
	key, other := newP256(t), newP256(t)
	mac := base64.StdEncoding.EncodeToString(make([]byte, 32))
	base := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": testIssuer, "aud": testAudience, "iat": testNow.Add(-time.Minute).Unix(),
			"exp": testNow.Add(time.Hour).Unix(), "reportType": "confirmed", "tekmac": mac}
	}
	with := func(k string, v any) jwt.MapClaims { c := base(); c[k] = v; return c }
	without := func(k string) jwt.MapClaims { c := base(); delete(c, k); return c }
	tamper := func(s string) string { return s[:len(s)-4] + "AAAA" }
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"valid, aud as array", signRaw(t, jwt.SigningMethodES256, key, "v1", with("aud", []string{"x", testAudience})), nil},
		{"garbage", "not.a.jwt", ErrCertificateMalformed},
		{"empty", "", ErrCertificateMalformed},
		{"HS256 with the public key", signRaw(t, jwt.SigningMethodHS256, []byte("secret"), "v1", base()), ErrCertificateAlgorithm},
		{"none", signRaw(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "v1", base()), ErrCertificateAlgorithm},
		{"ES384", signRaw(t, jwt.SigningMethodES384, mustP384(t), "v1", base()), ErrCertificateAlgorithm},
		{"unknown kid", signRaw(t, jwt.SigningMethodES256, key, "v9", base()), ErrCertificateUnknownKey},
		{"other key", signRaw(t, jwt.SigningMethodES256, other, "v1", base()), ErrCertificateSignature},
		{"tampered signature", tamper(signRaw(t, jwt.SigningMethodES256, key, "v1", base())), ErrCertificateSignature},
		{"expired", signRaw(t, jwt.SigningMethodES256, key, "v1", with("exp", testNow.Add(-time.Second).Unix())), ErrCertificateExpired},
		{"no exp", signRaw(t, jwt.SigningMethodES256, key, "v1", without("exp")), ErrCertificateClaims},
		{"not before", signRaw(t, jwt.SigningMethodES256, key, "v1", with("nbf", testNow.Add(time.Minute).Unix())), ErrCertificateNotYetValid},
		{"issued in the future", signRaw(t, jwt.SigningMethodES256, key, "v1", with("iat", testNow.Add(time.Minute).Unix())), ErrCertificateNotYetValid},
		{"wrong issuer", signRaw(t, jwt.SigningMethodES256, key, "v1", with("iss", "evil")), ErrCertificateIssuer},
		{"wrong audience", signRaw(t, jwt.SigningMethodES256, key, "v1", with("aud", "other")), ErrCertificateAudience},
		{"no audience", signRaw(t, jwt.SigningMethodES256, key, "v1", without("aud")), ErrCertificateClaims},
		{"bad report type", signRaw(t, jwt.SigningMethodES256, key, "v1", with("reportType", "positive")), ErrCertificateClaims},
		{"no tekmac", signRaw(t, jwt.SigningMethodES256, key, "v1", without("tekmac")), ErrCertificateClaims},
		{"tekmac not base64", signRaw(t, jwt.SigningMethodES256, key, "v1", with("tekmac", "!!")), ErrCertificateClaims},
	}
	v := newVerifier(t, map[string]*ecdsa.PublicKey{"v1": &key.PublicKey})
	for _, tt := range tests {
		_, err := v.Verify(tt.token)
		switch {
		case tt.want == nil && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != nil && (!errors.Is(err, tt.want) || !errors.Is(err, problem.ErrForbidden)):
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func mustP384(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCertificateKeySelection(t *testing.T) {
	t.Parallel()
	key := newP256(t)
	noKid, err := SignCertificate(key, "", testClaims())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newVerifier(t, map[string]*ecdsa.PublicKey{"v1": &key.PublicKey}).Verify(noKid); err != nil {
		t.Errorf("single key, no kid: %v", err)
	}
	two := newVerifier(t, map[string]*ecdsa.PublicKey{"v1": &key.PublicKey, "v2": &newP256(t).PublicKey})
	if _, err := two.Verify(noKid); !errors.Is(err, ErrCertificateUnknownKey) {
		t.Errorf("two keys, no kid: %v", err)
	}
}

func TestCertificateLeeway(t *testing.T) {
	t.Parallel()
	key := newP256(t)
	c := testClaims()
	c.ExpiresAt = testNow.Add(-30 * time.Second)
	token, err := SignCertificate(key, "v1", c)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]*ecdsa.PublicKey{"v1": &key.PublicKey}
	lenient, err := NewCertificateVerifier(testIssuer, testAudience, keys, clock.NewFake(testNow), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lenient.Verify(token); err != nil {
		t.Errorf("within leeway: %v", err)
	}
	if _, err := newVerifier(t, keys).Verify(token); !errors.Is(err, ErrCertificateExpired) {
		t.Errorf("without leeway: %v", err)
	}
}

func TestSignCertificateRefuses(t *testing.T) {
	t.Parallel()
	key := newP256(t)
	edits := map[string]func(*CertificateClaims){
		"no issuer":      func(c *CertificateClaims) { c.Issuer = "" },
		"no audience":    func(c *CertificateClaims) { c.Audience = "" },
		"no expiry":      func(c *CertificateClaims) { c.ExpiresAt = time.Time{} },
		"short hmac":     func(c *CertificateClaims) { c.KeysHMAC = c.KeysHMAC[:16] },
		"unknown report": func(c *CertificateClaims) { c.ReportType = "positive" },
	}
	for name, edit := range edits {
		c := testClaims()
		edit(&c)
		if _, err := SignCertificate(key, "v1", c); !errors.Is(err, ErrCertificateClaims) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := SignCertificate(mustP384(t), "v1", testClaims()); err == nil {
		t.Error("P-384 signer accepted")
	}
	if _, err := SignCertificate(badSigner{key}, "v1", testClaims()); err == nil {
		t.Error("malformed signature accepted")
	}
}

// badSigner returns a signature that is not ASN.1.
type badSigner struct{ *ecdsa.PrivateKey }

func (badSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return []byte("junk"), nil
}

func TestTransmissionRiskOverrideOldName(t *testing.T) {
	t.Parallel()
	var got []TransmissionRiskOverride
	err := json.Unmarshal([]byte(`[{"tr":5,"sinceRollingPeriod":2649744},{"tr":4,"sinceRollingInterval":2649312}]`), &got)
	if err != nil || got[0] != (TransmissionRiskOverride{5, 2649744}) || got[1] != (TransmissionRiskOverride{4, 2649312}) {
		t.Errorf("got %v, %v", got, err)
	}
}

func TestNewCertificateVerifierRefuses(t *testing.T) {
	t.Parallel()
	keys := map[string]*ecdsa.PublicKey{"v1": &newP256(t).PublicKey}
	if _, err := NewCertificateVerifier("", testAudience, keys, clock.System{}, 0); err == nil {
		t.Error("no issuer accepted")
	}
	if _, err := NewCertificateVerifier(testIssuer, testAudience, map[string]*ecdsa.PublicKey{"v1": &mustP384(t).PublicKey}, clock.System{}, 0); err == nil {
		t.Error("P-384 key accepted")
	}
}
