package certificate

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds QR texts to Verify: it must never panic, and whatever it
// accepts must carry a DCC of one type from the trusted signer.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	issued, err := fx.issuer.Issue(vaccination())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(issued.QR)
	f.Add("HC1:")
	f.Add("HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE$VK G2EP4J0B3KL6QM5/OVGA/MAT%ZSIQBNT4S0BDHSAU:4VP9%I6%R0N6VZGFE7MDFCW2J7D3:Z3Y1OHG3EPL2AH/UNC0W6N8DJD6*K+/6I99T%Q0-NQVKMSH7DJ5 0F40%Y7:5EWYC")
	for _, p := range []string{"testdata/dcc/AT/2DCode/raw/1.json", "testdata/dcc/common/2DCode/raw/CO21.json"} {
		if data, err := os.ReadFile(p); err == nil {
			var tf testFile
			if json.Unmarshal(data, &tf) == nil && tf.PREFIX != nil {
				f.Add(*tf.PREFIX)
			}
		}
	}
	at := issueTime.Add(time.Hour)
	f.Fuzz(func(t *testing.T, qr string) {
		res, err := fx.verifier.Verify(qr, at)
		if (err == nil) != res.Valid {
			t.Fatalf("err %v but Valid %v", err, res.Valid)
		}
		if res.Valid && (res.DCC == nil || res.Signer != fx.dsc.Cert || res.Type == "") {
			t.Fatalf("accepted without content: %+v", res)
		}
		if !res.Valid && res.Code == "" {
			t.Fatalf("refused without a code: %+v", res)
		}
	})
}

// FuzzVerifyCOSE feeds decompressed messages to the steps after zlib, where
// most of the parsing happens.
func FuzzVerifyCOSE(f *testing.F) {
	fx := newFixture(f)
	issued, err := fx.issuer.Issue(vaccination())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(coseOf(f, issued.QR))
	f.Add([]byte{0xd8, 0x3d, 0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40})
	f.Add([]byte{0x84, 0x43, 0xa1, 0x01, 0x26, 0xa1, 0x04, 0x41, 0x00, 0x41, 0xa0, 0x40})
	at := issueTime.Add(time.Hour)
	f.Fuzz(func(t *testing.T, cose []byte) {
		var res Result
		err := fx.verifier.verifyCOSE(&res, cose, at)
		if (err == nil) != res.Valid {
			t.Fatalf("err %v but Valid %v", err, res.Valid)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "certificate: ") {
			t.Fatalf("error %q", err)
		}
	})
}

// FuzzDecodeClaims checks the CWT claims parser alone.
func FuzzDecodeClaims(f *testing.F) {
	dcc := vaccination()
	f.Add([]byte(rawClaims(f, dcc, issueTime, issueTime.AddDate(1, 0, 0))))
	f.Add([]byte{0xa1, 0x04, 0xfb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0}) // exp: +Inf
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := decodeClaims(payload)
		if err == nil && c.DCC == nil {
			t.Fatalf("claims without DCC: %+v", c)
		}
	})
}
