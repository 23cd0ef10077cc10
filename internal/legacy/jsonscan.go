package legacy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// This file holds a small JSON reader for the objects of NCOVI and the
// health book. encoding/json reads every value twice (once to check the
// syntax, once to decode) through reflection, which made it most of the
// cost of reading a declaration; this reader checks the syntax in the same
// pass that finds the members, and hands the values over as bytes, so a
// field written as a number in one app version and a string in the next
// needs no special type. It accepts exactly the JSON that encoding/json
// accepts (FuzzJSONScan checks it against json.Valid), and leaves checking
// UTF-8 to the callers, which report the byte offset.

// jsonKind is the type of a JSON value.
type jsonKind uint8

const (
	jString jsonKind = iota + 1
	jNumber
	jTrue
	jFalse
	jNull
	jObject
	jArray
)

func (k jsonKind) String() string {
	return [...]string{"", "a string", "a number", "true", "false", "null", "an object", "an array"}[k]
}

// jvalue is one JSON value: its type and its bytes, with the quotes of a
// string.
type jvalue struct {
	kind    jsonKind
	raw     []byte
	escaped bool  // a string with backslash escapes
	depth   int   // nesting level of the container holding it (0 at the top)
	src     *jsrc // the text raw is part of
}

// jsrc is a JSON text as bytes and as one string: the strings of its
// values are cut from the one string rather than each copied, one
// allocation for a whole line instead of one per field.
type jsrc struct {
	b    []byte
	s    string
	keys [8][64]byte // lower-case keys, by nesting level
}

func (j *jsrc) reset(b []byte) *jsrc {
	j.b, j.s = b, string(b)
	return j
}

// str returns the bytes raw, a part of j.b, as a part of j.s.
func (j *jsrc) str(raw []byte) string {
	off := cap(j.b) - cap(raw)
	return j.s[off : off+len(raw)]
}

// maxJSONDepth bounds the nesting of arrays and objects.
const maxJSONDepth = 64

// jsonError is a syntax error at a byte offset of the scanned text.
type jsonError struct {
	off int
	msg string
}

func (e *jsonError) Error() string { return e.msg + " at offset " + strconv.Itoa(e.off) }

func syntaxErr(b []byte, i int, what string) error {
	if i >= len(b) {
		return &jsonError{off: i, msg: "unexpected end of JSON input"}
	}
	return &jsonError{off: i, msg: fmt.Sprintf("invalid character %s %s", quoteByte(b[i]), what)}
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7F {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("0x%02X", c)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanTop checks that b is one JSON value, with nothing but white space
// around it, and returns it.
func scanTop(b []byte) (jvalue, error) {
	i := skipSpace(b, 0)
	v, end, err := scanValue(b, i, 0)
	if err != nil {
		return v, err
	}
	if end = skipSpace(b, end); end != len(b) {
		return v, syntaxErr(b, end, "after top-level value")
	}
	return v, nil
}

// scanValue checks the value starting at b[i] and returns it with the
// offset after it.
func scanValue(b []byte, i, depth int) (jvalue, int, error) {
	if i >= len(b) {
		return jvalue{}, i, syntaxErr(b, i, "")
	}
	var v jvalue
	var end int
	var err error
	switch c := b[i]; {
	case c == '"':
		v.kind = jString
		end, v.escaped, err = scanString(b, i)
	case c == '-' || '0' <= c && c <= '9':
		v.kind = jNumber
		end, err = scanNumber(b, i)
	case c == '{' || c == '[':
		if depth >= maxJSONDepth {
			return v, i, &jsonError{off: i, msg: "JSON nested too deeply"}
		}
		v.kind = jObject
		if c == '[' {
			v.kind = jArray
		}
		end, err = scanContainer(b, i, depth+1)
	default:
		v.kind, end, err = scanLiteral(b, i)
	}
	if err != nil {
		return v, end, err
	}
	v.raw, v.depth = b[i:end], depth
	return v, end, nil
}

func scanLiteral(b []byte, i int) (jsonKind, int, error) {
	for _, lit := range [...]struct {
		s    string
		kind jsonKind
	}{{"true", jTrue}, {"false", jFalse}, {"null", jNull}} {
		if b[i] != lit.s[0] {
			continue
		}
		for k := 1; k < len(lit.s); k++ {
			if i+k >= len(b) || b[i+k] != lit.s[k] {
				return 0, i + k, syntaxErr(b, i+k, "in literal "+lit.s)
			}
		}
		return lit.kind, i + len(lit.s), nil
	}
	return 0, i, syntaxErr(b, i, "looking for beginning of value")
}

// scanString returns the offset after the string starting at b[i].
func scanString(b []byte, i int) (end int, escaped bool, err error) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, escaped, nil
		case c < 0x20:
			return j, escaped, syntaxErr(b, j, "in string literal")
		case c == '\\':
			escaped = true
			j++
			if j >= len(b) {
				return j, escaped, syntaxErr(b, j, "")
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for k := 1; k <= 4; k++ {
					if j+k >= len(b) || !isHex(b[j+k]) {
						return j + k, escaped, syntaxErr(b, j+k, "in \\u hexadecimal character escape")
					}
				}
				j += 4
			default:
				return j, escaped, syntaxErr(b, j, "in string escape code")
			}
		}
	}
	return len(b), escaped, syntaxErr(b, len(b), "")
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanNumber returns the offset after the number starting at b[i]:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(b []byte, i int) (int, error) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && isDigit(b[i]):
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return i, syntaxErr(b, i, "in numeric literal")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return i, syntaxErr(b, i, "after decimal point in numeric literal")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return i, syntaxErr(b, i, "in exponent of numeric literal")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	return i, nil
}

// scanContainer returns the offset after the object or array starting at
// b[i].
func scanContainer(b []byte, i, depth int) (int, error) {
	end, err := eachItem(b[i:], depth, nil, func([]byte, jvalue) error { return nil })
	return i + end, shiftErr(err, i)
}

func shiftErr(err error, by int) error {
	if je, ok := err.(*jsonError); ok {
		return &jsonError{off: je.off + by, msg: je.msg}
	}
	return err
}

// eachItem calls fn for each member of the object, or element of the
// array, that b starts with, checking the syntax on the way, and returns
// the offset after it. depth is the nesting level of the container (1 at
// the top). The key is nil for an array element; for a member it is the
// bytes between the quotes in ASCII lower case (encoding/json matches
// field names regardless of case), valid until the next member at this
// level. The values get src. An error from fn stops the walk.
func eachItem(b []byte, depth int, src *jsrc, fn func(key []byte, v jvalue) error) (int, error) {
	object := b[0] == '{'
	closer := byte(']')
	if object {
		closer = '}'
	}
	i := skipSpace(b, 1)
	if i < len(b) && b[i] == closer {
		return i + 1, nil
	}
	for {
		var key []byte
		if object {
			if i >= len(b) || b[i] != '"' {
				return i, syntaxErr(b, i, "looking for beginning of object key string")
			}
			end, _, err := scanString(b, i)
			if err != nil {
				return end, err
			}
			key = src.lowerKey(depth, b[i+1:end-1])
			if i = skipSpace(b, end); i >= len(b) || b[i] != ':' {
				return i, syntaxErr(b, i, "after object key")
			}
			i = skipSpace(b, i+1)
		}
		v, end, err := scanValue(b, i, depth)
		if err != nil {
			return end, err
		}
		v.src = src
		if err := fn(key, v); err != nil {
			return end, err
		}
		i = skipSpace(b, end)
		switch {
		case i < len(b) && b[i] == ',':
			i = skipSpace(b, i+1)
		case i < len(b) && b[i] == closer:
			return i + 1, nil
		default:
			what := "after array element"
			if object {
				what = "after object key:value pair"
			}
			return i, syntaxErr(b, i, what)
		}
	}
}

// members calls fn for each member of the object v, with its key as
// eachItem gives it.
func (v jvalue) members(fn func(key []byte, v jvalue) error) error {
	if v.kind != jObject {
		return nil
	}
	_, err := eachItem(v.raw, v.depth+1, v.src, fn)
	return err
}

// elements calls fn for each element of the array v (with a nil key).
func (v jvalue) elements(fn func(_ []byte, v jvalue) error) error {
	if v.kind != jArray {
		return nil
	}
	_, err := eachItem(v.raw, v.depth+1, v.src, fn)
	return err
}

// lowerKey returns k in ASCII lower case, in a buffer of j kept for the
// nesting level depth; k itself when it has no upper-case letter. It
// returns nil when j is nil: nobody reads the key.
func (j *jsrc) lowerKey(depth int, k []byte) []byte {
	if j == nil {
		return nil
	}
	upper := false
	for _, c := range k {
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper {
		return k
	}
	var dst []byte
	if depth < len(j.keys) && len(k) <= len(j.keys[depth]) {
		dst = j.keys[depth][:0]
	}
	for _, c := range k {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// errNotObject is a line or array element that is not a JSON object.
var errNotObject = errors.New("not a JSON object")

// eachMember calls fn for each member of the one JSON object b holds,
// checking the syntax of the whole of b on the way: the object is read in
// one pass. Keys are as for members.
func eachMember(src *jsrc, fn func(key []byte, v jvalue) error) error {
	b := src.b
	i := skipSpace(b, 0)
	if i < len(b) && b[i] != '{' {
		if _, err := scanTop(b); err != nil {
			return err
		}
		return errNotObject
	}
	if i >= len(b) {
		return syntaxErr(b, i, "")
	}
	end, err := eachItem(b[i:], 1, src, fn)
	if err != nil {
		return shiftErr(err, i)
	}
	if end = skipSpace(b, i+end); end != len(b) {
		return syntaxErr(b, end, "after top-level value")
	}
	return nil
}

// fieldError is a member of the wrong type.
type fieldError struct {
	field string
	found jsonKind
	want  string
}

func (e *fieldError) Error() string {
	return "field " + e.field + ": " + e.found.String() + " where " + e.want + " is expected"
}

// text returns a string value trimmed, a number as written, and "" for
// null; other types are a *fieldError without its field name.
func (v jvalue) text() (string, error) {
	switch v.kind {
	case jString:
		if v.escaped {
			var u string
			if err := json.Unmarshal(v.raw, &u); err != nil {
				return "", err
			}
			return strings.TrimSpace(u), nil
		}
		return strings.TrimSpace(v.src.str(v.raw[1 : len(v.raw)-1])), nil
	case jNumber:
		return v.src.str(v.raw), nil
	case jNull:
		return "", nil
	}
	return "", &fieldError{found: v.kind, want: "text"}
}

// flag returns a yes/no answer: true or false, 1 or 0, those as strings,
// or null and "" for no.
func (v jvalue) flag() (bool, error) {
	switch v.kind {
	case jTrue:
		return true, nil
	case jFalse, jNull:
		return false, nil
	case jNumber, jString:
		switch string(bytes.Trim(v.raw, `"`)) {
		case "1", "true":
			return true, nil
		case "0", "false", "":
			return false, nil
		}
	}
	return false, &fieldError{found: v.kind, want: "true or false"}
}

// named sets the field name of a *fieldError that has none: the name is
// only built when there is an error.
func named(err error, field string, sub ...[]byte) error {
	fe, ok := err.(*fieldError)
	if !ok || fe.field != "" {
		return err
	}
	fe.field = field
	for _, s := range sub {
		fe.field += "." + string(s)
	}
	return fe
}
