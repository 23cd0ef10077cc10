package exposure

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/problem"
)

// Verified is what /api/verify answers for a valid code.
type Verified struct {
	TestType    string
	SymptomDate string // YYYY-MM-DD or ""
	TestDate    string
	// Token is the verification token, an ES256 JWT, used once on
	// /api/certificate before it expires.
	Token          string
	TokenExpiresAt time.Time
}

// codeRow is a stored code as VerifyCode needs it.
type codeRow struct {
	id, testType, symptomDate, testDate string
	shortExpires, longExpires, used     int64
}

// VerifyCode exchanges a verification code for a verification token: the
// first step a phone takes. The code is used once, whichever of its two
// forms is given; accept lists the test types the app handles (empty: all).
// clientAddr, the caller's network address, is rate-limited, since short
// codes could otherwise be guessed. Refusals are *Refusal.
func (s *Service) VerifyCode(ctx context.Context, code string, accept []string, clientAddr string) (Verified, error) {
	if err := s.limiter.Take(ctx, s.db, s.addrBucket("exposure-verify", clientAddr)); err != nil {
		return Verified{}, rateRefusal(gaen.ErrCodeVerifyCodeInvalid, err)
	}
	if err := checkAccept(accept); err != nil {
		return Verified{}, err
	}
	now := s.clock.Now()
	row, err := s.findCode(ctx, code, now)
	if err != nil {
		return Verified{}, err
	}
	if len(accept) > 0 && !slices.Contains(accept, row.testType) {
		return Verified{}, refuse(gaen.ErrCodeUnsupportedTestType, problem.ErrInvalid, RuleTestTypeRefused, "accept",
			"Ứng dụng này không xử lý được loại kết quả của mã; hãy cập nhật ứng dụng.",
			"This app cannot handle the kind of result this code is for; update the app.")
	}
	key, err := s.keys.current(ctx, UseVerification)
	if err != nil {
		return Verified{}, err
	}
	v := Verified{TestType: row.testType, SymptomDate: row.symptomDate, TestDate: row.testDate,
		TokenExpiresAt: now.Add(s.cfg.TokenValidity).Truncate(time.Second)}
	tokenID := db.NewID()
	if v.Token, err = s.signToken(key, tokenID, v, now); err != nil {
		return Verified{}, err
	}
	err = s.db.Transact(ctx, func(tx *db.DB) error {
		res, err := tx.Exec(ctx, "UPDATE exposure_codes SET used_at = $1 WHERE id = $2 AND used_at = 0", db.Millis(s.window(now)), row.id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errors.Join(err, codeUsed())
		}
		_, err = tx.Exec(ctx, `INSERT INTO exposure_tokens (id, code_id, test_type, symptom_date, test_date, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, tokenID, row.id, v.TestType, v.SymptomDate, v.TestDate, db.Millis(v.TokenExpiresAt))
		return err
	})
	if err != nil {
		return Verified{}, fmt.Errorf("exposure: verify code: %w", err)
	}
	return v, nil
}

// checkAccept refuses test types the protocol does not know.
func checkAccept(accept []string) error {
	for _, t := range accept {
		if _, ok := gaen.ReportTypeOf(t); !ok {
			return refuse(gaen.ErrCodeInvalidTestType, problem.ErrInvalid, RuleTestTypeUnknown, "accept",
				fmt.Sprintf("Loại kết quả %q không tồn tại.", t), fmt.Sprintf("There is no test type %q.", t))
		}
	}
	return nil
}

// findCode looks a code up by its MAC and checks that it may be used now.
func (s *Service) findCode(ctx context.Context, code string, now time.Time) (codeRow, error) {
	if code == "" {
		return codeRow{}, refuse(gaen.ErrCodeUnparsableRequest, problem.ErrInvalid, RuleCodeMissing, "code",
			"Hãy nhập mã xác minh.", "Enter the verification code.")
	}
	norm, ok := normaliseCode(code)
	if !ok {
		return codeRow{}, refuse(gaen.ErrCodeVerifyCodeInvalid, problem.ErrInvalid, RuleCodeMalformed, "code",
			fmt.Sprintf("Mã xác minh gồm %d chữ số (hoặc %d ký tự nếu là mã dài).", ShortCodeLength, LongCodeLength),
			fmt.Sprintf("A verification code has %d digits (or %d characters for a long code).", ShortCodeLength, LongCodeLength))
	}
	column := "short_mac"
	if len(norm) == LongCodeLength {
		column = "long_mac"
	}
	var r codeRow
	err := s.db.QueryRow(ctx, `SELECT id, test_type, symptom_date, test_date, short_expires_at, long_expires_at, used_at
		FROM exposure_codes WHERE `+column+` = $1`, s.codeMAC(norm)).
		Scan(&r.id, &r.testType, &r.symptomDate, &r.testDate, &r.shortExpires, &r.longExpires, &r.used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return r, refuse(gaen.ErrCodeVerifyCodeNotFound, problem.ErrInvalid, RuleCodeNotFound, "code",
			"Không tìm thấy mã xác minh này; hãy kiểm tra lại từng chữ số.", "This verification code does not exist; check each digit.")
	case err != nil:
		return r, fmt.Errorf("exposure: find code: %w", err)
	case r.used != 0:
		return r, codeUsed()
	}
	expires := r.shortExpires
	if column == "long_mac" {
		expires = r.longExpires
	}
	if db.Millis(now) >= expires {
		return r, refuse(gaen.ErrCodeVerifyCodeExpired, problem.ErrInvalid, RuleCodeExpired, "code",
			"Mã xác minh đã hết hạn; hãy xin cán bộ y tế mã mới.", "The verification code has expired; ask the health official for a new one.")
	}
	return r, nil
}

func codeUsed() *Refusal {
	return refuse(gaen.ErrCodeVerifyCodeInvalid, problem.ErrInvalid, RuleCodeUsed, "code",
		"Mã xác minh này đã được dùng.", "This verification code has already been used.")
}

// addrBucket is the rate-limit bucket of a network address. The address is
// keyed-hashed: the table of events never holds it.
func (s *Service) addrBucket(kind, addr string) access.Bucket {
	return access.Bucket{Key: fmt.Sprintf("%s:%x", kind, s.sealer.MAC("client-addr", []byte(addr))[:12]), Limit: s.cfg.VerifyLimit}
}

// tokenClaims are the verification token's claims.
type tokenClaims struct {
	jwt.RegisteredClaims
}

// signToken signs a verification token. Its subject is
// "testtype.symptomDate.testDate" as in the reference verification server;
// the server trusts the stored row, not the subject.
func (s *Service) signToken(key *SigningKey, id string, v Verified, now time.Time) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodES256, tokenClaims{jwt.RegisteredClaims{
		Issuer:    s.cfg.Issuer,
		Audience:  jwt.ClaimStrings{s.cfg.TokenAudience},
		Subject:   v.TestType + "." + v.SymptomDate + "." + v.TestDate,
		ID:        id,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(v.TokenExpiresAt),
	}})
	t.Header["kid"] = key.KID
	signed, err := t.SignedString(key.private)
	if err != nil {
		return "", fmt.Errorf("exposure: sign token: %w", err)
	}
	return signed, nil
}

// Certified is what /api/certificate answers.
type Certified struct {
	// Certificate is the verification certificate, an ES256 JWT carrying
	// the keys' HMAC, the report type and the symptom onset.
	Certificate string
	ExpiresAt   time.Time
}

// Certificate exchanges a verification token and the HMAC of the keys the
// phone is about to upload (base64 of 32 bytes, the "ekeyhmac") for a
// verification certificate: the second step. The token is used once.
// Refusals are *Refusal.
func (s *Service) Certificate(ctx context.Context, token, ekeyhmac string) (Certified, error) {
	mac, err := base64.StdEncoding.DecodeString(ekeyhmac)
	if err != nil || len(mac) != 32 {
		return Certified{}, refuse(gaen.ErrCodeHMACInvalid, problem.ErrInvalid, RuleHMACInvalid, "ekeyhmac",
			"HMAC của các khóa phải là base64 của 32 byte.", "The keys' HMAC must be base64 of 32 bytes.")
	}
	now := s.clock.Now()
	id, err := s.parseToken(ctx, token)
	if err != nil {
		return Certified{}, err
	}
	row, err := s.findToken(ctx, id, now)
	if err != nil {
		return Certified{}, err
	}
	key, err := s.keys.current(ctx, UseVerification)
	if err != nil {
		return Certified{}, err
	}
	out := Certified{ExpiresAt: now.Add(s.cfg.CertificateValidity).Truncate(time.Second)}
	out.Certificate, err = gaen.SignCertificate(key.private, key.KID, gaen.CertificateClaims{
		Issuer: s.cfg.Issuer, Audience: s.cfg.Audience, IssuedAt: now, ExpiresAt: out.ExpiresAt,
		ReportType: row.testType, SymptomOnsetInterval: onsetInterval(row.symptomDate, now), KeysHMAC: mac,
	})
	if err != nil {
		return Certified{}, fmt.Errorf("exposure: sign certificate: %w", err)
	}
	res, err := s.db.Exec(ctx, "UPDATE exposure_tokens SET used_at = $1 WHERE id = $2 AND used_at = 0", db.Millis(s.window(now)), id)
	if err != nil {
		return Certified{}, fmt.Errorf("exposure: use token: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return Certified{}, errors.Join(err, tokenUsed())
	}
	return out, nil
}

// parseToken checks a token's signature, issuer, audience and expiry and
// returns its id.
func (s *Service) parseToken(ctx context.Context, token string) (string, error) {
	var claims tokenClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		sk, err := s.keys.byKID(ctx, kid, false)
		if err == nil && sk == nil {
			sk, err = s.keys.byKID(ctx, kid, true)
		}
		if err != nil || sk == nil || sk.Use != UseVerification {
			return nil, errors.Join(err, errors.New("unknown key"))
		}
		return sk.Public, nil
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(s.cfg.Issuer), jwt.WithAudience(s.cfg.TokenAudience),
		jwt.WithExpirationRequired(), jwt.WithLeeway(s.cfg.ClockSkew), jwt.WithTimeFunc(s.clock.Now))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "", tokenExpired()
	case err != nil || claims.ID == "":
		return "", refuse(gaen.ErrCodeTokenInvalid, problem.ErrInvalid, RuleTokenInvalid, "token",
			"Mã thông báo xác minh không hợp lệ; hãy nhập lại mã xác minh.", "The verification token is not valid; enter the verification code again.")
	}
	return claims.ID, nil
}

// findToken returns the stored token and checks it may be used now.
func (s *Service) findToken(ctx context.Context, id string, now time.Time) (codeRow, error) {
	var r codeRow
	var expires int64
	err := s.db.QueryRow(ctx, "SELECT test_type, symptom_date, expires_at, used_at FROM exposure_tokens WHERE id = $1", id).
		Scan(&r.testType, &r.symptomDate, &expires, &r.used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return r, refuse(gaen.ErrCodeTokenInvalid, problem.ErrInvalid, RuleTokenInvalid, "token",
			"Mã thông báo xác minh không hợp lệ.", "The verification token is not valid.")
	case err != nil:
		return r, fmt.Errorf("exposure: find token: %w", err)
	case r.used != 0:
		return r, tokenUsed()
	case db.Millis(now) >= expires+s.cfg.ClockSkew.Milliseconds():
		return r, tokenExpired()
	}
	return r, nil
}

func tokenUsed() *Refusal {
	return refuse(gaen.ErrCodeTokenInvalid, problem.ErrInvalid, RuleTokenUsed, "token",
		"Mã thông báo xác minh này đã được dùng.", "This verification token has already been used.")
}

func tokenExpired() *Refusal {
	return refuse(gaen.ErrCodeTokenExpired, problem.ErrInvalid, RuleTokenExpired, "token",
		"Mã thông báo xác minh đã hết hạn; hãy nhập lại mã xác minh.", "The verification token has expired; enter the verification code again.")
}

// onsetInterval is the interval at the start (UTC) of the symptom onset day,
// never after now; 0 when there is no date.
func onsetInterval(day string, now time.Time) uint32 {
	d, err := time.Parse("2006-01-02", day)
	if err != nil {
		return 0
	}
	return min(gaen.IntervalNumber(d), gaen.IntervalNumber(now))
}
