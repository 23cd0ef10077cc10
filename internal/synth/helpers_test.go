package synth

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func readCSV(t *testing.T, data []byte, fields int) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = fields
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
