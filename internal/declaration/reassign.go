package declaration

import (
	"context"
	"fmt"

	"github.com/pccovid/pccovid/internal/db"
)

// Reassign moves the declaration that came from one source record to
// another person: an official decided, on review, whose record it is.
func (s *Store) Reassign(ctx context.Context, tx *db.DB, source, recordKey, toPerson string) error {
	if _, err := tx.Exec(ctx, "UPDATE declarations SET person_id = $1 WHERE source = $2 AND record_key = $3",
		toPerson, source, recordKey); err != nil {
		return fmt.Errorf("declaration: reassign: %w", err)
	}
	return nil
}
