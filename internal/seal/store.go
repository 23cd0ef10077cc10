package seal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/pccovid/pccovid/internal/db"
)

const keyCheckField = "seal.key_check"

var keyCheckPlain = []byte("PC-Covid key check")

// indexCheckID is the seal_keys row that holds the index key's check value.
const indexCheckID = 0

// Source says where the key ring comes from: inline JSON (from the
// environment) wins over a file.
type Source struct {
	Inline []byte // PCCOVID_KEYS: the key file's JSON
	File   string // PCCOVID_KEYS_FILE, default DATA/keys.json
}

// Open loads the key ring from src and checks it against the database: every
// key the database has seen must be in the ring and must be the same key.
// When there is no key at all and the database has never sealed anything,
// Open creates the key file (mode 0600). A key file missing for a database
// that holds sealed data is an error, never a fresh key.
func Open(ctx context.Context, d *db.DB, src Source, now time.Time) (*Sealer, error) {
	kf, err := loadOrCreate(ctx, d, src, now)
	if err != nil {
		return nil, err
	}
	ring, err := kf.Ring()
	if err != nil {
		return nil, err
	}
	s := NewSealer(ring)
	if err := s.Bind(ctx, d, now); err != nil {
		return nil, err
	}
	return s, nil
}

func loadOrCreate(ctx context.Context, d *db.DB, src Source, now time.Time) (*KeyFile, error) {
	if len(src.Inline) > 0 {
		return ParseKeyFile(src.Inline)
	}
	kf, err := LoadKeyFile(src.File)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return kf, err
	}
	seen, err := knownKeyIDs(ctx, d)
	if err != nil {
		return nil, err
	}
	if len(seen) > 0 {
		return nil, fmt.Errorf("seal: key file %s is missing but the database holds data sealed with keys %v: restore the key file or set PCCOVID_KEYS_FILE", src.File, seen)
	}
	kf, err = NewKeyFile(now)
	if err != nil {
		return nil, err
	}
	if err := kf.Save(src.File); err != nil {
		return nil, err
	}
	return kf, nil
}

func knownKeyIDs(ctx context.Context, d *db.DB) ([]int64, error) {
	rows, err := d.Query(ctx, "SELECT id FROM seal_keys WHERE id <> $1 ORDER BY id", indexCheckID)
	if err != nil {
		return nil, fmt.Errorf("seal: read key checks: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Bind checks the ring against the check values stored in the database and
// records check values for keys the database has not seen yet.
func (s *Sealer) Bind(ctx context.Context, d *db.DB, now time.Time) error {
	return d.Transact(ctx, func(tx *db.DB) error {
		stored, err := storedChecks(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.verifyChecks(stored); err != nil {
			return err
		}
		for _, id := range append([]uint32{indexCheckID}, s.ring.ids...) {
			if _, ok := stored[int64(id)]; ok {
				continue
			}
			check := s.MAC("key-check", keyCheckPlain)
			if id != indexCheckID {
				check = s.sealWith(id, keyCheckField, keyCheckPlain)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO seal_keys (id, check_value, created_at) VALUES ($1, $2, $3)",
				int64(id), check, db.Millis(now)); err != nil {
				return fmt.Errorf("seal: record key %d: %w", id, err)
			}
		}
		return nil
	})
}

func storedChecks(ctx context.Context, d *db.DB) (map[int64][]byte, error) {
	rows, err := d.Query(ctx, "SELECT id, check_value FROM seal_keys")
	if err != nil {
		return nil, fmt.Errorf("seal: read key checks: %w", err)
	}
	defer rows.Close()
	out := make(map[int64][]byte)
	for rows.Next() {
		var id int64
		var check []byte
		if err := rows.Scan(&id, &check); err != nil {
			return nil, err
		}
		out[id] = check
	}
	return out, rows.Err()
}

func (s *Sealer) verifyChecks(stored map[int64][]byte) error {
	for id, check := range stored {
		if id == indexCheckID {
			if !s.VerifyMAC(check, "key-check", keyCheckPlain) {
				return errors.New("seal: the index key in the key file is not the one this database was indexed with (wrong key file?)")
			}
			continue
		}
		if _, ok := s.ring.aeads[uint32(id)]; !ok {
			return fmt.Errorf("seal: the database holds data sealed with key %d, which is not in the key file: %w", id, ErrNoKey)
		}
		pt, err := s.Open(keyCheckField, check)
		if err != nil || !bytes.Equal(pt, keyCheckPlain) {
			return fmt.Errorf("seal: key %d in the key file is not the key this database was sealed with (wrong key file?)", id)
		}
	}
	return nil
}
