//go:build js && wasm

// Command qrscan is PC-Covid's QR decoder for the browser, compiled to
// WebAssembly: the camera pages grab a video frame onto a canvas and hand
// its ImageData to
//
//	pccovidQR.decode(imageData) → text ("" when no QR code is seen)
//
// It is our own Go code (gozxing, a port of ZXing), served from our own
// origin: no third-party script, nothing leaves the phone. The API is
// generic so the certificate verifier reuses it.
//
// Build it with go generate in internal/web (see qrscan.go there).
package main

import (
	"syscall/js"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

func main() {
	reader := qrcode.NewQRCodeReader()
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	var buf, lum []byte
	decode := js.FuncOf(func(this js.Value, args []js.Value) any {
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
	})
	js.Global().Set("pccovidQR", js.ValueOf(map[string]any{"decode": decode}))
	select {} // keep the functions alive
}
