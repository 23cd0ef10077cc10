package exposure

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/problem"
)

// maxRequestSize bounds the bodies of /api/verify and /api/certificate:
// a code or a token, and up to 2 KiB of padding.
const maxRequestSize = 64 << 10

// ParseVerifyRequest decodes the body of /api/verify. Unknown members are
// ignored, as apps send more than the protocol's minimum.
func ParseVerifyRequest(body []byte) (gaen.VerifyCodeRequest, error) {
	var req gaen.VerifyCodeRequest
	return req, parseProtocol(body, &req, gaen.ErrCodeUnparsableRequest)
}

// ParseCertificateRequest decodes the body of /api/certificate.
func ParseCertificateRequest(body []byte) (gaen.VerificationCertificateRequest, error) {
	var req gaen.VerificationCertificateRequest
	return req, parseProtocol(body, &req, gaen.ErrCodeUnparsableRequest)
}

func parseProtocol(body []byte, v any, code string) error {
	if len(body) > maxRequestSize {
		return refuse(code, problem.ErrInvalid, RuleUnparsable, "body",
			"Yêu cầu quá lớn.", "The request is too large.")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return refuse(code, problem.ErrInvalid, RuleUnparsable, "body",
			"Nội dung yêu cầu không phải JSON hợp lệ.", "The request body is not valid JSON.")
	}
	return nil
}

// CanIssue reports whether actor may issue verification codes (and cut
// exports from the console): health officials only.
func CanIssue(actor access.Actor) bool {
	return actor.Kind == access.KindOfficial && actor.Role == access.RoleHealthOfficial
}

// CutExport runs the export job now, for a health official (the console, or
// the simulator against a running server). It is on the audit trail.
func (s *Service) CutExport(ctx context.Context, req access.Request) (ExportReport, error) {
	if !CanIssue(req.Actor) {
		return ExportReport{}, fmt.Errorf("exposure: only health officials cut exports: %w", problem.ErrForbidden)
	}
	req.Purpose = access.PurposeTracing
	rep, err := s.Export(ctx, true)
	if err != nil {
		return rep, err
	}
	detail := fmt.Sprintf("batch %s; %d keys; %d files", rep.BatchID, rep.Keys, len(rep.Files))
	return rep, s.guard.Record(ctx, req, "exposure.export.cut", "", detail)
}
