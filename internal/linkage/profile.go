// Package linkage decides, for every legacy record, which person it is: a
// citizen of the population registry, or a person the registry does not know
// (a foreigner on a passport, a record too thin to tie to anyone), who then
// becomes an unverified person of their own. It never forces a record onto a
// citizen: where no decision is safe, the pair goes to review.
//
// The engine is probabilistic record linkage in the Fellegi–Sunter frame:
// each field of a record is compared with a candidate's at several levels of
// agreement, each level carries a weight log2(m/u) — m the chance of that
// level for records of the same person, u for records of different people,
// with u adjusted by how common the name, phone or birth date is (a match on
// "Nguyễn Văn Hùng" says less than one on a rare name) — and the weights add
// up to the evidence for the pair. Hard rules sit on top, for the cases the
// contract names: an identity number counts only when name and birth agree
// (a one-digit typo lands on another real person); a phone never links
// anyone on its own; twins, who share everything but a given name, stay two.
//
// Candidates come from blocking keys (identity numbers, phones, name and
// birth-year keys), so the work grows with the data, not with its square.
// The engine is in memory and deterministic: the same records and persons
// give the same decisions in any run, which is what makes a killed import
// resume to exactly the result of an uninterrupted one.
package linkage

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/vn"
)

// Profile is the identity evidence of one record or one registry person,
// normalised for comparison.
type Profile struct {
	// Name is the folded full name ("nguyen van an"); Family, Middle and
	// Given return its parts. Marked is the lower-case NFC name when it
	// carries Vietnamese diacritics, "" when it is plain ASCII (typed
	// without them, or a name that has none).
	Name   string
	Marked string
	// familyEnd and givenStart cut Name into its parts: an import holds
	// millions of profiles, and three more strings each were 150 MB.
	familyEnd, givenStart      uint16
	Birth                      vn.Date
	Sex                        vn.Sex
	CCCD, CMND, Passport, Card string
	Phones                     []string // E.164
	Ward, District, Province   string
	Nationality                string
	// Portal is the vaccination portal's person id: the same id on two
	// dose rows is the same person (the reverse does not hold).
	Portal string
	// Household is the registry household (registry persons only).
	Household string
}

// SetName fills the name fields from a full name in any form.
func (p *Profile) SetName(full string) {
	full = vn.NormalizeName(full)
	p.Name = vn.FoldName(full)
	p.split()
	p.Marked = ""
	if p.Name == "" {
		return
	}
	if !isASCII(full) {
		p.Marked = strings.ToLower(full)
	}
}

// split finds the parts of the folded name: the family name is its first
// word, the given name its last, the middle name what lies between. A
// one-word name is a given name.
func (p *Profile) split() {
	p.familyEnd, p.givenStart = 0, 0
	first := strings.IndexByte(p.Name, ' ')
	if first < 0 || len(p.Name) > math.MaxUint16 {
		return
	}
	p.familyEnd, p.givenStart = uint16(first), uint16(strings.LastIndexByte(p.Name, ' ')+1)
}

// Family is the family name, folded ("nguyen").
func (p *Profile) Family() string { return p.Name[:p.familyEnd] }

// Middle is the middle name, folded ("thi ngoc"), or "".
func (p *Profile) Middle() string {
	if int(p.givenStart)-1 <= int(p.familyEnd) {
		return ""
	}
	return p.Name[p.familyEnd+1 : p.givenStart-1]
}

// Given is the given name, folded ("an").
func (p *Profile) Given() string { return p.Name[p.givenStart:] }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// HasPhone reports whether p has the phone.
func (p *Profile) HasPhone(phone string) bool {
	for _, ph := range p.Phones {
		if ph == phone {
			return true
		}
	}
	return false
}

// AddPhone adds a phone p did not have.
func (p *Profile) AddPhone(phone string) {
	if phone != "" && !p.HasPhone(phone) {
		p.Phones = append(p.Phones, phone)
	}
}

// Thin reports whether a profile has too little to tie it to anyone but by
// its phone: no name, no identity number.
func (p *Profile) Thin() bool {
	return p.Name == "" && p.CCCD == "" && p.CMND == "" && p.Passport == "" && p.Card == ""
}

// NameKeys are the two name keys a database can index (as blind indexes) to
// find the persons a record may be without holding every name in memory:
// family and given name with the birth year, and the full name. Both fold
// diacritics and the regional spellings of a family name, as the engine's
// own blocking does. Either is "" when the name or year is missing.
func NameKeys(fullName string, birthYear int) (nameYear, name string) {
	var p Profile
	p.SetName(fullName)
	if p.Name == "" {
		return "", ""
	}
	fam := p.Family()
	if v, ok := familyVariants[fam]; ok {
		fam = v
	}
	name = fam + p.Name[p.familyEnd:]
	if birthYear != 0 {
		nameYear = fam + "|" + p.Given() + "|" + strconv.Itoa(birthYear)
	}
	return nameYear, name
}

// Detach copies the record's strings into one allocation of its own. Readers
// cut a record's fields out of the line they read; a record kept for the
// whole import would otherwise keep its whole line alive (at a million
// persons, the lines held this way were most of a gigabyte).
func (r *Record) Detach() {
	fields := [...]*string{&r.Source, &r.Key, &r.ManagedBy, &r.Name, &r.Marked, &r.CCCD, &r.CMND, &r.Passport,
		&r.Card, &r.Ward, &r.District, &r.Province, &r.Nationality, &r.Portal, &r.Household}
	n := 0
	for _, f := range fields {
		n += len(*f)
	}
	for _, ph := range r.Phones {
		n += len(ph)
	}
	var b strings.Builder
	b.Grow(n)
	var ends [len(fields)]int
	for i, f := range fields {
		b.WriteString(*f)
		ends[i] = b.Len()
	}
	phoneStart := b.Len()
	for _, ph := range r.Phones {
		b.WriteString(ph)
	}
	all := b.String()
	start := 0
	for i, f := range fields {
		*f = all[start:ends[i]]
		start = ends[i]
	}
	if len(r.Phones) > 0 {
		phones := make([]string, len(r.Phones))
		at := phoneStart
		for i, ph := range r.Phones {
			phones[i] = all[at : at+len(ph)]
			at += len(ph)
		}
		r.Phones = phones
	}
}
