package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Candidate is a person a phone's holder may be, shown only as initials and
// birth year: enough for the holder to recognise themselves, too little to
// learn about the others who share the phone.
type Candidate struct {
	PersonID  string
	Initials  string
	BirthYear int
}

// Candidates lists the persons known with this phone number.
func (s *Store) Candidates(ctx context.Context, phone vn.Phone) ([]Candidate, error) {
	ids, err := s.FindByPhone(ctx, string(phone))
	if err != nil {
		return nil, err
	}
	out := make([]Candidate, 0, len(ids))
	for _, id := range ids {
		p, err := s.load(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, Candidate{PersonID: id, Initials: initials(p.FullName), BirthYear: p.BirthDate.Year})
	}
	return out, nil
}

func initials(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		r := []rune(w)
		b.WriteRune(r[0])
		b.WriteByte('.')
	}
	return b.String()
}

// Claim attempts are limited per account, so the last digits of a CCCD
// cannot be guessed.
var claimLimit = access.Limit{Max: 5, Per: 15 * time.Minute}

// ErrClaimMismatch is the answer to a wrong proof.
var ErrClaimMismatch = problem.Field("proof", "Thông tin không khớp với người đã chọn",
	"that does not match the person you chose")

// VerifyClaim checks that the holder of phone (logged in as accountID) is
// the person personID: the person must be known with that phone, and proof
// must be their birth date (DD/MM/YYYY or YYYY-MM-DD) or the last four
// digits of their CCCD.
func (s *Store) VerifyClaim(ctx context.Context, accountID string, phone vn.Phone, personID, proof string) error {
	ids, err := s.FindByPhone(ctx, string(phone))
	if err != nil {
		return err
	}
	if !slices.Contains(ids, personID) {
		return fmt.Errorf("identity: person is not known with this phone: %w", problem.ErrForbidden)
	}
	err = s.db.Transact(ctx, func(tx *db.DB) error {
		return access.NewLimiter(tx, s.clock).Take(ctx, tx, access.Bucket{Key: "claim:" + accountID, Limit: claimLimit})
	})
	if err != nil {
		return err
	}
	p, err := s.load(ctx, personID)
	if err != nil {
		return err
	}
	if !proofMatches(p, proof) {
		return ErrClaimMismatch
	}
	return nil
}

func proofMatches(p Person, proof string) bool {
	proof = strings.TrimSpace(proof)
	if len(proof) == 4 && allDigits(proof) {
		return len(p.CCCD) == 12 && strings.HasSuffix(p.CCCD, proof)
	}
	d, err := vn.ParseDate(proof)
	return err == nil && d.Month != 0 && p.BirthDate.Month != 0 && d == p.BirthDate
}
