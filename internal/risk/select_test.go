package risk_test

import (
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/risk"
)

func TestSelect(t *testing.T) {
	t.Parallel()
	country := risk.Default()
	hcmc := withRules(func(r *risk.RuleSet) {
		r.ID, r.Scope, r.EffectiveFrom, r.DosesNeeded = "hcmc-1", "79", vnTime(2021, 12, 1, 0, 0), 3
		r.CreatedAt = vnTime(2021, 11, 25, 9, 0)
	})
	hcmcFix := withRules(func(r *risk.RuleSet) {
		r.ID, r.Scope, r.EffectiveFrom, r.CreatedAt = "hcmc-1-fix", "79", hcmc.EffectiveFrom, vnTime(2021, 11, 26, 9, 0)
	})
	hcmcLater := withRules(func(r *risk.RuleSet) {
		r.ID, r.Scope, r.EffectiveFrom = "hcmc-2", "79", vnTime(2022, 1, 1, 0, 0)
	})
	countryLater := withRules(func(r *risk.RuleSet) { r.ID, r.EffectiveFrom = "vn-2", vnTime(2021, 12, 15, 0, 0) })
	all := []risk.RuleSet{country, hcmc, hcmcLater, countryLater}
	cases := []struct {
		name     string
		sets     []risk.RuleSet
		province string
		at       time.Time
		want     string
	}{
		{"the country's rules before the province's take effect", all, "79", vnTime(2021, 11, 30, 23, 59), country.ID},
		{"the province's from midnight of their day", all, "79", vnTime(2021, 12, 1, 0, 0), hcmc.ID},
		{"another province keeps the country's", all, "01", vnTime(2021, 12, 2, 0, 0), country.ID},
		{"an unknown residence gets the country's", all, "", vnTime(2021, 12, 2, 0, 0), country.ID},
		{"a newer country version does not undo a province's", all, "79", vnTime(2021, 12, 20, 0, 0), hcmc.ID},
		{"but applies elsewhere", all, "01", vnTime(2021, 12, 20, 0, 0), countryLater.ID},
		{"the province's newest version in force", all, "79", vnTime(2022, 1, 2, 0, 0), hcmcLater.ID},
		{"of two from the same day, the one added later", append(all, hcmcFix), "79", vnTime(2021, 12, 2, 0, 0), hcmcFix.ID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, ok := risk.Select(c.sets, c.province, c.at)
			if !ok || got.ID != c.want {
				t.Fatalf("Select = %q %v, want %q", got.ID, ok, c.want)
			}
		})
	}
	if _, ok := risk.Select(all, "79", vnTime(2021, 1, 1, 0, 0)); ok {
		t.Error("rules in force before the first version")
	}
}

func TestProvinceOf(t *testing.T) {
	t.Parallel()
	for area, want := range map[string]string{"00001": "01", "760": "79", "79": "79", "": "", "99999": ""} {
		if got := risk.ProvinceOf(area); got != want {
			t.Errorf("ProvinceOf(%q) = %q, want %q", area, got, want)
		}
	}
}
