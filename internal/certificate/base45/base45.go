// Package base45 implements the Base45 encoding of RFC 9285, which the EU
// Digital COVID Certificate uses to carry binary data in the alphanumeric
// mode of a QR code.
//
// Every two bytes become three characters of the 45-character alphabet
// "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"; an odd last byte becomes
// two characters. Decoding is strict: characters outside the alphabet, a
// length that leaves one character over, and groups whose value does not fit
// in their bytes are all rejected with a [*DecodeError].
package base45

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/problem"
)

// Alphabet is the Base45 character set, in value order (RFC 9285 section 4.2).
const Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// Kinds of decoding failure. A [*DecodeError] wraps one of them and
// [problem.ErrInvalid]; match them with errors.Is.
var (
	ErrCharacter = errors.New("invalid character")
	ErrLength    = errors.New("invalid length")
	ErrOverflow  = errors.New("value overflow")
)

// DecodeError says why and where Base45 input could not be decoded.
type DecodeError struct {
	// Kind is ErrCharacter, ErrLength or ErrOverflow.
	Kind error
	// Offset is the byte offset in the input of the bad character or of the
	// first character of the group that overflowed; for ErrLength it is the
	// input length.
	Offset int
	// Char is the offending character, for ErrCharacter.
	Char rune
}

// Error describes the failure with its offset.
func (e *DecodeError) Error() string {
	switch e.Kind {
	case ErrCharacter:
		return fmt.Sprintf("base45: invalid character %q at offset %d", e.Char, e.Offset)
	case ErrLength:
		return fmt.Sprintf("base45: invalid length %d (a multiple of 3 plus 0 or 2 is needed)", e.Offset)
	default:
		return fmt.Sprintf("base45: value overflow in group at offset %d", e.Offset)
	}
}

// Unwrap lets errors.Is match both the kind and [problem.ErrInvalid].
func (e *DecodeError) Unwrap() []error { return []error{e.Kind, problem.ErrInvalid} }

// decodeMap maps a byte to its Base45 value, or 0xff when it is not in the
// alphabet.
var decodeMap = func() (m [256]byte) {
	for i := range m {
		m[i] = 0xff
	}
	for i := 0; i < len(Alphabet); i++ {
		m[Alphabet[i]] = byte(i)
	}
	return m
}()

// EncodedLen returns the length of the Base45 encoding of n bytes.
func EncodedLen(n int) int { return n/2*3 + n%2*2 }

// DecodedLen returns the length of the bytes that n Base45 characters decode
// to, assuming n is a valid length.
func DecodedLen(n int) int { return n/3*2 + n%3/2 }

// Encode returns the Base45 encoding of src.
func Encode(src []byte) string {
	return string(AppendEncode(make([]byte, 0, EncodedLen(len(src))), src))
}

// AppendEncode appends the Base45 encoding of src to dst and returns the
// extended slice.
func AppendEncode(dst, src []byte) []byte {
	for len(src) >= 2 {
		n := int(src[0])<<8 | int(src[1])
		dst = append(dst, Alphabet[n%45], Alphabet[n/45%45], Alphabet[n/(45*45)])
		src = src[2:]
	}
	if len(src) == 1 {
		n := int(src[0])
		dst = append(dst, Alphabet[n%45], Alphabet[n/45])
	}
	return dst
}

// Decode returns the bytes that the Base45 string s encodes.
func Decode(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, &DecodeError{Kind: ErrLength, Offset: len(s)}
	}
	out := make([]byte, DecodedLen(len(s)))
	o := 0
	i := 0
	for ; i+3 <= len(s); i += 3 {
		a, b, c := decodeMap[s[i]], decodeMap[s[i+1]], decodeMap[s[i+2]]
		if (a|b|c)&0x80 != 0 { // only 0xff, "not in the alphabet", has it
			return nil, badCharacter(s, i)
		}
		n := int(a) + int(b)*45 + int(c)*45*45
		if n > 0xffff {
			return nil, &DecodeError{Kind: ErrOverflow, Offset: i}
		}
		out[o], out[o+1] = byte(n>>8), byte(n)
		o += 2
	}
	if i < len(s) { // a final pair of characters holds one byte
		a, b := decodeMap[s[i]], decodeMap[s[i+1]]
		if (a|b)&0x80 != 0 {
			return nil, badCharacter(s, i)
		}
		n := int(a) + int(b)*45
		if n > 0xff {
			return nil, &DecodeError{Kind: ErrOverflow, Offset: i}
		}
		out[o] = byte(n)
	}
	return out, nil
}

// badCharacter returns the error for the first character outside the
// alphabet at or after offset i of s.
func badCharacter(s string, i int) error {
	for decodeMap[s[i]] != 0xff {
		i++
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return &DecodeError{Kind: ErrCharacter, Offset: i, Char: r}
}
