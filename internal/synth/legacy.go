package synth

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// A legacy dump is what the apps PC-Covid replaces would have exported
// about a synthetic population (FORMATS.md): the population's registry
// extract, and each person's Bluezone registrations, NCOVI and VHD
// declarations, health-book profiles, vaccination doses and lab tests,
// written the way people and offices really wrote them — with typos,
// missing diacritics, a parent's phone on a child's record, an identity
// number one digit off that is a neighbour's, foreigners in no registry —
// and truth.csv, which says who each record really is. It exists to
// measure the importer's record linkage honestly, so every hard case of
// FORMATS.md occurs at least as often as in the sample dump, and the
// volumes of the sources follow the sample's: about 3 records of the six
// apps per registry person, 5 rows per person counting the registry,
// insurance and contact files.

// LegacyStats describes a written legacy dump.
type LegacyStats struct {
	// Registry describes registry/people.csv and registry/insurance.csv.
	Registry Stats

	// Records of each source, as truth.csv lists them.
	Bluezone, NCOVI, VHD, Healthbook, Vaccination, Labtests int
	// Labs counts the rows of each labtests/<lab_code>.csv.
	Labs map[string]int
	// Contacts counts the rows of bluezone/contacts.csv, which are not
	// identity records.
	Contacts int

	// NoregPersons counts the people in no registry (NOREG-<n> in
	// truth.csv); NoregRecords their records.
	NoregPersons, NoregRecords int

	// Cases counts the hard cases of FORMATS.md.
	Cases LegacyCases

	// Bytes is the size of every file of the dump together.
	Bytes int64
}

// Records returns the number of identity records: the rows of truth.csv.
func (s LegacyStats) Records() int {
	return s.Bluezone + s.NCOVI + s.VHD + s.Healthbook + s.Vaccination + s.Labtests
}

// LegacyCases counts the hard cases of a dump. Counts are of records
// unless they say persons.
type LegacyCases struct {
	// A phone is not a person.
	FamilyPhone         int // records carrying a household member's number: a parent's for a child, a child's for an elderly parent, a spouse's
	NamelessFamilyPhone int // Bluezone registrations on a household member's number, without a name
	SharedWithNoreg     int // records of people in no registry carrying a number that belongs to a registry person (their host's, or a recycled number)
	SecondSIM           int // records with a number of the person's that the registry does not know
	OldPhoneForm        int // records with a pre-2018 11-digit number

	// Identity numbers.
	IDTypo        int // records whose CCCD or CMND has one wrong digit
	IDTypoOnOther int // of those, records whose wrong number is another registry person's
	OldIDGiven    int // records giving the old 9-digit CMND

	// Names and birth dates.
	TwinRecords      int // records of a person whose twin lives in the household
	NameUpper        int
	NameNoDiacritics int
	NameOldTone      int // Hòa for Hoà
	NameTypo         int // a letter dropped, doubled, swapped or mistyped
	NamePartial      int // Bluezone: given name only, or middle and given
	NameSpacing      int // a doubled, leading or trailing space
	NameNFD          int // stored decomposed (health book)
	NameMissing      int // Bluezone registrations without a name
	BirthDaySwapped  int // day and month swapped
	BirthYearOff     int // birth year one off
	BirthYearOnly    int // vaccination rows with the year only

	// People in no registry (persons).
	Foreigners         int // arrivals with a foreign passport
	OverseasVietnamese int // arrivals with a Vietnamese passport, in no registry
	NoregDomestic      int // residents in no registry: Bluezone and NCOVI only

	// Travel.
	EntryDeclarations   int // VHD ENTRY declarations
	ReturningOnPassport int // ENTRY declarations of registry persons with a Vietnamese passport
	CoTravel            int // declarations sharing a trip (transport, number, date) with an earlier one

	// Health book, vaccination portal, labs.
	ManagedProfiles  int // profiles created by another profile's owner
	DoubleManaged    int // persons with managed profiles from two accounts
	PortalDuplicates int // persons registered twice at the portal (two ma_doi_tuong)
	PositiveTests    int
	Uploaders        int // confirmed cases who uploaded their Bluezone contacts
}

// Subfolders of a dump, per FORMATS.md.
var legacyFolders = []string{"registry", "bluezone", "ncovi", "vhd", "healthbook", "vaccination", "labtests"}

// WriteLegacyDump writes the legacy dump of the population of the given
// number of persons generated from seed into dir (created if missing), in
// the layout and encodings of FORMATS.md, with truth.csv. Each file is
// written under a temporary name and renamed into place when complete.
// The same seed and size give byte-identical files. Memory stays bounded
// whatever the size: households stream, and the shuffle of each source
// spills to a temporary folder inside dir, removed at the end.
func WriteLegacyDump(dir string, seed int64, persons int) (LegacyStats, error) {
	pop, err := NewPopulation(seed, persons)
	if err != nil {
		return LegacyStats{}, err
	}
	for _, f := range legacyFolders {
		if err := os.MkdirAll(filepath.Join(dir, f), 0o755); err != nil {
			return LegacyStats{}, fmt.Errorf("synth: %w", err)
		}
	}
	// The registry is another pass over the same population; it runs
	// beside the apps' pass.
	type registryResult struct {
		stats Stats
		err   error
	}
	registry := make(chan registryResult, 1)
	go func() {
		s, err := WriteRegistry(filepath.Join(dir, "registry"), seed, persons)
		registry <- registryResult{s, err}
	}()
	stats, err := writeLegacySources(dir, pop)
	reg := <-registry
	if err = errors.Join(err, reg.err); err != nil {
		return LegacyStats{}, err
	}
	stats.Registry = reg.stats
	stats.Bytes += reg.stats.PeopleBytes + reg.stats.InsuranceBytes
	for _, f := range legacyFolders {
		syncDir(filepath.Join(dir, f))
	}
	syncDir(dir)
	return stats, nil
}

func writeLegacySources(dir string, pop *Population) (LegacyStats, error) {
	spill, err := os.MkdirTemp(dir, ".legacy-spill-*")
	if err != nil {
		return LegacyStats{}, fmt.Errorf("synth: %w", err)
	}
	defer os.RemoveAll(spill)
	g, err := newLegacyGen(dir, spill, pop)
	if err != nil {
		return LegacyStats{}, err
	}
	defer g.abort()
	for h := range pop.Households() {
		g.household(&h)
	}
	return g.finish(dir)
}

// legacyGen is the state of one pass writing a dump: the random streams,
// the sinks, identifier counters and a bounded memory of recent people
// (for neighbours' numbers, recycled phones, co-travellers and contacts).
type legacyGen struct {
	r     *rand.Rand // record content
	sr    *rand.Rand // spill buckets and shuffles
	t     *tables
	book  *placeBook
	key   uint64 // the population issuer's key
	stats *LegacyStats

	bluezone, ncovi, vhd, healthbook, vaccination *recordSink
	labs                                          []*recordSink
	contacts                                      *atomicFile

	ids     legacyIDs
	memory  legacyMemory
	trips   tripPools
	members []member
	plate   string // the household's car, once it drove

	scratch, line, enc []byte
}

func newLegacyGen(dir, spill string, pop *Population) (*legacyGen, error) {
	seed := uint64(pop.Seed())
	g := &legacyGen{
		r:     rand.New(rand.NewPCG(seed, 0x1e9a_c7d0_5eed_0001)),
		sr:    rand.New(rand.NewPCG(seed, 0x1e9a_c7d0_5eed_0002)),
		t:     pop.t,
		book:  legacyPlaces(),
		key:   newIssuer(pop.Seed()).key,
		stats: &LegacyStats{Labs: map[string]int{}},
	}
	g.ids = newLegacyIDs(g.key)
	g.memory = newLegacyMemory()
	g.trips = newTripPools()
	if err := g.openSinks(dir, spill, pop.Persons()); err != nil {
		g.abort()
		return nil, err
	}
	return g, nil
}

// sinkSpec describes one shuffled output file.
type sinkSpec struct {
	sink            **recordSink
	source, path    string
	rate            float64 // expected records per person
	lineStart       string
	keyPrefix       string
	keyWidth        int
	head, sep, tail string
	last            string
	truthDir        string
}

func (g *legacyGen) openSinks(dir, spill string, persons int) error {
	specs := []sinkSpec{
		{sink: &g.bluezone, source: "bluezone", path: "bluezone/users.csv", rate: 0.26,
			head: "bluezone_id,phone_number,full_name,created_at,platform\n"},
		{sink: &g.ncovi, source: "ncovi", path: "ncovi/declarations.jsonl", rate: 0.7,
			lineStart: `{"ma_khai_bao":"`, keyPrefix: "NC-", keyWidth: 6},
		{sink: &g.vhd, source: "vhd", path: "vhd/declarations.csv", rate: 0.47, keyPrefix: "VHD", keyWidth: 7,
			head: "\ufeffdeclaration_id,declaration_type,full_name,date_of_birth,gender,id_type,id_number,nationality,phone,province_code,district_code,ward_code,address,from_place,to_place,transport,transport_no,seat_no,departure_date,symptoms,declared_at\n"},
		{sink: &g.healthbook, source: "healthbook", path: "healthbook/profiles.json", rate: 0.29,
			head: "[\n", sep: ",\n", last: "\n", tail: "]\n"},
		{sink: &g.vaccination, source: "vaccination", path: "vaccination/doses.csv", rate: 1.1, keyPrefix: "MM", keyWidth: 7,
			head: "ma_mui;ma_doi_tuong;ho_va_ten;ngay_sinh;gioi_tinh;so_dinh_danh;so_dien_thoai;mui_tiem;ten_vac_xin;so_lo;ngay_tiem;co_so_tiem;ma_tinh\r\n"},
	}
	g.labs = make([]*recordSink, len(legacyLabs))
	for i, lab := range legacyLabs {
		specs = append(specs, sinkSpec{sink: &g.labs[i], source: "labtests", path: "labtests/" + lab + ".csv", rate: 0.06,
			keyPrefix: "XN", keyWidth: 6, truthDir: lab + "/",
			head: "ma_mau,ho_ten,nam_sinh,gioi_tinh,sdt,cccd,dia_chi,loai_xet_nghiem,ket_qua,ngay_lay_mau,ngay_tra_ket_qua\n"})
	}
	for _, sp := range specs {
		s, err := newSink(spill, sp.source, filepath.Join(dir, sp.path), int(sp.rate*float64(persons)))
		if err != nil {
			return err
		}
		s.keyPrefix, s.keyWidth, s.truthDir = sp.keyPrefix, sp.keyWidth, sp.truthDir
		s.lineStart = []byte(sp.lineStart)
		s.head, s.sep, s.tail, s.last = []byte(sp.head), []byte(sp.sep), []byte(sp.tail), []byte(sp.last)
		*sp.sink = s
	}
	c, err := newAtomicFile(filepath.Join(dir, "bluezone"), "contacts.csv")
	if err != nil {
		return err
	}
	g.contacts = c
	c.w.WriteString("bluezone_id,contact_bluezone_id,first_seen,last_seen,rssi_max\n")
	return nil
}

func (g *legacyGen) sinks() []*recordSink {
	return append([]*recordSink{g.bluezone, g.ncovi, g.vhd, g.healthbook, g.vaccination}, g.labs...)
}

// abort closes and removes what finish did not commit.
func (g *legacyGen) abort() {
	for _, s := range g.sinks() {
		if s != nil {
			s.close()
		}
	}
	if g.contacts != nil {
		g.contacts.abort()
	}
}

// finish writes every shuffled file and truth.csv, and commits them.
func (g *legacyGen) finish(dir string) (LegacyStats, error) {
	st := g.stats
	size, err := g.contacts.commit()
	if err != nil {
		return LegacyStats{}, err
	}
	st.Bytes += size
	truth, err := newAtomicFile(dir, "truth.csv")
	if err != nil {
		return LegacyStats{}, err
	}
	defer truth.abort()
	truth.w.WriteString("source,record_key,person_key\n")
	for _, s := range g.sinks() {
		size, err := s.finish(g.sr, truth.w)
		if err != nil {
			return LegacyStats{}, err
		}
		st.Bytes += size
	}
	if size, err = truth.commit(); err != nil {
		return LegacyStats{}, err
	}
	st.Bytes += size
	st.Bluezone, st.NCOVI, st.VHD = g.bluezone.n, g.ncovi.n, g.vhd.n
	st.Healthbook, st.Vaccination = g.healthbook.n, g.vaccination.n
	for i, s := range g.labs {
		st.Labs[legacyLabs[i]] = s.n
		st.Labtests += s.n
	}
	return *st, nil
}

// put spills one record of member m.
func (g *legacyGen) put(s *recordSink, m *member, key string, body []byte) {
	s.put(g.sr, m.key, key, body)
	if m.noreg {
		g.stats.NoregRecords++
	}
	if m.p.Twin {
		g.stats.Cases.TwinRecords++
	}
}

// household writes every record of the members of h, then the records of
// the people in no registry who come with it at the population's rates.
func (g *legacyGen) household(h *Household) {
	g.members = g.members[:0]
	g.plate = ""
	for i := range h.Members {
		g.members = append(g.members, g.registryMember(&h.Members[i]))
	}
	ms := g.members
	g.familyPhones(ms)
	for i := range ms {
		g.planDoses(&ms[i])
		g.planTests(&ms[i])
	}
	g.householdTests(ms)
	for i := range ms {
		m := &ms[i]
		if chance(g.r, m.engaged*bluezoneShare(m.age)) {
			g.bluezoneUsers(m, 1+boolInt(chance(g.r, 0.02)))
		}
		if chance(g.r, m.engaged*ncoviShare(m.age)) {
			g.declarations(m, ncoviCount(g.r))
		}
		g.doses(m)
	}
	g.travels(ms)
	g.healthbookProfiles(ms)
	for i := range ms {
		g.labRecords(&ms[i])
	}
	g.strangers(h, ms)
	g.remember(ms)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// newNoreg returns the person key of the next person in no registry.
func (g *legacyGen) newNoreg() string {
	g.ids.noreg++
	g.stats.NoregPersons++
	g.scratch = appendNum(append(g.scratch[:0], "NOREG-"...), g.ids.noreg)
	return string(g.scratch)
}
