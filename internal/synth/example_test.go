package synth_test

import (
	"fmt"

	"github.com/pccovid/pccovid/internal/synth"
)

func ExamplePopulation_Households() {
	p, err := synth.NewPopulation(2021, 1000)
	if err != nil {
		panic(err)
	}
	for h := range p.Households() {
		fmt.Printf("household %s, ward %s, %s\n", h.ID, h.WardCode, h.Address)
		for _, m := range h.Members {
			fmt.Printf("  %-6s %-24s %c %s CCCD %s\n", m.FamilyRole, m.FullName, m.Sex, m.BirthDate, m.CCCD)
		}
		if h.Index == 3 {
			break
		}
	}
	// Output:
	// household 3106620363, ward 11452, Số 123 ngõ 173 phố Minh Khai
	//   head   Nguyễn Quang Hưng        M 1949-06-07 CCCD 031049062207
	//   spouse Phạm Thị Trang           F 1947-08-19 CCCD 031147084986
	// household 3800883670, ward 14764, Số 86 ngõ 135 phố Lý Thường Kiệt
	//   head   Trần Văn Thành           M 1971-04-21 CCCD 038071013771
	// household 3195146977, ward 11347, Số 38 đường Hùng Vương
	//   head   Nguyễn Văn Tùng          M 1933-10-08 CCCD 031033213435
	//   spouse Nguyễn Thị Nương         F 1938-03-30 CCCD 031138111150
	// household 2689410284, ward 09118, Thôn 10
	//   head   Phạm Văn Quý             M 1976-06-01 CCCD 026076053907
	//   spouse Nguyễn Thị Phương        F 1985-07-02 CCCD 026185023899
	//   child  Phạm Minh Vinh           M 2009-06-08 CCCD 026209249220
	//   child  Phạm Hồng Ngọc           F 2011-02-28 CCCD 026311089980
}
