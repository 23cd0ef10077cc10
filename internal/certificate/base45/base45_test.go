package base45_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/certificate/base45"
	"github.com/pccovid/pccovid/internal/problem"
)

// rfcExamples are the examples of RFC 9285 sections 4.3 and 4.4.
var rfcExamples = []struct{ plain, encoded string }{
	{"AB", "BB8"},
	{"Hello!!", "%69 VD92EX0"},
	{"base-45", "UJCLQE7W581"},
	{"ietf!", "QED8WEX0"},
	{"", ""},
}

func TestEncodeRFC(t *testing.T) {
	t.Parallel()
	for _, tc := range rfcExamples {
		if got := base45.Encode([]byte(tc.plain)); got != tc.encoded {
			t.Errorf("Encode(%q) = %q, want %q", tc.plain, got, tc.encoded)
		}
	}
}

func TestDecodeRFC(t *testing.T) {
	t.Parallel()
	for _, tc := range rfcExamples {
		got, err := base45.Decode(tc.encoded)
		if err != nil {
			t.Errorf("Decode(%q): %v", tc.encoded, err)
			continue
		}
		if string(got) != tc.plain {
			t.Errorf("Decode(%q) = %q, want %q", tc.encoded, got, tc.plain)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		kind   error
		offset int
		msg    string
	}{
		{"A", base45.ErrLength, 1, "base45: invalid length 1 (a multiple of 3 plus 0 or 2 is needed)"},
		{"BB8A", base45.ErrLength, 4, "base45: invalid length 4 (a multiple of 3 plus 0 or 2 is needed)"},
		{"BB8a9", base45.ErrCharacter, 3, `base45: invalid character 'a' at offset 3`},
		{"BB8Đ0", base45.ErrCharacter, 3, `base45: invalid character 'Đ' at offset 3`},
		{"ab", base45.ErrCharacter, 0, `base45: invalid character 'a' at offset 0`},
		{":::", base45.ErrOverflow, 0, "base45: value overflow in group at offset 0"},
		{"BB8GGW", base45.ErrOverflow, 3, "base45: value overflow in group at offset 3"}, // 65536
		{"BB8:5", base45.ErrOverflow, 3, "base45: value overflow in group at offset 3"},  // 44+5*45 = 269 > 255
	}
	for _, tc := range tests {
		_, err := base45.Decode(tc.in)
		var de *base45.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("Decode(%q) error = %v, want a *DecodeError", tc.in, err)
			continue
		}
		if !errors.Is(err, tc.kind) || !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("Decode(%q) error %v does not wrap %v and ErrInvalid", tc.in, err, tc.kind)
		}
		if de.Offset != tc.offset || err.Error() != tc.msg {
			t.Errorf("Decode(%q) = offset %d %q, want offset %d %q", tc.in, de.Offset, err, tc.offset, tc.msg)
		}
	}
}

func TestBoundaries(t *testing.T) {
	t.Parallel()
	for _, in := range [][]byte{{0xff, 0xff}, {0xff}, {0, 0}, {0}, {0xff, 0xff, 0xff}} {
		enc := base45.Encode(in)
		if len(enc) != base45.EncodedLen(len(in)) || base45.DecodedLen(len(enc)) != len(in) {
			t.Errorf("lengths of %x: encoded %d, EncodedLen %d, DecodedLen %d", in, len(enc), base45.EncodedLen(len(in)), base45.DecodedLen(len(enc)))
		}
		dec, err := base45.Decode(enc)
		if err != nil || !bytes.Equal(dec, in) {
			t.Errorf("round trip %x -> %q -> %x, %v", in, enc, dec, err)
		}
	}
}

// TestEUTestData decodes the BASE45 of every EU test file and compares it
// with COMPRESSED, as the test data's EXPECTEDB45DECODE asks.
func TestEUTestData(t *testing.T) {
	t.Parallel()
	n := 0
	err := filepath.WalkDir("../testdata/dcc", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		var f struct {
			BASE45, COMPRESSED string
			EXPECTEDRESULTS    struct{ EXPECTEDB45DECODE *bool }
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		want := f.EXPECTEDRESULTS.EXPECTEDB45DECODE
		if want == nil || f.BASE45 == "" || f.COMPRESSED == "" {
			return nil
		}
		n++
		got, err := base45.Decode(f.BASE45)
		ok := err == nil && hex.EncodeToString(got) == strings.ToLower(f.COMPRESSED)
		if ok != *want {
			t.Errorf("%s: decoded and matches COMPRESSED = %v (err %v), want %v", path, ok, err, *want)
		}
		if err == nil && base45.Encode(got) != f.BASE45 {
			t.Errorf("%s: re-encoding differs from BASE45", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d test files with BASE45 and COMPRESSED found", n)
	}
}

func ExampleEncode() {
	fmt.Println(base45.Encode([]byte("Hello!!")))
	// Output: %69 VD92EX0
}

func ExampleDecode() {
	b, err := base45.Decode("QED8WEX0")
	fmt.Printf("%s %v\n", b, err)
	_, err = base45.Decode("QED8WEX")
	fmt.Println(err)
	// Output:
	// ietf! <nil>
	// base45: invalid length 7 (a multiple of 3 plus 0 or 2 is needed)
}

func FuzzRoundTrip(f *testing.F) {
	for _, tc := range rfcExamples {
		f.Add([]byte(tc.plain))
	}
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		enc := base45.Encode(in)
		dec, err := base45.Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(%x)): %v", in, err)
		}
		if !bytes.Equal(dec, in) {
			t.Fatalf("round trip of %x gave %x", in, dec)
		}
	})
}

func FuzzDecode(f *testing.F) {
	for _, tc := range rfcExamples {
		f.Add(tc.encoded)
	}
	f.Add(":::")
	f.Add("GGW")
	f.Fuzz(func(t *testing.T, s string) {
		dec, err := base45.Decode(s)
		if err != nil {
			var de *base45.DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset > len(s) {
				t.Fatalf("Decode(%q): bad error %#v", s, err)
			}
			return
		}
		// Valid input is canonical: decoding then encoding gives it back.
		if enc := base45.Encode(dec); enc != s {
			t.Fatalf("Encode(Decode(%q)) = %q", s, enc)
		}
	})
}

func benchInput() []byte {
	b := make([]byte, 400) // about the size of a compressed DCC
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func BenchmarkEncode(b *testing.B) {
	in := benchInput()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		base45.Encode(in)
	}
}

func BenchmarkDecode(b *testing.B) {
	in := base45.Encode(benchInput())
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := base45.Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}
