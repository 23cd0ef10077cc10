package synth

import (
	"fmt"
	"strings"
	"testing"
)

// tally counts persons by a property.
type tally map[string]int

func (t tally) share(k string, total int) float64 { return float64(t[k]) / float64(total) }

// TestDistributions checks the shares that make demos and linkage tests
// meaningful, on 200,000 persons.
func TestDistributions(t *testing.T) {
	t.Parallel()
	const n = 200_000
	var (
		family, province, group, ageBand tally = tally{}, tally{}, tally{}, tally{}
		adults, adultPhones, kidPhones   int
		insured, bornHome, oldest        int
	)
	for m := range population(t, 31, n).All() {
		age := yearsBetween(m.BirthDate, ExtractDate())
		family[m.FamilyName]++
		province[m.ProvinceCode]++
		switch {
		case age < 15:
			ageBand["0-14"]++
			if m.Phone != "" {
				kidPhones++
			}
		case age < 65:
			ageBand["15-64"]++
		default:
			ageBand["65+"]++
		}
		if age >= 15 && age <= 75 {
			adults++
			if m.Phone != "" {
				adultPhones++
			}
		}
		oldest = max(oldest, age)
		if m.Insurance != nil {
			insured++
			group[m.Insurance.Group()]++
		}
		if m.BirthProvince == m.ProvinceCode {
			bornHome++
		}
	}
	checks := []struct {
		what   string
		got    float64
		lo, hi float64
	}{
		{"Nguyễn", family.share("Nguyễn", n), 0.34, 0.42},
		{"Trần", family.share("Trần", n), 0.08, 0.14},
		{"Lê", family.share("Lê", n), 0.07, 0.12},
		{"aged 0–14", ageBand.share("0-14", n), 0.20, 0.30},
		{"aged 65+", ageBand.share("65+", n), 0.05, 0.12},
		{"phones among 15–75", float64(adultPhones) / float64(adults), 0.8, 0.95},
		{"insured", float64(insured) / n, 0.85, 0.90},
		{"born in the province of residence", float64(bornHome) / n, 0.75, 0.95},
		{"Hồ Chí Minh City", province.share("79", n), 0.07, 0.12},
		{"Hà Nội", province.share("01", n), 0.07, 0.11},
	}
	var report []string
	for _, c := range checks {
		report = append(report, fmt.Sprintf("%s %.1f%%", c.what, 100*c.got))
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("%s: %.1f%%, want %.0f–%.0f%%", c.what, 100*c.got, 100*c.lo, 100*c.hi)
		}
	}
	t.Log(strings.Join(report, ", "))
	if kidPhones != 0 {
		t.Errorf("%d children under 15 have a phone", kidPhones)
	}
	if oldest < 90 {
		t.Errorf("oldest person is %d", oldest)
	}
	for _, g := range []string{"TE", "HS", "SV", "DN", "HC", "GD", "HT"} {
		if group[g] == 0 {
			t.Errorf("no %s card", g)
		}
	}
}

// Common names collide as in reality: many people share a full name and a
// birth year with someone else.
func TestNameCollisions(t *testing.T) {
	t.Parallel()
	const n = 200_000
	seen := make(map[string]int, n)
	for m := range population(t, 41, n).All() {
		seen[fmt.Sprint(m.FullName, m.BirthDate.Year)]++
	}
	shared := 0
	for _, c := range seen {
		if c > 1 {
			shared += c
		}
	}
	share := float64(shared) / n
	t.Logf("%.1f%% of %d persons share their full name and birth year with another", 100*share, n)
	if share < 0.08 || share > 0.4 {
		t.Errorf("%.1f%% share name and birth year, want 8–40%%", 100*share)
	}
	if seen["Nguyễn Văn Hùng1980"] < 2 {
		t.Errorf("Nguyễn Văn Hùng born 1980 is %d persons", seen["Nguyễn Văn Hùng1980"])
	}
}

// Identity numbers were issued in runs: changing the last digit of most
// CCCDs gives another real person's number.
func TestCCCDTypoHitsAnotherPerson(t *testing.T) {
	t.Parallel()
	const n = 200_000
	issued := make(map[string]bool, n)
	var all []string
	for m := range population(t, 51, n).All() {
		issued[m.CCCD] = true
		all = append(all, m.CCCD)
	}
	hits := 0
	for _, c := range all {
		b := []byte(c)
		for _, d := range []byte{b[11] + 1, b[11] - 1} {
			if d >= '0' && d <= '9' {
				b[11] = d
				if issued[string(b)] {
					hits++
					break
				}
			}
		}
	}
	share := float64(hits) / n
	t.Logf("%.1f%% of CCCDs are one last-digit typo away from another person's", 100*share)
	if share < 0.5 {
		t.Errorf("only %.1f%% of CCCDs have a real neighbour number", 100*share)
	}
}
