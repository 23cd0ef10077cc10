package web

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestDCCVerifyWasmIsFresh rebuilds the verifier's WebAssembly the way go
// generate does and fails when the committed static/dccverify.wasm
// differs: the file in the repository is never older than its source.
func TestDCCVerifyWasmIsFresh(t *testing.T) {
	t.Parallel()
	goBin := filepath.Join(goEnv(t, "GOROOT"), "bin", "go")
	out := filepath.Join(t.TempDir(), "dccverify.wasm")
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags=-s", "-o", out, "./cmd/dccverify")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build cmd/dccverify: %v\n%s", err, b)
	}
	fresh, _ := os.ReadFile(out)
	committed, err := os.ReadFile(filepath.Join("static", "dccverify.wasm"))
	if err != nil || !bytes.Equal(fresh, committed) {
		t.Fatal("static/dccverify.wasm is stale: run go generate ./internal/web and commit it")
	}
}
