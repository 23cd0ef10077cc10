package declaration

import (
	"context"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/db"
)

// purgeChunk bounds one purge statement, so that the first purge after a
// takeover of years of declarations does not hold the writer for minutes.
const purgeChunk = 10_000

// Purge deletes the travel declarations (domestic, entry, and those taken
// over from NCOVI and VHD) made before the cut-off, with their sealed
// details: a journey is contact data, kept only for the retention window
// (DESIGN.md). Daily self-checks are the person's health record, not
// contact data, and stay. It returns how many it deleted.
func (s *Store) Purge(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.db.Exec(ctx, `DELETE FROM declarations WHERE id IN
			(SELECT id FROM declarations WHERE declared_at < $1 AND kind <> $2 LIMIT $3)`, db.Millis(before), KindSelfCheck, purgeChunk)
		if err != nil {
			return total, fmt.Errorf("declaration: purge: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("declaration: purge: %w", err)
		}
		total += n
		if n < purgeChunk {
			return total, nil
		}
	}
}
