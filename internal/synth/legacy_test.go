package synth

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// TestLegacyDump writes a dump of 20,000 persons and checks every file's
// format (loadDump), that truth.csv covers every record once and agrees
// with what the records say, the volumes against the sample's, the stats,
// and that every hard case of FORMATS.md occurs with the right truth.
func TestLegacyDump(t *testing.T) {
	t.Parallel()
	d := loadDump(t, 2021, 20_000)
	t.Run("truth covers every record once", func(t *testing.T) { checkTruthCoverage(t, d) })
	t.Run("truth agrees with the records", func(t *testing.T) { checkTruthAgrees(t, d) })
	t.Run("volumes follow the sample", func(t *testing.T) { checkVolumes(t, d) })
	t.Run("stats", func(t *testing.T) { checkStats(t, d) })
	t.Run("no temporary files", func(t *testing.T) { checkNoLegacyTemp(t, d.dir) })
	for name, check := range legacyCases {
		t.Run(name, func(t *testing.T) { check(t, d) })
	}
}

func checkTruthCoverage(t *testing.T, d *parsedDump) {
	seen := map[[2]string]bool{}
	for _, r := range d.recs {
		k := [2]string{r.source, r.key}
		if seen[k] {
			t.Errorf("record %s %s appears twice", r.source, r.key)
		}
		seen[k] = true
	}
	if len(seen) != d.truthLen {
		t.Errorf("%d records, truth.csv has %d rows", len(seen), d.truthLen)
	}
}

// checkTruthAgrees checks what every record says against its truth: the
// birth year within one, the sex where given; a NOREG person's records
// never carry a registry CCCD.
func checkTruthAgrees(t *testing.T, d *parsedDump) {
	bad := 0
	for _, r := range d.recs {
		p := d.people[r.person]
		if p == nil {
			if r.id != "" && len(r.id) == 12 && d.people[r.id] != nil {
				t.Errorf("%s %s of %s gives registry CCCD %s", r.source, r.key, r.person, r.id)
			}
			continue
		}
		year := atoi(p.birth[:4])
		if r.year != 0 && (r.year < year-1 || r.year > year+1) || r.sex != 0 && r.sex != p.sex {
			bad++
			if bad < 5 {
				t.Errorf("%s %s: year %d sex %c, but %s was born %s, sex %c", r.source, r.key, r.year, r.sex, r.person, p.birth, p.sex)
			}
		}
	}
}

// sampleRates are the records per registry person of each source in the
// sample dump, and the tolerance allowed.
var sampleRates = map[string]float64{
	"bluezone": 0.251, "ncovi": 0.690, "vhd": 0.462, "healthbook": 0.280, "vaccination": 1.096, "labtests": 0.251,
}

func checkVolumes(t *testing.T, d *parsedDump) {
	n := float64(len(d.people))
	for src, want := range sampleRates {
		got := float64(len(d.bySource[src])) / n
		if got < want*0.85 || got > want*1.15 {
			t.Errorf("%s: %.3f records per person, the sample has %.3f", src, got, want)
		}
	}
	all := float64(len(d.recs)+len(d.people)+len(d.contacts)+d.stats.Registry.Insured) / n
	if all < 4.5 || all > 5.5 {
		t.Errorf("%.2f rows per person in all files, want about 5", all)
	}
}

func checkStats(t *testing.T, d *parsedDump) {
	s := d.stats
	for src, n := range map[string]int{"bluezone": s.Bluezone, "ncovi": s.NCOVI, "vhd": s.VHD, "healthbook": s.Healthbook,
		"vaccination": s.Vaccination, "labtests": s.Labtests} {
		if n != len(d.bySource[src]) {
			t.Errorf("stats: %d %s records, the files have %d", n, src, len(d.bySource[src]))
		}
	}
	if s.Records() != d.truthLen || s.Contacts != len(d.contacts) || s.Registry.Persons != len(d.people) {
		t.Errorf("stats: %d records, %d contacts, %d persons", s.Records(), s.Contacts, s.Registry.Persons)
	}
	noreg := map[string]int{}
	for _, r := range d.recs {
		if strings.HasPrefix(r.person, "NOREG-") {
			noreg[r.person]++
		}
	}
	if s.NoregPersons != len(noreg) || s.NoregRecords == 0 {
		t.Errorf("stats: %d NOREG persons, the truth has %d", s.NoregPersons, len(noreg))
	}
	var size int64
	filepath.WalkDir(d.dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			info, _ := e.Info()
			size += info.Size()
		}
		return nil
	})
	if s.Bytes != size {
		t.Errorf("stats: %d bytes, the files have %d", s.Bytes, size)
	}
	v := reflect.ValueOf(s.Cases)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).Int() == 0 {
			t.Errorf("stats: no %s", v.Type().Field(i).Name)
		}
	}
}

func checkNoLegacyTemp(t *testing.T, dir string) {
	filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && (strings.Contains(e.Name(), ".tmp") || strings.HasPrefix(e.Name(), ".legacy-spill")) {
			t.Errorf("left behind: %s", path)
		}
		return nil
	})
}

// legacyCases check that each hard case of FORMATS.md occurs, and that
// its truth is right.
var legacyCases = map[string]func(*testing.T, *parsedDump){
	"a phone is not a person":             casePhoneNotPerson,
	"a typo lands on another's number":    caseIDTypo,
	"same name, year and place":           caseSameName,
	"twins":                               caseTwins,
	"many spellings of one person":        caseSpellings,
	"CMND here, CCCD there":               caseOldAndNewID,
	"phones: changed, old, formats":       casePhones,
	"people in no registry":               caseNoreg,
	"health book managed profiles":        caseHealthbook,
	"vaccination portal":                  caseVaccination,
	"labs":                                caseLabs,
	"NCOVI":                               caseNCOVI,
	"VHD co-travellers and entry":         caseVHD,
	"birth dates swapped, years off/only": caseBirthDates,
}

func need(t *testing.T, what string, n int) {
	t.Helper()
	if n == 0 {
		t.Errorf("no %s", what)
	}
	t.Logf("%s: %d", what, n)
}

func casePhoneNotPerson(t *testing.T, d *parsedDump) {
	keys := map[string]map[string]bool{}
	for _, r := range d.recs {
		if r.phone != "" {
			if keys[r.phone] == nil {
				keys[r.phone] = map[string]bool{}
			}
			keys[r.phone][r.person] = true
		}
	}
	shared, withNoreg := 0, 0
	for _, ks := range keys {
		if len(ks) >= 2 {
			shared++
			reg, no := false, false
			for k := range ks {
				if strings.HasPrefix(k, "NOREG-") {
					no = true
				} else {
					reg = true
				}
			}
			if reg && no {
				withNoreg++
			}
		}
	}
	need(t, "phone shared by two persons", shared)
	need(t, "phone shared by a registry person and a person in no registry", withNoreg)
	// A child's record with a parent's registry number; a Bluezone
	// registration without a name on a household member's number.
	child, nameless := 0, 0
	for _, r := range d.recs {
		p := d.people[r.person]
		if p == nil || r.phone == "" || r.phone == p.phone {
			continue
		}
		for _, o := range d.owners[r.phone] {
			if o != p.cccd && d.people[o].household == p.household {
				if atoi(p.birth[:4]) >= 2005 {
					child++
				}
				if r.source == "bluezone" && r.name == "" {
					nameless++
				}
			}
		}
	}
	need(t, "child's record with a parent's number", child)
	need(t, "nameless Bluezone registration on a family member's number", nameless)
}

func caseIDTypo(t *testing.T, d *parsedDump) {
	onOther, nameIsTruth := 0, 0
	for _, r := range d.recs {
		p := d.people[r.person]
		if p == nil || r.id == "" || r.id == p.cccd || r.id == p.old {
			continue
		}
		owner := r.id
		if len(r.id) == 9 {
			owner = d.byOld[r.id]
		}
		o := d.people[owner]
		if o == nil {
			continue
		}
		onOther++
		if o.cccd == p.cccd {
			t.Errorf("%s %s: mistyped number maps to its truth", r.source, r.key)
		}
		if r.dob != "" && r.dob == p.birth && r.dob != o.birth || vn.FoldName(r.name) == vn.FoldName(p.name) && vn.FoldName(p.name) != vn.FoldName(o.name) {
			nameIsTruth++
		}
	}
	need(t, "record whose mistyped number is another registry person's", onOther)
	need(t, "such a record whose name or birth date is its truth's, not the number's owner's", nameIsTruth)
}

func caseSameName(t *testing.T, d *parsedDump) {
	type key struct{ name, year, province string }
	groups := map[key][]string{}
	for _, p := range d.people {
		k := key{p.name, p.birth[:4], p.household[:2]}
		groups[k] = append(groups[k], p.cccd)
	}
	withRecords := map[string]bool{}
	for _, r := range d.recs {
		withRecords[r.person] = true
	}
	both := 0
	for _, g := range groups {
		n := 0
		for _, c := range g {
			if withRecords[c] {
				n++
			}
		}
		if n >= 2 {
			both++
		}
	}
	need(t, "two persons with records sharing name, birth year and province", both)
}

func caseTwins(t *testing.T, d *parsedDump) {
	type key struct{ household, birth string }
	pairs := map[key][]string{}
	for _, p := range d.people {
		k := key{p.household, p.birth}
		pairs[k] = append(pairs[k], p.cccd)
	}
	twin := map[string]key{}
	for k, v := range pairs {
		if len(v) >= 2 {
			for _, c := range v {
				twin[c] = k
			}
		}
	}
	// Records of two twins that share a phone and a birth date.
	type sig struct {
		k     key
		phone string
	}
	persons := map[sig]map[string]bool{}
	for _, r := range d.recs {
		k, ok := twin[r.person]
		if !ok || r.phone == "" {
			continue
		}
		s := sig{k, r.phone}
		if persons[s] == nil {
			persons[s] = map[string]bool{}
		}
		persons[s][r.person] = true
	}
	n := 0
	for _, ps := range persons {
		if len(ps) >= 2 {
			n++
		}
	}
	need(t, "twins' records with one phone and birth date mapped to two persons", n)
}

func caseSpellings(t *testing.T, d *parsedDump) {
	var upper, plain, nfd, typo, partial int
	for _, r := range d.recs {
		p := d.people[r.person]
		if p == nil || r.name == "" {
			continue
		}
		n := norm.NFC.String(r.name)
		if r.name != n && r.source == "healthbook" {
			nfd++
		}
		switch {
		case n == strings.ToUpper(p.name):
			upper++
		case n == vn.StripDiacritics(p.name):
			plain++
		}
		f, pf := vn.FoldName(n), vn.FoldName(p.name)
		switch {
		case f != pf && strings.HasSuffix(pf, f):
			partial++
		case f != pf && editDistance1(f, pf):
			typo++
		}
	}
	need(t, "upper-case name", upper)
	need(t, "name without diacritics", plain)
	need(t, "NFD name", nfd)
	need(t, "name with one letter dropped, doubled, swapped or wrong", typo)
	need(t, "partial name", partial)
	if len(d.bySource["healthbook"]) > 0 && nfd*100/len(d.bySource["healthbook"]) < 10 {
		t.Errorf("only %d NFD names", nfd)
	}
}

// editDistance1 reports whether a and b differ by one insertion,
// deletion, substitution or adjacent swap.
func editDistance1(a, b string) bool {
	x, y := []rune(a), []rune(b)
	if len(x) > len(y) {
		x, y = y, x
	}
	switch len(y) - len(x) {
	case 1:
		for i := range y {
			if string(slices.Delete(slices.Clone(y), i, i+1)) == string(x) {
				return true
			}
		}
	case 0:
		diff := []int{}
		for i := range x {
			if x[i] != y[i] {
				diff = append(diff, i)
			}
		}
		return len(diff) == 1 || len(diff) == 2 && diff[1] == diff[0]+1 && x[diff[0]] == y[diff[1]] && x[diff[1]] == y[diff[0]]
	}
	return false
}

func caseOldAndNewID(t *testing.T, d *parsedDump) {
	type seen struct{ cccd, cmnd bool }
	by := map[string]*seen{}
	for _, r := range d.recs {
		p := d.people[r.person]
		if p == nil || r.id == "" {
			continue
		}
		if by[p.cccd] == nil {
			by[p.cccd] = &seen{}
		}
		switch r.id {
		case p.cccd:
			by[p.cccd].cccd = true
		case p.old:
			by[p.cccd].cmnd = true
		}
	}
	n := 0
	for _, s := range by {
		if s.cccd && s.cmnd {
			n++
		}
	}
	need(t, "person giving the old CMND in one record and the CCCD in another", n)
}

func casePhones(t *testing.T, d *parsedDump) {
	changed, oldOwn := 0, 0
	shapes := map[string]map[string]int{}
	for _, r := range d.recs {
		if shapes[r.source] == nil {
			shapes[r.source] = map[string]int{}
		}
		shapes[r.source][phoneShape(r.rawPhone)]++
		p := d.people[r.person]
		if p == nil || r.phone == "" {
			continue
		}
		if p.phone != "" && r.phone != p.phone && len(d.owners[r.phone]) == 0 {
			changed++
		}
		if phoneShape(r.rawPhone) == "old" && r.phone == p.phone {
			oldOwn++
		}
	}
	need(t, "phone changed between the registry and a source", changed)
	need(t, "old 11-digit form of the person's registry number", oldOwn)
	for src, want := range map[string][]string{
		"bluezone": {"local", "spaced", "plus", "84", "bare", "old"}, "ncovi": {"local", "spaced", "plus", "84", "bare", "old", "empty"},
		"vhd": {"plus", "local", "empty", "foreign"}, "healthbook": {"84", "local", "plus", "empty"},
		"vaccination": {"local", "spaced", "empty"}, "labtests": {"local", "spaced", "empty", "foreign"},
	} {
		for _, s := range want {
			if shapes[src][s] == 0 {
				t.Errorf("%s: no phone written %s", src, s)
			}
		}
	}
}

func caseNoreg(t *testing.T, d *parsedDump) {
	sources := map[string]map[string]bool{}
	phones := map[string]map[string]bool{}
	for _, r := range d.recs {
		if sources[r.person] == nil {
			sources[r.person] = map[string]bool{}
		}
		sources[r.person][r.source] = true
		if r.phone != "" {
			if phones[r.phone] == nil {
				phones[r.phone] = map[string]bool{}
			}
			phones[r.phone][r.source+"/"+r.key] = true
		}
	}
	several, thin := 0, 0
	for k, s := range sources {
		if strings.HasPrefix(k, "NOREG-") && len(s) >= 2 {
			several++
		}
	}
	for _, r := range d.bySource["bluezone"] {
		if strings.HasPrefix(r.person, "NOREG-") && len(phones[r.phone]) == 1 && len(d.owners[r.phone]) == 0 {
			thin++
		}
	}
	need(t, "person in no registry with records in several sources", several)
	need(t, "Bluezone registration whose phone nobody else knows", thin)
	var foreign, foreignNoPhone, vnNoreg, vnReg int
	passports := map[string]string{}
	for _, r := range d.bySource["vhd"] {
		if r.extra["id_type"] != "PASSPORT" {
			continue
		}
		if prev, ok := passports[r.extra["id_number"]]; ok && prev != r.person {
			t.Errorf("passport %s belongs to %s and %s", r.extra["id_number"], prev, r.person)
		}
		passports[r.extra["id_number"]] = r.person
		noreg := strings.HasPrefix(r.person, "NOREG-")
		switch {
		case r.extra["nationality"] != "VNM":
			foreign++
			if !noreg {
				t.Errorf("vhd %s: a foreigner in the registry", r.key)
			}
			if r.rawPhone == "" {
				foreignNoPhone++
			}
		case noreg:
			vnNoreg++
		default:
			vnReg++
		}
	}
	need(t, "foreigner arriving", foreign)
	need(t, "foreigner without a phone", foreignNoPhone)
	need(t, "Vietnamese on a passport in no registry", vnNoreg)
	need(t, "registry person returning on a passport", vnReg)
}

func caseHealthbook(t *testing.T, d *parsedDump) {
	bare, twice := 0, 0
	managers := map[string]map[string]bool{}
	owner := map[string]string{}
	for _, r := range d.bySource["healthbook"] {
		owner[r.key] = r.person
	}
	for _, r := range d.bySource["healthbook"] {
		mb := r.extra["managedBy"]
		if mb == "" {
			continue
		}
		if r.rawPhone == "" && r.id == "" {
			bare++
		}
		if managers[r.person] == nil {
			managers[r.person] = map[string]bool{}
		}
		managers[r.person][mb] = true
		p, m := d.people[r.person], d.people[owner[mb]]
		if p == nil || m == nil || p.household != m.household || p.cccd == m.cccd {
			t.Errorf("healthbook %s: managed by %s of another household", r.key, mb)
		}
	}
	for _, ms := range managers {
		if len(ms) >= 2 {
			twice++
		}
	}
	need(t, "managed profile with no phone and no id", bare)
	need(t, "person managed from two accounts", twice)
}

func caseVaccination(t *testing.T, d *parsedDump) {
	portal := map[string]map[string]bool{}
	names := map[string]map[string]bool{}
	spellings := map[string]bool{}
	yearOnly := 0
	doses := map[string][]*lrec{}
	for _, r := range d.bySource["vaccination"] {
		if portal[r.person] == nil {
			portal[r.person], names[r.person] = map[string]bool{}, map[string]bool{}
		}
		portal[r.person][r.extra["portal"]] = true
		names[r.person][r.name] = true
		spellings[r.extra["vaccine"]] = true
		if len(r.extra["ngay_sinh"]) == 4 {
			yearOnly++
		}
		doses[r.person] = append(doses[r.person], r)
	}
	two, spelled := 0, 0
	for p := range portal {
		if len(portal[p]) >= 2 {
			two++
		}
		if len(names[p]) >= 2 {
			spelled++
		}
	}
	need(t, "person with two ma_doi_tuong", two)
	need(t, "person whose dose rows spell the name differently", spelled)
	need(t, "birth date with the year only", yearOnly)
	for _, s := range vaccineSpellings {
		if !spellings[s] {
			t.Errorf("vaccine never spelled %q", s)
		}
	}
	// Doses of one person come in order at least two weeks apart.
	for p, rs := range doses {
		slices.SortFunc(rs, func(a, b *lrec) int { return strings.Compare(a.extra["dose"], b.extra["dose"]) })
		for i := 1; i < len(rs); i++ {
			a, _ := parseDMY(rs[i-1].extra["date"])
			b, _ := parseDMY(rs[i].extra["date"])
			if b.Sub(a).Hours() < 13*24 {
				t.Errorf("%s: dose %s on %s, dose %s on %s", p, rs[i-1].extra["dose"], rs[i-1].extra["date"], rs[i].extra["dose"], rs[i].extra["date"])
				break
			}
		}
	}
}

func caseLabs(t *testing.T, d *parsedDump) {
	ids := map[int]int{}
	results := map[string]bool{}
	var prefixed, plain, wardNamed int
	for _, r := range d.bySource["labtests"] {
		ids[len(r.id)]++
		results[r.extra["result"]] = true
		a := r.extra["address"]
		for _, pre := range []string{"P.", "Q.", "Xã ", "Phường ", "Huyện ", "H.", "TP", "xã "} {
			if strings.Contains(a, pre) {
				prefixed++
				break
			}
		}
		if isPlainASCII(a) {
			plain++
		}
		if p := d.people[r.person]; p != nil {
			_, _, w, ok := vn.AdminUnits().WardPath(p.ward)
			if ok && strings.Contains(vn.FoldName(a), vn.FoldName(w.Name)) {
				wardNamed++
			}
		}
	}
	need(t, "lab line with a CCCD", ids[12])
	need(t, "lab line with a CMND", ids[9])
	need(t, "lab line without a number", ids[0])
	for _, s := range labResults {
		if !results[s] {
			t.Errorf("no lab result %q", s)
		}
	}
	need(t, "address with a unit prefix", prefixed)
	need(t, "address without diacritics", plain)
	if wardNamed*2 < len(d.bySource["labtests"]) {
		t.Errorf("only %d of %d lab addresses name the person's ward", wardNamed, len(d.bySource["labtests"]))
	}
	need(t, "positive result", d.stats.Cases.PositiveTests)
}

func caseNCOVI(t *testing.T, d *parsedDump) {
	per := map[string]int{}
	var separated, str, upperPlain int
	tinh := map[string]bool{}
	for _, r := range d.bySource["ncovi"] {
		per[r.person]++
		if strings.ContainsAny(r.extra["cmnd"], " .") {
			separated++
		}
		if strings.HasPrefix(r.extra["nam_sinh"], `"`) {
			str++
		}
		if p := d.people[r.person]; p != nil && r.name == strings.ToUpper(vn.StripDiacritics(p.name)) {
			upperPlain++
		}
		tinh[r.extra["tinh"]] = true
	}
	many := 0
	for _, n := range per {
		if n >= 3 {
			many++
		}
	}
	need(t, "person with three declarations or more", many)
	need(t, "so_cmnd with spaces or dots", separated)
	need(t, "nam_sinh as a string", str)
	need(t, "name upper case without diacritics", upperPlain)
	for _, s := range []string{"Thành phố Hà Nội", "Ha Noi", "HN", "TP.HCM", "Ho Chi Minh", "Hà Nội"} {
		if !tinh[s] {
			t.Errorf("tinh_thanh never %q", s)
		}
	}
}

func caseVHD(t *testing.T, d *parsedDump) {
	type trip struct{ transport, number, date string }
	persons := map[trip]map[string]bool{}
	var entry, symptoms int
	for _, r := range d.bySource["vhd"] {
		if r.extra["type"] == "ENTRY" {
			entry++
		}
		if r.extra["symptoms"] != "" {
			symptoms++
		}
		if r.extra["transport_no"] == "" {
			continue
		}
		k := trip{r.extra["transport"], r.extra["transport_no"], r.extra["departure"]}
		if persons[k] == nil {
			persons[k] = map[string]bool{}
		}
		persons[k][r.person] = true
	}
	strangers, family := 0, 0
	for k, ps := range persons {
		households := map[string]int{}
		for p := range ps {
			h := p
			if x := d.people[p]; x != nil {
				h = x.household
			}
			households[h]++
		}
		if len(households) >= 2 {
			strangers++
		}
		for _, n := range households {
			if n >= 2 && k.transport == "FLIGHT" {
				family++
			}
		}
	}
	need(t, "trip declared by people of two households", strangers)
	need(t, "family on one flight", family)
	need(t, "ENTRY declaration", entry)
	need(t, "declaration with symptoms", symptoms)
}

func caseBirthDates(t *testing.T, d *parsedDump) {
	swapped, off := 0, 0
	for _, r := range d.recs {
		p := d.people[r.person]
		if p == nil || r.dob == "" || r.dob == p.birth {
			continue
		}
		if r.dob == p.birth[:4]+"-"+p.birth[8:10]+"-"+p.birth[5:7] {
			swapped++
		}
		if r.dob[4:] == p.birth[4:] {
			off++
		}
	}
	need(t, "birth date with day and month swapped", swapped)
	need(t, "birth date a year off", off)
}

// TestLegacyDeterministic checks that a seed and size give byte-identical
// dumps, another seed another dump, and that a rewrite leaves no
// temporary files.
func TestLegacyDeterministic(t *testing.T) {
	t.Parallel()
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, w := range []struct {
		dir  string
		seed int64
	}{{a, 9}, {b, 9}, {c, 10}} {
		if _, err := WriteLegacyDump(w.dir, w.seed, 4_000); err != nil {
			t.Fatal(err)
		}
	}
	differs := false
	filepath.WalkDir(a, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, path)
		x, y, z := readFile(t, path), readFile(t, filepath.Join(b, rel)), readFile(t, filepath.Join(c, rel))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with one seed", rel)
		}
		differs = differs || !bytes.Equal(x, z)
		return nil
	})
	if !differs {
		t.Error("another seed gave the same dump")
	}
	// Writing again over a dump replaces it.
	if _, err := WriteLegacyDump(a, 9, 1_000); err != nil {
		t.Fatal(err)
	}
	checkNoLegacyTemp(t, a)
	if n := bytes.Count(readFile(t, filepath.Join(a, "registry", "people.csv")), []byte("\n")); n != 1_001 {
		t.Errorf("rewritten people.csv has %d lines", n)
	}
}

func TestLegacyTinyAndInvalid(t *testing.T) {
	t.Parallel()
	d := loadDump(t, 3, 1)
	if len(d.people) != 1 {
		t.Errorf("%d persons", len(d.people))
	}
	if _, err := WriteLegacyDump(t.TempDir(), 1, -1); !errors.Is(err, problem.ErrInvalid) {
		t.Errorf("a negative size gave %v", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "vhd"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteLegacyDump(dir, 1, 100); err == nil {
		t.Error("writing over a file named vhd succeeded")
	}
}
