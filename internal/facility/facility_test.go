package facility_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
)

var (
	start  = time.Date(2021, 10, 1, 9, 0, 0, 0, time.UTC)
	admin  = access.Actor{Kind: access.KindOfficial, ID: "admin1", Name: "admin", Role: access.RoleAdmin, Scope: access.Country}
	health = access.Actor{Kind: access.KindOfficial, ID: "yte1", Name: "yte", Role: access.RoleHealthOfficial, Scope: access.Country}
)

func newStore(t *testing.T, d *db.DB) (*facility.Store, *clock.Fake) {
	t.Helper()
	kf, _ := seal.NewKeyFile(start)
	ring, _ := kf.Ring()
	c := clock.NewFake(start)
	return facility.NewStore(d, access.NewGuard(access.NewTrail(d, seal.NewSealer(ring), c)), c), c
}

func TestFacilityKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, c := newStore(t, d)
		if _, err := s.Create(ctx, health, facility.New{Code: "HCDC", Name: "HCDC", Kind: "lab"}); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("a health official registered a facility: %v", err)
		}
		f, err := s.Create(ctx, admin, facility.New{Code: " hcdc ", Name: "Trung tâm Kiểm soát bệnh tật TP.HCM", Kind: "lab", Province: "79"})
		if err != nil {
			t.Fatal(err)
		}
		if f.Code != "HCDC" {
			t.Fatalf("code %q", f.Code)
		}
		if _, err := s.Create(ctx, admin, facility.New{Code: "HCDC", Name: "again", Kind: "lab"}); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("a second facility with the same code: %v", err)
		}
		k, text, err := s.IssueKey(ctx, admin, f.ID, "LIS")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(text, "pcf_"+k.ID+"_") {
			t.Fatalf("key text %q", text)
		}
		var stored []byte
		d.QueryRow(ctx, "SELECT secret_hash FROM facility_keys WHERE id = $1", k.ID).Scan(&stored)
		if strings.Contains(text, string(stored)) || len(stored) != 32 {
			t.Fatal("the key's secret is not stored hashed")
		}
		got, err := s.Authenticate(ctx, text)
		if err != nil || got.ID != f.ID {
			t.Fatalf("authenticate: %v %v", got, err)
		}
		if a := got.Actor(); a.Kind != access.KindIntegrator || a.Role != access.RoleIntegrator || a.ID != f.ID {
			t.Fatalf("actor %+v", a)
		}
		for name, bad := range map[string]string{
			"empty":      "",
			"garbage":    "hello",
			"wrong":      wrongKey(text),
			"unknown id": "pcf_aaaaaaaaaaaaaaaa_" + text[len("pcf_")+17:],
		} {
			if _, err := s.Authenticate(ctx, bad); !errors.Is(err, problem.ErrUnauthorized) {
				t.Errorf("%s key: %v", name, err)
			}
		}
		c.Advance(time.Hour)
		if err := s.RevokeKey(ctx, admin, f.ID, k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, text); !errors.Is(err, facility.ErrBadKey) {
			t.Fatalf("a revoked key works: %v", err)
		}
		keys, _ := s.Keys(ctx, f.ID)
		if len(keys) != 1 || keys[0].Active() || keys[0].RevokedBy != admin.ID || keys[0].LastUsedAt.IsZero() {
			t.Fatalf("keys %+v", keys)
		}
		_, text2, _ := s.IssueKey(ctx, admin, f.ID, "")
		if err := s.SetDisabled(ctx, admin, f.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, text2); !errors.Is(err, facility.ErrBadKey) {
			t.Fatalf("a disabled facility's key works: %v", err)
		}
		if err := s.RevokeKey(ctx, admin, f.ID, "nope"); !errors.Is(err, problem.ErrNotFound) {
			t.Fatalf("revoke unknown: %v", err)
		}
	})
}

func TestCreateRefusesBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newStore(t, d)
		_, err := s.Create(context.Background(), admin, facility.New{Code: "x", Name: "", Kind: "zoo", Province: "99"})
		var fs problem.Fields
		if !errors.As(err, &fs) || len(fs) != 4 {
			t.Fatalf("want four field errors, got %v", err)
		}
	})
}

// wrongKey changes one character inside the secret of a key text, not the
// last, whose low bits are padding the decoder ignores: a key whose last
// two characters were replaced by "aa" sometimes decoded to its own secret.
func wrongKey(text string) string {
	i := len(text) - 5
	c := byte('a')
	if text[i] == 'a' {
		c = 'b'
	}
	return text[:i] + string(c) + text[i+1:]
}
