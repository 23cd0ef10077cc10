package synth

import "github.com/pccovid/pccovid/internal/vn"

// Person is one person of the synthetic population, as the population
// database knows them, plus what later generators need to derive the
// legacy records of the same person (their place in the household, their
// name parts, whether their phone is shared).
type Person struct {
	// Index is the person's 0-based position in the population.
	Index int
	// HouseholdIndex is the 0-based position of the person's household;
	// MemberIndex the person's position inside it (0 is the head).
	HouseholdIndex, MemberIndex int
	// FamilyRole is the person's place in the family, relative to the
	// head.
	FamilyRole Role

	// CCCD is the 12-digit citizen identity number: birth province, sex
	// and century, year of birth, serial.
	CCCD string
	// OldID is the 9-digit CMND the person held before, or "".
	OldID string

	// FullName is family name, middle names and given name, NFC, in the
	// form vn.NormalizeName returns. FamilyName, MiddleName (possibly
	// empty or two words) and GivenName are its parts, as vn.NameParts
	// splits them.
	FullName                          string
	FamilyName, MiddleName, GivenName string

	// BirthDate is the date of birth, before ExtractDate.
	BirthDate vn.Date
	// Sex is 'M' or 'F'.
	Sex byte
	// BirthProvince is the 2-digit GSO code of the province where the
	// birth was registered (the one in the CCCD); usually the residence
	// province, for migrants another.
	BirthProvince string

	// ProvinceCode and WardCode are the 2-digit and 5-digit GSO codes of
	// permanent residence; Address is the street part of it. Members of a
	// household share them.
	ProvinceCode, WardCode, Address string
	// HouseholdID is the 10-digit household book number, shared by the
	// household.
	HouseholdID string

	// Phone is a 10-digit mobile number "0xxxxxxxxx", or "".
	Phone string
	// PhoneShared is true when the same number is on the spouse's row
	// (the couple use one phone); every other number belongs to one
	// person.
	PhoneShared bool

	// Insurance is the person's health-insurance card, or nil.
	Insurance *Card

	// Twin is true for a person whose twin is in the same household: same
	// birth date and family name, a different given name.
	Twin bool
}

// Card is a health-insurance card (thẻ BHYT).
type Card struct {
	// BHXHCode is the 10-digit social insurance number.
	BHXHCode string
	// CardNumber is the 15-character card number: beneficiary group (2
	// letters), benefit level (1 digit), province code (2 digits), then
	// BHXHCode.
	CardNumber string
	// ValidTo is the last day the card is valid.
	ValidTo vn.Date
}

// Group returns the 2-letter beneficiary group of the card: TE children
// under six, HS pupils, SV students, DN employees, HC civil servants, GD
// household-based, HT retirees, and the state-paid groups (HN, CN, BT, CC,
// KC, DT, QN, CA).
func (c *Card) Group() string { return c.CardNumber[:2] }

// Level returns the benefit level 1–5 of the card.
func (c *Card) Level() int { return int(c.CardNumber[2] - '0') }

// Role is a person's place in their household, relative to its head.
type Role uint8

// Roles. In a household of grandparents and grandchildren the head is a
// grandparent.
const (
	RoleHead        Role = iota
	RoleSpouse           // the head's husband or wife
	RoleChild            // a child of the head (and of the spouse, when there is one)
	RoleParent           // a parent of the head
	RoleParentInLaw      // a parent of the spouse
	RoleGrandchild       // a grandchild of the head
)

// String returns "head", "spouse", "child", "parent", "parent-in-law" or
// "grandchild".
func (r Role) String() string {
	switch r {
	case RoleHead:
		return "head"
	case RoleSpouse:
		return "spouse"
	case RoleChild:
		return "child"
	case RoleParent:
		return "parent"
	case RoleParentInLaw:
		return "parent-in-law"
	case RoleGrandchild:
		return "grandchild"
	}
	return ""
}

// Household is one household: people who share a household book, a ward
// and an address.
type Household struct {
	// Index is the household's 0-based position in the population.
	Index int
	// ID is the 10-digit household book number.
	ID string
	// ProvinceCode, WardCode and Address are where the household lives.
	ProvinceCode, WardCode, Address string
	// Members are the people of the household, the head first. The slice
	// is reused for the next household once the loop body returns: copy
	// it (slices.Clone) to keep it.
	Members []Person
}
