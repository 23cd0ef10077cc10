package linkage

import "testing"

// TestClusterDoesNotPickBetweenNamesakesBornTheSameDay: a dose row without
// an identity number joins, through the portal id, the row that had P's
// CCCD. When the registry also holds Q with the same name and birth date,
// the row alone cannot say which of them it is: it goes to review rather
// than to P. Without Q it goes to P.
func TestClusterDoesNotPickBetweenNamesakesBornTheSameDay(t *testing.T) {
	for _, withDouble := range []bool{false, true} {
		e := NewEngine()
		e.AddPerson(person("p", profile("Lê Văn Dũng", "1973-08-19", "M", "084073000001", "", "26734"), "h1"))
		e.AddPerson(person("other", profile("Trần Văn Bình", "1980-01-01", "M", "001080000009", "", "00004"), "h2"))
		if withDouble {
			e.AddPerson(person("q", profile("Lê Văn Dũng", "1973-08-19", "M", "079073000002", "", "00004"), "h3"))
		}
		dose := func(key, cccd string) Record {
			p := profile("LE VAN DUNG", "1973-08-19", "M", cccd, "", "")
			p.Portal = "DT-1"
			return Record{Source: "vaccination", Key: key, Profile: p}
		}
		ds := e.Link([]Record{dose("d1", "084073000001"), dose("d2", "")})
		if ds[0].PersonID != "p" {
			t.Fatalf("double %v: the row with P's CCCD went to %q", withDouble, ds[0].PersonID)
		}
		switch got := ds[1]; {
		case !withDouble && got.PersonID != "p":
			t.Errorf("no double: the second row went to %q (%s), want p", got.PersonID, got.Evidence)
		case withDouble && (got.PersonID != "" || got.Review == nil || got.Review.PersonID != "p"):
			t.Errorf("double: the second row went to %q, review %+v; want review of p", got.PersonID, got.Review)
		}
	}
}

// TestDifferentFullDatesDoNotCorroborate: a rare name and a birth date of
// the same year but another day is not a link: two full dates that differ
// are two people more often than a typo.
func TestDifferentFullDatesDoNotCorroborate(t *testing.T) {
	ev := Evidence{Comparisons: []Comparison{{Field: FieldName, Level: NameMarked, Weight: 20.1},
		{Field: FieldBirth, Level: BirthSameYr, Weight: 0.7}, {Field: FieldSex, Level: SexSame, Weight: 1}}}
	if corroborated(ev) {
		t.Error("name and a different day of the same year corroborated a link")
	}
	ev.Comparisons[1] = Comparison{Field: FieldBirth, Level: BirthSame, Weight: 14.8}
	if !corroborated(ev) {
		t.Error("name and the same full date did not corroborate a link")
	}
}
