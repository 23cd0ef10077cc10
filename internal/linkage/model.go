package linkage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Field is a field compared between two profiles. Fields and levels are
// small numbers in memory (the evidence of millions of records is held at
// once) and names in the stored JSON.
type Field uint8

// The fields.
const (
	FieldName Field = iota + 1
	FieldBirth
	FieldSex
	FieldCCCD
	FieldCMND
	FieldPassport
	FieldCard
	FieldPhone
	FieldPlace
	FieldHousehold
	FieldPortal
)

var fieldNames = [...]string{FieldName: "name", FieldBirth: "birth_date", FieldSex: "sex", FieldCCCD: "cccd",
	FieldCMND: "cmnd", FieldPassport: "passport", FieldCard: "insurance_card", FieldPhone: "phone",
	FieldPlace: "place", FieldHousehold: "household", FieldPortal: "portal_id"}

func (f Field) String() string {
	if int(f) < len(fieldNames) {
		return fieldNames[f]
	}
	return "?"
}

// mu is one level's pair of probabilities: m for two records of the same
// person, u for two records of different people. The weight of the level
// is log2(m/u).
type mu struct{ m, u float64 }

// The model's probabilities. m values are what the legacy data shows for
// records of one person (a name typed without diacritics by most NCOVI
// users, a birth date with day and month swapped now and then, a phone
// changed between apps); u values are chances between two different people
// among the candidates a blocking key brings together. Where a value has a
// frequency (a name, a phone) u is replaced by the frequency observed in the
// data: term-frequency adjustment.
var model = map[Level]map[Field]mu{
	NameMarked:     {FieldName: {0.80, 0.7}},  // u scaled by the name's frequency
	NameSame:       {FieldName: {0.15, 1}},    // u: the name's frequency
	NameReorder:    {FieldName: {0.005, 1}},   // u: the name's frequency
	NameTypo:       {FieldName: {0.03, 2e-4}}, //
	NameMiddle:     {FieldName: {0.01, 2e-3}},
	NameConflict:   {FieldName: {0.002, 0.3}}, // u scaled by the name's frequency
	NameGiven:      {FieldName: {0.002, 0.02}},
	NameOther:      {FieldName: {0.001, 0.97}},
	BirthSame:      {FieldBirth: {0.93, 1.0 / 30000}},
	BirthSwapped:   {FieldBirth: {0.03, 1.0 / 30000}},
	BirthYear:      {FieldBirth: {0.95, 1.0 / 80}},
	BirthSameYr:    {FieldBirth: {0.02, 1.0 / 80}},
	BirthNear:      {FieldBirth: {0.01, 1.0 / 40}},
	BirthOther:     {FieldBirth: {0.01, 0.95}},
	IDSame:         {FieldCCCD: {0.95, 1e-7}, FieldCMND: {0.95, 1e-7}, FieldPassport: {0.95, 1e-7}, FieldCard: {0.95, 1e-7}},
	IDTypo:         {FieldCCCD: {0.03, 1e-5}, FieldCMND: {0.03, 1e-5}, FieldPassport: {0.03, 1e-5}, FieldCard: {0.03, 1e-5}},
	IDOther:        {FieldCCCD: {0.02, 1}, FieldCMND: {0.02, 1}, FieldPassport: {0.02, 1}, FieldCard: {0.1, 1}},
	SexSame:        {FieldSex: {0.99, 0.5}},
	SexOther:       {FieldSex: {0.01, 0.5}},
	PhoneSame:      {FieldPhone: {0.6, 1}}, // u: the phone's frequency
	PhoneOther:     {FieldPhone: {0.4, 1}},
	PlaceWard:      {FieldPlace: {0.55, 1e-4}},
	PlaceDistrict:  {FieldPlace: {0.15, 1.0 / 700}},
	PlaceProvince:  {FieldPlace: {0.15, 1.0 / 63}},
	PlaceOther:     {FieldPlace: {0.3, 1}}, // declarations give where one stays or travels, not only home
	HouseholdSame:  {FieldHousehold: {0.95, 1e-6}},
	HouseholdOther: {FieldHousehold: {0.05, 1}},
}

// weight returns log2(m/u) of a level for a field, with u scaled by tf
// (the observed frequency of the agreeing value) when tf > 0.
func weight(field Field, l Level, tf float64) float64 {
	if l == Missing {
		return 0
	}
	p, ok := model[l][field]
	if !ok {
		return 0
	}
	u := p.u
	if tf > 0 {
		u = math.Min(1, p.u*tf)
	}
	return math.Log2(p.m / u)
}

// Comparison is one field's part of the evidence.
type Comparison struct {
	Field  Field
	Level  Level
	Weight float32
}

// comparisonJSON is the object form of a Comparison that evidence stored
// before stop 11 used; UnmarshalJSON still reads it.
type comparisonJSON struct {
	Field  string  `json:"f"`
	Level  string  `json:"l"`
	Weight float32 `json:"w"`
}

// MarshalJSON writes the field and level by name and the weight, as
// ["cccd","onedigit",11.5]. Evidence is stored with every record taken
// over — three million for a million people — and the array is a third
// smaller than an object with keys.
func (c Comparison) MarshalJSON() ([]byte, error) { return c.appendJSON(nil), nil }

// appendJSON appends MarshalJSON's form; field and level names are
// identifiers that JSON strings hold without escapes.
func (c Comparison) appendJSON(b []byte) []byte {
	b = append(b, `["`...)
	b = append(b, c.Field.String()...)
	b = append(b, `","`...)
	b = append(b, c.Level.String()...)
	b = append(b, `",`...)
	b = appendJSONFloat(b, float64(c.Weight), 32)
	return append(b, ']')
}

// UnmarshalJSON reads what MarshalJSON writes, and the object form of
// older evidence.
func (c *Comparison) UnmarshalJSON(b []byte) error {
	var j comparisonJSON
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		var a []json.RawMessage
		if err := json.Unmarshal(t, &a); err != nil {
			return err
		}
		if len(a) != 3 {
			return fmt.Errorf("linkage: comparison %s: want [field, level, weight]", t)
		}
		for i, v := range []any{&j.Field, &j.Level, &j.Weight} {
			if err := json.Unmarshal(a[i], v); err != nil {
				return fmt.Errorf("linkage: comparison %s: %w", t, err)
			}
		}
	} else if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	c.Weight = j.Weight
	for i, n := range fieldNames {
		if n == j.Field && n != "" {
			c.Field = Field(i)
		}
	}
	c.Level = levelByName(c.Field, j.Level)
	return nil
}

// Evidence is why a record was linked (or not) to a person: each field's
// agreement and weight, their sum, and the rule that decided.
type Evidence struct {
	Method      string       `json:"m"`
	Score       float64      `json:"s"`
	Margin      float64      `json:"d,omitempty"` // over the next-best candidate
	Comparisons []Comparison `json:"c,omitempty"`
	Note        string       `json:"n,omitempty"`
}

// MarshalJSON writes the evidence as its field tags say, without
// reflection: it is encoded once for every record an import writes.
func (e Evidence) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 48+24*len(e.Comparisons)+len(e.Note))
	b = append(b, `{"m":`...)
	b = appendJSONString(b, e.Method)
	b = append(b, `,"s":`...)
	b = appendJSONFloat(b, e.Score, 64)
	if e.Margin != 0 {
		b = append(b, `,"d":`...)
		b = appendJSONFloat(b, e.Margin, 64)
	}
	if len(e.Comparisons) > 0 {
		b = append(b, `,"c":[`...)
		for i, c := range e.Comparisons {
			if i > 0 {
				b = append(b, ',')
			}
			b = c.appendJSON(b)
		}
		b = append(b, ']')
	}
	if e.Note != "" {
		b = append(b, `,"n":`...)
		b = appendJSONString(b, e.Note)
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as encoding/json writes it: printable ASCII
// as it is, anything else through json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always marshals
	}
	return append(b, q...)
}

// appendJSONFloat appends f as encoding/json writes it.
func appendJSONFloat(b []byte, f float64, bits int) []byte {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) || math.IsNaN(f) || math.IsInf(f, 0) {
		q, err := json.Marshal(f)
		if err != nil {
			q = []byte("0") // NaN and infinities have no JSON; scores are never either
		}
		return append(b, q...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, bits)
}

func (e Evidence) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s score %.1f", e.Method, e.Score)
	for _, c := range e.Comparisons {
		fmt.Fprintf(&b, "; %s (%+.1f)", c.Text(), c.Weight)
	}
	return b.String()
}

// Methods: how a record was tied to its person.
const (
	MethodScore     = "score"        // probabilistic match to a registry person
	MethodManaged   = "managed"      // a health-book profile, within its manager's household
	MethodPhoneOnly = "phone-unique" // a thin record on a phone only one unverified person has
	MethodPhoneName = "phone-name"   // a name and a phone: the one person of the phone with that name
	MethodCluster   = "cluster"      // grouped with other records of an unverified person
	MethodSingle    = "single"       // an unverified person of its own
	MethodReview    = "review"       // held apart, a candidate sent to review
	MethodKept      = "kept"         // linked by an earlier import or a review decision
)
