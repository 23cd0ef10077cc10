package certificate

import (
	"bytes"
	"compress/zlib"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/pccovid/pccovid/internal/certificate/base45"
	"github.com/pccovid/pccovid/internal/problem"
)

// TestIssueVerify issues a certificate and verifies it.
func TestIssueVerify(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	issued, err := f.issuer.Issue(vaccination())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(issued.QR, "HC1:") {
		t.Fatalf("QR %q does not start with HC1:", issued.QR)
	}
	res, err := f.verifier.Verify(issued.QR, issueTime.Add(30*24*time.Hour))
	if err != nil || !res.Valid || res.Code != CodeOK {
		t.Fatalf("Verify = %+v, %v; want valid", res, err)
	}
	want := vaccination()
	want.Name.FamilyNameStd, want.Name.GivenNameStd = "NGUYEN", "THI<DOAN<TRANG"
	want.Vaccinations[0].ID = issued.UVCI
	if !reflect.DeepEqual(*res.DCC, want) {
		t.Errorf("DCC = %+v\nwant %+v", *res.DCC, want)
	}
	if err := ValidateUVCI(issued.UVCI); err != nil {
		t.Errorf("issued UVCI %q: %v", issued.UVCI, err)
	}
	if !bytes.Equal(res.Kid, KID(f.dsc.Cert)) || res.Algorithm != AlgES256 || res.Signer != f.dsc.Cert {
		t.Errorf("kid %x alg %d signer %v; want the DSC's kid, ES256", res.Kid, res.Algorithm, res.Signer.Subject)
	}
	if res.Issuer != "VN" || res.Type != TypeVaccination {
		t.Errorf("iss %q type %q", res.Issuer, res.Type)
	}
	if !res.IssuedAt.Equal(issueTime) || !res.Expires.Equal(issueTime.AddDate(1, 0, 0)) {
		t.Errorf("iat %v exp %v; want %v and a year later", res.IssuedAt, res.Expires, issueTime)
	}
	if !res.IssuedAt.Equal(issued.IssuedAt) || !res.Expires.Equal(issued.Expires) {
		t.Errorf("Issued times %v–%v differ from the claims %v–%v", issued.IssuedAt, issued.Expires, res.IssuedAt, res.Expires)
	}
}

// TestIssuedEncoding pins the wire format: tagged COSE_Sign1, deterministic
// protected header {1: -7, 4: kid}, empty unprotected header, 64-byte
// signature, deterministic claims.
func TestIssuedEncoding(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	issued, err := f.issuer.Issue(vaccination())
	if err != nil {
		t.Fatal(err)
	}
	cose := coseOf(t, issued.QR)
	if cose[0] != 0xd2 { // tag 18
		t.Errorf("COSE starts with %#x, want tag 18 (0xd2)", cose[0])
	}
	msg, _, err := decodeSign1(cose)
	if err != nil {
		t.Fatal(err)
	}
	wantProt := append([]byte{0xa2, 0x01, 0x26, 0x04, 0x48}, KID(f.dsc.Cert)...)
	if !bytes.Equal(msg.Protected, wantProt) {
		t.Errorf("protected header %x, want %x", msg.Protected, wantProt)
	}
	if !bytes.Equal(msg.Unprotected, []byte{0xa0}) || len(msg.Signature) != 64 {
		t.Errorf("unprotected %x, signature %d bytes", msg.Unprotected, len(msg.Signature))
	}
	var generic any
	if err := cborDec.Unmarshal(msg.Payload, &generic); err != nil {
		t.Fatal(err)
	}
	if again := mustCBOR(t, generic); !bytes.Equal(again, msg.Payload) {
		t.Errorf("claims are not in deterministic encoding:\n%x\n%x", msg.Payload, again)
	}
	// Claim keys in core deterministic order: 1, 4, 6, -260.
	if !bytes.HasPrefix(msg.Payload, []byte{0xa4, 0x01, 0x62, 'V', 'N', 0x04, 0x1a}) {
		t.Errorf("claims start %x", msg.Payload[:8])
	}
}

// coseOf undoes prefix, Base45 and zlib.
func coseOf(t testing.TB, qr string) []byte {
	t.Helper()
	z, err := base45.Decode(strings.TrimPrefix(qr, Prefix))
	if err != nil {
		t.Fatal(err)
	}
	var ip inflaterPool
	cose, err := ip.decompress(z)
	if err != nil {
		t.Fatal(err)
	}
	return cose
}

// qrOf does prefix, Base45 and zlib.
func qrOf(data []byte) string {
	var zp zlibPool
	return Prefix + base45.Encode(zp.compress(data))
}

// TestVerifyFailures has one case per failure code of Verify.
func TestVerifyFailures(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	issued, err := f.issuer.Issue(vaccination())
	if err != nil {
		t.Fatal(err)
	}
	at := issueTime.Add(time.Hour)
	other := newFixture(t)
	otherQR, err := other.issuer.Issue(vaccination())
	if err != nil {
		t.Fatal(err)
	}
	testsOnly := newFixture(t, TypeTest)
	testsOnly.verifier = NewVerifier(testValidator(t), testsOnly.dsc.Cert)
	dcc := vaccination()
	complete(&dcc)
	good := rawClaims(t, dcc, issueTime, issueTime.AddDate(1, 0, 0))
	noDOB := map[string]any{"ver": "1.3.0", "nam": map[string]any{"fnt": "NGUYEN"}, "v": []any{dcc.Vaccinations[0]}}

	tests := []struct {
		name   string
		v      *Verifier
		qr     string
		at     time.Time
		code   Code
		detail string
	}{
		{"other context", f.verifier, "HC2:" + strings.TrimPrefix(issued.QR, Prefix), at, CodeBadPrefix, `"HC2:" is not supported`},
		{"no prefix", f.verifier, strings.TrimPrefix(issued.QR, Prefix), at, CodeBadPrefix, "does not start"},
		{"lower-case Base45", f.verifier, "HC1:abc", at, CodeBase45, "invalid character 'a' at offset 0"},
		{"Base45 length", f.verifier, "HC1:ABCD", at, CodeBase45, "invalid length 4"},
		{"not compressed", f.verifier, Prefix + base45.Encode(coseOf(t, issued.QR)), at, CodeZlib, "zlib"},
		{"truncated zlib", f.verifier, truncatedZlib(t, issued.QR), at, CodeZlib, "unexpected EOF"},
		{"not COSE", f.verifier, qrOf(mustCBOR(t, []int{1, 2})), at, CodeCOSE, "COSE_Sign1"},
		{"other tag", f.verifier, qrOf(mustCBOR(t, cbor.Tag{Number: 98, Content: []int{1}})), at, CodeCOSE, "unexpected CBOR tag 98"},
		{"unknown signer", f.verifier, otherQR.QR, at, CodeUnknownKid, "no trusted document signer has kid"},
		{"ES384 claimed", f.verifier, f.signRaw(t, -35, good), at, CodeAlgorithm, "unsupported COSE algorithm -35"},
		{"PS256 with an EC key", f.verifier, f.signRaw(t, AlgPS256, good), at, CodeAlgorithm, "PS256 needs an RSA key"},
		{"altered payload", f.verifier, tamper(t, issued.QR), at, CodeSignature, "does not verify"},
		{"claims not a map", f.verifier, f.signRaw(t, AlgES256, mustCBOR(t, "claims")), at, CodeCWT, "CWT claims"},
		{"no hcert", f.verifier, f.signRaw(t, AlgES256, mustCBOR(t, map[int]int64{4: 1, 6: 1})), at, CodeCWT, "hcert (-260) is missing"},
		{"no exp", f.verifier, f.signRaw(t, AlgES256, mustCBOR(t, map[int]any{6: 1, -260: map[int]any{1: dcc}})), at, CodeCWT, "exp (4) is missing"},
		{"before iat", f.verifier, issued.QR, issueTime.Add(-time.Second), CodeNotYetValid, "issued at 2022-05-11T02:00:00Z"},
		{"after exp", f.verifier, issued.QR, issued.Expires.Add(time.Second), CodeExpired, "expired at 2023-05-11T02:00:00Z"},
		{"exp beyond the DSC", f.verifier, f.signRaw(t, AlgES256, rawClaims(t, dcc, issueTime, f.dsc.Cert.NotAfter.AddDate(1, 0, 0))),
			f.dsc.Cert.NotAfter.Add(time.Hour), CodeSignerValidity, "its signer expired"},
		{"iat before the DSC", f.verifier, f.signRaw(t, AlgES256, rawClaims(t, dcc, f.dsc.Cert.NotBefore.Add(-time.Hour), issueTime.AddDate(1, 0, 0))),
			at, CodeSignerValidity, "before its signer's validity"},
		{"type not allowed", testsOnly.verifier, testsOnly.signRaw(t, AlgES256, good), at, CodeKeyUsage, `does not allow type "v"`},
		{"schema", f.verifier, f.signRaw(t, AlgES256, rawClaims(t, noDOB, issueTime, issueTime.AddDate(1, 0, 0))), at, CodeSchema, "missing property 'dob'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := tc.v.Verify(tc.qr, tc.at)
			var ve *Error
			if !errors.As(err, &ve) || !errors.Is(err, problem.ErrInvalid) {
				t.Fatalf("Verify error = %v, want an *Error wrapping ErrInvalid", err)
			}
			if res.Valid || res.Code != tc.code || ve.Code != tc.code {
				t.Fatalf("Verify = %v %q (%s), want code %q", res.Valid, res.Code, res.Message, tc.code)
			}
			if !strings.Contains(res.Message, tc.detail) || ve.Message != res.Message {
				t.Errorf("message %q, want it to contain %q", res.Message, tc.detail)
			}
		})
	}
}

// TestVerifyOnlyTrustsAfterSignature checks that a refused signature leaves
// no claims or payload in the Result.
func TestVerifyOnlyTrustsAfterSignature(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	issued, err := f.issuer.Issue(vaccination())
	if err != nil {
		t.Fatal(err)
	}
	res, _ := f.verifier.Verify(tamper(t, issued.QR), issueTime)
	if res.DCC != nil || res.Issuer != "" || !res.IssuedAt.IsZero() || res.Signer != nil {
		t.Errorf("refused certificate leaked content: %+v", res)
	}
	expired, _ := f.verifier.Verify(issued.QR, issued.Expires.Add(time.Hour))
	if expired.DCC == nil || expired.Signer == nil {
		t.Errorf("an expired but authentic certificate should still show its content")
	}
}

// truncatedZlib cuts the compressed data of qr short.
func truncatedZlib(t testing.TB, qr string) string {
	t.Helper()
	z, err := base45.Decode(strings.TrimPrefix(qr, Prefix))
	if err != nil {
		t.Fatal(err)
	}
	return Prefix + base45.Encode(z[:len(z)/2])
}

// tamper changes one byte of the signed payload of qr.
func tamper(t testing.TB, qr string) string {
	t.Helper()
	cose := coseOf(t, qr)
	msg, _, err := decodeSign1(cose)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(msg.Payload, []byte("1990-02-28"))
	if i < 0 {
		t.Fatal("date of birth not found in the payload")
	}
	msg.Payload = bytes.Clone(msg.Payload)
	msg.Payload[i+3] = '1' // 1991
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(mustCBOR(t, msg))
	w.Close()
	return Prefix + base45.Encode(buf.Bytes())
}

// TestConcurrentUse issues and verifies from several goroutines; run with
// -race it checks that Issuer and Verifier share nothing unsafely.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	errs := make(chan error, 8)
	for range cap(errs) {
		go func() {
			var err error
			for range 10 {
				var issued Issued
				if issued, err = f.issuer.Issue(vaccination()); err != nil {
					break
				}
				if _, err = f.verifier.Verify(issued.QR, issueTime); err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
