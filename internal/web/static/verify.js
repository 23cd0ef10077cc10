// The declaration verifier's camera: it decodes QR codes with PC-Covid's
// own decoder compiled to WebAssembly (qrscan.wasm: pccovidQR.decode), puts
// the text in the form and sends it. Without scripts or a camera, the
// officer pastes or types the code into the same form.
"use strict";

(function () {
  async function loadDecoder(url) {
    if (window.pccovidQR) return window.pccovidQR;
    const go = new Go();
    const resp = await fetch(url);
    const { instance } = await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject);
    go.run(instance);
    return window.pccovidQR;
  }

  function wire(el) {
    const start = document.getElementById("scan-start");
    const stop = document.getElementById("scan-stop");
    const video = document.getElementById("scan-video");
    const status = document.getElementById("scan-status");
    const input = document.getElementById("qr-input");
    const form = document.getElementById("verify-form");
    const canvas = document.createElement("canvas");
    let stream = null, running = false, decoder = null;
    const decoderReady = loadDecoder(el.dataset.wasm);
    decoderReady.then((d) => { decoder = d; el.dataset.ready = "1"; }, () => {});

    function halt() {
      running = false;
      if (stream) stream.getTracks().forEach((t) => t.stop());
      video.hidden = true;
      start.hidden = false;
      stop.hidden = true;
    }

    function tick() {
      if (!running) return;
      if (video.videoWidth > 0) {
        const scale = Math.min(1, 640 / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        const ctx = canvas.getContext("2d", { willReadFrequently: true });
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        const text = decoder.decode(ctx.getImageData(0, 0, canvas.width, canvas.height));
        if (text) {
          halt();
          input.value = text;
          form.requestSubmit();
          return;
        }
      }
      setTimeout(tick, 150);
    }

    start.addEventListener("click", async function () {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
        decoder = await decoderReady;
      } catch (e) {
        status.textContent = el.dataset.nocamera;
        return;
      }
      start.hidden = true;
      stop.hidden = false;
      running = true;
      tick();
    });
    stop.addEventListener("click", halt);
  }

  document.addEventListener("DOMContentLoaded", function () {
    const el = document.getElementById("scanner");
    if (el && window.WebAssembly && navigator.mediaDevices) wire(el);
    else if (el) el.hidden = true;
  });
})();
