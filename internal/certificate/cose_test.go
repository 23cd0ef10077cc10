package certificate

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// TestGoCOSEVerifiesIssued checks what Issue signs with an independent COSE
// implementation: go-cose must read the message, find alg ES256 and the kid
// in the protected header, and verify the signature with the DSC's key.
func TestGoCOSEVerifiesIssued(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	issued, err := f.issuer.Issue(vaccination())
	if err != nil {
		t.Fatal(err)
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(coseOf(t, issued.QR)); err != nil {
		t.Fatal(err)
	}
	alg, err := msg.Headers.Protected.Algorithm()
	if err != nil || alg != cose.AlgorithmES256 {
		t.Errorf("alg = %v, %v; want ES256", alg, err)
	}
	if kid, _ := msg.Headers.Protected[cose.HeaderLabelKeyID].([]byte); !bytes.Equal(kid, KID(f.dsc.Cert)) {
		t.Errorf("protected kid = %x, want %x", kid, KID(f.dsc.Cert))
	}
	verifier, err := cose.NewVerifier(cose.AlgorithmES256, f.dsc.Cert.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := msg.Verify(nil, verifier); err != nil {
		t.Errorf("go-cose does not verify the issued certificate: %v", err)
	}
}

// TestVerifyGoCOSEMessages verifies messages made by go-cose in the forms
// HCERT verifiers must accept: PS256, kid in the unprotected header,
// untagged, and wrapped in the CWT tag.
func TestVerifyGoCOSEMessages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rsaDSC, rsaKey := newRSADSC(t, f.csca)
	v := NewVerifier(testValidator(t), f.dsc.Cert, rsaDSC)
	dcc := vaccination()
	complete(&dcc)
	payload := rawClaims(t, dcc, issueTime, issueTime.AddDate(1, 0, 0))

	tests := []struct {
		name        string
		alg         cose.Algorithm
		key         crypto.Signer
		kid         []byte
		protect     bool // kid in the protected header
		untagged    bool
		cwtTag      bool
		wantAlg     int64
		wantSuccess bool
	}{
		{"ES256 protected kid", cose.AlgorithmES256, f.dsc.Key, KID(f.dsc.Cert), true, false, false, AlgES256, true},
		{"ES256 unprotected kid", cose.AlgorithmES256, f.dsc.Key, KID(f.dsc.Cert), false, false, false, AlgES256, true},
		{"ES256 untagged", cose.AlgorithmES256, f.dsc.Key, KID(f.dsc.Cert), true, true, false, AlgES256, true},
		{"ES256 in CWT tag", cose.AlgorithmES256, f.dsc.Key, KID(f.dsc.Cert), true, false, true, AlgES256, true},
		{"PS256 protected kid", cose.AlgorithmPS256, rsaKey, KID(rsaDSC), true, false, false, AlgPS256, true},
		{"PS256 unprotected kid", cose.AlgorithmPS256, rsaKey, KID(rsaDSC), false, true, true, AlgPS256, true},
		{"PS256 under the EC kid", cose.AlgorithmPS256, rsaKey, KID(f.dsc.Cert), true, false, false, AlgPS256, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := goCOSESign(t, tc.alg, tc.key, tc.kid, tc.protect, tc.untagged, payload)
			if tc.cwtTag {
				data = mustCBOR(t, cbor.Tag{Number: tagCWT, Content: cbor.RawMessage(data)})
			}
			res, err := v.Verify(qrOf(data), issueTime.Add(time.Hour))
			if (err == nil) != tc.wantSuccess || res.Algorithm != tc.wantAlg {
				t.Fatalf("Verify = %q %s alg %d; want success %v", res.Code, res.Message, res.Algorithm, tc.wantSuccess)
			}
		})
	}
}

// goCOSESign signs payload with go-cose.
func goCOSESign(t testing.TB, alg cose.Algorithm, key crypto.Signer, kid []byte, protect, untagged bool, payload []byte) []byte {
	t.Helper()
	signer, err := cose.NewSigner(alg, key)
	if err != nil {
		t.Fatal(err)
	}
	headers := cose.Headers{
		Protected:   cose.ProtectedHeader{cose.HeaderLabelAlgorithm: alg},
		Unprotected: cose.UnprotectedHeader{},
	}
	if protect {
		headers.Protected[cose.HeaderLabelKeyID] = kid
	} else {
		headers.Unprotected[cose.HeaderLabelKeyID] = kid
	}
	sign := cose.Sign1
	if untagged {
		sign = cose.Sign1Untagged
	}
	data, err := sign(rand.Reader, signer, headers, payload, nil)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// newRSADSC makes a 2048-bit RSA document signer, as some Member States use
// with PS256.
func newRSADSC(t testing.TB, ca *KeyPair) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "DSC RSA", Country: []string{"VN"}},
		NotBefore:    issueTime.Add(-time.Hour),
		NotAfter:     issueTime.Add(DSCValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// TestDecodeSign1Headers covers the kid rules of HCERT 3.3.3.
func TestDecodeSign1Headers(t *testing.T) {
	t.Parallel()
	prot := mustCBOR(t, coseHeader{Alg: new(int64(AlgES256)), Kid: []byte("protected")})
	tests := []struct {
		name      string
		prot      []byte
		unprot    any
		wantKid   string
		wantAlgOK bool
	}{
		{"both, protected wins", prot, map[int]any{4: []byte("unprotected")}, "protected", true},
		{"only unprotected", mustCBOR(t, map[int]int{1: AlgES256}), map[int]any{4: []byte("unprotected")}, "unprotected", true},
		{"empty protected", nil, map[int]any{1: AlgES256, 4: []byte("u")}, "u", true},
		{"no alg", mustCBOR(t, map[int]any{4: []byte("k")}), map[int]any{}, "k", false},
	}
	for _, tc := range tests {
		msg := mustCBOR(t, sign1{Protected: tc.prot, Unprotected: mustCBOR(t, tc.unprot), Payload: []byte{0xa0}, Signature: []byte{1}})
		_, h, err := decodeSign1(msg)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if string(h.Kid) != tc.wantKid || (h.Alg != nil) != tc.wantAlgOK {
			t.Errorf("%s: kid %q alg %v", tc.name, h.Kid, h.Alg)
		}
	}
}

func TestUntagRejects(t *testing.T) {
	t.Parallel()
	inner := mustCBOR(t, sign1{Protected: nil, Unprotected: []byte{0xa0}, Payload: []byte{}, Signature: []byte{}})
	for name, data := range map[string][]byte{
		"18 inside 18":     mustCBOR(t, cbor.Tag{Number: 18, Content: cbor.Tag{Number: 18, Content: cbor.RawMessage(inner)}}),
		"61 inside 18":     mustCBOR(t, cbor.Tag{Number: 18, Content: cbor.Tag{Number: 61, Content: cbor.RawMessage(inner)}}),
		"COSE_Sign tag 98": mustCBOR(t, cbor.Tag{Number: 98, Content: cbor.RawMessage(inner)}),
		"empty":            {},
	} {
		if _, _, err := decodeSign1(data); err == nil {
			t.Errorf("%s: decodeSign1 accepted it", name)
		}
	}
}
