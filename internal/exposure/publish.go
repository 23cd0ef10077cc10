package exposure

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/problem"
)

// fieldTEK is the sealed field of uploaded keys.
const fieldTEK = "exposure.tek"

// Published is the outcome of an accepted upload.
type Published struct {
	// Inserted counts the keys stored; a key the server already had is
	// not stored twice (Warnings says so).
	Inserted int
	Warnings []string
}

// Publish accepts a phone's upload (the body of POST /v1/publish): its
// Temporary Exposure Keys, the verification certificate and the HMAC secret.
// It checks, in order: the request's form and every key rule of
// gaen.ValidatePublish; the app (health authority id); the certificate's
// signature, issuer, audience and expiry; the HMAC of the keys under the
// secret against the certificate; and that the certificate was not used
// before. A refused upload stores nothing. Keys are stored sealed with the
// report type and symptom onset the certificate states, to be exported once
// their validity has ended. Refusals are *Refusal.
func (s *Service) Publish(ctx context.Context, body []byte) (Published, error) {
	now := s.clock.Now()
	p, err := gaen.ParsePublish(body)
	if err != nil {
		return Published{}, badRequest(err, nil, now)
	}
	if err := gaen.ValidatePublish(p, now); err != nil {
		return Published{}, badRequest(err, &p, now)
	}
	if !slices.Contains(s.cfg.HealthAuthorityIDs, p.HealthAuthorityID) {
		return Published{}, refuse(gaen.PublishErrUnknownHealthAuthority, problem.ErrUnauthorized, RuleUnknownHealthAuthority,
			"healthAuthorityID", "Ứng dụng này không được phép gửi khóa lên PC-Covid.", "This app may not upload keys to PC-Covid.")
	}
	claims, err := s.verifyCertificate(ctx, p.VerificationPayload)
	if err != nil {
		return Published{}, err
	}
	secret, _ := base64.StdEncoding.DecodeString(p.HMACKey) // checked by ValidatePublish
	if !gaen.VerifyKeysHMAC(secret, p.Keys, claims.KeysHMAC) {
		return Published{}, refuse(gaen.PublishErrCertificateInvalid, problem.ErrUnauthorized, RuleHMACMismatch, "hmacKey",
			"Các khóa gửi lên không khớp với chứng nhận xác minh.", "The uploaded keys do not match the verification certificate.")
	}
	rows := s.keyRows(p, claims, now)
	inserted, err := s.storeUpload(ctx, p.VerificationPayload, claims.ExpiresAt, rows, now)
	if err != nil {
		return Published{}, err
	}
	out := Published{Inserted: inserted}
	if inserted < len(rows) {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d keys were already on the server and were not stored again", len(rows)-inserted))
	}
	return out, nil
}

// verifyCertificate checks a certificate against the listed verification
// keys; a key the server does not know yet (rotated on another server) makes
// it reload the keys once.
func (s *Service) verifyCertificate(ctx context.Context, cert string) (gaen.CertificateClaims, error) {
	v, err := s.keys.certificateVerifier(ctx, false)
	if err != nil {
		return gaen.CertificateClaims{}, err
	}
	claims, err := v.Verify(cert)
	if errors.Is(err, gaen.ErrCertificateUnknownKey) {
		if v, err = s.keys.certificateVerifier(ctx, true); err != nil {
			return gaen.CertificateClaims{}, err
		}
		claims, err = v.Verify(cert)
	}
	if err != nil {
		return gaen.CertificateClaims{}, certificateRefusal(err)
	}
	return claims, nil
}

// keyColumns are the columns of an uploaded key, in keyRows' order.
var keyColumns = []string{"key_mac", "key_sealed", "interval_number", "interval_count", "transmission_risk",
	"report_type", "days_since_onset", "created_at", "available_at"}

// keyRows turns the upload into rows: sealed keys with the certificate's
// report type, the transmission risk backfilled for older apps, the days
// since symptom onset (the certificate's onset wins over the phone's), the
// upload's window (see Config.UploadWindow), and the time the key may be
// exported: the end of that window, or the key's expiry when that is later.
func (s *Service) keyRows(p gaen.Publish, claims gaen.CertificateClaims, now time.Time) [][]any {
	arrival := s.window(now)
	reportType, _ := gaen.ReportTypeOf(claims.ReportType) // checked by the verifier
	onset := int32(claims.SymptomOnsetInterval)
	if onset == 0 {
		onset = p.SymptomOnsetInterval
	}
	rows := make([][]any, len(p.Keys))
	for i, k := range p.Keys {
		var dso any
		if onset > 0 {
			if d, ok := gaen.DaysSinceOnset(onset, k.IntervalNumber); ok {
				dso = d
			}
		}
		available := max(db.Millis(arrival.Add(s.cfg.UploadWindow)), db.Millis(k.Expiry()))
		rows[i] = []any{s.keyMAC(k.Data), s.sealer.Seal(fieldTEK, k.Data), k.IntervalNumber, k.IntervalCount,
			gaen.DefaultTransmissionRisk(claims.ReportType, k.TransmissionRisk), int32(reportType), dso, db.Millis(arrival), available}
	}
	return rows
}

// window returns the start of t's upload window.
func (s *Service) window(t time.Time) time.Time {
	if s.cfg.UploadWindow <= 0 {
		return t
	}
	return t.UTC().Truncate(s.cfg.UploadWindow)
}

// keyMAC identifies a key without revealing it, so the same key is never
// stored twice.
func (s *Service) keyMAC(key []byte) []byte {
	return s.sealer.MAC("exposure-tek", key)[:16]
}

// storeUpload records the certificate as used and stores the keys, in one
// transaction: both or neither. It returns how many keys were new.
func (s *Service) storeUpload(ctx context.Context, cert string, certExpires time.Time, rows [][]any, now time.Time) (int, error) {
	hash := sha256.Sum256([]byte(cert))
	var inserted int64
	err := s.db.Transact(ctx, func(tx *db.DB) error {
		_, err := tx.Exec(ctx, "INSERT INTO exposure_certificates (cert_hash, used_at, expires_at) VALUES ($1, $2, $3)",
			hash[:], db.Millis(s.window(now)), db.Millis(certExpires.Add(s.cfg.ClockSkew)))
		if db.IsUniqueViolation(err) {
			return refuse(gaen.PublishErrCertificateInvalid, problem.ErrUnauthorized, RuleCertificateUsed, "verificationPayload",
				"Chứng nhận xác minh này đã được dùng để gửi khóa.", "This verification certificate has already been used to upload keys.")
		}
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, insertKeysSQL(len(rows)), flatten(rows)...)
		if err != nil {
			return err
		}
		inserted, err = res.RowsAffected()
		return err
	})
	if err != nil {
		var r *Refusal
		if errors.As(err, &r) {
			return 0, r
		}
		return 0, fmt.Errorf("exposure: store upload: %w", err)
	}
	return int(inserted), nil
}

// insertKeysSQL is a multi-row insert of n keys that skips keys already
// stored (both engines count only the rows inserted).
func insertKeysSQL(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO exposure_keys (" + strings.Join(keyColumns, ", ") + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range keyColumns {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("$" + strconv.Itoa(i*len(keyColumns)+j+1))
		}
		b.WriteByte(')')
	}
	b.WriteString(" ON CONFLICT (key_mac) DO NOTHING")
	return b.String()
}

func flatten(rows [][]any) []any {
	out := make([]any, 0, len(rows)*len(keyColumns))
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// badRequest turns gaen's parse and validation errors into a refusal that
// names the rule each one breaks.
func badRequest(err error, p *gaen.Publish, now time.Time) error {
	var fields []*problem.FieldError
	var fs problem.Fields
	var fe *problem.FieldError
	switch {
	case errors.As(err, &fs):
		fields = fs
	case errors.As(err, &fe):
		fields = []*problem.FieldError{fe}
	default:
		return err
	}
	r := &Refusal{Code: gaen.PublishErrBadRequest, Kind: problem.ErrInvalid}
	for _, f := range fields {
		rule := RuleUnparsable // p is nil when the body did not parse
		if p != nil {
			rule = publishRule(f.Field, p.Keys, now)
		}
		r.Problems = append(r.Problems, Problem{Rule: rule, Field: f.Field, Vi: f.Vi, En: f.En})
	}
	return r
}

// publishRule names the rule of gaen.ValidatePublish a field error comes
// from. gaen reports a field per rule; where one field serves two rules the
// key itself tells which.
func publishRule(field string, keys []gaen.Key, now time.Time) string {
	switch field {
	case "healthAuthorityID":
		return RuleHealthAuthorityMissing
	case "verificationPayload":
		return RuleCertificateMissing
	case "hmacKey":
		return RuleHMACKeyInvalid
	case "symptomOnsetInterval":
		return RuleSymptomOnsetInvalid
	case "temporaryExposureKeys":
		if len(keys) == 0 {
			return RuleNoKeys
		}
		return RuleTooManyKeys
	}
	var i int
	var member string
	if _, err := fmt.Sscanf(strings.NewReplacer("[", " ", "]", " ").Replace(field), "temporaryExposureKeys %d .%s", &i, &member); err != nil || i < 0 || i >= len(keys) {
		return RuleUnparsable
	}
	return keyRule(member, i, keys, now)
}

// keyRule names the rule the i-th key breaks, for an error on member.
func keyRule(member string, i int, keys []gaen.Key, now time.Time) string {
	k := keys[i]
	switch member {
	case "key":
		if len(k.Data) != gaen.KeyLength {
			return RuleKeyLength
		}
		return RuleDuplicateKey
	case "rollingPeriod":
		return RuleRollingPeriod
	case "transmissionRisk":
		return RuleTransmissionRisk
	case "rollingStartNumber":
		if gaen.ValidateRollingStart(i, k, now) != nil {
			if int64(k.IntervalNumber) > int64(gaen.IntervalNumber(now)) {
				return RuleKeyInFuture
			}
			return RuleKeyTooOld
		}
		same := 0
		for _, o := range keys {
			if o.IntervalNumber == k.IntervalNumber {
				same++
			}
		}
		if same > gaen.MaxSameStartIntervalKeys {
			return RuleTooManySameStart
		}
		return RuleKeysOverlap
	}
	return RuleUnparsable
}
