package checkin

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
)

// Config tunes the service. The zero value of a field means its default.
type Config struct {
	// Retention is how long check-ins are kept: 21 days by default.
	Retention time.Duration
	// PersonalQRTTL is how long a personal QR code is valid: 5 minutes.
	PersonalQRTTL time.Duration
	// Linger is how long the writer waits for more check-ins to join a
	// transaction once one has arrived: 2 ms.
	Linger time.Duration
	// MaxBatch caps the check-ins written in one transaction: 1000.
	MaxBatch int
	// Writers is how many transactions may be in flight at once, each
	// for its own share of persons: 1 on SQLite (it has one writer), 2 on
	// PostgreSQL, where one transaction's commit overlaps the other's
	// inserts (more made each batch smaller and fsyncs more frequent).
	Writers int
}

// DefaultRetention is the retention window of contact data.
const DefaultRetention = 21 * 24 * time.Hour

func (c Config) withDefaults() Config {
	if c.Retention <= 0 {
		c.Retention = DefaultRetention
	}
	if c.PersonalQRTTL <= 0 {
		c.PersonalQRTTL = 5 * time.Minute
	}
	if c.Linger <= 0 {
		c.Linger = 2 * time.Millisecond
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = 1000
	}
	return c
}

// Persons is what the service needs of the identity registry: finding the
// person a CCCD card belongs to. *identity.Store satisfies it.
type Persons interface {
	FindByCCCD(ctx context.Context, cccd string) ([]string, error)
	RegistryID(cccd string) string
}

// Service holds venues and check-ins.
type Service struct {
	db      *db.DB
	sealer  *seal.Sealer
	persons Persons
	clock   clock.Clock
	cfg     Config
	writers []*writer
	venues  venueCache
	parts   partitions
}

// NewService returns the check-in service.
func NewService(d *db.DB, sealer *seal.Sealer, persons Persons, c clock.Clock, cfg Config) *Service {
	s := &Service{db: d, sealer: sealer, persons: persons, clock: c, cfg: cfg.withDefaults()}
	n := s.cfg.Writers
	if n <= 0 {
		n = 1
		if d.Engine() == db.Postgres {
			n = 2
		}
	}
	for range n {
		s.writers = append(s.writers, newWriter(s))
	}
	s.venues.code, s.venues.id = map[string]cachedVenue{}, map[string]cachedVenue{}
	return s
}

// Retention returns the retention window in force.
func (s *Service) Retention() time.Duration { return s.cfg.Retention }

// Close waits for the check-ins being written to be written. Check-ins
// submitted after Close still work (the writer starts again); Close exists
// so a shutdown can flush before it closes the database.
func (s *Service) Close() {
	for _, w := range s.writers {
		w.flush()
	}
}

// writerFor picks the writer of a person: all of one person's check-ins go
// through one writer, so its resend and double-scan checks see every
// earlier one.
func (s *Service) writerFor(personID string) *writer {
	if len(s.writers) == 1 {
		return s.writers[0]
	}
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(personID); i++ {
		h = (h ^ uint32(personID[i])) * 16777619
	}
	return s.writers[h%uint32(len(s.writers))]
}

// Errors a person can be shown. Each is a field error with both languages.
var (
	// ErrUnknownVenue: no venue has this code (or id).
	ErrUnknownVenue = problem.Field("venue",
		"Không tìm thấy địa điểm này. Hãy kiểm tra mã địa điểm in dưới mã QR",
		"no venue has this code. Check the venue code printed under the QR code")
	// ErrForgedQR: a venue QR whose signature does not match.
	ErrForgedQR = problem.Field("qr",
		"Mã QR này không phải mã QR địa điểm của PC-Covid, hoặc đã bị sửa. Không ghi nhận",
		"this is not a PC-Covid venue QR code, or it has been altered. Nothing was recorded")
)

// venueCache keeps venues by code and by id for the check-in path, so a
// check-in reads no venue from the database. Entries expire after a
// minute: a venue changed on another server is seen soon enough.
type venueCache struct {
	mu   sync.RWMutex
	code map[string]cachedVenue
	id   map[string]cachedVenue
}

type cachedVenue struct {
	v       Venue
	expires time.Time
}

const venueCacheTTL = time.Minute

func (s *Service) cachedVenue(ctx context.Context, column, value string) (Venue, error) {
	m := s.venues.id
	if column == "code" {
		m = s.venues.code
	}
	now := time.Now()
	s.venues.mu.RLock()
	e, ok := m[value]
	s.venues.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.v, nil
	}
	v, err := s.loadVenue(ctx, column, value)
	if err != nil {
		return v, err
	}
	s.venues.mu.Lock()
	if len(m) > 100_000 {
		clear(m)
	}
	m[value] = cachedVenue{v: v, expires: now.Add(venueCacheTTL)}
	s.venues.mu.Unlock()
	return v, nil
}

func (s *Service) venueByCode(ctx context.Context, code string) (Venue, error) {
	return s.cachedVenue(ctx, "code", code)
}

func (s *Service) venueByID(ctx context.Context, id string) (Venue, error) {
	return s.cachedVenue(ctx, "id", id)
}

// VenueByCode returns the venue with a short code, as typed or scanned.
func (s *Service) VenueByCode(ctx context.Context, code string) (Venue, error) {
	c, err := ParseCode(code)
	if err != nil {
		return Venue{}, err
	}
	return s.venueByCode(ctx, c)
}

func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
