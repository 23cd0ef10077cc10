package linkage

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Mapping is a linkage result or a truth: for each (source, record key), the
// person it belongs to.
type Mapping map[[2]string]string

// ReadMapping reads a CSV with the columns source, record_key and a person
// column (person_id for an export, person_key for truth.csv).
func ReadMapping(r io.Reader, name string) (Mapping, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	pcol, ok := col["person_id"]
	if !ok {
		pcol, ok = col["person_key"]
	}
	si, sok := col["source"]
	ki, kok := col["record_key"]
	if !ok || !sok || !kok {
		return nil, fmt.Errorf("%s: want columns source, record_key and person_id or person_key", name)
	}
	m := Mapping{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return m, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		m[[2]string{rec[si], rec[ki]}] = rec[pcol]
	}
}

// Metrics are pairwise precision and recall: over all pairs of records, is
// "same person" predicted where true and only there.
type Metrics struct {
	Records, Mapped       int
	TruePairs, PredPairs  int64
	TruePos               int64
	WrongCCCD             int // records tied to a CCCD that is not theirs
	Precision, Recall, F1 float64
}

// Coverage is the share of records given a person.
func (m Metrics) Coverage() float64 { return ratio(int64(m.Mapped), int64(m.Records)) }

// WrongCCCDShare is the share of records given another citizen's CCCD.
func (m Metrics) WrongCCCDShare() float64 { return ratio(int64(m.WrongCCCD), int64(m.Records)) }

func ratio(a, b int64) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Evaluate compares a mapping with the truth over the truth's records that
// keep(source) accepts.
func Evaluate(truth, got Mapping, keep func(source string) bool) Metrics {
	var m Metrics
	joint := map[[2]string]int64{}
	byTruth := map[string]int64{}
	byGot := map[string]int64{}
	for k, person := range truth {
		if !keep(k[0]) {
			continue
		}
		m.Records++
		g, ok := got[k]
		if !ok {
			g = "unmapped/" + k[0] + "/" + k[1] // an unmapped record is alone
		} else {
			m.Mapped++
			if isCCCD(g) && g != person {
				m.WrongCCCD++
			}
		}
		joint[[2]string{person, g}]++
		byTruth[person]++
		byGot[g]++
	}
	for _, n := range joint {
		m.TruePos += n * (n - 1) / 2
	}
	for _, n := range byTruth {
		m.TruePairs += n * (n - 1) / 2
	}
	for _, n := range byGot {
		m.PredPairs += n * (n - 1) / 2
	}
	m.Precision, m.Recall = ratio(m.TruePos, m.PredPairs), ratio(m.TruePos, m.TruePairs)
	if m.Precision+m.Recall > 0 {
		m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
	}
	return m
}

func isCCCD(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Report evaluates overall, without Bluezone, and per source, and writes a
// table.
func Report(w io.Writer, truth, got Mapping) (overall, noBluezone Metrics) {
	overall = Evaluate(truth, got, func(string) bool { return true })
	noBluezone = Evaluate(truth, got, func(s string) bool { return s != "bluezone" })
	fmt.Fprintf(w, "| records | coverage | precision | recall | F1 | wrong CCCD |\n|---|---|---|---|---|---|\n")
	row := func(label string, m Metrics) {
		fmt.Fprintf(w, "| %s: %d | %.4f | %.4f | %.4f | %.4f | %d (%.4f%%) |\n", label, m.Records, m.Coverage(),
			m.Precision, m.Recall, m.F1, m.WrongCCCD, 100*m.WrongCCCDShare())
	}
	row("all", overall)
	row("without bluezone", noBluezone)
	sources := map[string]bool{}
	for k := range truth {
		sources[k[0]] = true
	}
	names := make([]string, 0, len(sources))
	for s := range sources {
		names = append(names, s)
	}
	sort.Strings(names)
	for _, s := range names {
		row("only "+s, Evaluate(truth, got, func(x string) bool { return x == s }))
	}
	return overall, noBluezone
}
