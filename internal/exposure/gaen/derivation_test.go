package gaen

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/problem"
)

func ExampleWriteDerivation() {
	err := WriteDerivation(os.Stdout, "75c734c6dd1a782de7a965da5eb93125", 2642976, 3, "40080000")
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// 2642976 8be6cd371c5c891604bfbe49df845096 72033874
	// 2642977 3c9a1de5dd6b02afa7fded7b570b3e56 c29211b1
	// 2642978 243ffe9a3b08bded3094bac8630bb8ad 6adfad03
}

func TestWriteDerivationWithoutMetadata(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	// Upper case and surrounding spaces are accepted.
	if err := WriteDerivation(&out, " 75C734C6DD1A782DE7A965DA5EB93125 ", 2642976, 1, ""); err != nil {
		t.Fatal(err)
	}
	if want := "2642976 8be6cd371c5c891604bfbe49df845096\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestWriteDerivationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tek, metadata string
		count               uint32
		field, en           string
	}{
		{"bad hex digit", "75c734c6dd1a782de7a965da5eb9312g", "", 1, "tek", `"g" at position 32 is not a hex digit`},
		{"odd length", "75c", "", 1, "tek", "even number of digits, got 3"},
		{"empty tek", "", "", 1, "tek", "exactly 16 bytes (32 hex digits), got 0 bytes"},
		{"short tek", "75c734c6", "", 1, "tek", "exactly 16 bytes (32 hex digits), got 4 bytes"},
		{"bad metadata hex", vectorTEK, "4008zz00", 1, "metadata", `"z" at position 5`},
		{"metadata 2 bytes", vectorTEK, "4008", 1, "metadata", "exactly 4 bytes (8 hex digits), got 2 bytes"},
		{"count too large", vectorTEK, "", 200, "count", "1 to 144 intervals (got 200)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			err := WriteDerivation(&out, tt.tek, 2642976, tt.count, tt.metadata)
			var fe *problem.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(fe.En, tt.en) {
				t.Fatalf("err = %v, want field %q saying %q", err, tt.field, tt.en)
			}
			if fe.Vi == "" || out.Len() != 0 {
				t.Errorf("vi %q, output %q", fe.Vi, out.String())
			}
		})
	}
}
