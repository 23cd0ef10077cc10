package linkage

// Scores are sums of log2 likelihood ratios, in bits.
const (
	// LinkThreshold: evidence this strong ties a record to a registry
	// person (about a million to one for the pair).
	LinkThreshold = 20.0
	// ReviewThreshold: weaker evidence that still deserves an official's
	// look; the record stays apart meanwhile.
	ReviewThreshold = 10.0
	// Margin: the best candidate must beat the next by this much, or the
	// record is not tied to either (twins, namesakes).
	Margin = 8.0
	// ClusterThreshold: two records the registry does not know are one
	// unverified person at this score.
	ClusterThreshold = 18.0
)

// stats give the frequencies the weights are adjusted with.
type stats interface {
	nameFreq(name string) float64
	phoneFreq(phone string) float64
}

// fieldResult is one field's comparison, before it becomes evidence.
type fieldResult struct {
	field  Field
	level  Level
	weight float64
}

// comparison is a pair's comparison, kept in a fixed array so that scoring
// the many candidates of a record allocates nothing; only the chosen one
// becomes Evidence.
type comparison struct {
	n      int
	fields [10]fieldResult
	score  float64
	note   string
}

func (c *comparison) add(field Field, l Level, tf float64) {
	if l == Missing {
		return
	}
	w := weight(field, l, tf)
	c.fields[c.n] = fieldResult{field, l, w}
	c.n++
	c.score += w
}

// evidence turns the comparison into what is stored and shown.
func (c *comparison) evidence() Evidence {
	ev := Evidence{Score: round1(c.score), Note: c.note, Comparisons: make([]Comparison, c.n)}
	for i, f := range c.fields[:c.n] {
		ev.Comparisons[i] = Comparison{Field: f.field, Level: f.level, Weight: float32(round1(f.weight))}
	}
	return ev
}

// score compares a record with a candidate and returns the evidence.
func score(rec, cand *Profile, st stats) Evidence {
	c := compare(rec, cand, st)
	return c.evidence()
}

// compare compares a record with a candidate. It applies the contract's
// rule that an identity number counts only when name and birth date agree:
// a number with one wrong digit often belongs to another real person.
func compare(rec, cand *Profile, st stats) comparison {
	var c comparison
	name := compareNames(rec, cand)
	nameTF := 0.0
	if name == NameMarked || name == NameSame || name == NameReorder || name == NameConflict {
		nameTF = st.nameFreq(cand.Name)
	}
	c.add(FieldName, name, nameTF)
	birth := compareBirth(rec.Birth, cand.Birth)
	c.add(FieldBirth, birth, 0)
	c.add(FieldSex, compareSex(rec.Sex, cand.Sex), 0)
	// A birth year one off, or another day, is a typo often enough when the
	// name and the number agree; a birth date wholly different is not.
	idsTrusted := nameAgrees(name) && birth != BirthOther
	c.id(FieldCCCD, rec.CCCD, cand.CCCD, idsTrusted)
	c.id(FieldCMND, rec.CMND, cand.CMND, idsTrusted)
	c.id(FieldPassport, rec.Passport, cand.Passport, idsTrusted)
	c.id(FieldCard, rec.Card, cand.Card, idsTrusted)
	phone, shared := comparePhones(rec, cand)
	phoneTF := 0.0
	if phone == PhoneSame {
		phoneTF = st.phoneFreq(shared)
	}
	c.add(FieldPhone, phone, phoneTF)
	c.add(FieldPlace, comparePlaces(rec, cand), 0)
	if rec.Portal != "" && rec.Portal == cand.Portal && nameAgrees(name) {
		c.add(FieldPortal, PortalSame, 0)
	}
	return c
}

func (c *comparison) id(field Field, a, b string, trusted bool) {
	l := compareID(a, b)
	if (l == IDSame || l == IDTypo) && !trusted {
		c.note = "identity number not counted: name or birth date disagree"
		return
	}
	c.add(field, l, 0)
}

// nameAgrees: the names are the same person's, allowing for spelling.
func nameAgrees(l Level) bool {
	switch l {
	case NameMarked, NameSame, NameReorder, NameTypo, NameMiddle:
		return true
	}
	return false
}

// birthAgrees: the birth dates are the same person's, allowing for a
// swapped day and month or a missing day; a record without a birth date
// cannot disagree.
func birthAgrees(l Level) bool {
	switch l {
	case BirthSame, BirthSwapped, BirthYear, Missing:
		return true
	}
	return false
}

func round1(f float64) float64 {
	if f < 0 {
		return -round1(-f)
	}
	return float64(int64(f*10+0.5)) / 10
}
