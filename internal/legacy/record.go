// Package legacy reads the exports of the apps PC-Covid replaces — Bluezone,
// NCOVI, VHD, the electronic health book, the vaccination portal and the
// labs' line lists — in the format of the legacy data contract
// (FORMATS.md), and yields each record in one canonical form: the identity
// evidence linkage needs to decide who the record is, and the payload
// (declaration, doses, tests, Bluezone registration) to carry over.
//
// Readers stream: files of tens of millions of rows are never held whole.
// A row that breaks the format is set aside with its file, line and reason
// and the rest goes on; a file that is truncated or cannot be decoded stops
// with a clear error, and the records of the batch it was in are never
// handed on.
package legacy

import (
	"time"

	"github.com/pccovid/pccovid/internal/vn"
)

// Source names one legacy app.
type Source string

// The sources, in the order a dump is read.
const (
	Bluezone    Source = "bluezone"
	NCOVI       Source = "ncovi"
	VHD         Source = "vhd"
	Healthbook  Source = "healthbook"
	Vaccination Source = "vaccination"
	Labtests    Source = "labtests"
)

// Sources lists every source in reading order.
var Sources = []Source{Bluezone, NCOVI, VHD, Healthbook, Vaccination, Labtests}

// Record is one legacy record in canonical form. Every identity field is
// normalised (NFC names, E.164 phones, digits-only ID numbers, admin-unit
// codes resolved from names) and empty when the record does not have it.
type Record struct {
	Source Source
	// Key is the record_key of FORMATS.md: bluezone_id, ma_khai_bao,
	// declaration_id, profileId, ma_mui, or <lab_code>/<ma_mau>.
	Key string
	// File and Line say where the record was read, for reports.
	File string
	Line int
	// At is when the record was made: registration, declaration, dose or
	// sampling time.
	At time.Time

	// Identity evidence.
	FullName    string  // NFC, title case, as given otherwise
	BirthDate   vn.Date // year-only when the source has only the year
	Sex         vn.Sex
	CCCD        string // 12 digits
	CMND        string // 9 digits
	Passport    string
	Nationality string // ISO 3166-1 alpha-3; "" when not stated
	Phone       vn.Phone
	// InsuranceCard is the 15-character health-insurance card number.
	InsuranceCard string
	// Province, District and Ward are GSO codes, as precise as the record
	// allows (a ward code implies its district and province).
	Province, District, Ward string
	Address                  string
	// ManagedBy is, for a health-book profile created by another profile's
	// owner, that owner's record key (profileId).
	ManagedBy string
	// PortalID is the vaccination portal's own person id (ma_doi_tuong):
	// unreliable, the same person registered at two sites has two.
	PortalID string

	// Payload: what the old app knew, carried over with the record.
	Declaration *Declaration
	Doses       []Dose
	Tests       []TestResult
	BluezoneApp *BluezoneApp
	Conditions  []string // chronic conditions from the health book
}

// Declaration is a health declaration from NCOVI or VHD.
type Declaration struct {
	// Type is "DOMESTIC" or "ENTRY" for VHD, "NCOVI" for NCOVI.
	Type       string
	DeclaredAt time.Time
	// Symptoms are codes out of fever, cough, breath, sore_throat, taste_loss.
	Symptoms []string
	// NCOVI's exposure questions.
	ContactWithCase  bool
	FromEpidemicArea bool
	// Travel (VHD).
	FromPlace, ToPlace string
	Transport          string // FLIGHT, TRAIN, BUS, CAR, SHIP, OTHER
	TransportNo        string // VN244, SE3, a licence plate
	SeatNo             string // 12A, 3-24, 17
	DepartureDate      vn.Date
	IDType             string // CCCD, CMND, PASSPORT as declared
}

// Dose is one vaccine dose.
type Dose struct {
	Number int
	// Product is the EU value-set code (vaccine-medicinal-product), e.g.
	// "EU/1/21/1529"; ProductName is the spelling the source used.
	Product     string
	ProductName string
	Lot         string
	Date        vn.Date
	Facility    string
	Province    string // GSO code of the site, when known
}

// TestResult is one SARS-CoV-2 test.
type TestResult struct {
	// Type is "PCR" (RT-PCR) or "RAT" (rapid antigen).
	Type      string
	Positive  bool
	SampledAt time.Time
	ResultAt  time.Time // zero when unknown
	Lab       string
	SampleID  string
}

// BluezoneApp is a Bluezone registration.
type BluezoneApp struct {
	ID        string
	Platform  string
	CreatedAt time.Time
}

// Contact is one line of a Bluezone contact log: tracing history, carried
// over but never used for identity.
type Contact struct {
	BluezoneID, ContactID string
	FirstSeen, LastSeen   time.Time
	RSSIMax               int
}

// Problem is a row set aside, a value left out of a record that was
// delivered, or a file that could not be read to its end. No Problem holds
// personal data: it names where to look, never what was found there.
type Problem struct {
	File   string
	Line   int   // 0 when not known
	Offset int64 // byte offset, for decoding errors
	Reason string
	// Key is the record key of the row, when it could be read.
	Key string
	// Kind is Reason without its details ("ngay_tiem: invalid date or
	// time", "invalid UTF-8"): the report counts problems by it.
	Kind string
	// SetAside is true when the whole row was set aside (or, for a fatal
	// problem, the file stopped), false when only the value named by Kind
	// was left out of a record that was delivered.
	SetAside bool
}
