package synth

import "math/rand/v2"

// Household composition. Ages are handled in days before the extract day;
// the shape of each household type follows the 2019 census (average 3.5
// persons; a tenth live alone; a fifth live with three generations).

// maxMembers bounds a household.
const maxMembers = 7

// kind is a type of household.
type kind uint8

const (
	kindSingle       kind = iota // one person
	kindCouple                   // a couple without children at home
	kindNuclear                  // a couple and their children
	kindSingleParent             // one parent and children
	kindThreeGen                 // grandparents, a couple and their children
	kindSkipped                  // grandparents and grandchildren
)

var kindWeights = []float64{
	kindSingle: 0.10, kindCouple: 0.13, kindNuclear: 0.48,
	kindSingleParent: 0.07, kindThreeGen: 0.19, kindSkipped: 0.03,
}

// band is an age range in years with its weight.
type band struct{ lo, hi, w float64 }

// ages draws an age in days from weighted bands, uniform inside a band.
type ages struct {
	bands []band
	a     alias
}

func newAges(bands ...band) ages {
	w := make([]float64, len(bands))
	for i, b := range bands {
		w[i] = b.w
	}
	return ages{bands: bands, a: newAlias(w)}
}

func (a *ages) draw(r *rand.Rand) int {
	b := a.bands[a.a.pick(r)]
	return years(b.lo + r.Float64()*(b.hi-b.lo))
}

// years converts a duration in years to days.
func years(y float64) int { return int(y * daysPerYear) }

// demography holds the distributions households are drawn from.
type demography struct {
	kinds        alias
	singleAge    ages
	youngWife    ages
	oldWife      ages
	mother       ages // mother in a nuclear household
	coreMother   ages // mother in a three-generation household
	singleParent ages
	grandmother  ages // grandmother raising grandchildren
	firstBirth   ages // mother's age at her first child
	children     alias
	spouseGap    alias // husband's age minus wife's, years+3
}

func newDemography() *demography {
	return &demography{
		kinds: newAlias(kindWeights),
		singleAge: newAges(band{18, 25, 10}, band{25, 35, 26}, band{35, 50, 15}, band{50, 60, 10},
			band{60, 70, 16}, band{70, 80, 12}, band{80, 101, 10}),
		youngWife:    newAges(band{20, 35, 1}),
		oldWife:      newAges(band{48, 60, 30}, band{60, 70, 42}, band{70, 80, 20}, band{80, 95, 8}),
		mother:       newAges(band{22, 30, 14}, band{30, 40, 34}, band{40, 50, 32}, band{50, 60, 20}),
		coreMother:   newAges(band{20, 30, 30}, band{30, 40, 40}, band{40, 50, 25}, band{50, 55, 5}),
		singleParent: newAges(band{25, 35, 25}, band{35, 45, 35}, band{45, 55, 28}, band{55, 62, 12}),
		grandmother:  newAges(band{48, 60, 35}, band{60, 70, 40}, band{70, 82, 25}),
		firstBirth:   newAges(band{20, 23, 25}, band{23, 27, 40}, band{27, 31, 23}, band{31, 36, 12}),
		children:     newAlias([]float64{0, 0.30, 0.47, 0.16, 0.07}),
		spouseGap:    newAlias([]float64{1, 2, 4, 8, 10, 12, 12, 10, 8, 6, 4, 3, 2, 1, 1, 1}),
	}
}

// Limits on the age of a parent at a child's birth.
var (
	minParentGap = years(20) + 3 // three days' margin keeps 20 completed years
	maxMotherGap = years(44)
	maxParentGap = years(45) - 3
	maxAge       = years(100)
)

// draft is a member before names and numbers are given.
type draft struct {
	role   Role
	sex    byte
	age    int // days before the extract day
	family int // index of the member whose family name this one bears; itself for a new name
	origin int // province index of birth registration; -1 until decided
	twin   bool
}

// composer builds the drafts of one household.
type composer struct {
	d      *demography
	r      *rand.Rand
	drafts []draft
}

func (c *composer) add(role Role, sex byte, age, family int) int {
	i := len(c.drafts)
	if family < 0 {
		family = i
	}
	c.drafts = append(c.drafts, draft{role: role, sex: sex, age: max(age, 1), family: family, origin: -1})
	return i
}

func (c *composer) compose() {
	c.drafts = c.drafts[:0]
	switch kind(c.d.kinds.pick(c.r)) {
	case kindSingle:
		c.single()
	case kindCouple:
		c.couple()
	case kindNuclear:
		c.family(c.d.mother.draw(c.r), true, 0)
	case kindSingleParent:
		c.family(c.d.singleParent.draw(c.r), chance(c.r, 0.2), 0)
	case kindThreeGen:
		c.family(c.d.coreMother.draw(c.r), true, 1+c.r.IntN(2))
	case kindSkipped:
		c.skipped()
	}
}

func (c *composer) single() {
	age := c.d.singleAge.draw(c.r)
	sex := byte('M')
	if chance(c.r, 0.45) && age < years(60) || chance(c.r, 0.7) && age >= years(60) {
		sex = 'F'
	}
	c.add(RoleHead, sex, age, -1)
}

func (c *composer) couple() {
	wife := c.d.oldWife.draw(c.r)
	if chance(c.r, 0.4) {
		wife = c.d.youngWife.draw(c.r)
	}
	husband := min(wife+c.gap(-years(3), years(12)), maxAge)
	c.add(RoleHead, 'M', husband, -1)
	c.add(RoleSpouse, 'F', wife, -1)
}

// gap draws the husband's age minus the wife's, within [lo, hi] days:
// mostly two to four years, from three younger to twelve older.
func (c *composer) gap(lo, hi int) int {
	g := years(float64(c.d.spouseGap.pick(c.r)-3) + c.r.Float64())
	return min(max(g, lo), hi)
}

// family adds a mother (and a father when couple), their children, and
// grandparents. A single parent is the father one time in five.
func (c *composer) family(mother int, couple bool, grandparents int) {
	kids := c.children(mother, maxMembers-2-grandparents)
	youngest, eldest := mother, 0
	for _, k := range kids {
		youngest, eldest = min(youngest, k.age), max(eldest, k.age)
	}
	// The father is 20–45 years older than each child.
	father := mother + c.gap(max(-years(3), minParentGap-(mother-eldest)), maxParentGap-(mother-youngest))
	if len(kids) == 0 {
		father = mother + c.gap(-years(3), years(12))
	}
	var head, spouse int
	switch {
	case couple:
		head = c.add(RoleHead, 'M', father, -1)
		spouse = c.add(RoleSpouse, 'F', mother, -1)
	case chance(c.r, 0.8):
		head, spouse = c.add(RoleHead, 'F', mother, -1), -1
	default:
		head, spouse = c.add(RoleHead, 'M', father, -1), -1
	}
	c.grandparents(grandparents, head, spouse)
	surname := head
	if !couple && c.drafts[head].sex == 'F' && !chance(c.r, 0.1) {
		surname = -1 // the absent father's name
	}
	firstKid := -1
	for _, k := range kids {
		i := c.add(RoleChild, k.sex, k.age, surname)
		if surname < 0 {
			if firstKid < 0 {
				firstKid = i
			}
			c.drafts[i].family = firstKid
		}
		c.drafts[i].twin = k.twin
	}
}

// grandparents adds n parents of the head (the husband's, more often) or
// of the spouse, aged 20–45 years more than their child.
func (c *composer) grandparents(n, head, spouse int) {
	if n == 0 {
		return
	}
	child, role := head, RoleParent
	if spouse >= 0 && chance(c.r, 0.25) {
		child, role = spouse, RoleParentInLaw
	}
	childAge := c.drafts[child].age
	grandma := childAge + years(20.1+c.r.Float64()*20)
	if grandma > maxAge {
		return
	}
	grandpa := grandma + c.gap(max(-years(3), minParentGap-(grandma-childAge)), maxParentGap-(grandma-childAge))
	// The grandfather passed his family name on to his child; the
	// grandmother kept her own.
	if n == 2 && grandpa <= maxAge {
		c.add(role, 'M', grandpa, child)
		c.add(role, 'F', grandma, -1)
		return
	}
	if chance(c.r, 0.25) && grandpa <= maxAge {
		c.add(role, 'M', grandpa, child)
		return
	}
	c.add(role, 'F', grandma, -1)
}

// skipped adds grandparents raising grandchildren whose parents work away.
func (c *composer) skipped() {
	grandma := c.d.grandmother.draw(c.r)
	parent := grandma - years(20.1+c.r.Float64()*min(15, float64(grandma)/daysPerYear-44))
	var kids []kid
	for _, k := range c.children(parent, 3) {
		if k.age < years(18) {
			kids = append(kids, k)
		}
	}
	if len(kids) == 0 {
		kids = append(kids, kid{sex: c.sex(), age: 1 + c.r.IntN(min(years(17), parent-minParentGap))})
	}
	head := c.add(RoleHead, 'F', grandma, -1)
	if chance(c.r, 0.6) {
		grandpa := min(grandma+c.gap(-years(3), years(12)), maxAge)
		c.drafts[head] = draft{role: RoleHead, sex: 'M', age: grandpa, family: head, origin: -1}
		c.add(RoleSpouse, 'F', grandma, -1)
	}
	surname := head // children of the grandparents' son
	if chance(c.r, 0.35) || c.drafts[head].sex == 'F' {
		surname = -1
	}
	first := -1
	for _, k := range kids {
		i := c.add(RoleGrandchild, k.sex, k.age, surname)
		if surname < 0 {
			if first < 0 {
				first = i
			}
			c.drafts[i].family = first
		}
		c.drafts[i].twin = k.twin
	}
}

type kid struct {
	sex  byte
	age  int
	twin bool
}

// children draws up to limit children still living at home, eldest first,
// for a mother of the given age: her first birth at 20–36, then one every
// one to six years until 44. Adult children have often left home; about one
// birth in a hundred is of twins.
func (c *composer) children(mother, limit int) []kid {
	var kids []kid
	want := c.d.children.pick(c.r)
	at := max(c.d.firstBirth.draw(c.r), minParentGap) // mother's age at the birth
	if at > mother-1 {
		at = minParentGap + c.r.IntN(max(mother-minParentGap, 1))
	}
	for births := 0; births < want && at < maxMotherGap && len(kids) < limit; births++ {
		age := mother - at
		if age <= 0 {
			break
		}
		twins := chance(c.r, 0.012) && len(kids)+2 <= limit
		if c.atHome(age) {
			kids = append(kids, kid{sex: c.sex(), age: age, twin: twins})
			if twins {
				kids = append(kids, kid{sex: c.twinSex(kids[len(kids)-1].sex), age: age, twin: true})
			}
		}
		at += years(1.2 + c.r.ExpFloat64()*1.8)
	}
	return kids
}

// atHome decides whether a child of that age still lives with the parents:
// unmarried children stay, married ones mostly leave.
func (c *composer) atHome(age int) bool {
	switch {
	case age < years(22):
		return true
	case age < years(27):
		return chance(c.r, 0.6)
	case age < years(33):
		return chance(c.r, 0.3)
	}
	return chance(c.r, 0.1)
}

// sex draws a newborn's sex: Vietnam's sex ratio at birth is about 112
// boys for 100 girls.
func (c *composer) sex() byte {
	if chance(c.r, 0.528) {
		return 'M'
	}
	return 'F'
}

// twinSex draws the second twin's sex: identical twins (a third) share it,
// fraternal twins draw their own.
func (c *composer) twinSex(first byte) byte {
	if chance(c.r, 1.0/3) {
		return first
	}
	return c.sex()
}
