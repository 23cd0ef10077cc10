package declaration_test

import (
	"context"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/declaration"
)

func TestPurgeDeletesTravelDeclarationsPastRetention(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		cut := now.Add(-21 * 24 * time.Hour)
		decl := func(id, kind string, at time.Time) declaration.Declaration {
			return declaration.Declaration{ID: id, PersonID: f.an, Source: "vhd", RecordKey: id, Kind: kind, DeclaredAt: at,
				Transport: "FLIGHT", TransportNo: "VN 0113", Details: declaration.Details{Symptoms: []string{"cough"}}}
		}
		old := []declaration.Declaration{
			decl("old-domestic", declaration.KindDomestic, cut.Add(-time.Hour)),
			decl("old-entry", declaration.KindEntry, cut.Add(-30*24*time.Hour)),
			decl("old-ncovi", declaration.KindNCOVI, cut.Add(-time.Millisecond)),
		}
		kept := []declaration.Declaration{
			decl("old-selfcheck", declaration.KindSelfCheck, cut.Add(-time.Hour)),
			decl("recent-domestic", declaration.KindDomestic, cut.Add(time.Hour)),
		}
		if err := f.store.Insert(ctx, d, append(old, kept...)); err != nil {
			t.Fatal(err)
		}
		n, err := f.store.Purge(ctx, cut)
		if err != nil || n != int64(len(old)) {
			t.Fatalf("purge: %d, %v; want %d", n, err, len(old))
		}
		mine, err := f.svc.Mine(ctx, citizen(f.an), f.an)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, x := range mine {
			ids = append(ids, x.ID)
		}
		if len(ids) != 2 || ids[0] != "recent-domestic" || ids[1] != "old-selfcheck" {
			t.Errorf("left after purge: %v, want [recent-domestic old-selfcheck]", ids)
		}
		// A second run finds nothing more: the job is safe to repeat.
		if n, err := f.store.Purge(ctx, cut); err != nil || n != 0 {
			t.Errorf("second purge: %d, %v", n, err)
		}
	})
}
