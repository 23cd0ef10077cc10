// Package seal keeps personal data unreadable at rest. Each personal field is
// encrypted on its own with AES-256-GCM under a key ring that can be rotated;
// the key id travels in the ciphertext so old values stay readable after a
// rotation. Equality look-ups (by CCCD, by phone) go through keyed blind
// indexes: HMAC-SHA-256 of the normalised value, so the database can match
// values it cannot read.
//
// Keys live in a key file (created on first run, mode 0600) or come from the
// environment; they are never stored in the database. The database holds a
// check value per key so that starting with a missing or wrong key is a
// clear error, never silent plaintext or unreadable data.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// KeyFile is the on-disk form of the key ring.
type KeyFile struct {
	Version int `json:"version"`
	// Primary is the id of the data key new values are sealed with.
	Primary uint32 `json:"primary"`
	// Keys are the data keys, old ones kept so old values stay readable.
	Keys []FileKey `json:"keys"`
	// IndexKey keys the blind indexes and the other MACs. It is not rotated
	// by `keys rotate`: changing it means re-indexing every table.
	IndexKey []byte `json:"index_key"`
}

// FileKey is one data key.
type FileKey struct {
	ID      uint32    `json:"id"`
	Secret  []byte    `json:"secret"`
	Created time.Time `json:"created"`
}

// Ring is a loaded key ring. It is immutable and safe for concurrent use.
type Ring struct {
	primary uint32
	aeads   map[uint32]cipher.AEAD
	ids     []uint32
	index   []byte
}

// ErrNoKey means a value was sealed with a key the ring does not hold.
var ErrNoKey = errors.New("seal: key not in key ring")

// NewKeyFile returns a fresh key file with one random data key.
func NewKeyFile(now time.Time) (*KeyFile, error) {
	kf := &KeyFile{Version: 1, Primary: 1, IndexKey: make([]byte, 32)}
	if _, err := rand.Read(kf.IndexKey); err != nil {
		return nil, fmt.Errorf("seal: random: %w", err)
	}
	if err := kf.AddKey(now); err != nil {
		return nil, err
	}
	return kf, nil
}

// AddKey adds a new random data key and makes it primary.
func (kf *KeyFile) AddKey(now time.Time) error {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return fmt.Errorf("seal: random: %w", err)
	}
	var id uint32 = 1
	for _, k := range kf.Keys {
		id = max(id, k.ID+1)
	}
	kf.Keys = append(kf.Keys, FileKey{ID: id, Secret: secret, Created: now.UTC()})
	kf.Primary = id
	return nil
}

// Ring validates the key file and builds the ring.
func (kf *KeyFile) Ring() (*Ring, error) {
	if kf.Version != 1 {
		return nil, fmt.Errorf("seal: key file version %d not supported", kf.Version)
	}
	if len(kf.IndexKey) != 32 {
		return nil, fmt.Errorf("seal: index key must be 32 bytes, have %d", len(kf.IndexKey))
	}
	r := &Ring{primary: kf.Primary, aeads: make(map[uint32]cipher.AEAD), index: kf.IndexKey}
	for _, k := range kf.Keys {
		if len(k.Secret) != 32 {
			return nil, fmt.Errorf("seal: key %d must be 32 bytes, have %d", k.ID, len(k.Secret))
		}
		if _, dup := r.aeads[k.ID]; dup {
			return nil, fmt.Errorf("seal: key id %d appears twice", k.ID)
		}
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("seal: key %d: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: key %d: %w", k.ID, err)
		}
		r.aeads[k.ID] = aead
		r.ids = append(r.ids, k.ID)
	}
	if _, ok := r.aeads[kf.Primary]; !ok {
		return nil, fmt.Errorf("seal: primary key %d is not in the key file", kf.Primary)
	}
	slices.Sort(r.ids)
	return r, nil
}

// KeyIDs returns the ids of the data keys in the ring, ascending.
func (r *Ring) KeyIDs() []uint32 { return slices.Clone(r.ids) }

// Primary returns the id of the key new values are sealed with.
func (r *Ring) Primary() uint32 { return r.primary }

// derive returns a 32-byte key for one use, derived from the index key, so
// that one secret in the key file serves blind indexes, the audit chain and
// QR signatures without one use's MACs being valid for another.
func (r *Ring) derive(label string) []byte {
	k, err := hkdf.Key(sha256.New, r.index, nil, "pccovid "+label, 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot produce
	}
	return k
}

// LoadKeyFile reads a key file.
func LoadKeyFile(path string) (*KeyFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seal: key file: %w", err)
	}
	return ParseKeyFile(b)
}

// ParseKeyFile parses a key file's JSON (also the form given in the
// PCCOVID_KEYS environment variable).
func ParseKeyFile(b []byte) (*KeyFile, error) {
	var kf KeyFile
	if err := json.Unmarshal(b, &kf); err != nil {
		return nil, fmt.Errorf("seal: key file is not valid JSON: %w", err)
	}
	return &kf, nil
}

// Save writes the key file atomically with mode 0600: a crash during a
// rotation leaves either the old file or the new one, never half of one.
func (kf *KeyFile) Save(path string) error {
	b, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("seal: key file directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".keys-*.json")
	if err != nil {
		return fmt.Errorf("seal: key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("seal: key file: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("seal: key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("seal: key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("seal: key file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("seal: key file: %w", err)
	}
	return nil
}
