package certificate

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/problem"
)

func TestNewIssuerKeyMismatch(t *testing.T) {
	t.Parallel()
	a, b := newFixture(t), newFixture(t)
	if _, err := NewIssuer(a.dsc.Cert, b.dsc.Key, testValidator(t), a.clock); !errors.Is(err, errNotSigner) {
		t.Errorf("NewIssuer with another key: %v", err)
	}
}

func TestIssueCompletes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := vaccination()
	d.Version = ""
	issued, err := f.issuer.Issue(d)
	if err != nil {
		t.Fatal(err)
	}
	if d.Vaccinations[0].ID != "" {
		t.Error("Issue wrote the UVCI into the caller's slice")
	}
	res, err := f.verifier.Verify(issued.QR, issueTime)
	if err != nil {
		t.Fatal(err)
	}
	got := res.DCC
	if got.Version != SchemaVersion || got.Name.FamilyNameStd != "NGUYEN" || got.ID() != issued.UVCI || !strings.HasPrefix(issued.UVCI, "URN:UVCI:01:VN:") {
		t.Errorf("completed DCC %+v, UVCI %q", got, issued.UVCI)
	}
	// Given values are kept.
	d.Vaccinations = append([]Vaccination(nil), d.Vaccinations...)
	d.Vaccinations[0].ID = "URN:UVCI:01:VN:GIVEN#2"
	d.Name.GivenNameStd = "TRANG"
	issued, err = f.issuer.Issue(d)
	if err != nil || issued.UVCI != "URN:UVCI:01:VN:GIVEN#2" {
		t.Fatalf("Issue: %v, UVCI %q", err, issued.UVCI)
	}
	res, _ = f.verifier.Verify(issued.QR, issueTime)
	if res.DCC.Name.GivenNameStd != "TRANG" {
		t.Errorf("gnt %q, want the given TRANG", res.DCC.Name.GivenNameStd)
	}
}

func TestIssueTypes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	test := DCC{
		Name: Name{FamilyName: "Lý", GivenName: "Minh"}, DateOfBirth: "1985",
		Tests: []Test{{Target: "840539006", Type: "LP6464-4", Name: "PCR", SampleTime: "2022-05-10T08:00:00+07:00",
			Result: "260415000", Centre: "CDC Hà Nội", Country: "VN", Issuer: "Ministry of Health of Viet Nam"}},
	}
	recovery := DCC{
		Name: Name{FamilyName: "Vũ"}, DateOfBirth: "1970-07",
		Recoveries: []Recovery{{Target: "840539006", FirstPositive: "2022-03-01", Country: "VN",
			Issuer: "Ministry of Health of Viet Nam", ValidFrom: "2022-03-12", ValidUntil: "2022-08-28"}},
	}
	for _, d := range []DCC{test, recovery} {
		issued, err := f.issuer.Issue(d)
		if err != nil {
			t.Fatalf("Issue(%s): %v", d.Type(), err)
		}
		res, err := f.verifier.Verify(issued.QR, issueTime.Add(time.Minute))
		if err != nil || res.Type != d.Type() {
			t.Fatalf("Verify(%s) = %q %v", d.Type(), res.Type, err)
		}
		want := d
		complete(&want)
		switch {
		case len(want.Tests) > 0:
			want.Tests[0].ID = issued.UVCI
		default:
			want.Recoveries[0].ID = issued.UVCI
		}
		if !reflect.DeepEqual(*res.DCC, want) {
			t.Errorf("%s: DCC = %+v\nwant %+v", d.Type(), *res.DCC, want)
		}
	}
}

func TestIssueRefuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	testsOnly := newFixture(t, TypeTest)
	twoTypes := vaccination()
	twoTypes.Recoveries = []Recovery{{Target: "840539006", FirstPositive: "2022-03-01", Country: "VN",
		Issuer: "MoH", ValidFrom: "2022-03-12", ValidUntil: "2022-08-28", ID: "URN:UVCI:01:VN:R"}}
	badCode := vaccination()
	badCode.Vaccinations[0].Product = "Vero Cell"
	badDOB := vaccination()
	badDOB.DateOfBirth = "28/02/1990"
	twoDoses := vaccination()
	twoDoses.Vaccinations = append(twoDoses.Vaccinations, twoDoses.Vaccinations[0])
	noName := vaccination()
	noName.Name = Name{}
	tests := []struct {
		name   string
		is     *Issuer
		d      DCC
		detail string
	}{
		{"two types", f.issuer, twoTypes, "oneOf"},
		{"code outside the value sets", f.issuer, badCode, "dcc/v/0/mp"},
		{"date of birth", f.issuer, badDOB, "dcc/dob"},
		{"two entries", f.issuer, twoDoses, "maxItems"},
		{"no name", f.issuer, noName, "dcc/nam"},
	}
	for _, tc := range tests {
		_, err := tc.is.Issue(tc.d)
		if !errors.Is(err, problem.ErrInvalid) || !strings.Contains(err.Error(), tc.detail) {
			t.Errorf("%s: Issue error = %v, want ErrInvalid mentioning %q", tc.name, err, tc.detail)
		}
	}
	_, err := testsOnly.issuer.Issue(vaccination())
	if !errors.Is(err, ErrSignerUnusable) || errors.Is(err, problem.ErrInvalid) || !strings.Contains(err.Error(), `does not allow type "v"`) {
		t.Errorf("type the DSC may not sign: Issue error = %v, want ErrSignerUnusable", err)
	}
}

// TestIssueDSCLifetime: exp never outlives the DSC, and an expired DSC
// issues nothing.
func TestIssueDSCLifetime(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.clock.Set(f.dsc.Cert.NotAfter.Add(-30 * 24 * time.Hour))
	issued, err := f.issuer.Issue(vaccination())
	if err != nil {
		t.Fatal(err)
	}
	if !issued.Expires.Equal(f.dsc.Cert.NotAfter) {
		t.Errorf("exp %v, want the DSC's end %v", issued.Expires, f.dsc.Cert.NotAfter)
	}
	if _, err := f.verifier.Verify(issued.QR, issued.Expires); err != nil {
		t.Errorf("valid until its last second: %v", err)
	}
	f.clock.Set(f.dsc.Cert.NotAfter.Add(time.Hour))
	if _, err := f.issuer.Issue(vaccination()); !errors.Is(err, ErrSignerUnusable) {
		t.Errorf("Issue with an expired DSC: %v, want ErrSignerUnusable", err)
	}
}
