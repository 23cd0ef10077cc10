package certificate

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/problem"
)

// Code says in one stable, machine-readable word why a certificate was
// accepted or refused. Codes are part of the API: clients and logs match
// on them, so they never change meaning.
type Code string

// Verification outcomes, in the order Verify checks them.
const (
	CodeOK             Code = "ok"
	CodeBadPrefix      Code = "bad_prefix"      // not "HC1:" text
	CodeBase45         Code = "base45"          // not valid Base45
	CodeZlib           Code = "zlib"            // not zlib-compressed data
	CodeCOSE           Code = "cose"            // not a COSE_Sign1 message
	CodeUnknownKid     Code = "unknown_kid"     // no trusted signer with that kid
	CodeAlgorithm      Code = "algorithm"       // algorithm unsupported or not the key's
	CodeSignature      Code = "signature"       // signature does not verify
	CodeCWT            Code = "cwt"             // claims malformed or missing
	CodeNotYetValid    Code = "not_yet_valid"   // issued after the verification time
	CodeExpired        Code = "expired"         // expired before the verification time
	CodeSignerValidity Code = "signer_validity" // signed or checked outside the DSC's validity
	CodeKeyUsage       Code = "key_usage"       // DSC may not sign this type
	CodeSchema         Code = "schema"          // payload does not match the DCC schema
)

// Text returns a sentence about the code for the certificate holder or the
// checkpoint officer, in lang "vi" (default) or "en".
func (c Code) Text(lang string) string {
	t, ok := codeTexts[c]
	if !ok {
		t = [2]string{"Chứng nhận không hợp lệ.", "The certificate is not valid."}
	}
	if lang == "en" {
		return t[1]
	}
	return t[0]
}

var codeTexts = map[Code][2]string{
	CodeOK:             {"Chứng nhận hợp lệ.", "The certificate is valid."},
	CodeBadPrefix:      {"Mã QR không phải chứng nhận COVID-19 EU DCC.", "The QR code is not an EU DCC COVID-19 certificate."},
	CodeBase45:         {"Mã QR bị hỏng hoặc đọc sai.", "The QR code is damaged or was misread."},
	CodeZlib:           {"Mã QR bị hỏng hoặc đọc sai.", "The QR code is damaged or was misread."},
	CodeCOSE:           {"Dữ liệu chứng nhận bị hỏng.", "The certificate data is damaged."},
	CodeUnknownKid:     {"Không nhận ra nơi cấp chứng nhận.", "The certificate's signer is not trusted."},
	CodeAlgorithm:      {"Chữ ký của chứng nhận không được hỗ trợ.", "The certificate's signature is not supported."},
	CodeSignature:      {"Chữ ký của chứng nhận không đúng: có thể đã bị sửa.", "The certificate's signature is wrong: it may have been altered."},
	CodeCWT:            {"Dữ liệu chứng nhận bị hỏng.", "The certificate data is damaged."},
	CodeNotYetValid:    {"Chứng nhận chưa có hiệu lực.", "The certificate is not valid yet."},
	CodeExpired:        {"Chứng nhận đã hết hạn.", "The certificate has expired."},
	CodeSignerValidity: {"Khóa ký chứng nhận không còn hiệu lực.", "The key that signed the certificate is not valid at this time."},
	CodeKeyUsage:       {"Nơi cấp không được phép cấp loại chứng nhận này.", "The signer may not issue this type of certificate."},
	CodeSchema:         {"Nội dung chứng nhận không đúng định dạng EU DCC.", "The certificate content does not follow the EU DCC format."},
}

// Result is the outcome of [Verifier.Verify]: whether the certificate is
// valid, why not, and what could be read of it. The claims and the DCC are
// filled only once the signature has been verified, so nothing unsigned is
// ever shown as if it came from the issuer.
type Result struct {
	Valid   bool
	Code    Code
	Message string // English detail for logs and operators; no personal data

	Kid       []byte // key identifier, once the COSE message is read
	Algorithm int64  // COSE algorithm, once the COSE message is read

	Signer            *x509.Certificate // the DSC whose key verified the signature
	Issuer            string            // iss claim, e.g. "VN"
	IssuedAt, Expires time.Time
	Type              Type
	DCC               *DCC
}

// Error is a verification failure; it wraps [problem.ErrInvalid].
type Error struct {
	Code    Code
	Message string
}

// Error returns the code and the detail.
func (e *Error) Error() string { return fmt.Sprintf("certificate: %s: %s", e.Code, e.Message) }

// Unwrap makes errors.Is(err, problem.ErrInvalid) true.
func (e *Error) Unwrap() error { return problem.ErrInvalid }

// fail records a refusal in r and returns the matching error.
func (r *Result) fail(code Code, format string, args ...any) error {
	r.Valid, r.Code, r.Message = false, code, fmt.Sprintf(format, args...)
	return &Error{Code: code, Message: r.Message}
}
