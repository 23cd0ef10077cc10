package quarantine

import (
	"context"
	"time"

	"github.com/pccovid/pccovid/internal/risk"
)

// CurrentQuarantine tells the status card whether a person is under an
// order at now (risk.QuarantineSource): an active order that has begun
// and has not been released, from one index range of
// quarantine_orders_person. Until is the end of the order's last day.
func (s *Service) CurrentQuarantine(ctx context.Context, personID string, now time.Time) (*risk.QuarantineFact, error) {
	today := DateOf(now)
	os, err := s.orders(ctx, s.DB, "WHERE person_id = $1 AND status = $2 AND start_date <= $3 ORDER BY start_date DESC LIMIT 1",
		personID, OrderActive, today.String())
	if err != nil || len(os) == 0 {
		return nil, err
	}
	o := os[0]
	return &risk.QuarantineFact{Since: o.Start.Time(), Until: untilOf(o.PlannedEnd), Kind: string(o.Kind)}, nil
}

var _ risk.QuarantineSource = (*Service)(nil)
