package tracing_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/tracing"
	"github.com/pccovid/pccovid/internal/vn"
)

// TestOneCasePerEpisode: a result registered twice is one case; another
// result of the same episode joins it (and moves its window earlier); one
// after the episode gap is a new case.
func TestOneCasePerEpisode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.people[0].ID
		r := tracing.Result{TestID: "t1", PersonID: p, Source: tracing.SourceLab, SampledAt: at(18, 9, 0), ResultAt: at(19, 8, 0)}
		c1, created, err := f.svc.Register(f.ctx, yte, r)
		if err != nil || !created {
			t.Fatalf("first: %v %v", created, err)
		}
		if c2, created, err := f.svc.Register(f.ctx, yte, r); err != nil || created || c2.ID != c1.ID {
			t.Fatalf("the same result again: case %d, new %v, %v", c2.ID, created, err)
		}
		earlier := tracing.Result{TestID: "t2", PersonID: p, Source: tracing.SourceOfficial, SampledAt: at(16, 9, 0), OnsetAt: at(15, 20, 0)}
		c3, created, err := f.svc.Register(f.ctx, yte, earlier)
		if err != nil || created || c3.ID != c1.ID || !c3.Window.From.Equal(at(13, 20, 0)) || !c3.Window.To.Equal(at(16, 9, 0)) {
			t.Fatalf("a second result of the episode: case %d new %v window %v–%v %v", c3.ID, created, c3.Window.From, c3.Window.To, err)
		}
		f.clock.Set(now.AddDate(0, 4, 0))
		later := tracing.Result{TestID: "t3", PersonID: p, Source: tracing.SourceLab, SampledAt: now.AddDate(0, 4, -1)}
		if c4, created, err := f.svc.Register(f.ctx, yte, later); err != nil || !created || c4.ID == c1.ID {
			t.Fatalf("a result four months later: case %d new %v %v", c4.ID, created, err)
		}
		var n int
		d.QueryRow(f.ctx, "SELECT count(*) FROM tracing_cases").Scan(&n)
		if n != 2 {
			t.Fatalf("%d cases, want 2", n)
		}
	})
}

// TestContradictoryDatesRefused: each contradiction is refused with a
// reason naming the field, and nothing is stored.
func TestContradictoryDatesRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.people[0].ID
		for _, c := range []struct {
			name  string
			r     tracing.Result
			field string
		}{
			{"no sampling", tracing.Result{PersonID: p}, "sampled_at"},
			{"sampled tomorrow", tracing.Result{PersonID: p, SampledAt: now.Add(24 * time.Hour)}, "sampled_at"},
			{"result before sample", tracing.Result{PersonID: p, SampledAt: at(18, 9, 0), ResultAt: at(17, 9, 0)}, "result_at"},
			{"onset in the future", tracing.Result{PersonID: p, SampledAt: at(18, 9, 0), OnsetAt: now.Add(48 * time.Hour)}, "onset_at"},
			{"onset 40 days before", tracing.Result{PersonID: p, SampledAt: at(18, 9, 0), OnsetAt: at(18, 9, 0).AddDate(0, 0, -40)}, "onset_at"},
		} {
			_, _, err := f.svc.Register(f.ctx, yte, c.r)
			var fe *problem.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || fe.Vi == "" {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		var n int
		d.QueryRow(f.ctx, "SELECT count(*) FROM tracing_cases").Scan(&n)
		if n != 0 {
			t.Fatalf("%d cases stored from refused results", n)
		}
		// A declared contact before the window is refused too.
		c, _, err := f.svc.Register(f.ctx, yte, tracing.Result{PersonID: p, Source: tracing.SourceLab, SampledAt: at(18, 9, 0)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.DeclareContact(f.ctx, tracingReq, c.ID, tracing.DeclaredContact{Number: f.people[1].CCCD, MetAt: at(10, 9, 0)})
		if !errors.Is(err, problem.ErrInvalid) || !strings.Contains(err.Error(), "before the case could infect") {
			t.Fatalf("a contact before the window: %v", err)
		}
	})
}

// TestRulesByDate: a case follows the version of the rules in force on
// its sampling day, and records it.
func TestRulesByDate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		data := []byte(`{"window":{"days_before":3},"venue":{"enabled":true,"within_minutes":30},"transport":{"enabled":true,"flight_rows":3},
			"household":{"enabled":true},"bluetooth":{"enabled":false},"declared":{"enabled":true},"episode_gap_days":90}`)
		r, err := tracing.ParseRules("BYT-2021-08", vn.Date{Year: 2021, Month: 8, Day: 17}, data)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Rules().Add(f.ctx, r, data, now); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Rules().Add(f.ctx, r, data, now); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("the same version twice: %v", err)
		}
		before, _, _ := f.svc.Register(f.ctx, yte, tracing.Result{PersonID: f.people[0].ID, Source: tracing.SourceLab, SampledAt: at(16, 9, 0)})
		after, _, _ := f.svc.Register(f.ctx, yte, tracing.Result{PersonID: f.people[1].ID, Source: tracing.SourceLab, SampledAt: at(18, 9, 0)})
		if before.Rules != "BYT-2021" || after.Rules != "BYT-2021-08" {
			t.Fatalf("rules: %s and %s", before.Rules, after.Rules)
		}
		if !after.Window.From.Equal(at(15, 9, 0)) || !before.Window.From.Equal(at(14, 9, 0)) {
			t.Fatalf("windows from %v and %v", before.Window.From, after.Window.From)
		}
		bad := []byte(`{"window":{"days_before":-1},"venue":{"enabled":true,"within_minutes":0},"episode_gap_days":0}`)
		if _, err := tracing.ParseRules("bad", vn.Date{Year: 2021, Month: 9, Day: 1}, bad); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("bad rules accepted: %v", err)
		}
	})
}

// TestTracingScope: an official outside the case's area and its
// contacts' cannot see it; one whose area holds a contact sees that
// contact only, not the case's person; every view is audited with the
// case's number.
func TestTracingScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		o := plant(f)
		c, _, err := f.svc.Register(f.ctx, yte, tracing.Result{PersonID: o.A, Source: tracing.SourceLab, SampledAt: at(18, 9, 0), ResultAt: at(19, 8, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Trace(f.ctx, tracingReq, c.ID, 1); err != nil {
			t.Fatal(err)
		}
		all, err := f.svc.View(f.ctx, tracingReq, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.svc.Cases(f.ctx, tracingReq, tracing.CaseFilter{})
		if err != nil || len(rows) != 1 || rows[0].ID != c.ID || rows[0].Contacts != len(all.Contacts) || rows[0].Contacts == 0 {
			t.Fatalf("case list: %+v, %v; want the case with its %d contacts", rows, err, len(all.Contacts))
		}
		b1 := f.byID[o.B["B1"]]
		caseProv, b1Prov := f.byID[o.A].Ward, b1.Ward
		far := access.Request{Actor: access.Actor{Kind: access.KindOfficial, ID: "far", Name: "far", Role: access.RoleHealthOfficial,
			Scope: access.Scope(b1Prov)}, Purpose: access.PurposeTracing}
		v, err := f.svc.View(f.ctx, far, c.ID)
		if caseProv != b1Prov && (err != nil || v.Person != nil || !visible(v, o.B["B1"]) || visible(v, o.A)) {
			t.Fatalf("the official of B1's ward: %v, case person shown %v", err, v.Person != nil)
		}
		nobody := access.Request{Actor: access.Actor{Kind: access.KindOfficial, ID: "none", Name: "none", Role: access.RoleHealthOfficial,
			Scope: "00004"}, Purpose: access.PurposeTracing}
		if _, err := f.svc.View(f.ctx, nobody, c.ID); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("an official of another ward: %v", err)
		}
		if _, err := f.svc.Trace(f.ctx, nobody, c.ID, 1); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("an official of another ward traced the case: %v", err)
		}
		commune := access.Request{Actor: access.Actor{Kind: access.KindOfficial, ID: "cx", Name: "cx", Role: access.RoleCommuneOfficer,
			Scope: access.Country}, Purpose: access.PurposeTracing}
		if _, err := f.svc.View(f.ctx, commune, c.ID); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("a commune officer traced: %v", err)
		}
		log, err := f.trail.ForSubject(f.ctx, o.B["B1"], 50)
		if err != nil || len(log) == 0 {
			t.Fatal(err)
		}
		for _, e := range log {
			if e.Purpose != access.PurposeTracing || e.Ref != c.Ref() {
				t.Fatalf("B1's access log: %+v", e)
			}
		}
	})
}

func visible(v tracing.CaseView, person string) bool {
	for _, c := range v.Contacts {
		if c.PersonID == person {
			return c.Person != nil
		}
	}
	return v.Person != nil && v.PersonID == person
}

// TestCluster: B1 of case A becomes a case; B1's contact becomes a third.
// The cluster of any of them holds the three, in chain order.
func TestCluster(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		o := plant(f)
		ca, _, err := f.svc.Register(f.ctx, yte, tracing.Result{PersonID: o.A, Source: tracing.SourceLab, SampledAt: at(18, 9, 0), ResultAt: at(19, 8, 0)})
		if err != nil {
			t.Fatal(err)
		}
		cb, _, err := f.svc.Register(f.ctx, yte, tracing.Result{PersonID: o.B["B1"], Source: tracing.SourceLab, SampledAt: at(19, 9, 0), ResultAt: at(20, 8, 0)})
		if err != nil {
			t.Fatal(err)
		}
		cc, _, err := f.svc.Register(f.ctx, yte, tracing.Result{PersonID: o.C["C1"], Source: tracing.SourceLab, SampledAt: at(20, 9, 0), ResultAt: at(20, 14, 0)})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{ca.ID, cb.ID, cc.ID} {
			if _, err := f.svc.Trace(f.ctx, tracingReq, id, 1); err != nil {
				t.Fatal(err)
			}
		}
		g, err := f.svc.Cluster(f.ctx, tracingReq, cc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Cluster) != 3 || g.Cluster[0] != ca.ID || g.Cluster[2] != cc.ID {
			t.Fatalf("cluster %v", g.Cluster)
		}
		level := map[string]int{}
		for _, n := range g.Nodes {
			level[n.PersonID] = n.Level
		}
		if level[o.A] != 0 || level[o.B["B1"]] != 1 || level[o.C["C1"]] != 2 {
			t.Fatalf("levels %v", level)
		}
		chain, err := f.svc.Chain(f.ctx, tracingReq, ca.ID)
		if err != nil || len(chain.Nodes) < 10 || len(chain.Edges) != len(chain.Nodes)-1 {
			t.Fatalf("chain of A: %d nodes, %d edges, %v", len(chain.Nodes), len(chain.Edges), err)
		}
	})
}

// TestEvidencePurged: the evidence of a case whose window ended more than
// the retention ago is deleted; its links stay.
func TestEvidencePurged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		o := plant(f)
		c, _, err := f.svc.Register(f.ctx, yte, tracing.Result{PersonID: o.A, Source: tracing.SourceLab, SampledAt: at(18, 9, 0), ResultAt: at(19, 8, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Trace(f.ctx, tracingReq, c.ID, 1); err != nil {
			t.Fatal(err)
		}
		links := f.count("tracing_links")
		if n, err := f.svc.Purge(f.ctx, tracing.EvidenceRetention); err != nil || n != 0 {
			t.Fatalf("purged %d rows too early: %v", n, err)
		}
		f.clock.Set(now.Add(tracing.EvidenceRetention + 24*time.Hour))
		if n, err := f.svc.Purge(f.ctx, tracing.EvidenceRetention); err != nil || n == 0 || f.count("tracing_evidence") != 0 {
			t.Fatalf("purged %d rows: %v", n, err)
		}
		if f.count("tracing_links") != links {
			t.Fatal("links were purged")
		}
	})
}
