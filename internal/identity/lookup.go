package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// lookupChunk bounds the values of one IN list.
const lookupChunk = 500

// FindMany is FindByCCCD, FindByCMND or FindByPhone (kind cccd, cmnd or
// phone), a find by passport, or by a name key of linkage.NameKeys (kinds
// name_year and full_name), for many values at once: it maps each value that some person has
// to their ids. Services that tie incoming records to persons one batch at
// a time use it to fetch the candidates a batch needs, and no more.
func (s *Store) FindMany(ctx context.Context, kind Kind, values []string) (map[string][]string, error) {
	// A registry CCCD is found by the id it derives (RegistryID), not by
	// a blind index: kind cccd has no persons column.
	column, ok := map[Kind]string{KindCCCD: "", KindCMND: "cmnd_idx", KindPhone: "phone_idx", KindPassport: "",
		KindNameYear: "name_year_idx", KindFullName: "full_name_idx"}[kind]
	if !ok {
		return nil, fmt.Errorf("identity: find by %s: %w", kind, problem.ErrInvalid)
	}
	out := map[string][]string{}
	// byKey maps a blind index, or for a CCCD also the registry id, back to
	// its value.
	byKey := map[string]string{}
	var idxs, regIDs []any
	for _, v := range values {
		if v == "" {
			continue
		}
		idx := s.sealer.Index(string(kind), v)
		if _, dup := byKey[string(idx)]; dup {
			continue
		}
		byKey[string(idx)] = v
		idxs = append(idxs, idx)
		if kind == KindCCCD {
			id := s.RegistryID(v)
			byKey[id] = v
			regIDs = append(regIDs, id)
		}
	}
	add := func(q string, args ...any) error {
		rows, err := s.db.Query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("identity: find by %s: %w", kind, err)
		}
		defer rows.Close()
		for rows.Next() {
			var key []byte
			var id string
			if err := rows.Scan(&key, &id); err != nil {
				return err
			}
			v := byKey[string(key)]
			if !slices.Contains(out[v], id) {
				out[v] = append(out[v], id)
			}
		}
		return rows.Err()
	}
	for start := 0; start < len(idxs); start += lookupChunk {
		end := min(start+lookupChunk, len(idxs))
		chunk := idxs[start:end]
		in := placeholders(2, len(chunk))
		q := `SELECT value_idx, person_id FROM person_identifiers WHERE kind = $1 AND value_idx IN (` + in + `)`
		if column != "" { // passports are only in person_identifiers
			q = `SELECT ` + column + `, id FROM persons WHERE ` + column + ` IN (` + in + `) UNION ` + q
		}
		if err := add(q, append([]any{string(kind)}, chunk...)...); err != nil {
			return nil, err
		}
		if regIDs != nil {
			ids := regIDs[start:end]
			if err := add(`SELECT id, id FROM persons WHERE verified AND id IN (`+placeholders(1, len(ids))+`)`, ids...); err != nil {
				return nil, err
			}
		}
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out, nil
}

// placeholders returns "$from, $from+1, …" for n values.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// LinkageProfiles returns the linkage profiles of the given persons (see
// [Store.EachForLinkage]), in id order; unknown ids are left out. It is the
// per-batch counterpart of EachForLinkage, for services that tie a few
// incoming records at a time to the persons found for them.
func (s *Store) LinkageProfiles(ctx context.Context, ids []string) ([]LinkageProfile, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	var out []LinkageProfile
	for start := 0; start < len(ids); start += lookupChunk {
		chunk := ids[start:min(start+lookupChunk, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		ps, err := s.linkageChunk(ctx, args)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

func (s *Store) linkageChunk(ctx context.Context, ids []any) ([]LinkageProfile, error) {
	in := placeholders(1, len(ids))
	rows, err := s.db.Query(ctx, `SELECT `+linkageColumns+` FROM persons WHERE id IN (`+in+`) ORDER BY id`, ids...)
	if err != nil {
		return nil, fmt.Errorf("identity: linkage profiles: %w", err)
	}
	var out []LinkageProfile
	index := map[string]int{}
	for rows.Next() {
		var p LinkageProfile
		var sealed, household []byte
		var sex string
		if err := rows.Scan(&p.ID, &p.Verified, &sealed, &sex, &p.Ward, &p.Province, &household); err != nil {
			rows.Close()
			return nil, err
		}
		if p, err = s.openLinkage(p, sealed, household, sex); err != nil {
			rows.Close()
			return nil, err
		}
		index[p.ID] = len(out)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.addLinkageExtras(ctx, ids, in, out, index)
}

// addLinkageExtras adds the phones and passports other sources taught and
// the insurance cards of the persons.
func (s *Store) addLinkageExtras(ctx context.Context, ids []any, in string, out []LinkageProfile, index map[string]int) error {
	rows, err := s.db.Query(ctx, `SELECT person_id, kind, value_sealed FROM person_identifiers
		WHERE kind IN ('phone', 'passport') AND person_id IN (`+in+`)
		UNION ALL SELECT person_id, 'card', card_sealed FROM insurance_cards WHERE person_id IN (`+in+`)`, ids...)
	if err != nil {
		return fmt.Errorf("identity: linkage profiles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind string
		var sealed []byte
		if err := rows.Scan(&id, &kind, &sealed); err != nil {
			return err
		}
		field := fieldIdentifier
		if kind == "card" {
			field = fieldCard
		}
		v, err := s.sealer.OpenString(field, sealed)
		if err != nil {
			return err
		}
		p := &out[index[id]]
		switch kind {
		case string(KindPhone):
			if !slices.Contains(p.Phones, v) {
				p.Phones = append(p.Phones, v)
			}
		case string(KindPassport):
			p.Passports = append(p.Passports, v)
		default:
			p.Cards = append(p.Cards, v)
		}
	}
	return rows.Err()
}

// InsuranceCard is a health-insurance card (thẻ BHYT) from the
// social-insurance extract or service.
type InsuranceCard struct {
	Number  string  // the 15-character card number
	BHXH    string  // the 10-digit social-insurance number
	ValidTo vn.Date // last day of validity
	Source  string
}

// Masked returns the card number with all but its group code and last
// four characters hidden, as the wallet shows it: "DN4**********6789".
func (c InsuranceCard) Masked() string {
	if len(c.Number) < 8 {
		return strings.Repeat("*", len(c.Number))
	}
	return c.Number[:3] + strings.Repeat("*", len(c.Number)-7) + c.Number[len(c.Number)-4:]
}

// ValidOn reports whether the card is valid on day (Vietnam time): up to
// and including its last day.
func (c InsuranceCard) ValidOn(day vn.Date) bool {
	if c.ValidTo.IsZero() {
		return false
	}
	return !c.ValidTo.Time().Before(day.Time())
}

// InsuranceCards returns a person's health-insurance cards for req, the
// latest-valid first, after the access check.
func (s *Store) InsuranceCards(ctx context.Context, req access.Request, personID string) ([]InsuranceCard, error) {
	sub, err := s.Subject(ctx, personID)
	if err != nil {
		return nil, err
	}
	if err := s.guard.Read(ctx, req, "insurance.view", sub); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT card_sealed, bhxh_sealed, valid_to, source FROM insurance_cards
		WHERE person_id = $1 ORDER BY valid_to DESC`, personID)
	if err != nil {
		return nil, fmt.Errorf("identity: insurance cards: %w", err)
	}
	defer rows.Close()
	var out []InsuranceCard
	for rows.Next() {
		var c InsuranceCard
		var card, bhxh []byte
		var validTo string
		if err := rows.Scan(&card, &bhxh, &validTo, &c.Source); err != nil {
			return nil, err
		}
		if c.Number, err = s.sealer.OpenString(fieldCard, card); err != nil {
			return nil, err
		}
		if c.BHXH, err = s.sealer.OpenString(fieldBHXH, bhxh); err != nil {
			return nil, err
		}
		c.ValidTo, _ = vn.ParseDate(validTo)
		out = append(out, c)
	}
	return out, rows.Err()
}
