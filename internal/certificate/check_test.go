package certificate

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testDataFiles lists the EU test files copied into testdata/dcc.
func testDataFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("testdata/dcc", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestCheckEUTestData runs every official EU test file: each expectation,
// the failing ones included, must be met.
func TestCheckEUTestData(t *testing.T) {
	t.Parallel()
	files := testDataFiles(t)
	if len(files) != 187 {
		t.Fatalf("found %d test files, want the 187 of testdata/dcc", len(files))
	}
	for _, path := range files {
		t.Run(strings.TrimPrefix(path, "testdata/dcc/"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			png, err := FindPicture(path)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			ok, err := RunCheck(&out, data, WithPicture(png))
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				t.Errorf("%s:\n%s", path, out.String())
			}
		})
	}
}

func TestRunCheckOutput(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/dcc/common/2DCode/raw/CO5.json")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	ok, err := RunCheck(&out, data)
	if err != nil || !ok {
		t.Fatalf("RunCheck = %v, %v", ok, err)
	}
	want := "# INVALID: Signature cryptographically invalid\n" +
		"EXPECTEDVERIFY expected=false got=false (certificate: signature: ES256 signature is 3 bytes, want 64)\n" +
		"PASS\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestCheckDetectsMismatch flips an expectation: the report must fail.
func TestCheckDetectsMismatch(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/dcc/common/2DCode/raw/CO5.json")
	if err != nil {
		t.Fatal(err)
	}
	flipped := strings.Replace(string(data), `"EXPECTEDVERIFY": false`, `"EXPECTEDVERIFY": true`, 1)
	var out strings.Builder
	ok, err := RunCheck(&out, []byte(flipped))
	if err != nil || ok {
		t.Fatalf("RunCheck = %v, %v; want a failed report", ok, err)
	}
	if !strings.Contains(out.String(), "MISMATCH") || !strings.HasSuffix(out.String(), "FAIL: 1 of 1 expectations not met\n") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestCheckPicture: the IE files have no 2DCODE; their PNG is found beside
// them, and without it the step is not evaluated.
func TestCheckPicture(t *testing.T) {
	t.Parallel()
	path := "testdata/dcc/IE/2DCode/Raw/1.json"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	png, err := FindPicture(path)
	if err != nil || png == nil {
		t.Fatalf("FindPicture: %v, %d bytes", err, len(png))
	}
	for _, tc := range []struct {
		opts      []CheckOption
		evaluated bool
	}{{nil, false}, {[]CheckOption{WithPicture(png)}, true}} {
		rep, err := Check(data, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range rep.Outcomes {
			if o.Key == "EXPECTEDPICTUREDECODE" && (o.Evaluated != tc.evaluated || tc.evaluated && !o.Got) {
				t.Errorf("with %d options: %v", len(tc.opts), o)
			}
		}
	}
}

func TestCheckNotATestFile(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "[]", `{"JSON": {}}`, "HC1:NCF"} {
		if _, err := Check([]byte(in)); err == nil {
			t.Errorf("Check(%q) accepted it", in)
		}
	}
}
