package legacy

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// row is what a source parser knows of the row it is turning into a
// record: where it is, and what was wrong with it. A parser sets the row
// aside (reject) when the record would be wrong or cannot be referred to;
// when only one value cannot be read, it leaves that value out (drop) and
// delivers the rest, because every record carried over is one declaration
// nobody has to make again, and a value left out can only make linkage
// more cautious, never glue two people together.
type row struct {
	c     *caches
	file  string
	line  int
	key   string
	notes []Problem
	aside Problem
}

func (r *row) reset(line int) {
	r.line, r.key, r.notes = line, "", r.notes[:0]
}

// drop notes that the value of col was left out, for the reason what.
func (r *row) drop(col, what, detail string) {
	kind := col + ": " + what
	r.notes = append(r.notes, Problem{File: r.file, Line: r.line, Key: r.key, Kind: kind, Reason: kind + detail})
}

// reject sets the row aside and returns false, for parsers to return.
func (r *row) reject(col, what, detail string) bool {
	kind := what
	if col != "" {
		kind = col + ": " + what
	}
	r.aside = Problem{File: r.file, Line: r.line, Key: r.key, Kind: kind, Reason: kind + detail, SetAside: true}
	return false
}

// report adds the row's problems to rep: the reason it was set aside, or
// the values left out of its record.
func (r *row) report(rep *FileReport, kept bool) {
	if !kept {
		rep.add(r.aside)
		return
	}
	for _, p := range r.notes {
		rep.add(p)
	}
}

// fieldDetail returns the English reason of a vn parser's error, in
// parentheses. Only the errors of the phone and identity-number parsers
// are shown: they never repeat the value, unlike the date parsers'.
func fieldDetail(err error) string {
	var fe *problem.FieldError
	if errors.As(err, &fe) {
		return " (" + fe.En + ")"
	}
	return ""
}

// setKey checks a record key (required, printable, at most 100 bytes)
// and keeps it as written, since truth files and mappings refer to it so.
func (r *row) setKey(col, s string) bool {
	s = strings.TrimSpace(s)
	r.key = ""
	switch {
	case s == "":
		return r.reject(col, "no record key", "")
	case len(s) > maxKey:
		return r.reject(col, "record key longer than 100 bytes", "")
	case !isKey(s):
		return r.reject(col, "record key has an unprintable character", "")
	}
	r.key = s
	return true
}

// maxKey bounds a record key.
const maxKey = 100

// isKey reports whether s can be a record key: 1 to maxKey bytes, all
// printable.
func isKey(s string) bool {
	if s == "" || len(s) > maxKey {
		return false
	}
	for _, c := range s {
		if !unicode.IsPrint(c) {
			return false
		}
	}
	return true
}

// phone reads a phone number; one that cannot be read is left out.
func (r *row) phone(col, s string) vn.Phone {
	if s == "" {
		return ""
	}
	p, err := vn.ParsePhone(s)
	if err != nil {
		r.drop(col, "invalid phone number", fieldDetail(err))
		return ""
	}
	return p
}

// idNumber reads a CCCD (12 digits) or CMND (9 digits) into rec; one that
// cannot be read is left out.
func (r *row) idNumber(col, s string, rec *Record) {
	if s == "" {
		return
	}
	kind, v, err := vn.ParseIDNumber(s)
	switch {
	case err != nil:
		r.drop(col, "invalid identity number", fieldDetail(err))
	case kind == vn.IDCCCD:
		rec.CCCD = v
	case kind == vn.IDCMND:
		rec.CMND = v
	}
}

// sex reads Nam/Nữ/Khác, MALE/FEMALE/OTHER and the like.
func (r *row) sex(col, s string) vn.Sex {
	x, err := vn.ParseSex(s)
	if err != nil {
		r.drop(col, "unknown sex", "")
	}
	return x
}

// sexCode reads a numeric sex code of the source.
func (r *row) sexCode(col, s, male, female string) vn.Sex {
	x, err := vn.SexFromCode(s, male, female)
	if err != nil {
		r.drop(col, "unknown sex code", "")
	}
	return x
}

// birthDate reads a birth date (or year); one that cannot be read is
// left out. A birth date after the record's own date is kept: either date
// may be the wrong one, and linkage weighs the birth date against the
// registry's.
func (r *row) birthDate(col, s string) vn.Date {
	if s == "" {
		return vn.Date{}
	}
	d, err := vn.ParseBirthDate(s)
	if err != nil {
		r.drop(col, "invalid birth date", "")
		return vn.Date{}
	}
	return d
}

// The records of every source were made between March 2020 and March
// 2022 (FORMATS.md); a little slack either side allows for clocks and
// late uploads. A record dated outside is mistyped, and its payload with
// it.
var (
	firstEvent = time.Date(2020, 1, 1, 0, 0, 0, 0, vn.Location())
	lastEvent  = time.Date(2023, 1, 1, 0, 0, 0, 0, vn.Location())
)

// eventTime reads with parse a time the record's payload depends on; the
// row is set aside when it is missing, unreadable or outside the years of
// the epidemic.
func (r *row) eventTime(col string, parse func(string) (time.Time, error), s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, r.reject(col, "missing date", "")
	}
	t, err := parse(s)
	return t, r.checkEvent(col, t, err)
}

func (r *row) checkEvent(col string, t time.Time, err error) bool {
	switch {
	case err != nil:
		return r.reject(col, "invalid date or time", "")
	case t.Before(firstEvent) || !t.Before(lastEvent):
		return r.reject(col, "date outside 2020–2022", "")
	}
	return true
}

// eventDate reads a calendar date of the payload (a dose) like eventTime.
func (r *row) eventDate(col, s string) (vn.Date, bool) {
	if s == "" {
		return vn.Date{}, r.reject(col, "missing date", "")
	}
	d, err := vn.ParseDate(s)
	if err == nil && d.Day == 0 {
		return d, r.reject(col, "incomplete date", "")
	}
	return d, r.checkEvent(col, d.Time(), err)
}

// isCode reports whether s is n ASCII digits.
func isCode(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// provinceCode reads a GSO province code; an unknown one is left out.
func (r *row) provinceCode(col, s string) string {
	if s == "" {
		return ""
	}
	if _, ok := vn.AdminUnits().Province(s); !ok {
		r.drop(col, "unknown province code", "")
		return ""
	}
	return s
}

// insuranceCard reads a 15-character health-insurance card number: two
// letters, a benefit level 1–5, a 2-digit province code and the 10-digit
// social insurance number. Spaces are dropped and letters upper-cased.
func (r *row) insuranceCard(col, s string) string {
	if s == "" {
		return ""
	}
	var buf [15]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '-' || c == '.' {
			continue
		}
		if n == len(buf) {
			n++
			break
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	ok := n == len(buf) && isUpper(buf[0]) && isUpper(buf[1]) && '1' <= buf[2] && buf[2] <= '5' && isCode(string(buf[3:]), 12)
	if !ok {
		r.drop(col, "invalid health insurance card number", "")
		return ""
	}
	if string(buf[:]) == s {
		return s
	}
	return string(buf[:])
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

// symptom codes, in the order a record lists them.
var symptomCodes = [...]string{"fever", "cough", "breath", "sore_throat", "taste_loss"}

// symptomSet returns the codes of the symptoms flagged in set (bit i for
// symptomCodes[i]), or nil for none.
func symptomSet(set uint8) []string {
	if set == 0 {
		return nil
	}
	out := make([]string, 0, 5)
	for i, c := range symptomCodes {
		if set&(1<<i) != 0 {
			out = append(out, c)
		}
	}
	return out
}
