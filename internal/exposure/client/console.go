package client

import (
	"context"
	"time"
)

// Console is a health official's session on the JSON API, for what the
// simulator and tests need of the console: issuing codes and cutting
// exports.
type Console struct {
	s     *Server
	token string
}

// LoginOfficial logs an official in (/api/v1/console/login).
func (s *Server) LoginOfficial(ctx context.Context, username, password string) (*Console, error) {
	var out struct {
		Token string `json:"token"`
	}
	if err := s.do(ctx, "POST", "/api/v1/console/login", "", map[string]string{"username": username, "password": password}, &out); err != nil {
		return nil, err
	}
	return &Console{s: s, token: out.Token}, nil
}

// CodeRequest asks for a verification code.
type CodeRequest struct {
	Ref         string `json:"ref"`
	TestType    string `json:"test_type"`
	SymptomDate string `json:"symptom_date,omitempty"`
	TestDate    string `json:"test_date,omitempty"`
	Phone       string `json:"phone,omitempty"`
}

// IssuedCode is a code as the API returns it.
type IssuedCode struct {
	ID             string    `json:"id"`
	ShortCode      string    `json:"short_code"`
	ShortExpiresAt time.Time `json:"short_expires_at"`
	LongCode       string    `json:"long_code"`
	LongExpiresAt  time.Time `json:"long_expires_at"`
	TestType       string    `json:"test_type"`
	Delivery       string    `json:"delivery"`
}

// IssueCode issues a verification code (/api/v1/exposure/codes).
func (c *Console) IssueCode(ctx context.Context, req CodeRequest) (IssuedCode, error) {
	var out IssuedCode
	err := c.s.do(ctx, "POST", "/api/v1/exposure/codes", c.token, req, &out)
	return out, err
}

// Cut is what cutting an export batch did.
type Cut struct {
	BatchID string   `json:"batch_id"`
	Keys    int      `json:"keys"`
	Padding int      `json:"padding"`
	Files   []string `json:"files"`
}

// CutExport cuts an export batch now (POST /api/v1/exposure/exports).
func (c *Console) CutExport(ctx context.Context) (Cut, error) {
	var out Cut
	err := c.s.do(ctx, "POST", "/api/v1/exposure/exports", c.token, nil, &out)
	return out, err
}
