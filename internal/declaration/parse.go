package declaration

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// The parsers below read what a person typed into a declaration form. Each
// returns the value in one canonical form, or a *problem.FieldError naming
// the form field and saying, in Vietnamese and English, what is wrong.

// compact upper-cases s and drops the spaces, dots and dashes people put
// inside numbers and codes.
func compact(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '\t':
			return -1
		}
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// An airline designator is two letters or digits (not two digits: VN, VJ,
// 5J) or three letters (ICAO: HVN); the flight number is 1–4 digits with an
// optional operational suffix letter.
var flightRE = regexp.MustCompile(`^([A-Z]{2}|[A-Z][0-9]|[0-9][A-Z]|[A-Z]{3})([0-9]{1,4})([A-Z]?)$`)

// ParseFlightNumber reads a flight number such as "VN244", "vn 0244",
// "VJ-123" or "HVN244", and returns it as the airline designator followed
// by the number without leading zeros: "VN244".
func ParseFlightNumber(s string) (string, error) {
	m := flightRE.FindStringSubmatch(compact(s))
	if m == nil {
		return "", problem.Field("transport_no",
			"Số hiệu chuyến bay gồm mã hãng và số chuyến, ví dụ VN244 hoặc VJ123",
			"a flight number is the airline code and the flight's number, e.g. VN244 or VJ123")
	}
	n, _ := strconv.Atoi(m[2])
	if n == 0 {
		return "", problem.Field("transport_no", "Số chuyến bay không thể là 0", "a flight number cannot be 0")
	}
	return m[1] + strconv.Itoa(n) + m[3], nil
}

// Train numbers: a letter code and a number, as on Vietnam Railways tickets
// (SE3, TN1, SNT2) and international trains.
var trainRE = regexp.MustCompile(`^[A-Z]{1,4}[0-9]{1,4}[A-Z]?$`)

// ParseTrainNumber reads a train number such as "SE3" or "se 3".
func ParseTrainNumber(s string) (string, error) {
	c := compact(s)
	if !trainRE.MatchString(c) {
		return "", problem.Field("transport_no", "Số hiệu tàu gồm chữ và số, ví dụ SE3 hoặc TN1",
			"a train number is letters and a number, e.g. SE3 or TN1")
	}
	return c, nil
}

// A Vietnamese licence plate: the 2-digit province code, a series of one or
// two letters (with a digit on motorbikes), then 4 or 5 digits: 29A-123.45,
// 51F-1234, 29-B1 123.45, 30LD-012.34.
var plateRE = regexp.MustCompile(`^[1-9][0-9][A-Z]{1,2}[0-9]?[0-9]{4,5}$`)

// foreignPlateRE accepts the plates of vehicles crossing a land border from
// China, Laos or Cambodia, whose formats differ: letters and digits.
var foreignPlateRE = regexp.MustCompile(`^[A-Z0-9]{2,12}$`)

// ParsePlate reads a Vietnamese licence plate and returns it without
// separators ("29A12345"). With foreign set, any plate of 2–12 letters and
// digits with at least one digit is accepted, for vehicles entering from
// abroad.
func ParsePlate(s string, foreign bool) (string, error) {
	c := compact(s)
	if plateRE.MatchString(c) || foreign && foreignPlateRE.MatchString(c) && strings.ContainsAny(c, "0123456789") {
		return c, nil
	}
	return "", problem.Field("transport_no", "Biển số xe không đúng, ví dụ 29A-123.45",
		"that is not a licence plate; write it like 29A-123.45")
}

var (
	flightSeatRE = regexp.MustCompile(`^([0-9]{1,2})([A-K])$`)
	trainSeatRE  = regexp.MustCompile(`^([0-9]{1,2})[-/. ]+([0-9]{1,3})$`)
	busSeatRE    = regexp.MustCompile(`^[A-Z]?[0-9]{1,2}[A-Z]?$`)
	shipSeatRE   = regexp.MustCompile(`^[A-Z0-9]{1,10}$`)
)

// ParseSeat reads a seat for a transport and returns it in one form: "12A"
// on a flight (row 1–99, seat A–K), "3-24" on a train (car, then seat), a
// number with an optional letter on a bus ("12", "A5" in a sleeper bus), a
// cabin or berth on a ship. A seat is optional: "" stays "". Cars and other
// transport have no seat, so one given for them is dropped.
func ParseSeat(transport, s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" || transport == "CAR" || transport == "OTHER" {
		return "", nil
	}
	bad := func(vi, en string) (string, error) { return "", problem.Field("seat", vi, en) }
	switch transport {
	case "FLIGHT":
		m := flightSeatRE.FindStringSubmatch(strings.ReplaceAll(s, " ", ""))
		if m == nil || m[1] == "0" || m[1] == "00" {
			return bad("Số ghế máy bay gồm số hàng và chữ cái, ví dụ 12A", "a flight seat is a row and a letter, e.g. 12A")
		}
		row, _ := strconv.Atoi(m[1])
		return strconv.Itoa(row) + m[2], nil
	case "TRAIN":
		m := trainSeatRE.FindStringSubmatch(s)
		if m == nil {
			return bad("Ghế tàu ghi số toa và số ghế, ví dụ 3-24", "a train seat is the car and the seat, e.g. 3-24")
		}
		car, _ := strconv.Atoi(m[1])
		seat, _ := strconv.Atoi(m[2])
		if car == 0 || seat == 0 {
			return bad("Số toa và số ghế bắt đầu từ 1", "car and seat numbers start at 1")
		}
		return strconv.Itoa(car) + "-" + strconv.Itoa(seat), nil
	case "BUS":
		if c := compact(s); busSeatRE.MatchString(c) {
			return c, nil
		}
		return bad("Số ghế xe khách là một số, ví dụ 12 hoặc A5", "a bus seat is a number, e.g. 12 or A5")
	case "SHIP":
		if c := compact(s); shipSeatRE.MatchString(c) {
			return c, nil
		}
		return bad("Số ghế hoặc số giường trên tàu thủy chỉ gồm chữ và số", "a ship seat or berth is letters and digits")
	}
	return bad("Hãy chọn phương tiện trước khi ghi số ghế", "choose the transport before the seat")
}

// A passport number: 6–9 letters and digits (ICAO 9303); Vietnamese
// passports are one letter and seven digits.
var (
	passportRE   = regexp.MustCompile(`^[A-Z0-9]{6,9}$`)
	vnPassportRE = regexp.MustCompile(`^[A-Z][0-9]{7}$`)
)

// ParsePassport reads a passport number; for a Vietnamese passport
// (nationality VNM) it checks the Vietnamese form, a letter and 7 digits.
func ParsePassport(s, nationality string) (string, error) {
	c := compact(s)
	switch {
	case nationality == "VNM" && !vnPassportRE.MatchString(c):
		return "", problem.Field("id_number", "Số hộ chiếu Việt Nam gồm 1 chữ cái và 7 chữ số, ví dụ C1234567",
			"a Vietnamese passport number is a letter and 7 digits, e.g. C1234567")
	case !passportRE.MatchString(c) || !strings.ContainsAny(c, "0123456789"):
		return "", problem.Field("id_number", "Số hộ chiếu gồm 6 đến 9 chữ và số", "a passport number has 6 to 9 letters and digits")
	}
	return c, nil
}

// dateLabels name the date fields in error messages.
var dateLabels = map[string][2]string{
	"departure_date": {"Ngày khởi hành", "Departure date"},
	"arrival_date":   {"Ngày đến", "Arrival date"},
	"date":           {"Ngày", "Date"},
}

// ParseDay reads a full calendar date for the form field: YYYY-MM-DD (what
// a date input sends) or DD/MM/YYYY (what people type). A date known only
// to the month or year is refused: a journey happens on a day.
func ParseDay(field, s string) (vn.Date, error) {
	label, ok := dateLabels[field]
	if !ok {
		label = dateLabels["date"]
	}
	d, err := vn.ParseDate(s)
	var fe *problem.FieldError
	switch {
	case errors.As(err, &fe):
		return vn.Date{}, problem.Field(field, label[0]+": "+fe.Vi, label[1]+": "+fe.En)
	case err != nil:
		return vn.Date{}, err
	case d.Day == 0:
		return vn.Date{}, problem.Field(field, label[0]+": hãy ghi đủ ngày, tháng, năm",
			label[1]+": give the day, the month and the year")
	}
	return d, nil
}

// ParseSymptoms reads symptom codes (form checkboxes, or VHD's
// "fever|cough") and returns them once each, in the form's order.
func ParseSymptoms(codes []string) ([]string, error) {
	seen := map[string]bool{}
	for _, c := range codes {
		for _, part := range strings.Split(c, "|") {
			part = strings.ToLower(strings.TrimSpace(part))
			if part == "" || part == "none" {
				continue
			}
			if !slices.Contains(symptoms, part) {
				return nil, problem.Field("symptoms", "Triệu chứng không có trong danh sách", "that symptom is not on the list")
			}
			seen[part] = true
		}
	}
	var out []string
	for _, s := range symptoms {
		if seen[s] {
			out = append(out, s)
		}
	}
	return out, nil
}

// cleanText trims free text and checks its length in characters.
func cleanText(field, s string, max int) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	if !utf8.ValidString(s) {
		return "", problem.Field(field, "Nội dung có ký tự không hợp lệ", "the text has invalid characters")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", problem.Field(field, "Nội dung quá dài (tối đa "+strconv.Itoa(max)+" ký tự)",
			"too long (at most "+strconv.Itoa(max)+" characters)")
	}
	return s, nil
}
