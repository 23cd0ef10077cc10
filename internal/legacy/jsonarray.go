package legacy

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// maxJSONValue bounds one element of a JSON array: a bigger one is no
// profile, and the decoder would hold it whole.
const maxJSONValue = 16 << 20

// jsonArray streams the elements of a file holding one JSON array, with
// encoding/json's Decoder: one element in memory at a time, however big
// the file.
type jsonArray struct {
	in    *input
	t     *tracker
	dec   *json.Decoder
	raw   json.RawMessage
	start int64 // file offset of the last element
	done  bool
}

// openJSONArray reads up to the array's opening bracket.
func openJSONArray(in *input) (*jsonArray, error) {
	t := in.track(encUTF8, maxJSONValue)
	t.keepLines = true
	a := &jsonArray{in: in, t: t, dec: json.NewDecoder(t)}
	tok, err := a.dec.Token()
	switch {
	case err == io.EOF && t.off == in.base:
		return nil, fatal(0, 0, "empty file", "")
	case err != nil:
		return nil, a.fatal(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fatal(1, in.base, "not a JSON array", "")
	}
	return a, nil
}

// next returns the next element and resets r to its line. When the
// element's bytes are not UTF-8 it returns nil, with r set aside. After
// the last element it returns io.EOF, or errAfterArray with r set aside
// when more data follows the array; a *fatalError when the array cannot be
// read on.
func (a *jsonArray) next(r *row) ([]byte, error) {
	if !a.dec.More() {
		return nil, a.end(r)
	}
	a.raw = a.raw[:0]
	if err := a.dec.Decode(&a.raw); err != nil {
		return nil, a.fatal(err)
	}
	end := a.in.base + a.dec.InputOffset()
	a.start = end - int64(len(a.raw))
	r.reset(a.t.lineAt(a.start))
	bad, isBad := a.t.claim(end)
	a.t.forget(end)
	if isBad {
		r.reject("", "invalid UTF-8", " at byte "+strconv.FormatInt(bad.off, 10)+" (line "+strconv.Itoa(bad.line)+")")
		r.aside.Offset = bad.off
		return nil, nil
	}
	return a.raw, nil
}

// end reads the closing bracket, and notes data after it as a problem of
// the row r (whose report the caller makes).
func (a *jsonArray) end(r *row) error {
	if _, err := a.dec.Token(); err != nil {
		return a.fatal(err)
	}
	if _, err := a.dec.Token(); err != io.EOF {
		off := a.in.base + a.dec.InputOffset()
		r.reset(a.t.lineAt(off))
		r.reject("", "data after the JSON array", " at byte "+strconv.FormatInt(off, 10)+", not read")
		r.aside.Offset = off
		return errAfterArray
	}
	return io.EOF
}

// errAfterArray is the end of an array followed by more data.
var errAfterArray = errors.New("data after the JSON array")

// fatal turns an error of the decoder into the problem that stops the
// file.
func (a *jsonArray) fatal(err error) error {
	t := a.t
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fatalReason(t.nl+1, t.off, kindTruncated, "truncated JSON array at byte "+strconv.FormatInt(t.off, 10))
	case errors.As(err, &se):
		off := a.in.base + se.Offset
		return fatal(t.lineAt(off), off, "invalid JSON", " at byte "+strconv.FormatInt(off, 10)+": "+se.Error())
	case errors.Is(err, errTooLong):
		return fatal(t.nl+1, t.off, "element too long", ": "+err.Error())
	}
	return fatal(t.nl+1, t.off, "read error", ": "+err.Error())
}
