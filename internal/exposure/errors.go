package exposure

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/problem"
)

// Rules name each reason the verification and publish protocols refuse a
// request. They are stable: apps and tests may rely on them. The protocol's
// own codes (gaen.ErrCode…, gaen.PublishErr…) are coarser; a [Refusal]
// carries both.
const (
	RuleUnparsable  = "unparsable_request"
	RuleRateLimited = "rate_limited"

	// /api/verify
	RuleCodeMissing     = "code_missing"
	RuleCodeMalformed   = "code_malformed"
	RuleCodeNotFound    = "code_not_found"
	RuleCodeUsed        = "code_used"
	RuleCodeExpired     = "code_expired"
	RuleTestTypeUnknown = "test_type_unknown"
	RuleTestTypeRefused = "test_type_not_accepted"

	// /api/certificate
	RuleTokenInvalid = "token_invalid"
	RuleTokenExpired = "token_expired"
	RuleTokenUsed    = "token_used"
	RuleHMACInvalid  = "ekeyhmac_invalid"

	// /v1/publish: the request's fields (gaen.ValidatePublish)
	RuleHealthAuthorityMissing = "health_authority_missing"
	RuleCertificateMissing     = "certificate_missing"
	RuleHMACKeyInvalid         = "hmac_key_invalid"
	RuleSymptomOnsetInvalid    = "symptom_onset_invalid"
	RuleNoKeys                 = "no_keys"
	RuleTooManyKeys            = "too_many_keys"
	RuleKeyLength              = "key_length"
	RuleRollingPeriod          = "rolling_period"
	RuleTransmissionRisk       = "transmission_risk"
	RuleKeyInFuture            = "key_in_future"
	RuleKeyTooOld              = "key_too_old"
	RuleDuplicateKey           = "duplicate_key"
	RuleTooManySameStart       = "too_many_same_start"
	RuleKeysOverlap            = "keys_overlap"

	// /v1/publish: who may upload
	RuleUnknownHealthAuthority = "unknown_health_authority"
	RuleCertificateMalformed   = "certificate_malformed"
	RuleCertificateAlgorithm   = "certificate_algorithm"
	RuleCertificateUnknownKey  = "certificate_unknown_key"
	RuleCertificateSignature   = "certificate_signature"
	RuleCertificateExpired     = "certificate_expired"
	RuleCertificateNotYetValid = "certificate_not_yet_valid"
	RuleCertificateIssuer      = "certificate_issuer"
	RuleCertificateAudience    = "certificate_audience"
	RuleCertificateClaims      = "certificate_claims"
	RuleHMACMismatch           = "hmac_mismatch"
	RuleCertificateUsed        = "certificate_used"
)

// Problem is one reason a protocol request was refused: a stable rule, the
// member of the request at fault when there is one, and what is wrong in
// Vietnamese and English.
type Problem struct {
	Rule, Field string
	Vi, En      string
}

// Refusal is the error of the verification and publish protocols. Code is
// the protocol's error code, which apps written for the reference servers
// understand; Problems say exactly why, rule by rule. It wraps a problem
// sentinel (Kind) that picks the HTTP status.
type Refusal struct {
	Code     string
	Kind     error
	Problems []Problem
}

func (r *Refusal) Error() string {
	parts := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		parts[i] = p.Rule + ": " + p.En
		if p.Field != "" {
			parts[i] = p.Field + ": " + parts[i]
		}
	}
	return fmt.Sprintf("exposure: %s: %s", r.Code, strings.Join(parts, "; "))
}

// Unwrap returns the sentinel, so errors.Is(err, problem.ErrInvalid) works.
func (r *Refusal) Unwrap() error { return r.Kind }

// Rules lists the rules of the problems, in order.
func (r *Refusal) Rules() []string {
	out := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		out[i] = p.Rule
	}
	return out
}

// refuse returns a Refusal with one problem.
func refuse(code string, kind error, rule, field, vi, en string) *Refusal {
	return &Refusal{Code: code, Kind: kind, Problems: []Problem{{Rule: rule, Field: field, Vi: vi, En: en}}}
}

// rateRefusal turns a rate-limit error into a protocol refusal.
func rateRefusal(code string, err error) error {
	if !errors.Is(err, problem.ErrRateLimited) {
		return err
	}
	return &Refusal{Code: code, Kind: err, Problems: []Problem{{Rule: RuleRateLimited,
		Vi: "Có quá nhiều yêu cầu từ mạng của bạn; hãy thử lại sau ít phút.",
		En: "Too many requests from your network; try again in a few minutes."}}}
}

// certificateRules maps gaen's certificate errors to rules and messages.
var certificateRules = []struct {
	err    error
	rule   string
	vi, en string
}{
	{gaen.ErrCertificateExpired, RuleCertificateExpired,
		"Chứng nhận xác minh đã hết hạn; hãy nhập lại mã xác minh.", "The verification certificate has expired; enter the verification code again."},
	{gaen.ErrCertificateNotYetValid, RuleCertificateNotYetValid,
		"Chứng nhận xác minh chưa có hiệu lực; hãy kiểm tra ngày giờ của điện thoại.", "The verification certificate is not valid yet; check the phone's date and time."},
	{gaen.ErrCertificateSignature, RuleCertificateSignature,
		"Chữ ký của chứng nhận xác minh không đúng.", "The verification certificate's signature does not verify."},
	{gaen.ErrCertificateUnknownKey, RuleCertificateUnknownKey,
		"Chứng nhận xác minh được ký bằng khóa không được chấp nhận.", "The verification certificate is signed with a key that is not accepted."},
	{gaen.ErrCertificateAlgorithm, RuleCertificateAlgorithm,
		"Chứng nhận xác minh không được ký bằng ES256.", "The verification certificate is not signed with ES256."},
	{gaen.ErrCertificateIssuer, RuleCertificateIssuer,
		"Chứng nhận xác minh không do PC-Covid cấp.", "The verification certificate was not issued by PC-Covid."},
	{gaen.ErrCertificateAudience, RuleCertificateAudience,
		"Chứng nhận xác minh không dành cho máy chủ này.", "The verification certificate is not meant for this server."},
	{gaen.ErrCertificateClaims, RuleCertificateClaims,
		"Chứng nhận xác minh thiếu thông tin hoặc thông tin không hợp lệ.", "The verification certificate lacks a claim or has an invalid one."},
}

// certificateRefusal explains why a verification certificate was refused.
func certificateRefusal(err error) *Refusal {
	for _, c := range certificateRules {
		if errors.Is(err, c.err) {
			return refuse(gaen.PublishErrCertificateInvalid, problem.ErrUnauthorized, c.rule, "verificationPayload", c.vi, c.en)
		}
	}
	return refuse(gaen.PublishErrCertificateInvalid, problem.ErrUnauthorized, RuleCertificateMalformed, "verificationPayload",
		"Chứng nhận xác minh không đúng định dạng.", "The verification certificate is malformed.")
}
