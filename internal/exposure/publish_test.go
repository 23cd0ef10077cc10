package exposure

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/problem"
)

// publishCase is one way an upload breaks a rule.
type publishCase struct {
	name  string
	code  string
	rules []string
	// edit changes a valid upload (keys certified by cert).
	edit func(t *testing.T, f *fixture, p *gaen.Publish)
	// body, when set, is sent instead of the upload.
	body string
}

// signAs signs a certificate over keys with the service's key, after edit
// changes the claims.
func signAs(t *testing.T, f *fixture, keys []gaen.Key, edit func(c *gaen.CertificateClaims)) string {
	t.Helper()
	sk, err := f.svc.keys.current(context.Background(), UseVerification)
	if err != nil {
		t.Fatal(err)
	}
	c := gaen.CertificateClaims{Issuer: f.svc.cfg.Issuer, Audience: f.svc.cfg.Audience, IssuedAt: f.clock.Now(),
		ExpiresAt: f.clock.Now().Add(15 * time.Minute), ReportType: "confirmed", KeysHMAC: gaen.KeysHMAC(testSecret, keys)}
	edit(&c)
	cert, err := gaen.SignCertificate(sk.private, sk.KID, c)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// jwtAs signs arbitrary claims with the service's key or with key.
func jwtAs(t *testing.T, f *fixture, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if key == nil {
		sk, _ := f.svc.keys.current(context.Background(), UseVerification)
		tok.Header["kid"], key = sk.KID, sk.private
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func baseClaims(f *fixture, keys []gaen.Key) jwt.MapClaims {
	return jwt.MapClaims{"iss": f.svc.cfg.Issuer, "aud": f.svc.cfg.Audience, "exp": f.clock.Now().Add(time.Minute).Unix(),
		"reportType": "confirmed", "tekmac": base64.StdEncoding.EncodeToString(gaen.KeysHMAC(testSecret, keys))}
}

func setKeys(keys ...gaen.Key) func(t *testing.T, f *fixture, p *gaen.Publish) {
	return func(t *testing.T, f *fixture, p *gaen.Publish) { p.Keys = keys }
}

func publishCases() []publishCase {
	now := testNow
	today := int32(gaen.IntervalNumber(now)) / 144 * 144
	key := func(start, period, risk int32) gaen.Key {
		return gaen.Key{Data: gaen.NewTEK(), IntervalNumber: start, IntervalCount: period, TransmissionRisk: risk}
	}
	dup := key(today-144, 144, 0)
	many := make([]gaen.Key, 31)
	for i := range many {
		many[i] = key(today-int32(i+1)*10, 10, 0)
	}
	bad := gaen.PublishErrBadRequest
	cert := gaen.PublishErrCertificateInvalid
	return []publishCase{
		{name: "not JSON", code: bad, rules: []string{RuleUnparsable}, body: `{"temporaryExposureKeys": [`},
		{name: "wrong type", code: bad, rules: []string{RuleUnparsable}, body: `{"temporaryExposureKeys": "all of them"}`},
		{name: "key not base64", code: bad, rules: []string{RuleUnparsable}, body: `{"temporaryExposureKeys": [{"key": "!!"}]}`},
		{name: "no health authority", code: bad, rules: []string{RuleHealthAuthorityMissing},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) { p.HealthAuthorityID = "" }},
		{name: "no certificate", code: bad, rules: []string{RuleCertificateMissing},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) { p.VerificationPayload = "" }},
		{name: "short hmac key", code: bad, rules: []string{RuleHMACKeyInvalid},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) {
				p.HMACKey = base64.StdEncoding.EncodeToString([]byte("short"))
			}},
		{name: "symptom onset in the future", code: bad, rules: []string{RuleSymptomOnsetInvalid},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) { p.SymptomOnsetInterval = today + 200 }},
		{name: "no keys", code: bad, rules: []string{RuleNoKeys}, edit: setKeys()},
		{name: "31 keys", code: bad, rules: []string{RuleTooManyKeys}, edit: setKeys(many...)},
		{name: "15-byte key", code: bad, rules: []string{RuleKeyLength},
			edit: setKeys(gaen.Key{Data: make([]byte, 15), IntervalNumber: today - 144, IntervalCount: 144})},
		{name: "rolling period 0 and 145", code: bad, rules: []string{RuleRollingPeriod, RuleRollingPeriod},
			edit: setKeys(key(today-144, 0, 0), key(today-288, 145, 0))},
		{name: "transmission risk 9", code: bad, rules: []string{RuleTransmissionRisk}, edit: setKeys(key(today-144, 144, 9))},
		{name: "key from tomorrow", code: bad, rules: []string{RuleKeyInFuture}, edit: setKeys(key(today+144, 144, 0))},
		{name: "key 15 days old", code: bad, rules: []string{RuleKeyTooOld}, edit: setKeys(key(today-15*144, 144, 0))},
		{name: "duplicate key", code: bad, rules: []string{RuleDuplicateKey}, edit: setKeys(dup, key(today-288, 144, 0), dup)},
		{name: "four keys with one start", code: bad, rules: []string{RuleTooManySameStart},
			edit: setKeys(key(today, 10, 0), key(today, 20, 0), key(today, 30, 0), key(today, 40, 0))},
		{name: "overlapping keys", code: bad, rules: []string{RuleKeysOverlap}, edit: setKeys(key(today-144, 144, 0), key(today-100, 50, 0))},
		{name: "several rules at once", code: bad, rules: []string{RuleHealthAuthorityMissing, RuleRollingPeriod, RuleKeyInFuture},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) {
				p.HealthAuthorityID, p.Keys = "", []gaen.Key{key(today-144, 200, 0), key(today+288, 144, 0)}
			}},
		{name: "unknown app", code: gaen.PublishErrUnknownHealthAuthority, rules: []string{RuleUnknownHealthAuthority},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) { p.HealthAuthorityID = "com.example.other" }},
		{name: "certificate garbage", code: cert, rules: []string{RuleCertificateMalformed},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) { p.VerificationPayload = "garbage" }},
		{name: "certificate tampered", code: cert, rules: []string{RuleCertificateSignature},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) {
				p.VerificationPayload = p.VerificationPayload[:len(p.VerificationPayload)-6] + "AAAAAA"
			}},
		{name: "certificate from another key", code: cert, rules: []string{RuleCertificateUnknownKey},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) {
				other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
				tok := jwt.NewWithClaims(jwt.SigningMethodES256, baseClaims(f, p.Keys))
				tok.Header["kid"] = "someone-else"
				p.VerificationPayload, _ = tok.SignedString(other)
			}},
		{name: "certificate signed with HS256", code: cert, rules: []string{RuleCertificateAlgorithm},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) {
				p.VerificationPayload = jwtAs(t, f, jwt.SigningMethodHS256, []byte("secret"), baseClaims(f, p.Keys))
			}},
		{name: "certificate expired", code: cert, rules: []string{RuleCertificateExpired},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) {
				f.clock.Advance(15*time.Minute + time.Minute + time.Second)
			}},
		{name: "certificate not valid yet", code: cert, rules: []string{RuleCertificateNotYetValid},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) {
				p.VerificationPayload = signAs(t, f, p.Keys, func(c *gaen.CertificateClaims) { c.NotBefore = f.clock.Now().Add(time.Hour) })
			}},
		{name: "certificate from another issuer", code: cert, rules: []string{RuleCertificateIssuer},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) {
				p.VerificationPayload = signAs(t, f, p.Keys, func(c *gaen.CertificateClaims) { c.Issuer = "verify.example.org" })
			}},
		{name: "certificate for another server", code: cert, rules: []string{RuleCertificateAudience},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) {
				p.VerificationPayload = signAs(t, f, p.Keys, func(c *gaen.CertificateClaims) { c.Audience = "keys.example.org" })
			}},
		{name: "certificate without report type", code: cert, rules: []string{RuleCertificateClaims},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) {
				claims := baseClaims(f, p.Keys)
				delete(claims, "reportType")
				p.VerificationPayload = jwtAs(t, f, jwt.SigningMethodES256, nil, claims)
			}},
		{name: "keys not the certified ones", code: cert, rules: []string{RuleHMACMismatch},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) { p.Keys = p.Keys[1:] }},
		{name: "wrong hmac secret", code: cert, rules: []string{RuleHMACMismatch},
			edit: func(t *testing.T, f *fixture, p *gaen.Publish) {
				p.HMACKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
			}},
	}
}

func TestPublishRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, testConfig())
		for _, tc := range publishCases() {
			t.Run(tc.name, func(t *testing.T) {
				f.clock.Set(testNow)
				keys := history(f.clock.Now(), 13)
				p := gaen.Publish{Keys: keys, HealthAuthorityID: "vn.gov.pccovid", VerificationPayload: f.certify(t, keys),
					HMACKey: base64.StdEncoding.EncodeToString(testSecret)}
				body := []byte(tc.body)
				if tc.edit != nil {
					tc.edit(t, f, &p)
					body, _ = json.Marshal(p)
				}
				_, err := f.svc.Publish(context.Background(), body)
				wantRefusal(t, err, tc.code, tc.rules...)
				if n := f.count(t, "exposure_keys") + f.count(t, "exposure_certificates"); n != 0 {
					t.Fatalf("a refused upload stored %d rows", n)
				}
			})
		}
	})
}

func TestPublishStatusOfRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want error
	}{
		{badRequest(problem.Field("body", "x", "y"), nil, testNow), problem.ErrInvalid},
		{certificateRefusal(gaen.ErrCertificateExpired), problem.ErrUnauthorized},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%v is not %v", tc.err, tc.want)
		}
	}
}

func TestPublishStoresSealedKeysOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, testConfig())
		ctx := context.Background()
		keys := history(f.clock.Now(), 13)
		keys[0].TransmissionRisk = 7
		p := f.publish(t, keys)
		if p.Inserted != 14 || len(p.Warnings) != 0 {
			t.Fatalf("published %+v", p)
		}
		// A certificate is good for one upload.
		cert := f.certify(t, keys)
		if _, err := f.svc.Publish(ctx, publishBody(keys, cert)); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Publish(ctx, publishBody(keys, cert))
		wantRefusal(t, err, gaen.PublishErrCertificateInvalid, RuleCertificateUsed)
		if n := f.count(t, "exposure_keys"); n != 14 {
			t.Fatalf("%d keys stored, want 14 (no key twice)", n)
		}
		// Sealed at rest: no key appears in the table.
		rows, err := d.Query(ctx, `SELECT key_sealed, interval_number, transmission_risk, report_type, days_since_onset, available_at
			FROM exposure_keys`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		byStart := map[int32]gaen.Key{}
		for _, k := range keys {
			byStart[k.IntervalNumber] = k
		}
		for rows.Next() {
			var sealed []byte
			var start, risk, rt int32
			var dso *int32
			var available int64
			rows.Scan(&sealed, &start, &risk, &rt, &dso, &available)
			k := byStart[start]
			if bytes.Contains(sealed, k.Data) {
				t.Fatal("a key is stored in the clear")
			}
			if rt != int32(gaen.ReportTypeConfirmedTest) || (start == keys[0].IntervalNumber) != (risk == 7) || (risk != 7 && risk != 2) {
				t.Errorf("key %d: report type %d, risk %d", start, rt, risk)
			}
			// Symptoms began 3 days ago (the code's date).
			want, _ := gaen.DaysSinceOnset(int32(onsetInterval(f.clock.Now().AddDate(0, 0, -3).Format("2006-01-02"), f.clock.Now())), start)
			if dso == nil || *dso != want {
				t.Errorf("key %d: days since onset %v, want %d", start, dso, want)
			}
			if wantAt := max(db.Millis(testNow.Truncate(time.Hour).Add(time.Hour)), db.Millis(k.Expiry())); available != wantAt {
				t.Errorf("key %d available at %d, want %d", start, available, wantAt)
			}
		}
	})
}
