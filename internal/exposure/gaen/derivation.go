package gaen

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pccovid/pccovid/internal/problem"
)

// WriteDerivation backs `pccovid exposure derive --tek HEX --interval N
// --count K [--metadata HEX]`: it writes one line per interval,
//
//	<interval> <RPI hex> <AEM hex>
//
// separated by single spaces, lower-case hex. Without metadata the AEM column
// is left off. Bad input (hex that does not parse, a TEK that is not 16 bytes,
// metadata that is not 4 bytes, a count outside 1–144) is a
// *problem.FieldError naming the flag.
func WriteDerivation(w io.Writer, tekHex string, interval, count uint32, metadataHex string) error {
	tek, err := parseHex("tek", tekHex)
	if err != nil {
		return err
	}
	metadata, err := parseHex("metadata", metadataHex)
	if err != nil {
		return err
	}
	ids, err := Derive(tek, interval, count, metadata)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	for _, id := range ids {
		if id.AEM == nil {
			fmt.Fprintf(bw, "%d %x\n", id.Interval, id.RPI)
		} else {
			fmt.Fprintf(bw, "%d %x %x\n", id.Interval, id.RPI, id.AEM)
		}
	}
	return bw.Flush()
}

// parseHex decodes s (surrounding spaces ignored, either case) and says in
// both languages where it is not hex. An empty s decodes to nil.
func parseHex(field, s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	b, err := hex.DecodeString(s)
	if err == nil {
		return b, nil
	}
	var bad hex.InvalidByteError
	if errors.As(err, &bad) {
		pos := strings.IndexByte(s, byte(bad)) + 1
		char := fmt.Sprintf("%q", string(rune(bad)))
		if bad >= 0x80 { // part of a multi-byte character: name the byte
			char = fmt.Sprintf("byte %#02x", byte(bad))
		}
		return nil, problem.Field(field,
			fmt.Sprintf("Không phải mã hex: %s ở vị trí %d không phải chữ số hex (0-9, a-f).", char, pos),
			fmt.Sprintf("Not hex: %s at position %d is not a hex digit (0-9, a-f).", char, pos))
	}
	return nil, problem.Field(field,
		fmt.Sprintf("Mã hex phải có số chữ số chẵn, nhận được %d chữ số.", len(s)),
		fmt.Sprintf("Hex must have an even number of digits, got %d.", len(s)))
}
