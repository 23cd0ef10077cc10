package declaration

import (
	"crypto/hmac"
	"encoding/base32"
	"fmt"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
)

// A declaration's QR code holds its opaque id and a MAC over it, never
// personal data: a checkpoint learns what is declared only by asking the
// server, which records the check. The text is upper case, so that the QR
// code uses its compact alphanumeric mode:
//
//	PCCOVID-KB1:<id, 26 characters>.<MAC, 26 characters>
const (
	qrPrefix = "PCCOVID-KB1:"
	qrLabel  = "declaration-qr" // the seal.MAC label: its key signs nothing else
	qrMACLen = 16               // 128 bits: forging one by chance is out of reach
	idLen    = 26               // db.NewID's length
)

// qrEncoding is db.NewID's alphabet (Crockford base32) in upper case.
var qrEncoding = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

// QRText returns the signed QR text of the declaration with the id.
func QRText(s *seal.Sealer, id string) string {
	mac := s.MAC(qrLabel, []byte(id))[:qrMACLen]
	return qrPrefix + strings.ToUpper(id) + "." + qrEncoding.EncodeToString(mac)
}

// QR is a declaration QR code's content as read, not yet verified.
type QR struct {
	ID  string // the declaration id, lower case as stored
	MAC []byte
}

// errNotOurQR is the answer to text that is not a declaration QR code.
var errNotOurQR = problem.Field("qr", "Đây không phải mã QR khai báo y tế của PC-Covid",
	"this is not a PC-Covid health declaration QR code")

// ParseQR reads the text of a declaration QR code as a scanner or a person
// gives it: surrounding spaces and letter case do not matter. It checks the
// form only; [Service.Check] verifies the signature.
func ParseQR(text string) (QR, error) {
	t := strings.ToUpper(strings.TrimSpace(text))
	rest, ok := strings.CutPrefix(t, qrPrefix)
	if !ok {
		return QR{}, errNotOurQR
	}
	id, mac, ok := strings.Cut(rest, ".")
	if !ok || len(id) != idLen || len(mac) != 26 || !inAlphabet(id) {
		return QR{}, errNotOurQR
	}
	b, err := qrEncoding.DecodeString(mac)
	if err != nil || len(b) != qrMACLen || qrEncoding.EncodeToString(b) != mac {
		return QR{}, errNotOurQR
	}
	return QR{ID: strings.ToLower(id), MAC: b}, nil
}

func inAlphabet(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789ABCDEFGHJKMNPQRSTVWXYZ", rune(s[i])) {
			return false
		}
	}
	return true
}

// Verify reports whether the QR code was signed by this platform.
func (q QR) Verify(s *seal.Sealer) bool {
	return hmac.Equal(q.MAC, s.MAC(qrLabel, []byte(q.ID))[:qrMACLen])
}

// QRPNG draws a QR text as a PNG image of size pixels, with medium error
// correction: it survives a scratched phone screen.
func QRPNG(text string, size int) ([]byte, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("declaration: QR image: %w", err)
	}
	return png, nil
}
