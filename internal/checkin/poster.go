package checkin

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"sync"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"
)

// dejaVuSans is DejaVu Sans (free licence in fonts/LICENSE): it has every
// Vietnamese letter, tone marks included, so posters print names as
// written.
//
//go:embed fonts/DejaVuSans.ttf
var dejaVuSans []byte

var posterFont = sync.OnceValues(func() (*ttFont, error) { return parseTTF(dejaVuSans) })

// Poster texts, in both languages: a poster is read by visitors of any
// language, so it carries both.
const (
	posterHeading = "QUÉT MÃ ĐỂ CHECK-IN · SCAN TO CHECK IN"
	posterCodeVi  = "Mã địa điểm · Venue code"
	posterHowTo   = "Mở ứng dụng PC-Covid, chọn Check-in và quét mã, hoặc nhập mã địa điểm. " +
		"Open the PC-Covid app, choose Check-in and scan, or type the venue code."
)

// qrPNG encodes content as a QR code image of size pixels, medium error
// correction (a poster gets dirty; 15% of it may be lost).
func qrPNG(content string, size int) ([]byte, image.Image, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, nil, fmt.Errorf("checkin: QR code: %w", err)
	}
	img := q.Image(size)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), img, nil
}

// PosterPNG draws a venue's poster as a PNG, 1240×1754 pixels (A4 at 150
// dpi): heading, the venue's name, the QR code holding content, the short
// code, the address and how to check in.
func PosterPNG(v Venue, content string) ([]byte, error) {
	font, err := posterFont()
	if err != nil {
		return nil, err
	}
	const w, h, margin = 1240, 1754, 90
	_, qr, err := qrPNG(content, 900)
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	blue := color.RGBA{0x0b, 0x5c, 0xad, 0xff}
	draw.Draw(img, image.Rect(0, 0, w, 150), image.NewUniform(blue), image.Point{}, draw.Src)
	text := image.NewAlpha(img.Bounds())
	white := image.NewAlpha(img.Bounds())
	centre := func(m *image.Alpha, s string, y, px float64) {
		font.render(m, s, (w-font.measure(s, px))/2, y, px)
	}
	centre(white, "PC-Covid", 70, 52)
	centre(white, posterHeading, 128, 34)
	y := 230.0
	for _, line := range font.wrap(v.Name, 64, w-2*margin) {
		centre(text, line, y, 64)
		y += 78
	}
	draw.Draw(img, image.Rect(170, int(y)-20, 170+900, int(y)+880), qr, image.Point{}, draw.Src)
	y += 930
	centre(text, posterCodeVi, y, 32)
	centre(text, FormatCode(v.Code), y+90, 88)
	y += 170
	for _, line := range font.wrap(v.FullAddress(), 34, w-2*margin) {
		centre(text, line, y, 34)
		y += 46
	}
	y += 20
	for _, line := range font.wrap(posterHowTo, 28, w-2*margin) {
		centre(text, line, y, 28)
		y += 40
	}
	draw.DrawMask(img, img.Bounds(), image.Black, image.Point{}, text, image.Point{}, draw.Over)
	draw.DrawMask(img, img.Bounds(), image.White, image.Point{}, white, image.Point{}, draw.Over)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PosterPDF lays out the same poster on an A4 page, with the font
// embedded (subset) so Vietnamese prints right on any printer.
func PosterPDF(v Venue, content string, now time.Time) ([]byte, error) {
	qr, _, err := qrPNG(content, 1024)
	if err != nil {
		return nil, err
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(v.Name, true)
	pdf.SetSubject("PC-Covid check-in "+FormatCode(v.Code), true)
	pdf.SetCreator("PC-Covid", true)
	pdf.SetCreationDate(now)
	pdf.SetModificationDate(now)
	pdf.AddUTF8FontFromBytes("dejavu", "", dejaVuSans)
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	pdf.SetFillColor(0x0b, 0x5c, 0xad)
	pdf.Rect(0, 0, 210, 30, "F")
	pdf.SetTextColor(255, 255, 255)
	pdf.SetFont("dejavu", "", 22)
	pdf.SetXY(15, 5)
	pdf.CellFormat(180, 10, "PC-Covid", "", 2, "C", false, 0, "")
	pdf.SetFont("dejavu", "", 13)
	pdf.CellFormat(180, 8, posterHeading, "", 2, "C", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFont("dejavu", "", 24)
	pdf.SetXY(15, 36)
	pdf.MultiCell(180, 11, v.Name, "", "C", false)
	y := pdf.GetY() + 2
	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(qr))
	pdf.ImageOptions("qr", 37.5, y, 135, 135, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetXY(15, y+137)
	pdf.SetFont("dejavu", "", 12)
	pdf.CellFormat(180, 7, posterCodeVi, "", 2, "C", false, 0, "")
	pdf.SetFont("dejavu", "", 34)
	pdf.CellFormat(180, 15, FormatCode(v.Code), "", 2, "C", false, 0, "")
	pdf.SetFont("dejavu", "", 13)
	pdf.MultiCell(180, 6.5, v.FullAddress(), "", "C", false)
	pdf.Ln(3)
	pdf.SetFont("dejavu", "", 11)
	pdf.MultiCell(180, 5.5, posterHowTo, "", "C", false)
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("checkin: poster PDF: %w", err)
	}
	return buf.Bytes(), nil
}
