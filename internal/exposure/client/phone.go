package client

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/pccovid/pccovid/internal/exposure/gaen"
)

// Phone is one phone's exposure-notification state. It is safe for
// concurrent use.
type Phone struct {
	mu sync.Mutex
	// teks maps the start interval of a UTC day to that day's key.
	teks     map[int32][]byte
	observed []gaen.Observation
	// metadata is what the phone broadcasts beside each RPI, encrypted:
	// version 1.0 and a transmit power of -8 dBm.
	metadata []byte
	// seen are the export files already downloaded and matched.
	seen map[string]bool
}

// NewPhone returns a phone with no keys yet: it makes each day's key the
// first time it needs it.
func NewPhone() *Phone {
	return &Phone{teks: map[int32][]byte{}, metadata: []byte{0x40, 0xf8, 0, 0}, seen: map[string]bool{}}
}

func dayStart(t time.Time) int32 {
	return int32(gaen.IntervalNumber(t)) / gaen.MaxRollingPeriod * gaen.MaxRollingPeriod
}

// tek returns the key of the UTC day of t.
func (p *Phone) tek(t time.Time) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	day := dayStart(t)
	k, ok := p.teks[day]
	if !ok {
		k = gaen.NewTEK()
		p.teks[day] = k
	}
	return k
}

// Broadcast returns what the phone advertises at t: the RPI of t's interval
// and its encrypted metadata.
func (p *Phone) Broadcast(t time.Time) (gaen.Identifier, error) {
	ids, err := gaen.Derive(p.tek(t), gaen.IntervalNumber(t), 1, p.metadata)
	if err != nil {
		return gaen.Identifier{}, err
	}
	return ids[0], nil
}

// Observe records an advertisement heard at seenAt.
func (p *Phone) Observe(id gaen.Identifier, seenAt time.Time, rssi int) {
	o := gaen.Observation{RPI: id.RPI, SeenAt: seenAt, RSSI: rssi}
	copy(o.AEM[:], id.AEM)
	p.mu.Lock()
	p.observed = append(p.observed, o)
	p.mu.Unlock()
}

// Keys returns the keys the phone would share at now: each day's key of the
// last 14 days, today's included (the server holds it back until it
// expires), oldest first.
func (p *Phone) Keys(now time.Time) []gaen.Key {
	p.mu.Lock()
	defer p.mu.Unlock()
	oldest := dayStart(now.Add(-gaen.MaxKeyAge))
	var keys []gaen.Key
	for day, k := range p.teks {
		if day >= oldest && day <= dayStart(now) {
			keys = append(keys, gaen.Key{Data: k, IntervalNumber: day, IntervalCount: gaen.MaxRollingPeriod})
		}
	}
	slices.SortFunc(keys, func(a, b gaen.Key) int { return int(a.IntervalNumber - b.IntervalNumber) })
	return keys
}

// Shared is the outcome of sharing keys.
type Shared struct {
	TestType string
	Keys     []gaen.Key
	Inserted int
}

// Share does what a phone does when its owner reports a positive test with
// the code a health official gave: code → token (/api/verify), token and the
// HMAC of its keys → certificate (/api/certificate), keys and certificate →
// upload (/v1/publish). The HMAC secret never leaves the phone before the
// upload, so the verification server cannot see which keys it certifies.
func (p *Phone) Share(ctx context.Context, s *Server, code string, now time.Time) (Shared, error) {
	v, err := s.Verify(ctx, code)
	if err != nil {
		return Shared{}, fmt.Errorf("verify code: %w", err)
	}
	keys := p.Keys(now)
	if len(keys) == 0 {
		return Shared{}, fmt.Errorf("the phone has no keys to share")
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	cert, err := s.Certificate(ctx, v.Token, gaen.KeysHMAC(secret, keys))
	if err != nil {
		return Shared{}, fmt.Errorf("certificate: %w", err)
	}
	resp, err := s.Publish(ctx, gaen.Publish{Keys: keys, HealthAuthorityID: s.HealthAuthorityID,
		VerificationPayload: cert, HMACKey: base64.StdEncoding.EncodeToString(secret), Padding: gaen.NewPadding()})
	if err != nil {
		return Shared{}, fmt.Errorf("publish: %w", err)
	}
	return Shared{TestType: v.TestType, Keys: keys, Inserted: resp.InsertedExposures}, nil
}

// Match returns the exposures to keys among what the phone heard.
func (p *Phone) Match(keys []gaen.Key) []gaen.Exposure {
	p.mu.Lock()
	m := gaen.NewMatcher(p.observed)
	p.mu.Unlock()
	return m.Match(keys)
}

// CheckExposures downloads the export files the phone has not seen yet,
// verifies them and matches their keys: what the phone does a few times a
// day.
func (p *Phone) CheckExposures(ctx context.Context, s *Server) ([]gaen.Exposure, error) {
	names, err := s.Index(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	fresh := slices.DeleteFunc(names, func(n string) bool { return p.seen[n] })
	p.mu.Unlock()
	exports, err := s.Download(ctx, fresh)
	if err != nil {
		return nil, err
	}
	var out []gaen.Exposure
	for _, e := range exports {
		out = append(out, p.Match(e.Batch.Keys)...)
		p.mu.Lock()
		p.seen[e.Name] = true
		p.mu.Unlock()
	}
	return out, nil
}

func encodeStd(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
