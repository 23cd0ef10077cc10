package certificate

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/png" // test files carry PNG pictures
	"os"
	"path/filepath"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// ReadQR returns the text of the QR code in an image (PNG).
func ReadQR(img []byte) (string, error) {
	m, _, err := image.Decode(bytes.NewReader(img))
	if err != nil {
		return "", fmt.Errorf("picture: %w", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(m)
	if err != nil {
		return "", fmt.Errorf("picture: %w", err)
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", fmt.Errorf("picture: no QR code could be read: %w", err)
	}
	return res.GetText(), nil
}

// FindPicture returns the PNG that the dgc-testdata layout keeps beside a
// test file that has no 2DCODE: for COUNTRY/2DCode/raw/NAME.json, the first
// of COUNTRY/png/NAME.png, COUNTRY/png/NAME_qr.png and
// COUNTRY/2DCode/png/NAME.png that exists. It returns nil and no error when
// there is none.
func FindPicture(jsonPath string) ([]byte, error) {
	name := strings.TrimSuffix(filepath.Base(jsonPath), filepath.Ext(jsonPath))
	codeDir := filepath.Dir(filepath.Dir(jsonPath)) // COUNTRY/2DCode
	candidates := []string{
		filepath.Join(filepath.Dir(codeDir), "png", name+".png"),
		filepath.Join(filepath.Dir(codeDir), "png", name+"_qr.png"),
		filepath.Join(codeDir, "png", name+".png"),
	}
	for _, p := range candidates {
		b, err := os.ReadFile(p)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return nil, nil
}
