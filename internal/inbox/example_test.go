package inbox_test

import (
	"fmt"

	"github.com/pccovid/pccovid/internal/inbox"
)

func ExampleText_In() {
	t := inbox.Text{Vi: "Kết quả xét nghiệm", En: "Test result"}
	fmt.Println(t.In("vi"))
	fmt.Println(t.In("en"))
	fmt.Println(inbox.Text{Vi: "Chỉ có tiếng Việt"}.In("en"))
	// Output:
	// Kết quả xét nghiệm
	// Test result
	// Chỉ có tiếng Việt
}
