package takeover

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"

	"github.com/pccovid/pccovid/internal/access"
)

// ExportLinkage writes, for every record taken over, which person it is:
// CSV with the header source,record_key,person_id, where person_id is the
// citizen's CCCD when the record is tied to a registry person and the
// unverified person's id otherwise. It reads every CCCD, so it is recorded
// in the audit trail.
func (s *Service) ExportLinkage(ctx context.Context, w io.Writer) error {
	if err := s.guard.Record(ctx, access.Request{Actor: access.System("export-linkage"), Purpose: access.PurposeLinkageReview},
		"takeover.export", "", "linkage export"); err != nil {
		return err
	}
	cccds, err := s.persons.RegistryCCCDs(ctx)
	if err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, "SELECT source, record_key, person_id FROM legacy_records ORDER BY source, record_key")
	if err != nil {
		return fmt.Errorf("takeover: export: %w", err)
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	cw.Write([]string{"source", "record_key", "person_id"})
	for rows.Next() {
		var src, key, person string
		if err := rows.Scan(&src, &key, &person); err != nil {
			return err
		}
		if c, ok := cccds[person]; ok {
			person = c
		}
		if err := cw.Write([]string{src, key, person}); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
