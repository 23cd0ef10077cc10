package risk

import (
	"context"
	"time"
)

// CaseSource answers whether a person is a current case (F0): confirmed and
// not yet released. The tracing package implements it.
type CaseSource interface {
	// CurrentCase returns the person's open case at now, or nil.
	CurrentCase(ctx context.Context, personID string, now time.Time) (*CaseFact, error)
}

// QuarantineSource answers whether a person is under a quarantine or
// isolation order at a time. The quarantine package implements it.
type QuarantineSource interface {
	// CurrentQuarantine returns the order in force at now, or nil.
	CurrentQuarantine(ctx context.Context, personID string, now time.Time) (*QuarantineFact, error)
}

// RecoverySource answers when a person last recovered from COVID-19 (was
// released from treatment or isolation as recovered). The treatment
// package implements it.
type RecoverySource interface {
	// LastRecovery returns when the person last recovered before now; the
	// zero time when never.
	LastRecovery(ctx context.Context, personID string, now time.Time) (time.Time, error)
}

// Sources are the packages that know whether a person is a case, in
// quarantine, or recovered. Each is optional: a nil source means the fact
// is not known, and the card is decided without it.
//
// To plug one in, implement the interface in the package that owns the
// data — answering from its own tables, and quickly: the card is computed
// on every view, never cached — and pass it where internal/app builds the
// risk service:
//
//	a.Risk = risk.NewService(d, a.Health, a.Persons, a.Trail, c,
//		risk.Sources{Cases: a.Tracing, Quarantines: a.Quarantine, Recoveries: a.Treatment})
//
// The access check is done once, by the health read that comes first (the
// person's doses and tests); a source is asked only after it passed.
type Sources struct {
	Cases       CaseSource
	Quarantines QuarantineSource
	Recoveries  RecoverySource
}

// gather asks each source that is plugged in about the person.
func (src Sources) gather(ctx context.Context, personID string, now time.Time, f *Facts) error {
	var err error
	if src.Cases != nil {
		if f.Case, err = src.Cases.CurrentCase(ctx, personID, now); err != nil {
			return err
		}
	}
	if src.Quarantines != nil {
		if f.Quarantine, err = src.Quarantines.CurrentQuarantine(ctx, personID, now); err != nil {
			return err
		}
	}
	if src.Recoveries != nil {
		if f.RecoveredAt, err = src.Recoveries.LastRecovery(ctx, personID, now); err != nil {
			return err
		}
	}
	return nil
}
