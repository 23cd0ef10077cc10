package legacy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// textEncoding is how a file's bytes encode its text.
type textEncoding uint8

const (
	encUTF8   textEncoding = iota
	encCP1258              // Windows-1258, the vaccination portal's office export
)

// badByte is a byte that does not decode, and the line it is on.
type badByte struct {
	off  int64
	line int
}

// tracker sits between a file and the parser reading it (encoding/csv or
// encoding/json, which both read ahead) and notes, as the bytes pass, the
// offsets of bytes that do not decode and of line breaks. The parser then
// claims the bad bytes that fall inside the row it has just read, so a bad
// byte sets aside its own row and nothing else.
//
// It also bounds memory: a parser buffers a whole row (or JSON value), so a
// file without line breaks (a binary file, a corrupt export) would
// otherwise be loaded whole. maxRun bytes without a line break (or, with
// keepLines, since the parser last forgot) stop the file with an error.
type tracker struct {
	r    io.Reader
	enc  textEncoding
	off  int64 // file offset of the next byte
	nl   int   // line breaks passed
	last byte  // last byte read
	eof  bool

	maxRun  int64
	runFrom int64 // offset after the last line break, or of the last forget

	pend    [utf8.UTFMax]byte // start of a UTF-8 sequence cut by the end of a read
	npend   int
	pendOff int64
	pendNL  int

	bad []badByte

	keepLines bool
	lines     []int64 // offsets of line breaks not yet forgotten
	forgotten int     // line breaks forgotten
}

// errTooLong is wrapped by the tracker's error for a run without line breaks.
var errTooLong = errors.New("too long")

func newTracker(r io.Reader, base int64, enc textEncoding, maxRun int64) *tracker {
	return &tracker{r: r, off: base, runFrom: base, enc: enc, maxRun: maxRun, last: '\n'}
}

// Read reads from the file and notes what passes.
func (t *tracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.scan(p[:n])
	}
	if err == io.EOF {
		t.eof = true
		if t.npend > 0 { // a multi-byte sequence cut by the end of the file
			t.addBad(t.pendOff, t.pendNL)
			t.npend = 0
		}
	}
	if err == nil && t.maxRun > 0 && t.off-t.runFrom > t.maxRun {
		return n, fmt.Errorf("more than %d bytes without a line break at byte %d: %w", t.maxRun, t.off, errTooLong)
	}
	return n, err
}

func (t *tracker) scan(b []byte) {
	switch t.enc {
	case encUTF8:
		t.scanUTF8(b)
	case encCP1258:
		lines := t.nl
		for i, c := range b {
			switch {
			case c == '\n':
				lines++
			case cp1258Undefined[c]:
				t.addBad(t.off+int64(i), lines)
			}
		}
	}
	if k := bytes.LastIndexByte(b, '\n'); k >= 0 && !t.keepLines {
		t.runFrom = t.off + int64(k) + 1
	}
	if t.keepLines {
		for i := 0; ; {
			k := bytes.IndexByte(b[i:], '\n')
			if k < 0 {
				break
			}
			t.lines = append(t.lines, t.off+int64(i+k))
			i += k + 1
		}
	}
	t.nl += bytes.Count(b, nl)
	t.off += int64(len(b))
	t.last = b[len(b)-1]
}

var nl = []byte{'\n'}

// scanUTF8 notes the invalid UTF-8 in b, carrying a sequence cut by the end
// of b over to the next read.
func (t *tracker) scanUTF8(b []byte) {
	start := 0
	if t.npend > 0 {
		var buf [2 * utf8.UTFMax]byte
		seq := append(append(buf[:0], t.pend[:t.npend]...), b[:min(len(b), utf8.UTFMax)]...)
		if !utf8.FullRune(seq) {
			t.npend += copy(t.pend[t.npend:], b)
			return
		}
		r, size := utf8.DecodeRune(seq)
		if r == utf8.RuneError && size <= 1 {
			t.addBad(t.pendOff, t.pendNL)
		} else {
			start = size - t.npend
		}
		t.npend = 0
	}
	b = b[start:]
	cut := len(b)
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				cut = i
			}
			break
		}
	}
	if !utf8.Valid(b[:cut]) {
		lines := t.nl
		for i := 0; i < cut; {
			if c := b[i]; c < utf8.RuneSelf {
				if c == '\n' {
					lines++
				}
				i++
				continue
			}
			r, size := utf8.DecodeRune(b[i:cut])
			if r == utf8.RuneError && size == 1 {
				t.addBad(t.off+int64(start+i), lines)
			}
			i += size
		}
	}
	if cut < len(b) {
		t.npend = copy(t.pend[:], b[cut:])
		t.pendOff = t.off + int64(start+cut)
		t.pendNL = t.nl + bytes.Count(b[:cut], nl)
	}
}

// addBad notes a bad byte at off on the line after nlBefore line breaks;
// one per line is enough to set the row aside.
func (t *tracker) addBad(off int64, nlBefore int) {
	line := nlBefore + 1
	if n := len(t.bad); n > 0 && t.bad[n-1].line == line {
		return
	}
	t.bad = append(t.bad, badByte{off: off, line: line})
}

// claim removes the bad bytes before end and returns the first of them.
func (t *tracker) claim(end int64) (badByte, bool) {
	if len(t.bad) == 0 || t.bad[0].off >= end {
		return badByte{}, false
	}
	first := t.bad[0]
	i := 1
	for i < len(t.bad) && t.bad[i].off < end {
		i++
	}
	t.bad = append(t.bad[:0], t.bad[i:]...)
	return first, true
}

// lineAt returns the line number of the byte at off, which must not have
// been forgotten (keepLines only).
func (t *tracker) lineAt(off int64) int {
	n := 0
	for n < len(t.lines) && t.lines[n] < off {
		n++
	}
	return t.forgotten + n + 1
}

// forget drops what is known of the line breaks before off (keepLines
// only): the parser is done with them.
func (t *tracker) forget(off int64) {
	n := 0
	for n < len(t.lines) && t.lines[n] < off {
		n++
	}
	t.forgotten += n
	t.lines = append(t.lines[:0], t.lines[n:]...)
	t.runFrom = off
}

// endsWithNewline reports whether the whole file has been read and its
// last byte is a line break.
func (t *tracker) endsWithNewline() bool { return t.eof && t.last == '\n' }

// cp1258Undefined marks the bytes Windows-1258 leaves undefined; x/text
// decodes them to U+FFFD.
var cp1258Undefined = func() (out [256]bool) {
	for i := range out {
		out[i] = charmap.Windows1258.DecodeByte(byte(i)) == utf8.RuneError
	}
	return out
}()

// cp1258Text holds the UTF-8 text of every Windows-1258 byte.
var cp1258Text = func() (out [256]string) {
	for i := range out {
		out[i] = string(charmap.Windows1258.DecodeByte(byte(i)))
	}
	return out
}()
