package certificate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestNodeVerify checks issued certificates with an independent verifier
// written in JavaScript with npm packages (testdata/node-verify). It needs
// node and npm, and fails without them: the check is part of the release
// criteria, not an optional extra.
func TestNodeVerify(t *testing.T) {
	t.Parallel()
	dir := nodeVerifier(t)
	f := newFixture(t)
	issued, err := f.issuer.Issue(vaccination())
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.verifier.Verify(issued.QR, issueTime)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(res.DCC)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	key := writePEM(t, tmp, "dsc.pem", "PUBLIC KEY", mustPKIX(t, f.dsc.Cert))
	out, err := runNode(t, dir, writeFile(t, tmp, "qr.txt", issued.QR), key)
	if err != nil {
		t.Fatalf("node verify.js refused the certificate: %v", err)
	}
	if err := sameJSONText(out, want); err != nil {
		t.Errorf("node read another payload: %v\nnode: %s\ngo:   %s", err, out, want)
	}

	// It must refuse an altered certificate and another signer's key.
	other := newFixture(t)
	otherKey := writePEM(t, tmp, "other.pem", "PUBLIC KEY", mustPKIX(t, other.dsc.Cert))
	for name, args := range map[string][2]string{
		"altered payload": {writeFile(t, tmp, "tampered.txt", tamper(t, issued.QR)), key},
		"another key":     {writeFile(t, tmp, "qr2.txt", issued.QR), otherKey},
	} {
		if out, err := runNode(t, dir, args[0], args[1]); err == nil {
			t.Errorf("%s: node accepted it and printed %s", name, out)
		}
	}
}

// TestNodeVerifyEUTestData has the node verifier check an EU PS256 and an
// ES256 test certificate, so that it is known to accept what Go accepts.
func TestNodeVerifyEUTestData(t *testing.T) {
	t.Parallel()
	dir := nodeVerifier(t)
	for _, path := range []string{"testdata/dcc/CH/2DCode/raw/1.json", "testdata/dcc/AT/2DCode/raw/1.json"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var tf testFile
		if err := json.Unmarshal(data, &tf); err != nil {
			t.Fatal(err)
		}
		der, err := base64.StdEncoding.DecodeString(tf.TESTCTX.CERTIFICATE)
		if err != nil {
			t.Fatal(err)
		}
		tmp := t.TempDir()
		cert := writePEM(t, tmp, "dsc.pem", "CERTIFICATE", der)
		out, err := runNode(t, dir, writeFile(t, tmp, "qr.txt", *tf.PREFIX), cert)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		got, _ := parseJSON(out)
		want, _ := parseJSON(tf.JSON)
		if err := sameDoc("node's payload", got, "JSON", want); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

// nodeVerifier returns a directory with verify.js and its npm packages.
func nodeVerifier(t *testing.T) string {
	t.Helper()
	dir, err := installNodeVerifier()
	if err != nil {
		t.Fatalf("the independent verification test needs node and npm: %v", err)
	}
	return dir
}

// installNodeVerifier installs verify.js and its packages with "npm ci"
// from the lock file, once per test binary. The installation is kept in the
// user cache under the hash of the files, and redone only when they change.
var installNodeVerifier = sync.OnceValues(func() (string, error) {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", err
		}
	}
	src := filepath.Join("testdata", "node-verify")
	files := map[string][]byte{}
	h := sha256.New()
	for _, name := range []string{"package.json", "package-lock.json", "verify.js"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return "", err
		}
		files[name] = b
		h.Write(b)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "pccovid-node-verify", hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "cose-js")); err == nil {
		return dir, nil
	}
	return dir, npmCI(dir, files)
})

// npmCI installs files and their packages in a staging directory, then
// moves it to dir, so that dir is never seen half installed.
func npmCI(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	stage, err := os.MkdirTemp(filepath.Dir(dir), "install-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(stage, name), b, 0o644); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = stage
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci: %v\n%s", err, out)
	}
	// Another test process may have finished first; either will do.
	if err := os.Rename(stage, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "node_modules", "cose-js")); statErr != nil {
			return err
		}
	}
	return nil
}

// runNode runs verify.js and returns its standard output.
func runNode(t *testing.T, dir, qrFile, keyFile string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "verify.js"), qrFile, keyFile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), errors.New(err.Error() + ": " + stderr.String())
	}
	return stdout.Bytes(), nil
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	return writeFile(t, dir, name, string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})))
}

func mustPKIX(t *testing.T, cert *x509.Certificate) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(cert.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// sameJSONText compares two JSON texts as values.
func sameJSONText(a, b []byte) error {
	va, err := parseJSON(a)
	if err != nil {
		return err
	}
	vb, err := parseJSON(b)
	if err != nil {
		return err
	}
	return sameDoc("node", va, "go", vb)
}
