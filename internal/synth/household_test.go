package synth

import (
	"testing"

	"github.com/pccovid/pccovid/internal/vn"
)

// yearsBetween returns the completed years from date a to date b.
func yearsBetween(a, b vn.Date) int {
	y := b.Year - a.Year
	if b.Month < a.Month || b.Month == a.Month && b.Day < a.Day {
		y--
	}
	return y
}

func TestHouseholdStructure(t *testing.T) {
	t.Parallel()
	var (
		persons, households, twins, sharedCouples, couples, size3to5 int
		sizes                                                        [maxMembers + 1]int
	)
	for h := range population(t, 21, 100_000).Households() {
		households++
		n := len(h.Members)
		if n < 1 || n > maxMembers {
			t.Fatalf("household %d has %d members", h.Index, n)
		}
		sizes[n]++
		if n >= 3 && n <= 5 {
			size3to5++
		}
		checkHousehold(t, h)
		for _, m := range h.Members {
			persons++
			if m.Twin {
				twins++
			}
		}
		if n >= 2 && h.Members[1].FamilyRole == RoleSpouse {
			couples++
			if h.Members[0].PhoneShared {
				sharedCouples++
			}
		}
	}
	if h := households; size3to5 < h/2 || sizes[1] < h/20 || sizes[7] == 0 {
		t.Errorf("household sizes %v: want mostly 3–5, some alone, some of 7", sizes)
	}
	if mean := float64(persons) / float64(households); mean < 3 || mean > 4 {
		t.Errorf("mean household size %.2f, want 3–4", mean)
	}
	// About one birth in a hundred is of twins.
	if share := float64(twins) / float64(persons); share < 0.003 || share > 0.02 {
		t.Errorf("twins are %.2f%% of persons", 100*share)
	}
	if share := float64(sharedCouples) / float64(couples); share < 0.03 || share > 0.3 {
		t.Errorf("%.1f%% of couples share a phone", 100*share)
	}
	t.Logf("sizes %v, twins %d, couples sharing a phone %d of %d", sizes, twins, sharedCouples, couples)
}

// checkHousehold checks that members share the household's numbers and
// that generations are 20–45 years apart.
func checkHousehold(t *testing.T, h Household) {
	t.Helper()
	head := h.Members[0]
	if head.FamilyRole != RoleHead {
		t.Fatalf("household %d starts with a %s", h.Index, head.FamilyRole)
	}
	var spouse *Person
	for i := range h.Members {
		m := &h.Members[i]
		if m.HouseholdID != h.ID || m.WardCode != h.WardCode || m.Address != h.Address ||
			m.ProvinceCode != h.ProvinceCode || m.HouseholdIndex != h.Index || m.MemberIndex != i {
			t.Fatalf("member %d of household %d does not share its numbers", i, h.Index)
		}
		switch m.FamilyRole {
		case RoleHead:
			if i != 0 {
				t.Fatalf("household %d has two heads", h.Index)
			}
		case RoleSpouse:
			spouse = m
			if m.Sex == head.Sex {
				t.Fatalf("household %d: spouses of the same sex", h.Index)
			}
			if gap := yearsBetween(m.BirthDate, head.BirthDate); gap < -13 || gap > 13 {
				t.Fatalf("household %d: spouses %d years apart", h.Index, gap)
			}
		case RoleChild:
			checkGeneration(t, h, head, *m)
			if spouse != nil {
				checkGeneration(t, h, *spouse, *m)
			}
			if head.Sex == 'M' && m.FamilyName != head.FamilyName {
				t.Fatalf("household %d: child %q does not bear the father's name %q", h.Index, m.FullName, head.FamilyName)
			}
		case RoleParent:
			checkGeneration(t, h, *m, head)
		case RoleParentInLaw:
			checkGeneration(t, h, *m, *spouse)
		case RoleGrandchild:
			if age := yearsBetween(m.BirthDate, head.BirthDate); age > -40 {
				t.Fatalf("household %d: grandparent only %d years older", h.Index, -age)
			}
		}
		if m.Twin {
			checkTwin(t, h, i)
		}
	}
}

func checkGeneration(t *testing.T, h Household, parent, child Person) {
	t.Helper()
	if gap := yearsBetween(parent.BirthDate, child.BirthDate); gap < 20 || gap > 45 {
		t.Fatalf("household %d: %s %q born %s is %d years older than %s %q born %s",
			h.Index, parent.FamilyRole, parent.FullName, parent.BirthDate, gap, child.FamilyRole, child.FullName, child.BirthDate)
	}
}

// checkTwin checks that member i has a twin beside it: same birth date
// and family name, another given name, both with their own CCCD.
func checkTwin(t *testing.T, h Household, i int) {
	t.Helper()
	m := h.Members[i]
	for j, o := range h.Members {
		if j != i && o.Twin && o.BirthDate == m.BirthDate && (j == i-1 || j == i+1) {
			if o.FamilyName != m.FamilyName || o.GivenName == m.GivenName || o.CCCD == m.CCCD {
				t.Fatalf("household %d: twins %q and %q", h.Index, m.FullName, o.FullName)
			}
			return
		}
	}
	t.Fatalf("household %d: %q is a twin without a twin", h.Index, m.FullName)
}

// A population cut inside a household keeps no twin or shared phone whose
// other half was cut off.
func TestTruncatedHouseholdFlags(t *testing.T) {
	t.Parallel()
	for n := 1; n <= 400; n++ {
		var last Household
		for h := range population(t, int64(n), n).Households() {
			last = h
		}
		for i, m := range last.Members {
			if m.Twin {
				checkTwin(t, last, i)
			}
			if m.PhoneShared && len(last.Members) < 2 {
				t.Fatalf("n=%d: a lone member shares a phone", n)
			}
		}
	}
}
