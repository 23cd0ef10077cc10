package health

import (
	"context"
	"fmt"

	"github.com/pccovid/pccovid/internal/db"
)

// Reassign moves the health records that came from one source record to
// another person: an official decided, on review, whose record it is.
func (s *Store) Reassign(ctx context.Context, tx *db.DB, source, recordKey, toPerson string) error {
	for _, q := range []string{
		"UPDATE vaccinations SET person_id = $1 WHERE source = $2 AND record_key = $3",
		"UPDATE test_results SET person_id = $1 WHERE source = $2 AND record_key = $3",
	} {
		if _, err := tx.Exec(ctx, q, toPerson, source, recordKey); err != nil {
			return fmt.Errorf("health: reassign: %w", err)
		}
	}
	// Conditions are keyed by person: insert under the new one, then drop.
	if _, err := tx.Exec(ctx, `INSERT INTO health_conditions (person_id, source, record_key, details_sealed, created_at)
		SELECT $1, source, record_key, details_sealed, created_at FROM health_conditions WHERE source = $2 AND record_key = $3
		ON CONFLICT (person_id, source, record_key) DO NOTHING`, toPerson, source, recordKey); err != nil {
		return fmt.Errorf("health: reassign conditions: %w", err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM health_conditions WHERE source = $1 AND record_key = $2 AND person_id <> $3",
		source, recordKey, toPerson); err != nil {
		return fmt.Errorf("health: reassign conditions: %w", err)
	}
	return nil
}
