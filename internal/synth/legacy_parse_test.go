package synth

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/pccovid/pccovid/internal/vn"
)

// Small, independent readers of a dump, written from FORMATS.md alone:
// each checks the format of its file as it reads and turns the records
// into lrec values for the truth and hard-case checks. They deliberately
// share nothing with the generator.

// lrec is one identity record of a dump as the tests see it.
type lrec struct {
	source, key, person string
	name                string
	year                int    // birth year given, 0 if none
	dob                 string // YYYY-MM-DD when a full birth date is given
	id                  string // digits of the CCCD or CMND given
	rawPhone            string
	phone               string // normalised: 0xxxxxxxxx, or +… for a foreign number
	sex                 byte   // 'M', 'F', or 0
	extra               map[string]string
}

// regRow is a row of registry/people.csv.
type regRow struct {
	cccd, old, name, birth, ward, household, phone string
	sex                                            byte
}

// parsedDump is a dump read back.
type parsedDump struct {
	dir      string
	stats    LegacyStats
	people   map[string]*regRow // by CCCD
	byOld    map[string]string  // CMND → CCCD
	owners   map[string][]string
	truth    map[[2]string]string
	truthLen int
	recs     []*lrec
	bySource map[string][]*lrec
	contacts [][]string
	profiles []map[string]json.RawMessage
}

var (
	legacyFrom  = time.Date(2020, 3, 1, 0, 0, 0, 0, vn.Location())
	legacyUntil = time.Date(2022, 4, 1, 0, 0, 0, 0, vn.Location())
)

func inWindow(t time.Time) bool { return !t.Before(legacyFrom) && t.Before(legacyUntil) }

// testOldToNew converts the 11-digit prefixes of FORMATS.md.
var testOldToNew = map[string]string{
	"0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036", "0167": "037", "0168": "038", "0169": "039",
	"0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
	"0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
	"0186": "056", "0188": "058", "0199": "059",
}

// phoneShape names the form a phone was written in, or "" if none fits.
func phoneShape(s string) string {
	switch {
	case s == "":
		return "empty"
	case regexp.MustCompile(`^0[35789]\d{8}$`).MatchString(s):
		return "local"
	case regexp.MustCompile(`^0[35789]\d{2} \d{3} \d{3}$`).MatchString(s):
		return "spaced"
	case regexp.MustCompile(`^\+84[35789]\d{8}$`).MatchString(s):
		return "plus"
	case regexp.MustCompile(`^84[35789]\d{8}$`).MatchString(s):
		return "84"
	case regexp.MustCompile(`^[35789]\d{8}$`).MatchString(s):
		return "bare"
	case regexp.MustCompile(`^01\d{9}$`).MatchString(s) && testOldToNew[s[:4]] != "":
		return "old"
	case regexp.MustCompile(`^\+[1-9]\d{7,14}$`).MatchString(s) && !strings.HasPrefix(s, "+84"):
		return "foreign"
	}
	return ""
}

func normPhone(s string) string {
	switch shape := phoneShape(s); shape {
	case "empty", "":
		return ""
	case "foreign":
		return s
	case "old":
		return testOldToNew[s[:4]] + s[4:]
	}
	var d []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			d = append(d, s[i])
		}
	}
	switch len(d) {
	case 9:
		return "0" + string(d)
	case 11:
		return "0" + string(d[2:])
	}
	return string(d)
}

func digitsOnly(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func readCSVFile(t *testing.T, data []byte, sep rune, fields int) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = sep
	r.FieldsPerRecord = fields
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkHeader(t *testing.T, file string, got []string, want string) {
	t.Helper()
	if strings.Join(got, ",") != want {
		t.Errorf("%s: header %q, want %q", file, got, want)
	}
}

// parseDMY parses DD/MM/YYYY, failing on impossible dates.
func parseDMY(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("02/01/2006", s, vn.Location())
	return t, err == nil
}

func dmyToISO(s string) string { return s[6:10] + "-" + s[3:5] + "-" + s[0:2] }

// loadDump writes a dump of n persons from seed and reads it all back,
// checking every file's format on the way.
func loadDump(t *testing.T, seed int64, n int) *parsedDump {
	t.Helper()
	dir := t.TempDir()
	stats, err := WriteLegacyDump(dir, seed, n)
	if err != nil {
		t.Fatal(err)
	}
	d := &parsedDump{dir: dir, stats: stats, people: map[string]*regRow{}, byOld: map[string]string{},
		owners: map[string][]string{}, truth: map[[2]string]string{}, bySource: map[string][]*lrec{}}
	d.readRegistry(t)
	d.readTruth(t)
	d.readBluezone(t)
	d.readNCOVI(t)
	d.readVHD(t)
	d.readHealthbook(t)
	d.readVaccination(t)
	d.readLabs(t)
	return d
}

func (d *parsedDump) add(r *lrec) {
	r.phone = normPhone(r.rawPhone)
	d.recs = append(d.recs, r)
	d.bySource[r.source] = append(d.bySource[r.source], r)
}

func (d *parsedDump) readRegistry(t *testing.T) {
	rows := readCSVFile(t, readFile(t, filepath.Join(d.dir, "registry", "people.csv")), ',', 9)
	checkHeader(t, "people.csv", rows[0], "cccd,old_id,full_name,birth_date,sex,ward_code,address,household_id,phone")
	for _, r := range rows[1:] {
		p := &regRow{cccd: r[0], old: r[1], name: r[2], birth: r[3], sex: r[4][0], ward: r[5], household: r[7], phone: r[8]}
		d.people[p.cccd] = p
		if p.old != "" {
			d.byOld[p.old] = p.cccd
		}
		if p.phone != "" {
			d.owners[p.phone] = append(d.owners[p.phone], p.cccd)
		}
	}
	ins := readCSVFile(t, readFile(t, filepath.Join(d.dir, "registry", "insurance.csv")), ',', 4)
	checkHeader(t, "insurance.csv", ins[0], "cccd,bhxh_code,card_number,valid_to")
}

func (d *parsedDump) readTruth(t *testing.T) {
	rows := readCSVFile(t, readFile(t, filepath.Join(d.dir, "truth.csv")), ',', 3)
	checkHeader(t, "truth.csv", rows[0], "source,record_key,person_key")
	noreg := regexp.MustCompile(`^NOREG-[1-9]\d*$`)
	for _, r := range rows[1:] {
		k := [2]string{r[0], r[1]}
		if _, dup := d.truth[k]; dup {
			t.Errorf("truth.csv lists %s %s twice", r[0], r[1])
		}
		if d.people[r[2]] == nil && !noreg.MatchString(r[2]) {
			t.Errorf("truth.csv: %s %s is person %q, neither a registry CCCD nor NOREG-<n>", r[0], r[1], r[2])
		}
		d.truth[k] = r[2]
	}
	d.truthLen = len(rows) - 1
}

// person returns the truth of a record, failing if truth.csv lacks it.
func (d *parsedDump) person(t *testing.T, source, key string) string {
	t.Helper()
	p, ok := d.truth[[2]string{source, key}]
	if !ok {
		t.Errorf("truth.csv lacks %s %s", source, key)
	}
	return p
}

func (d *parsedDump) readBluezone(t *testing.T) {
	rows := readCSVFile(t, readFile(t, filepath.Join(d.dir, "bluezone", "users.csv")), ',', 5)
	checkHeader(t, "users.csv", rows[0], "bluezone_id,phone_number,full_name,created_at,platform")
	id := regexp.MustCompile(`^[A-Z2-7]{6}$`)
	ids := map[string]int64{}
	for _, r := range rows[1:] {
		if !id.MatchString(r[0]) {
			t.Errorf("bluezone id %q", r[0])
		}
		if s := phoneShape(r[1]); s == "" || s == "empty" || s == "foreign" {
			t.Errorf("bluezone %s: phone %q", r[0], r[1])
		}
		ms, err := strconv.ParseInt(r[3], 10, 64)
		if err != nil || !inWindow(time.UnixMilli(ms)) {
			t.Errorf("bluezone %s: created_at %q", r[0], r[3])
		}
		if r[4] != "android" && r[4] != "ios" {
			t.Errorf("bluezone %s: platform %q", r[0], r[4])
		}
		ids[r[0]] = ms
		d.add(&lrec{source: "bluezone", key: r[0], person: d.person(t, "bluezone", r[0]), name: r[2], rawPhone: r[1]})
	}
	crows := readCSVFile(t, readFile(t, filepath.Join(d.dir, "bluezone", "contacts.csv")), ',', 5)
	checkHeader(t, "contacts.csv", crows[0], "bluezone_id,contact_bluezone_id,first_seen,last_seen,rssi_max")
	for _, r := range crows[1:] {
		first, err1 := strconv.ParseInt(r[2], 10, 64)
		last, err2 := strconv.ParseInt(r[3], 10, 64)
		rssi, err3 := strconv.Atoi(r[4])
		a, okA := ids[r[0]]
		b, okB := ids[r[1]]
		if err1 != nil || err2 != nil || err3 != nil || !okA || !okB || first > last || rssi >= 0 ||
			first < max(a, b) || !inWindow(time.UnixMilli(last)) {
			t.Errorf("contacts.csv: bad row %q", r)
		}
	}
	d.contacts = crows[1:]
}

var ncoviKeys = []string{"ma_khai_bao", "ho_ten", "nam_sinh", "gioi_tinh", "so_cmnd", "so_dien_thoai", "tinh_thanh",
	"quan_huyen", "phuong_xa", "dia_chi", "trieu_chung", "tiep_xuc", "thoi_gian"}

func (d *parsedDump) readNCOVI(t *testing.T) {
	data := readFile(t, filepath.Join(d.dir, "ncovi", "declarations.jsonl"))
	if !utf8.Valid(data) {
		t.Fatal("declarations.jsonl is not UTF-8")
	}
	idForm := regexp.MustCompile(`^(\d{9}|\d{12}|\d{3}([ .]\d{3}){2}|\d{3}([ .]\d{3}){3})?$`)
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" && len(data) == 0 {
			break
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("ncovi: %v: %s", err, line)
		}
		if len(m) != len(ncoviKeys) || !strings.HasPrefix(line, `{"ma_khai_bao":"NC-`) {
			t.Errorf("ncovi: keys of %s", line)
		}
		str := func(k string) string {
			var s string
			if err := json.Unmarshal(m[k], &s); err != nil {
				t.Errorf("ncovi: %s is not a string in %s", k, line)
			}
			return s
		}
		r := &lrec{source: "ncovi", key: str("ma_khai_bao"), name: str("ho_ten"), rawPhone: str("so_dien_thoai"),
			extra: map[string]string{"tinh": str("tinh_thanh"), "quan": str("quan_huyen"), "xa": str("phuong_xa"),
				"cmnd": str("so_cmnd"), "nam_sinh": string(m["nam_sinh"])}}
		r.person = d.person(t, "ncovi", r.key)
		ys := strings.Trim(string(m["nam_sinh"]), `"`)
		if r.year, _ = strconv.Atoi(ys); len(ys) != 4 || r.year < 1900 {
			t.Errorf("ncovi %s: nam_sinh %s", r.key, m["nam_sinh"])
		}
		switch str("gioi_tinh") {
		case "Nam":
			r.sex = 'M'
		case "Nữ":
			r.sex = 'F'
		case "Khác":
		default:
			t.Errorf("ncovi %s: gioi_tinh %s", r.key, m["gioi_tinh"])
		}
		if !idForm.MatchString(r.extra["cmnd"]) {
			t.Errorf("ncovi %s: so_cmnd %q", r.key, r.extra["cmnd"])
		}
		r.id = digitsOnly(r.extra["cmnd"])
		if phoneShape(r.rawPhone) == "" {
			t.Errorf("ncovi %s: phone %q", r.key, r.rawPhone)
		}
		var sym map[string]bool
		var exp map[string]bool
		if json.Unmarshal(m["trieu_chung"], &sym) != nil || len(sym) != 5 || json.Unmarshal(m["tiep_xuc"], &exp) != nil || len(exp) != 2 {
			t.Errorf("ncovi %s: trieu_chung or tiep_xuc", r.key)
		}
		at, err := time.ParseInLocation("2006-01-02 15:04:05", str("thoi_gian"), vn.Location())
		if err != nil || !inWindow(at) {
			t.Errorf("ncovi %s: thoi_gian %s", r.key, m["thoi_gian"])
		}
		d.add(r)
	}
}

var vhdHeader = "declaration_id,declaration_type,full_name,date_of_birth,gender,id_type,id_number,nationality,phone,province_code,district_code,ward_code,address,from_place,to_place,transport,transport_no,seat_no,departure_date,symptoms,declared_at"

func (d *parsedDump) readVHD(t *testing.T) {
	data := readFile(t, filepath.Join(d.dir, "vhd", "declarations.csv"))
	if !bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		t.Fatal("vhd/declarations.csv has no byte-order mark")
	}
	rows := readCSVFile(t, data[3:], ',', 21)
	checkHeader(t, "vhd", rows[0], vhdHeader)
	units := vn.AdminUnits()
	seats := map[string]*regexp.Regexp{
		"FLIGHT": regexp.MustCompile(`^\d{1,2}[A-F]$`), "TRAIN": regexp.MustCompile(`^\d{1,2}-\d{1,2}$`),
		"BUS": regexp.MustCompile(`^\d{1,2}$`), "SHIP": regexp.MustCompile(`^[A-C]\d{1,3}$`),
		"CAR": regexp.MustCompile(`^$`), "OTHER": regexp.MustCompile(`^$`),
	}
	symptoms := regexp.MustCompile(`^((fever|cough|breath|sore_throat|taste_loss)(\|(cough|breath|sore_throat|taste_loss))*)?$`)
	for _, c := range rows[1:] {
		r := &lrec{source: "vhd", key: c[0], name: c[2], rawPhone: c[8], person: d.person(t, "vhd", c[0]), extra: map[string]string{
			"type": c[1], "id_type": c[5], "id_number": c[6], "nationality": c[7], "ward": c[11], "transport": c[15],
			"transport_no": c[16], "seat": c[17], "departure": c[18], "symptoms": c[19]}}
		bad := func(what string) { t.Errorf("vhd %s: %s in %q", c[0], what, c) }
		if c[1] != "DOMESTIC" && c[1] != "ENTRY" {
			bad("declaration_type")
		}
		if bt, ok := parseDMY(c[3]); !ok || bt.After(legacyUntil) {
			bad("date_of_birth")
		} else {
			r.dob, r.year = dmyToISO(c[3]), bt.Year()
		}
		switch c[4] {
		case "MALE":
			r.sex = 'M'
		case "FEMALE":
			r.sex = 'F'
		case "OTHER":
		default:
			bad("gender")
		}
		switch {
		case c[5] == "CCCD" && len(c[6]) == 12 && digitsOnly(c[6]) == c[6], c[5] == "CMND" && len(c[6]) == 9 && digitsOnly(c[6]) == c[6]:
			r.id = c[6]
		case c[5] == "PASSPORT" && c[6] != "", c[5] == "" && c[6] == "":
		default:
			bad("id_type and id_number")
		}
		if !regexp.MustCompile(`^[A-Z]{3}$`).MatchString(c[7]) || c[1] == "DOMESTIC" && c[7] != "VNM" {
			bad("nationality")
		}
		if phoneShape(c[8]) == "" {
			bad("phone")
		}
		if c[9] != "" || c[10] != "" || c[11] != "" {
			p, dist, _, ok := units.WardPath(c[11])
			if !ok || p.Code != c[9] || dist.Code != c[10] {
				bad("place codes")
			}
		} else if c[1] == "DOMESTIC" {
			bad("place codes of a domestic declaration")
		}
		if re, ok := seats[c[15]]; !ok || !re.MatchString(c[17]) || (c[16] == "") != (c[15] == "OTHER") {
			bad("transport, number or seat")
		}
		if dep, err := time.ParseInLocation("2006-01-02", c[18], vn.Location()); err != nil || !inWindow(dep) {
			bad("departure_date")
		}
		if !symptoms.MatchString(c[19]) {
			bad("symptoms")
		}
		if at, err := time.Parse(time.RFC3339, c[20]); err != nil || !strings.HasSuffix(c[20], "+07:00") || !inWindow(at) {
			bad("declared_at")
		}
		d.add(r)
	}
}

var bookKeys = []string{"profileId", "fullName", "birthDate", "sex", "identityNumber", "phoneNumber",
	"healthInsuranceNumber", "provinceCode", "address", "managedBy", "chronicConditions", "vaccinations", "testResults"}

func (d *parsedDump) readHealthbook(t *testing.T) {
	data := readFile(t, filepath.Join(d.dir, "healthbook", "profiles.json"))
	if !bytes.HasPrefix(data, []byte("[\n")) || !bytes.HasSuffix(data, []byte("\n]\n")) || !utf8.Valid(data) || bytes.Contains(data, []byte("\n\n")) {
		t.Fatal("profiles.json is not one JSON array of lines in UTF-8")
	}
	if err := json.Unmarshal(data, &d.profiles); err != nil {
		t.Fatal(err)
	}
	ids := map[string]map[string]json.RawMessage{}
	for _, p := range d.profiles {
		var id string
		json.Unmarshal(p["profileId"], &id)
		ids[id] = p
	}
	for _, p := range d.profiles {
		d.add(d.bookRecord(t, p, ids))
	}
}

// bookRecord checks one health-book profile and returns its record.
func (d *parsedDump) bookRecord(t *testing.T, p map[string]json.RawMessage, ids map[string]map[string]json.RawMessage) *lrec {
	oid := regexp.MustCompile(`^[0-9a-f]{24}$`)
	str := func(k string) string {
		var s string
		if err := json.Unmarshal(p[k], &s); err != nil {
			t.Errorf("healthbook: %s is %s, not a string", k, p[k])
		}
		return s
	}
	r := &lrec{source: "healthbook", key: str("profileId"), name: str("fullName"), dob: str("birthDate"),
		id: str("identityNumber"), rawPhone: str("phoneNumber"), extra: map[string]string{"managedBy": string(p["managedBy"]),
			"insurance": str("healthInsuranceNumber"), "province": str("provinceCode")}}
	r.person = d.person(t, "healthbook", r.key)
	bad := func(what string) { t.Errorf("healthbook %s: %s", r.key, what) }
	if len(p) != len(bookKeys) {
		bad("keys")
	}
	if !oid.MatchString(r.key) {
		bad("profileId")
	}
	if bt, err := time.Parse("2006-01-02", r.dob); err != nil {
		bad("birthDate")
	} else {
		r.year = bt.Year()
	}
	switch string(p["sex"]) {
	case "1":
		r.sex = 'M'
	case "2":
		r.sex = 'F'
	default:
		bad("sex")
	}
	if l := len(r.id); l != 0 && l != 9 && l != 12 {
		bad("identityNumber")
	}
	if phoneShape(r.rawPhone) == "" {
		bad("phoneNumber")
	}
	if c := r.extra["insurance"]; c != "" && !regexp.MustCompile(`^[A-Z]{2}[1-5]\d{12}$`).MatchString(c) {
		bad("healthInsuranceNumber")
	}
	if mb := string(p["managedBy"]); mb != "null" {
		var owner string
		json.Unmarshal(p["managedBy"], &owner)
		if o, ok := ids[owner]; !ok || string(o["managedBy"]) != "null" {
			bad("managedBy is not an owner's profileId")
		}
		r.extra["managedBy"] = owner
	} else {
		r.extra["managedBy"] = ""
	}
	var doses []struct {
		Dose                         int
		Vaccine, Date, Lot, Facility string
	}
	if err := json.Unmarshal(p["vaccinations"], &doses); err != nil {
		bad("vaccinations")
	}
	for _, v := range doses {
		if dt, err := time.ParseInLocation("2006-01-02", v.Date, vn.Location()); err != nil || !inWindow(dt) || v.Dose < 1 || v.Dose > 4 {
			bad("a vaccination")
		}
	}
	var tests []struct{ Type, Result, SampledAt, Lab string }
	if err := json.Unmarshal(p["testResults"], &tests); err != nil {
		bad("testResults")
	}
	for _, x := range tests {
		at, err := time.Parse(time.RFC3339, x.SampledAt)
		if err != nil || !inWindow(at) || x.Result != "NEGATIVE" && x.Result != "POSITIVE" {
			bad("a test result")
		}
	}
	return r
}

// vaccineSpellings is the table of FORMATS.md.
var vaccineSpellings = []string{"AstraZeneca", "Astra Zeneca", "AZD1222", "Vaxzevria", "Covishield",
	"Pfizer", "Pfizer-BioNTech", "Comirnaty", "pfizer", "Moderna", "Spikevax",
	"Sinopharm", "Vero Cell", "Verocell", "BBIBP-CorV", "Sputnik V", "Gam-COVID-Vac", "SputnikV",
	"Abdala", "CIGB-66", "Hayat-Vax", "Hayat Vax"}

func (d *parsedDump) readVaccination(t *testing.T) {
	raw := readFile(t, filepath.Join(d.dir, "vaccination", "doses.csv"))
	if utf8.Valid(raw) {
		t.Error("doses.csv is valid UTF-8: it should be Windows-1258")
	}
	if n, crlf := bytes.Count(raw, []byte("\n")), bytes.Count(raw, []byte("\r\n")); n != crlf || n == 0 {
		t.Errorf("doses.csv: %d line ends, %d of them CRLF", n, crlf)
	}
	data, err := charmap.Windows1258.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSVFile(t, data, ';', 13)
	checkHeader(t, "doses.csv", rows[0], "ma_mui,ma_doi_tuong,ho_va_ten,ngay_sinh,gioi_tinh,so_dinh_danh,so_dien_thoai,mui_tiem,ten_vac_xin,so_lo,ngay_tiem,co_so_tiem,ma_tinh")
	units := vn.AdminUnits()
	for _, c := range rows[1:] {
		r := &lrec{source: "vaccination", key: c[0], name: c[2], id: c[5], rawPhone: c[6], person: d.person(t, "vaccination", c[0]),
			extra: map[string]string{"portal": c[1], "dose": c[7], "vaccine": c[8], "date": c[10], "province": c[12], "ngay_sinh": c[3]}}
		bad := func(what string) { t.Errorf("vaccination %s: %s in %q", c[0], what, c) }
		if !regexp.MustCompile(`^MM\d{7}$`).MatchString(c[0]) || !regexp.MustCompile(`^DT-\d{8}$`).MatchString(c[1]) {
			bad("ma_mui or ma_doi_tuong")
		}
		switch {
		case len(c[3]) == 4:
			r.year, _ = strconv.Atoi(c[3])
		default:
			bt, ok := parseDMY(c[3])
			if !ok {
				bad("ngay_sinh")
			}
			r.dob, r.year = dmyToISO(c[3]), bt.Year()
		}
		switch c[4] {
		case "1":
			r.sex = 'M'
		case "0":
			r.sex = 'F'
		default:
			bad("gioi_tinh")
		}
		if l := len(c[5]); l != 0 && l != 9 && l != 12 || phoneShape(c[6]) == "" {
			bad("so_dinh_danh or so_dien_thoai")
		}
		if n, err := strconv.Atoi(c[7]); err != nil || n < 1 || n > 4 || !slices.Contains(vaccineSpellings, c[8]) || c[9] == "" {
			bad("mui_tiem, ten_vac_xin or so_lo")
		}
		if dt, ok := parseDMY(c[10]); !ok || dt.Before(time.Date(2021, 3, 8, 0, 0, 0, 0, vn.Location())) || !inWindow(dt) {
			bad("ngay_tiem")
		}
		if _, ok := units.Province(c[12]); !ok || c[11] == "" {
			bad("co_so_tiem or ma_tinh")
		}
		d.add(r)
	}
}

var (
	labResults = []string{"Dương tính", "DUONG TINH", "POS", "Âm tính", "AM TINH", "NEG"}
	labTypes   = []string{"RT-PCR", "Test nhanh kháng nguyên", "RAT"}
)

func (d *parsedDump) readLabs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(d.dir, "labtests", "*.csv"))
	if err != nil || len(files) < 3 {
		t.Fatalf("labtests: %d files (%v)", len(files), err)
	}
	for _, f := range files {
		lab := strings.TrimSuffix(filepath.Base(f), ".csv")
		rows := readCSVFile(t, readFile(t, f), ',', 11)
		checkHeader(t, lab, rows[0], "ma_mau,ho_ten,nam_sinh,gioi_tinh,sdt,cccd,dia_chi,loai_xet_nghiem,ket_qua,ngay_lay_mau,ngay_tra_ket_qua")
		for _, c := range rows[1:] {
			key := lab + "/" + c[0]
			r := &lrec{source: "labtests", key: key, name: c[1], rawPhone: c[4], id: c[5], person: d.person(t, "labtests", key),
				extra: map[string]string{"address": c[6], "result": c[8], "type": c[7]}}
			bad := func(what string) { t.Errorf("lab %s: %s in %q", key, what, c) }
			var err error
			if r.year, err = strconv.Atoi(c[2]); err != nil || len(c[2]) != 4 {
				bad("nam_sinh")
			}
			switch c[3] {
			case "Nam":
				r.sex = 'M'
			case "Nữ":
				r.sex = 'F'
			default:
				bad("gioi_tinh")
			}
			if l := len(c[5]); l != 0 && l != 9 && l != 12 || digitsOnly(c[5]) != c[5] || phoneShape(c[4]) == "" {
				bad("cccd or sdt")
			}
			if !slices.Contains(labTypes, c[7]) || !slices.Contains(labResults, c[8]) || c[6] == "" {
				bad("loai_xet_nghiem, ket_qua or dia_chi")
			}
			taken, err1 := time.ParseInLocation("02/01/2006 15:04", c[9], vn.Location())
			told, err2 := time.ParseInLocation("02/01/2006 15:04", c[10], vn.Location())
			if err1 != nil || err2 != nil || told.Before(taken) || !inWindow(taken) || !inWindow(told) {
				bad("dates")
			}
			d.add(r)
		}
	}
}
