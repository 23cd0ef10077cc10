package certificate

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pccovid/pccovid/internal/problem"
)

// SignerList is the list of Vietnam's document signers that PC-Covid
// publishes for verifiers (the checkpoint page, `pccovid dcc verify`, other
// countries' gateways): the country signing CA, and every DSC that signs
// or signed certificates still valid, with its kid. A verifier that has it
// works offline.
type SignerList struct {
	Country  string         `json:"country"`
	IssuedAt time.Time      `json:"issued_at"`
	CSCA     []string       `json:"csca"` // base64 DER of the country signing CAs
	Signers  []ListedSigner `json:"signers"`
}

// ListedSigner is one document signer of a SignerList.
type ListedSigner struct {
	KID         string    `json:"kid"`         // base64 of the 8-byte HCERT kid
	Certificate string    `json:"certificate"` // base64 DER of the DSC
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	Types       []Type    `json:"types"`   // the certificate types it may sign
	Retired     bool      `json:"retired"` // signs no more; its certificates stay valid
}

// NewSignerList lists the given DSCs, certified by the given CSCAs;
// retired names the kids (base64) that no longer sign.
func NewSignerList(at time.Time, cscas, dscs []*x509.Certificate, retired map[string]bool) SignerList {
	l := SignerList{Country: Country, IssuedAt: at.UTC().Truncate(time.Second), CSCA: []string{}, Signers: []ListedSigner{}}
	for _, c := range cscas {
		l.CSCA = append(l.CSCA, base64.StdEncoding.EncodeToString(c.Raw))
	}
	for _, c := range dscs {
		kid := base64.StdEncoding.EncodeToString(KID(c))
		l.Signers = append(l.Signers, ListedSigner{KID: kid, Certificate: base64.StdEncoding.EncodeToString(c.Raw),
			NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), Types: SignerTypes(c), Retired: retired[kid]})
	}
	return l
}

// SignerTypes returns the certificate types a DSC may sign: those of its
// extended key usage, or every type when it has none (HCERT 5.2).
func SignerTypes(dsc *x509.Certificate) []Type {
	var out []Type
	for _, t := range []Type{TypeVaccination, TypeTest, TypeRecovery} {
		if checkKeyUsage(dsc, []Type{t}) == nil {
			out = append(out, t)
		}
	}
	return out
}

// ParseSignerList reads a published signer list and returns the DSCs a
// verifier should trust: each must parse, have the kid it is listed with,
// and be signed by one of the list's country signing CAs. A list from
// which no signer can be trusted is an error.
func ParseSignerList(data []byte) ([]*x509.Certificate, error) {
	var l SignerList
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, listError("the signer list is not JSON: " + err.Error())
	}
	var roots []*x509.Certificate
	for _, s := range l.CSCA {
		c, err := parseB64Cert(s)
		if err != nil {
			return nil, listError("a country signing CA does not parse: " + err.Error())
		}
		roots = append(roots, c)
	}
	var out []*x509.Certificate
	var errs []error
	for i, s := range l.Signers {
		c, err := parseB64Cert(s.Certificate)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("signer %d does not parse: %w", i, err))
		case base64.StdEncoding.EncodeToString(KID(c)) != s.KID:
			errs = append(errs, fmt.Errorf("signer %d is listed with another kid", i))
		case !slices.ContainsFunc(roots, func(r *x509.Certificate) bool { return c.CheckSignatureFrom(r) == nil }):
			errs = append(errs, fmt.Errorf("signer %d is not certified by the country signing CA", i))
		default:
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		why := "it lists no signer"
		if len(errs) > 0 {
			why = errors.Join(errs...).Error()
		}
		return nil, listError("no signer of the list can be trusted: " + why)
	}
	return out, nil
}

func parseB64Cert(s string) (*x509.Certificate, error) {
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func listError(en string) error {
	return problem.Field("signers", "Danh sách khóa ký không hợp lệ", en)
}
