package declaration_test

import (
	"fmt"

	"github.com/pccovid/pccovid/internal/declaration"
)

func ExampleParseFlightNumber() {
	for _, s := range []string{"vn 0244", "VJ-123", "flight 12"} {
		n, err := declaration.ParseFlightNumber(s)
		fmt.Printf("%q → %q %v\n", s, n, err)
	}
	// Output:
	// "vn 0244" → "VN244" <nil>
	// "VJ-123" → "VJ123" <nil>
	// "flight 12" → "" transport_no: a flight number is the airline code and the flight's number, e.g. VN244 or VJ123
}

func ExampleParseSeat() {
	fmt.Println(declaration.ParseSeat("FLIGHT", "07c"))
	fmt.Println(declaration.ParseSeat("TRAIN", "3 / 24"))
	// Output:
	// 7C <nil>
	// 3-24 <nil>
}

func ExampleMaskName() {
	fmt.Println(declaration.MaskName("Nguyễn Văn An"))
	fmt.Println(declaration.MaskName("Đặng thị Ánh"))
	// Output:
	// N** V** A**
	// Đ** T** Á**
}

func ExamplePlaceName() {
	fmt.Println(declaration.PlaceName("00001"))
	fmt.Println(declaration.PlaceName("79"))
	// Output:
	// Phường Phúc Xá, Quận Ba Đình, Thành phố Hà Nội
	// Thành phố Hồ Chí Minh
}
