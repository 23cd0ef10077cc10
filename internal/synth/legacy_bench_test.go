package synth

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"github.com/pccovid/pccovid/internal/vn"
)

// BenchmarkWriteLegacyDump writes the dump of a million persons, the size
// the importer is judged on (about 5 million rows in all).
func BenchmarkWriteLegacyDump(b *testing.B) {
	dir := b.TempDir()
	var s LegacyStats
	for b.Loop() {
		var err error
		if s, err = WriteLegacyDump(dir, 2021, 1_000_000); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.Records()), "records")
	b.ReportMetric(float64(s.Bytes)/1e6, "MB")
}

func ExampleWriteLegacyDump() {
	dir, err := os.MkdirTemp("", "legacy")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if _, err := WriteLegacyDump(dir, 2021, 1_000); err != nil {
		panic(err)
	}
	filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			fmt.Println(filepath.ToSlash(rel))
		}
		return err
	})
	// Output:
	// bluezone/contacts.csv
	// bluezone/users.csv
	// healthbook/profiles.json
	// labtests/BV_BACHMAI.csv
	// labtests/BV_CHORAY.csv
	// labtests/CDC_CANTHO.csv
	// labtests/CDC_DANANG.csv
	// labtests/CDC_HN.csv
	// labtests/HCDC.csv
	// ncovi/declarations.jsonl
	// registry/insurance.csv
	// registry/people.csv
	// truth.csv
	// vaccination/doses.csv
	// vhd/declarations.csv
}

// FuzzCP1258 checks that Vietnamese text written in Windows-1258 reads
// back as the same text, whatever its normalisation.
func FuzzCP1258(f *testing.F) {
	for _, s := range []string{"Nguyễn Thị Thu Hà", "TRẦN VĂN ĐỨC", "Hoà Thuỷ Khoẻ", "Phường Bến Nghé", "Ư ơ Ă â ê ô đ", "Lê Quý Đôn"} {
		f.Add(s)
		f.Add(norm.NFD.String(s))
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		s = norm.NFC.String(s)
		for _, r := range s {
			if r >= utf8.RuneSelf && (int(r) >= len(cp1258Table()) || cp1258Table()[r] == 0) {
				return // outside the code page: written as '?'
			}
		}
		enc := appendCP1258(nil, []byte(s))
		dec, err := charmap.Windows1258.NewDecoder().Bytes(enc)
		if err != nil {
			t.Fatal(err)
		}
		if got := norm.NFC.String(string(dec)); got != s {
			t.Errorf("%q came back as %q", s, got)
		}
	})
}

// FuzzNameSlips checks the writing slips: a typo always changes a name of
// two letters or more, and the old tone placement is the same name once
// normalised.
func FuzzNameSlips(f *testing.F) {
	for _, s := range []string{"Nguyễn Thị Hoà", "Lê Thuỷ", "Phạm Quý", "An", "Đỗ Khoẻ"} {
		f.Add(s, uint64(1))
	}
	f.Fuzz(func(t *testing.T, s string, seed uint64) {
		if !utf8.ValidString(s) {
			return
		}
		s = vn.NormalizeName(s)
		letters := 0
		for _, r := range s {
			if vn.FoldName(string(r)) != "" && strings.TrimSpace(string(r)) != "" {
				letters++
			}
		}
		r := rand.New(rand.NewPCG(seed, 1))
		if letters >= 2 {
			if m := mistype(r, s); m == s {
				t.Errorf("mistype(%q) left it alone", s)
			}
		}
		if o := oldTone(s); vn.NormalizeName(o) != s {
			t.Errorf("oldTone(%q) = %q, which normalises to %q", s, o, vn.NormalizeName(o))
		}
	})
}
