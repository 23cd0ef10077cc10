package synth

import (
	"math/rand/v2"

	"github.com/pccovid/pccovid/internal/vn"
)

// Health-insurance groups and benefit levels follow Decision 1351/QĐ-BHXH
// (2015): level 1 pays 100 % without ceiling (children under six, people
// with merit), 2 pays 100 % with a ceiling (the poor, ethnic minorities in
// hard areas, social protection), 3 pays 95 % (retirees, the near-poor), 4
// pays 80 % (employees, civil servants, pupils, students, household-based),
// 5 the armed forces. Coverage was about 90 % of the population in 2021;
// the shares below give 88 %.

// situation is what decides a card: a group and its levels.
type situation struct {
	group  string
	levels string  // benefit levels: the first, then the others uniformly
	first  float64 // probability of the first level
}

var (
	sitTE = situation{"TE", "1", 1}
	sitHS = situation{"HS", "4", 1}
	sitSV = situation{"SV", "4", 1}
	sitDN = situation{"DN", "435", 0.88}
	sitHC = situation{"HC", "435", 0.9}
	sitGD = situation{"GD", "435", 0.88}
	sitHN = situation{"HN", "2", 1}
	sitCN = situation{"CN", "3", 1}
	sitDT = situation{"DT", "2", 1}
	sitQN = situation{"QN", "5", 1}
	sitCA = situation{"CA", "5", 1}
	sitHT = situation{"HT", "32", 0.55}
	sitBT = situation{"BT", "2", 1}
	sitCC = situation{"CC", "1", 1}
	sitKC = situation{"KC", "2", 1}
)

// noCard is the situation of a person without a card.
var noCard = situation{}

type weightedSituation struct {
	s situation
	w float64
}

// insurance holds the card distributions by stage of life.
type insurance struct {
	working, workingUpland, retired, oldest     []situation
	workingA, workingUplandA, retiredA, oldestA alias
	validTo, validToPension                     alias
}

var (
	validDates        = []vn.Date{{Year: 2022, Month: 12, Day: 31}, {Year: 2021, Month: 12, Day: 31}, {Year: 2022, Month: 6, Day: 30}, {Year: 2021, Month: 9, Day: 30}, {Year: 2022, Month: 9, Day: 30}}
	validWeights      = []float64{40, 25, 17, 12, 6}
	validPensionW     = []float64{70, 30, 0, 0, 0}
	childCardCeiling  = dayOf(2022, 12, 31)
	workingSituations = []weightedSituation{
		{sitDN, 36}, {sitHC, 8}, {sitGD, 30}, {sitHN, 3}, {sitCN, 2}, {sitDT, 2}, {sitQN, 0.6}, {sitCA, 0.4}, {noCard, 18},
	}
	// In the northern uplands and the Central Highlands the state pays
	// the cards of ethnic minorities and the poor.
	uplandSituations = []weightedSituation{
		{sitDN, 15}, {sitHC, 7}, {sitGD, 15}, {sitHN, 12}, {sitCN, 4}, {sitDT, 35}, {sitQN, 0.6}, {sitCA, 0.4}, {noCard, 11},
	}
	retiredSituations = []weightedSituation{
		{sitHT, 30}, {sitCC, 3}, {sitKC, 2}, {sitGD, 45}, {sitHN, 3}, {sitCN, 2}, {noCard, 15},
	}
	// Everyone from 80 without a pension gets a social-protection card.
	oldestSituations = []weightedSituation{
		{sitHT, 30}, {sitCC, 5}, {sitKC, 5}, {sitBT, 50}, {sitGD, 5}, {noCard, 5},
	}
)

func splitSituations(list []weightedSituation) ([]situation, alias) {
	s := make([]situation, len(list))
	w := make([]float64, len(list))
	for i, x := range list {
		s[i], w[i] = x.s, x.w
	}
	return s, newAlias(w)
}

func newInsurance() *insurance {
	in := &insurance{}
	in.working, in.workingA = splitSituations(workingSituations)
	in.workingUpland, in.workingUplandA = splitSituations(uplandSituations)
	in.retired, in.retiredA = splitSituations(retiredSituations)
	in.oldest, in.oldestA = splitSituations(oldestSituations)
	in.validTo = newAlias(validWeights)
	in.validToPension = newAlias(validPensionW)
	return in
}

// situationOf draws the card situation of a person, noCard for none.
// Retirement age in 2021 was 60 for men and 55 for women.
func (in *insurance) situationOf(r *rand.Rand, age int, sex byte, p *province) situation {
	retire := 60
	if sex == 'F' {
		retire = 55
	}
	switch {
	case age < 6:
		return pickIf(r, 0.97, sitTE)
	case age < 18:
		return pickIf(r, 0.93, sitHS)
	case age < 23 && chance(r, 0.3):
		return pickIf(r, 0.95, sitSV)
	case age < retire && (p.region == regionMountain || p.region == regionHighlands):
		return in.workingUpland[in.workingUplandA.pick(r)]
	case age < retire:
		return in.working[in.workingA.pick(r)]
	case age < 80:
		return in.retired[in.retiredA.pick(r)]
	}
	return in.oldest[in.oldestA.pick(r)]
}

func pickIf(r *rand.Rand, p float64, s situation) situation {
	if chance(r, p) {
		return s
	}
	return noCard
}

// card issues the card of a person in a situation.
func (in *insurance) card(r *rand.Rand, s situation, birth int, p *province, ids *issuer, buf []byte) *Card {
	level := s.levels[0]
	if len(s.levels) > 1 && !chance(r, s.first) {
		level = s.levels[1+r.IntN(len(s.levels)-1)]
	}
	buf = append(append(buf[:0], s.group...), level)
	buf = append(buf, p.code...)
	buf = ids.bhxh(p, buf)
	number := string(buf)
	c := &Card{BHXHCode: number[5:], CardNumber: number}
	switch s.group {
	case "TE":
		// Valid until the day before the sixth birthday.
		b := dateOf(birth)
		c.ValidTo = dateOf(min(dayOf(b.Year+6, b.Month, b.Day)-1, childCardCeiling))
	case "HT", "BT", "CC", "KC":
		c.ValidTo = validDates[in.validToPension.pick(r)]
	default:
		c.ValidTo = validDates[in.validTo.pick(r)]
	}
	return c
}
