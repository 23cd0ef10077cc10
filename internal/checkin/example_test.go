package checkin_test

import (
	"fmt"

	"github.com/pccovid/pccovid/internal/checkin"
)

func ExampleFormatCode() {
	fmt.Println(checkin.FormatCode("ABCD2345"))
	// Output: ABCD-2345
}

func ExampleParseCode() {
	// People type codes in any case, with or without the dash; a wrong
	// character is caught by the check symbol instead of finding another
	// venue.
	code, err := checkin.ParseCode("hk7m-2xq6")
	fmt.Println(code, err == nil)
	_, err = checkin.ParseCode("hk7m-2xq7")
	fmt.Println(err != nil)
	// Output:
	// HK7M2XQ6 true
	// true
}

func ExampleParseCardQR() {
	c, err := checkin.ParseCardQR("001099012345|123456789|Nguyễn Văn An|01021999|Nam|Số 1 Phố Huế, Hà Nội|15082021")
	fmt.Println(c.CCCD, c.FullName, c.BirthDate, err)
	_, err = checkin.ParseCardQR("001099012345|123456789|Nguyễn Văn An|1021999|Nam|Số 1 Phố Huế, Hà Nội|15082021")
	fmt.Println(err)
	// Output:
	// 001099012345 Nguyễn Văn An 1999-02-01 <nil>
	// card_qr.birth_date: the CCCD card's QR code is wrong: the date must be 8 digits, DDMMYYYY
}
