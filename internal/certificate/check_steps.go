package certificate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/certificate/base45"
)

// The steps of Check, one per EXPECTED… key. Each returns nil when the step
// succeeds and an error saying why it did not.

// validObject: the JSON of the file matches the DCC schema.
func (c *checker) validObject() error {
	doc, err := c.jsonDoc()
	if err != nil {
		return err
	}
	return c.validator.Validate(doc)
}

// schemaValidation: the decoded DCC matches the DCC schema. The DCC comes
// from COSE (or the stages before it), else from CBOR, else from JSON.
func (c *checker) schemaValidation() error {
	doc, err := c.decodedDCC()
	if err != nil {
		return err
	}
	return c.validator.Validate(doc)
}

// encode: the JSON, encoded as CBOR by this package, decodes to the same
// data as the file's CBOR (or the DCC inside COSE). Map order and integer
// widths may differ between encoders, so values are compared, not bytes
// (README note 2).
func (c *checker) encode() error {
	doc, err := c.jsonDoc()
	if err != nil {
		return err
	}
	enc, err := cborEnc.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encoding JSON as CBOR: %w", err)
	}
	got, err := dccJSON(enc)
	if err != nil {
		return err
	}
	want, err := c.cborDCC()
	if errors.Is(err, errMissing) {
		want, err = c.coseDCC()
	}
	if err != nil {
		return err
	}
	return sameDoc("the CBOR encoding of JSON", got, "the reference CBOR", want)
}

// decode: the DCC inside COSE decodes and matches CBOR and JSON, where
// present. Without any COSE stage, CBOR must decode and match JSON.
func (c *checker) decode() error {
	dcc, err := c.coseDCC()
	if errors.Is(err, errMissing) {
		if dcc, err = c.cborDCC(); err != nil {
			return err
		}
		doc, err := c.jsonDoc()
		if err != nil {
			return err
		}
		return sameDoc("CBOR", dcc, "JSON", doc)
	}
	if err != nil {
		return err
	}
	if ref, err := c.cborDCC(); !errors.Is(err, errMissing) {
		if err != nil {
			return err
		}
		if err := sameDoc("the DCC in COSE", dcc, "CBOR", ref); err != nil {
			return err
		}
	}
	if c.f.JSON == nil {
		return nil
	}
	doc, err := c.jsonDoc()
	if err != nil {
		return err
	}
	return sameDoc("the DCC in COSE", dcc, "JSON", doc)
}

// verify: the COSE signature verifies with TESTCTX.CERTIFICATE, found by
// the message's kid.
func (c *checker) verify() error {
	_, err := c.verifiedMessage()
	return err
}

// compression: the compressed data inflates, to COSE when present.
func (c *checker) compression() error {
	z, err := c.compressed()
	if err != nil {
		return err
	}
	out, err := c.inflater.decompress(z)
	if err != nil {
		return err
	}
	return equalBytes("COSE", out, c.f.COSE)
}

// keyUsage: the signature verifies and the DSC's extended key usage allows
// the certificate's type.
func (c *checker) keyUsage() error {
	res, err := c.verifiedMessage()
	if err != nil {
		return err
	}
	payload, err := NewVerifier(c.validator).readClaims(res.Result, res.payload)
	if err != nil {
		return err
	}
	return checkKeyUsage(res.Signer, typesOf(payload))
}

// unprefix: PREFIX starts with HC1: and the rest equals BASE45.
func (c *checker) unprefix() error {
	if c.f.PREFIX == nil {
		return fmt.Errorf("%w: no PREFIX", errMissing)
	}
	s, err := unprefix(*c.f.PREFIX)
	if err != nil {
		return err
	}
	if c.f.BASE45 != nil && s != *c.f.BASE45 {
		return errors.New("PREFIX without HC1: differs from BASE45")
	}
	return nil
}

// validJSON: the whole chain from PREFIX decodes to the JSON.
func (c *checker) validJSON() error {
	if c.f.PREFIX == nil {
		return fmt.Errorf("%w: no PREFIX", errMissing)
	}
	s, err := unprefix(*c.f.PREFIX)
	if err != nil {
		return err
	}
	z, err := base45.Decode(s)
	if err != nil {
		return err
	}
	cose, err := c.inflater.decompress(z)
	if err != nil {
		return fmt.Errorf("zlib: %w", err)
	}
	dcc, err := dccOfCOSE(cose)
	if err != nil {
		return err
	}
	doc, err := c.jsonDoc()
	if err != nil {
		return err
	}
	return sameDoc("the DCC of PREFIX", dcc, "JSON", doc)
}

// b45Decode: BASE45 decodes, to COMPRESSED when present.
func (c *checker) b45Decode() error {
	s, err := c.base45Text()
	if err != nil {
		return err
	}
	z, err := base45.Decode(s)
	if err != nil {
		return err
	}
	return equalBytes("COMPRESSED", z, c.f.COMPRESSED)
}

// pictureDecode: the QR code in the PNG reads as PREFIX.
func (c *checker) pictureDecode() error {
	if c.picture == nil {
		return fmt.Errorf("%w: no 2DCODE in the file and no picture given", errMissing)
	}
	text, err := ReadQR(c.picture)
	if err != nil {
		return err
	}
	if c.f.PREFIX == nil || text != *c.f.PREFIX {
		return errors.New("the QR code does not read as PREFIX")
	}
	return nil
}

// expirationCheck: at VALIDATIONCLOCK the certificate is within iat–exp and
// its DSC was valid when it signed and still is, as Verify checks.
func (c *checker) expirationCheck() error {
	cose, err := c.cose()
	if err != nil {
		return err
	}
	msg, _, err := decodeSign1(cose)
	if err != nil {
		return err
	}
	claims, err := decodeClaims(msg.Payload)
	if err != nil {
		return err
	}
	at, err := c.clock()
	if err != nil {
		return err
	}
	dsc, err := c.signer()
	if err != nil {
		return err
	}
	res := &Result{Signer: dsc, IssuedAt: claims.IssuedAt, Expires: claims.Expires}
	return checkTimes(res, at)
}

// checkedMessage is a COSE message whose signature has verified.
type checkedMessage struct {
	*Result
	payload []byte
}

// verifiedMessage decodes COSE and verifies its signature with the test
// DSC as the only trusted signer.
func (c *checker) verifiedMessage() (*checkedMessage, error) {
	cose, err := c.cose()
	if err != nil {
		return nil, err
	}
	dsc, err := c.signer()
	if err != nil {
		return nil, err
	}
	msg, h, err := decodeSign1(cose)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	if err := NewVerifier(c.validator, dsc).checkSignature(res, msg, h); err != nil {
		return nil, err
	}
	return &checkedMessage{Result: res, payload: msg.Payload}, nil
}

// jsonDoc parses the JSON field.
func (c *checker) jsonDoc() (any, error) {
	if c.f.JSON == nil {
		return nil, fmt.Errorf("%w: no JSON", errMissing)
	}
	return parseJSON(c.f.JSON)
}

// decodedDCC returns the DCC from the COSE stages, else CBOR, else JSON.
func (c *checker) decodedDCC() (any, error) {
	dcc, err := c.coseDCC()
	if errors.Is(err, errMissing) {
		dcc, err = c.cborDCC()
	}
	if errors.Is(err, errMissing) {
		dcc, err = c.jsonDoc()
	}
	return dcc, err
}

// coseDCC returns the DCC inside the COSE message (or the stages before).
func (c *checker) coseDCC() (any, error) {
	cose, err := c.cose()
	if err != nil {
		return nil, err
	}
	return dccOfCOSE(cose)
}

// dccOfCOSE returns the JSON value of the DCC in a COSE message, without
// checking the signature.
func dccOfCOSE(cose []byte) (any, error) {
	msg, _, err := decodeSign1(cose)
	if err != nil {
		return nil, err
	}
	claims, err := decodeClaims(msg.Payload)
	if err != nil {
		return nil, err
	}
	return dccJSON(claims.DCC)
}

// cborDCC decodes the CBOR field. Some files put the DCC there, others the
// whole claims set; the DCC is taken from the hcert claim in the latter case.
func (c *checker) cborDCC() (any, error) {
	raw, err := hexField("CBOR", c.f.CBOR)
	if err != nil {
		return nil, err
	}
	if claims, err := decodeClaims(raw); err == nil {
		raw = claims.DCC
	}
	return dccJSON(raw)
}

// parseJSON decodes JSON keeping integers as int64, as CBOR would carry
// them, so that the value can be encoded as CBOR and compared.
func parseJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("JSON: %w", err)
	}
	return fromJSONNumbers(v), nil
}

func fromJSONNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = fromJSONNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = fromJSONNumbers(x[k])
		}
	}
	return v
}

// sameDoc compares two JSON values. Numbers compare by value. Strings that
// both read as date-times compare as instants: a CBOR tag-0 date or another
// encoder may write the same time differently.
func sameDoc(gotName string, got any, wantName string, want any) error {
	if path, ok := equalDoc(got, want, ""); !ok {
		return fmt.Errorf("%s differs from %s at %q", gotName, wantName, path)
	}
	return nil
}

func equalDoc(a, b any, path string) (string, bool) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return path, false
		}
		for k, v := range x {
			if p, ok := equalDoc(v, y[k], path+"/"+k); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return path, false
		}
		for i := range x {
			if p, ok := equalDoc(x[i], y[i], fmt.Sprintf("%s/%d", path, i)); !ok {
				return p, false
			}
		}
		return "", true
	case string:
		y, ok := b.(string)
		return path, ok && (x == y || sameInstant(x, y))
	}
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return path, ok && fa == fb
	}
	return path, a == b
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// sameInstant reports whether two strings are RFC 3339 date-times of the
// same instant.
func sameInstant(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.Equal(tb)
}
