package gaen

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/pccovid/pccovid/internal/problem"
)

// The JSON shapes below are those of the public GAEN verification protocol
// (google/exposure-notifications-verification-server pkg/api, docs/api.md)
// and key server (google/exposure-notifications-server pkg/api/v1), so that
// apps built for them talk to PC-Covid unchanged. Padding members carry
// random base64 that hides the real size of a request or response from
// network observers; receivers ignore them.

// Error codes of the verification server API ("errorCode").
const (
	ErrCodeUnparsableRequest   = "unparsable_request"
	ErrCodeInternal            = "internal_server_error"
	ErrCodeVerifyCodeInvalid   = "code_invalid"
	ErrCodeVerifyCodeExpired   = "code_expired"
	ErrCodeVerifyCodeNotFound  = "code_not_found"
	ErrCodeUnsupportedTestType = "unsupported_test_type"
	ErrCodeInvalidTestType     = "invalid_test_type"
	ErrCodeMissingDate         = "missing_date"
	ErrCodeTokenInvalid        = "token_invalid"
	ErrCodeTokenExpired        = "token_expired"
	ErrCodeHMACInvalid         = "hmac_invalid"
)

// Error codes of the key server's publish API ("code").
const (
	PublishErrUnknownHealthAuthority  = "unknown_health_authority_id"
	PublishErrLoadHealthAuthority     = "unable_to_load_health_authority"
	PublishErrCertificateInvalid      = "health_authority_verification_certificate_invalid"
	PublishErrBadRequest              = "bad_request"
	PublishErrInternal                = "internal_error"
	PublishErrMissingRevisionToken    = "missing_revision_token"
	PublishErrInvalidRevisionToken    = "invalid_revision_token"
	PublishErrKeyAlreadyRevised       = "key_already_revised"
	PublishErrInvalidReportTransition = "invalid_report_type_transition"
	PublishErrPartialFailure          = "partial_failure"
)

// VerifyCodeRequest is the body of POST /api/verify: the app exchanges the
// short verification code a health worker gave the person for a long-lived
// verification token. The request carries the app's API key in X-API-Key.
type VerifyCodeRequest struct {
	// Code is the short or long verification code.
	Code string `json:"code"`
	// AcceptTestTypes lists the test types the app can handle ("confirmed",
	// "likely", "negative"); empty means all.
	AcceptTestTypes []string `json:"accept,omitempty"`
	Padding         string   `json:"padding,omitempty"`
}

// VerifyCodeResponse answers /api/verify: either the token with the test's
// type and dates, or an error and its code.
type VerifyCodeResponse struct {
	TestType    string `json:"testtype,omitempty"`
	SymptomDate string `json:"symptomDate,omitempty"` // YYYY-MM-DD
	TestDate    string `json:"testDate,omitempty"`    // YYYY-MM-DD
	// Token is the verification token, an ES256 JWT.
	Token     string `json:"token,omitempty"`
	Error     string `json:"error,omitempty"`
	ErrorCode string `json:"errorCode,omitempty"`
	Padding   string `json:"padding,omitempty"`
}

// VerificationCertificateRequest is the body of POST /api/certificate: the
// token from /api/verify and the base64 KeysHMAC of the keys about to be
// uploaded.
type VerificationCertificateRequest struct {
	Token string `json:"token"`
	// ExposureKeyHMAC is base64 of KeysHMAC (32 bytes).
	ExposureKeyHMAC string `json:"ekeyhmac"`
	Padding         string `json:"padding,omitempty"`
}

// VerificationCertificateResponse answers /api/certificate: the verification
// certificate (an ES256 JWT with CertificateClaims) or an error.
type VerificationCertificateResponse struct {
	Certificate string `json:"certificate,omitempty"`
	Error       string `json:"error,omitempty"`
	ErrorCode   string `json:"errorCode,omitempty"`
	Padding     string `json:"padding,omitempty"`
}

// Publish is the body of POST /v1/publish on the key server.
type Publish struct {
	Keys []Key `json:"temporaryExposureKeys"`
	// HealthAuthorityID names the app (Android package or iOS bundle ID).
	HealthAuthorityID string `json:"healthAuthorityID"`
	// VerificationPayload is the verification certificate.
	VerificationPayload string `json:"verificationPayload,omitempty"`
	// HMACKey is base64 of the secret the app used for KeysHMAC.
	HMACKey string `json:"hmacKey,omitempty"`
	// SymptomOnsetInterval is an interval on the day symptoms began; 0 when
	// not given.
	SymptomOnsetInterval int32 `json:"symptomOnsetInterval,omitempty"`
	// Traveler marks keys of a person who travelled out of the home region.
	Traveler bool `json:"traveler,omitempty"`
	// RevisionToken, opaque, lets the same phone upload the same keys again
	// with a revised report type.
	RevisionToken string `json:"revisionToken"`
	Padding       string `json:"padding"`
}

// PublishResponse answers /v1/publish.
type PublishResponse struct {
	RevisionToken     string   `json:"revisionToken,omitempty"`
	InsertedExposures int      `json:"insertedExposures,omitempty"`
	ErrorMessage      string   `json:"error,omitempty"`
	Code              string   `json:"code,omitempty"`
	Padding           string   `json:"padding,omitempty"`
	Warnings          []string `json:"warnings,omitempty"`
}

// MaxPublishSize caps a publish request body (the reference server's 64 KiB).
const MaxPublishSize = 64 << 10

// ParsePublish decodes a publish request body. Unknown members are ignored
// (older and newer apps send extra ones); malformed JSON, a key that is not
// base64 and a member of the wrong type are *problem.FieldError. It does not
// validate: call ValidatePublish next.
func ParsePublish(body []byte) (Publish, error) {
	var p Publish
	if len(body) > MaxPublishSize {
		return p, problem.Field("body",
			fmt.Sprintf("Yêu cầu quá lớn (tối đa %d KiB).", MaxPublishSize>>10),
			fmt.Sprintf("The request is too large (at most %d KiB).", MaxPublishSize>>10))
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return Publish{}, jsonProblem(err)
	}
	return p, nil
}

// jsonProblem turns a JSON decoding error into a field error.
func jsonProblem(err error) error {
	var typeErr *json.UnmarshalTypeError
	var b64Err base64.CorruptInputError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return problem.Field(typeErr.Field,
			fmt.Sprintf("Sai kiểu dữ liệu: cần %s.", typeErr.Type),
			fmt.Sprintf("Wrong type: want %s.", typeErr.Type))
	case errors.As(err, &b64Err):
		return problem.Field("temporaryExposureKeys",
			"Có khóa không phải base64 hợp lệ.",
			"A key is not valid base64.")
	}
	return problem.Field("body",
		"Nội dung yêu cầu không phải JSON hợp lệ.",
		"The request body is not valid JSON.")
}

// NewPadding returns 1–2 KiB of random bytes in base64, for the padding
// member of a request or response.
func NewPadding() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1024)) // cannot fail: crypto/rand
	b := make([]byte, 1024+int(n.Int64()))
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
