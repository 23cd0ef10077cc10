package tracing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/problem"
)

// Where a case's result came from.
const (
	SourceTakeover = "takeover" // a result taken over from the old apps
	SourceLab      = "lab"      // a result a lab sent
	SourceOfficial = "official" // entered by a health official
)

// Case statuses.
const (
	StatusActive    = "active"    // infectious or isolating
	StatusRecovered = "recovered" // released from isolation
)

// Case is a confirmed case (F0).
type Case struct {
	ID          int64
	PersonID    string
	Area        string // the person's ward (or province), for access
	SampledAt   time.Time
	OnsetAt     time.Time // zero when no symptoms are known
	ConfirmedAt time.Time // when the result came
	Window      Window    // infectious window, by the rules
	Rules       string    // version of the rules applied
	Source      string
	Status      string
	CreatedAt   time.Time
}

// Ref is how the case is named in the audit trail and the console.
func (c Case) Ref() string { return CaseRef(c.ID) }

// CaseRef names case id: "case 12".
func CaseRef(id int64) string { return "case " + strconv.FormatInt(id, 10) }

// ParseCaseRef reads "case 12", "12" or "BN12" back to 12.
func ParseCaseRef(s string) (int64, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "case"), "bn")
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n > 0
}

// Result is a positive result a case is registered from.
type Result struct {
	TestID    string // the health record's id: a result registered twice is one
	PersonID  string
	Source    string // SourceTakeover, SourceLab, SourceOfficial
	SampledAt time.Time
	ResultAt  time.Time // zero: unknown, taken as the sampling time
	OnsetAt   time.Time // zero: no symptoms known
}

// maxOnsetBefore is how long before sampling an onset may lie: a test this
// long after the first symptoms does not date the infection.
const maxOnsetBefore = 30 * 24 * time.Hour

// clockSkew tolerates a lab's clock a little ahead of ours.
const clockSkew = 10 * time.Minute

// check refuses contradictory dates, saying why.
func (r *Result) check(now time.Time) error {
	var errs problem.Fields
	if r.PersonID == "" {
		errs.Add(problem.Field("person", "Hãy chọn người có kết quả dương tính", "choose the person whose result is positive"))
	}
	if r.ResultAt.IsZero() {
		r.ResultAt = r.SampledAt
	}
	future := now.Add(clockSkew)
	switch {
	case r.SampledAt.IsZero():
		errs.Add(problem.Field("sampled_at", "Hãy nhập ngày lấy mẫu", "enter the date of sampling"))
	case r.SampledAt.After(future):
		errs.Add(problem.Field("sampled_at", "Ngày lấy mẫu ở tương lai", "the sampling date is in the future"))
	case r.ResultAt.Before(r.SampledAt):
		errs.Add(problem.Field("result_at", "Ngày có kết quả trước ngày lấy mẫu", "the result is dated before the sample was taken"))
	case r.ResultAt.After(future):
		errs.Add(problem.Field("result_at", "Ngày có kết quả ở tương lai", "the result date is in the future"))
	}
	if !r.OnsetAt.IsZero() {
		switch {
		case r.OnsetAt.After(future):
			errs.Add(problem.Field("onset_at", "Ngày khởi phát triệu chứng ở tương lai", "the onset of symptoms is in the future"))
		case !r.SampledAt.IsZero() && r.SampledAt.Sub(r.OnsetAt) > maxOnsetBefore:
			errs.Add(problem.Field("onset_at", "Ngày khởi phát cách ngày lấy mẫu hơn 30 ngày: mẫu này không xác định được đợt bệnh",
				"the onset is more than 30 days before sampling: this sample does not date the episode"))
		}
	}
	return errs.Err()
}

// Register registers the case a positive result confirms, or joins the
// result to the person's case of the same episode. It returns the case and
// whether it is new. A result registered again changes nothing. actor is
// who registers: a health official, a lab's integration, or a job.
func (s *Service) Register(ctx context.Context, actor access.Actor, r Result) (Case, bool, error) {
	if err := mayRegister(actor); err != nil {
		return Case{}, false, err
	}
	now := s.Clock.Now()
	if err := r.check(now); err != nil {
		return Case{}, false, err
	}
	sub, err := s.Persons.Subject(ctx, r.PersonID)
	if err != nil {
		return Case{}, false, err
	}
	rules, err := s.rules.For(ctx, dateOf(r.SampledAt))
	if err != nil {
		return Case{}, false, err
	}
	var c Case
	var created bool
	err = s.DB.Transact(ctx, func(tx *db.DB) error {
		c, created, err = s.register(ctx, tx, actor, r, sub.Area, rules, now)
		return err
	})
	if err != nil {
		return Case{}, false, err
	}
	if created {
		req := access.Request{Actor: actor, Purpose: access.PurposeTracing, Ref: c.Ref()}
		if err := s.Guard.Record(ctx, req, "case.register", c.PersonID, "source "+r.Source); err != nil {
			return c, created, err
		}
		for _, fn := range s.onCase {
			if err := fn(ctx, c); err != nil {
				s.Log.Error("after registering a case", "case", c.ID, "err", err)
			}
		}
	}
	return c, created, nil
}

func mayRegister(a access.Actor) error {
	switch {
	case a.Kind == access.KindSystem, a.Kind == access.KindIntegrator:
		return nil
	case a.Kind == access.KindOfficial && a.Role == access.RoleHealthOfficial:
		return nil
	}
	return fmt.Errorf("tracing: only health officials register cases: %w", problem.ErrForbidden)
}

// register does the work of Register inside its transaction.
func (s *Service) register(ctx context.Context, tx *db.DB, actor access.Actor, r Result, area string, rules Rules, now time.Time) (Case, bool, error) {
	if tx.Engine() == db.Postgres { // one registration per person at a time
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", "tracing-case:"+r.PersonID); err != nil {
			return Case{}, false, err
		}
	}
	if r.TestID != "" {
		var caseID int64
		err := tx.QueryRow(ctx, "SELECT case_id FROM tracing_case_results WHERE test_id = $1", r.TestID).Scan(&caseID)
		if err == nil {
			c, err := s.caseByID(ctx, tx, caseID)
			return c, false, err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return Case{}, false, err
		}
	}
	gap := time.Duration(rules.EpisodeGapDays) * 24 * time.Hour
	existing, err := s.casesWhere(ctx, tx, "WHERE person_id = $1 AND sampled_at > $2 AND sampled_at < $3 ORDER BY sampled_at LIMIT 1",
		r.PersonID, db.Millis(r.SampledAt.Add(-gap)), db.Millis(r.SampledAt.Add(gap)))
	if err != nil {
		return Case{}, false, err
	}
	var c Case
	created := len(existing) == 0
	if created {
		c, err = s.insertCase(ctx, tx, actor, r, area, rules, now)
	} else {
		c, err = s.joinCase(ctx, tx, existing[0], r, rules, now)
	}
	if err != nil {
		return Case{}, false, err
	}
	if r.TestID != "" {
		_, err = tx.Exec(ctx, "INSERT INTO tracing_case_results (test_id, case_id, source, added_at) VALUES ($1, $2, $3, $4)",
			r.TestID, c.ID, r.Source, db.Millis(now))
	}
	return c, created, err
}

func (s *Service) insertCase(ctx context.Context, tx *db.DB, actor access.Actor, r Result, area string, rules Rules, now time.Time) (Case, error) {
	var id int64
	if err := tx.QueryRow(ctx, "UPDATE tracing_counters SET value = value + 1 WHERE name = 'case' RETURNING value").Scan(&id); err != nil {
		return Case{}, fmt.Errorf("tracing: case number: %w", err)
	}
	c := Case{ID: id, PersonID: r.PersonID, Area: area, SampledAt: r.SampledAt.UTC().Truncate(time.Millisecond),
		OnsetAt: r.OnsetAt.UTC().Truncate(time.Millisecond), ConfirmedAt: r.ResultAt.UTC().Truncate(time.Millisecond),
		Rules: rules.Version, Source: r.Source, Status: StatusActive, CreatedAt: now.UTC().Truncate(time.Millisecond)}
	if now.Sub(c.SampledAt) > CurrentFor { // an old result taken over: the person has recovered since
		c.Status = StatusRecovered
	}
	c.Window = rules.InfectiousWindow(c.SampledAt, c.OnsetAt, c.ConfirmedAt)
	_, err := tx.Exec(ctx, `INSERT INTO tracing_cases (id, person_id, area, sampled_at, onset_at, confirmed_at, window_from, window_to,
		rules_version, source, status, registered_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`,
		c.ID, c.PersonID, c.Area, db.Millis(c.SampledAt), db.Millis(c.OnsetAt), db.Millis(c.ConfirmedAt),
		db.Millis(c.Window.From), db.Millis(c.Window.To), c.Rules, c.Source, c.Status, actor.ID, db.Millis(now))
	if err != nil {
		return Case{}, fmt.Errorf("tracing: insert case: %w", err)
	}
	return c, nil
}

// joinCase adds a result to a case of the same episode: the earliest
// sampling, onset and result stand, and the window follows them.
func (s *Service) joinCase(ctx context.Context, tx *db.DB, c Case, r Result, rules Rules, now time.Time) (Case, error) {
	earlier := func(a, b time.Time) time.Time {
		if a.IsZero() || (!b.IsZero() && b.Before(a)) {
			return b.UTC().Truncate(time.Millisecond)
		}
		return a
	}
	c.SampledAt, c.OnsetAt, c.ConfirmedAt = earlier(c.SampledAt, r.SampledAt), earlier(c.OnsetAt, r.OnsetAt), earlier(c.ConfirmedAt, r.ResultAt)
	c.Window = rules.InfectiousWindow(c.SampledAt, c.OnsetAt, c.ConfirmedAt)
	_, err := tx.Exec(ctx, `UPDATE tracing_cases SET sampled_at = $2, onset_at = $3, confirmed_at = $4, window_from = $5, window_to = $6,
		updated_at = $7 WHERE id = $1`, c.ID, db.Millis(c.SampledAt), db.Millis(c.OnsetAt), db.Millis(c.ConfirmedAt),
		db.Millis(c.Window.From), db.Millis(c.Window.To), db.Millis(now))
	return c, err
}

const caseColumns = `SELECT id, person_id, area, sampled_at, onset_at, confirmed_at, window_from, window_to, rules_version,
	source, status, created_at FROM tracing_cases `

func (s *Service) casesWhere(ctx context.Context, d *db.DB, where string, args ...any) ([]Case, error) {
	rows, err := d.Query(ctx, caseColumns+where, args...)
	if err != nil {
		return nil, fmt.Errorf("tracing: cases: %w", err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		var c Case
		var sampled, onset, confirmed, from, to, created int64
		if err := rows.Scan(&c.ID, &c.PersonID, &c.Area, &sampled, &onset, &confirmed, &from, &to, &c.Rules,
			&c.Source, &c.Status, &created); err != nil {
			return nil, fmt.Errorf("tracing: cases: %w", err)
		}
		c.SampledAt, c.OnsetAt, c.ConfirmedAt = db.TimeOf(sampled), db.TimeOf(onset), db.TimeOf(confirmed)
		c.Window, c.CreatedAt = Window{From: db.TimeOf(from), To: db.TimeOf(to)}, db.TimeOf(created)
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Service) caseByID(ctx context.Context, d *db.DB, id int64) (Case, error) {
	cs, err := s.casesWhere(ctx, d, "WHERE id = $1", id)
	if err != nil {
		return Case{}, err
	}
	if len(cs) == 0 {
		return Case{}, fmt.Errorf("tracing: %s: %w", CaseRef(id), problem.ErrNotFound)
	}
	return cs[0], nil
}

// CasesAfter returns up to limit cases numbered after id, in order: the
// quarantine service walks them to make sure each has its isolation order.
func (s *Service) CasesAfter(ctx context.Context, id int64, limit int) ([]Case, error) {
	return s.casesWhere(ctx, s.DB, "WHERE id > $1 ORDER BY id LIMIT $2", id, limit)
}

// CurrentFor is how long after sampling a case still counts as current
// unless released earlier: longer than any isolation the policies set.
const CurrentFor = 30 * 24 * time.Hour

// CaseOf returns a person's current case — active, sampled within
// CurrentFor — for the person's own app and their status card; ok is
// false when there is none. It is no read of someone else's data: callers
// pass the person's own id, or check access.
func (s *Service) CaseOf(ctx context.Context, personID string) (Case, bool, error) {
	cs, err := s.casesWhere(ctx, s.DB, "WHERE person_id = $1 AND status = $2 AND sampled_at >= $3 ORDER BY sampled_at DESC LIMIT 1",
		personID, StatusActive, db.Millis(s.Clock.Now().Add(-CurrentFor)))
	if err != nil || len(cs) == 0 {
		return Case{}, false, err
	}
	return cs[0], true, nil
}

// Recover marks a case recovered: its isolation ended (the quarantine
// service calls it on release). Recovering again changes nothing.
func (s *Service) Recover(ctx context.Context, req access.Request, id int64) error {
	c, err := s.caseByID(ctx, s.DB, id)
	if err != nil {
		return err
	}
	if c.Status == StatusRecovered {
		return nil
	}
	req.Ref = c.Ref()
	if err := s.Guard.Record(ctx, req, "case.recovered", c.PersonID, ""); err != nil {
		return err
	}
	_, err = s.DB.Exec(ctx, "UPDATE tracing_cases SET status = $2, updated_at = $3 WHERE id = $1", id, StatusRecovered, db.Millis(s.Clock.Now()))
	return err
}

// Case returns a case by number without an access check, for a service
// that checks access itself (quarantine, issuing the case's isolation).
func (s *Service) Case(ctx context.Context, id int64) (Case, error) { return s.caseByID(ctx, s.DB, id) }

// History returns every case of a person, newest first: the quarantine
// rules ask whether someone recovered recently.
func (s *Service) History(ctx context.Context, personID string) ([]Case, error) {
	return s.casesWhere(ctx, s.DB, "WHERE person_id = $1 ORDER BY sampled_at DESC", personID)
}

// RegisterCase registers the case of a positive result a lab sent, handed
// over by the health ingest (health.CaseRegistrar). Told again of the same
// result, it changes nothing. The result time is when it reached us.
func (s *Service) RegisterCase(ctx context.Context, c health.ConfirmedCase) error {
	result := s.Clock.Now()
	if week := c.SampledAt.Add(7 * 24 * time.Hour); result.After(week) {
		result = week // delivered late from the outbox: the result came within days of sampling
	}
	_, _, err := s.Register(ctx, access.System("health-ingest"), Result{TestID: c.TestID, PersonID: c.PersonID, Source: SourceLab,
		SampledAt: c.SampledAt, ResultAt: result})
	return err
}
