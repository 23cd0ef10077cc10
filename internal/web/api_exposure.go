package web

import (
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/exposure"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
)

// JSON bodies of the exposure API. The protocol endpoints (verify,
// certificate, publish) use the public GAEN protocol's own shapes from
// package gaen, with PC-Covid's bilingual error details added alongside:
// apps built for the reference servers read errorCode / code and ignore the
// rest.
type (
	exposureCodeRequest struct {
		Ref         string `json:"ref" doc:"the case the code is for, e.g. case 42; on the audit trail"`
		TestType    string `json:"test_type" doc:"confirmed or likely"`
		SymptomDate string `json:"symptom_date,omitempty" doc:"YYYY-MM-DD, the day symptoms began"`
		TestDate    string `json:"test_date,omitempty" doc:"YYYY-MM-DD"`
		Phone       string `json:"phone,omitempty" doc:"when given, the code is texted there; never stored"`
	}
	exposureCodeJSON struct {
		ID             string    `json:"id"`
		ShortCode      string    `json:"short_code" doc:"8 digits, to read out or text"`
		ShortExpiresAt time.Time `json:"short_expires_at"`
		LongCode       string    `json:"long_code" doc:"16 characters, for a link in a message"`
		LongExpiresAt  time.Time `json:"long_expires_at"`
		TestType       string    `json:"test_type"`
		SymptomDate    string    `json:"symptom_date,omitempty"`
		TestDate       string    `json:"test_date,omitempty"`
		Delivery       string    `json:"delivery" doc:"sms, sms_failed or official (read it out)"`
		SentTo         string    `json:"sent_to,omitempty" doc:"the masked phone number texted"`
	}
	exposureCodeStatusJSON struct {
		ID             string     `json:"id"`
		TestType       string     `json:"test_type"`
		SymptomDate    string     `json:"symptom_date,omitempty"`
		IssuedAt       time.Time  `json:"issued_at"`
		ShortExpiresAt time.Time  `json:"short_expires_at"`
		LongExpiresAt  time.Time  `json:"long_expires_at"`
		Delivery       string     `json:"delivery"`
		State          string     `json:"state" doc:"active, used or expired"`
		UsedAt         *time.Time `json:"used_at,omitempty"`
	}
	// exposureKeyJSON is a JWK (RFC 7517) with what apps need to check
	// export files and verifiers need to check certificates.
	exposureKeyJSON struct {
		KID                    string     `json:"kid"`
		Kty                    string     `json:"kty"`
		Crv                    string     `json:"crv"`
		X                      string     `json:"x"`
		Y                      string     `json:"y"`
		Alg                    string     `json:"alg"`
		Use                    string     `json:"use"`
		Usage                  string     `json:"usage" doc:"verification (tokens and certificates) or export (export files)"`
		Version                string     `json:"version" doc:"export files name it in verification_key_version"`
		PublicKeyPEM           string     `json:"public_key_pem"`
		CreatedAt              time.Time  `json:"created_at"`
		RetiredAt              *time.Time `json:"retired_at,omitempty" doc:"no longer signs; still listed while what it signed may be about"`
		Issuer                 string     `json:"issuer,omitempty" doc:"verification keys: the certificates' iss"`
		Audience               string     `json:"audience,omitempty"`
		Region                 string     `json:"region,omitempty" doc:"export keys: the files' region"`
		VerificationKeyID      string     `json:"verification_key_id,omitempty"`
		VerificationKeyVersion string     `json:"verification_key_version,omitempty"`
		SignatureAlgorithm     string     `json:"signature_algorithm,omitempty"`
	}
	exposureKeysJSON struct {
		Keys []exposureKeyJSON `json:"keys"`
	}
	exposureExportJSON struct {
		Name      string    `json:"name" doc:"as listed in index.txt"`
		URL       string    `json:"url"`
		BatchID   string    `json:"batch_id"`
		Start     time.Time `json:"start"`
		End       time.Time `json:"end"`
		BatchNum  int       `json:"batch_num"`
		BatchSize int       `json:"batch_size"`
		Keys      int       `json:"keys" doc:"including padding"`
		Size      int       `json:"size"`
		SignedBy  string    `json:"signed_by"`
		CreatedAt time.Time `json:"created_at"`
	}
	exposureExportsJSON struct {
		Index   string               `json:"index" doc:"URL of index.txt"`
		Exports []exposureExportJSON `json:"exports"`
	}
	exposureCutJSON struct {
		BatchID  string    `json:"batch_id,omitempty" doc:"empty when nothing was waiting"`
		Start    time.Time `json:"start,omitzero"`
		End      time.Time `json:"end,omitzero"`
		Keys     int       `json:"keys"`
		Padding  int       `json:"padding"`
		Files    []string  `json:"files"`
		TookOver bool      `json:"took_over,omitempty"`
	}

	// ExposureProtocolError is what PC-Covid adds to a GAEN protocol
	// error: the rule broken, the member at fault, and messages in both
	// languages. It is exported only so that the OpenAPI document, built by
	// reflection, sees the members it embeds into the protocol's answers.
	ExposureProtocolError struct {
		Rule      string                    `json:"rule,omitempty" doc:"stable name of the first rule broken"`
		Field     string                    `json:"field,omitempty"`
		MessageVi string                    `json:"message_vi,omitempty"`
		MessageEn string                    `json:"message_en,omitempty"`
		Problems  []exposureProtocolProblem `json:"problems,omitempty" doc:"every rule broken"`
		RequestID string                    `json:"request_id,omitempty"`
	}
	exposureProtocolProblem struct {
		Rule      string `json:"rule"`
		Field     string `json:"field,omitempty"`
		MessageVi string `json:"message_vi"`
		MessageEn string `json:"message_en"`
	}
	exposureVerifyResponse struct {
		gaen.VerifyCodeResponse
		ExposureProtocolError
	}
	exposureCertificateResponse struct {
		gaen.VerificationCertificateResponse
		ExposureProtocolError
	}
	exposurePublishResponse struct {
		gaen.PublishResponse
		ExposureProtocolError
	}
)

// exposureAPIRoutes registers the JSON API. The protocol endpoints are
// documented under /api/v1/exposure/ and also mounted at the reference
// servers' paths (/api/verify, /api/certificate, /v1/publish): GAEN apps
// (Google's Exposure Notifications Express among them) append those fixed
// paths to the server they are configured with, so the aliases let such an
// app talk to PC-Covid with nothing but its base URLs changed.
func (s *Server) exposureAPIRoutes() {
	protocol := []struct {
		rt    apiRoute
		alias string
		h     handlerFunc
	}{
		{apiRoute{Method: "POST", Path: "/api/v1/exposure/verify", Tag: "exposure", Request: gaen.VerifyCodeRequest{}, Response: exposureVerifyResponse{},
			Summary: "Phone: exchange a verification code for a verification token (GAEN verification protocol; also at POST /api/verify)"},
			"/api/verify", s.apiExposureVerify},
		{apiRoute{Method: "POST", Path: "/api/v1/exposure/certificate", Tag: "exposure", Request: gaen.VerificationCertificateRequest{},
			Response: exposureCertificateResponse{},
			Summary:  "Phone: exchange the token and the HMAC of its keys for a verification certificate (also at POST /api/certificate)"},
			"/api/certificate", s.apiExposureCertificate},
		{apiRoute{Method: "POST", Path: "/api/v1/exposure/publish", Tag: "exposure", Request: gaen.Publish{}, Response: exposurePublishResponse{},
			Summary: "Phone: upload Temporary Exposure Keys with the verification certificate (GAEN key server; also at POST /v1/publish)"},
			"/v1/publish", s.apiExposurePublish},
	}
	for _, p := range protocol {
		s.handleAPI(p.rt, p.h)
		s.mux.Handle("POST "+p.alias, s.serve(p.h))
	}
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/exposure/codes", Tag: "exposure", Auth: "official",
		Summary: "Health official: issue a verification code for a case (audited, rate-limited)",
		Request: exposureCodeRequest{}, Response: exposureCodeJSON{}, Status: http.StatusCreated}, s.apiExposureIssue)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/exposure/codes", Tag: "exposure", Auth: "official",
		Summary: "Health official: the codes you issued and whether they were used", Response: []exposureCodeStatusJSON{}}, s.apiExposureCodes)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/exposure/keys", Tag: "exposure",
		Summary: "Public keys: export files' signing keys (for apps) and certificates' (for verifiers), as a JWK set", Response: exposureKeysJSON{}}, s.apiExposureKeys)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/exposure/exports", Tag: "exposure",
		Summary:  "The published export files; phones read /exposure/" + s.Exposure.Config().ExportPrefix + "/index.txt",
		Response: exposureExportsJSON{}}, s.apiExposureExports)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/exposure/exports", Tag: "exposure", Auth: "official",
		Summary: "Health official: cut an export batch now instead of waiting for the hourly job (audited)", Response: exposureCutJSON{}}, s.apiExposureCut)
}

// readProtocolBody reads a protocol request body of at most limit bytes; a longer
// one reads as limit+1 bytes so that the parser can say it is too large.
func readProtocolBody(r *http.Request, limit int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, limit+1))
}

func (s *Server) apiExposureVerify(w http.ResponseWriter, r *http.Request) error {
	body, err := readProtocolBody(r, 64<<10)
	if err != nil {
		return err
	}
	req, err := exposure.ParseVerifyRequest(body)
	if err == nil {
		var v exposure.Verified
		if v, err = s.Exposure.VerifyCode(r.Context(), req.Code, req.AcceptTestTypes, s.clientAddr(r)); err == nil {
			writeJSON(w, http.StatusOK, gaen.VerifyCodeResponse{TestType: v.TestType, SymptomDate: v.SymptomDate,
				TestDate: v.TestDate, Token: v.Token, Padding: gaen.NewPadding()})
			return nil
		}
	}
	status, msg, code, pe := s.exposureFailure(r, err, gaen.ErrCodeInternal)
	writeJSON(w, status, exposureVerifyResponse{gaen.VerifyCodeResponse{Error: msg, ErrorCode: code, Padding: gaen.NewPadding()}, pe})
	return nil
}

func (s *Server) apiExposureCertificate(w http.ResponseWriter, r *http.Request) error {
	body, err := readProtocolBody(r, 64<<10)
	if err != nil {
		return err
	}
	req, err := exposure.ParseCertificateRequest(body)
	if err == nil {
		var c exposure.Certified
		if c, err = s.Exposure.Certificate(r.Context(), req.Token, req.ExposureKeyHMAC); err == nil {
			writeJSON(w, http.StatusOK, gaen.VerificationCertificateResponse{Certificate: c.Certificate, Padding: gaen.NewPadding()})
			return nil
		}
	}
	status, msg, code, pe := s.exposureFailure(r, err, gaen.ErrCodeInternal)
	writeJSON(w, status, exposureCertificateResponse{gaen.VerificationCertificateResponse{Error: msg, ErrorCode: code, Padding: gaen.NewPadding()}, pe})
	return nil
}

func (s *Server) apiExposurePublish(w http.ResponseWriter, r *http.Request) error {
	body, err := readProtocolBody(r, gaen.MaxPublishSize)
	if err != nil {
		return err
	}
	p, err := s.Exposure.Publish(r.Context(), body)
	if err == nil {
		writeJSON(w, http.StatusOK, gaen.PublishResponse{InsertedExposures: p.Inserted, Warnings: p.Warnings, Padding: gaen.NewPadding()})
		return nil
	}
	status, msg, code, pe := s.exposureFailure(r, err, gaen.PublishErrInternal)
	writeJSON(w, status, exposurePublishResponse{gaen.PublishResponse{ErrorMessage: msg, Code: code, Padding: gaen.NewPadding()}, pe})
	return nil
}

// exposureFailure is the error adapter of the protocol endpoints: the
// status from the error's kind, the protocol's code, the message in the
// reader's language, and every rule broken. Server faults are logged and
// their details never leave.
func (s *Server) exposureFailure(r *http.Request, err error, internal string) (int, string, string, ExposureProtocolError) {
	status, _, vi, en := classify(err)
	st := stateOf(r)
	pe := ExposureProtocolError{RequestID: st.id}
	var ref *exposure.Refusal
	if !errors.As(err, &ref) {
		if status >= 500 {
			s.Log.ErrorContext(r.Context(), "exposure request failed", "err", err)
		}
		pe.MessageVi, pe.MessageEn = vi, en
		return status, pick(st.lang, vi, en), internal, pe
	}
	for _, p := range ref.Problems {
		pe.Problems = append(pe.Problems, exposureProtocolProblem{Rule: p.Rule, Field: p.Field, MessageVi: p.Vi, MessageEn: p.En})
	}
	first := ref.Problems[0]
	pe.Rule, pe.Field, pe.MessageVi, pe.MessageEn = first.Rule, first.Field, first.Vi, first.En
	return status, pick(st.lang, first.Vi, first.En), ref.Code, pe
}

func (s *Server) apiExposureIssue(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var req exposureCodeRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	c, err := s.Exposure.IssueCode(r.Context(), access.Request{Actor: a, Purpose: access.PurposeTracing, Ref: req.Ref},
		exposure.CodeRequest{TestType: req.TestType, SymptomDate: req.SymptomDate, TestDate: req.TestDate, Phone: req.Phone})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, exposureCodeJSON{ID: c.ID, ShortCode: c.ShortCode, ShortExpiresAt: c.ShortExpiresAt,
		LongCode: c.LongCode, LongExpiresAt: c.LongExpiresAt, TestType: c.TestType, SymptomDate: c.SymptomDate,
		TestDate: c.TestDate, Delivery: c.Delivery, SentTo: c.SentTo})
	return nil
}

func (s *Server) apiExposureCodes(w http.ResponseWriter, r *http.Request) error {
	a, err := exposureOfficial(r)
	if err != nil {
		return err
	}
	codes, err := s.Exposure.RecentCodes(r.Context(), a, 100)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	out := make([]exposureCodeStatusJSON, len(codes))
	for i, c := range codes {
		out[i] = exposureCodeStatusJSON{ID: c.ID, TestType: c.TestType, SymptomDate: c.SymptomDate, IssuedAt: c.IssuedAt,
			ShortExpiresAt: c.ShortExpiresAt, LongExpiresAt: c.LongExpiresAt, Delivery: c.Delivery, State: c.State(now)}
		if !c.UsedAt.IsZero() {
			out[i].UsedAt = &c.UsedAt
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiExposureKeys(w http.ResponseWriter, r *http.Request) error {
	out := exposureKeysJSON{Keys: []exposureKeyJSON{}}
	cfg := s.Exposure.Config()
	for _, use := range []exposure.KeyUse{exposure.UseExport, exposure.UseVerification} {
		keys, err := s.Exposure.SigningKeys(r.Context(), use)
		if err != nil {
			return err
		}
		for _, k := range keys {
			j, err := exposureKeyOf(k)
			if err != nil {
				return err
			}
			if use == exposure.UseExport {
				j.Region, j.VerificationKeyID, j.VerificationKeyVersion = cfg.Region, cfg.ExportKeyID, k.KeyVersion()
				j.SignatureAlgorithm = gaen.SignatureAlgorithmP256SHA256
			} else {
				j.Issuer, j.Audience = cfg.Issuer, cfg.Audience
			}
			out.Keys = append(out.Keys, j)
		}
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, out)
	return nil
}

// exposureKeyOf describes a public key as a JWK and in PEM.
func exposureKeyOf(k *exposure.SigningKey) (exposureKeyJSON, error) {
	der, err := x509.MarshalPKIXPublicKey(k.Public)
	if err != nil {
		return exposureKeyJSON{}, err
	}
	raw, err := k.Public.Bytes() // 0x04 || X || Y
	if err != nil {
		return exposureKeyJSON{}, err
	}
	size := (elliptic.P256().Params().BitSize + 7) / 8
	j := exposureKeyJSON{KID: k.KID, Kty: "EC", Crv: "P-256", Alg: "ES256", Use: "sig", Usage: string(k.Use), Version: k.KeyVersion(),
		X: base64.RawURLEncoding.EncodeToString(raw[1 : 1+size]), Y: base64.RawURLEncoding.EncodeToString(raw[1+size:]),
		PublicKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), CreatedAt: k.CreatedAt}
	if !k.RetiredAt.IsZero() {
		j.RetiredAt = &k.RetiredAt
	}
	return j, nil
}

func (s *Server) apiExposureExports(w http.ResponseWriter, r *http.Request) error {
	files, err := s.Exposure.ExportFiles(r.Context())
	if err != nil {
		return err
	}
	out := exposureExportsJSON{Index: "/exposure/" + s.Exposure.Config().ExportPrefix + "/index.txt", Exports: []exposureExportJSON{}}
	for _, f := range files {
		out.Exports = append(out.Exports, exposureExportJSON{Name: f.Name, URL: "/exposure/" + f.Name, BatchID: f.BatchID,
			Start: f.Start, End: f.End, BatchNum: f.BatchNum, BatchSize: f.BatchSize, Keys: f.Keys, Size: f.Size,
			SignedBy: f.SignedBy, CreatedAt: f.CreatedAt})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiExposureCut(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	rep, err := s.Exposure.CutExport(r.Context(), access.Request{Actor: a, Purpose: access.PurposeTracing})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, exposureCutJSON{BatchID: rep.BatchID, Start: rep.Start, End: rep.End, Keys: rep.Keys,
		Padding: rep.Padding, Files: append([]string{}, rep.Files...), TookOver: rep.TookOver})
	return nil
}
