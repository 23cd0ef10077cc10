package checkin

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
)

// The venue QR holds "<base>/c/<code>.<mac>": a link, so that a phone's
// own camera app opens the check-in page, whose last part is the venue's
// short code and a MAC of it under a key derived for this use alone,
// truncated to 80 bits and written in base32 (upper case and digits, the
// QR alphanumeric set). Only the part after "/c/" is checked: the host may
// differ behind a proxy, the signature may not.
const (
	venueMACLabel = "checkin venue-qr v1"
	venueMACBytes = 10
	venuePathPart = "/c/"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// VenuePayload returns the signed part of a venue QR: "<code>.<mac>".
func (s *Service) VenuePayload(code string) string {
	return code + "." + b32.EncodeToString(s.venueMAC(code))
}

// VenueQRContent returns the whole text of a venue QR, a link under base
// (the site's address, such as https://pccovid.gov.vn).
func (s *Service) VenueQRContent(base, code string) string {
	return strings.TrimRight(base, "/") + venuePathPart + s.VenuePayload(code)
}

func (s *Service) venueMAC(code string) []byte {
	return s.sealer.MAC(venueMACLabel, []byte(code))[:venueMACBytes]
}

// ParseVenueQR checks the text of a scanned venue QR — the whole link or
// just its last part — and returns the venue's short code. A QR that is
// not ours, or whose code or signature was altered, is ErrForgedQR.
func (s *Service) ParseVenueQR(text string) (string, error) {
	payload := strings.TrimSpace(text)
	if i := strings.LastIndex(payload, venuePathPart); i >= 0 {
		payload = payload[i+len(venuePathPart):]
	}
	if i := strings.IndexAny(payload, "?#"); i >= 0 {
		payload = payload[:i]
	}
	code, mac, ok := strings.Cut(payload, ".")
	if !ok || len(code) != codeLen || len(mac) != b32.EncodedLen(venueMACBytes) {
		return "", ErrForgedQR
	}
	got, err := b32.DecodeString(strings.ToUpper(mac))
	if err != nil {
		return "", ErrForgedQR
	}
	code = strings.ToUpper(code)
	if subtle.ConstantTimeCompare(got, s.venueMAC(code)) != 1 {
		return "", ErrForgedQR
	}
	return code, nil
}

// The personal QR is "PCP1." and the base32 of a value sealed (AES-GCM,
// the field name bound in) over: the person's QR epoch (4 bytes), the
// expiry in Unix seconds (8 bytes) and the person id. Nobody but the
// server can read who it is or make one; it dies after PersonalQRTTL, and
// at once when its holder hides their QR (the epoch moves on).
const (
	personalPrefix = "PCP1."
	personalField  = "checkin.personal_qr"
)

// Errors of the personal QR.
var (
	ErrPersonalQRExpired = problem.Field("qr",
		"Mã QR cá nhân đã hết hạn. Người dân hãy mở lại ứng dụng để có mã mới",
		"this personal QR code has expired. Ask the person to open the app again for a fresh code")
	ErrPersonalQRInvalid = problem.Field("qr",
		"Mã QR cá nhân không hợp lệ hoặc đã bị sửa. Không ghi nhận",
		"this personal QR code is not valid or has been altered. Nothing was recorded")
	ErrPersonalQRHidden = problem.Field("qr",
		"Người này đã ẩn mã QR cá nhân; mã cũ không còn dùng được",
		"this person has hidden their personal QR code; old codes no longer work")
)

// PersonalQR is a personal QR code as issued.
type PersonalQR struct {
	Token     string // the QR's text; empty when hidden
	ExpiresAt time.Time
	Hidden    bool
}

// PersonalQR issues a fresh personal QR code for a person, unless they
// have hidden it.
func (s *Service) PersonalQR(ctx context.Context, personID string) (PersonalQR, error) {
	if personID == "" {
		return PersonalQR{}, fmt.Errorf("checkin: personal QR needs a profile: %w", problem.ErrForbidden)
	}
	epoch, hidden, err := s.qrState(ctx, personID)
	if err != nil || hidden {
		return PersonalQR{Hidden: hidden}, err
	}
	exp := s.clock.Now().Add(s.cfg.PersonalQRTTL).Truncate(time.Second)
	pt := make([]byte, 12, 12+len(personID))
	binary.BigEndian.PutUint32(pt[:4], uint32(epoch))
	binary.BigEndian.PutUint64(pt[4:12], uint64(exp.Unix()))
	pt = append(pt, personID...)
	return PersonalQR{Token: personalPrefix + b32.EncodeToString(s.sealer.Seal(personalField, pt)), ExpiresAt: exp}, nil
}

// ResolvePersonalQR returns the person a personal QR code stands for.
func (s *Service) ResolvePersonalQR(ctx context.Context, token string) (string, error) {
	token = strings.TrimSpace(token)
	if !strings.HasPrefix(token, personalPrefix) {
		return "", ErrPersonalQRInvalid
	}
	sealed, err := b32.DecodeString(strings.ToUpper(token[len(personalPrefix):]))
	if err != nil {
		return "", ErrPersonalQRInvalid
	}
	pt, err := s.sealer.Open(personalField, sealed)
	if err != nil || len(pt) <= 12 {
		return "", ErrPersonalQRInvalid
	}
	epoch := int64(binary.BigEndian.Uint32(pt[:4]))
	exp := time.Unix(int64(binary.BigEndian.Uint64(pt[4:12])), 0)
	personID := string(pt[12:])
	if !s.clock.Now().Before(exp) {
		return "", ErrPersonalQRExpired
	}
	cur, hidden, err := s.qrState(ctx, personID)
	switch {
	case err != nil:
		return "", err
	case hidden || cur != epoch:
		return "", ErrPersonalQRHidden
	}
	return personID, nil
}

// qrState reads a person's QR epoch and whether the QR is hidden.
func (s *Service) qrState(ctx context.Context, personID string) (epoch int64, hidden bool, err error) {
	err = s.db.QueryRow(ctx, "SELECT epoch, hidden FROM checkin_personal_qr WHERE person_id = $1", personID).Scan(&epoch, &hidden)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return epoch, hidden, wrapf(err, "checkin: personal QR state")
}

// SetPersonalQRHidden hides a person's personal QR (every code already
// shown stops working) or shows it again.
func (s *Service) SetPersonalQRHidden(ctx context.Context, personID string, hide bool) error {
	if personID == "" {
		return fmt.Errorf("checkin: personal QR needs a profile: %w", problem.ErrForbidden)
	}
	bump := 0
	if hide {
		bump = 1
	}
	_, err := s.db.Exec(ctx, `INSERT INTO checkin_personal_qr (person_id, epoch, hidden, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (person_id) DO UPDATE SET epoch = checkin_personal_qr.epoch + $2, hidden = $3, updated_at = $4`,
		personID, bump, hide, db.Millis(s.clock.Now()))
	return wrapf(err, "checkin: hide personal QR")
}
