package synth

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Stats describes a written extract.
type Stats struct {
	Persons    int // rows of people.csv
	Households int // distinct household_id values
	WithOldID  int // persons with an old CMND
	WithPhone  int // persons with a phone number
	// SharedPhones counts the numbers that appear on two rows (a couple
	// using one phone).
	SharedPhones int
	Twins        int // persons with their twin in the household
	Insured      int // rows of insurance.csv

	PeopleBytes, InsuranceBytes int64 // sizes of the two files
}

// Headers of the two files, as in the legacy contract (FORMATS.md).
var (
	peopleHeader    = []string{"cccd", "old_id", "full_name", "birth_date", "sex", "ward_code", "address", "household_id", "phone"}
	insuranceHeader = []string{"cccd", "bhxh_code", "card_number", "valid_to"}
)

// WriteRegistry writes the population of the given number of persons
// generated from seed as the registry extract of a legacy dump:
// people.csv and insurance.csv in dir (created if missing), in the format
// of the legacy contract: UTF-8, header row, RFC 4180 quoting, LF line
// ends. Each file is written to a temporary file in dir and renamed into
// place once complete, so a crash leaves either the old file or the new
// one, never half of one. The same seed and size give byte-identical files.
func WriteRegistry(dir string, seed int64, persons int) (Stats, error) {
	p, err := NewPopulation(seed, persons)
	if err != nil {
		return Stats{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("synth: %w", err)
	}
	people, err := newAtomicFile(dir, "people.csv")
	if err != nil {
		return Stats{}, err
	}
	defer people.abort()
	insurance, err := newAtomicFile(dir, "insurance.csv")
	if err != nil {
		return Stats{}, err
	}
	defer insurance.abort()

	stats, err := p.WriteCSV(people.w, insurance.w)
	if err != nil {
		return Stats{}, fmt.Errorf("synth: writing %s: %w", dir, err)
	}
	if stats.PeopleBytes, err = people.commit(); err != nil {
		return Stats{}, err
	}
	if stats.InsuranceBytes, err = insurance.commit(); err != nil {
		return Stats{}, err
	}
	syncDir(dir)
	return stats, nil
}

// WriteCSV writes the population as people.csv to people and as
// insurance.csv to insurance. It does not set the byte counts of Stats.
func (p *Population) WriteCSV(people, insurance io.Writer) (Stats, error) {
	var s Stats
	pw, iw := csv.NewWriter(people), csv.NewWriter(insurance)
	if err := errors.Join(pw.Write(peopleHeader), iw.Write(insuranceHeader)); err != nil {
		return s, err
	}
	row := make([]string, len(peopleHeader))
	card := make([]string, len(insuranceHeader))
	var date []byte
	for h := range p.Households() {
		s.Households++
		for i := range h.Members {
			m := &h.Members[i]
			date = appendDate(date[:0], m.BirthDate)
			row[0], row[1], row[2], row[3] = m.CCCD, m.OldID, m.FullName, string(date)
			row[4], row[5], row[6], row[7], row[8] = sexCode(m.Sex), m.WardCode, m.Address, m.HouseholdID, m.Phone
			if err := pw.Write(row); err != nil {
				return s, err
			}
			if c := m.Insurance; c != nil {
				date = appendDate(date[:0], c.ValidTo)
				card[0], card[1], card[2], card[3] = m.CCCD, c.BHXHCode, c.CardNumber, string(date)
				if err := iw.Write(card); err != nil {
					return s, err
				}
			}
			s.count(m)
		}
	}
	pw.Flush()
	iw.Flush()
	return s, errors.Join(pw.Error(), iw.Error())
}

func (s *Stats) count(m *Person) {
	s.Persons++
	if m.OldID != "" {
		s.WithOldID++
	}
	if m.Phone != "" {
		s.WithPhone++
	}
	if m.PhoneShared && m.FamilyRole == RoleSpouse {
		s.SharedPhones++
	}
	if m.Twin {
		s.Twins++
	}
	if m.Insurance != nil {
		s.Insured++
	}
}

func sexCode(s byte) string {
	if s == 'F' {
		return "F"
	}
	return "M"
}

// atomicFile is a file written under a temporary name and renamed into
// place by commit.
type atomicFile struct {
	f    *os.File
	w    *bufio.Writer
	path string
	done bool
}

func newAtomicFile(dir, name string) (*atomicFile, error) {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	// csv.Writer adopts a bufio.Writer of at least its own size as is.
	return &atomicFile{f: f, w: bufio.NewWriterSize(f, 1<<20), path: filepath.Join(dir, name)}, nil
}

// commit flushes, syncs and closes the file, renames it into place and
// returns its size.
func (a *atomicFile) commit() (int64, error) {
	err := a.w.Flush()
	if err == nil {
		err = a.f.Chmod(0o644)
	}
	if err == nil {
		err = a.f.Sync()
	}
	var size int64
	if err == nil {
		var info os.FileInfo
		if info, err = a.f.Stat(); err == nil {
			size = info.Size()
		}
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.f.Name(), a.path)
	}
	if err != nil {
		return 0, fmt.Errorf("synth: %w", err)
	}
	a.done = true
	return size, nil
}

// abort removes the temporary file unless it was committed.
func (a *atomicFile) abort() {
	if a.done {
		return
	}
	a.f.Close()
	os.Remove(a.f.Name())
}

// syncDir makes the renames durable where the platform allows it; a
// failure only weakens durability, not correctness, so it is ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
