package exposure

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/seal"
)

// KeyUse says what a signing key signs.
type KeyUse string

// The two series of signing keys.
const (
	// UseVerification keys sign verification tokens and certificates.
	UseVerification KeyUse = "verification"
	// UseExport keys sign export files.
	UseExport KeyUse = "export"
)

// ParseKeyUse checks a key use named on the command line.
func ParseKeyUse(s string) (KeyUse, error) {
	switch KeyUse(s) {
	case UseVerification, UseExport:
		return KeyUse(s), nil
	}
	return "", fmt.Errorf("exposure: key use %q: want %q or %q", s, UseVerification, UseExport)
}

// How long a retired key is still listed and accepted: tokens and
// certificates live an hour at most, export files two weeks.
func overlapFor(use KeyUse, retention time.Duration) time.Duration {
	if use == UseExport {
		return retention + 24*time.Hour
	}
	return 24 * time.Hour
}

// fieldSigningKey is the sealed field of the private keys.
const fieldSigningKey = "exposure.signing_key"

// keyCacheTTL is how stale a server's view of the signing keys may get: a
// rotation on one server reaches the others within it (and at once when a
// certificate names a key the server does not know yet).
const keyCacheTTL = time.Minute

// SigningKey is one ECDSA P-256 signing key. Its private half is only in
// memory and, sealed, in the database.
type SigningKey struct {
	KID       string
	Use       KeyUse
	Version   int
	Public    *ecdsa.PublicKey
	CreatedAt time.Time
	// RetiredAt is when the key stopped signing; zero while it signs.
	RetiredAt time.Time
	private   *ecdsa.PrivateKey
}

// KeyVersion is the key's version as export files name it: "v1", "v2"…
func (k *SigningKey) KeyVersion() string { return fmt.Sprintf("v%d", k.Version) }

// keyring caches the signing keys of the database.
type keyring struct {
	db        *db.DB
	sealer    *seal.Sealer
	clock     clock.Clock
	retention time.Duration
	issuer    string
	audience  string
	skew      time.Duration

	mu       sync.Mutex
	loadedAt time.Time
	keys     []*SigningKey
	verifier *gaen.CertificateVerifier
}

// snapshot returns the keys, reloading them when the cache is stale or
// refresh is set.
func (k *keyring) snapshot(ctx context.Context, refresh bool) ([]*SigningKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !refresh && k.keys != nil && k.clock.Now().Sub(k.loadedAt) < keyCacheTTL {
		return k.keys, nil
	}
	keys, err := k.load(ctx)
	if err != nil {
		return nil, err
	}
	k.keys, k.loadedAt, k.verifier = keys, k.clock.Now(), nil
	return keys, nil
}

// load reads and opens every signing key.
func (k *keyring) load(ctx context.Context) ([]*SigningKey, error) {
	rows, err := k.db.Query(ctx, `SELECT kid, usage, version, private_sealed, created_at, retired_at
		FROM exposure_signing_keys ORDER BY usage, version`)
	if err != nil {
		return nil, fmt.Errorf("exposure: signing keys: %w", err)
	}
	defer rows.Close()
	keys := []*SigningKey{}
	for rows.Next() {
		var sk SigningKey
		var use string
		var sealed []byte
		var created, retired int64
		if err := rows.Scan(&sk.KID, &use, &sk.Version, &sealed, &created, &retired); err != nil {
			return nil, fmt.Errorf("exposure: signing keys: %w", err)
		}
		sk.Use, sk.CreatedAt, sk.RetiredAt = KeyUse(use), db.TimeOf(created), db.TimeOf(retired)
		if sk.private, err = k.open(sealed); err != nil {
			return nil, fmt.Errorf("exposure: signing key %s: %w", sk.KID, err)
		}
		sk.Public = &sk.private.PublicKey
		keys = append(keys, &sk)
	}
	return keys, rows.Err()
}

func (k *keyring) open(sealed []byte) (*ecdsa.PrivateKey, error) {
	ec, err := k.sealer.OpenECDSA(fieldSigningKey, sealed)
	if err != nil {
		return nil, err
	}
	if ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("not an ECDSA P-256 key")
	}
	return ec, nil
}

// current returns the key that signs for use now, creating the first one on
// first use. Several servers may race to create it: the database keeps one.
func (k *keyring) current(ctx context.Context, use KeyUse) (*SigningKey, error) {
	for attempt := 0; attempt < 2; attempt++ {
		keys, err := k.snapshot(ctx, attempt > 0)
		if err != nil {
			return nil, err
		}
		if sk := newestActive(keys, use); sk != nil {
			return sk, nil
		}
		if attempt == 0 {
			if _, err := k.insert(ctx, k.db, use, maxVersion(keys, use)+1); err != nil {
				return nil, err
			}
		}
	}
	return nil, fmt.Errorf("exposure: no %s signing key", use)
}

func newestActive(keys []*SigningKey, use KeyUse) *SigningKey {
	var best *SigningKey
	for _, sk := range keys {
		if sk.Use == use && sk.RetiredAt.IsZero() && (best == nil || sk.Version > best.Version) {
			best = sk
		}
	}
	return best
}

func maxVersion(keys []*SigningKey, use KeyUse) int {
	v := 0
	for _, sk := range keys {
		if sk.Use == use {
			v = max(v, sk.Version)
		}
	}
	return v
}

// insert generates a key and stores it as version; it reports whether this
// call stored it (false: another server got there first).
func (k *keyring) insert(ctx context.Context, d *db.DB, use KeyUse, version int) (bool, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return false, err
	}
	sealed, err := k.sealer.SealECDSA(fieldSigningKey, priv)
	if err != nil {
		return false, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return false, err
	}
	res, err := d.Exec(ctx, `INSERT INTO exposure_signing_keys (kid, usage, version, private_sealed, public_der, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		fmt.Sprintf("%s-v%d", use, version), string(use), version, sealed, pub, db.Millis(k.clock.Now()))
	if err != nil {
		return false, fmt.Errorf("exposure: store signing key: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// rotate makes a new key sign for use and retires the one before it, which
// stays listed (and accepted) for a while.
func (k *keyring) rotate(ctx context.Context, use KeyUse) (*SigningKey, error) {
	keys, err := k.snapshot(ctx, true)
	if err != nil {
		return nil, err
	}
	version := maxVersion(keys, use) + 1
	err = k.db.Transact(ctx, func(tx *db.DB) error {
		stored, err := k.insert(ctx, tx, use, version)
		if err != nil {
			return err
		}
		if !stored {
			return fmt.Errorf("exposure: another server rotated the %s key at the same time; run the rotation again", use)
		}
		_, err = tx.Exec(ctx, "UPDATE exposure_signing_keys SET retired_at = $1 WHERE usage = $2 AND retired_at = 0 AND version < $3",
			db.Millis(k.clock.Now()), string(use), version)
		return err
	})
	if err != nil {
		return nil, err
	}
	keys, err = k.snapshot(ctx, true)
	if err != nil {
		return nil, err
	}
	return newestActive(keys, use), nil
}

// listed returns the keys of use that verifiers should know: the one that
// signs and those retired recently enough that what they signed may still
// be about.
func (k *keyring) listed(ctx context.Context, use KeyUse) ([]*SigningKey, error) {
	keys, err := k.snapshot(ctx, false)
	if err != nil {
		return nil, err
	}
	now, overlap := k.clock.Now(), overlapFor(use, k.retention)
	var out []*SigningKey
	for _, sk := range keys {
		if sk.Use == use && (sk.RetiredAt.IsZero() || now.Before(sk.RetiredAt.Add(overlap))) {
			out = append(out, sk)
		}
	}
	slices.SortFunc(out, func(a, b *SigningKey) int { return b.Version - a.Version })
	return out, nil
}

// certificateVerifier returns a verifier over the listed verification keys.
func (k *keyring) certificateVerifier(ctx context.Context, refresh bool) (*gaen.CertificateVerifier, error) {
	if _, err := k.current(ctx, UseVerification); err != nil { // the verifier needs at least one key
		return nil, err
	}
	if _, err := k.snapshot(ctx, refresh); err != nil {
		return nil, err
	}
	keys, err := k.listed(ctx, UseVerification)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.verifier != nil {
		return k.verifier, nil
	}
	pubs := make(map[string]*ecdsa.PublicKey, len(keys))
	for _, sk := range keys {
		pubs[sk.KID] = sk.Public
	}
	v, err := gaen.NewCertificateVerifier(k.issuer, k.audience, pubs, k.clock, k.skew)
	if err != nil {
		return nil, err
	}
	k.verifier = v
	return v, nil
}

// byKID finds a key by id.
func (k *keyring) byKID(ctx context.Context, kid string, refresh bool) (*SigningKey, error) {
	keys, err := k.snapshot(ctx, refresh)
	if err != nil {
		return nil, err
	}
	for _, sk := range keys {
		if sk.KID == kid {
			return sk, nil
		}
	}
	return nil, nil
}
