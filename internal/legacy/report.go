package legacy

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/pccovid/pccovid/internal/problem"
)

// MaxProblems is how many problems a FileReport lists; all of them are
// counted.
const MaxProblems = 1000

// Report says what reading a dump did, file by file, in reading order.
type Report struct {
	Files []*FileReport
	// Totals over Files.
	Read, SetAside, Withheld, Dropped, Failed int
}

// FileReport says what reading one file did.
type FileReport struct {
	// File is the path inside the dump, e.g. "labtests/HCDC.csv".
	File   string
	Source Source
	// Read counts the records (or contacts) delivered.
	Read int
	// SetAside counts the rows set aside.
	SetAside int
	// Withheld counts the records read but not delivered because the file
	// turned out to be truncated or undecodable in their batch.
	Withheld int
	// Dropped counts the values left out of records that were delivered.
	Dropped int
	// Problems lists the first MaxProblems problems in file order.
	Problems []Problem
	// Counts counts every problem by its Kind.
	Counts map[string]int
	// Fatal says why the file could not be read to its end; nil when it was.
	Fatal *Problem
}

func (r *FileReport) add(p Problem) {
	if p.SetAside {
		r.SetAside++
	} else {
		r.Dropped++
	}
	if r.Counts == nil {
		r.Counts = make(map[string]int)
	}
	r.Counts[p.Kind]++
	if len(r.Problems) < MaxProblems {
		r.Problems = append(r.Problems, p)
	}
}

func (r *FileReport) fail(p Problem) {
	p.SetAside = true
	r.Fatal = &p
	if r.Counts == nil {
		r.Counts = make(map[string]int)
	}
	r.Counts[p.Kind]++
}

func (rep *Report) total() {
	rep.Read, rep.SetAside, rep.Withheld, rep.Dropped, rep.Failed = 0, 0, 0, 0, 0
	for _, f := range rep.Files {
		rep.Read += f.Read
		rep.SetAside += f.SetAside
		rep.Withheld += f.Withheld
		rep.Dropped += f.Dropped
		if f.Fatal != nil {
			rep.Failed++
		}
	}
}

// Err returns nil when every file was read to its end, and otherwise an
// error wrapping problem.ErrInvalid that lists the files that were not.
func (rep *Report) Err() error {
	var errs []error
	for _, f := range rep.Files {
		if f.Fatal != nil {
			errs = append(errs, f.Fatal)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("legacy: %d file(s) not read to the end: %w; %w", len(errs), problem.ErrInvalid, errors.Join(errs...))
}

// Error returns the problem as "file:line: reason", so a fatal Problem is
// an error.
func (p Problem) Error() string { return p.String() }

// String returns "file:line: [key] reason (set aside)".
func (p Problem) String() string {
	s := p.File
	if p.Line > 0 {
		s += ":" + strconv.Itoa(p.Line)
	}
	s += ": "
	if p.Key != "" {
		s += "[" + p.Key + "] "
	}
	s += p.Reason
	if p.SetAside {
		s += " (set aside)"
	} else {
		s += " (left out)"
	}
	return s
}

// textProblems is how many problems per file WriteText lists.
const textProblems = 10

// WriteText writes the report for a person to read at the end of an
// import: totals, one line per file, and for each file with problems the
// count of each kind of problem and the first few problems. It holds no
// personal data.
func (rep *Report) WriteText(w io.Writer) error {
	rep.total()
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "legacy import: %d file(s), %d record(s) read, %d set aside, %d withheld, %d value(s) left out",
		len(rep.Files), rep.Read, rep.SetAside, rep.Withheld, rep.Dropped)
	if rep.Failed > 0 {
		fmt.Fprintf(bw, ", %d file(s) NOT READ TO THE END", rep.Failed)
	}
	fmt.Fprintln(bw)
	width := 0
	for _, f := range rep.Files {
		width = max(width, len(f.File))
	}
	for _, f := range rep.Files {
		fmt.Fprintf(bw, "  %-*s %9d read %7d set aside %7d withheld %7d left out\n",
			width, f.File, f.Read, f.SetAside, f.Withheld, f.Dropped)
	}
	for _, f := range rep.Files {
		writeFileProblems(bw, f)
	}
	return bw.Flush()
}

func writeFileProblems(w io.Writer, f *FileReport) {
	if f.Fatal == nil && len(f.Counts) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", f.File)
	if f.Fatal != nil {
		fmt.Fprintf(w, "  STOPPED: %s", f.Fatal.Reason)
		if f.Withheld > 0 {
			fmt.Fprintf(w, "; the %d record(s) of its last batch were not delivered", f.Withheld)
		}
		fmt.Fprintln(w)
	}
	kinds := make([]string, 0, len(f.Counts))
	for k := range f.Counts {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b string) int {
		return cmp.Or(cmp.Compare(f.Counts[b], f.Counts[a]), cmp.Compare(a, b))
	})
	for _, k := range kinds {
		fmt.Fprintf(w, "  %7d × %s\n", f.Counts[k], k)
	}
	for i, p := range f.Problems {
		if i == textProblems {
			fmt.Fprintf(w, "  … %d more listed in the report\n", len(f.Problems)-i)
			break
		}
		fmt.Fprintf(w, "  %s\n", p)
	}
}
