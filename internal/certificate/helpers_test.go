package certificate

import (
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/pccovid/pccovid/internal/clock"
)

// issueTime is when the test keys are made and the test certificates
// issued: the day the EU recognised Vietnam's certificates.
var issueTime = time.Date(2022, 5, 11, 9, 0, 0, 0, time.FixedZone("ICT", 7*3600))

// sharedValidator compiles the schema once for all tests.
var sharedValidator = sync.OnceValues(NewValidator)

func testValidator(t testing.TB) *Validator {
	t.Helper()
	v, err := sharedValidator()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// fixture is a CSCA, a DSC signed by it, and an Issuer and a Verifier using
// the DSC.
type fixture struct {
	csca, dsc *KeyPair
	clock     *clock.Fake
	issuer    *Issuer
	verifier  *Verifier
}

// newFixture makes keys at issueTime; the DSC may sign the given types (all
// when none are given).
func newFixture(t testing.TB, types ...Type) *fixture {
	t.Helper()
	if len(types) == 0 {
		types = []Type{TypeVaccination, TypeTest, TypeRecovery}
	}
	csca, err := NewCSCA(issueTime)
	if err != nil {
		t.Fatal(err)
	}
	dsc, err := NewDSC(csca.Cert, csca.Key, "DSC VN 1", types, issueTime)
	if err != nil {
		t.Fatal(err)
	}
	v := testValidator(t)
	clk := clock.NewFake(issueTime)
	issuer, err := NewIssuer(dsc.Cert, dsc.Key, v, clk)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{csca: csca, dsc: dsc, clock: clk, issuer: issuer, verifier: NewVerifier(v, dsc.Cert)}
}

// vaccination returns a complete second-dose Comirnaty certificate.
func vaccination() DCC {
	return DCC{
		Version:     SchemaVersion,
		Name:        Name{FamilyName: "Nguyễn", GivenName: "Thị Đoan Trang"},
		DateOfBirth: "1990-02-28",
		Vaccinations: []Vaccination{{
			Target: "840539006", Prophylaxis: "1119349007", Product: "EU/1/20/1528",
			Manufacturer: "ORG-100030215", DoseNumber: 2, TotalDoses: 2, Date: "2021-11-20",
			Country: "VN", Issuer: "Ministry of Health of Viet Nam",
		}},
	}
}

// signRaw signs any CWT payload with the fixture's DSC, bypassing the
// Issuer's checks, with the given algorithm in the protected header.
func (f *fixture) signRaw(t testing.TB, alg int64, payload []byte) string {
	t.Helper()
	is := &Issuer{dsc: f.dsc.Cert, key: f.dsc.Key, protected: mustCBOR(t, coseHeader{Alg: &alg, Kid: KID(f.dsc.Cert)})}
	qr, err := is.sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	return qr
}

// rawClaims encodes CWT claims around any DCC value.
func rawClaims(t testing.TB, dcc any, iat, exp time.Time) []byte {
	t.Helper()
	return mustCBOR(t, claims{
		Issuer: Country, IssuedAt: iat.Unix(), Expires: exp.Unix(),
		HCert: hcertClaim{DCC: mustCBOR(t, dcc)},
	})
}

func mustCBOR(t testing.TB, v any) cbor.RawMessage {
	t.Helper()
	b, err := cborEnc.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
