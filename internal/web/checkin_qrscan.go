package web

// The browser's QR decoder (static/qrscan.wasm) is our Go code compiled to
// WebAssembly, with Go's loader beside it. Regenerate both after changing
// cmd/qrscan or the Go version; TestQRScanWasmIsFresh fails until you do.
//
//go:generate sh -c "cd ../.. && GOOS=js GOARCH=wasm go build -trimpath -ldflags=-s -o internal/web/static/qrscan.wasm ./cmd/qrscan"
//go:generate sh -c "cp \"$(go env GOROOT)/lib/wasm/wasm_exec.js\" static/wasm_exec.js"
