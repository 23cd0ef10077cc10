package identity

// This file holds what the family feature (package family) needs of the
// person store: the profiles a citizen may act for, and a yes-or-no check
// of a household member's birth date.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Relative is a profile a citizen may act for — their own, or one they
// manage — as the family switcher and the top of every page show it.
type Relative struct {
	PersonID  string
	FullName  string
	BirthYear int
	Self      bool
	// Source says where the link came from: "healthbook" (taken over from
	// the health book's managedBy), "family" (added by the account
	// holder); "" for the citizen's own profile.
	Source string
}

// Relatives lists the profiles a citizen actor may act for: their own
// first, then those they manage, by name.
//
// Showing these names is checked — only the citizen's own profile and those
// they manage — but not recorded on each view: they are the names the
// holder chose or proved, shown on every page; the switch to a profile is
// recorded, and so is every read of its data.
func (s *Store) Relatives(ctx context.Context, actor access.Actor) ([]Relative, error) {
	if actor.Kind != access.KindCitizen || actor.PersonID == "" {
		return nil, nil
	}
	own, err := s.relative(ctx, actor.PersonID, "")
	if err != nil {
		return nil, err
	}
	own.Self = true
	rows, err := s.db.Query(ctx, "SELECT person_id, source FROM person_managers WHERE manager_id = $1", actor.PersonID)
	if err != nil {
		return nil, fmt.Errorf("identity: managed profiles: %w", err)
	}
	var links [][2]string
	for rows.Next() {
		var l [2]string
		if err := rows.Scan(&l[0], &l[1]); err != nil {
			rows.Close()
			return nil, err
		}
		links = append(links, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []Relative{own}
	for _, l := range links {
		r, err := s.relative(ctx, l[0], l[1])
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out[1:], func(a, b Relative) int { return strings.Compare(vn.FoldName(a.FullName), vn.FoldName(b.FullName)) })
	return out, nil
}

// Relative returns one profile a citizen actor may act for, checked like
// Relatives; ErrForbidden for any other.
func (s *Store) Relative(ctx context.Context, actor access.Actor, personID string) (Relative, error) {
	refused := fmt.Errorf("identity: profile %s is not the citizen's own nor managed by them: %w", personID, problem.ErrForbidden)
	if actor.Kind != access.KindCitizen || actor.PersonID == "" || personID == "" {
		return Relative{}, refused
	}
	if personID == actor.PersonID {
		r, err := s.relative(ctx, personID, "")
		r.Self = true
		return r, err
	}
	var source string
	err := s.db.QueryRow(ctx, "SELECT source FROM person_managers WHERE person_id = $1 AND manager_id = $2",
		personID, actor.PersonID).Scan(&source)
	if errors.Is(err, sql.ErrNoRows) {
		return Relative{}, refused
	}
	if err != nil {
		return Relative{}, fmt.Errorf("identity: managed profile: %w", err)
	}
	return s.relative(ctx, personID, source)
}

func (s *Store) relative(ctx context.Context, id, source string) (Relative, error) {
	p, err := s.load(ctx, id)
	if err != nil {
		return Relative{}, err
	}
	return Relative{PersonID: id, FullName: p.FullName, BirthYear: p.BirthDate.Year, Source: source}, nil
}

// HouseholdMemberBornOn reports whether memberID belongs to holderID's
// registry household and was born on birth, a full date. It answers yes or
// no only, so that a child who has no CCCD can be verified by the adult of
// their household who knows their birth date, without their data being
// read.
func (s *Store) HouseholdMemberBornOn(ctx context.Context, holderID, memberID string, birth vn.Date) (bool, error) {
	if holderID == memberID || birth.Day == 0 {
		return false, nil
	}
	ids, err := s.Household(ctx, holderID)
	if err != nil || !slices.Contains(ids, memberID) {
		return false, err
	}
	p, err := s.load(ctx, memberID)
	if errors.Is(err, problem.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return p.Verified && p.BirthDate == birth, nil
}
