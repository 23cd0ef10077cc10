package gaen

import (
	"bytes"
	"crypto/ecdsa"
	"errors"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/problem"
)

// FuzzReadExport feeds arbitrary bytes to the export reader and verifier. A
// file that reads must hold only well-formed keys and survive a re-write.
func FuzzReadExport(f *testing.F) {
	key := newP256(f)
	valid := writeTestExport(f, testBatch(), key)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	bin, sig := splitExport(f, valid)
	f.Add(rezip(f, zipEntry{"export.bin", bin[:40]}, zipEntry{"export.sig", sig[:10]}))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = VerifyExport(data, &key.PublicKey)
		batch, err := ReadExport(data)
		if err != nil {
			if !errors.Is(err, problem.ErrInvalid) {
				t.Fatalf("error not ErrInvalid: %v", err)
			}
			return
		}
		for _, k := range append(batch.Keys, batch.RevisedKeys...) {
			if err := checkExportKey(k); err != nil {
				t.Fatalf("ReadExport returned a bad key: %v", err)
			}
		}
		if batch.StartTime.Unix() < 0 || batch.EndTime.Before(batch.StartTime) || batch.BatchNum < 1 || batch.BatchNum > batch.BatchSize {
			return // readable, but WriteExport would rightly refuse it
		}
		var out bytes.Buffer
		si := SignatureInfo{SignatureAlgorithm: SignatureAlgorithmP256SHA256}
		if err := WriteExport(&out, batch, key, si); err != nil {
			return // e.g. a key id outside [a-zA-Z0-9_] in the source file
		}
		again, err := ReadExport(out.Bytes())
		if err != nil || len(again.Keys) != len(batch.Keys) || len(again.RevisedKeys) != len(batch.RevisedKeys) {
			t.Fatalf("re-written export: %d/%d keys, %v", len(again.Keys), len(batch.Keys), err)
		}
		if err := VerifyExport(out.Bytes(), &key.PublicKey); err != nil {
			t.Fatalf("re-written export does not verify: %v", err)
		}
	})
}

// FuzzWriteDerivation feeds arbitrary flag values to the derive command.
func FuzzWriteDerivation(f *testing.F) {
	f.Add(vectorTEK, uint32(vectorInterval), uint32(3), vectorMetadata)
	f.Add("75C734C6DD1A782DE7A965DA5EB9312", uint32(0), uint32(144), "")
	f.Add("zz", uint32(1<<32-1), uint32(2), "4008")
	f.Add("éé", uint32(5), uint32(0), "\x00")
	f.Fuzz(func(t *testing.T, tekHex string, interval, count uint32, metadataHex string) {
		var out strings.Builder
		err := WriteDerivation(&out, tekHex, interval, count, metadataHex)
		if err != nil {
			var fe *problem.FieldError
			if !errors.As(err, &fe) || fe.Vi == "" || fe.En == "" || out.Len() != 0 {
				t.Fatalf("err %v (%T), output %q", err, err, out.String())
			}
			return
		}
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if uint32(len(lines)) != count {
			t.Fatalf("%d lines for count %d", len(lines), count)
		}
	})
}

// FuzzParsePublish feeds arbitrary bodies to the publish decoder and the
// upload rules; errors must be field errors, and accepted uploads must have a
// verifiable HMAC.
func FuzzParsePublish(f *testing.F) {
	f.Add([]byte(samplePublish))
	f.Add([]byte(`{"temporaryExposureKeys":[{"key":"AAAAAAAAAAAAAAAAAAAAAA==","rollingStartNumber":2720736,"rollingPeriod":144}],"healthAuthorityID":"a","verificationPayload":"b","hmacKey":"AAAAAAAAAAAAAAAAAAAAAA=="}`))
	f.Add([]byte(`{"temporaryExposureKeys":[{"key":"AAAA","rollingPeriod":-1,"transmissionRisk":99}]}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParsePublish(body)
		if err != nil {
			var fe *problem.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("ParsePublish error %v is not a field error", err)
			}
			return
		}
		if err := ValidatePublish(p, testNow); err != nil {
			if !errors.Is(err, problem.ErrInvalid) {
				t.Fatalf("ValidatePublish error %v is not ErrInvalid", err)
			}
			return
		}
		secret := []byte(p.HMACKey)
		if !VerifyKeysHMAC(secret, p.Keys, KeysHMAC(secret, p.Keys)) {
			t.Fatal("HMAC of accepted keys does not verify")
		}
	})
}

// FuzzVerifyCertificate feeds arbitrary tokens to the certificate verifier.
func FuzzVerifyCertificate(f *testing.F) {
	key := newP256(f)
	valid, err := SignCertificate(key, "v1", testClaims())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-10])
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("..")
	v := newVerifier(f, map[string]*ecdsa.PublicKey{"v1": &key.PublicKey})
	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(token)
		if err != nil {
			if !errors.Is(err, problem.ErrForbidden) {
				t.Fatalf("error %v does not wrap ErrForbidden", err)
			}
			return
		}
		if c.Issuer != testIssuer || len(c.KeysHMAC) != 32 || c.ExpiresAt.Before(testNow) {
			t.Fatalf("accepted %+v", c)
		}
	})
}
