package tracing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/problem"
)

// Link statuses: found by a run, then confirmed or dismissed by an official.
const (
	LinkFound     = "found"
	LinkConfirmed = "confirmed"
	LinkDismissed = "dismissed"
)

// Link is a person found for a case.
type Link struct {
	CaseID        int64
	PersonID      string
	Degree        int
	Via           string
	Area          string
	FirstExposure time.Time
	LastExposure  time.Time
	Status        string
	DecidedBy     string
	DecidedAt     time.Time
	FoundAt       time.Time
	NotifiedAt    time.Time
}

const linkSelect = `SELECT case_id, person_id, degree, via_person, area, first_exposure, last_exposure, status, decided_by,
	decided_at, found_at, notified_at FROM tracing_links `

func (s *Service) linksOf(ctx context.Context, _ int64, where string, args ...any) ([]Link, error) {
	rows, err := s.DB.Query(ctx, linkSelect+where, args...)
	if err != nil {
		return nil, fmt.Errorf("tracing: links: %w", err)
	}
	defer rows.Close()
	var out []Link
	for rows.Next() {
		var l Link
		var first, last, decided, found, notified int64
		if err := rows.Scan(&l.CaseID, &l.PersonID, &l.Degree, &l.Via, &l.Area, &first, &last, &l.Status, &l.DecidedBy,
			&decided, &found, &notified); err != nil {
			return nil, err
		}
		l.FirstExposure, l.LastExposure, l.DecidedAt = db.TimeOf(first), db.TimeOf(last), db.TimeOf(decided)
		l.FoundAt, l.NotifiedAt = db.TimeOf(found), db.TimeOf(notified)
		out = append(out, l)
	}
	return out, rows.Err()
}

// evidenceOf reads the evidence of a case's links, by contact.
func (s *Service) evidenceOf(ctx context.Context, caseID int64) (map[string][]Exposure, error) {
	rows, err := s.DB.Query(ctx, `SELECT person_id, source_person, rule, evidence_key, degree, place, place_ref, source_from, source_to,
		contact_from, contact_to, overlap_ms, detail FROM tracing_evidence WHERE case_id = $1
		ORDER BY person_id, contact_from, rule, evidence_key`, caseID)
	if err != nil {
		return nil, fmt.Errorf("tracing: evidence: %w", err)
	}
	defer rows.Close()
	out := map[string][]Exposure{}
	for rows.Next() {
		var e Exposure
		var rule string
		var sf, st, cf, ct, overlap int64
		if err := rows.Scan(&e.ContactPerson, &e.SourcePerson, &rule, &e.Key, &e.Degree, &e.Place, &e.PlaceRef, &sf, &st, &cf, &ct,
			&overlap, &e.Detail); err != nil {
			return nil, err
		}
		e.Rule, e.Overlap = Rule(rule), time.Duration(overlap)*time.Millisecond
		e.SourceFrom, e.SourceTo, e.ContactFrom, e.ContactTo = db.TimeOf(sf), db.TimeOf(st), db.TimeOf(cf), db.TimeOf(ct)
		out[e.ContactPerson] = append(out[e.ContactPerson], e)
	}
	return out, rows.Err()
}

// ContactView is a link as an official sees it. Person is set only when
// the contact lies within the official's scope; otherwise only the
// province the contact lives in is shown, for that province to follow up.
type ContactView struct {
	Link
	Person   *identity.Person
	InScope  bool
	IsCase   int64 // the contact's own case number, when they became one
	Rules    []Rule
	Evidence []Exposure
	Places   []string // where a declared contact met the case, as declared
}

// CaseView is a case as an official sees it.
type CaseView struct {
	Case
	// Person is the case's person, when the case lies within the
	// official's scope.
	Person   *identity.Person
	InScope  bool
	Contacts []ContactView
	Runs     []RunReport
}

// View returns a case and its contacts for an official. The case is shown
// when its area lies within the official's scope; each contact is shown in
// full when theirs does, masked otherwise; an official who covers only
// some contacts sees just those. Every person shown is recorded in the
// audit trail with the purpose tracing and the case's number.
func (s *Service) View(ctx context.Context, req access.Request, caseID int64) (CaseView, error) {
	c, err := s.caseByID(ctx, s.DB, caseID)
	if err != nil {
		return CaseView{}, err
	}
	if req.Purpose != access.PurposeTracing || !req.Purpose.Allows(req.Actor.Role) {
		return CaseView{}, fmt.Errorf("tracing: viewing a case needs the purpose tracing: %w", problem.ErrForbidden)
	}
	req.Ref = c.Ref()
	v := CaseView{Case: c, InScope: req.Actor.Scope.Covers(c.Area)}
	links, err := s.linksOf(ctx, c.ID, "WHERE case_id = $1 ORDER BY degree, first_exposure, person_id", c.ID)
	if err != nil {
		return v, err
	}
	var subjects []access.Subject
	if v.InScope {
		subjects = append(subjects, access.Subject{PersonID: c.PersonID, Area: c.Area})
	}
	for _, l := range links {
		if req.Actor.Scope.Covers(l.Area) {
			subjects = append(subjects, access.Subject{PersonID: l.PersonID, Area: l.Area})
		}
	}
	if len(subjects) == 0 {
		// Neither the case nor any contact is theirs: refuse, and record it.
		return v, s.Guard.Read(ctx, req, "case.view", access.Subject{PersonID: c.PersonID, Area: c.Area})
	}
	people, err := s.Persons.GetMany(ctx, req, "case.view", subjects)
	if err != nil {
		return v, err
	}
	byID := map[string]*identity.Person{}
	for i := range people {
		byID[people[i].ID] = &people[i]
	}
	v.Person = byID[c.PersonID]
	if v.Contacts, err = s.contactViews(ctx, c, links, byID); err != nil {
		return v, err
	}
	v.Runs, err = s.runsOf(ctx, c.ID)
	return v, err
}

func (s *Service) contactViews(ctx context.Context, c Case, links []Link, byID map[string]*identity.Person) ([]ContactView, error) {
	ev, err := s.evidenceOf(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	cases, err := s.caseNumbers(ctx, links)
	if err != nil {
		return nil, err
	}
	out := make([]ContactView, 0, len(links))
	for _, l := range links {
		cv := ContactView{Link: l, Person: byID[l.PersonID], IsCase: cases[l.PersonID]}
		cv.InScope = cv.Person != nil
		seen := map[Rule]bool{}
		for _, e := range ev[l.PersonID] {
			if !seen[e.Rule] {
				seen[e.Rule] = true
				cv.Rules = append(cv.Rules, e.Rule)
			}
		}
		if cv.InScope {
			cv.Evidence = ev[l.PersonID]
			if seen[RuleDeclared] {
				if cv.Places, err = s.declaredPlaces(ctx, c.ID, l.PersonID); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, cv)
	}
	return out, nil
}

// caseNumbers maps those of the links' persons who are cases to their
// latest case number.
func (s *Service) caseNumbers(ctx context.Context, links []Link) (map[string]int64, error) {
	out := map[string]int64{}
	if len(links) == 0 {
		return out, nil
	}
	return queryMap(ctx, s.DB, out, `SELECT l.person_id, max(c.id) FROM tracing_links l JOIN tracing_cases c ON c.person_id = l.person_id
		WHERE l.case_id = $1 GROUP BY l.person_id`, links[0].CaseID)
}

// queryMap adds the rows of a two-column query to out, first column as key.
func queryMap[K comparable, V any](ctx context.Context, d *db.DB, out map[K]V, query string, args ...any) (map[K]V, error) {
	rows, err := d.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k K
		var v V
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

func (s *Service) runsOf(ctx context.Context, caseID int64) ([]RunReport, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, degree, rules_version, found, evidence, notified FROM tracing_runs
		WHERE case_id = $1 AND finished_at > 0 ORDER BY started_at DESC LIMIT 10`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RunReport
	for rows.Next() {
		r := RunReport{CaseID: caseID}
		if err := rows.Scan(&r.RunID, &r.Degree, &r.Rules, &r.Found, &r.Evidence, &r.Notified); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Decide confirms or dismisses a link, with the official's decision on the
// audit trail. The official's scope must cover the case or the contact.
// A dismissed contact who was warned is told they are no longer
// considered a contact; a dismissed F1 leads to no F2.
func (s *Service) Decide(ctx context.Context, req access.Request, caseID int64, personID, status string) error {
	if status != LinkConfirmed && status != LinkDismissed {
		return problem.Field("status", "Hãy chọn xác nhận hoặc loại bỏ", "choose confirm or dismiss")
	}
	c, err := s.caseByID(ctx, s.DB, caseID)
	if err != nil {
		return err
	}
	links, err := s.linksOf(ctx, caseID, "WHERE case_id = $1 AND person_id = $2", caseID, personID)
	if err != nil {
		return err
	}
	if len(links) == 0 {
		return fmt.Errorf("tracing: %s has no contact %s: %w", c.Ref(), personID, problem.ErrNotFound)
	}
	l := links[0]
	req.Ref = c.Ref()
	area := l.Area
	if req.Actor.Scope.Covers(c.Area) {
		area = c.Area // the case's tracer decides on every contact
	}
	if err := s.Guard.Read(ctx, req, "case.contact."+status, access.Subject{PersonID: personID, Area: area}); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Transact(ctx, func(tx *db.DB) error {
		_, err := tx.Exec(ctx, "UPDATE tracing_links SET status = $3, decided_by = $4, decided_at = $5 WHERE case_id = $1 AND person_id = $2",
			caseID, personID, status, req.Actor.ID, db.Millis(now))
		if err != nil || status != LinkDismissed || l.NotifiedAt.IsZero() {
			return err
		}
		return s.Inbox.WithTx(tx).Send(ctx, personID, inbox.Message{Key: fmt.Sprintf("tracing/%d/dismissed", caseID),
			Category: inbox.CategoryExposure, TitleKey: "tracing.dismissed.title", BodyKey: "tracing.dismissed.body"})
	})
}

// CaseFilter says which cases an official lists.
type CaseFilter struct {
	Active bool // only active cases
	Limit  int
}

// CaseRow is a case in an official's list; Person is set within scope.
type CaseRow struct {
	Case
	Person   *identity.Person
	Contacts int
}

// Cases lists the newest cases in an official's area, and cases elsewhere
// with contacts in it, with their persons (audited).
func (s *Service) Cases(ctx context.Context, req access.Request, f CaseFilter) ([]CaseRow, error) {
	if req.Purpose != access.PurposeTracing || !req.Purpose.Allows(req.Actor.Role) || req.Actor.Kind != access.KindOfficial {
		return nil, fmt.Errorf("tracing: listing cases needs the purpose tracing: %w", problem.ErrForbidden)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	where, args := req.Actor.Scope.Filter("area", 0)
	q := "WHERE " + where
	if f.Active {
		args = append(args, StatusActive)
		q += fmt.Sprintf(" AND status = $%d", len(args))
	}
	args = append(args, f.Limit)
	cs, err := s.casesWhere(ctx, s.DB, q+fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, err
	}
	lw, largs := req.Actor.Scope.Filter("l.area", 0)
	largs = append(largs, f.Limit)
	others, err := s.casesWhere(ctx, s.DB, fmt.Sprintf("WHERE id IN (SELECT l.case_id FROM tracing_links l WHERE %s) ORDER BY id DESC LIMIT $%d",
		lw, len(largs)), largs...)
	if err != nil {
		return nil, err
	}
	return s.caseRows(ctx, req, append(cs, others...))
}

func (s *Service) caseRows(ctx context.Context, req access.Request, cs []Case) ([]CaseRow, error) {
	var subjects []access.Subject
	seen := map[int64]bool{}
	var rows []CaseRow
	for _, c := range cs {
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		rows = append(rows, CaseRow{Case: c})
		if req.Actor.Scope.Covers(c.Area) {
			subjects = append(subjects, access.Subject{PersonID: c.PersonID, Area: c.Area})
		}
	}
	req.Ref = "case list"
	people := map[string]*identity.Person{}
	if len(subjects) > 0 {
		ps, err := s.Persons.GetMany(ctx, req, "case.list", subjects)
		if err != nil {
			return nil, err
		}
		for i := range ps {
			people[ps[i].ID] = &ps[i]
		}
	}
	contacts, err := s.contactCounts(ctx, rows)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].Person = people[rows[i].PersonID]
		rows[i].Contacts = contacts[rows[i].ID]
	}
	return rows, nil
}

// contactCounts counts the contact links of the listed cases in one query.
func (s *Service) contactCounts(ctx context.Context, rows []CaseRow) (map[int64]int, error) {
	out := make(map[int64]int, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ph := make([]string, len(rows))
	args := make([]any, len(rows))
	for i, r := range rows {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), r.ID
	}
	out, err := queryMap(ctx, s.DB, out, "SELECT case_id, count(*) FROM tracing_links WHERE case_id IN ("+strings.Join(ph, ", ")+") GROUP BY case_id", args...)
	if err != nil {
		return nil, fmt.Errorf("tracing: count contacts: %w", err)
	}
	return out, nil
}

// Links returns a case's links of a degree that are not dismissed, for a
// service acting on them (quarantine, ordering the F1s to quarantine). The
// request's scope must cover the case; the contacts are recorded as read.
func (s *Service) Links(ctx context.Context, req access.Request, caseID int64, degree int) ([]Link, error) {
	c, err := s.caseByID(ctx, s.DB, caseID)
	if err != nil {
		return nil, err
	}
	if req.Purpose != access.PurposeTracing && req.Purpose != access.PurposeQuarantine {
		return nil, fmt.Errorf("tracing: a case's contacts are read for tracing or quarantine: %w", problem.ErrForbidden)
	}
	req.Ref = c.Ref()
	if err := s.Guard.Read(ctx, req, "case.view", access.Subject{PersonID: c.PersonID, Area: c.Area}); err != nil {
		return nil, err
	}
	links, err := s.linksOf(ctx, caseID, "WHERE case_id = $1 AND degree = $2 AND status <> $3 ORDER BY first_exposure, person_id",
		c.ID, degree, LinkDismissed)
	if err != nil || len(links) == 0 {
		return links, err
	}
	entries := make([]access.Entry, len(links))
	for i, l := range links {
		entries[i] = access.Entry{Actor: req.Actor, Purpose: req.Purpose, Ref: req.Ref, Action: "case.contacts", SubjectID: l.PersonID}
	}
	_, err = s.Guard.Trail().Append(ctx, entries...)
	return links, err
}

// EvidenceRetention is how long after a case's infectious window its
// contacts' evidence is kept.
const EvidenceRetention = 60 * 24 * time.Hour

// Purge deletes the evidence of the cases whose infectious window ended
// more than keep ago. Where and when people met is contact data, kept —
// like the check-ins and logs it came from — only as long as tracing needs
// it; the links (who was a contact of which case) and the decisions on
// them stay with the case. It returns how many rows it deleted.
func (s *Service) Purge(ctx context.Context, keep time.Duration) (int64, error) {
	res, err := s.DB.Exec(ctx, "DELETE FROM tracing_evidence WHERE case_id IN (SELECT id FROM tracing_cases WHERE window_to < $1)",
		db.Millis(s.Clock.Now().Add(-keep)))
	if err != nil {
		return 0, fmt.Errorf("tracing: purge evidence: %w", err)
	}
	return res.RowsAffected()
}
