package legacy

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/vn"
	"golang.org/x/text/unicode/norm"
)

// fileRead is what reading one file gave.
type fileRead struct {
	records []Record
	batches int
	rep     *FileReport
	err     error // an error that stopped the read (not a fatal problem)
}

// fileOf returns the dump file of a path inside a dump.
func fileOf(name string) dumpFile {
	switch {
	case name == fileBluezoneUsers:
		return dumpFile{source: Bluezone, name: name}
	case name == fileNCOVI:
		return dumpFile{source: NCOVI, name: name}
	case name == fileVHD:
		return dumpFile{source: VHD, name: name}
	case name == fileHealthbook:
		return dumpFile{source: Healthbook, name: name}
	case name == fileDoses:
		return dumpFile{source: Vaccination, name: name}
	case strings.HasPrefix(name, dirLabtests+"/"):
		return dumpFile{source: Labtests, name: name, lab: strings.TrimSuffix(strings.TrimPrefix(name, dirLabtests+"/"), ".csv")}
	}
	panic("no source for " + name)
}

// readBytes reads data as the file name of a dump, in batches of
// batchSize, as Read would.
func readBytes(name string, data []byte, batchSize int) fileRead {
	var got fileRead
	got.rep = &FileReport{File: name}
	out := newBatcher(context.Background(), batchSize, func(b []Record) error {
		got.records = append(got.records, b...)
		got.batches++
		return nil
	}, got.rep)
	err := readInput(fileOf(name), newInput(name, bytes.NewReader(data)), out, newCaches())
	got.err = settle(err, out, got.rep)
	return got
}

// writeDump writes files (path inside the dump → content) to a new dump
// folder.
func writeDump(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// problemKinds lists the kinds of the problems of a file report.
func problemKinds(rep *FileReport) []string {
	var out []string
	for _, p := range rep.Problems {
		out = append(out, p.Kind)
	}
	return out
}

// knownProducts are the vaccine products a Dose may name.
var knownProducts = []string{ProductVaxzevria, ProductComirnaty, ProductSpikevax, ProductSinopharm, ProductSputnikV, ProductAbdala, ProductHayatVax}

// checkRecord reports every field of rec that is not in its normal form:
// what a reader delivers must be, whatever it was given.
func checkRecord(t testing.TB, rec *Record) {
	t.Helper()
	bad := func(field string, v any) {
		t.Errorf("record %q (%s:%d): bad %s %q", rec.Key, rec.File, rec.Line, field, v)
	}
	if rec.Key == "" || !utf8.ValidString(rec.Key) || strings.TrimSpace(rec.Key) != rec.Key || len(rec.Key) > 100 {
		bad("key", rec.Key)
	}
	if !slices.Contains(Sources, rec.Source) || rec.File == "" || rec.Line < 1 {
		bad("source/file/line", rec.File)
	}
	for field, s := range map[string]string{"FullName": rec.FullName, "Address": rec.Address, "PortalID": rec.PortalID, "ManagedBy": rec.ManagedBy} {
		if !utf8.ValidString(s) || !norm.NFC.IsNormalString(s) || strings.TrimSpace(s) != s || field != "FullName" && strings.ContainsFunc(s, unicode.IsControl) {
			bad(field, s)
		}
	}
	if rec.FullName != vn.NormalizeName(rec.FullName) {
		bad("FullName (not normalised)", rec.FullName)
	}
	if rec.ManagedBy != "" && (!isKey(rec.ManagedBy) || rec.ManagedBy == rec.Key) {
		bad("ManagedBy", rec.ManagedBy)
	}
	if rec.Phone != "" {
		if p, err := vn.ParsePhone(string(rec.Phone)); err != nil || p != rec.Phone || rec.Phone[0] != '+' {
			bad("Phone", rec.Phone)
		}
	}
	if rec.CCCD != "" {
		if c, err := vn.ParseCCCD(rec.CCCD); err != nil || string(c) != rec.CCCD {
			bad("CCCD", rec.CCCD)
		}
	}
	if rec.CMND != "" && !isCode(rec.CMND, 9) {
		bad("CMND", rec.CMND)
	}
	if rec.Passport != "" && (len(rec.Passport) < 5 || len(rec.Passport) > 20 || strings.TrimFunc(rec.Passport, isUpperAlnum) != "") {
		bad("Passport", rec.Passport)
	}
	if rec.Nationality != "" && !isAlpha3(rec.Nationality) {
		bad("Nationality", rec.Nationality)
	}
	if rec.Sex > vn.SexOther {
		bad("Sex", rec.Sex)
	}
	if !rec.BirthDate.IsZero() {
		if d, err := vn.ParseBirthDate(rec.BirthDate.String()); err != nil || d != rec.BirthDate {
			bad("BirthDate", rec.BirthDate)
		}
	}
	if rec.InsuranceCard != "" && len(rec.InsuranceCard) != 15 {
		bad("InsuranceCard", rec.InsuranceCard)
	}
	checkPlace(t, rec)
	checkPayload(t, rec, bad)
}

func isUpperAlnum(r rune) bool { return 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' }

// checkPlace checks that the codes exist and nest: a ward in its district
// in its province, and no code below a missing one.
func checkPlace(t testing.TB, rec *Record) {
	t.Helper()
	u := vn.AdminUnits()
	ok := true
	switch {
	case rec.Ward != "":
		p, d, w, found := u.WardPath(rec.Ward)
		ok = found && p.Code == rec.Province && d.Code == rec.District && w.Code == rec.Ward
	case rec.District != "":
		d, found := u.District(rec.District)
		ok = found && d.ParentCode == rec.Province
	case rec.Province != "":
		_, ok = u.Province(rec.Province)
	}
	if !ok {
		t.Errorf("record %q: place %s/%s/%s does not nest", rec.Key, rec.Province, rec.District, rec.Ward)
	}
}

func checkPayload(t testing.TB, rec *Record, bad func(string, any)) {
	t.Helper()
	if rec.Source != Healthbook && (rec.At.Before(firstEvent) || !rec.At.Before(lastEvent)) {
		bad("At", rec.At)
	}
	if d := rec.Declaration; d != nil {
		if !slices.Contains([]string{"NCOVI", "DOMESTIC", "ENTRY"}, d.Type) {
			bad("Declaration.Type", d.Type)
		}
		last := -1
		for _, s := range d.Symptoms {
			i := slices.Index(symptomCodes[:], s)
			if i <= last {
				bad("Declaration.Symptoms", d.Symptoms)
			}
			last = i
		}
		if d.Transport != "" && transports[d.Transport] != d.Transport {
			bad("Declaration.Transport", d.Transport)
		}
	}
	for _, d := range rec.Doses {
		if d.Number < 1 || d.Number > 4 || !slices.Contains(knownProducts, d.Product) || d.Date.Day == 0 {
			bad("Dose", d)
		}
		if d.Province != "" {
			if _, ok := vn.AdminUnits().Province(d.Province); !ok {
				bad("Dose.Province", d.Province)
			}
		}
	}
	for _, x := range rec.Tests {
		if (x.Type != TestPCR && x.Type != TestRAT) || x.SampledAt.IsZero() {
			bad("Test", x)
		}
	}
	for _, c := range rec.Conditions {
		if c == "" || !utf8.ValidString(c) || strings.ContainsFunc(c, unicode.IsControl) || c != cleanText(c) {
			bad("Conditions", c)
		}
	}
}
