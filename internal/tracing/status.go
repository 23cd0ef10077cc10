package tracing

import (
	"context"
	"strconv"
	"time"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/risk"
)

// CurrentCase tells the status card whether a person is a current case
// (risk.CaseSource): a case confirmed by now, still active, sampled within
// CurrentFor. It answers from one index range of tracing_cases_person.
func (s *Service) CurrentCase(ctx context.Context, personID string, now time.Time) (*risk.CaseFact, error) {
	cs, err := s.casesWhere(ctx, s.DB, `WHERE person_id = $1 AND status = $2 AND sampled_at >= $3 AND sampled_at <= $4
		ORDER BY sampled_at DESC LIMIT 1`, personID, StatusActive, db.Millis(now.Add(-CurrentFor)), db.Millis(now))
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return &risk.CaseFact{Since: cs[0].ConfirmedAt, Ref: "BN" + strconv.FormatInt(cs[0].ID, 10)}, nil
}

var _ risk.CaseSource = (*Service)(nil)
