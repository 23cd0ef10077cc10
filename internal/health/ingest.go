package health

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/linkage"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
)

// Via says how a record reached the platform.
type Via string

// The ways in.
const (
	ViaAPI    Via = "api"    // the JSON API, one at a time or in batches
	ViaFHIR   Via = "fhir"   // FHIR R4 create
	ViaUpload Via = "upload" // a line list or portal export uploaded in the console
)

// Status is what became of an incoming record.
type Status string

// Statuses.
const (
	StatusLinked    Status = "linked"    // tied to its person and stored
	StatusReview    Status = "review"    // kept, waiting for an official to say who it is
	StatusDuplicate Status = "duplicate" // sent before with the same content: nothing changed
)

// Reasons a record waits for review.
const (
	ReasonNoCandidate = "no_candidate" // nobody known matches it
	ReasonUncertain   = "uncertain"    // someone may be it, but not surely enough
)

// MaxBatch is the most records one call may carry.
const MaxBatch = 1000

// Outcome is what became of one record of a submission.
type Outcome struct {
	Kind       Kind
	ExternalID string // the facility's sample or dose id
	ID         string // the test or dose id on the platform
	Status     Status
	PersonID   string // the person it is tied to, once linked
	Reason     string // why it waits, for StatusReview
	Positive   bool   // a positive test
}

// Result is what became of a submission's records, in their order.
type Result struct {
	Batch                     string
	Outcomes                  []Outcome
	Linked, Review, Duplicate int
}

// ConfirmedCase is a positive result tied to its person: a confirmed case
// (F0) for tracing to register.
type ConfirmedCase struct {
	PersonID  string
	TestID    string
	TestType  string // PCR or RAT
	SampledAt time.Time
}

// CaseRegistrar registers confirmed cases for tracing. Package tracing
// implements it; it must register a case once per TestID however often it
// is told, since a hand-over that failed half-way is retried.
type CaseRegistrar interface {
	RegisterCase(ctx context.Context, c ConfirmedCase) error
}

// IngestDeps are what the ingest service works with besides the database.
type IngestDeps struct {
	Store      *Store
	Persons    *identity.Store
	Facilities *facility.Store
	Treatments *Treatments
	// Cases registers positive results for tracing; nil keeps them in the
	// outbox until one is wired.
	Cases CaseRegistrar
	// Inbox tells citizens of new results and doses; nil sends nothing.
	Inbox *inbox.Store
	Log   *slog.Logger
}

// Ingest takes in test results and doses from facilities, ties each to its
// person with the takeover's linking rules, stores it, and registers the
// confirmed cases. A record that cannot be tied safely is kept, sealed,
// for an official to decide: nothing is dropped, nobody is guessed.
type Ingest struct {
	IngestDeps
	db     *db.DB
	sealer *seal.Sealer
	guard  *access.Guard
	clock  clock.Clock
	linker linker
}

// NewIngest returns the ingest service.
func NewIngest(d *db.DB, s *seal.Sealer, g *access.Guard, c clock.Clock, deps IngestDeps) *Ingest {
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	return &Ingest{IngestDeps: deps, db: d, sealer: s, guard: g, clock: c, linker: linker{persons: deps.Persons}}
}

// fieldRecord is the sealed field of a kept record.
const fieldRecord = "health_ingest.record"

// SubmitTests takes in a lab's test results. Every record is checked
// first: one bad record refuses the whole batch with every problem named
// (records[i].field), and nothing is stored.
func (in *Ingest) SubmitTests(ctx context.Context, f facility.Facility, via Via, tests []TestInput) (Result, error) {
	if !f.Kind.SendsTests() {
		return Result{}, fmt.Errorf("health: facility %s does not send test results: %w", f.Code, problem.ErrForbidden)
	}
	if err := checkBatchSize(len(tests)); err != nil {
		return Result{}, err
	}
	now := in.clock.Now()
	recs := make([]incoming, len(tests))
	var errs problem.Fields
	for i, t := range tests {
		r, err := parseTest(t, f.Province, "", now)
		addAt(&errs, err, fmt.Sprintf("records[%d]", i), len(tests))
		recs[i] = r
	}
	if err := errs.Err(); err != nil {
		return Result{}, err
	}
	return in.submit(ctx, f, via, db.NewID(), recs)
}

// SubmitDoses takes in a vaccination site's doses, like SubmitTests.
func (in *Ingest) SubmitDoses(ctx context.Context, f facility.Facility, via Via, doses []DoseInput) (Result, error) {
	if !f.Kind.SendsDoses() {
		return Result{}, fmt.Errorf("health: facility %s does not send vaccine doses: %w", f.Code, problem.ErrForbidden)
	}
	if err := checkBatchSize(len(doses)); err != nil {
		return Result{}, err
	}
	now := in.clock.Now()
	recs := make([]incoming, len(doses))
	var errs problem.Fields
	for i, d := range doses {
		r, err := parseDose(d, f.Province, "", now)
		addAt(&errs, err, fmt.Sprintf("records[%d]", i), len(doses))
		recs[i] = r
	}
	if err := errs.Err(); err != nil {
		return Result{}, err
	}
	return in.submit(ctx, f, via, db.NewID(), recs)
}

func checkBatchSize(n int) error {
	if n == 0 || n > MaxBatch {
		return problem.Field("records", fmt.Sprintf("Gửi từ 1 đến %d bản ghi mỗi lần", MaxBatch),
			fmt.Sprintf("send 1 to %d records at a time", MaxBatch))
	}
	return nil
}

// addAt adds err's field errors, prefixed with where when the batch has
// more than one record.
func addAt(errs *problem.Fields, err error, where string, n int) {
	if err == nil {
		return
	}
	if n == 1 {
		where = ""
	}
	if fs, ok := err.(problem.Fields); ok {
		for _, f := range fs {
			*errs = append(*errs, f.At(where))
		}
		return
	}
	if fe, ok := err.(*problem.FieldError); ok {
		*errs = append(*errs, fe.At(where))
		return
	}
	errs.Add(err)
}

// pending is a new record of a submission on its way in.
type pending struct {
	rec      *incoming
	index    int
	id       string
	mac      []byte
	sealed   []byte
	decision linkage.Decision
}

// recordID is the platform's id of a facility's record: derived with a
// keyed MAC from the facility and its own id, so a resend finds it, and
// opaque (a FHIR id as it is).
func (in *Ingest) recordID(f facility.Facility, kind Kind, external string) string {
	return "h" + db.EncodeID(in.sealer.MAC("health-ingest-id", []byte(f.ID), []byte(kind), []byte(external))[:10])
}

// submit stores the checked records of one submission: duplicates are
// left alone, a reused id with other content refuses the submission, and
// the new records are tied and written in one transaction.
func (in *Ingest) submit(ctx context.Context, f facility.Facility, via Via, batch string, recs []incoming) (Result, error) {
	res := Result{Batch: batch, Outcomes: make([]Outcome, len(recs))}
	news, err := in.screen(ctx, f, recs, &res)
	if err != nil || len(news) == 0 {
		return res, err
	}
	engine, err := in.decide(ctx, news)
	if err != nil {
		return Result{}, err
	}
	var cases []ConfirmedCase
	err = in.db.Transact(ctx, func(tx *db.DB) error {
		var err error
		cases, err = in.write(ctx, tx, f, via, batch, news, engine, &res)
		return err
	})
	if err != nil {
		return Result{}, fmt.Errorf("health: store %d records of %s: %w", len(news), f.Code, err)
	}
	in.deliverCases(ctx, cases)
	return res, nil
}

// decide ties each new record to its person: the one a FHIR client named
// by reference, or the one the linking rules find.
func (in *Ingest) decide(ctx context.Context, news []pending) (*linkage.Engine, error) {
	var lrecs []linkage.Record
	var idx []int
	for i, p := range news {
		if p.rec.PersonRef == "" {
			lrecs = append(lrecs, p.rec.linkageRecord(ingestSource, p.id))
			idx = append(idx, i)
			continue
		}
		if _, err := in.Persons.Subject(ctx, p.rec.PersonRef); err != nil {
			return nil, err
		}
		news[i].decision = linkage.Decision{PersonID: p.rec.PersonRef, Evidence: linkage.Evidence{Method: MethodReference}}
	}
	engine, decisions, err := in.linker.link(ctx, lrecs)
	if err != nil {
		return nil, err
	}
	for j, d := range decisions {
		news[idx[j]].decision = d
	}
	return engine, nil
}

// MethodReference is how a record is tied when its sender named the
// person (a FHIR reference to Patient/<id>).
const MethodReference = "reference"

// screen computes each record's id and content MAC and sorts out the
// records sent before. It returns the new ones.
func (in *Ingest) screen(ctx context.Context, f facility.Facility, recs []incoming, res *Result) ([]pending, error) {
	var news []pending
	seen := map[string]int{}
	prior, err := in.prior(ctx, f, recs)
	if err != nil {
		return nil, err
	}
	var errs problem.Fields
	for i := range recs {
		r := &recs[i]
		b, _ := json.Marshal(r) // plain struct: cannot fail
		p := pending{rec: r, index: i, id: in.recordID(f, r.Kind, r.ExternalID),
			mac: in.sealer.MAC("health-ingest", []byte(f.ID), b)}
		res.Outcomes[i] = Outcome{Kind: r.Kind, ExternalID: r.ExternalID, ID: p.id, Positive: r.Positive}
		old, sent := prior[p.id]
		if j, dup := seen[p.id]; dup {
			old, sent = priorRow{mac: news[j].mac, status: StatusReview}, true
		}
		switch {
		case sent && string(old.mac) != string(p.mac):
			addAt(&errs, problem.Field(idField(r.Kind), "Mã này đã được gửi với nội dung khác; không thể ghi đè",
				"this id was sent before with different content; it cannot be overwritten"), fmt.Sprintf("records[%d]", i), len(recs))
		case sent:
			res.Outcomes[i].Status, res.Outcomes[i].PersonID = StatusDuplicate, old.person
			res.Duplicate++
		default:
			p.sealed = in.sealer.Seal(fieldRecord, b)
			seen[p.id] = len(news)
			news = append(news, p)
		}
	}
	return news, errs.Err()
}

func idField(k Kind) string {
	if k == KindDose {
		return "dose_id"
	}
	return "sample_id"
}

type priorRow struct {
	mac    []byte
	status Status
	person string
}

// prior reads the records of recs already stored.
func (in *Ingest) prior(ctx context.Context, f facility.Facility, recs []incoming) (map[string]priorRow, error) {
	out := map[string]priorRow{}
	ids := make([]any, 0, len(recs))
	for i := range recs {
		ids = append(ids, in.recordID(f, recs[i].Kind, recs[i].ExternalID))
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		rows, err := in.db.Query(ctx, `SELECT id, content_mac, status, COALESCE(person_id, '') FROM health_ingest
			WHERE id IN (`+inList(1, len(chunk))+`)`, chunk...)
		if err != nil {
			return nil, fmt.Errorf("health: earlier records: %w", err)
		}
		for rows.Next() {
			var id, status string
			var r priorRow
			if err := rows.Scan(&id, &r.mac, &status, &r.person); err != nil {
				rows.Close()
				return nil, err
			}
			r.status = Status(status)
			out[id] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func inList(from, n int) string {
	b := make([]byte, 0, n*5)
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = fmt.Appendf(b, "$%d", from+i)
	}
	return string(b)
}
