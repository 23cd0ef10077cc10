package takeover

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/linkage"
	"github.com/pccovid/pccovid/internal/problem"
)

func TestReviewQueue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		if _, err := s.Import(ctx, sampleDir, Options{}); err != nil {
			t.Fatal(err)
		}
		official := access.Actor{Kind: access.KindOfficial, ID: "o1", Name: "yte", Role: access.RoleHealthOfficial, Scope: access.Country}
		req := access.Request{Actor: official, Purpose: access.PurposeLinkageReview}
		if _, err := s.Reviews(ctx, access.Request{Actor: official, Purpose: access.PurposeTracing}, ReviewOpen, 10); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("reviews for another purpose: %v", err)
		}
		items, err := s.Reviews(ctx, req, ReviewOpen, 1000)
		if err != nil || len(items) == 0 {
			t.Fatalf("open reviews: %d, %v (the sample has undecidable pairs)", len(items), err)
		}
		it := items[0]
		view, err := s.Review(ctx, req, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if view.Record.FullName == "" || view.Candidate.ID != it.CandidateID || len(view.Item.Evidence.Comparisons) == 0 {
			t.Fatalf("review view incomplete: %+v", view)
		}
		// An official of another area cannot decide it.
		far := official
		far.Scope = "96"
		if it.Area != "" && !access.Scope("96").Covers(it.Area) {
			err := s.Decide(ctx, access.Request{Actor: far, Purpose: access.PurposeLinkageReview}, it.ID, true)
			if !errors.Is(err, problem.ErrForbidden) {
				t.Fatalf("decision outside the area: %v", err)
			}
		}
		if err := s.Decide(ctx, req, it.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.Decide(ctx, req, it.ID, false); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("deciding twice: %v", err)
		}
		got, _ := linkage.ReadMapping(bytes.NewReader(export(t, s)), "export")
		cccds, _ := s.persons.RegistryCCCDs(ctx)
		if got[[2]string{it.Source, it.RecordKey}] != cccds[it.CandidateID] {
			t.Fatalf("confirmed record is on %s, want the candidate %s", got[[2]string{it.Source, it.RecordKey}], cccds[it.CandidateID])
		}
		recs, err := s.RecordsOf(ctx, req, it.CandidateID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range recs {
			if r.Source == it.Source && r.Key == it.RecordKey && r.Method == linkage.MethodReview {
				found = true
			}
		}
		if !found {
			t.Fatalf("the candidate's records do not list the confirmed one: %+v", recs)
		}
		var payloadOwner string
		switch it.Source {
		case "ncovi", "vhd":
			d.QueryRow(ctx, "SELECT person_id FROM declarations WHERE source = $1 AND record_key = $2", it.Source, it.RecordKey).Scan(&payloadOwner)
		case "vaccination":
			d.QueryRow(ctx, "SELECT person_id FROM vaccinations WHERE source = $1 AND record_key = $2", it.Source, it.RecordKey).Scan(&payloadOwner)
		case "labtests":
			d.QueryRow(ctx, "SELECT person_id FROM test_results WHERE source = $1 AND record_key = $2", it.Source, it.RecordKey).Scan(&payloadOwner)
		}
		if payloadOwner != "" && payloadOwner != it.CandidateID {
			t.Fatalf("the record's payload stayed with %s", payloadOwner)
		}
		entries, _ := s.guard.Trail().ForSubject(ctx, it.CandidateID, 20)
		confirmed := false
		for _, e := range entries {
			confirmed = confirmed || e.Action == "linkage.review.confirm"
		}
		if !confirmed {
			t.Fatal("the decision is not in the audit trail")
		}
	})
}
