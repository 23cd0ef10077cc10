package checkin

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// CardQR is what the QR code on the back of a chip-based CCCD card says:
//
//	CCCD|old CMND|full name|DDMMYYYY birth date|sex|address|DDMMYYYY issue date
//
// for example
//
//	001099012345|123456789|Nguyễn Văn An|01021999|Nam|Số 1 Phố Huế, Hà Nội|15082021
//
// The old CMND is empty for people who never had one. The code is not
// signed: it proves only what the card shows, so PC-Covid uses it to find
// the person by the registry's number and nothing else.
type CardQR struct {
	CCCD      vn.CCCD
	OldID     string // 9 digits, or ""
	FullName  string
	BirthDate vn.Date
	Sex       vn.Sex
	Address   string
	IssueDate vn.Date
}

// cardFields are the field names of the card QR, for error messages.
var cardFields = [7]string{"cccd", "cmnd", "full_name", "birth_date", "sex", "address", "issue_date"}

// ParseCardQR reads a CCCD card's QR strictly: exactly seven fields, each
// well formed, the CCCD's sex-and-century digit and birth year agreeing
// with the sex and birth date, the card issued after the birth. An error
// is a *problem.FieldError naming the field as "card_qr.<field>".
func ParseCardQR(s string) (CardQR, error) {
	if !utf8.ValidString(s) {
		return CardQR{}, cardErr("", "mã QR không phải văn bản hợp lệ", "the QR code is not valid text")
	}
	s = strings.TrimRight(s, "\r\n")
	parts := strings.Split(s, "|")
	if len(parts) != len(cardFields) {
		return CardQR{}, cardErr("",
			fmt.Sprintf("đây không phải mã QR trên thẻ CCCD gắn chip (có %d trường, cần 7 trường cách nhau bởi dấu |)", len(parts)),
			fmt.Sprintf("this is not the QR code of a chip-based CCCD card (it has %d fields; a card has 7 separated by |)", len(parts)))
	}
	var c CardQR
	var err error
	if c.CCCD, err = cardCCCD(parts[0]); err != nil {
		return CardQR{}, err
	}
	if c.OldID = parts[1]; c.OldID != "" && (len(c.OldID) != 9 || !allDigits(c.OldID)) {
		return CardQR{}, cardErr("cmnd", "số CMND cũ phải có 9 chữ số hoặc để trống", "the old CMND number must be 9 digits or empty")
	}
	if c.FullName, err = cardName(parts[2]); err != nil {
		return CardQR{}, err
	}
	if c.BirthDate, err = cardDate("birth_date", parts[3]); err != nil {
		return CardQR{}, err
	}
	if c.Sex, err = cardSex(parts[4]); err != nil {
		return CardQR{}, err
	}
	if c.Address = strings.TrimSpace(parts[5]); c.Address == "" || utf8.RuneCountInString(c.Address) > 300 || hasControl(c.Address) {
		return CardQR{}, cardErr("address", "địa chỉ thường trú trống hoặc không hợp lệ", "the permanent address is empty or not valid")
	}
	if c.IssueDate, err = cardDate("issue_date", parts[6]); err != nil {
		return CardQR{}, err
	}
	return c, c.consistent()
}

func (c CardQR) consistent() error {
	if bad := c.CCCD.Contradicts(c.Sex, c.BirthDate.Year); len(bad) > 0 {
		return cardErr("cccd", "số CCCD không khớp với giới tính hoặc năm sinh in trên thẻ",
			"the CCCD number does not agree with the sex or birth year on the card")
	}
	if c.IssueDate.Time().Before(c.BirthDate.Time()) {
		return cardErr("issue_date", "ngày cấp thẻ trước ngày sinh", "the card's issue date is before the birth date")
	}
	if c.IssueDate.Year < 2016 {
		return cardErr("issue_date", "thẻ CCCD có mã QR được cấp từ năm 2016", "CCCD cards with a QR code were issued from 2016")
	}
	return nil
}

func cardCCCD(s string) (vn.CCCD, error) {
	if len(s) != 12 || !allDigits(s) {
		return "", cardErr("cccd", "số CCCD phải có đúng 12 chữ số", "the CCCD number must be exactly 12 digits")
	}
	c, err := vn.ParseCCCD(s)
	if err != nil {
		var fe *problem.FieldError
		if errors.As(err, &fe) {
			return "", cardErr("cccd", fe.Vi, fe.En)
		}
		return "", err
	}
	return c, nil
}

func cardName(s string) (string, error) {
	name := strings.TrimSpace(s)
	if name == "" || utf8.RuneCountInString(name) > 100 || name != strings.Join(strings.Fields(name), " ") {
		return "", cardErr("full_name", "họ và tên trống hoặc không hợp lệ", "the full name is empty or not valid")
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) && r != ' ' && r != '\'' && r != '-' {
			return "", cardErr("full_name", "họ và tên có ký tự không phải chữ cái", "the full name has characters that are not letters")
		}
	}
	return vn.NormalizeName(name), nil
}

// cardDate reads DDMMYYYY, the card's form: eight digits, a real date.
func cardDate(field, s string) (vn.Date, error) {
	if len(s) != 8 || !allDigits(s) {
		return vn.Date{}, cardErr(field, "ngày phải viết ngày tháng năm liền 8 chữ số (DDMMYYYY)", "the date must be 8 digits, DDMMYYYY")
	}
	d, err := vn.ParseDate(s[:2] + "/" + s[2:4] + "/" + s[4:])
	if err != nil || d.Day == 0 || d.Month == 0 {
		return vn.Date{}, cardErr(field, "ngày "+s[:2]+"/"+s[2:4]+"/"+s[4:]+" không tồn tại", "the date "+s[:2]+"/"+s[2:4]+"/"+s[4:]+" does not exist")
	}
	return d, nil
}

func cardSex(s string) (vn.Sex, error) {
	switch vn.NormalizeName(strings.TrimSpace(s)) {
	case "Nam":
		return vn.SexMale, nil
	case "Nữ":
		return vn.SexFemale, nil
	}
	return vn.SexUnknown, cardErr("sex", "giới tính trên thẻ phải là Nam hoặc Nữ", "the sex on the card must be Nam or Nữ")
}

func cardErr(field, vi, en string) *problem.FieldError {
	name := "card_qr"
	if field != "" {
		name += "." + field
	}
	return problem.Field(name, "Mã QR trên thẻ CCCD không đúng: "+vi, "the CCCD card's QR code is wrong: "+en)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError })
}
