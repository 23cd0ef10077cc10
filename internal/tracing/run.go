package tracing

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// RunReport says what a tracing run did.
type RunReport struct {
	RunID    string
	CaseID   int64
	Degree   int
	Rules    string
	Found    int // contacts of this degree found
	New      int // of them, not linked to the case before
	Evidence int // pieces of evidence
	Notified int // people warned by this run (not before)
}

// Trace finds the contacts of a case — F1 (degree 1) or, from its F1s
// not dismissed, F2 (degree 2) — links them with their evidence, and warns
// the people found. Running it again finds the same people and warns
// nobody twice; a run interrupted part-way is completed by the next. The
// official's scope must cover the case.
func (s *Service) Trace(ctx context.Context, req access.Request, caseID int64, degree int) (RunReport, error) {
	if degree != 1 && degree != 2 {
		return RunReport{}, problem.Field("degree", "Chỉ truy vết F1 hoặc F2", "trace F1 or F2 only")
	}
	c, err := s.caseForOfficial(ctx, &req, caseID)
	if err != nil {
		return RunReport{}, err
	}
	return s.trace(ctx, req, c, degree)
}

// caseForOfficial loads a case for a tracing request: the purpose must be
// tracing, the reference becomes the case's, and the actor's scope must
// cover the case's area. The read is recorded.
func (s *Service) caseForOfficial(ctx context.Context, req *access.Request, caseID int64) (Case, error) {
	c, err := s.caseByID(ctx, s.DB, caseID)
	if err != nil {
		return Case{}, err
	}
	if req.Purpose != access.PurposeTracing {
		return Case{}, problem.Field("purpose", "Truy vết ca bệnh cần mục đích: truy vết", "tracing a case needs the purpose: tracing")
	}
	req.Ref = c.Ref()
	if err := s.Guard.Read(ctx, *req, "case.view", access.Subject{PersonID: c.PersonID, Area: c.Area}); err != nil {
		return Case{}, err
	}
	return c, nil
}

func (s *Service) trace(ctx context.Context, req access.Request, c Case, degree int) (RunReport, error) {
	rules, err := s.rules.Version(ctx, c.Rules)
	if err != nil {
		return RunReport{}, err
	}
	now := s.Clock.Now()
	rep := RunReport{RunID: db.NewID(), CaseID: c.ID, Degree: degree, Rules: rules.Version}
	_, err = s.DB.Exec(ctx, `INSERT INTO tracing_runs (id, case_id, degree, rules_version, started_by, started_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, rep.RunID, c.ID, degree, rules.Version, req.Actor.ID, db.Millis(now))
	if err != nil {
		return rep, fmt.Errorf("tracing: start run: %w", err)
	}
	contacts, err := s.findFor(ctx, c, rules, degree)
	if err != nil {
		return rep, err
	}
	if err := s.stage("found"); err != nil {
		return rep, err
	}
	if rep.New, rep.Evidence, err = s.persist(ctx, c, contacts, now); err != nil {
		return rep, err
	}
	rep.Found = len(contacts)
	if err := s.recordFound(ctx, req, contacts); err != nil {
		return rep, err
	}
	if err := s.stage("persisted"); err != nil {
		return rep, err
	}
	if rep.Notified, err = s.notify(ctx, c, contacts, degree); err != nil {
		return rep, err
	}
	_, err = s.DB.Exec(ctx, "UPDATE tracing_runs SET finished_at = $2, found = $3, evidence = $4, notified = $5 WHERE id = $1",
		rep.RunID, db.Millis(s.Clock.Now()), rep.Found, rep.Evidence, rep.Notified)
	return rep, err
}

// findFor finds a case's contacts of one degree.
func (s *Service) findFor(ctx context.Context, c Case, rules Rules, degree int) ([]Contact, error) {
	if degree == 1 {
		return s.find.F1(ctx, c, rules)
	}
	links, err := s.linksOf(ctx, c.ID, "WHERE case_id = $1 ORDER BY first_exposure, person_id", c.ID)
	if err != nil {
		return nil, err
	}
	exclude := map[string]bool{c.PersonID: true}
	var f1 []Contact
	found := map[string]time.Time{}
	for _, l := range links {
		if l.Degree != 1 {
			continue
		}
		exclude[l.PersonID] = true
		if l.Status != LinkDismissed {
			f1 = append(f1, Contact{PersonID: l.PersonID, Degree: 1, First: l.FirstExposure, Last: l.LastExposure})
			found[l.PersonID] = l.FoundAt
		}
	}
	// An F1 could pass the virus on from their exposure until they were
	// found and told to stay home.
	return s.find.F2(ctx, rules, f1, func(f Contact) time.Time { return found[f.PersonID] }, exclude)
}

// persist writes the contacts and their evidence, in slices of a few
// hundred contacts per transaction. Every row has a key of its own, so a
// run interrupted between slices is completed, not duplicated, by the
// next. It returns how many links are new and how much evidence there is.
func (s *Service) persist(ctx context.Context, c Case, contacts []Contact, now time.Time) (newLinks, evidence int, err error) {
	ids := make([]string, len(contacts))
	for i, ct := range contacts {
		ids[i] = ct.PersonID
	}
	areas, err := s.Persons.Areas(ctx, ids)
	if err != nil {
		return 0, 0, err
	}
	before, err := s.linkCount(ctx, c.ID)
	if err != nil {
		return 0, 0, err
	}
	const slice = 500
	for start := 0; start < len(contacts); start += slice {
		part := contacts[start:min(start+slice, len(contacts))]
		err := s.DB.Transact(ctx, func(tx *db.DB) error { return s.writeSlice(ctx, tx, c, part, areas, now) })
		if err != nil {
			return 0, 0, fmt.Errorf("tracing: save contacts of %s: %w", c.Ref(), err)
		}
		if err := s.stage("slice"); err != nil {
			return 0, 0, err
		}
		for _, ct := range part {
			evidence += len(ct.Evidence)
		}
	}
	after, err := s.linkCount(ctx, c.ID)
	return after - before, evidence, err
}

var (
	linkColumns     = []string{"case_id", "person_id", "degree", "via_person", "area", "first_exposure", "last_exposure", "status", "found_at"}
	evidenceColumns = []string{"case_id", "person_id", "source_person", "rule", "evidence_key", "degree", "place", "place_ref",
		"source_from", "source_to", "contact_from", "contact_to", "overlap_ms", "detail"}
)

// linkUpsert merges a link found again: the lower degree wins, and within a
// degree the earliest exposure (and whom it came from) and the latest.
// Decisions (status) are never undone by a run.
const linkUpsert = `ON CONFLICT (case_id, person_id) DO UPDATE SET
	via_person = CASE WHEN excluded.degree < tracing_links.degree OR (excluded.degree = tracing_links.degree
		AND excluded.first_exposure < tracing_links.first_exposure) THEN excluded.via_person ELSE tracing_links.via_person END,
	first_exposure = CASE WHEN excluded.degree < tracing_links.degree OR (excluded.degree = tracing_links.degree
		AND excluded.first_exposure < tracing_links.first_exposure) THEN excluded.first_exposure ELSE tracing_links.first_exposure END,
	last_exposure = CASE WHEN excluded.degree < tracing_links.degree OR (excluded.degree = tracing_links.degree
		AND excluded.last_exposure > tracing_links.last_exposure) THEN excluded.last_exposure ELSE tracing_links.last_exposure END,
	degree = CASE WHEN excluded.degree < tracing_links.degree THEN excluded.degree ELSE tracing_links.degree END,
	area = excluded.area`

func (s *Service) writeSlice(ctx context.Context, tx *db.DB, c Case, part []Contact, areas map[string]string, now time.Time) error {
	links := make([][]any, 0, len(part))
	var ev [][]any
	for _, ct := range part {
		links = append(links, []any{c.ID, ct.PersonID, ct.Degree, ct.Via, areas[ct.PersonID], db.Millis(ct.First), db.Millis(ct.Last),
			LinkFound, db.Millis(now)})
		seen := map[[3]string]bool{}
		for _, e := range ct.Evidence {
			key := e.EvidenceKey()
			k := [3]string{e.SourcePerson, string(e.Rule), key}
			if seen[k] {
				continue
			}
			seen[k] = true
			ev = append(ev, []any{c.ID, ct.PersonID, e.SourcePerson, string(e.Rule), key, e.Degree, e.Place, e.PlaceRef,
				db.Millis(e.SourceFrom), db.Millis(e.SourceTo), db.Millis(e.ContactFrom), db.Millis(e.ContactTo), e.Overlap.Milliseconds(), e.Detail})
		}
	}
	if err := tx.InsertRows(ctx, "tracing_links", linkColumns, links, linkUpsert); err != nil {
		return err
	}
	return tx.InsertRows(ctx, "tracing_evidence", evidenceColumns, ev,
		"ON CONFLICT (case_id, person_id, source_person, rule, evidence_key) DO NOTHING")
}

func (s *Service) linkCount(ctx context.Context, caseID int64) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, "SELECT count(*) FROM tracing_links WHERE case_id = $1", caseID).Scan(&n)
	return n, err
}

// recordFound writes to the audit trail that each person found had their
// records read for the case: each finds it on their access log, under the
// purpose "tracing" and the case's number, never the case's name.
func (s *Service) recordFound(ctx context.Context, req access.Request, contacts []Contact) error {
	if len(contacts) == 0 {
		return nil
	}
	entries := make([]access.Entry, len(contacts))
	for i, ct := range contacts {
		entries[i] = access.Entry{Actor: req.Actor, Purpose: access.PurposeTracing, Ref: req.Ref, Action: "tracing.found",
			SubjectID: ct.PersonID, Detail: "F" + strconv.Itoa(ct.Degree)}
	}
	_, err := s.Guard.Trail().Append(ctx, entries...)
	return err
}

// notify warns, in their app inbox, each person of the run who has not been
// warned of this case at this degree and whose link was not dismissed. The
// message and the mark are written in one transaction, and the inbox key
// makes a message sent again a no-op, so nobody is warned twice.
func (s *Service) notify(ctx context.Context, c Case, contacts []Contact, degree int) (int, error) {
	pending := map[string]bool{}
	rows, err := s.DB.Query(ctx, "SELECT person_id FROM tracing_links WHERE case_id = $1 AND notified_at = 0 AND status <> $2 AND degree = $3",
		c.ID, LinkDismissed, degree)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return 0, err
		}
		pending[p] = true
	}
	rows.Close()
	if len(pending) == 0 {
		return 0, nil
	}
	now := db.Millis(s.Clock.Now())
	n := 0
	err = s.DB.Transact(ctx, func(tx *db.DB) error {
		box := s.Inbox.WithTx(tx)
		for _, ct := range contacts {
			if !pending[ct.PersonID] {
				continue
			}
			if err := box.Send(ctx, ct.PersonID, warning(c, ct)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "UPDATE tracing_links SET notified_at = $3 WHERE case_id = $1 AND person_id = $2", c.ID, ct.PersonID, now); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// warning is the message a person found receives: when and, for a venue or
// a vehicle, where — what they can know themselves — and what to do. It
// never says who the case is.
func warning(c Case, ct Contact) inbox.Message {
	e := ct.Evidence[0]
	at := e.Start().In(vn.Location())
	m := inbox.Message{Key: fmt.Sprintf("tracing/%d/f%d", c.ID, ct.Degree), Category: inbox.CategoryExposure, Link: "/quarantine"}
	if ct.Degree == 2 {
		m.Title, m.BodyKey, m.Params = titleF2, "tracing.warn.f2.body", []string{at.Format("02/01/2006")}
		return m
	}
	m.Title = titleF1
	switch e.Rule {
	case RuleVenue:
		m.BodyKey, m.Params = "tracing.warn.f1.venue", []string{e.Place, at.Format("15:04 02/01/2006")}
	case RuleTransport:
		m.BodyKey, m.Params = "tracing.warn.f1.transport", []string{e.Place}
	default:
		m.BodyKey, m.Params = "tracing.warn.f1.other", []string{at.Format("02/01/2006")}
	}
	return m
}

// Warning titles. They are texts, not catalog keys: the inbox fills a
// message's parameters into its title as into its body, and a title has
// none. The bodies are catalog keys (web/messages_tracing.go).
var (
	titleF1 = inbox.Text{Vi: "Bạn có thể đã tiếp xúc gần với ca bệnh COVID-19", En: "You may have been in close contact with a COVID-19 case"}
	titleF2 = inbox.Text{Vi: "Một người bạn tiếp xúc đang được theo dõi COVID-19", En: "Someone you were in contact with is being followed for COVID-19"}
)
