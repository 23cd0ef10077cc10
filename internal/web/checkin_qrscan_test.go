package web

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestQRScanWasmIsFresh rebuilds the browser's QR decoder the way go
// generate does and fails when the committed static/qrscan.wasm (or Go's
// wasm_exec.js beside it) differs: the file in the repository is never
// older than its source.
func TestQRScanWasmIsFresh(t *testing.T) {
	t.Parallel()
	goBin := filepath.Join(goEnv(t, "GOROOT"), "bin", "go")
	out := filepath.Join(t.TempDir(), "qrscan.wasm")
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags=-s", "-o", out, "./cmd/qrscan")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build cmd/qrscan: %v\n%s", err, b)
	}
	fresh, _ := os.ReadFile(out)
	committed, err := os.ReadFile(filepath.Join("static", "qrscan.wasm"))
	if err != nil || !bytes.Equal(fresh, committed) {
		t.Fatal("static/qrscan.wasm is stale: run go generate ./internal/web and commit it")
	}
	loader, _ := os.ReadFile(filepath.Join(goEnv(t, "GOROOT"), "lib", "wasm", "wasm_exec.js"))
	ours, _ := os.ReadFile(filepath.Join("static", "wasm_exec.js"))
	if len(loader) == 0 || !bytes.Equal(loader, ours) {
		t.Fatal("static/wasm_exec.js differs from this Go's: run go generate ./internal/web and commit it")
	}
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	b, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(b))
}
