// PC-Covid check-in pages: the camera QR scanner (decoding with our Go
// code compiled to WebAssembly, qrscan.wasm), the offline queue of scans,
// the province → district → ward selects, and the personal QR refresh.
// Everything here also works without it: the pages have plain forms.
"use strict";

(function () {
  // ---- QR decoding: pccovidQR.decode(imageData) → text, from qrscan.wasm.
  let decoderReady = null;
  function loadDecoder(url) {
    if (!decoderReady) {
      decoderReady = (async function () {
        const go = new Go();
        const resp = await fetch(url);
        const { instance } = await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject);
        go.run(instance);
        return window.pccovidQR;
      })();
    }
    return decoderReady;
  }

  // ---- Idempotency ids: time first (ordered inserts), then randomness.
  function newID() {
    const r = new Uint8Array(10);
    crypto.getRandomValues(r);
    return Date.now().toString(36) + Array.from(r, (b) => (b % 36).toString(36)).join("");
  }

  // ---- The queue: scans wait in localStorage until the server has them.
  // Each keeps its id, so a resend after a lost answer changes nothing.
  function Queue(key) {
    this.key = "pccovid.queue." + key;
  }
  Queue.prototype.all = function () {
    try { return JSON.parse(localStorage.getItem(this.key) || "[]"); } catch (e) { return []; }
  };
  Queue.prototype.save = function (items) { localStorage.setItem(this.key, JSON.stringify(items)); };
  Queue.prototype.add = function (item) { const a = this.all(); a.push(item); this.save(a); };
  Queue.prototype.remove = function (id) { this.save(this.all().filter((x) => x.id !== id)); };

  function Scanner(el) {
    this.el = el;
    this.mode = el.dataset.scanner;
    this.endpoint = el.dataset.endpoint;
    this.queue = new Queue(this.endpoint);
    this.video = el.querySelector(".scan-video");
    this.status = el.querySelector(".scan-status");
    this.queueLine = el.querySelector(".scan-queue");
    this.canvas = document.createElement("canvas");
    this.lastText = "";
    this.lastAt = 0;
    this.flushing = false;
    el.querySelector(".scan-start").addEventListener("click", () => this.start());
    el.querySelector(".scan-stop").addEventListener("click", () => this.stop());
    // Load the decoder now, while the network is there: a scanner that
    // loses it can still start its camera.
    this.decoder = null;
    loadDecoder(el.dataset.wasm).then((d) => { this.decoder = d; el.dataset.ready = "1"; }, () => {});
    window.addEventListener("online", () => this.flush());
    setInterval(() => this.flush(), 3000);
    this.flush();
  }

  Scanner.prototype.say = function (text) { this.status.textContent = text; };

  Scanner.prototype.start = async function () {
    try {
      const decoder = loadDecoder(this.el.dataset.wasm);
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      this.video.srcObject = this.stream;
      this.video.hidden = false;
      await this.video.play();
      this.decoder = await decoder;
    } catch (e) {
      this.say(this.el.dataset.nocamera);
      return;
    }
    this.el.querySelector(".scan-start").hidden = true;
    this.el.querySelector(".scan-stop").hidden = false;
    this.running = true;
    this.tick();
  };

  Scanner.prototype.stop = function () {
    this.running = false;
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    this.video.hidden = true;
    this.el.querySelector(".scan-start").hidden = false;
    this.el.querySelector(".scan-stop").hidden = true;
  };

  // tick grabs a frame, at most 640 pixels wide, and decodes it.
  Scanner.prototype.tick = function () {
    if (!this.running) return;
    const v = this.video;
    if (v.videoWidth > 0) {
      const scale = Math.min(1, 640 / v.videoWidth);
      const w = Math.round(v.videoWidth * scale), h = Math.round(v.videoHeight * scale);
      this.canvas.width = w;
      this.canvas.height = h;
      const ctx = this.canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(v, 0, 0, w, h);
      const text = this.decoder.decode(ctx.getImageData(0, 0, w, h));
      if (text) this.found(text);
    }
    setTimeout(() => this.tick(), 150);
  };

  // found queues a scan, unless the camera is still looking at the same
  // code it just read.
  Scanner.prototype.found = function (text) {
    const now = Date.now();
    if (text === this.lastText && now - this.lastAt < 15000) return;
    this.lastText = text;
    this.lastAt = now;
    this.queue.add({ id: newID(), qr: text, at: now });
    if (this.mode === "citizen") this.stop();
    this.flush();
  };

  // flush sends the queued scans in order. A network failure or a server
  // fault keeps them for later; a refusal (4xx) is shown and dropped.
  Scanner.prototype.flush = async function () {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (const item of this.queue.all()) {
        this.say(this.el.dataset.sending);
        let resp;
        try {
          resp = await fetch(this.endpoint, {
            method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRF-Token": this.el.dataset.csrf },
            body: JSON.stringify({ id: item.id, qr: item.qr, age_ms: Math.max(0, Date.now() - item.at) }),
          });
        } catch (e) {
          this.say(this.el.dataset.offline);
          break;
        }
        if (resp.status >= 500) { this.say(this.el.dataset.offline); break; }
        const body = await resp.json().catch(() => ({}));
        this.queue.remove(item.id);
        if (resp.ok) this.show(body); else this.say(body.error ? body.error.message : String(resp.status));
      }
    } finally {
      this.flushing = false;
      const n = this.queue.all().length;
      this.queueLine.textContent = n > 0 ? this.el.dataset.queue.replace("%d", n) : "";
    }
  };

  Scanner.prototype.show = function (c) {
    this.say(c.message);
    if (this.mode === "citizen") {
      const box = document.getElementById("checkin-result");
      document.getElementById("result-venue").textContent = c.venue.name;
      document.getElementById("result-message").textContent = c.message;
      document.getElementById("result-time").textContent = c.at_local;
      document.getElementById("result-area").textContent = [c.venue.area.ward, c.venue.area.district, c.venue.area.province].join(", ");
      box.hidden = false;
      return;
    }
    const li = document.createElement("li");
    li.className = "entry";
    li.dataset.id = c.id;
    li.dataset.repeat = c.repeat;
    li.textContent = c.at_local + " · " + c.message + (c.card ? " · " + c.card : "");
    const log = this.el.querySelector(".scan-log");
    log.insertBefore(li, log.firstChild);
  };

  // ---- Province → district → ward selects.
  function wireUnits(sel) {
    const next = document.getElementById(sel.dataset.units);
    sel.addEventListener("change", async function () {
      for (let s = next; s; s = s.dataset.units ? document.getElementById(s.dataset.units) : null) {
        s.length = 1;
      }
      if (!sel.value) return;
      const resp = await fetch("/api/v1/admin-units?parent=" + encodeURIComponent(sel.value));
      for (const u of await resp.json()) next.add(new Option(u.name, u.code));
    });
  }

  // ---- The personal QR changes every minute while the page is open.
  function refreshQR(img) {
    setInterval(function () {
      img.src = "/checkin/qr.png?t=" + Date.now();
    }, 1000 * Number(img.dataset.refresh));
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-scanner]").forEach((el) => new Scanner(el));
    document.querySelectorAll("select[data-units]").forEach(wireUnits);
    document.querySelectorAll(".units-next").forEach((b) => { b.hidden = true; });
    const qr = document.getElementById("personal-qr");
    if (qr && qr.dataset.refresh) refreshQR(qr);
  });
})();
