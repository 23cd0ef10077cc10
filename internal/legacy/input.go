package legacy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"
)

// inputBuffer is the read buffer of a file; sniffing the encoding and the
// separator looks at most this far.
const inputBuffer = 64 << 10

// input is one open file of a dump, past its byte-order marks.
type input struct {
	name  string // path inside the dump
	close func()
	br    *bufio.Reader
	base  int64 // bytes skipped at the start (byte-order marks)
	bom   bool
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// openInput opens a file of the dump. A file that cannot be opened is a
// fatal problem of that file, not of the dump.
func openInput(dir, name string) (*input, error) {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is the report's already
		}
		return nil, fatal(0, 0, "cannot open file", ": "+err.Error())
	}
	in := newInput(name, f)
	in.close = func() { f.Close() }
	return in, nil
}

// newInput reads the file name from r, skipping the UTF-8 byte-order
// marks it starts with (some exports write two).
func newInput(name string, r io.Reader) *input {
	in := &input{name: name, close: func() {}, br: bufio.NewReaderSize(r, inputBuffer)}
	for {
		b, _ := in.br.Peek(len(utf8BOM))
		if !bytes.Equal(b, utf8BOM) {
			break
		}
		in.br.Discard(len(utf8BOM))
		in.base += int64(len(utf8BOM))
		in.bom = true
	}
	return in
}

// firstLine returns the first line of the file (without its line break),
// as far as the buffer reaches, without consuming it.
func (in *input) firstLine() []byte {
	for n := 512; ; n *= 2 {
		b, err := in.br.Peek(min(n, inputBuffer))
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return bytes.TrimSuffix(b[:i], []byte{'\r'})
		}
		if err != nil || n >= inputBuffer {
			return b
		}
	}
}

// looksUTF8 reports whether the start of the file is UTF-8 text with some
// non-ASCII letters in it. Windows-1258 Vietnamese is practically never
// valid UTF-8 (a vowel byte followed by a combining tone byte is not a
// UTF-8 sequence), so a vaccination export that passes was saved as UTF-8
// by someone, and is read as such rather than turned into mojibake.
func (in *input) looksUTF8() bool {
	b, _ := in.br.Peek(inputBuffer)
	ascii := true
	for _, c := range b {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return false
	}
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	return utf8.Valid(b)
}

// track returns a tracker over the rest of the file.
func (in *input) track(enc textEncoding, maxRun int64) *tracker {
	return newTracker(in.br, in.base, enc, maxRun)
}
