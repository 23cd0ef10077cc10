package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFiles embed.FS

// assets serves the embedded static files at content-addressed URLs
// (/static/HASH/name) with a year of caching: a changed file gets a new URL,
// so browsers never run stale code.
type assets struct {
	byName map[string]asset // "app.css" → asset
	byURL  map[string]asset // "/static/ab12…/app.css" → asset
}

type asset struct {
	url  string
	body []byte
	gz   []byte // gzip of body, when that is smaller
	mime string
}

func loadAssets() (*assets, error) {
	as := &assets{byName: map[string]asset{}, byURL: map[string]asset{}}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		a := asset{url: "/static/" + hex.EncodeToString(sum[:6]) + "/" + name, body: body, mime: mime.TypeByExtension(path.Ext(name))}
		if a.mime == "" {
			a.mime = "application/octet-stream"
		}
		a.gz = gzipped(body)
		as.byName[name], as.byURL[a.url] = a, a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: assets: %w", err)
	}
	return as, nil
}

// URL returns the content-addressed URL of a static file; templates call it
// as {{asset "app.css"}}. An unknown name is a template bug, so it panics at
// start-up when the templates are first executed in tests.
func (as *assets) URL(name string) string {
	a, ok := as.byName[name]
	if !ok {
		panic("web: no static file " + name)
	}
	return a.url
}

func (as *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a, ok := as.byURL[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.mime)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("Vary", "Accept-Encoding")
	if a.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(a.gz)
		return
	}
	w.Write(a.body)
}

// gzipped compresses a static file once, at start-up: the WebAssembly
// scanners are megabytes that compress to a third, which matters on a
// phone's connection. It returns nil when compression does not help.
func gzipped(body []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	if buf.Len() >= len(body)*9/10 {
		return nil
	}
	return buf.Bytes()
}
