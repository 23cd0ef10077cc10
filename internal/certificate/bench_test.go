package certificate

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"os"
	"testing"
	"time"
)

// BenchmarkIssue signs one vaccination certificate end to end, from the DCC
// to the QR text. Run with -cpu 1 for the rate per core.
func BenchmarkIssue(b *testing.B) {
	f := newFixture(b)
	d := vaccination()
	for b.Loop() {
		if _, err := f.issuer.Issue(d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify verifies one certificate end to end, from the QR text to
// the Result.
func BenchmarkVerify(b *testing.B) {
	f := newFixture(b)
	issued, err := f.issuer.Issue(vaccination())
	if err != nil {
		b.Fatal(err)
	}
	at := issueTime.Add(time.Hour)
	for b.Loop() {
		if _, err := f.verifier.Verify(issued.QR, at); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkP256Verify is the floor of BenchmarkVerify: the standard
// library's ECDSA P-256 check of one signature, which Verify cannot avoid.
func BenchmarkP256Verify(b *testing.B) {
	f := newFixture(b)
	digest := sha256.Sum256([]byte("Sig_structure"))
	sig, err := ecdsa.SignASN1(rand.Reader, f.dsc.Key, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !ecdsa.VerifyASN1(&f.dsc.Key.PublicKey, digest[:], sig) {
			b.Fatal("signature does not verify")
		}
	}
}

// BenchmarkVerifyParallel verifies from GOMAXPROCS goroutines, to show how
// a Verifier shared by request handlers scales with cores.
func BenchmarkVerifyParallel(b *testing.B) {
	f := newFixture(b)
	issued, err := f.issuer.Issue(vaccination())
	if err != nil {
		b.Fatal(err)
	}
	at := issueTime.Add(time.Hour)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.verifier.Verify(issued.QR, at); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCheck runs one EU test file with most expectations.
func BenchmarkCheck(b *testing.B) {
	data, err := os.ReadFile("testdata/dcc/CH/2DCode/raw/1.json")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Check(data); err != nil {
			b.Fatal(err)
		}
	}
}
