package linkage

import (
	"slices"
	"strings"

	"github.com/pccovid/pccovid/internal/vn"
)

// Level is how well one field of two profiles agrees.
type Level uint8

// Levels, per field. Missing means one side lacks the field: no evidence
// either way.
const (
	Missing Level = iota
	// Names.
	NameMarked   // same name, same diacritics
	NameSame     // same folded name; diacritics unknown on one side
	NameReorder  // the same words in another order
	NameTypo     // one small typo (a letter dropped, doubled, swapped, changed)
	NameMiddle   // same family and given name, middle name differs or is missing
	NameConflict // same folded name, different diacritics on both sides (Hùng, Hưng)
	NameGiven    // same given name only
	NameOther    // different names
	// Birth dates.
	BirthSame    // the same full date
	BirthSwapped // day and month swapped
	BirthYear    // the same year; one side has only the year
	BirthSameYr  // both full, the same year, another day
	BirthNear    // one year apart
	BirthOther
	// Identity numbers (CCCD, CMND, passport, insurance card).
	IDSame
	IDTypo // one digit different
	IDOther
	// Sex.
	SexSame
	SexOther
	// Phones.
	PhoneSame
	PhoneOther
	// Places: the most precise unit both sides have.
	PlaceWard
	PlaceDistrict
	PlaceProvince
	PlaceOther
	// Household: the candidate is in the household the record points at.
	HouseholdSame
	HouseholdOther
	// Vaccination portal id.
	PortalSame
)

// levelNames are the levels' short names, stored with the evidence of
// millions of records; levelTexts say them in words for an official.
var levelNames = [...]string{
	Missing: "missing", NameMarked: "marked", NameSame: "same", NameReorder: "reorder", NameTypo: "typo",
	NameMiddle: "middle", NameConflict: "conflict", NameGiven: "given", NameOther: "other",
	BirthSame: "date", BirthSwapped: "swapped", BirthYear: "year", BirthSameYr: "sameyear", BirthNear: "near",
	BirthOther: "differs", IDSame: "equal", IDTypo: "onedigit", IDOther: "differs", SexSame: "equal", SexOther: "differs",
	PhoneSame: "equal", PhoneOther: "differs", PlaceWard: "ward", PlaceDistrict: "district", PlaceProvince: "province",
	PlaceOther: "differs", HouseholdSame: "equal", HouseholdOther: "differs", PortalSame: "equal",
}

var levelTexts = map[string]string{
	"missing": "missing", "marked": "same name", "same": "same name without diacritics", "reorder": "same words, other order",
	"typo": "name with a typo", "middle": "same family and given name", "conflict": "same letters, other diacritics",
	"given": "same given name only", "other": "different name", "date": "same birth date", "swapped": "day and month swapped",
	"year": "same birth year", "sameyear": "same year, other day", "near": "birth year one apart", "differs": "different",
	"equal": "same", "onedigit": "one digit different", "ward": "same ward", "district": "same district",
	"province": "same province",
}

// Text says a comparison in words: "birth_date: day and month swapped".
func (c Comparison) Text() string {
	n := c.Level.String()
	t, ok := levelTexts[n]
	if !ok {
		t = n
	}
	return c.Field.String() + ": " + t
}

// levelFields says which field each level belongs to, so that a stored
// short name ("differs", shared by several fields) reads back to its level.
var levelFields = map[Level]Field{
	NameMarked: FieldName, NameSame: FieldName, NameReorder: FieldName, NameTypo: FieldName, NameMiddle: FieldName,
	NameConflict: FieldName, NameGiven: FieldName, NameOther: FieldName,
	BirthSame: FieldBirth, BirthSwapped: FieldBirth, BirthYear: FieldBirth, BirthSameYr: FieldBirth,
	BirthNear: FieldBirth, BirthOther: FieldBirth, SexSame: FieldSex, SexOther: FieldSex,
	PhoneSame: FieldPhone, PhoneOther: FieldPhone, PlaceWard: FieldPlace, PlaceDistrict: FieldPlace,
	PlaceProvince: FieldPlace, PlaceOther: FieldPlace, HouseholdSame: FieldHousehold, HouseholdOther: FieldHousehold,
	PortalSame: FieldPortal,
}

// levelByName reads a stored level name back for its field.
func levelByName(f Field, name string) Level {
	for l, n := range levelNames {
		if n != name {
			continue
		}
		lf, ok := levelFields[Level(l)]
		switch f {
		case FieldCCCD, FieldCMND, FieldPassport, FieldCard:
			if Level(l) == IDSame || Level(l) == IDTypo || Level(l) == IDOther {
				return Level(l)
			}
		default:
			if ok && lf == f {
				return Level(l)
			}
		}
	}
	return Missing
}

func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "?"
}

// compareNames compares two profiles' names.
func compareNames(a, b *Profile) Level {
	switch {
	case a.Name == "" || b.Name == "":
		return Missing
	case a.Name == b.Name:
		if a.Marked != "" && b.Marked != "" {
			if a.Marked == b.Marked {
				return NameMarked
			}
			return NameConflict
		}
		return NameSame
	case a.Family() != b.Family() && sameFamily(a.Family(), b.Family()) && a.Name[len(a.Family()):] == b.Name[len(b.Family()):]:
		return NameSame
	case a.Family() == b.Family() && a.Given() == b.Given() && a.Middle() != b.Middle():
		// A dropped or extra middle name, not a typo inside one.
		if a.Middle() == "" || b.Middle() == "" || editDistanceAtMost1(a.Middle(), b.Middle()) {
			if a.Middle() != "" && b.Middle() != "" {
				return NameTypo
			}
			return NameMiddle
		}
		return NameMiddle
	case sameWords(a.Name, b.Name):
		return NameReorder
	case len(a.Name) >= 4 && oneTypoApart(a, b):
		return NameTypo
	case a.Given() == b.Given() || tailOf(a.Name, b.Name) || tailOf(b.Name, a.Name):
		return NameGiven
	}
	return NameOther
}

// tailOf reports whether short is the end of long's words — the given
// name, or a two-word given name ("Ngân Anh" of "Nguyễn Ngân Anh"), as
// people write on apps that only ask "your name" — allowing one typo.
func tailOf(short, long string) bool {
	var bs, bl [8]string
	ws, wl := words(short, bs[:0]), words(long, bl[:0])
	if len(ws) == 0 || len(ws) >= len(wl) {
		return false
	}
	wl = wl[len(wl)-len(ws):]
	typos := 0
	for i := range ws {
		if ws[i] == wl[i] {
			continue
		}
		if typos++; typos > 1 || len(ws[i]) < 3 || !typoWord(ws[i], wl[i]) {
			return false
		}
	}
	return true
}

// familyVariants are family names spelled differently in the north and the
// south of Vietnam for the same family: Hoàng/Huỳnh, Vũ/Võ. A person
// registered as Hoàng may write Huỳnh on a form.
var familyVariants = map[string]string{"huynh": "hoang", "vo": "vu"}

func sameFamily(a, b string) bool {
	if v, ok := familyVariants[a]; ok {
		a = v
	}
	if v, ok := familyVariants[b]; ok {
		b = v
	}
	return a == b
}

// oneTypoApart: the same number of words and one word one edit apart, or
// the whole folded name one edit apart (a space dropped or doubled).
func oneTypoApart(a, b *Profile) bool {
	if editDistanceAtMost1(a.Name, b.Name) {
		return true
	}
	var ba, bb [8]string
	wa, wb := words(a.Name, ba[:0]), words(b.Name, bb[:0])
	if len(wa) != len(wb) {
		return false
	}
	diff := 0
	for i := range wa {
		if wa[i] != wb[i] {
			diff++
			if diff > 1 || !typoWord(wa[i], wb[i]) {
				return false
			}
		}
	}
	return diff == 1
}

// typoWord: one edit apart, or two adjacent letters swapped.
func typoWord(a, b string) bool {
	return editDistanceAtMost1(a, b) || transposed(a, b)
}

func transposed(a, b string) bool {
	if len(a) != len(b) || len(a) < 2 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
}

// editDistanceAtMost1 reports whether a and b (ASCII) differ by at most one
// insertion, deletion or substitution.
func editDistanceAtMost1(a, b string) bool {
	la, lb := len(a), len(b)
	if la < lb {
		a, b, la, lb = b, a, lb, la
	}
	if la-lb > 1 {
		return false
	}
	i := 0
	for i < lb && a[i] == b[i] {
		i++
	}
	if la == lb {
		return i >= la-1 || a[i+1:] == b[i+1:]
	}
	return a[i+1:] == b[i:]
}

func sameWords(a, b string) bool {
	var ba, bb [8]string
	wa, wb := words(a, ba[:0]), words(b, bb[:0])
	if len(wa) != len(wb) || len(wa) < 2 {
		return false
	}
	slices.Sort(wa)
	slices.Sort(wb)
	return slices.Equal(wa, wb)
}

// words appends the words of a folded name to buf: strings.Fields without
// its allocation, since names are compared hundreds of millions of times
// in a national import and a buffer on the caller's stack holds them.
func words(name string, buf []string) []string {
	for name != "" {
		i := strings.IndexByte(name, ' ')
		if i < 0 {
			return append(buf, name)
		}
		if i > 0 {
			buf = append(buf, name[:i])
		}
		name = name[i+1:]
	}
	return buf
}

// compareBirth compares birth dates, one of which may be year-only.
func compareBirth(a, b vn.Date) Level {
	switch {
	case a.Year == 0 || b.Year == 0:
		return Missing
	case a.Month == 0 || b.Month == 0:
		switch a.Year - b.Year {
		case 0:
			return BirthYear
		case 1, -1:
			return BirthNear
		}
		return BirthOther
	case a == b:
		return BirthSame
	case a.Year == b.Year && a.Day == b.Month && a.Month == b.Day:
		return BirthSwapped
	case a.Year == b.Year:
		return BirthSameYr
	case (a.Year-b.Year == 1 || b.Year-a.Year == 1) && a.Month == b.Month && a.Day == b.Day:
		return BirthNear
	}
	return BirthOther
}

// compareID compares identity numbers of one kind.
func compareID(a, b string) Level {
	switch {
	case a == "" || b == "":
		return Missing
	case a == b:
		return IDSame
	case len(a) == len(b) && hamming(a, b) == 1:
		return IDTypo
	}
	return IDOther
}

func hamming(a, b string) int {
	n := 0
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

func compareSex(a, b vn.Sex) Level {
	if a == vn.SexUnknown || b == vn.SexUnknown || a == vn.SexOther || b == vn.SexOther {
		return Missing
	}
	if a == b {
		return SexSame
	}
	return SexOther
}

// comparePhones: any phone in common.
func comparePhones(a, b *Profile) (Level, string) {
	if len(a.Phones) == 0 || len(b.Phones) == 0 {
		return Missing, ""
	}
	for _, p := range a.Phones {
		if b.HasPhone(p) {
			return PhoneSame, p
		}
	}
	return PhoneOther, ""
}

// comparePlaces compares at the most precise level both sides have.
func comparePlaces(a, b *Profile) Level {
	switch {
	case a.Ward != "" && b.Ward != "":
		if a.Ward == b.Ward {
			return PlaceWard
		}
		if a.District != "" && a.District == b.District {
			return PlaceDistrict
		}
		if a.Province != "" && a.Province == b.Province {
			return PlaceProvince
		}
		return PlaceOther
	case a.District != "" && b.District != "":
		if a.District == b.District {
			return PlaceDistrict
		}
		if a.Province == b.Province {
			return PlaceProvince
		}
		return PlaceOther
	case a.Province != "" && b.Province != "":
		if a.Province == b.Province {
			return PlaceProvince
		}
		return PlaceOther
	}
	return Missing
}
