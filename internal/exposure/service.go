package exposure

import (
	"context"
	"fmt"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/seal"
)

// Service is the exposure-notification server: verification codes, tokens
// and certificates, key uploads, export files and their retention. It is
// safe for concurrent use, and several servers may share one database.
type Service struct {
	db       *db.DB
	sealer   *seal.Sealer
	guard    *access.Guard
	limiter  *access.Limiter
	clock    clock.Clock
	delivery Delivery
	cfg      Config
	keys     *keyring
}

// New returns the service. delivery hands codes to the people they are for
// (see [SMSDelivery]); cfg is usually [DefaultConfig].
func New(d *db.DB, s *seal.Sealer, g *access.Guard, c clock.Clock, delivery Delivery, cfg Config) *Service {
	return &Service{
		db: d, sealer: s, guard: g, limiter: access.NewLimiter(d, c), clock: c, delivery: delivery, cfg: cfg,
		keys: &keyring{db: d, sealer: s, clock: c, retention: cfg.Retention,
			issuer: cfg.Issuer, audience: cfg.Audience, skew: cfg.ClockSkew},
	}
}

// Config returns the service's configuration.
func (s *Service) Config() Config { return s.cfg }

// SealedColumns lists the columns this package seals, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{
		{Table: "exposure_keys", Key: []string{"key_mac"}, Column: "key_sealed", Field: fieldTEK},
		{Table: "exposure_signing_keys", Key: []string{"kid"}, Column: "private_sealed", Field: fieldSigningKey},
	}
}

// SigningKeys returns the signing keys of use that verifiers should know,
// newest first: the one that signs now and those retired recently. The
// first call creates the first key.
func (s *Service) SigningKeys(ctx context.Context, use KeyUse) ([]*SigningKey, error) {
	if _, err := s.keys.current(ctx, use); err != nil {
		return nil, err
	}
	return s.keys.listed(ctx, use)
}

// RotateKey makes a fresh key sign for use from now on. The previous key is
// still listed for verifiers (a day for verification keys, the retention
// window for export keys) so that what it signed stays checkable.
func (s *Service) RotateKey(ctx context.Context, use KeyUse) (*SigningKey, error) {
	if _, err := s.keys.current(ctx, use); err != nil {
		return nil, err
	}
	sk, err := s.keys.rotate(ctx, use)
	if err != nil {
		return nil, fmt.Errorf("exposure: rotate %s key: %w", use, err)
	}
	return sk, nil
}
