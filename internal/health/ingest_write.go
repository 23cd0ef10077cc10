package health

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/linkage"
	"github.com/pccovid/pccovid/internal/problem"
)

// ingestColumns are the columns of a health_ingest row as write inserts it.
var ingestColumns = []string{"facility_id", "kind", "external_id", "id", "content_mac", "status", "person_id", "method",
	"score", "evidence", "reason", "candidate_id", "area", "record_sealed", "via", "batch_id", "received_at"}

// write stores the new records of a submission in tx: each tied record
// with its test or dose (and, for a positive test, the case to register
// and the treatment to follow), each undecided one for review.
func (in *Ingest) write(ctx context.Context, tx *db.DB, f facility.Facility, via Via, batch string,
	news []pending, engine *linkage.Engine, res *Result) ([]ConfirmedCase, error) {
	now := db.Millis(in.clock.Now())
	rows := make([][]any, 0, len(news))
	var linked []pending
	for _, p := range news {
		d := p.decision
		out := &res.Outcomes[p.index]
		row := []any{f.ID, string(p.rec.Kind), p.rec.ExternalID, p.id, p.mac, "", nil, d.Evidence.Method,
			d.Evidence.Score, evidenceJSON(d.Evidence), "", "", "", p.sealed, string(via), batch, now}
		if d.PersonID != "" {
			row[5], row[6] = string(StatusLinked), d.PersonID
			out.Status, out.PersonID = StatusLinked, d.PersonID
			res.Linked++
			linked = append(linked, p)
		} else {
			reason, candidate, area := ReasonNoCandidate, "", p.rec.Subject.area(f.Province)
			if d.Review != nil {
				reason, candidate, area = ReasonUncertain, d.Review.PersonID, engine.Ward(d.Review.PersonID)
				row[8], row[9] = d.Review.Evidence.Score, evidenceJSON(d.Review.Evidence)
			}
			row[5], row[10], row[11], row[12] = string(StatusReview), reason, candidate, area
			out.Status, out.Reason = StatusReview, reason
			res.Review++
		}
		rows = append(rows, row)
	}
	if err := tx.InsertRows(ctx, "health_ingest", ingestColumns, rows, ""); err != nil {
		if db.IsUniqueViolation(err) {
			// Another submission of the same records won the race.
			return nil, fmt.Errorf("records sent twice at once; send them again: %w", problem.ErrConflict)
		}
		return nil, err
	}
	return in.storeLinked(ctx, tx, f, linked, engine)
}

// ingestSource names incoming records as a source: of the linkage
// records, and of the unverified persons an official makes from them.
const ingestSource = "health_ingest"

func evidenceJSON(ev linkage.Evidence) string {
	if ev.Method == "" && ev.Score == 0 && len(ev.Comparisons) == 0 {
		return ""
	}
	b, _ := json.Marshal(ev) // field names, levels and weights: no personal data
	return string(b)
}

// area is where the record says its person lives, else the facility's
// province: the area whose officials review it.
func (s *subject) area(fallback string) string {
	switch {
	case s.Ward != "":
		return s.Ward
	case s.District != "":
		return s.District
	case s.Province != "":
		return s.Province
	}
	return fallback
}

// storeLinked writes what the tied records carry: tests and doses, the
// identifiers they newly teach, and, for positive tests, the cases for
// tracing and the treatments to follow.
func (in *Ingest) storeLinked(ctx context.Context, tx *db.DB, f facility.Facility, linked []pending, engine *linkage.Engine) ([]ConfirmedCase, error) {
	var ids []identity.PersonIdentifier
	tied := make([]tiedRecord, len(linked))
	for i, p := range linked {
		person := p.decision.PersonID
		tied[i] = tiedRecord{rec: p.rec, id: p.id, person: person, area: engine.Ward(person)}
		ids = append(ids, taught(engine, p.rec, person)...)
	}
	cases, err := in.store(ctx, tx, f, tied)
	if err != nil {
		return nil, err
	}
	if err := in.Persons.InsertIdentifiers(ctx, tx, ids); err != nil {
		return nil, err
	}
	return cases, nil
}

// taught lists the identifiers a tied record gives that its person did not
// have: a new phone, the CCCD a lab wrote down.
func taught(engine *linkage.Engine, r *incoming, person string) []identity.PersonIdentifier {
	var out []identity.PersonIdentifier
	add := func(kind identity.Kind, engineKind, v string) {
		if v != "" && !engine.Knows(person, engineKind, v) {
			out = append(out, identity.PersonIdentifier{PersonID: person, Identifier: identity.Identifier{
				Kind: kind, Value: v, Source: "facility", SeenAt: r.eventAt()}})
		}
	}
	s := &r.Subject
	add(identity.KindPhone, "phone", string(s.Phone))
	add(identity.KindCCCD, "cccd", s.CCCD)
	add(identity.KindCMND, "cmnd", s.CMND)
	add(identity.KindPassport, "passport", s.Passport)
	return out
}

// tiedRecord is a record tied to its person, whose ward (or province) is
// area.
type tiedRecord struct {
	rec              *incoming
	id, person, area string
}

// store writes the payload of tied records in tx, in bulk: their tests and
// doses, a notice to each person, and for each positive test the case to
// register and the treatment to follow.
func (in *Ingest) store(ctx context.Context, tx *db.DB, f facility.Facility, tied []tiedRecord) ([]ConfirmedCase, error) {
	var tests []Test
	var doses []Dose
	var cases []ConfirmedCase
	for _, t := range tied {
		key := f.Code + "/" + t.rec.ExternalID
		if t.rec.Kind == KindDose {
			doses = append(doses, doseOf(f, t, key))
			continue
		}
		r := t.rec
		tests = append(tests, Test{ID: t.id, PersonID: t.person, Source: "facility", RecordKey: key, Type: r.TestType,
			Positive: r.Positive, SampledAt: r.SampledAt, ResultAt: r.ResultAt, Lab: f.Name, SampleID: r.ExternalID})
		if r.Positive {
			cases = append(cases, ConfirmedCase{PersonID: t.person, TestID: t.id, TestType: r.TestType, SampledAt: r.SampledAt})
		}
	}
	if err := in.Store.InsertTests(ctx, tx, tests); err != nil {
		return nil, err
	}
	if err := in.Store.InsertDoses(ctx, tx, doses); err != nil {
		return nil, err
	}
	for _, t := range tied {
		msg, key := "health.notice_result", "result/"+t.id
		if t.rec.Kind == KindDose {
			msg, key = "health.notice_dose", "dose/"+t.id
		}
		if err := in.notify(ctx, tx, t.person, key, msg); err != nil {
			return nil, err
		}
	}
	return cases, in.positives(ctx, tx, tied, cases)
}

func doseOf(f facility.Facility, t tiedRecord, key string) Dose {
	r := t.rec
	site := r.Site
	if site == "" {
		site = f.Name
	}
	return Dose{ID: t.id, PersonID: t.person, Source: "facility", RecordKey: key, Number: r.DoseNumber, Date: r.Date,
		Product: r.Product, ProductName: r.ProductName, Lot: r.Lot, Facility: site, Province: f.Province}
}

// positives queues the cases for tracing and opens their treatments.
func (in *Ingest) positives(ctx context.Context, tx *db.DB, tied []tiedRecord, cases []ConfirmedCase) error {
	area := map[string]string{}
	for _, t := range tied {
		area[t.id] = t.area
	}
	for _, c := range cases {
		if err := in.queueCase(ctx, tx, c); err != nil {
			return err
		}
		if in.Treatments != nil {
			if err := in.Treatments.openForPositive(ctx, tx, c.PersonID, c.TestID, c.SampledAt, area[c.TestID]); err != nil {
				return err
			}
		}
	}
	return nil
}

// notify tells the person a new result or dose is in their wallet, in the
// same transaction (a message, never the result itself).
func (in *Ingest) notify(ctx context.Context, tx *db.DB, person, key, msg string) error {
	if in.Inbox == nil {
		return nil
	}
	return in.Inbox.WithTx(tx).Send(ctx, person, inbox.Message{Key: key, Category: inbox.CategoryResult,
		TitleKey: msg + "_title", BodyKey: msg + "_body", Link: "/health"})
}
