//go:build js && wasm

// Package qrscan decodes QR codes from camera frames in the browser, for the
// WebAssembly commands (cmd/qrscan, cmd/dccverify): our own Go code
// (gozxing, a port of ZXing), served from our own origin, so nothing leaves
// the phone.
package qrscan

import (
	"syscall/js"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// DecodeFrame returns pccovidQR.decode: ImageData in, text out ("" when no
// QR code is seen). Its buffers are kept between frames.
func DecodeFrame() func(this js.Value, args []js.Value) any {
	reader := qrcode.NewQRCodeReader()
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	var buf, lum []byte
	return func(this js.Value, args []js.Value) any {
		if len(args) != 1 {
			return ""
		}
		img := args[0]
		w, h := img.Get("width").Int(), img.Get("height").Int()
		if w <= 0 || h <= 0 || w*h > 4096*4096 {
			return ""
		}
		if cap(buf) < 4*w*h {
			buf, lum = make([]byte, 4*w*h), make([]byte, w*h)
		}
		buf, lum = buf[:4*w*h], lum[:w*h]
		if js.CopyBytesToGo(buf, img.Get("data")) != len(buf) {
			return ""
		}
		for i := range lum { // ITU-R BT.601 luma, as ZXing computes it
			r, g, b := int(buf[4*i]), int(buf[4*i+1]), int(buf[4*i+2])
			lum[i] = byte((r*306 + g*601 + b*117) >> 10)
		}
		src, err := gozxing.NewPlanarYUVLuminanceSource(lum, w, h, 0, 0, w, h, false)
		if err != nil {
			return ""
		}
		bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
		if err != nil {
			return ""
		}
		res, err := reader.Decode(bmp, hints)
		if err != nil {
			return ""
		}
		return res.GetText()
	}
}
