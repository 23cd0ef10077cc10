package certificate

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/pccovid/pccovid/internal/problem"
)

// Validity periods of the keys Vietnam's Ministry of Health holds. A CSCA
// outlives the DSCs it signs; a DSC outlives the certificates it signs,
// which are valid for 12 months (Decision 5772/QĐ-BYT).
const (
	CSCAValidity = 5 * 365 * 24 * time.Hour
	DSCValidity  = 2 * 365 * 24 * time.Hour
)

// KID returns the HCERT key identifier of a document signer certificate:
// the first 8 bytes of the SHA-256 digest of its DER encoding (HCERT A.1).
func KID(cert *x509.Certificate) []byte {
	sum := sha256.Sum256(cert.Raw)
	return sum[:8]
}

// KeyPair is a certificate with its private key, as created by [NewCSCA]
// and [NewDSC]. The caller seals Key before storing it.
type KeyPair struct {
	DER  []byte // the certificate, DER-encoded
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// NewCSCA creates Vietnam's country signing certificate authority: a
// self-signed ECDSA P-256 certificate, CN "CSCA VN", C=VN, allowed to sign
// certificates and CRLs, valid from now for [CSCAValidity].
func NewCSCA(now time.Time) (*KeyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "CSCA VN", Country: []string{"VN"}, Organization: []string{"Ministry of Health"}},
		NotBefore:             now.Add(-time.Hour), // tolerate clock skew
		NotAfter:              now.Add(CSCAValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		SubjectKeyId:          keyID(&key.PublicKey),
	}
	return create(tmpl, tmpl, &key.PublicKey, key, key)
}

// NewDSC creates a document signer certificate named cn, signed by the CSCA
// ca with caKey, allowed to sign certificates of the given types (at least
// one), valid from now for [DSCValidity] but never beyond the CSCA.
func NewDSC(ca *x509.Certificate, caKey crypto.Signer, cn string, types []Type, now time.Time) (*KeyPair, error) {
	ekus, err := extKeyUsages(types)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	notAfter := now.Add(DSCValidity)
	if notAfter.After(ca.NotAfter) {
		notAfter = ca.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:       serial(),
		Subject:            pkix.Name{CommonName: cn, Country: []string{"VN"}, Organization: []string{"Ministry of Health"}},
		NotBefore:          now.Add(-time.Hour),
		NotAfter:           notAfter,
		KeyUsage:           x509.KeyUsageDigitalSignature,
		UnknownExtKeyUsage: ekus,
		SubjectKeyId:       keyID(&key.PublicKey),
	}
	return create(tmpl, ca, &key.PublicKey, caKey, key)
}

// extKeyUsages returns the HCERT extended key usage OIDs for types.
func extKeyUsages(types []Type) ([]asn1.ObjectIdentifier, error) {
	if len(types) == 0 {
		return nil, fmt.Errorf("certificate: a DSC must be allowed at least one type: %w", problem.ErrInvalid)
	}
	var oids []asn1.ObjectIdentifier
	for _, t := range types {
		o, ok := keyUsageOIDs[t]
		if !ok {
			return nil, fmt.Errorf("certificate: unknown certificate type %q: %w", t, problem.ErrInvalid)
		}
		oids = append(oids, o[0]) // the HCERT A.4 OID, not the legacy variant
	}
	return oids, nil
}

// create signs tmpl with parentKey and parses the result.
func create(tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer, key *ecdsa.PrivateKey) (*KeyPair, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, fmt.Errorf("certificate: create %q: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &KeyPair{DER: der, Cert: cert, Key: key}, nil
}

// serial returns a random positive 127-bit serial number.
func serial() *big.Int {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	b[0] &= 0x7f
	b[0] |= 0x40 // keep it 16 bytes long and positive
	return new(big.Int).SetBytes(b)
}

// keyID returns a subject key identifier: the SHA-256 of the public key,
// truncated to 160 bits (RFC 7093 method 1).
func keyID(pub *ecdsa.PublicKey) []byte {
	b, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err) // a P-256 key always marshals
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(b, &spki); err != nil {
		panic(err)
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20]
}

// errNotSigner is returned by NewIssuer for a key that is not the DSC's.
var errNotSigner = errors.New("the private key does not match the document signer certificate")
