// The phone's camera as the scanner, for phones and tablets without a wedge scanner.
// Loaded by static/scan.js on the first press of the camera button (templates/floor/
// _scan.html): screens used with a scanner never fetch this file or the decoder.
//
// While the camera is on, its frames are read one after another (the next frame once the
// last is read: a slow phone reads fewer frames, never a growing backlog): by the
// browser's own BarcodeDetector where there is one, else by zxing-wasm in a worker
// (static/camera-worker.js, loaded when the camera is opened). Each code read goes into
// the same scan stream as a scanner's (FloorScan.enter, scan.js): the same queue, order,
// scan ids, keeping while offline, and tones.
//
// - The same code read again within SAME_READ_MS of its last read is the same label
//   still in view: taken once. A camera reads a label in front of it many times a second.
// - Hold to count: a label kept in view (read again and again, never out of sight for
//   SAME_READ_MS) is taken again every HOLD_TO_COUNT_MS, with a tone each time. Longer
//   than the second a glance takes, so aiming and looking never counts twice.
// - The stream stops when the page is hidden (another app, the screen locked): the
//   camera light goes off and the battery is spared; it opens again when the page is back.
// - A refused, missing or busy camera is said in words in the camera's status line.
// - The torch button shows only where the camera has a torch.
// - Each screen's answer replaces the scan form (#step), but not the camera view in it
//   (hx-preserve, templates/floor/_scan.html): the live video runs on from scan to scan.
//   A browser that has to take it out of the page meanwhile may pause it: it is played
//   again after every answer.
(function () {
  "use strict";
  var SAME_READ_MS = 1000;
  var HOLD_TO_COUNT_MS = 1500;
  var CONSTRAINTS = {  // the rear camera; 720p reads small barcodes at arm's length
    audio: false,
    video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } }
  };
  // BarcodeDetector's names for what the floor's labels carry. It has no GS1 DataBar:
  // where it is used, zxing looks for DataBar on every DATABAR_EVERY-th frame it reads empty.
  var NATIVE_FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "qr_code", "data_matrix"];
  var DATABAR_EVERY = 3;
  var CAMERA_ON = "floor-camera";  // sessionStorage, as scan.js reads it on the next screen
  var ENGLISH = {  // fallbacks; the page's words are in templates/partials/_js_words.html
    camera_starting: "Starting the camera…",
    camera_ready: "Point the camera at a barcode.",
    camera_read: "Read %(code)s.",
    camera_blocked: "The camera is blocked. Allow it for this site in the browser's settings, or scan with the scanner.",
    camera_missing: "No camera found on this device. Scan with the scanner.",
    camera_busy: "The camera is in use by another app. Close that app and press Camera again.",
    camera_insecure: "The camera works only on a secure (https) page. Scan with the scanner.",
    camera_unsupported: "This browser cannot use the camera. Scan with the scanner.",
    camera_reader_failed: "The barcode reader did not load. Check the connection and press Camera again.",
    camera_failed: "The camera did not start. Press Camera again."
  };

  var wanted = false;  // the operator has the camera on (a hidden page pauses it, no more)
  var panel = null;    // the [data-camera-view] in use
  var live = null;     // the running camera: {run, stream, track, video, reader}
  var run = 0;         // counts starts and stops: work left over from an earlier one is dropped
  var worker = null;   // a promise of the zxing worker, loaded once
  var seen = {};       // code -> {last: when last read, taken: when last taken}
  var canvas = null, context = null;

  function say(key, values) {
    return window.FloorScan ? FloorScan.say(key, ENGLISH[key] || key, values) : ENGLISH[key];
  }

  // --- On and off ----------------------------------------------------------------------

  function toggle() { if (wanted) { close(); } else { open(); } }

  function open() {
    wanted = true; remember(true);
    if (adopt() && !live) { start(); }
  }

  function close() {
    wanted = false; remember(false);
    stopStream();
    pressed(false);
    if (panel) { panel.hidden = true; status(""); }
  }

  function start() {
    var mine = ++run;
    pressed(true); video().hidden = false; status(say("camera_starting"));
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      refuse(window.isSecureContext === false ? "camera_insecure" : "camera_unsupported");
      return;
    }
    // The reader first, then the camera: no frame goes by unread while the decoder loads.
    reader().then(function (reader) {
      if (mine !== run) { return; }
      return navigator.mediaDevices.getUserMedia(CONSTRAINTS).then(function (stream) {
        if (mine !== run) { stopTracks(stream); return; }
        begin(mine, stream, reader);
      }, function (error) { if (mine === run) { refuse(refusal(error)); } });
    }, function () { if (mine === run) { refuse("camera_reader_failed"); } });
  }

  function begin(mine, stream, reader) {
    var track = stream.getVideoTracks()[0];
    live = { run: mine, stream: stream, track: track, video: video(), reader: reader };
    live.video.srcObject = stream;
    play();
    offerTorch(track);
    status(say("camera_ready"));
    nextFrame(mine);
  }

  function stopStream() {
    run += 1;
    if (!live) { return; }
    stopTracks(live.stream);
    live.video.srcObject = null;
    live = null;
  }

  function stopTracks(stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }

  // Said in words, and the camera stays off until the operator presses the button again.
  function refuse(key) {
    stopStream();
    wanted = false; remember(false);
    pressed(false);
    video().hidden = true;
    status(say(key));
  }

  function refusal(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") { return "camera_blocked"; }
    if (name === "NotFoundError" || name === "OverconstrainedError") { return "camera_missing"; }
    if (name === "NotReadableError" || name === "AbortError") { return "camera_busy"; }
    return "camera_failed";
  }

  // The screen's camera view, after an answer replaced the scan form: the live one, kept by
  // htmx, or else moved in here. False when this screen has nothing to scan into (a
  // finished receipt): the stream stops.
  function adopt() {
    var fresh = document.querySelector("[data-camera-view]");
    if (!fresh) { stopStream(); panel = null; return false; }
    if (live && panel && fresh !== panel) {
      fresh.replaceWith(panel);
      play();  // a video taken out of the page may have paused
    } else {
      panel = fresh;
    }
    panel.hidden = !wanted && !status();
    pressed(wanted);
    return true;
  }

  document.addEventListener("htmx:afterSwap", function () {
    if (!wanted) { return; }
    if (adopt() && !live) { start(); }
    setTimeout(play, 0);  // after the browser's own pause of a video that left the page, if any
  });

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { stopStream(); }
    else if (wanted && !live && adopt()) { start(); }
  });
  window.addEventListener("pagehide", stopStream);

  // --- Reading frames --------------------------------------------------------------------

  function nextFrame(mine) {
    if (!live || live.run !== mine) { return; }
    var v = live.video;
    if (v.requestVideoFrameCallback) { v.requestVideoFrameCallback(function () { readFrame(mine); }); }
    else { setTimeout(function () { readFrame(mine); }, 50); }  // about every other frame at 30 fps
  }

  function readFrame(mine) {
    if (!live || live.run !== mine) { return; }
    var grabbed = performance.now();
    live.reader.decode(live.video).then(function (codes) {
      var decoded = performance.now();
      if (live && live.run === mine) { codes.forEach(function (code) { take(code, grabbed, decoded); }); }
    }, function () { /* an unreadable frame: the next one */ }).then(function () { nextFrame(mine); });
  }

  // A code read: into the scan stream, unless it is the same label still in view. Times
  // are when its frame was grabbed, not when decoding ended: a slow decode must not open
  // a gap between two sightings of a label that never left the view.
  function take(code, grabbed, decoded) {
    var now = grabbed, mark = seen[code];
    if (mark && now - mark.last < SAME_READ_MS) {
      mark.last = now;
      if (now - mark.taken < HOLD_TO_COUNT_MS) { return; }
    } else {
      forgetOld(now);
      mark = seen[code] = { last: now };
    }
    mark.taken = now;
    if (!window.FloorScan || !FloorScan.enter(code)) { return; }
    status(say("camera_read", { code: printable(code) }));
    // For bench/camera.py: when the frame was grabbed and when its codes were read.
    document.dispatchEvent(new CustomEvent("floor:camera-read", { detail: { code: code, grabbed: grabbed, decoded: decoded } }));
  }

  function forgetOld(now) {
    Object.keys(seen).forEach(function (code) { if (now - seen[code].last >= SAME_READ_MS) { delete seen[code]; } });
  }

  // A GS1 code as a person reads it: no symbology identifier, separators as spaces.
  function printable(code) { return code.replace(/^\][A-Za-z]\d/, "").replace(/\x1d/g, " "); }

  // --- The readers: the browser's own, or zxing-wasm in a worker --------------------------

  function reader() {
    return nativeDetector().then(function (detector) {
      if (!detector) { return zxingWorker().then(workerReader); }
      var databar = zxingWorker().then(workerReader);
      databar.catch(function () {});  // without it, everything but DataBar still reads
      return nativeReader(detector, databar);
    });
  }

  function nativeDetector() {
    if (!window.BarcodeDetector || !BarcodeDetector.getSupportedFormats) { return Promise.resolve(null); }
    return BarcodeDetector.getSupportedFormats().then(function (supported) {
      var formats = NATIVE_FORMATS.filter(function (f) { return supported.indexOf(f) >= 0; });
      return formats.length ? new BarcodeDetector({ formats: formats }) : null;
    }).catch(function () { return null; });
  }

  function nativeReader(detector, databar) {
    var empty = 0, zxing = null;
    databar.then(function (r) { zxing = r; }, function () {});
    return {
      decode: function (v) {
        return detector.detect(v).then(function (found) {
          var codes = aimedAt(found.filter(function (f) { return f.rawValue; }), v);
          if (codes.length || !zxing || ++empty % DATABAR_EVERY) { return codes; }
          return zxing.decode(v, ["DataBar"]);
        }, function () { return zxing ? zxing.decode(v) : []; });  // the detector failed: zxing reads it all
      }
    };
  }

  // One code per frame, as a scanner reads the one it is aimed at (two codes on one pack
  // would count it twice): the one nearest the middle of the picture. The worker does the
  // same for zxing, preferring a GS1 code there; BarcodeDetector does not say which is GS1.
  function aimedAt(found, v) {
    var offCentre = function (f) {
      var box = f.boundingBox, x = box.x + box.width / 2 - v.videoWidth / 2, y = box.y + box.height / 2 - v.videoHeight / 2;
      return x * x + y * y;
    };
    var best = found.reduce(function (a, f) { return a && offCentre(a) <= offCentre(f) ? a : f; }, null);
    return best ? [best.rawValue] : [];
  }

  function zxingWorker() {
    worker = worker || new Promise(function (resolve, reject) {
      var w = new Worker(panel.getAttribute("data-camera-worker"));
      w.onmessage = function (event) {
        if (event.data.type === "ready") { resolve(w); } else if (event.data.type === "failed") { reject(new Error(event.data.error)); }
      };
      w.onerror = function (error) { reject(error); };
      w.postMessage({ type: "load", script: absolute(panel.getAttribute("data-zxing-script")),
                      wasm: absolute(panel.getAttribute("data-zxing-wasm")) });
    });
    worker.catch(function () { worker = null; });  // the next press tries again
    return worker;
  }

  // One frame at a time to the worker: its RGBA pixels, handed over without a copy.
  function workerReader(w) {
    var pending = null, asked = 0;
    w.onmessage = function (event) {
      if (pending && event.data.type === "codes" && event.data.id === pending.id) {
        var answer = pending; pending = null; answer.resolve(event.data.codes);
      }
    };
    w.onerror = function () { if (pending) { var answer = pending; pending = null; answer.resolve([]); } };
    return {
      decode: function (v, formats) {
        var image = grab(v);
        if (!image) { return Promise.resolve([]); }
        return new Promise(function (resolve) {
          pending = { id: ++asked, resolve: resolve };
          w.postMessage({ type: "frame", id: asked, width: image.width, height: image.height,
                          buffer: image.data.buffer, formats: formats }, [image.data.buffer]);
        });
      }
    };
  }

  function grab(v) {
    var width = v.videoWidth, height = v.videoHeight;
    if (!width || !height) { return null; }
    if (!canvas) {
      canvas = document.createElement("canvas");
      context = canvas.getContext("2d", { willReadFrequently: true });  // read back every frame
    }
    if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height; }
    context.drawImage(v, 0, 0, width, height);
    return context.getImageData(0, 0, width, height);
  }

  // --- The panel -------------------------------------------------------------------------

  function video() { return panel.querySelector("[data-camera-video]"); }

  function play() {
    var p = live && live.video.play();
    if (p && p.catch) { p.catch(function () { /* muted video: plays when allowed */ }); }
  }

  // With a text: show it in the status line (the panel too). Without: the current text.
  function status(text) {
    var line = panel && panel.querySelector("[data-camera-status]");
    if (!line) { return ""; }
    if (text === undefined) { return line.textContent; }
    line.textContent = text;
    if (text) { panel.hidden = false; }
    return text;
  }

  function pressed(on) {
    document.querySelectorAll("[data-camera-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  function offerTorch(track) {
    var button = panel.querySelector("[data-camera-torch]");
    var capabilities = track && track.getCapabilities ? track.getCapabilities() : {};
    button.hidden = !capabilities.torch;
    button.setAttribute("aria-pressed", "false");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-camera-torch]");
    if (!button || !live) { return; }
    var on = button.getAttribute("aria-pressed") !== "true";
    live.track.applyConstraints({ advanced: [{ torch: on }] }).then(function () {
      button.setAttribute("aria-pressed", on ? "true" : "false");
    }, function () { button.hidden = true; });
  });

  function remember(on) {
    try { sessionStorage.setItem(CAMERA_ON, on ? "1" : "0"); } catch (e) { /* private mode: this screen only */ }
  }

  function absolute(url) { return new URL(url, location.href).href; }

  window.FloorCamera = { toggle: toggle, open: open, close: close };
})();
