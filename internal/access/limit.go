package access

import (
	"context"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
)

// Limit allows Max events per sliding window Per.
type Limit struct {
	Max int
	Per time.Duration
}

// Bucket is one counter: a key (which phone, which address) and its limit.
type Bucket struct {
	Key   string
	Limit Limit
}

// Limiter counts events in the database, so that every server behind a load
// balancer sees the same counts.
type Limiter struct {
	db    *db.DB
	clock clock.Clock
}

// NewLimiter returns a Limiter.
func NewLimiter(d *db.DB, c clock.Clock) *Limiter { return &Limiter{db: d, clock: c} }

// Take records one event in every bucket, or in none if any is full. Run it
// in the transaction of the action it limits (tx) so a refused action leaves
// no event behind.
func (l *Limiter) Take(ctx context.Context, tx *db.DB, buckets ...Bucket) error {
	now := l.clock.Now()
	for _, b := range buckets {
		var n int
		since := db.Millis(now.Add(-b.Limit.Per))
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM rate_events WHERE bucket = $1 AND at > $2", b.Key, since).Scan(&n); err != nil {
			return fmt.Errorf("access: rate limit: %w", err)
		}
		if n >= b.Limit.Max {
			return &RateError{RetryAfter: b.Limit.Per}
		}
	}
	for _, b := range buckets {
		if _, err := tx.Exec(ctx, "INSERT INTO rate_events (bucket, at) VALUES ($1, $2)", b.Key, db.Millis(now)); err != nil {
			return fmt.Errorf("access: rate limit: %w", err)
		}
	}
	return nil
}

// Purge deletes events older than the longest window, keeping the table
// small. A scheduled job calls it.
func (l *Limiter) Purge(ctx context.Context) (int64, error) {
	res, err := l.db.Exec(ctx, "DELETE FROM rate_events WHERE at < $1", db.Millis(l.clock.Now().Add(-48*time.Hour)))
	if err != nil {
		return 0, fmt.Errorf("access: purge rate events: %w", err)
	}
	return res.RowsAffected()
}

// RateError says an action was refused for being too frequent.
type RateError struct {
	RetryAfter time.Duration
}

func (e *RateError) Error() string {
	return fmt.Sprintf("too many requests; try again within %s", e.RetryAfter)
}

// Unwrap makes errors.Is(err, problem.ErrRateLimited) true.
func (e *RateError) Unwrap() error { return problem.ErrRateLimited }
