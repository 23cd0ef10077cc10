package exposure

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/problem"
)

// exportLock serialises batch claims on PostgreSQL (SQLite has one writer).
const exportLock = 7267970

// ExportReport says what one run of the export job did.
type ExportReport struct {
	// BatchID is empty when there was nothing to export.
	BatchID    string
	Start, End time.Time
	// Keys counts the published keys; Padding the random keys added to a
	// small batch.
	Keys, Padding int
	Files         []string
	// TookOver is set when the batch had been claimed by a server that did
	// not finish it.
	TookOver bool
	Duration time.Duration
}

// batchClaim is a batch a server is building.
type batchClaim struct {
	id, holder     string
	start, end     int64 // ms, (start, end]
	keys           int
	takeover       bool
	leaseUntil     int64
	signingKeyUsed string
}

// Export cuts the keys that became exportable since the last batch into
// signed export files. Without force it cuts at most once per ExportPeriod
// (the housekeeping job); force cuts whatever is waiting (the CLI and the
// console). A batch's window ends ExportDelay before now. Several servers
// may run it at once: one claims the batch, and a batch whose server died
// is taken over once its lease has run out.
func (s *Service) Export(ctx context.Context, force bool) (ExportReport, error) {
	started := time.Now()
	signer, err := s.keys.current(ctx, UseExport) // before the claim: it may write
	if err != nil {
		return ExportReport{}, err
	}
	claim, err := s.claimBatch(ctx, force)
	if err != nil || claim == nil {
		return ExportReport{}, err
	}
	rep := ExportReport{BatchID: claim.id, Start: db.TimeOf(claim.start), End: db.TimeOf(claim.end), TookOver: claim.takeover}
	keys, err := s.batchKeys(ctx, claim)
	if err != nil {
		return rep, err
	}
	rep.Keys = len(keys)
	keys, rep.Padding = s.pad(keys)
	files, err := s.buildFiles(claim, keys, signer)
	if err != nil {
		return rep, err
	}
	if err := s.finishBatch(ctx, claim, files, rep.Keys); err != nil {
		return rep, err
	}
	for _, f := range files {
		rep.Files = append(rep.Files, f.name)
	}
	rep.Duration = time.Since(started)
	return rep, nil
}

// claimBatch takes over an abandoned batch, or claims the next window when
// it holds keys. It returns nil when there is nothing to do.
func (s *Service) claimBatch(ctx context.Context, force bool) (*batchClaim, error) {
	now := s.clock.Now()
	claim := &batchClaim{holder: db.NewID(), leaseUntil: db.Millis(now.Add(s.cfg.ExportLease))}
	err := s.db.Transact(ctx, func(tx *db.DB) error {
		if tx.Engine() == db.Postgres {
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", exportLock); err != nil {
				return err
			}
		}
		ok, err := s.takeOver(ctx, tx, claim, now)
		if err != nil || ok {
			return err
		}
		if ok, err = s.nextWindow(ctx, tx, claim, now, force); err != nil || !ok {
			claim = nil
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO exposure_batches (id, start_at, end_at, status, lease_holder, lease_until, key_count, created_at)
			VALUES ($1, $2, $3, 'open', $4, $5, $6, $7)`, claim.id, claim.start, claim.end, claim.holder, claim.leaseUntil, claim.keys, db.Millis(now))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("exposure: claim export batch: %w", err)
	}
	return claim, nil
}

// takeOver claims the oldest open batch whose lease has run out.
func (s *Service) takeOver(ctx context.Context, tx *db.DB, c *batchClaim, now time.Time) (bool, error) {
	err := tx.QueryRow(ctx, `SELECT id, start_at, end_at, key_count FROM exposure_batches
		WHERE status = 'open' AND lease_until < $1 ORDER BY end_at LIMIT 1`, db.Millis(now)).Scan(&c.id, &c.start, &c.end, &c.keys)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	c.takeover = true
	_, err = tx.Exec(ctx, "UPDATE exposure_batches SET lease_holder = $1, lease_until = $2 WHERE id = $3", c.holder, c.leaseUntil, c.id)
	return true, err
}

// nextWindow sets the claim to the window after the last batch, up to
// ExportDelay before now in whole seconds, when that window holds keys (and,
// unless forced, is at least ExportPeriod long).
func (s *Service) nextWindow(ctx context.Context, tx *db.DB, c *batchClaim, now time.Time, force bool) (bool, error) {
	end := db.Millis(now.Add(-s.cfg.ExportDelay).Truncate(time.Second))
	var last, first sql.NullInt64
	if err := tx.QueryRow(ctx, "SELECT max(end_at) FROM exposure_batches").Scan(&last); err != nil {
		return false, err
	}
	if last.Valid {
		c.start = last.Int64
		if !force && end-c.start < s.cfg.ExportPeriod.Milliseconds() {
			return false, nil
		}
	} else {
		// The first batch starts just before the first key.
		if err := tx.QueryRow(ctx, "SELECT min(available_at) FROM exposure_keys").Scan(&first); err != nil || !first.Valid {
			return false, err
		}
		c.start = (first.Int64 - 1) / 1000 * 1000
	}
	if end <= c.start {
		return false, nil
	}
	c.end = end
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM exposure_keys WHERE available_at > $1 AND available_at <= $2",
		c.start, c.end).Scan(&c.keys); err != nil {
		return false, err
	}
	c.id = db.NewID()
	return c.keys > 0, nil
}

// batchKeys reads and opens the keys of the claimed window.
func (s *Service) batchKeys(ctx context.Context, c *batchClaim) ([]gaen.Key, error) {
	rows, err := s.db.Query(ctx, `SELECT key_sealed, interval_number, interval_count, transmission_risk, report_type, days_since_onset
		FROM exposure_keys WHERE available_at > $1 AND available_at <= $2`, c.start, c.end)
	if err != nil {
		return nil, fmt.Errorf("exposure: read batch: %w", err)
	}
	defer rows.Close()
	keys := make([]gaen.Key, 0, c.keys)
	onsets := make([]int32, 0, c.keys) // one allocation for every DaysSinceOnset
	var sealed sql.RawBytes
	var reportType int32
	var dso sql.NullInt32
	for rows.Next() {
		var k gaen.Key
		if err := rows.Scan(&sealed, &k.IntervalNumber, &k.IntervalCount, &k.TransmissionRisk, &reportType, &dso); err != nil {
			return nil, fmt.Errorf("exposure: read batch: %w", err)
		}
		if k.Data, err = s.sealer.Open(fieldTEK, sealed); err != nil {
			return nil, fmt.Errorf("exposure: read batch: %w", err)
		}
		k.ReportType = gaen.ReportType(reportType)
		if dso.Valid {
			if len(onsets) == cap(onsets) {
				onsets = make([]int32, 0, 1024)
			}
			onsets = append(onsets, dso.Int32)
			k.DaysSinceOnset = &onsets[len(onsets)-1]
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// pad adds random keys to a batch smaller than MinKeysPerBatch. Each copies
// the metadata of a real key of the batch, so that padding cannot be told
// from real keys: the file's size no longer says how many people reported.
func (s *Service) pad(keys []gaen.Key) ([]gaen.Key, int) {
	n := len(keys)
	if n == 0 || n >= s.cfg.MinKeysPerBatch {
		return keys, 0
	}
	for len(keys) < s.cfg.MinKeysPerBatch {
		k := keys[rand.IntN(n)]
		k.Data = gaen.NewTEK()
		keys = append(keys, k)
	}
	return keys, len(keys) - n
}

// exportFile is one built export file.
type exportFile struct {
	name      string
	num, size int
	keys      int
	data      []byte
}

// buildFiles splits the keys into files of at most MaxKeysPerFile and signs
// them, on every core.
func (s *Service) buildFiles(c *batchClaim, keys []gaen.Key, signer *SigningKey) ([]exportFile, error) {
	per := max(s.cfg.MaxKeysPerFile, 1)
	n := (len(keys) + per - 1) / per
	per = (len(keys) + n - 1) / n // even out the files
	c.signingKeyUsed = signer.KID
	files := make([]exportFile, n)
	errs := make([]error, n)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range files {
		chunk := keys[i*per : min((i+1)*per, len(keys))]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			files[i], errs[i] = s.buildFile(c, i+1, n, chunk, signer)
		}()
	}
	wg.Wait()
	return files, errors.Join(errs...)
}

// buildFile writes and signs one export file.
func (s *Service) buildFile(c *batchClaim, num, size int, keys []gaen.Key, signer *SigningKey) (exportFile, error) {
	var buf bytes.Buffer
	buf.Grow(64 + 40*len(keys))
	batch := gaen.ExportBatch{StartTime: db.TimeOf(c.start), EndTime: db.TimeOf(c.end), Region: s.cfg.Region,
		BatchNum: int32(num), BatchSize: int32(size), Keys: keys}
	info := gaen.SignatureInfo{VerificationKeyVersion: signer.KeyVersion(), VerificationKeyID: s.cfg.ExportKeyID}
	if err := gaen.WriteExport(&buf, batch, signer.private, info); err != nil {
		return exportFile{}, fmt.Errorf("exposure: export file %d of %d: %w", num, size, err)
	}
	name := fmt.Sprintf("%s/%d-%d-%05d.zip", s.cfg.ExportPrefix, c.start/1000, c.end/1000, num)
	return exportFile{name: name, num: num, size: size, keys: len(keys), data: buf.Bytes()}, nil
}

// finishBatch stores the files and marks the batch done, if this server
// still holds its lease; otherwise another server has taken it over and
// this run's files are dropped.
func (s *Service) finishBatch(ctx context.Context, c *batchClaim, files []exportFile, keys int) error {
	now := db.Millis(s.clock.Now())
	err := s.db.Transact(ctx, func(tx *db.DB) error {
		res, err := tx.Exec(ctx, `UPDATE exposure_batches SET status = 'done', key_count = $1, file_count = $2
			WHERE id = $3 AND lease_holder = $4 AND status = 'open'`, keys, len(files), c.id, c.holder)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errors.Join(err, fmt.Errorf("batch %s was taken over by another server: %w", c.id, problem.ErrConflict))
		}
		for _, f := range files {
			if _, err := tx.Exec(ctx, `INSERT INTO exposure_export_files (name, batch_id, start_at, end_at, batch_num, batch_size,
				key_count, signed_by, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				f.name, c.id, c.start, c.end, f.num, f.size, f.keys, c.signingKeyUsed, f.data, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("exposure: finish export batch: %w", err)
	}
	return nil
}

// ExportFile describes one published export file.
type ExportFile struct {
	// Name is the file's path under the export root, as index.txt lists it:
	// "exposureKeyExport-VN/<start>-<end>-<num>.zip".
	Name                string
	BatchID             string
	Start, End          time.Time
	BatchNum, BatchSize int
	Keys                int
	SignedBy            string
	Size                int
	CreatedAt           time.Time
}

// ExportFiles lists the published export files, oldest first.
func (s *Service) ExportFiles(ctx context.Context) ([]ExportFile, error) {
	rows, err := s.db.Query(ctx, `SELECT name, batch_id, start_at, end_at, batch_num, batch_size, key_count, signed_by,
		length(data), created_at FROM exposure_export_files ORDER BY end_at, batch_num`)
	if err != nil {
		return nil, fmt.Errorf("exposure: list exports: %w", err)
	}
	defer rows.Close()
	out := []ExportFile{}
	for rows.Next() {
		var f ExportFile
		var start, end, created int64
		if err := rows.Scan(&f.Name, &f.BatchID, &start, &end, &f.BatchNum, &f.BatchSize, &f.Keys, &f.SignedBy, &f.Size, &created); err != nil {
			return nil, err
		}
		f.Start, f.End, f.CreatedAt = db.TimeOf(start), db.TimeOf(end), db.TimeOf(created)
		out = append(out, f)
	}
	return out, rows.Err()
}

// Index returns index.txt: the published files' names, one a line, oldest
// first, as phones expect it.
func (s *Service) Index(ctx context.Context) ([]byte, error) {
	files, err := s.ExportFiles(ctx)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for _, f := range files {
		b.WriteString(f.Name)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// ExportData returns the content of the export file called name (a line of
// index.txt) and when it was published.
func (s *Service) ExportData(ctx context.Context, name string) ([]byte, time.Time, error) {
	var data []byte
	var created int64
	err := s.db.QueryRow(ctx, "SELECT data, created_at FROM exposure_export_files WHERE name = $1", name).Scan(&data, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, fmt.Errorf("exposure: export %s: %w", name, problem.ErrNotFound)
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("exposure: export %s: %w", name, err)
	}
	return data, db.TimeOf(created), nil
}
