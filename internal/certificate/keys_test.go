package certificate

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/problem"
)

func TestNewCSCA(t *testing.T) {
	t.Parallel()
	ca, err := NewCSCA(issueTime)
	if err != nil {
		t.Fatal(err)
	}
	c := ca.Cert
	if c.Subject.CommonName != "CSCA VN" || !slices.Equal(c.Subject.Country, []string{"VN"}) {
		t.Errorf("subject %v", c.Subject)
	}
	if !c.IsCA || !c.BasicConstraintsValid || c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("CA %v, key usage %b", c.IsCA, c.KeyUsage)
	}
	if err := c.CheckSignatureFrom(c); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	if c.NotAfter.Sub(issueTime) < 4*365*24*time.Hour || len(c.SubjectKeyId) == 0 {
		t.Errorf("valid until %v, SKI %x", c.NotAfter, c.SubjectKeyId)
	}
	if !bytes.Equal(ca.DER, c.Raw) || c.PublicKeyAlgorithm != x509.ECDSA || !ca.Key.PublicKey.Equal(c.PublicKey) {
		t.Error("DER, certificate and key do not belong together")
	}
}

func TestNewDSC(t *testing.T) {
	t.Parallel()
	ca, err := NewCSCA(issueTime)
	if err != nil {
		t.Fatal(err)
	}
	dsc, err := NewDSC(ca.Cert, ca.Key, "DSC VN vaccination 1", []Type{TypeVaccination}, issueTime)
	if err != nil {
		t.Fatal(err)
	}
	c := dsc.Cert
	if c.IsCA || c.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("CA %v, key usage %b", c.IsCA, c.KeyUsage)
	}
	if got := c.NotAfter.Sub(c.NotBefore); got < DSCValidity || got > DSCValidity+2*time.Hour {
		t.Errorf("validity %v, want about %v", got, DSCValidity)
	}
	// HCERT 5: the DSC's authority key identifier is the CSCA's SKI.
	if !bytes.Equal(c.AuthorityKeyId, ca.Cert.SubjectKeyId) || len(c.SubjectKeyId) == 0 {
		t.Errorf("AKI %x, CSCA SKI %x, SKI %x", c.AuthorityKeyId, ca.Cert.SubjectKeyId, c.SubjectKeyId)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	if _, err := c.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: issueTime, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("the DSC does not chain to the CSCA: %v", err)
	}
	if len(c.UnknownExtKeyUsage) != 1 || c.UnknownExtKeyUsage[0].String() != "1.3.6.1.4.1.1847.2021.1.2" {
		t.Errorf("extended key usage %v, want the vaccination OID", c.UnknownExtKeyUsage)
	}
	if checkKeyUsage(c, []Type{TypeVaccination}) != nil || checkKeyUsage(c, []Type{TypeTest}) == nil {
		t.Error("the DSC's key usage does not restrict it to vaccinations")
	}
}

func TestNewDSCErrors(t *testing.T) {
	t.Parallel()
	ca, err := NewCSCA(issueTime)
	if err != nil {
		t.Fatal(err)
	}
	for _, types := range [][]Type{nil, {"x"}} {
		if _, err := NewDSC(ca.Cert, ca.Key, "DSC", types, issueTime); !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("NewDSC(types %v) error = %v, want ErrInvalid", types, err)
		}
	}
	// A DSC made near the end of the CSCA's life ends with it.
	late := ca.Cert.NotAfter.Add(-24 * time.Hour)
	dsc, err := NewDSC(ca.Cert, ca.Key, "DSC", []Type{TypeTest}, late)
	if err != nil {
		t.Fatal(err)
	}
	if !dsc.Cert.NotAfter.Equal(ca.Cert.NotAfter) {
		t.Errorf("DSC ends %v, CSCA ends %v", dsc.Cert.NotAfter, ca.Cert.NotAfter)
	}
}

func TestKID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sum := sha256.Sum256(f.dsc.DER)
	if kid := KID(f.dsc.Cert); len(kid) != 8 || !bytes.Equal(kid, sum[:8]) {
		t.Errorf("KID = %x, want %x", kid, sum[:8])
	}
}
