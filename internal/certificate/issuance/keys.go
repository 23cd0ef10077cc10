package issuance

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/pccovid/pccovid/internal/certificate"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
)

// Roles of keys.
const (
	RoleCSCA = "csca"
	RoleDSC  = "dsc"
)

// fieldKey is the sealed field of private keys.
const fieldKey = "dcc_key.private"

// keyCacheTTL bounds how stale a server's view of the keys gets: a rotation
// on one server reaches the others within it.
const keyCacheTTL = time.Minute

// Key is one of Vietnam's DCC signing keys, as listed.
type Key struct {
	KID       string // base64 of the HCERT kid (DSC), hex of the subject key id (CSCA)
	Role      string
	Cert      *x509.Certificate
	Parent    string
	CreatedAt time.Time
	RetiredAt time.Time // zero while it signs (DSC) or certifies (CSCA)
	private   *ecdsa.PrivateKey
}

// Active reports whether the key signs (DSC) or certifies (CSCA).
func (k *Key) Active() bool { return k.RetiredAt.IsZero() }

// Keys holds the CSCA and DSCs in the database, their private keys sealed.
type Keys struct {
	db     *db.DB
	sealer *seal.Sealer
	clock  clock.Clock
	v      *certificate.Validator

	mu       sync.Mutex
	loadedAt time.Time
	keys     []*Key
	issuers  map[string]*certificate.Issuer // by DSC kid
}

// NewKeys returns the key store.
func NewKeys(d *db.DB, s *seal.Sealer, v *certificate.Validator, c clock.Clock) *Keys {
	return &Keys{db: d, sealer: s, v: v, clock: c, issuers: map[string]*certificate.Issuer{}}
}

// kidOf names a key: the HCERT kid for a DSC, the subject key id for the CSCA.
func kidOf(role string, c *x509.Certificate) string {
	if role == RoleDSC {
		return base64.StdEncoding.EncodeToString(certificate.KID(c))
	}
	return hex.EncodeToString(c.SubjectKeyId)
}

// ErrNoKeys says the DCC keys were never made: `pccovid keys dcc init`.
var ErrNoKeys = fmt.Errorf("certificate: no signing keys: run `pccovid keys dcc init`: %w", problem.ErrNotFound)

// Init makes the country signing CA and a first document signer, allowed to
// sign all three certificate types. It refuses when keys exist: use Rotate.
func (k *Keys) Init(ctx context.Context) ([]*Key, error) {
	return k.change(ctx, func(tx *db.DB, keys []*Key, now time.Time) error {
		if len(keys) > 0 {
			return fmt.Errorf("certificate: the DCC keys exist already; rotate them instead: %w", problem.ErrConflict)
		}
		csca, err := certificate.NewCSCA(now)
		if err != nil {
			return err
		}
		if err := k.insert(ctx, tx, RoleCSCA, csca, "", now); err != nil {
			return err
		}
		return k.newDSC(ctx, tx, csca.Cert, csca.Key, kidOf(RoleCSCA, csca.Cert), now)
	})
}

// Rotate makes a new document signer and retires the old ones: they sign
// no more, but stay in the signer list until they expire, so the
// certificates they signed still verify. With newCSCA the country signing
// CA is replaced too (the old one keeps certifying the old DSCs in the
// list until they expire).
func (k *Keys) Rotate(ctx context.Context, newCSCA bool) ([]*Key, error) {
	return k.change(ctx, func(tx *db.DB, keys []*Key, now time.Time) error {
		ca := active(keys, RoleCSCA)
		if ca == nil {
			return ErrNoKeys
		}
		caCert, caKey, caKID := ca.Cert, ca.private, ca.KID
		if newCSCA || now.Add(certificate.DSCValidity).After(ca.Cert.NotAfter) {
			csca, err := certificate.NewCSCA(now)
			if err != nil {
				return err
			}
			if err := k.insert(ctx, tx, RoleCSCA, csca, "", now); err != nil {
				return err
			}
			if err := retire(ctx, tx, ca.KID, now); err != nil {
				return err
			}
			caCert, caKey, caKID = csca.Cert, csca.Key, kidOf(RoleCSCA, csca.Cert)
		}
		for _, old := range keys {
			if old.Role == RoleDSC && old.Active() {
				if err := retire(ctx, tx, old.KID, now); err != nil {
					return err
				}
			}
		}
		return k.newDSC(ctx, tx, caCert, caKey, caKID, now)
	})
}

// change runs fn in a transaction over the current keys, then reloads them.
func (k *Keys) change(ctx context.Context, fn func(tx *db.DB, keys []*Key, now time.Time) error) ([]*Key, error) {
	err := k.db.Transact(ctx, func(tx *db.DB) error {
		if tx.Engine() == db.Postgres {
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(7267940)"); err != nil {
				return err
			}
		}
		keys, err := k.load(ctx, tx)
		if err != nil {
			return err
		}
		return fn(tx, keys, k.clock.Now().UTC().Truncate(time.Second))
	})
	if err != nil {
		return nil, err
	}
	return k.snapshot(ctx, true)
}

func (k *Keys) newDSC(ctx context.Context, tx *db.DB, ca *x509.Certificate, caKey *ecdsa.PrivateKey, caKID string, now time.Time) error {
	cn := "DSC VN " + now.Format("2006-01-02 15:04")
	dsc, err := certificate.NewDSC(ca, caKey, cn, []certificate.Type{certificate.TypeVaccination, certificate.TypeTest,
		certificate.TypeRecovery}, now)
	if err != nil {
		return err
	}
	return k.insert(ctx, tx, RoleDSC, dsc, caKID, now)
}

func (k *Keys) insert(ctx context.Context, tx *db.DB, role string, kp *certificate.KeyPair, parent string, now time.Time) error {
	sealed, err := k.sealer.SealECDSA(fieldKey, kp.Key)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO dcc_keys (kid, role, cert_der, private_sealed, parent_kid, not_before, not_after, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, kidOf(role, kp.Cert), role, kp.DER, sealed, parent,
		db.Millis(kp.Cert.NotBefore), db.Millis(kp.Cert.NotAfter), db.Millis(now))
	if err != nil {
		return fmt.Errorf("certificate: store %s key: %w", role, err)
	}
	return nil
}

func retire(ctx context.Context, tx *db.DB, kid string, now time.Time) error {
	_, err := tx.Exec(ctx, "UPDATE dcc_keys SET retired_at = $1 WHERE kid = $2 AND retired_at = 0", db.Millis(now), kid)
	return err
}

func active(keys []*Key, role string) *Key {
	var best *Key
	for _, k := range keys {
		if k.Role == role && k.Active() && (best == nil || k.CreatedAt.After(best.CreatedAt)) {
			best = k
		}
	}
	return best
}

// load reads and opens every key.
func (k *Keys) load(ctx context.Context, d *db.DB) ([]*Key, error) {
	rows, err := d.Query(ctx, `SELECT kid, role, cert_der, private_sealed, parent_kid, created_at, retired_at
		FROM dcc_keys ORDER BY created_at, kid`)
	if err != nil {
		return nil, fmt.Errorf("certificate: keys: %w", err)
	}
	defer rows.Close()
	var out []*Key
	for rows.Next() {
		var key Key
		var der, sealed []byte
		var created, retired int64
		if err := rows.Scan(&key.KID, &key.Role, &der, &sealed, &key.Parent, &created, &retired); err != nil {
			return nil, err
		}
		key.CreatedAt, key.RetiredAt = db.TimeOf(created), db.TimeOf(retired)
		if key.Cert, err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("certificate: key %s: %w", key.KID, err)
		}
		if key.private, err = k.sealer.OpenECDSA(fieldKey, sealed); err != nil {
			return nil, fmt.Errorf("certificate: key %s: %w", key.KID, err)
		}
		out = append(out, &key)
	}
	return out, rows.Err()
}

// snapshot returns the keys, reloading them when stale or when refresh.
func (k *Keys) snapshot(ctx context.Context, refresh bool) ([]*Key, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !refresh && k.keys != nil && k.clock.Now().Sub(k.loadedAt) < keyCacheTTL {
		return k.keys, nil
	}
	keys, err := k.load(ctx, k.db)
	if err != nil {
		return nil, err
	}
	k.keys, k.loadedAt = keys, k.clock.Now()
	return keys, nil
}

// List returns every key, oldest first.
func (k *Keys) List(ctx context.Context) ([]*Key, error) { return k.snapshot(ctx, true) }

// Issuer returns the issuer of the active document signer.
func (k *Keys) Issuer(ctx context.Context) (*certificate.Issuer, string, error) {
	keys, err := k.snapshot(ctx, false)
	if err != nil {
		return nil, "", err
	}
	dsc := active(keys, RoleDSC)
	if dsc == nil {
		return nil, "", ErrNoKeys
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	is, ok := k.issuers[dsc.KID]
	if !ok {
		if is, err = certificate.NewIssuer(dsc.Cert, dsc.private, k.v, k.clock); err != nil {
			return nil, "", err
		}
		k.issuers[dsc.KID] = is
	}
	return is, dsc.KID, nil
}

// SignerList is the list verifiers trust: the CSCAs and every DSC not yet
// expired at the time of the list.
func (k *Keys) SignerList(ctx context.Context) (certificate.SignerList, error) {
	keys, err := k.snapshot(ctx, false)
	if err != nil {
		return certificate.SignerList{}, err
	}
	now := k.clock.Now()
	var cscas, dscs []*x509.Certificate
	retired := map[string]bool{}
	for _, key := range keys {
		if now.After(key.Cert.NotAfter) {
			continue
		}
		if key.Role == RoleCSCA {
			cscas = append(cscas, key.Cert)
			continue
		}
		dscs = append(dscs, key.Cert)
		retired[key.KID] = !key.Active()
	}
	if len(dscs) == 0 {
		return certificate.SignerList{}, ErrNoKeys
	}
	return certificate.NewSignerList(now, cscas, dscs, retired), nil
}

// Verifier returns a verifier trusting the published signers.
func (k *Keys) Verifier(ctx context.Context) (*certificate.Verifier, error) {
	list, err := k.SignerList(ctx)
	if err != nil {
		return nil, err
	}
	var dscs []*x509.Certificate
	for _, s := range list.Signers {
		der, _ := base64.StdEncoding.DecodeString(s.Certificate)
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		dscs = append(dscs, c)
	}
	return certificate.NewVerifier(k.v, dscs...), nil
}
