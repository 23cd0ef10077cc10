package checkin_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
)

// TestTracingQueries: a history loaded in bulk (its indexes dropped and
// built again, ending with the same indexes) answers who was near a
// person: within the distance, at the same venue, not the person.
func TestTracingQueries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, nil)
		v1, v2 := f.venue(t, operator), f.venue(t, operator)
		before := indexes(t, d)
		rebuild, err := f.svc.DropIndexesForLoad(ctx)
		if err != nil {
			t.Fatal(err)
		}
		at := func(min int) time.Time { return start.Add(time.Duration(min) * time.Minute) }
		var rows []checkin.CheckIn
		for i, x := range []struct {
			venue, person string
			min           int
		}{
			{v1.ID, "a", 0}, {v1.ID, "b", 30}, {v1.ID, "c", 61}, {v1.ID, "d", -60}, // b and d within the hour of a
			{v2.ID, "e", 10},                     // another venue
			{v1.ID, "a", 120}, {v1.ID, "f", 150}, // a again; c (61 min after a's first visit) is near this one only
		} {
			rows = append(rows, checkin.CheckIn{ID: "bulk-" + string(rune('a'+i)), VenueID: x.venue, PersonID: x.person, At: at(x.min),
				Method: checkin.MethodVenueQR, RecordedBy: x.person, CreatedAt: at(x.min)})
		}
		if err := f.svc.LoadHistory(ctx, rows); err != nil {
			t.Fatal(err)
		}
		if err := rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		if after := indexes(t, d); !slices.Equal(before, after) {
			t.Fatalf("indexes before %v, after %v", before, after)
		}
		vs, err := f.svc.CoVisits(ctx, []checkin.Window{{PersonID: "a", From: at(-5), To: at(200)}}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vs {
			got = append(got, v.Other+"@"+v.At.Sub(start).String())
		}
		slices.Sort(got)
		want := []string{"b@0s", "c@2h0m0s", "d@0s", "f@2h0m0s"}
		if !slices.Equal(got, want) {
			t.Fatalf("co-visits %v, want %v", got, want)
		}
		names, err := f.svc.VenueNames(ctx, []string{v1.ID, v2.ID, "nope"})
		if err != nil || len(names) != 2 || names[v1.ID] != "Quán Phở Thìn" {
			t.Fatalf("names %v %v", names, err)
		}
	})
}

// indexes lists the names of checkins' indexes.
func indexes(t *testing.T, d *db.DB) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'checkins' AND sql IS NOT NULL ORDER BY name"
	if d.Engine() == db.Postgres {
		q = "SELECT indexname FROM pg_indexes WHERE tablename = 'checkins' AND schemaname = current_schema() ORDER BY indexname"
	}
	rows, err := d.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	return out
}
