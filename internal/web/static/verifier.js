// The checkpoint verifier: it scans a certificate's QR code with the camera
// and verifies it in the browser with PC-Covid's own Go code compiled to
// WebAssembly (dccverify.wasm: pccovidQR.decode for camera frames,
// pccovidDCC.verify for certificates) against the signer list it keeps. A
// service worker (/verifier/sw.js) keeps the page, its files and the list,
// so it works offline. Without scripts, the form posts the text to the
// server, which gives the same answer.
"use strict";

(function () {
  const SIGNERS_KEY = "pccovid.verifier.signers";

  function loadWasm(url) {
    const go = new Go();
    return fetch(url)
      .then((resp) => resp.arrayBuffer())
      .then((buf) => WebAssembly.instantiate(buf, go.importObject))
      .then(({ instance }) => { go.run(instance); return window.pccovidDCC; });
  }

  // loadSigners fetches the signer list (the service worker answers from
  // its copy when offline) and keeps it in localStorage as well.
  function loadSigners(url) {
    return fetch(url, { cache: "no-cache" })
      .then((resp) => { if (!resp.ok) throw new Error(resp.status); return resp.text(); })
      .then((text) => { try { localStorage.setItem(SIGNERS_KEY, text); } catch (e) {} return text; })
      .catch(() => localStorage.getItem(SIGNERS_KEY) || "");
  }

  function Verifier(el) {
    this.el = el;
    this.lang = el.dataset.lang === "en" ? "en" : "vi";
    this.video = document.getElementById("scan-video");
    this.status = document.getElementById("verifier-status");
    this.canvas = document.createElement("canvas");
    this.signers = "";
    this.running = false;
    const wasm = loadWasm(el.dataset.wasm);
    const list = loadSigners(el.dataset.signers);
    Promise.all([wasm, list]).then(([, text]) => {
      this.signers = text;
      this.showSigners();
      el.dataset.ready = "1";
    }, () => { this.status.textContent = el.dataset.nowasm; });
    document.getElementById("scan-start").addEventListener("click", () => this.start());
    document.getElementById("scan-stop").addEventListener("click", () => this.stop());
    document.getElementById("verify-form").addEventListener("submit", (e) => {
      if (this.el.dataset.ready !== "1") return; // the server checks it
      e.preventDefault();
      this.verify(document.getElementById("qr-text").value.trim());
    });
    window.addEventListener("online", () => loadSigners(el.dataset.signers).then((t) => { if (t) { this.signers = t; this.showSigners(); } }));
  }

  Verifier.prototype.showSigners = function () {
    let line = "";
    try {
      const list = JSON.parse(this.signers);
      line = this.el.dataset.signersline.replace("%d", list.signers.length)
        .replace("%s", new Date(list.issued_at).toLocaleString(this.lang === "en" ? "en-GB" : "vi-VN"));
    } catch (e) {}
    document.getElementById("verifier-signers").textContent = line;
    this.status.textContent = navigator.onLine ? "" : this.el.dataset.offline;
  };

  Verifier.prototype.verify = function (text) {
    const a = JSON.parse(window.pccovidDCC.verify(text, this.signers, Date.now()));
    const box = document.getElementById("result");
    box.hidden = false;
    box.className = "verdict " + (a.valid ? "valid" : "invalid");
    box.dataset.code = a.code;
    const set = (id, v) => { const n = document.getElementById(id); n.textContent = v || ""; n.parentElement.hidden = !v; };
    document.getElementById("result-verdict").textContent = a.valid ? this.el.dataset.valid : this.el.dataset.invalid;
    document.getElementById("result-message").textContent = (this.lang === "en" ? a.message_en : a.message_vi) + " (" + a.code + ")";
    set("result-name", a.name);
    set("result-dob", a.dob);
    set("result-entry", a.entry);
    set("result-date", a.entry_date);
    set("result-uvci", a.uvci);
    set("result-expires", a.expires ? new Date(a.expires).toLocaleDateString(this.lang === "en" ? "en-GB" : "vi-VN") : "");
    document.getElementById("qr-text").value = text;
    box.scrollIntoView();
  };

  Verifier.prototype.start = function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then((stream) => {
      this.stream = stream;
      this.video.srcObject = stream;
      this.video.hidden = false;
      return this.video.play();
    }).then(() => {
      document.getElementById("scan-start").hidden = true;
      document.getElementById("scan-stop").hidden = false;
      this.running = true;
      this.tick();
    }, () => { this.status.textContent = this.el.dataset.nocamera; });
  };

  Verifier.prototype.stop = function () {
    this.running = false;
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    this.video.hidden = true;
    document.getElementById("scan-start").hidden = false;
    document.getElementById("scan-stop").hidden = true;
  };

  Verifier.prototype.tick = function () {
    if (!this.running) return;
    if (this.video.videoWidth > 0 && this.el.dataset.ready === "1") {
      const scale = Math.min(1, 800 / this.video.videoWidth);
      this.canvas.width = Math.round(this.video.videoWidth * scale);
      this.canvas.height = Math.round(this.video.videoHeight * scale);
      const ctx = this.canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(this.video, 0, 0, this.canvas.width, this.canvas.height);
      const text = window.pccovidQR.decode(ctx.getImageData(0, 0, this.canvas.width, this.canvas.height));
      if (text) {
        this.stop();
        this.verify(text);
        return;
      }
    }
    setTimeout(() => this.tick(), 150);
  };

  document.addEventListener("DOMContentLoaded", function () {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/verifier/sw.js", { scope: "/verifier/" }).catch(() => {});
    }
    const el = document.getElementById("verifier");
    if (el && window.WebAssembly && navigator.mediaDevices) new Verifier(el);
    else if (el) el.hidden = true;
  });
})();
