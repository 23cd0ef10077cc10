package checkin_test

import (
	"bytes"
	"compress/zlib"
	"image"
	_ "image/png"
	"io"
	"os"
	"regexp"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/text/encoding/unicode"

	"github.com/pccovid/pccovid/internal/checkin"
)

func posterVenue() checkin.Venue {
	return checkin.Venue{ID: "v1", Code: "ABCD2345", Name: "Nhà hàng Phở Thìn — Lò Đúc", Kind: checkin.KindRestaurant,
		WardCode: "00001", Address: "13 Lò Đúc", Capacity: 40}
}

// TestPosterPNGDecodesToVenueQR reads the poster's QR back with a QR
// decoder: what people's phones will see is exactly the signed content.
func TestPosterPNGDecodesToVenueQR(t *testing.T) {
	t.Parallel()
	const content = "https://pccovid.example/c/ABCD2345.MFRGGZDFMZTWQ2LK"
	b, err := checkin.PosterPNG(posterVenue(), content)
	if err != nil {
		t.Fatal(err)
	}
	if p := os.Getenv("PCCOVID_POSTER_OUT"); p != "" {
		os.WriteFile(p, b, 0o644)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeQR(t, img); got != content {
		t.Fatalf("poster QR says %q, want %q", got, content)
	}
}

func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no QR code found: %v", err)
	}
	return res.GetText()
}

// TestPosterPDF checks the PDF is a PDF with one page that prints the
// venue's name (in the font's UTF-16 text, inside a compressed stream).
func TestPosterPDF(t *testing.T) {
	t.Parallel()
	v := posterVenue()
	b, err := checkin.PosterPDF(v, "https://pccovid.example/c/ABCD2345.MFRGGZDFMZTWQ2LK", start)
	if err != nil {
		t.Fatal(err)
	}
	if p := os.Getenv("PCCOVID_POSTER_PDF_OUT"); p != "" {
		os.WriteFile(p, b, 0o644)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) || !bytes.Contains(b[len(b)-32:], []byte("%%EOF")) {
		t.Fatal("not a PDF file")
	}
	if n := len(regexp.MustCompile(`/Type /Page\b`).FindAll(b, -1)); n != 1 {
		t.Fatalf("%d pages, want 1", n)
	}
	name, _ := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewEncoder().Bytes([]byte("Phở Thìn"))
	if !bytes.Contains(pdfText(t, b), name) {
		t.Fatal("the PDF does not print the venue's name")
	}
}

// pdfText inflates every Flate stream of a PDF and joins them.
func pdfText(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, m := range regexp.MustCompile(`(?s)stream\r?\n(.*?)endstream`).FindAllSubmatch(b, -1) {
		r, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue
		}
		io.Copy(&out, r)
	}
	return out.Bytes()
}
