package gaen

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/problem"
)

// jsonMembers returns the member names v marshals to.
func jsonMembers(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(m))
}

// TestWireNames pins the JSON member names of the public protocol: apps
// built for the reference servers send and expect exactly these.
func TestWireNames(t *testing.T) {
	t.Parallel()
	dsos := int32(1)
	tests := []struct {
		v    any
		want string
	}{
		{VerifyCodeRequest{"12345678", []string{"confirmed"}, "cGFk"}, "accept code padding"},
		{VerifyCodeResponse{"confirmed", "2021-08-10", "2021-08-11", "jwt", "e", "c", "p"}, "error errorCode padding symptomDate testDate testtype token"},
		{VerificationCertificateRequest{"jwt", "bWFj", "p"}, "ekeyhmac padding token"},
		{VerificationCertificateResponse{"jwt", "e", "c", "p"}, "certificate error errorCode padding"},
		{Publish{[]Key{}, "ha", "jwt", "key", 5, true, "rev", "p"}, "healthAuthorityID hmacKey padding revisionToken symptomOnsetInterval temporaryExposureKeys traveler verificationPayload"},
		{PublishResponse{"rev", 3, "e", "c", "p", []string{"w"}}, "code error insertedExposures padding revisionToken warnings"},
		{Key{[]byte{1}, 2, 3, 4, ReportTypeConfirmedTest, &dsos}, "key rollingPeriod rollingStartNumber transmissionRisk"},
	}
	for _, tt := range tests {
		if got := strings.Join(jsonMembers(t, tt.v), " "); got != tt.want {
			t.Errorf("%T members = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// A publish body as an app built for the reference key server sends it.
const samplePublish = `{
  "temporaryExposureKeys": [
    {"key": "z2Cx9hdz2SlxZ8GEgqTYpA==", "rollingStartNumber": 2650032, "rollingPeriod": 144, "transmissionRisk": 3},
    {"key": "dPCphLzfG4uzXneNimkPRQ==", "rollingStartNumber": 2650176, "rollingPeriod": 72}
  ],
  "healthAuthorityID": "vn.gov.pccovid",
  "verificationPayload": "eyJhbGciOiJFUzI1NiJ9.e30.sig",
  "hmacKey": "AQIDBAUGBwgJCgsMDQ4PEA==",
  "symptomOnsetInterval": 2649600,
  "traveler": true,
  "revisionToken": "",
  "padding": "cGFkZGluZw==",
  "regions": ["VN"]
}`

func TestParsePublish(t *testing.T) {
	t.Parallel()
	p, err := ParsePublish([]byte(samplePublish))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Keys) != 2 || base64.StdEncoding.EncodeToString(p.Keys[0].Data) != "z2Cx9hdz2SlxZ8GEgqTYpA==" ||
		p.Keys[0].IntervalNumber != 2650032 || p.Keys[1].IntervalCount != 72 || p.Keys[0].TransmissionRisk != 3 ||
		p.HealthAuthorityID != "vn.gov.pccovid" || p.SymptomOnsetInterval != 2649600 || !p.Traveler {
		t.Errorf("got %+v", p)
	}
}

func TestParsePublishErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body, field string }{
		{"not json", `{"temporaryExposureKeys": [`, "body"},
		{"bad base64", `{"temporaryExposureKeys": [{"key": "!!!"}]}`, "temporaryExposureKeys"},
		{"string period", `{"temporaryExposureKeys": [{"rollingPeriod": "144"}]}`, "temporaryExposureKeys.rollingPeriod"},
		{"huge number", `{"temporaryExposureKeys": [{"rollingStartNumber": 99999999999}]}`, "temporaryExposureKeys.rollingStartNumber"},
		{"too large", `{"padding": "` + strings.Repeat("A", MaxPublishSize) + `"}`, "body"},
	}
	for _, tt := range tests {
		_, err := ParsePublish([]byte(tt.body))
		var fe *problem.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || fe.Vi == "" {
			t.Errorf("%s: err = %v, want field %q", tt.name, err, tt.field)
		}
	}
}

func TestNewPadding(t *testing.T) {
	t.Parallel()
	b, err := base64.StdEncoding.DecodeString(NewPadding())
	if err != nil || len(b) < 1024 || len(b) >= 2048 {
		t.Errorf("padding of %d bytes, %v", len(b), err)
	}
}
