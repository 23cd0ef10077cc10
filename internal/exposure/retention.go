package exposure

import (
	"context"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/db"
)

// RetentionReport counts what one run of the retention job deleted.
type RetentionReport struct {
	Keys, Files, Batches        int64
	Codes, Tokens, Certificates int64
}

// Retain deletes what is no longer needed: keys and export files older than
// Retention (phones match 14 days of keys, so older ones help nobody), and
// codes, tokens and used-certificate records a day after they expired.
// Keys, files and batches go in one transaction, so the export job never
// sees a half-pruned chain of batches.
func (s *Service) Retain(ctx context.Context) (RetentionReport, error) {
	now := s.clock.Now()
	old := db.Millis(now.Add(-s.cfg.Retention))
	expired := db.Millis(now.Add(-24 * time.Hour))
	var r RetentionReport
	steps := []struct {
		n     *int64
		query string
		arg   int64
	}{
		{&r.Keys, "DELETE FROM exposure_keys WHERE created_at < $1", old},
		{&r.Files, "DELETE FROM exposure_export_files WHERE created_at < $1", old},
		{&r.Batches, "DELETE FROM exposure_batches WHERE end_at < $1 AND status = 'done'", old},
		{&r.Codes, "DELETE FROM exposure_codes WHERE long_expires_at < $1", expired},
		{&r.Tokens, "DELETE FROM exposure_tokens WHERE expires_at < $1", expired},
		{&r.Certificates, "DELETE FROM exposure_certificates WHERE expires_at < $1", expired},
	}
	err := s.db.Transact(ctx, func(tx *db.DB) error {
		for _, st := range steps {
			res, err := tx.Exec(ctx, st.query, st.arg)
			if err != nil {
				return err
			}
			if *st.n, err = res.RowsAffected(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return RetentionReport{}, fmt.Errorf("exposure: retention: %w", err)
	}
	return r, nil
}
