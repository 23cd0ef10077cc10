package certificate_test

import (
	"fmt"
	"os"
	"time"

	"github.com/pccovid/pccovid/internal/certificate"
	"github.com/pccovid/pccovid/internal/clock"
)

// Example shows the life of a certificate: keys, issue, verify.
func Example() {
	now := time.Date(2022, 5, 11, 9, 0, 0, 0, time.UTC)
	csca, _ := certificate.NewCSCA(now)
	dsc, _ := certificate.NewDSC(csca.Cert, csca.Key, "DSC VN 1", []certificate.Type{certificate.TypeVaccination}, now)
	validator, _ := certificate.NewValidator()
	issuer, _ := certificate.NewIssuer(dsc.Cert, dsc.Key, validator, clock.NewFake(now))

	issued, err := issuer.Issue(certificate.DCC{
		Name:        certificate.Name{FamilyName: "Nguyễn", GivenName: "Văn An"},
		DateOfBirth: "1985-07-15",
		Vaccinations: []certificate.Vaccination{{
			Target: "840539006", Prophylaxis: "J07BX03", Product: "EU/1/21/1529",
			Manufacturer: "ORG-100001699", DoseNumber: 2, TotalDoses: 2, Date: "2021-09-01",
			Country: "VN", Issuer: "Ministry of Health of Viet Nam",
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	verifier := certificate.NewVerifier(validator, dsc.Cert)
	res, err := verifier.Verify(issued.QR, now.Add(24*time.Hour))
	fmt.Println(res.Valid, res.Code, err, res.DCC.Name.FamilyNameStd, res.DCC.Name.GivenNameStd)

	res, err = verifier.Verify(issued.QR, issued.Expires.Add(time.Second))
	fmt.Println(res.Valid, res.Code, res.Code.Text("vi"))
	// Output:
	// true ok <nil> NGUYEN VAN<AN
	// false expired Chứng nhận đã hết hạn.
}

func ExampleRunCheck() {
	path := "testdata/dcc/common/2DCode/raw/CO22.json"
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	png, _ := certificate.FindPicture(path) // for files without 2DCODE
	ok, err := certificate.RunCheck(os.Stdout, data, certificate.WithPicture(png))
	fmt.Println(ok, err)
	// Output:
	// # INVALID: KID in protected header not correct, KID in unprotected header correct
	// EXPECTEDVERIFY expected=false got=false (certificate: unknown_kid: no trusted document signer has kid 666f6f)
	// PASS
	// true <nil>
}

func ExampleKID() {
	now := time.Now()
	csca, _ := certificate.NewCSCA(now)
	dsc, _ := certificate.NewDSC(csca.Cert, csca.Key, "DSC VN 1", []certificate.Type{certificate.TypeTest}, now)
	fmt.Println(len(certificate.KID(dsc.Cert)))
	// Output: 8
}
