package exposure

import (
	"context"
	"fmt"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/vn"
)

// Recipient is the person a verification code is for, as far as delivery
// needs to know them. Only what the official typed is here; nothing of it is
// stored.
type Recipient struct {
	Phone vn.Phone
}

// Delivery hands a new verification code to the person it is for. Today the
// platform sends a text message ([SMSDelivery]); once citizens have an inbox
// in the app, an inbox delivery plugs in here without changing the rest.
type Delivery interface {
	Deliver(ctx context.Context, to Recipient, code IssuedCode) error
}

// SMSDelivery sends codes by text message through the platform's SMS
// sender (the embedded one only logs them).
type SMSDelivery struct {
	SMS access.SMSSender
}

// Deliver sends the short code, with the long one for when the hour has
// passed. The text is plain ASCII like the login codes: every phone shows
// it.
func (d SMSDelivery) Deliver(ctx context.Context, to Recipient, c IssuedCode) error {
	text := fmt.Sprintf("PC-Covid: ma xac minh de chia se khoa thong bao tiep xuc cua ban la %s (hieu luc %d phut). "+
		"Sau do dung ma dai %s (hieu luc den %s). Khong dua ma nay cho ai khac.",
		c.ShortCode, int(c.ShortExpiresAt.Sub(c.IssuedAt).Minutes()), c.LongCode,
		c.LongExpiresAt.In(vn.Location()).Format("15:04 02/01"))
	return d.SMS.Send(ctx, to.Phone, text)
}
