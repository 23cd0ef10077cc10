package checkin_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/problem"
)

func TestRegisterVenueValidatesEachField(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, nil)
		ctx := context.Background()
		tests := []struct {
			name  string
			edit  func(*checkin.NewVenue)
			owner access.Actor
			field string
		}{
			{"empty name", func(n *checkin.NewVenue) { n.Name = "  " }, citizenA, "name"},
			{"long name", func(n *checkin.NewVenue) { n.Name = strings.Repeat("ạ", 121) }, citizenA, "name"},
			{"unknown kind", func(n *checkin.NewVenue) { n.Kind = "casino" }, citizenA, "kind"},
			{"no province", func(n *checkin.NewVenue) { n.Province = "" }, citizenA, "province"},
			{"district of another province", func(n *checkin.NewVenue) { n.District = "760" }, citizenA, "district"},
			{"ward of another district", func(n *checkin.NewVenue) { n.Ward = "00040" }, citizenA, "ward"},
			{"free-text ward", func(n *checkin.NewVenue) { n.Ward = "Phúc Xá" }, citizenA, "ward"},
			{"no address", func(n *checkin.NewVenue) { n.Address = "" }, citizenA, "address"},
			{"capacity not a number", func(n *checkin.NewVenue) { n.Capacity = "nhiều" }, citizenA, "capacity"},
			{"capacity zero", func(n *checkin.NewVenue) { n.Capacity = "0" }, citizenA, "capacity"},
			{"official outside their area", func(n *checkin.NewVenue) {
				n.Province, n.District, n.Ward = "79", "760", "26734"
			}, operator, "ward"},
		}
		for _, tc := range tests {
			n := goodVenue()
			tc.edit(&n)
			_, err := f.svc.RegisterVenue(ctx, tc.owner, n)
			var fs problem.Fields
			if !errors.As(err, &fs) || len(fs) != 1 || fs[0].Field != tc.field || fs[0].Vi == "" || fs[0].En == "" {
				t.Errorf("%s: error %v, want one bilingual error on %s", tc.name, err, tc.field)
			}
		}
		var n int
		d.QueryRow(ctx, "SELECT count(*) FROM venues").Scan(&n)
		if n != 0 {
			t.Fatalf("%d venues stored after refusals", n)
		}
	})
}

func TestRegisterVenueAndOwnership(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, nil)
		ctx := context.Background()
		v := f.venue(t, operator)
		if len(v.Code) != 8 || v.WardCode != "00001" || v.Capacity != 40 {
			t.Fatalf("venue %+v", v)
		}
		if got := v.FullAddress(); got != "13 Lò Đúc, Phường Phúc Xá, Quận Ba Đình, Thành phố Hà Nội" {
			t.Fatalf("full address %q", got)
		}
		if _, err := f.svc.RegisterVenue(ctx, access.Actor{Kind: access.KindOfficial, ID: "x", Role: access.RoleHealthOfficial, Scope: access.Country}, goodVenue()); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("a health official registered a venue: %v", err)
		}
		if _, err := f.svc.VenueFor(ctx, citizenA, v.ID); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("someone else's venue: %v", err)
		}
		mine, err := f.svc.VenuesOf(ctx, operator)
		if err != nil || len(mine) != 1 || mine[0].ID != v.ID {
			t.Fatalf("venues of the operator: %v %v", mine, err)
		}
		got, err := f.svc.VenueByCode(ctx, checkin.FormatCode(v.Code))
		if err != nil || got.ID != v.ID {
			t.Fatalf("by code: %v %v", got, err)
		}
	})
}

func TestParseCodeCatchesTypos(t *testing.T) {
	t.Parallel()
	good := "ABCD2345"
	// Make it valid: find the check symbol that fits.
	for _, c := range "23456789ABCDEFGHJKMNPQRSTVWXYZ" {
		if _, err := checkin.ParseCode(good[:7] + string(c)); err == nil {
			good = good[:7] + string(c)
			break
		}
	}
	if _, err := checkin.ParseCode(good); err != nil {
		t.Fatal(err)
	}
	if got, err := checkin.ParseCode(" " + good[:4] + "-" + good[4:] + " "); err != nil || got != good {
		t.Fatalf("dashed, spaced: %q %v", got, err)
	}
	lower := []byte(good)
	for i := range lower {
		if lower[i] >= 'A' && lower[i] <= 'Z' {
			lower[i] += 'a' - 'A'
		}
	}
	if got, err := checkin.ParseCode(string(lower)); err != nil || got != good {
		t.Fatalf("lower case: %q %v", got, err)
	}
	// Every single substitution and every adjacent swap is caught.
	for i := 0; i < len(good); i++ {
		for _, c := range "23456789ABCDEFGHJKMNPQRSTVWXYZ" {
			if byte(c) == good[i] {
				continue
			}
			typo := good[:i] + string(c) + good[i+1:]
			if _, err := checkin.ParseCode(typo); err == nil {
				t.Errorf("typo %s accepted", typo)
			}
		}
	}
	for _, bad := range []string{"", "ABC", "ABCD23456", "ABCD234O", "ÀBCD2345"} {
		if _, err := checkin.ParseCode(bad); !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("ParseCode(%q) = %v", bad, err)
		}
	}
}
