package certificate

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/certificate/base45"
	"github.com/pccovid/pccovid/internal/problem"
)

// The EXPECTED… keys of the dgc-testdata README, in its order. Check
// evaluates these; other keys (such as the misspelt "EXPTECTEDEXPIRED" of
// some files) are reported as not evaluated.
var checkKeys = []string{
	"EXPECTEDVALIDOBJECT", "EXPECTEDSCHEMAVALIDATION", "EXPECTEDENCODE",
	"EXPECTEDDECODE", "EXPECTEDVERIFY", "EXPECTEDCOMPRESSION",
	"EXPECTEDKEYUSAGE", "EXPECTEDUNPREFIX", "EXPECTEDVALIDJSON",
	"EXPECTEDB45DECODE", "EXPECTEDPICTUREDECODE", "EXPECTEDEXPIRATIONCHECK",
}

// testFile is one file of the EU dgc-testdata repository. Absent fields are
// nil; a step whose input is absent works from the previous stage's output
// (PREFIX → BASE45 → COMPRESSED → COSE), as the pipeline would.
type testFile struct {
	JSON       json.RawMessage
	CBOR       *string
	COSE       *string
	COMPRESSED *string
	BASE45     *string
	PREFIX     *string
	TwoDCode   *string `json:"2DCODE"`
	TESTCTX    struct {
		CERTIFICATE     string
		VALIDATIONCLOCK string
		DESCRIPTION     string
	}
	EXPECTEDRESULTS map[string]json.RawMessage
}

// Outcome is the result of one expectation of a test file.
type Outcome struct {
	Key       string
	Expected  bool
	Got       bool
	Evaluated bool   // false for a key outside the README, or without its input
	Detail    string // why the step failed, or what was not evaluated
}

// Met reports whether the outcome is as expected. A key that is not
// evaluated is not an expectation of the format and counts as met.
func (o Outcome) Met() bool { return !o.Evaluated || o.Got == o.Expected }

// String formats the outcome as "KEY expected=… got=…", with the detail.
func (o Outcome) String() string {
	if !o.Evaluated {
		return fmt.Sprintf("%s expected=%v got=- (not evaluated: %s)", o.Key, o.Expected, o.Detail)
	}
	s := fmt.Sprintf("%s expected=%v got=%v", o.Key, o.Expected, o.Got)
	if o.Detail != "" {
		s += " (" + o.Detail + ")"
	}
	if !o.Met() {
		s += " MISMATCH"
	}
	return s
}

// Report is the result of [Check] on one test file.
type Report struct {
	Description string
	Outcomes    []Outcome
}

// OK reports whether every expectation of the file is met.
func (r Report) OK() bool {
	for _, o := range r.Outcomes {
		if !o.Met() {
			return false
		}
	}
	return true
}

// CheckOption changes how [Check] runs.
type CheckOption func(*checker)

// WithPicture gives Check the PNG of the QR code for a file whose JSON has
// no 2DCODE (see [FindPicture]); a file's own 2DCODE takes precedence. A nil
// picture changes nothing.
func WithPicture(png []byte) CheckOption {
	return func(c *checker) {
		if c.picture == nil {
			c.picture = png
		}
	}
}

// Check runs one EU dgc-testdata file through this package: for each
// EXPECTED… key present it computes the actual outcome, as the dgc-testdata
// README defines the key, with the code Verify and Issue use:
//
//   - VALIDOBJECT: JSON matches the DCC schema.
//   - SCHEMAVALIDATION: the DCC decoded from COSE (else CBOR, else JSON)
//     matches the DCC schema. Payloads declaring a version before 1.3.0
//     get the legacy profile described at [Validator].
//   - ENCODE: JSON encoded as CBOR here decodes to the same data as CBOR
//     (else the DCC in COSE); values are compared, not bytes (README note 2).
//   - DECODE: the DCC in COSE decodes and matches CBOR and JSON; a file with
//     no COSE stage needs CBOR to decode and match JSON.
//   - VERIFY: the COSE signature verifies with TESTCTX.CERTIFICATE, found by
//     the message's kid (protected header first).
//   - COMPRESSION: COMPRESSED inflates with zlib, to COSE when present.
//   - KEYUSAGE: the signature verifies and the DSC's extended key usage
//     allows the certificate's type (see Verify).
//   - UNPREFIX: PREFIX starts with "HC1:" and the rest equals BASE45.
//   - VALIDJSON: the whole chain from PREFIX decodes to JSON.
//   - B45DECODE: BASE45 decodes, to COMPRESSED when present.
//   - PICTUREDECODE: the QR code of 2DCODE (or of [WithPicture]) reads as
//     PREFIX.
//   - EXPIRATIONCHECK: at TESTCTX.VALIDATIONCLOCK the certificate is
//     between iat and exp and its DSC was valid at iat and still is.
//
// A stage a step needs but the file lacks is derived from the stage before
// it (PREFIX → BASE45 → COMPRESSED → COSE). A step whose input cannot be had
// at all, and a key the README does not define, are reported as not
// evaluated and do not fail the report, as the official harness skips them.
// The error is for a file that is not a test file.
func Check(file []byte, opts ...CheckOption) (Report, error) {
	c, err := newChecker(file)
	if err != nil {
		return Report{}, err
	}
	for _, o := range opts {
		o(c)
	}
	rep := Report{Description: c.f.TESTCTX.DESCRIPTION}
	keys := make([]string, 0, len(c.f.EXPECTEDRESULTS))
	for k := range c.f.EXPECTEDRESULTS {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keyRank(keys[i]) < keyRank(keys[j]) })
	for _, k := range keys {
		rep.Outcomes = append(rep.Outcomes, c.outcome(k))
	}
	return rep, nil
}

// keyRank orders keys as the README lists them, unknown keys last.
func keyRank(k string) string {
	if i := slices.Index(checkKeys, k); i >= 0 {
		return fmt.Sprintf("%02d", i)
	}
	return "99" + k
}

// RunCheck runs [Check] and writes one line per expectation, then a
// verdict; ok is whether every expectation is met. It backs the command
// "pccovid dcc check FILE.json", which should pass
// WithPicture(FindPicture(path)) so that files whose picture sits beside
// them (IE, LV) are checked too.
func RunCheck(w io.Writer, file []byte, opts ...CheckOption) (ok bool, err error) {
	rep, err := Check(file, opts...)
	if err != nil {
		return false, err
	}
	var b strings.Builder
	if rep.Description != "" {
		fmt.Fprintf(&b, "# %s\n", rep.Description)
	}
	failed := 0
	for _, o := range rep.Outcomes {
		fmt.Fprintln(&b, o)
		if !o.Met() {
			failed++
		}
	}
	if failed == 0 {
		b.WriteString("PASS\n")
	} else {
		fmt.Fprintf(&b, "FAIL: %d of %d expectations not met\n", failed, len(rep.Outcomes))
	}
	_, err = io.WriteString(w, b.String())
	return failed == 0, err
}

// checker computes the outcomes of one test file.
type checker struct {
	f         testFile
	picture   []byte
	validator *Validator
	inflater  inflaterPool
}

func newChecker(file []byte) (*checker, error) {
	var f testFile
	if err := json.Unmarshal(file, &f); err != nil {
		return nil, problem.Field("file", "không phải tệp JSON hợp lệ", "not a JSON test file: "+err.Error())
	}
	if f.EXPECTEDRESULTS == nil {
		return nil, problem.Field("EXPECTEDRESULTS", "thiếu EXPECTEDRESULTS", "the test file has no EXPECTEDRESULTS")
	}
	v, err := NewValidator()
	if err != nil {
		return nil, err
	}
	c := &checker{f: f, validator: v}
	if f.TwoDCode != nil {
		// An undecodable 2DCODE leaves an empty picture, which fails to read.
		png, _ := base64.StdEncoding.DecodeString(*f.TwoDCode)
		c.picture = png
	}
	return c, nil
}

// outcome evaluates one key.
func (c *checker) outcome(key string) Outcome {
	o := Outcome{Key: key}
	if err := json.Unmarshal(c.f.EXPECTEDRESULTS[key], &o.Expected); err != nil {
		o.Detail = "the expected value is not a boolean"
		return o
	}
	step, ok := c.steps()[key]
	if !ok {
		o.Detail = "not a key of the dgc-testdata README"
		return o
	}
	err := step()
	if errors.Is(err, errMissing) {
		// As in the official harness, a step whose input the file lacks
		// is not tested.
		o.Detail = err.Error()
		return o
	}
	o.Evaluated = true
	o.Got = err == nil
	if err != nil {
		o.Detail = err.Error()
	}
	return o
}

// steps maps each key to the check it names; a step returns nil when it
// succeeds.
func (c *checker) steps() map[string]func() error {
	return map[string]func() error{
		"EXPECTEDVALIDOBJECT":      c.validObject,
		"EXPECTEDSCHEMAVALIDATION": c.schemaValidation,
		"EXPECTEDENCODE":           c.encode,
		"EXPECTEDDECODE":           c.decode,
		"EXPECTEDVERIFY":           c.verify,
		"EXPECTEDCOMPRESSION":      c.compression,
		"EXPECTEDKEYUSAGE":         c.keyUsage,
		"EXPECTEDUNPREFIX":         c.unprefix,
		"EXPECTEDVALIDJSON":        c.validJSON,
		"EXPECTEDB45DECODE":        c.b45Decode,
		"EXPECTEDPICTUREDECODE":    c.pictureDecode,
		"EXPECTEDEXPIRATIONCHECK":  c.expirationCheck,
	}
}

var errMissing = errors.New("missing input")

// hexField decodes a hex-encoded field.
func hexField(name string, s *string) ([]byte, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: no %s", errMissing, name)
	}
	b, err := hex.DecodeString(strings.TrimSpace(*s))
	if err != nil {
		return nil, fmt.Errorf("%s is not hex: %w", name, err)
	}
	return b, nil
}

// base45Text returns BASE45, or PREFIX without its prefix.
func (c *checker) base45Text() (string, error) {
	if c.f.BASE45 != nil {
		return *c.f.BASE45, nil
	}
	if c.f.PREFIX == nil {
		return "", fmt.Errorf("%w: no BASE45 or PREFIX", errMissing)
	}
	return unprefix(*c.f.PREFIX)
}

// compressed returns COMPRESSED, or the Base45 decoding of the BASE45 text.
func (c *checker) compressed() ([]byte, error) {
	if c.f.COMPRESSED != nil {
		return hexField("COMPRESSED", c.f.COMPRESSED)
	}
	s, err := c.base45Text()
	if err != nil {
		return nil, err
	}
	return base45.Decode(s)
}

// cose returns COSE, or the decompression of the compressed data.
func (c *checker) cose() ([]byte, error) {
	if c.f.COSE != nil {
		return hexField("COSE", c.f.COSE)
	}
	z, err := c.compressed()
	if err != nil {
		return nil, err
	}
	return c.inflater.decompress(z)
}

// signer parses TESTCTX.CERTIFICATE.
func (c *checker) signer() (*x509.Certificate, error) {
	der, err := base64.StdEncoding.DecodeString(c.f.TESTCTX.CERTIFICATE)
	if err != nil {
		return nil, fmt.Errorf("TESTCTX.CERTIFICATE is not base64: %w", err)
	}
	return x509.ParseCertificate(der)
}

// clock parses TESTCTX.VALIDATIONCLOCK, which the files write in several
// ISO 8601 forms; without a zone it is UTC.
func (c *checker) clock() (time.Time, error) {
	s := c.f.TESTCTX.VALIDATIONCLOCK
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("TESTCTX.VALIDATIONCLOCK %q is not an ISO 8601 date-time", s)
}

// equalBytes compares a computed stage with the file's, when present.
func equalBytes(name string, got []byte, want *string) error {
	if want == nil {
		return nil
	}
	w, err := hexField(name, want)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, w) {
		return fmt.Errorf("the result differs from %s", name)
	}
	return nil
}
