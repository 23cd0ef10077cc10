package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestAssetsServedCompressedAndCached(t *testing.T) {
	as, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	url := as.URL("app.css")
	req := httptest.NewRequest("GET", url, nil)
	req.Header.Set("Accept-Encoding", "gzip, br")
	rec := httptest.NewRecorder()
	as.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" ||
		rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("status %d, headers %v", rec.Code, rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	if string(body) != string(as.byName["app.css"].body) {
		t.Fatal("the compressed file is not the file")
	}
	plain := httptest.NewRecorder()
	as.ServeHTTP(plain, httptest.NewRequest("GET", url, nil))
	if plain.Header().Get("Content-Encoding") != "" || plain.Body.String() != string(as.byName["app.css"].body) {
		t.Fatal("a client without gzip got a compressed file")
	}
}
