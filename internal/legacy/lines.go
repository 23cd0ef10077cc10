package legacy

import (
	"bufio"
	"errors"
	"io"
	"unicode/utf8"
)

// jsonProblem describes why a JSON value could not be read, without the
// value itself, and where in it when that is known (-1 otherwise).
func jsonProblem(err error) (kind, detail string, at int) {
	var se *jsonError
	var fe *fieldError
	switch {
	case errors.As(err, &fe):
		return "field " + fe.field + ": wrong type", " (" + fe.found.String() + " where " + fe.want + " is expected)", -1
	case errors.As(err, &se):
		return "invalid JSON", ": " + se.msg, se.off
	case errors.Is(err, errNotObject):
		return "not a JSON object", "", -1
	}
	return "invalid JSON", "", -1
}

// maxJSONLine bounds a line of a JSON Lines file: a longer one is no
// declaration.
const maxJSONLine = 1 << 20

// lineReader reads a file line by line, keeping count of lines and bytes.
type lineReader struct {
	br   *bufio.Reader
	off  int64 // file offset of the next line
	line int   // lines read
	long []byte
}

func newLineReader(in *input) *lineReader {
	return &lineReader{br: in.br, off: in.base}
}

// next returns the next line with its line break, and the offset it
// starts at; the last line of a file may lack the line break. A line
// longer than maxJSONLine is skipped and returned as nil with tooLong set.
// At the end of the file next returns io.EOF.
func (l *lineReader) next() (b []byte, start int64, tooLong bool, err error) {
	start = l.off
	b, err = l.br.ReadSlice('\n')
	n := int64(len(b))
	if err == bufio.ErrBufferFull {
		l.long = append(l.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = l.br.ReadSlice('\n')
			n += int64(len(b))
			if tooLong || len(l.long)+len(b) > maxJSONLine {
				tooLong = true
				continue
			}
			l.long = append(l.long, b...)
		}
		b = l.long
		if tooLong {
			b = nil
		}
	}
	l.off += n
	switch {
	case err != nil && err != io.EOF:
		return nil, start, false, err
	case err == io.EOF && n == 0:
		return nil, start, false, io.EOF
	}
	l.line++
	return b, start, tooLong, nil
}

// invalidUTF8 returns the index of the first byte of b that is not UTF-8,
// or -1.
func invalidUTF8(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}
