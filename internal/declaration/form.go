package declaration

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Form is a declaration as a person fills it in, as text: what a web form
// or a JSON request sends. [Validate] reads and checks it. Who the person is
// (name, CCCD, birth date, phone, address) is not on the form: it comes from
// the identity registry, so nobody types it twice.
type Form struct {
	Kind string // DOMESTIC, ENTRY or SELFCHECK

	// The journey (DOMESTIC and ENTRY).
	From          string // DOMESTIC: admin-unit code where it starts (province, district or ward)
	FromCountry   string // ENTRY: ISO 3166-1 alpha-3 of the country it starts in
	FromCity      string // ENTRY: optional
	BorderGate    string // ENTRY: code of BorderGates
	Transport     string // FLIGHT, TRAIN, BUS, CAR, SHIP, OTHER
	TransportNo   string // flight, train, licence plate, ship
	Seat          string
	DepartureDate string
	ArrivalDate   string // required for ENTRY

	// Where the person will stay: a ward code (DOMESTIC: the destination).
	Ward    string
	Address string // street part, optional

	// The identity document shown at the border (ENTRY).
	IDType      string // CCCD, CMND or PASSPORT
	IDNumber    string
	Nationality string // ISO 3166-1 alpha-3

	// Health (every kind).
	Symptoms         []string
	ContactWithCase  bool
	FromEpidemicArea bool
}

// Date limits of a declaration.
const (
	// MaxDaysAhead is how far ahead a journey can be declared.
	MaxDaysAhead = 14
	// MaxDaysBehind is how long after it began a journey can still be
	// declared: the 14-day window tracing looks back over.
	MaxDaysBehind = 14
	// MaxJourneyDays bounds departure to arrival: the longest trip to
	// Vietnam, with transits, takes two days.
	MaxJourneyDays = 4
)

// Validate checks a form as of today (a date in Vietnam time) and returns
// the declaration it makes, without the person and their identity: every
// rule of what may be declared is here, so a form that passes can be
// stored. All faults are reported at once, each naming its form field.
func Validate(f Form, today vn.Date) (Declaration, error) {
	var errs problem.Fields
	d := Declaration{Kind: strings.ToUpper(strings.TrimSpace(f.Kind))}
	var err error
	d.Details.Symptoms, err = ParseSymptoms(f.Symptoms)
	errs.Add(err)
	d.Details.ContactWithCase, d.Details.FromEpidemicArea = f.ContactWithCase, f.FromEpidemicArea
	switch d.Kind {
	case KindDomestic:
		validateDomestic(f, &d, &errs)
	case KindEntry:
		validateEntry(f, &d, &errs)
	case KindSelfCheck:
	default:
		errs.Add(problem.Field("kind", "Hãy chọn loại khai báo", "choose what you are declaring"))
	}
	if d.Kind == KindDomestic || d.Kind == KindEntry {
		validateJourney(f, &d, today, &errs)
		validateStay(f, &d, &errs)
	}
	return d, errs.Err()
}

func validateDomestic(f Form, d *Declaration, errs *problem.Fields) {
	from := strings.TrimSpace(f.From)
	if from == "" {
		errs.Add(problem.Field("from", "Hãy chọn nơi đi (ít nhất là tỉnh, thành phố)", "choose where you travel from (at least the province)"))
	} else if _, ok := vn.AdminUnits().Lookup(from); !ok {
		errs.Add(problem.Field("from", "Nơi đi không có trong danh mục hành chính", "the place you travel from is not a known province, district or ward"))
	} else {
		d.Details.FromArea, d.Details.FromPlace = from, PlaceName(from)
	}
	d.Transport = parseTransport(f.Transport, errs)
	if d.Transport != "" {
		d.TransportNo = parseTransportNo(d.Transport, f.TransportNo, false, errs)
	}
}

func validateEntry(f Form, d *Declaration, errs *problem.Fields) {
	validateDocument(f, d, errs)
	switch c := strings.ToUpper(strings.TrimSpace(f.FromCountry)); {
	case c == "":
		errs.Add(problem.Field("from_country", "Hãy chọn nước bạn khởi hành", "choose the country you travel from"))
	case c == "VNM":
		errs.Add(problem.Field("from_country", "Khai báo nhập cảnh là cho chuyến đi từ nước ngoài về", "an entry declaration is for a journey from abroad"))
	default:
		if country, ok := CountryByCode(c); ok {
			d.Details.FromCountry, d.Details.FromPlace = c, country.NameVi
		} else {
			errs.Add(problem.Field("from_country", "Không có nước này trong danh sách", "that country is not on the list"))
		}
	}
	city, err := cleanText("from_city", f.FromCity, 60)
	errs.Add(err)
	if d.Details.FromCity = city; city != "" && d.Details.FromPlace != "" {
		d.Details.FromPlace += ", " + city
	}
	gate, ok := GateByCode(strings.ToUpper(strings.TrimSpace(f.BorderGate)))
	if !ok {
		errs.Add(problem.Field("border_gate", "Hãy chọn cửa khẩu nhập cảnh trong danh sách", "choose the border gate you enter through from the list"))
	}
	d.BorderGate = gate.Code
	transport := strings.TrimSpace(f.Transport)
	if transport == "" && ok {
		transport = gate.defaultTransport()
	}
	if d.Transport = parseTransport(transport, errs); d.Transport == "" {
		return
	}
	if ok && !gate.Allows(d.Transport) {
		errs.Add(problem.Field("transport", "Phương tiện không phù hợp với cửa khẩu đã chọn (sân bay: máy bay; cảng biển: tàu thủy)",
			"that transport does not arrive at the gate you chose (airport: flight; seaport: ship)"))
		return
	}
	d.TransportNo = parseTransportNo(d.Transport, f.TransportNo, true, errs)
}

// validateDocument checks the identity document of an entry declaration:
// one is required, and a CCCD or CMND belongs to a Vietnamese citizen.
func validateDocument(f Form, d *Declaration, errs *problem.Fields) {
	nat := strings.ToUpper(strings.TrimSpace(f.Nationality))
	if _, ok := CountryByCode(nat); !ok {
		errs.Add(problem.Field("nationality", "Hãy chọn quốc tịch trong danh sách", "choose your nationality from the list"))
		nat = ""
	}
	d.Details.Nationality = nat
	number := strings.TrimSpace(f.IDNumber)
	if number == "" {
		errs.Add(problem.Field("id_number", "Khai báo nhập cảnh cần số hộ chiếu hoặc số CCCD", "an entry declaration needs a passport or CCCD number"))
		return
	}
	idType := strings.ToUpper(strings.TrimSpace(f.IDType))
	if idType == "" {
		idType = guessIDType(number)
	}
	var err error
	switch idType {
	case "PASSPORT":
		number, err = ParsePassport(number, nat)
	case "CCCD", "CMND":
		var kind vn.IDKind
		kind, number, err = vn.ParseIDNumber(number)
		if err == nil {
			idType = kind.String()
		}
		if nat != "" && nat != "VNM" {
			errs.Add(problem.Field("id_type", "CCCD/CMND chỉ cấp cho công dân Việt Nam; người nước ngoài khai số hộ chiếu",
				"only Vietnamese citizens hold a CCCD or CMND; foreigners give their passport number"))
		}
	default:
		err = problem.Field("id_type", "Hãy chọn loại giấy tờ: hộ chiếu hoặc CCCD", "choose the document: passport or CCCD")
	}
	if err != nil {
		errs.Add(renameField(err, "id_number"))
		return
	}
	d.Details.IDType, d.Details.IDNumber = idType, number
}

// guessIDType tells a CCCD or CMND (all digits) from a passport number.
func guessIDType(number string) string {
	if strings.Trim(compact(number), "0123456789") == "" {
		return "CCCD"
	}
	return "PASSPORT"
}

func parseTransport(s string, errs *problem.Fields) string {
	t := strings.ToUpper(strings.TrimSpace(s))
	if !slices.Contains(transports, t) {
		errs.Add(problem.Field("transport", "Hãy chọn phương tiện đi lại", "choose how you travel"))
		return ""
	}
	return t
}

// parseTransportNo reads the transport's number: required for a flight, a
// train, a bus and a car; optional for a ship; none for other transport.
// Entering from abroad, a car or bus may carry a foreign plate.
func parseTransportNo(transport, s string, foreign bool, errs *problem.Fields) string {
	s = strings.TrimSpace(s)
	if s == "" && transport != "SHIP" && transport != "OTHER" {
		errs.Add(problem.Field("transport_no", "Hãy ghi số hiệu chuyến bay, số tàu hoặc biển số xe",
			"give the flight number, the train number or the licence plate"))
		return ""
	}
	var no string
	var err error
	switch transport {
	case "FLIGHT":
		no, err = ParseFlightNumber(s)
	case "TRAIN":
		no, err = ParseTrainNumber(s)
	case "BUS", "CAR":
		no, err = ParsePlate(s, foreign)
	case "SHIP":
		no, err = cleanText("transport_no", s, 40)
	}
	errs.Add(err)
	return no
}

// validateJourney checks the seat and the dates: a departure within the
// declaring window, an arrival not before it and not long after it.
func validateJourney(f Form, d *Declaration, today vn.Date, errs *problem.Fields) {
	if d.Transport != "" {
		seat, err := ParseSeat(d.Transport, f.Seat)
		errs.Add(err)
		d.SeatNo = seat
	}
	dep, depErr := requiredDay("departure_date", f.DepartureDate, "Hãy ghi ngày khởi hành", "give the departure date")
	errs.Add(depErr)
	if depErr == nil {
		switch n := daysBetween(today, dep); {
		case n > MaxDaysAhead:
			errs.Add(problem.Field("departure_date", fmt.Sprintf("Chỉ khai báo trước tối đa %d ngày", MaxDaysAhead),
				fmt.Sprintf("you can declare at most %d days ahead", MaxDaysAhead)))
		case n < -MaxDaysBehind:
			errs.Add(problem.Field("departure_date", fmt.Sprintf("Chuyến đi đã quá %d ngày, không cần khai báo nữa", MaxDaysBehind),
				fmt.Sprintf("that journey began more than %d days ago; it no longer needs declaring", MaxDaysBehind)))
		default:
			d.DepartureDate = dep
		}
	}
	if strings.TrimSpace(f.ArrivalDate) == "" && d.Kind == KindDomestic {
		return
	}
	arr, err := requiredDay("arrival_date", f.ArrivalDate, "Hãy ghi ngày nhập cảnh Việt Nam", "give the day you arrive in Vietnam")
	if err != nil {
		errs.Add(err)
		return
	}
	if d.DepartureDate.IsZero() {
		return
	}
	switch n := daysBetween(d.DepartureDate, arr); {
	case n < 0:
		errs.Add(problem.Field("arrival_date", "Ngày đến không thể trước ngày khởi hành", "you cannot arrive before you leave"))
	case n > MaxJourneyDays:
		errs.Add(problem.Field("arrival_date", fmt.Sprintf("Ngày đến cách ngày khởi hành quá %d ngày", MaxJourneyDays),
			fmt.Sprintf("arrival is more than %d days after departure", MaxJourneyDays)))
	default:
		d.ArrivalDate = arr
	}
}

func requiredDay(field, s, vi, en string) (vn.Date, error) {
	if strings.TrimSpace(s) == "" {
		return vn.Date{}, problem.Field(field, vi, en)
	}
	return ParseDay(field, s)
}

// validateStay checks where the person will stay: a real ward.
func validateStay(f Form, d *Declaration, errs *problem.Fields) {
	ward := strings.TrimSpace(f.Ward)
	if u, ok := vn.AdminUnits().Ward(ward); !ok || u.Code != ward {
		vi, en := "Hãy chọn phường, xã nơi bạn đến", "choose the ward or commune you travel to"
		if d.Kind == KindEntry {
			vi, en = "Hãy chọn phường, xã nơi bạn sẽ ở", "choose the ward or commune where you will stay"
		}
		if ward != "" {
			vi, en = "Phường, xã không có trong danh mục hành chính", "that ward or commune does not exist"
		}
		errs.Add(problem.Field("ward", vi, en))
	} else {
		d.Ward, d.Details.ToPlace = ward, PlaceName(ward)
	}
	addr, err := cleanText("address", f.Address, 200)
	errs.Add(err)
	d.Details.Address = addr
}

// daysBetween returns the number of days from a to b.
func daysBetween(a, b vn.Date) int {
	return int(b.Time().Sub(a.Time()).Hours() / 24)
}

// PlaceName spells an admin-unit code as people read it, most precise unit
// first: "Phường Phúc Xá, Quận Ba Đình, Thành phố Hà Nội". An unknown code
// is returned as it is.
func PlaceName(code string) string {
	units := vn.AdminUnits()
	u, ok := units.Lookup(code)
	if !ok {
		return code
	}
	name := u.FullName
	for u.ParentCode != "" {
		if u, ok = units.Lookup(u.ParentCode); !ok {
			break
		}
		name += ", " + u.FullName
	}
	return name
}

// renameField returns err as a field error on field, keeping its words.
func renameField(err error, field string) error {
	var fe *problem.FieldError
	if errors.As(err, &fe) {
		c := *fe
		c.Field = field
		return &c
	}
	return err
}
