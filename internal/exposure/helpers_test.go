package exposure

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/seal"
)

// testNow is the fixtures' starting time: mid-morning in Viet Nam.
var testNow = time.Date(2021, 10, 15, 3, 4, 5, 0, time.UTC)

// recorder is a Delivery that keeps what it was asked to deliver.
type recorder struct {
	mu   sync.Mutex
	sent []IssuedCode
	fail error
}

func (r *recorder) Deliver(_ context.Context, _ Recipient, c IssuedCode) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, c)
	return r.fail
}

type fixture struct {
	db       *db.DB
	clock    *clock.Fake
	sealer   *seal.Sealer
	trail    *access.Trail
	delivery *recorder
	svc      *Service
	official access.Request
}

// testConfig is the production configuration without padding, so that
// tests can count keys; tests of padding set it back.
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.MinKeysPerBatch = 0
	return cfg
}

func newFixture(t testing.TB, d *db.DB, cfg Config) *fixture {
	t.Helper()
	kf, err := seal.NewKeyFile(testNow)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := kf.Ring()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: d, clock: clock.NewFake(testNow), sealer: seal.NewSealer(ring), delivery: &recorder{}}
	f.trail = access.NewTrail(d, f.sealer, f.clock)
	f.svc = New(d, f.sealer, access.NewGuard(f.trail), f.clock, f.delivery, cfg)
	f.official = access.Request{Actor: access.Actor{Kind: access.KindOfficial, ID: "off-1", Name: "yte.hanoi",
		Role: access.RoleHealthOfficial, Scope: access.Country}, Purpose: access.PurposeTracing, Ref: "case 42"}
	return f
}

// issue issues a confirmed code as the fixture's official.
func (f *fixture) issue(t testing.TB) IssuedCode {
	t.Helper()
	c, err := f.svc.IssueCode(context.Background(), f.official, CodeRequest{TestType: gaen.TestTypeConfirmed,
		SymptomDate: f.clock.Now().AddDate(0, 0, -3).Format("2006-01-02")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// history returns a phone's keys: one a day for the days days before
// today, and today's key.
func history(now time.Time, days int) []gaen.Key {
	today := int32(gaen.IntervalNumber(now)) / gaen.MaxRollingPeriod * gaen.MaxRollingPeriod
	var keys []gaen.Key
	for d := days; d >= 0; d-- {
		keys = append(keys, gaen.Key{Data: gaen.NewTEK(), IntervalNumber: today - int32(d)*gaen.MaxRollingPeriod,
			IntervalCount: gaen.MaxRollingPeriod})
	}
	return keys
}

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// certify runs code → token → certificate for keys.
func (f *fixture) certify(t testing.TB, keys []gaen.Key) string {
	t.Helper()
	ctx := context.Background()
	v, err := f.svc.VerifyCode(ctx, f.issue(t).ShortCode, nil, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.Certificate(ctx, v.Token, base64.StdEncoding.EncodeToString(gaen.KeysHMAC(testSecret, keys)))
	if err != nil {
		t.Fatal(err)
	}
	return c.Certificate
}

// publishBody is an upload of keys under cert.
func publishBody(keys []gaen.Key, cert string) []byte {
	b, _ := json.Marshal(gaen.Publish{Keys: keys, HealthAuthorityID: DefaultConfig().HealthAuthorityIDs[0],
		VerificationPayload: cert, HMACKey: base64.StdEncoding.EncodeToString(testSecret)})
	return b
}

// publish certifies and uploads keys.
func (f *fixture) publish(t testing.TB, keys []gaen.Key) Published {
	t.Helper()
	p, err := f.svc.Publish(context.Background(), publishBody(keys, f.certify(t, keys)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// settle moves the clock past the end of the current upload window and
// the export delay: what was uploaded so far may now be exported.
func (f *fixture) settle() {
	f.clock.Set(f.svc.cfg.Exportable(f.clock.Now()).Add(time.Second))
}

// count returns the rows of table.
func (f *fixture) count(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantRefusal checks that err is a Refusal with protocol code and rules.
func wantRefusal(t testing.TB, err error, code string, rules ...string) *Refusal {
	t.Helper()
	var r *Refusal
	if !errors.As(err, &r) {
		t.Fatalf("got %v, want a refusal %s %v", err, code, rules)
	}
	if r.Code != code || !slices.Equal(r.Rules(), rules) {
		t.Fatalf("refusal %s %v, want %s %v (%v)", r.Code, r.Rules(), code, rules, r)
	}
	for _, p := range r.Problems {
		if p.Vi == "" || p.En == "" || p.Vi == p.En {
			t.Errorf("rule %s lacks a message in both languages: %q / %q", p.Rule, p.Vi, p.En)
		}
	}
	return r
}
