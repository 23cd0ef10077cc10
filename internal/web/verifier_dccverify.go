package web

// The verifier page's WebAssembly (static/dccverify.wasm) is cmd/dccverify:
// package certificate compiled for the browser, so the page and `pccovid
// dcc verify` run the same code. Regenerate it after changing
// cmd/dccverify, package certificate or the Go version;
// TestDCCVerifyWasmIsFresh fails until you do.
//
//go:generate sh -c "cd ../.. && GOOS=js GOARCH=wasm go build -trimpath -ldflags=-s -o internal/web/static/dccverify.wasm ./cmd/dccverify"
