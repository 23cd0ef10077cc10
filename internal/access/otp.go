package access

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

// SMSSender sends a text message. The production sender is a carrier
// gateway; the embedded default logs the message.
type SMSSender interface {
	Send(ctx context.Context, to vn.Phone, text string) error
}

// LogSender "sends" messages to the server log, masked phone first, so that
// a newcomer can log in without an SMS gateway. Not for production.
type LogSender struct {
	Log *slog.Logger
}

// Send logs the message.
func (s LogSender) Send(ctx context.Context, to vn.Phone, text string) error {
	s.Log.InfoContext(ctx, "sms (log sender, not delivered)", "to", vn.MaskPhone(to), "text", text)
	return nil
}

// Outbox keeps the last messages sent, for the demo page that shows login
// codes. It wraps another sender.
type Outbox struct {
	Next SMSSender
	mu   sync.Mutex
	msgs []SentSMS
}

// SentSMS is one message in the Outbox.
type SentSMS struct {
	To   vn.Phone
	Text string
	At   time.Time
}

// Send records the message and passes it on.
func (o *Outbox) Send(ctx context.Context, to vn.Phone, text string) error {
	o.mu.Lock()
	o.msgs = append(o.msgs, SentSMS{To: to, Text: text, At: time.Now()})
	if len(o.msgs) > 50 {
		o.msgs = o.msgs[len(o.msgs)-50:]
	}
	o.mu.Unlock()
	if o.Next == nil {
		return nil
	}
	return o.Next.Send(ctx, to, text)
}

// Recent returns the messages, newest first.
func (o *Outbox) Recent() []SentSMS {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]SentSMS, len(o.msgs))
	for i, m := range o.msgs {
		out[len(o.msgs)-1-i] = m
	}
	return out
}

// OTP rules.
const (
	otpDigits      = 6
	otpValidFor    = 5 * time.Minute
	otpMaxAttempts = 5
)

// Limits on asking for codes: per phone number and per client address.
var (
	limitPerPhone = Limit{Max: 3, Per: 15 * time.Minute}
	limitPerDay   = Limit{Max: 10, Per: 24 * time.Hour}
	limitPerAddr  = Limit{Max: 30, Per: time.Hour}
)

// Account is a citizen's login: a phone number that has proved itself.
type Account struct {
	ID       string
	Phone    vn.Phone
	PersonID string // the person the holder proved to be; "" until then
}

// Citizens logs citizens in with their phone number and a one-time code.
type Citizens struct {
	db     *db.DB
	sealer *seal.Sealer
	clock  clock.Clock
	sms    SMSSender
	limits *Limiter
}

// NewCitizens returns the citizen login service.
func NewCitizens(d *db.DB, s *seal.Sealer, c clock.Clock, sms SMSSender) *Citizens {
	return &Citizens{db: d, sealer: s, clock: c, sms: sms, limits: NewLimiter(d, c)}
}

// RequestCode sends a new login code to phone, replacing any earlier one.
// clientAddr is the requester's network address, for rate limiting.
func (c *Citizens) RequestCode(ctx context.Context, phone vn.Phone, clientAddr string) error {
	idx := c.sealer.Index("phone", string(phone))
	buckets := []Bucket{
		{Key: "otp-phone:" + fmt.Sprintf("%x", idx), Limit: limitPerPhone},
		{Key: "otp-phone-day:" + fmt.Sprintf("%x", idx), Limit: limitPerDay},
		{Key: "otp-addr:" + fmt.Sprintf("%x", c.sealer.MAC("client-addr", []byte(clientAddr))[:12]), Limit: limitPerAddr},
	}
	code, err := randomDigits(otpDigits)
	if err != nil {
		return err
	}
	now := c.clock.Now()
	err = c.db.Transact(ctx, func(tx *db.DB) error {
		if err := c.limits.Take(ctx, tx, buckets...); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO otp_codes (phone_idx, code_mac, expires_at, attempts, created_at)
			VALUES ($1, $2, $3, 0, $4)
			ON CONFLICT (phone_idx) DO UPDATE SET code_mac = excluded.code_mac, expires_at = excluded.expires_at,
				attempts = 0, created_at = excluded.created_at`,
			idx, c.codeMAC(idx, code), db.Millis(now.Add(otpValidFor)), db.Millis(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("access: login code: %w", err)
	}
	text := fmt.Sprintf("PC-Covid: ma dang nhap cua ban la %s (hieu luc 5 phut). Khong chia se ma nay.", code)
	if err := c.sms.Send(ctx, phone, text); err != nil {
		return fmt.Errorf("access: send login code: %w", err)
	}
	return nil
}

func (c *Citizens) codeMAC(phoneIdx []byte, code string) []byte {
	return c.sealer.MAC("otp", phoneIdx, []byte(code))
}

func randomDigits(n int) (string, error) {
	var b strings.Builder
	for range n {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			return "", err
		}
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String(), nil
}

// Errors of code verification, each with a message a citizen understands.
var (
	ErrCodeWrong   = problem.Field("code", "Mã không đúng", "the code is not right")
	ErrCodeExpired = problem.Field("code", "Mã đã hết hạn hoặc đã dùng, hãy lấy mã mới", "the code has expired or was used; ask for a new one")
	ErrCodeLocked  = problem.Field("code", "Nhập sai quá nhiều lần, hãy lấy mã mới", "too many wrong tries; ask for a new code")
)

// VerifyCode checks a code and, when right, returns the phone's account,
// creating it on first login. A code is used once; five wrong tries void it.
func (c *Citizens) VerifyCode(ctx context.Context, phone vn.Phone, code string) (Account, error) {
	idx := c.sealer.Index("phone", string(phone))
	code = strings.TrimSpace(code)
	now := c.clock.Now()
	var acct Account
	var verr error
	err := c.db.Transact(ctx, func(tx *db.DB) error {
		var mac []byte
		var expires int64
		var attempts int
		err := tx.QueryRow(ctx, "SELECT code_mac, expires_at, attempts FROM otp_codes WHERE phone_idx = $1", idx).
			Scan(&mac, &expires, &attempts)
		switch {
		case errors.Is(err, sql.ErrNoRows) || expires <= db.Millis(now):
			verr = ErrCodeExpired
			return nil
		case err != nil:
			return err
		case attempts >= otpMaxAttempts:
			verr = ErrCodeLocked
			return nil
		case !c.sealer.VerifyMAC(mac, "otp", idx, []byte(code)):
			verr = ErrCodeWrong
			if attempts+1 >= otpMaxAttempts {
				verr = ErrCodeLocked
			}
			_, err := tx.Exec(ctx, "UPDATE otp_codes SET attempts = attempts + 1 WHERE phone_idx = $1", idx)
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM otp_codes WHERE phone_idx = $1", idx); err != nil {
			return err
		}
		acct, err = c.upsertAccount(ctx, tx, phone, idx, now)
		return err
	})
	if err != nil {
		return Account{}, fmt.Errorf("access: verify code: %w", err)
	}
	return acct, verr
}

func (c *Citizens) upsertAccount(ctx context.Context, tx *db.DB, phone vn.Phone, idx []byte, now time.Time) (Account, error) {
	acct := Account{Phone: phone}
	var person sql.NullString
	err := tx.QueryRow(ctx, "SELECT id, person_id FROM accounts WHERE phone_idx = $1", idx).Scan(&acct.ID, &person)
	if errors.Is(err, sql.ErrNoRows) {
		acct.ID = db.NewID()
		_, err = tx.Exec(ctx, `INSERT INTO accounts (id, phone_idx, phone_sealed, created_at, last_login_at)
			VALUES ($1, $2, $3, $4, $4)`, acct.ID, idx, c.sealer.SealString("account.phone", string(phone)), db.Millis(now))
		return acct, err
	}
	if err != nil {
		return acct, err
	}
	acct.PersonID = person.String
	_, err = tx.Exec(ctx, "UPDATE accounts SET last_login_at = $1 WHERE id = $2", db.Millis(now), acct.ID)
	return acct, err
}

// Account returns an account by id.
func (c *Citizens) Account(ctx context.Context, id string) (Account, error) {
	var phone []byte
	var person sql.NullString
	acct := Account{ID: id}
	err := c.db.QueryRow(ctx, "SELECT phone_sealed, person_id FROM accounts WHERE id = $1", id).Scan(&phone, &person)
	if errors.Is(err, sql.ErrNoRows) {
		return acct, fmt.Errorf("access: account %s: %w", id, problem.ErrNotFound)
	}
	if err != nil {
		return acct, fmt.Errorf("access: account: %w", err)
	}
	p, err := c.sealer.OpenString("account.phone", phone)
	acct.Phone, acct.PersonID = vn.Phone(p), person.String
	return acct, err
}

// SetPerson records which person the account holder proved to be.
func (c *Citizens) SetPerson(ctx context.Context, accountID, personID string) error {
	if _, err := c.db.Exec(ctx, "UPDATE accounts SET person_id = $1 WHERE id = $2", personID, accountID); err != nil {
		return fmt.Errorf("access: set account person: %w", err)
	}
	return nil
}

// Limiter returns the rate limiter, for the housekeeping job that purges it.
func (c *Citizens) Limiter() *Limiter { return c.limits }
