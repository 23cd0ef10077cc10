package certificate

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Prefix is the HCERT context identifier that starts every DCC QR text
// (HCERT 4.2).
const Prefix = "HC1:"

// maxCWT bounds the decompressed size of a QR's content. The largest QR code
// holds under 3 KB, and a DCC is well below 1 KB; the bound stops a small
// crafted input from inflating into a large allocation.
const maxCWT = 64 << 10

// unprefix returns the Base45 text after the HC1: prefix.
func unprefix(qr string) (string, error) {
	if !strings.HasPrefix(qr, Prefix) {
		if len(qr) >= 4 && qr[:2] == "HC" && qr[3] == ':' {
			return "", fmt.Errorf("context identifier %q is not supported, want %q", qr[:4], Prefix)
		}
		return "", fmt.Errorf("text does not start with %q", Prefix)
	}
	return qr[len(Prefix):], nil
}

// zlibPool reuses zlib writers: a new one allocates several hundred
// kilobytes of compressor state, far more than the certificate it writes.
type zlibPool struct{ p sync.Pool }

// compress returns data compressed with zlib at the best compression level,
// to keep the QR code small.
func (zp *zlibPool) compress(data []byte) []byte {
	var buf bytes.Buffer
	w, _ := zp.p.Get().(*zlib.Writer)
	if w == nil {
		w, _ = zlib.NewWriterLevel(&buf, zlib.BestCompression)
	} else {
		w.Reset(&buf)
	}
	w.Write(data) // writes to a bytes.Buffer do not fail
	w.Close()
	zp.p.Put(w)
	return buf.Bytes()
}

// inflaterPool reuses zlib readers between decompressions.
type inflaterPool struct{ p sync.Pool }

// decompress inflates zlib data, refusing output beyond maxCWT bytes and
// data that does not end with a valid checksum.
func (ip *inflaterPool) decompress(data []byte) ([]byte, error) {
	src := bytes.NewReader(data)
	var r io.ReadCloser
	if pooled, ok := ip.p.Get().(io.ReadCloser); ok {
		if err := pooled.(zlib.Resetter).Reset(src, nil); err != nil {
			return nil, fmt.Errorf("zlib: %w", err)
		}
		r = pooled
	} else {
		var err error
		if r, err = zlib.NewReader(src); err != nil {
			return nil, err // already says "zlib: …"
		}
	}
	defer ip.p.Put(r)
	out, err := io.ReadAll(io.LimitReader(r, maxCWT+1))
	if err != nil {
		return nil, fmt.Errorf("zlib data: %w", err)
	}
	if len(out) > maxCWT {
		return nil, errors.New("decompressed data is too large")
	}
	return out, nil
}
