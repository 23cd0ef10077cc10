package identity

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/vn"
)

// fieldProfile is the associated data of a persons row's sealed profile.
const fieldProfile = "person.profile"

// The fields persons rows sealed one by one before migration 0120, read
// only by UpgradeProfiles.
const (
	fieldCCCD      = "person.cccd"
	fieldCMND      = "person.cmnd"
	fieldName      = "person.full_name"
	fieldBirthDate = "person.birth_date"
	fieldAddress   = "person.address"
	fieldPhone     = "person.phone"
)

// profile is the sealed part of a persons row. Its fields are always read
// together, so they are sealed as one value: one nonce and tag a person
// instead of one a field, which is most of what a registry load writes.
// The keys are short because the value is stored once for every person.
type profile struct {
	CCCD      string `json:"c,omitempty"`
	CMND      string `json:"m,omitempty"`
	FullName  string `json:"n,omitempty"`
	BirthDate string `json:"b,omitempty"` // as the source wrote it, ParseDate reads it
	Address   string `json:"a,omitempty"`
	Phone     string `json:"t,omitempty"`
}

func (s *Store) sealProfile(p profile) []byte {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // a struct of strings always marshals
	}
	return s.sealer.Seal(fieldProfile, b)
}

func (s *Store) openProfile(sealed []byte) (profile, error) {
	var p profile
	if len(sealed) == 0 {
		return p, nil
	}
	b, err := s.sealer.Open(fieldProfile, sealed)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("identity: sealed profile: %w", err)
	}
	return p, nil
}

// birthDate parses the profile's birth date; an empty one is the zero date.
func (p profile) birthDate() (vn.Date, error) {
	if p.BirthDate == "" {
		return vn.Date{}, nil
	}
	return vn.ParseDate(p.BirthDate)
}

// upgradeBatch is how many persons one transaction of UpgradeProfiles
// moves: small enough that a running server's writes wait little.
const upgradeBatch = 1000

// UpgradeProfiles seals the personal fields of persons written before they
// were sealed as one value (migration 0120) into profile_sealed, and
// empties the old columns. It runs at start and only when the migration
// recorded persons to upgrade; each batch commits on its own, so a start
// killed midway goes on from where it was. It returns how many persons it
// moved.
func (s *Store) UpgradeProfiles(ctx context.Context) (int, error) {
	return s.upgradeProfiles(ctx, upgradeBatch)
}

func (s *Store) upgradeProfiles(ctx context.Context, size int) (int, error) {
	var pending int
	if err := s.db.QueryRow(ctx, "SELECT count(*) FROM data_upgrades WHERE name = 'person_profiles'").Scan(&pending); err != nil {
		return 0, fmt.Errorf("identity: upgrade profiles: %w", err)
	}
	if pending == 0 {
		return 0, nil
	}
	done, after := 0, ""
	for {
		n, last, err := s.upgradeProfileBatch(ctx, after, size)
		if err != nil {
			return done, fmt.Errorf("identity: upgrade profiles: %w", err)
		}
		done += n
		if last == "" {
			break
		}
		after = last
	}
	if _, err := s.db.Exec(ctx, "DELETE FROM data_upgrades WHERE name = 'person_profiles'"); err != nil {
		return done, fmt.Errorf("identity: upgrade profiles: %w", err)
	}
	return done, nil
}

// upgradeProfileBatch moves the persons among the next size ids after
// after; it returns how many it moved and the last id it read, "" at the end.
func (s *Store) upgradeProfileBatch(ctx context.Context, after string, size int) (n int, last string, err error) {
	err = s.db.Transact(ctx, func(tx *db.DB) error {
		rows, err := tx.Query(ctx, `SELECT id, profile_sealed IS NULL, cccd_sealed, cmnd_sealed, full_name_sealed,
			birth_date_sealed, address_sealed, phone_sealed FROM persons WHERE id > $1 ORDER BY id LIMIT $2`, after, size)
		if err != nil {
			return err
		}
		read := 0
		type moved struct {
			id     string
			sealed []byte
		}
		var batch []moved
		for rows.Next() {
			var id string
			var old bool
			var f [6][]byte
			if err := rows.Scan(&id, &old, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5]); err != nil {
				rows.Close()
				return err
			}
			read++
			last = id
			if !old {
				continue
			}
			var p profile
			for i, field := range []struct {
				name string
				to   *string
			}{{fieldCCCD, &p.CCCD}, {fieldCMND, &p.CMND}, {fieldName, &p.FullName}, {fieldBirthDate, &p.BirthDate},
				{fieldAddress, &p.Address}, {fieldPhone, &p.Phone}} {
				if *field.to, err = s.sealer.OpenString(field.name, f[i]); err != nil {
					rows.Close()
					return fmt.Errorf("person %s: %w", id, err)
				}
			}
			batch = append(batch, moved{id, s.sealProfile(p)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range batch {
			if _, err := tx.Exec(ctx, `UPDATE persons SET profile_sealed = $1, cccd_sealed = NULL, cmnd_sealed = NULL,
				full_name_sealed = NULL, birth_date_sealed = NULL, address_sealed = NULL, phone_sealed = NULL,
				cccd_idx = NULL WHERE id = $2`, m.sealed, m.id); err != nil {
				return err
			}
		}
		n = len(batch)
		if read < size {
			last = ""
		}
		return nil
	})
	return n, last, err
}
