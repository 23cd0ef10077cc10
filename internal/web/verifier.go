package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"text/template"
	"time"

	"github.com/pccovid/pccovid/internal/certificate"
	"github.com/pccovid/pccovid/internal/problem"
)

// The verifier page for checkpoints, at /verifier/: it scans a certificate
// with the camera and verifies it in the browser (static/dccverify.wasm:
// package certificate compiled to WebAssembly) against the signer list it
// keeps, so it works offline. A service worker, /verifier/sw.js, keeps the
// page, its scripts, the WebAssembly and the signer list. Without scripts
// the page posts the text to the server, which gives the same answer.

func (s *Server) verifierRoutes() {
	m := s.mux
	m.HandleFunc("GET /verifier", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/verifier/", http.StatusMovedPermanently)
	})
	m.HandleFunc("GET /verifier/{$}", s.serve(s.verifierPage))
	m.HandleFunc("POST /verifier/{$}", s.serve(s.verifierCheck))
	m.HandleFunc("GET /verifier/sw.js", s.serve(s.verifierWorker))
	m.HandleFunc("GET /verifier/signers.json", s.serve(s.apiSigners))
}

// verifierData is the verifier page: the answer of a server-side check,
// when the page was posted without scripts.
type verifierData struct {
	Answer *certificate.Answer
	QR     string
}

func (s *Server) verifierPage(w http.ResponseWriter, r *http.Request) error {
	allowWasm(w)
	return s.render(w, r, http.StatusOK, "citizen/verifier", "verifier.title", verifierData{})
}

func (s *Server) verifierCheck(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	allowWasm(w)
	qr := strings.TrimSpace(r.PostFormValue("qr"))
	a, err := s.Certificates.Verify(r.Context(), qr, s.Clock.Now())
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "citizen/verifier", "verifier.title", verifierData{Answer: &a, QR: qr})
}

func (s *Server) apiSigners(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Certificates.Keys().SignerList(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	return json.NewEncoder(w).Encode(list)
}

func (s *Server) apiVerifyCertificate(w http.ResponseWriter, r *http.Request) error {
	var in dccVerifyRequest
	if err := readJSON(r, &in); err != nil {
		return err
	}
	at := s.Clock.Now()
	if in.At != "" {
		t, err := time.Parse(time.RFC3339, in.At)
		if err != nil {
			return problem.Field("at", "Thời điểm theo RFC 3339", "the time must be RFC 3339")
		}
		at = t
	}
	a, err := s.Certificates.Verify(r.Context(), in.QR, at)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// verifierWorkerJS is the service worker: it is served at a fixed URL
// (browsers look for updates there) and names the content-addressed
// assets it keeps, so a new release installs a new worker with new files.
var verifierWorkerJS = template.Must(template.New("sw").Parse(`// PC-Covid verifier: keeps the page, its files and the signer list, so
// checkpoints keep verifying offline.
"use strict";
const CACHE = "pccovid-verifier-{{.Version}}";
const FILES = {{.Files}};
const PAGE = "/verifier/";
const SIGNERS = "/verifier/signers.json";

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES.concat([PAGE, SIGNERS]))).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k.startsWith("pccovid-verifier-") && k !== CACHE)
    .map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

// The page and the signer list: the network first, so they stay fresh,
// the copy when offline. Content-addressed files: the copy first.
self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname === PAGE || url.pathname === SIGNERS) {
    e.respondWith(fetch(e.request).then((resp) => {
      if (resp.ok) {
        const copy = resp.clone();
        caches.open(CACHE).then((c) => c.put(url.pathname, copy));
      }
      return resp;
    }).catch(() => caches.match(url.pathname)));
    return;
  }
  if (FILES.includes(url.pathname)) {
    e.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(e.request)));
  }
});
`))

// verifierFiles are the static files the verifier page needs offline.
var verifierFiles = []string{"app.css", "certificate.css", "verifier.js", "wasm_exec.js", "dccverify.wasm", "icon.svg"}

func (s *Server) verifierWorker(w http.ResponseWriter, r *http.Request) error {
	var urls []string
	for _, f := range verifierFiles {
		urls = append(urls, s.assets.URL(f))
	}
	files, _ := json.Marshal(urls)
	version := strings.Split(strings.TrimPrefix(s.assets.URL("dccverify.wasm"), "/static/"), "/")[0] +
		strings.Split(strings.TrimPrefix(s.assets.URL("verifier.js"), "/static/"), "/")[0]
	var buf bytes.Buffer
	if err := verifierWorkerJS.Execute(&buf, map[string]any{"Files": string(files), "Version": version}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Service-Worker-Allowed", "/verifier/")
	_, err := w.Write(buf.Bytes())
	return err
}
