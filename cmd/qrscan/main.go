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
// Build it with go generate in internal/web (see checkin_qrscan.go there).
package main

import (
	"syscall/js"

	"github.com/pccovid/pccovid/internal/qrscan"
)

func main() {
	js.Global().Set("pccovidQR", js.ValueOf(map[string]any{"decode": js.FuncOf(qrscan.DecodeFrame())}))
	select {} // keep the function alive
}
