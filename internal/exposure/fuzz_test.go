package exposure

import (
	"errors"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/exposure/gaen"
)

// FuzzNormaliseCode: whatever a person types, a code that normalises is
// made only of the code alphabet, at one of the two lengths, and
// normalising it again changes nothing.
func FuzzNormaliseCode(f *testing.F) {
	for _, s := range []string{"1234 5678", "abcd-efgh-jkmn-pqrs", "ILO0ilo0ILO0ilo0", "", "1234567٣", "ＡＢＣ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, ok := normaliseCode(s)
		if !ok {
			return
		}
		if len(code) != ShortCodeLength && len(code) != LongCodeLength {
			t.Fatalf("%q normalised to %q", s, code)
		}
		if strings.Trim(code, longAlphabet) != "" {
			t.Fatalf("%q normalised to %q, outside the alphabet", s, code)
		}
		if again, ok := normaliseCode(code); !ok || again != code {
			t.Fatalf("normalising %q again gave %q", code, again)
		}
	})
}

// FuzzPublishRefusal: any upload body gaen refuses gets a refusal whose
// every problem names a rule and says why in both languages; a body that
// parses never falls back to the catch-all rule.
func FuzzPublishRefusal(f *testing.F) {
	f.Add([]byte(`{"temporaryExposureKeys":[{"key":"AAAAAAAAAAAAAAAAAAAAAA==","rollingStartNumber":2700000,"rollingPeriod":0}]}`))
	f.Add([]byte(`{"temporaryExposureKeys":[],"healthAuthorityID":"x","hmacKey":"!!"}`))
	f.Add([]byte(`{"symptomOnsetInterval":-1}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := gaen.ParsePublish(body)
		parsed := err == nil
		if parsed {
			err = gaen.ValidatePublish(p, testNow)
		}
		if err == nil {
			return
		}
		var pp *gaen.Publish
		if parsed {
			pp = &p
		}
		var r *Refusal
		if !errors.As(badRequest(err, pp, testNow), &r) || len(r.Problems) == 0 {
			t.Fatalf("%v is not a refusal", err)
		}
		for _, pr := range r.Problems {
			if pr.Rule == "" || pr.Vi == "" || pr.En == "" || (parsed && pr.Rule == RuleUnparsable) {
				t.Fatalf("problem %+v for %q", pr, body)
			}
		}
	})
}
