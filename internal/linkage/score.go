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

// score compares a record with a candidate and returns the evidence. It
// applies the contract's rule that an identity number counts only when name
// and birth date agree: a number with one wrong digit often belongs to
// another real person.
func score(rec, cand *Profile, st stats) Evidence {
	var ev Evidence
	add := func(field string, l Level, tf float64) {
		if l == Missing {
			return
		}
		w := weight(field, l, tf)
		ev.Comparisons = append(ev.Comparisons, Comparison{Field: field, Level: l.String(), Weight: round1(w)})
		ev.Score += w
	}
	name := compareNames(rec, cand)
	nameTF := 0.0
	if name == NameMarked || name == NameSame || name == NameReorder || name == NameConflict {
		nameTF = st.nameFreq(cand.Name)
	}
	add(FieldName, name, nameTF)
	birth := compareBirth(rec.Birth, cand.Birth)
	add(FieldBirth, birth, 0)
	add(FieldSex, compareSex(rec.Sex, cand.Sex), 0)
	// A birth year one off, or another day, is a typo often enough when the
	// name and the number agree; a birth date wholly different is not.
	idsTrusted := nameAgrees(name) && birth != BirthOther
	for _, id := range []struct {
		field string
		a, b  string
	}{{FieldCCCD, rec.CCCD, cand.CCCD}, {FieldCMND, rec.CMND, cand.CMND}, {FieldPassport, rec.Passport, cand.Passport}, {FieldCard, rec.Card, cand.Card}} {
		l := compareID(id.a, id.b)
		if (l == IDSame || l == IDTypo) && !idsTrusted {
			ev.Note = "identity number not counted: name or birth date disagree"
			continue
		}
		add(id.field, l, 0)
	}
	phone, shared := comparePhones(rec, cand)
	phoneTF := 0.0
	if phone == PhoneSame {
		phoneTF = st.phoneFreq(shared)
	}
	add(FieldPhone, phone, phoneTF)
	add(FieldPlace, comparePlaces(rec, cand), 0)
	if rec.Portal != "" && rec.Portal == cand.Portal && nameAgrees(name) {
		add(FieldPortal, PortalSame, 0)
	}
	ev.Score = round1(ev.Score)
	return ev
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
