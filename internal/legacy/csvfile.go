package legacy

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
)

// maxCSVLine bounds a CSV line: a longer one is no row of any export.
const maxCSVLine = 1 << 20

// column is a column a source reads from a CSV file. A required column
// missing from the header stops the file; an optional one reads as empty.
type column struct {
	name     string
	required bool
}

// csvFile reads the rows of one CSV export: the header names the columns,
// then each row is checked for its encoding and number of fields before a
// source parser sees the fields it asked for.
type csvFile struct {
	in     *input
	t      *tracker
	r      *csv.Reader
	cols   []column
	idx    []int // position in the row of each wanted column, -1 if absent
	width  int   // fields in the header
	end    int64 // file offset after the last row read
	fields []string
	line   int
}

// openCSV reads the header of a CSV file whose separator is comma, or the
// other of ',' and ';' when the header is written with that one.
func openCSV(in *input, comma rune, enc textEncoding, cols []column) (*csvFile, error) {
	comma = sniffComma(in.firstLine(), comma, cols)
	t := in.track(enc, maxCSVLine)
	r := csv.NewReader(t)
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	r.TrimLeadingSpace = true // so that ` "quoted"` is a quoted field
	c := &csvFile{in: in, t: t, r: r, cols: cols, idx: make([]int, len(cols)), fields: make([]string, len(cols))}
	head, err := r.Read()
	c.end = in.base + r.InputOffset()
	switch {
	case err == io.EOF:
		return nil, fatal(0, 0, "empty file", ": no header row")
	case err != nil:
		return nil, fatal(1, 0, "unreadable header row", ": "+csvErrText(err))
	}
	if bad, ok := t.claim(c.end); ok {
		return nil, fatal(bad.line, bad.off, "undecodable header row", ": "+badByteText(enc, bad))
	}
	c.width = len(head)
	names := make(map[string]int, len(head))
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(h), "\uFEFF")))
		if _, dup := names[h]; !dup {
			names[h] = i
		}
	}
	for i, col := range cols {
		j, ok := names[col.name]
		if !ok && col.required {
			return nil, fatal(1, 0, "header row has no column "+col.name, "")
		}
		if !ok {
			j = -1
		}
		c.idx[i] = j
	}
	return c, nil
}

// sniffComma returns the separator that splits header into the most wanted
// column names, def on a tie.
func sniffComma(header []byte, def rune, cols []column) rune {
	other := ','
	if def == ',' {
		other = ';'
	}
	count := func(sep rune) int {
		n := 0
		for _, h := range bytes.Split(header, []byte(string(sep))) {
			h = bytes.ToLower(bytes.Trim(bytes.TrimSpace(h), "\""))
			for _, c := range cols {
				if string(h) == c.name {
					n++
				}
			}
		}
		return n
	}
	if count(other) > count(def) {
		return other
	}
	return def
}

// next reads the next row. It returns io.EOF at the end of the file, a
// *fatalError when the file cannot be read on, and a problem (with a nil
// error) for a row that must be set aside as a whole. Otherwise c.fields
// holds the wanted fields, trimmed, and c.line the row's line.
func (c *csvFile) next() (*Problem, error) {
	for {
		rec, err := c.r.Read()
		c.end = c.in.base + c.r.InputOffset()
		bad, isBad := c.t.claim(c.end)
		if err == io.EOF {
			return nil, io.EOF
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return nil, fatal(c.t.nl+1, c.t.off, "read error", ": "+err.Error())
		}
		atEnd := c.t.eof && c.end == c.t.off
		if pe != nil {
			c.line = pe.StartLine
			if errors.Is(pe.Err, csv.ErrQuote) && atEnd && pe.Line > pe.StartLine {
				return nil, fatal(pe.StartLine, 0, "unterminated quoted field", ": a quote opened on line "+
					strconv.Itoa(pe.StartLine)+" is never closed, up to the end of the file at byte "+strconv.FormatInt(c.end, 10))
			}
		} else {
			c.line, _ = c.r.FieldPos(0)
		}
		var p *Problem
		switch {
		case pe != nil:
			p = &Problem{Kind: "bad quoting", Reason: "bad quoting: " + csvErrText(pe.Err)}
		case isBad:
			p = &Problem{Line: bad.line, Offset: bad.off, Kind: encodingKind(c.t.enc), Reason: badByteText(c.t.enc, bad)}
		case len(rec) == 1 && c.width > 1 && strings.TrimSpace(rec[0]) == "":
			continue // a blank line
		case len(rec) != c.width:
			p = &Problem{Kind: "wrong number of fields", Reason: "wrong number of fields: " +
				strconv.Itoa(len(rec)) + " where the header has " + strconv.Itoa(c.width)}
		}
		if p != nil {
			if atEnd && !c.t.endsWithNewline() {
				return nil, fatalReason(c.line, c.end, kindTruncated, "truncated file: the last line, "+strconv.Itoa(c.line)+
					", is cut off at byte "+strconv.FormatInt(c.end, 10)+" ("+p.Reason+")")
			}
			if p.Line == 0 {
				p.Line = c.line
			}
			p.SetAside = true
			return p, nil
		}
		for i, j := range c.idx {
			if j < 0 {
				c.fields[i] = ""
			} else {
				c.fields[i] = strings.TrimSpace(rec[j])
			}
		}
		return nil, nil
	}
}

func csvErrText(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}

func encodingKind(enc textEncoding) string {
	if enc == encCP1258 {
		return "undecodable Windows-1258 byte"
	}
	return "invalid UTF-8"
}

func badByteText(enc textEncoding, b badByte) string {
	return encodingKind(enc) + " at byte " + strconv.FormatInt(b.off, 10) + " (line " + strconv.Itoa(b.line) + ")"
}
