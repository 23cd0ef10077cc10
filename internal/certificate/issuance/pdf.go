package issuance

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/pccovid/pccovid/internal/certificate"
	"github.com/pccovid/pccovid/internal/fonts"
	"github.com/pccovid/pccovid/internal/vn"
)

// QRPNG draws a certificate's QR text as a PNG, each module scale pixels
// square (a whole number, so that no module is drawn wider than another
// and every reader finds the grid), with the error correction HCERT
// recommends (Q, about 25%); the Base45 text is encoded in the QR
// alphanumeric mode.
func QRPNG(qr string, scale int) ([]byte, error) {
	q, err := qrcode.New(qr, qrcode.High)
	if err != nil {
		return nil, fmt.Errorf("certificate: QR code: %w", err)
	}
	return q.PNG(-scale)
}

// pdf labels, Vietnamese then English: the certificate is shown at home
// and at borders abroad.
var pdfTitles = map[certificate.Type][2]string{
	certificate.TypeVaccination: {"CHỨNG NHẬN TIÊM CHỦNG COVID-19", "COVID-19 VACCINATION CERTIFICATE"},
	certificate.TypeTest:        {"CHỨNG NHẬN XÉT NGHIỆM COVID-19", "COVID-19 TEST CERTIFICATE"},
	certificate.TypeRecovery:    {"CHỨNG NHẬN KHỎI BỆNH COVID-19", "COVID-19 RECOVERY CERTIFICATE"},
}

// PDF lays out a certificate on an A4 page, in Vietnamese and English,
// with its QR code large enough to scan from paper and the DejaVu font
// embedded so names print as written.
func PDF(c Certificate, now time.Time) ([]byte, error) {
	png, err := QRPNG(c.QR, 12)
	if err != nil {
		return nil, err
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("PC-Covid "+c.UVCI, true)
	pdf.SetCreator("PC-Covid", true)
	pdf.SetCreationDate(now)
	pdf.SetModificationDate(now)
	pdf.AddUTF8FontFromBytes("dejavu", "", fonts.DejaVuSans())
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	pdfHeader(pdf, c.Type)
	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	pdf.ImageOptions("qr", 45, 52, 120, 120, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetXY(15, 176)
	for _, row := range pdfRows(c) {
		pdfRow(pdf, row[0], row[1], row[2])
	}
	pdf.SetY(272)
	pdf.SetFont("dejavu", "", 8)
	pdf.SetTextColor(90, 90, 90)
	pdf.MultiCell(180, 4, "Chứng nhận theo định dạng EU DCC (Quyết định 5772/QĐ-BYT), có chữ ký số của Bộ Y tế; "+
		"quét mã QR bằng ứng dụng kiểm tra để xác thực. · EU DCC format certificate (Decision 5772/QĐ-BYT), "+
		"digitally signed by the Ministry of Health; scan the QR code with a verifier app to check it.", "", "C", false)
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("certificate: PDF: %w", err)
	}
	return buf.Bytes(), nil
}

func pdfHeader(pdf *fpdf.Fpdf, t certificate.Type) {
	pdf.SetFillColor(0x0b, 0x5c, 0xad)
	pdf.Rect(0, 0, 210, 42, "F")
	pdf.SetTextColor(255, 255, 255)
	pdf.SetFont("dejavu", "", 11)
	pdf.SetXY(15, 6)
	pdf.CellFormat(180, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM · SOCIALIST REPUBLIC OF VIET NAM", "", 2, "C", false, 0, "")
	pdf.CellFormat(180, 6, "BỘ Y TẾ · MINISTRY OF HEALTH", "", 2, "C", false, 0, "")
	title := pdfTitles[t]
	pdf.SetFont("dejavu", "", 17)
	pdf.CellFormat(180, 9, title[0], "", 2, "C", false, 0, "")
	pdf.SetFont("dejavu", "", 13)
	pdf.CellFormat(180, 7, title[1], "", 2, "C", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
}

// pdfRows are the lines under the QR code: Vietnamese label, English
// label, value.
func pdfRows(c Certificate) [][3]string {
	a := c.Answer
	rows := [][3]string{
		{"Họ và tên", "Name", a.Name},
		{"Tên chuẩn hoá", "Standardised name", a.NameStd},
		{"Ngày sinh", "Date of birth", a.DateOfBirth},
	}
	switch c.Type {
	case certificate.TypeVaccination:
		rows = append(rows, [3]string{"Mũi tiêm", "Vaccination", a.Entry}, [3]string{"Ngày tiêm", "Date", a.EntryDate})
	case certificate.TypeTest:
		rows = append(rows, [3]string{"Xét nghiệm", "Test", a.Entry}, [3]string{"Lấy mẫu", "Sampled", a.EntryDate})
	case certificate.TypeRecovery:
		rows = append(rows, [3]string{"Dương tính lần đầu", "First positive", a.EntryDate},
			[3]string{"Hiệu lực", "Valid", a.ValidFrom + " – " + a.ValidUntil})
	}
	return append(rows,
		[3]string{"Mã chứng nhận", "Certificate id", c.UVCI},
		[3]string{"Cấp ngày", "Issued", c.IssuedAt.In(vn.Location()).Format("02/01/2006")},
		[3]string{"Hết hạn", "Expires", c.Expires.In(vn.Location()).Format("02/01/2006")})
}

func pdfRow(pdf *fpdf.Fpdf, vi, en, value string) {
	pdf.SetFont("dejavu", "", 9)
	pdf.SetTextColor(90, 90, 90)
	pdf.CellFormat(62, 9, vi+" / "+en, "B", 0, "L", false, 0, "")
	pdf.SetFont("dejavu", "", 11)
	pdf.SetTextColor(0, 0, 0)
	pdf.CellFormat(118, 9, value, "B", 1, "L", false, 0, "")
	pdf.SetX(15)
}
