package exposure

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Code lengths. A short code is read out over the phone or typed; a long
// code travels in a message and resists guessing on its own (80 bits).
const (
	ShortCodeLength = 8
	LongCodeLength  = 16
	// longAlphabet is Crockford's base 32: no I, L, O or U to misread.
	longAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)

// How a code reaches the person.
const (
	DeliveredSMS        = "sms"
	DeliveredByOfficial = "official" // shown to the official, who reads it out
	DeliveryFailed      = "sms_failed"
)

// CodeRequest is what a health official asks for when issuing a code.
type CodeRequest struct {
	// TestType is gaen.TestTypeConfirmed or gaen.TestTypeLikely.
	TestType string
	// SymptomDate and TestDate are optional days, YYYY-MM-DD.
	SymptomDate, TestDate string
	// Phone, optional, is where to send the code. It is used to send and
	// then forgotten: the code is not tied to a person in the database.
	Phone string
}

// IssuedCode is a freshly issued verification code. The codes themselves
// exist only in this value: the database keeps their MACs.
type IssuedCode struct {
	ID             string
	ShortCode      string
	ShortExpiresAt time.Time
	LongCode       string
	LongExpiresAt  time.Time
	TestType       string
	SymptomDate    string
	TestDate       string
	IssuedAt       time.Time
	// Delivery is DeliveredSMS, DeliveredByOfficial or DeliveryFailed.
	Delivery string
	// SentTo is the masked phone number the code was sent to.
	SentTo string
}

// IssueCode issues a verification code for a confirmed (or clinically
// likely) case. Only a health official may, for the purpose of tracing, with
// a reference to the case: the issue is on the audit trail with that
// reference. Codes are rate-limited per official. When a phone is given the
// code is sent there; it is always returned so that the official can read
// it out.
func (s *Service) IssueCode(ctx context.Context, req access.Request, cr CodeRequest) (IssuedCode, error) {
	if err := s.mayIssue(ctx, req); err != nil {
		return IssuedCode{}, err
	}
	now := s.clock.Now().UTC()
	phone, err := s.checkCodeRequest(req, &cr, now)
	if err != nil {
		return IssuedCode{}, err
	}
	c, err := s.storeCode(ctx, req.Actor, cr, phone, now)
	if err != nil {
		return IssuedCode{}, err
	}
	detail := fmt.Sprintf("code %s; test %s; delivery %s", c.ID, c.TestType, c.Delivery)
	if err := s.guard.Record(ctx, req, "exposure.code.issue", "", detail); err != nil {
		// Unaudited codes must not exist.
		s.db.Exec(ctx, "DELETE FROM exposure_codes WHERE id = $1", c.ID)
		return IssuedCode{}, err
	}
	if phone != "" {
		s.deliver(ctx, phone, &c)
	}
	return c, nil
}

// mayIssue allows health officials acting for tracing; anyone else's attempt
// is refused and, for officials, recorded.
func (s *Service) mayIssue(ctx context.Context, req access.Request) error {
	if req.Actor.Kind != access.KindOfficial {
		return fmt.Errorf("exposure: only officials issue verification codes: %w", problem.ErrForbidden)
	}
	if req.Actor.Role != access.RoleHealthOfficial {
		// Tracing is not the role's purpose, so Record writes the refusal
		// to the audit trail and returns ErrForbidden.
		req.Purpose = access.PurposeTracing
		if err := s.guard.Record(ctx, req, "exposure.code.issue", "", ""); err != nil {
			return err
		}
		return fmt.Errorf("exposure: only health officials issue verification codes: %w", problem.ErrForbidden)
	}
	if req.Purpose != access.PurposeTracing {
		return fmt.Errorf("exposure: verification codes are issued for tracing only: %w", problem.ErrForbidden)
	}
	return nil
}

// checkCodeRequest validates the request in place and returns the phone.
func (s *Service) checkCodeRequest(req access.Request, cr *CodeRequest, now time.Time) (vn.Phone, error) {
	var errs problem.Fields
	if strings.TrimSpace(req.Ref) == "" {
		errs.Add(problem.Field("ref", "Hãy ghi ca bệnh mà mã này dành cho (ví dụ: số ca).",
			"Say which case this code is for (for example its case number)."))
	}
	switch cr.TestType = strings.TrimSpace(cr.TestType); cr.TestType {
	case gaen.TestTypeConfirmed, gaen.TestTypeLikely:
	default:
		errs.Add(problem.Field("test_type", "Hãy chọn loại kết quả: đã xác nhận hoặc nhiều khả năng mắc.",
			"Choose the kind of result: confirmed or likely."))
	}
	var err error
	cr.SymptomDate, err = s.checkDay("symptom_date", cr.SymptomDate, now)
	errs.Add(err)
	cr.TestDate, err = s.checkDay("test_date", cr.TestDate, now)
	errs.Add(err)
	var phone vn.Phone
	if strings.TrimSpace(cr.Phone) != "" {
		phone, err = vn.ParsePhone(cr.Phone)
		errs.Add(err)
	}
	return phone, errs.Err()
}

// checkDay checks an optional date: YYYY-MM-DD (or DD/MM/YYYY, as officials
// write it), not after today in Viet Nam, not older than MaxCodeDateAge.
func (s *Service) checkDay(field, v string, now time.Time) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	d, err := time.Parse("2006-01-02", v)
	if err != nil {
		if d, err = time.Parse("02/01/2006", v); err != nil {
			return "", problem.Field(field, "Ngày không hợp lệ; hãy ghi theo dạng ngày/tháng/năm.", "Not a valid date; write it as day/month/year.")
		}
	}
	today, _ := time.Parse("2006-01-02", now.In(vn.Location()).Format("2006-01-02"))
	switch {
	case d.After(today):
		return "", problem.Field(field, "Ngày này ở tương lai.", "This date is in the future.")
	case d.Before(today.Add(-s.cfg.MaxCodeDateAge)):
		return "", problem.Field(field,
			fmt.Sprintf("Ngày này đã quá %d ngày.", int(s.cfg.MaxCodeDateAge.Hours()/24)),
			fmt.Sprintf("This date is more than %d days ago.", int(s.cfg.MaxCodeDateAge.Hours()/24)))
	}
	return d.Format("2006-01-02"), nil
}

// storeCode generates the codes and stores their MACs, under the issuing
// official's rate limit. A short code that collides with one on file is
// drawn again.
func (s *Service) storeCode(ctx context.Context, actor access.Actor, cr CodeRequest, phone vn.Phone, now time.Time) (IssuedCode, error) {
	c := IssuedCode{ID: db.NewID(), TestType: cr.TestType, SymptomDate: cr.SymptomDate, TestDate: cr.TestDate, IssuedAt: now,
		ShortExpiresAt: now.Add(s.cfg.ShortCodeValidity), LongExpiresAt: now.Add(s.cfg.LongCodeValidity), Delivery: DeliveredByOfficial}
	if phone != "" {
		c.Delivery, c.SentTo = DeliveredSMS, vn.MaskPhone(phone)
	}
	bucket := access.Bucket{Key: "exposure-issue:" + actor.ID, Limit: s.cfg.IssueLimit}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		c.ShortCode, c.LongCode = newShortCode(), newLongCode()
		err = s.db.Transact(ctx, func(tx *db.DB) error {
			if err := s.limiter.Take(ctx, tx, bucket); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO exposure_codes (id, short_mac, long_mac, test_type, symptom_date, test_date,
				issued_by, issued_at, short_expires_at, long_expires_at, delivery) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				c.ID, s.codeMAC(c.ShortCode), s.codeMAC(c.LongCode), c.TestType, c.SymptomDate, c.TestDate,
				actor.ID, db.Millis(now), db.Millis(c.ShortExpiresAt), db.Millis(c.LongExpiresAt), c.Delivery)
			return err
		})
		if !db.IsUniqueViolation(err) {
			break
		}
	}
	if err != nil {
		return IssuedCode{}, fmt.Errorf("exposure: issue code: %w", err)
	}
	return c, nil
}

// deliver sends the code; on failure the official still has it to read out.
func (s *Service) deliver(ctx context.Context, phone vn.Phone, c *IssuedCode) {
	if err := s.delivery.Deliver(ctx, Recipient{Phone: phone}, *c); err != nil {
		c.Delivery = DeliveryFailed
		s.db.Exec(ctx, "UPDATE exposure_codes SET delivery = $1 WHERE id = $2", DeliveryFailed, c.ID)
	}
}

// codeMAC is what the database keeps of a code. Short and long codes cannot
// collide: they differ in length.
func (s *Service) codeMAC(code string) []byte {
	return s.sealer.MAC("exposure-code", []byte(code))
}

// newShortCode returns 8 random digits, uniformly.
func newShortCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(100_000_000)) // cannot fail: crypto/rand
	return fmt.Sprintf("%08d", n.Int64())
}

// newLongCode returns 16 random characters of longAlphabet.
func newLongCode() string {
	b := make([]byte, LongCodeLength)
	rand.Read(b)
	for i := range b {
		b[i] = longAlphabet[b[i]%32] // 256 is a multiple of 32: uniform
	}
	return string(b)
}

// normaliseCode turns what a person typed into a code: digits for a short
// code; for a long code upper case, with the letters Crockford's alphabet
// leaves out read as the digits they look like. Spaces and dashes are
// dropped. It reports false for anything that cannot be a code.
func normaliseCode(s string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t':
			return -1
		case 'o', 'O':
			return '0'
		case 'i', 'I', 'l', 'L':
			return '1'
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
	switch len(s) {
	case ShortCodeLength:
		return s, strings.Trim(s, "0123456789") == ""
	case LongCodeLength:
		return s, strings.Trim(s, longAlphabet) == ""
	}
	return s, false
}

// CodeStatus is what an official sees of a code issued earlier: never the
// code itself.
type CodeStatus struct {
	ID                            string
	TestType, SymptomDate         string
	IssuedAt                      time.Time
	ShortExpiresAt, LongExpiresAt time.Time
	Delivery                      string
	UsedAt                        time.Time
}

// State is "used", "expired" or "active" at now.
func (c CodeStatus) State(now time.Time) string {
	switch {
	case !c.UsedAt.IsZero():
		return "used"
	case !now.Before(c.LongExpiresAt):
		return "expired"
	}
	return "active"
}

// RecentCodes lists the codes actor issued, newest first, so that the
// official can see whether the person has used them.
func (s *Service) RecentCodes(ctx context.Context, actor access.Actor, limit int) ([]CodeStatus, error) {
	rows, err := s.db.Query(ctx, `SELECT id, test_type, symptom_date, issued_at, short_expires_at, long_expires_at, delivery, used_at
		FROM exposure_codes WHERE issued_by = $1 ORDER BY issued_at DESC, id DESC LIMIT $2`, actor.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("exposure: recent codes: %w", err)
	}
	defer rows.Close()
	out := []CodeStatus{}
	for rows.Next() {
		var c CodeStatus
		var issued, short, long, used int64
		if err := rows.Scan(&c.ID, &c.TestType, &c.SymptomDate, &issued, &short, &long, &c.Delivery, &used); err != nil {
			return nil, err
		}
		c.IssuedAt, c.ShortExpiresAt, c.LongExpiresAt, c.UsedAt = db.TimeOf(issued), db.TimeOf(short), db.TimeOf(long), db.TimeOf(used)
		out = append(out, c)
	}
	return out, rows.Err()
}
