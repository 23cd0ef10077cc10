package tracing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/problem"
)

// takenOver are the health-record sources that are the old apps.
var takenOver = []string{"labtests", "healthbook", "vaccination"}

// sourceOf says where a stored result came from, as a case records it.
func sourceOf(t health.Test) string {
	switch {
	case slices.Contains(takenOver, t.Source):
		return SourceTakeover
	case t.Source == SourceOfficial || strings.HasPrefix(t.Source, "quarantine"):
		return SourceOfficial
	}
	return SourceLab
}

// FromTest is the case a positive health record confirms.
func FromTest(t health.Test) Result {
	return Result{TestID: t.ID, PersonID: t.PersonID, Source: sourceOf(t), SampledAt: t.SampledAt, ResultAt: t.ResultAt}
}

// SyncReport says what a sync of results did.
type SyncReport struct {
	Positive   int // positive results read
	Registered int // new cases
	Refused    int // results whose dates contradict each other, left out
}

const syncBatch = 1000

// SyncResults registers the case of every positive result stored since the
// last sync — taken over, sent by a lab, or recorded by an official — and
// moves its cursor on. A result already registered changes nothing, so a
// sync interrupted and run again, or running on two servers, is harmless.
// A result with contradictory dates is left out and logged by id.
func (s *Service) SyncResults(ctx context.Context) (SyncReport, error) {
	var rep SyncReport
	actor := access.System("tracing-results")
	cur, err := s.cursor(ctx, "results")
	if err != nil {
		return rep, err
	}
	for {
		tests, next, err := s.Results.PositivesSince(ctx, cur, syncBatch)
		if err != nil {
			return rep, err
		}
		for _, t := range tests {
			rep.Positive++
			_, created, err := s.Register(ctx, actor, FromTest(t))
			switch {
			case errors.Is(err, problem.ErrInvalid):
				rep.Refused++
				s.Log.Warn("positive result not registered", "test", t.ID, "reason", err)
			case err != nil:
				return rep, err
			case created:
				rep.Registered++
			}
		}
		if next == cur {
			return rep, nil
		}
		if err := s.saveCursor(ctx, "results", next); err != nil {
			return rep, err
		}
		cur = next
	}
}

func (s *Service) cursor(ctx context.Context, name string) (health.Cursor, error) {
	var at int64
	var id string
	err := s.DB.QueryRow(ctx, "SELECT at, id FROM tracing_cursors WHERE name = $1", name).Scan(&at, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return health.Cursor{}, nil // never synced: from the start
	}
	if err != nil {
		return health.Cursor{}, fmt.Errorf("tracing: cursor %s: %w", name, err)
	}
	return health.Cursor{At: db.TimeOf(at), ID: id}, nil
}

func (s *Service) saveCursor(ctx context.Context, name string, c health.Cursor) error {
	_, err := s.DB.Exec(ctx, `INSERT INTO tracing_cursors (name, at, id) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET at = excluded.at, id = excluded.id`, name, db.Millis(c.At), c.ID)
	return err
}

// Entry is a positive result a health official enters by hand.
type Entry struct {
	Number    string // the person's CCCD, CMND or phone: it must name one person
	PersonID  string // or the person, when the official came from their page
	TestType  string // "PCR" or "RAT"
	SampledAt time.Time
	ResultAt  time.Time
	OnsetAt   time.Time
	Lab       string
}

// EnterResult records a positive result a health official entered — as a
// health record of the person — and registers its case. Entering the same
// result twice yields one case: the second joins the first's episode.
func (s *Service) EnterResult(ctx context.Context, req access.Request, e Entry) (Case, bool, error) {
	if err := mayRegister(req.Actor); err != nil || req.Actor.Kind != access.KindOfficial {
		return Case{}, false, fmt.Errorf("tracing: only health officials enter results: %w", problem.ErrForbidden)
	}
	if e.TestType != "PCR" && e.TestType != "RAT" {
		return Case{}, false, problem.Field("test_type", "Hãy chọn loại xét nghiệm: RT-PCR hoặc test nhanh", "choose the test: RT-PCR or rapid antigen")
	}
	if e.PersonID == "" {
		id, err := s.resolve(ctx, e.Number)
		if err != nil {
			return Case{}, false, err
		}
		e.PersonID = id
	}
	r := Result{PersonID: e.PersonID, Source: SourceOfficial, SampledAt: e.SampledAt, ResultAt: e.ResultAt, OnsetAt: e.OnsetAt}
	if err := r.check(s.Clock.Now()); err != nil {
		return Case{}, false, err
	}
	sub, err := s.Persons.Subject(ctx, e.PersonID)
	if err != nil {
		return Case{}, false, err
	}
	if err := s.Guard.Read(ctx, req, "case.enter_result", sub); err != nil {
		return Case{}, false, err
	}
	r.TestID = "official/" + db.NewID()
	t := health.Test{ID: r.TestID, PersonID: r.PersonID, Source: SourceOfficial, RecordKey: req.Actor.ID, Type: e.TestType,
		Positive: true, SampledAt: r.SampledAt, ResultAt: r.ResultAt, Lab: strings.TrimSpace(e.Lab)}
	if err := s.Results.InsertTests(ctx, s.DB, []health.Test{t}); err != nil {
		return Case{}, false, err
	}
	return s.Register(ctx, req.Actor, r)
}
