// Package client is a Go client of PC-Covid's exposure-notification server
// that does what a phone does: it keeps a Temporary Exposure Key a day,
// broadcasts the Rolling Proximity Identifiers derived from it, records the
// identifiers it hears, and — when its owner tests positive and chooses to
// share — trades the health official's verification code for a token and a
// certificate and uploads its keys. Every phone downloads the signed export
// files, checks their signatures and matches them against what it heard, on
// the phone: the server never learns who met whom.
//
// It speaks the public GAEN protocol (package gaen) at the reference
// servers' paths, as a GAEN app would, so it also serves as the proof that
// such apps work with PC-Covid. The simulator (package sim) and the
// end-to-end tests drive it.
package client

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/pccovid/pccovid/internal/exposure/gaen"
)

// Paths are where a server mounts the protocol.
type Paths struct {
	Verify, Certificate, Publish string
	// ExportRoot is the folder that index.txt's lines are relative to.
	ExportRoot string
	// Index is index.txt's path.
	Index string
}

// ReferencePaths are the reference servers' paths, which GAEN apps use.
func ReferencePaths(region string) Paths {
	return Paths{Verify: "/api/verify", Certificate: "/api/certificate", Publish: "/v1/publish",
		ExportRoot: "/exposure/", Index: "/exposure/exposureKeyExport-" + region + "/index.txt"}
}

// V1Paths are the same endpoints under PC-Covid's documented /api/v1.
func V1Paths(region string) Paths {
	p := ReferencePaths(region)
	p.Verify, p.Certificate, p.Publish = "/api/v1/exposure/verify", "/api/v1/exposure/certificate", "/api/v1/exposure/publish"
	return p
}

// Server is a PC-Covid server as a phone sees it.
type Server struct {
	BaseURL string
	HTTP    *http.Client
	Paths   Paths
	// HealthAuthorityID is the app's id, sent with uploads.
	HealthAuthorityID string
	// ExportKeys, when set, are the export signing keys by version ("v1"):
	// a real app has them pinned by Apple and Google. When nil they are
	// fetched from the server's key list.
	ExportKeys map[string]*ecdsa.PublicKey
}

// NewServer returns a client of the server at baseURL with the reference
// paths and PC-Covid's app id.
func NewServer(baseURL string, hc *http.Client) *Server {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Server{BaseURL: strings.TrimSuffix(baseURL, "/"), HTTP: hc, Paths: ReferencePaths(gaen.RegionVN),
		HealthAuthorityID: "vn.gov.pccovid"}
}

// Error is a refusal from the server: the HTTP status, the protocol's (or
// API's) code, PC-Covid's rule names and the message.
type Error struct {
	Status  int
	Code    string
	Rules   []string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("server refused (%d %s %v): %s", e.Status, e.Code, e.Rules, e.Message)
}

// Rule returns the first rule broken, or "".
func (e *Error) Rule() string {
	if len(e.Rules) == 0 {
		return ""
	}
	return e.Rules[0]
}

// do sends a request and decodes a 2xx JSON answer into out.
func (s *Server) do(ctx context.Context, method, path, bearer string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.BaseURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, gaen.MaxExportBinSize))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return decodeError(resp.StatusCode, raw)
	}
	if out == nil {
		return nil
	}
	if b, ok := out.(*[]byte); ok {
		*b = raw
		return nil
	}
	return json.Unmarshal(raw, out)
}

// decodeError reads any of the server's error shapes: the protocol's
// (errorCode or code, with rule and problems) and the API's ({"error": {…}}).
func decodeError(status int, raw []byte) error {
	var body struct {
		Error     json.RawMessage `json:"error"`
		ErrorCode string          `json:"errorCode"`
		Code      string          `json:"code"`
		Problems  []struct {
			Rule string `json:"rule"`
		} `json:"problems"`
	}
	e := &Error{Status: status, Message: strings.TrimSpace(string(raw))}
	if json.Unmarshal(raw, &body) != nil {
		return e
	}
	e.Code = body.ErrorCode + body.Code
	for _, p := range body.Problems {
		e.Rules = append(e.Rules, p.Rule)
	}
	var msg string
	var api struct {
		Code      string `json:"code"`
		MessageEn string `json:"message_en"`
	}
	switch {
	case json.Unmarshal(body.Error, &msg) == nil:
		e.Message = msg
	case json.Unmarshal(body.Error, &api) == nil:
		e.Code, e.Message = api.Code, api.MessageEn
	}
	return e
}

// Verify exchanges a verification code for a token (/api/verify).
func (s *Server) Verify(ctx context.Context, code string) (gaen.VerifyCodeResponse, error) {
	var out gaen.VerifyCodeResponse
	err := s.do(ctx, "POST", s.Paths.Verify, "", gaen.VerifyCodeRequest{Code: code, Padding: gaen.NewPadding()}, &out)
	return out, err
}

// Certificate exchanges a token and the keys' HMAC for a verification
// certificate (/api/certificate).
func (s *Server) Certificate(ctx context.Context, token string, keysHMAC []byte) (string, error) {
	var out gaen.VerificationCertificateResponse
	err := s.do(ctx, "POST", s.Paths.Certificate, "", gaen.VerificationCertificateRequest{Token: token,
		ExposureKeyHMAC: encodeStd(keysHMAC), Padding: gaen.NewPadding()}, &out)
	return out.Certificate, err
}

// Publish uploads keys (/v1/publish).
func (s *Server) Publish(ctx context.Context, p gaen.Publish) (gaen.PublishResponse, error) {
	var out gaen.PublishResponse
	err := s.do(ctx, "POST", s.Paths.Publish, "", p, &out)
	return out, err
}

// PublicKey is one entry of the server's key list.
type PublicKey struct {
	KID          string `json:"kid"`
	Usage        string `json:"usage"`
	Version      string `json:"version"`
	PublicKeyPEM string `json:"public_key_pem"`
}

// Key parses the PEM public key.
func (k PublicKey) Key() (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(k.PublicKeyPEM))
	if block == nil {
		return nil, fmt.Errorf("key %s: no PEM block", k.KID)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", k.KID, err)
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("key %s is not ECDSA", k.KID)
	}
	return ec, nil
}

// SigningKeys fetches the server's public signing keys.
func (s *Server) SigningKeys(ctx context.Context) ([]PublicKey, error) {
	var out struct {
		Keys []PublicKey `json:"keys"`
	}
	err := s.do(ctx, "GET", "/api/v1/exposure/keys", "", nil, &out)
	return out.Keys, err
}

// exportKeys returns the export keys by version: the pinned ones, or the
// server's.
func (s *Server) exportKeys(ctx context.Context) (map[string]*ecdsa.PublicKey, error) {
	if s.ExportKeys != nil {
		return s.ExportKeys, nil
	}
	keys, err := s.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]*ecdsa.PublicKey{}
	for _, k := range keys {
		if k.Usage != "export" {
			continue
		}
		if out[k.Version], err = k.Key(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Index downloads index.txt and returns its lines.
func (s *Server) Index(ctx context.Context) ([]string, error) {
	var raw []byte
	if err := s.do(ctx, "GET", s.Paths.Index, "", nil, &raw); err != nil {
		return nil, err
	}
	return strings.Fields(string(raw)), nil
}

// Export is a downloaded export file whose signature verified.
type Export struct {
	Name  string
	Batch gaen.ExportBatch
}

// Download fetches the export files named (lines of index.txt), checks each
// signature against the export key the file names, and decodes them. A file
// whose signature does not verify is an error, never silently used.
func (s *Server) Download(ctx context.Context, names []string) ([]Export, error) {
	keys, err := s.exportKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Export, 0, len(names))
	for _, name := range names {
		var data []byte
		if err := s.do(ctx, "GET", s.Paths.ExportRoot+name, "", nil, &data); err != nil {
			return nil, fmt.Errorf("download %s: %w", name, err)
		}
		b, err := gaen.ReadExport(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(b.SignatureInfos) == 0 || keys[b.SignatureInfos[0].VerificationKeyVersion] == nil {
			return nil, fmt.Errorf("%s is signed with a key this phone does not know", name)
		}
		if err := gaen.VerifyExport(data, keys[b.SignatureInfos[0].VerificationKeyVersion]); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if b.Region != gaen.RegionVN {
			return nil, fmt.Errorf("%s is for region %q", name, b.Region)
		}
		out = append(out, Export{Name: name, Batch: b})
	}
	return out, nil
}

// AsError returns err as a server refusal, if it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
