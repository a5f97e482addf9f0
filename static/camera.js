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
// - One code per trigger, as a wedge scanner reads: once a code is taken, any other code
//   waits until the taken one has been out of view for SWITCH_MS. A pack with an EAN-13
//   and a GS1 DataMatrix (read in turns, one frame each), or a case label beside a unit's
//   EAN, is counted once; moving on to the next label (the GS1 label with the lot, after
//   the EAN) takes it as soon as the first is out of view.
// - Hold to count: an item's code (EAN/UPC, GS1 with a GTIN) kept in view and aimed at
//   is taken again every HOLD_TO_COUNT_MS, with a tone each time. Longer than the second
//   a glance takes, so aiming and looking never counts twice. Never a bin, slip or PO
//   label: sent again, those would move the screen on or say "not an item".
// - A scan that opens another page (a slip, a PO label, an item's put-away) reloads the
//   page and this script with it: the codes last taken, and when they were last seen, are
//   kept in sessionStorage beside the "camera on" flag. On the next page those still in
//   view are not taken again until they have been out of view for SAME_READ_MS.
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
  var SWITCH_MS = 400;
  var HOLD_TO_COUNT_MS = 1500;
  // Codes taken on the last page count as still in view on the next only if that page
  // followed within this time: a page load on a slow aisle Wi-Fi, not a later visit.
  var CARRY_MS = 10000;
  var CONSTRAINTS = {  // the rear camera; 720p reads small barcodes at arm's length
    audio: false,
    video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } }
  };
  // BarcodeDetector's names for what the floor's labels carry. It has no GS1 DataBar:
  // where it is used, zxing looks for DataBar on every DATABAR_EVERY-th frame it reads empty.
  var NATIVE_FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "qr_code", "data_matrix"];
  var DATABAR_EVERY = 3;
  var CAMERA_ON = "floor-camera";  // sessionStorage, as scan.js reads it on the next screen
  var CAMERA_SEEN = "floor-camera-seen";  // sessionStorage: the codes taken, for the next page
  var GS = "\x1d";
  // The GS1 elements of a fixed length (their AI included), by the AI's first two digits;
  // the others end at a GS. Enough to walk a label's data to its (01) GTIN.
  var GS1_FIXED = { "00": 20, "01": 16, "02": 16, "03": 16, "04": 18, "11": 8, "12": 8, "13": 8, "14": 8,
                    "15": 8, "16": 8, "17": 8, "18": 8, "19": 8, "20": 4, "31": 10, "32": 10, "33": 10,
                    "34": 10, "35": 10, "36": 10, "41": 16 };
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
  var worker = null;   // a promise of the zxing worker, loaded once per opening
  var decoder = null;  // that worker, ended when the camera is closed
  var loading = null;  // {resolve, reject} of `worker` until the worker says it is ready
  var asked = 0;       // frame ids, counted over the page's life: an answer is only ever its own frame's
  var answers = {};    // frame id -> resolve, until the worker answers (or is ended)
  var recent = {};     // code taken -> when it was last seen (its frame's time)
  var held = null;     // the code taken last, {code, taken}: the trigger still pulled on it
  var carried = recall();  // codes taken on the last page, in view until a frame here says not
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
    wanted = false; remember(false); forget();
    stopStream(); endWorker();
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
    stopStream(); endWorker();
    wanted = false; remember(false); forget();
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
  window.addEventListener("pagehide", function () { stopStream(); keep(); });

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
      if (live && live.run === mine) { look(codes, grabbed, decoded); }
    }, function () { /* an unreadable frame: the next one */ }).then(function () { nextFrame(mine); });
  }

  // What a frame shows (every code read, the one aimed at first), as a wedge scanner's
  // trigger would take it: see the rules at the top. Times are when the frame was grabbed,
  // not when decoding ended: a slow decode must not open a gap between two sightings of a
  // label that never left the view.
  function look(codes, grabbed, decoded) {
    var now = grabbed;
    if (carried) { carryOver(now); }
    var inView = codes.filter(function (code) { return now - recent[code] < SAME_READ_MS; });
    inView.forEach(function (code) { recent[code] = now; });
    forgetOld(now);
    if (held && inView.indexOf(held.code) >= 0) {
      // Still the same trigger pull; an item aimed at all along counts again (hold to count).
      if (codes[0] === held.code && now - held.taken >= HOLD_TO_COUNT_MS && countsWhenHeld(held.code)) {
        take(held.code, grabbed, decoded);
      }
      return;
    }
    if (held && now - recent[held.code] < SWITCH_MS) { return; }  // only just out of view
    var fresh = codes.filter(function (code) { return inView.indexOf(code) < 0; })[0];
    if (fresh) { take(fresh, grabbed, decoded); }
  }

  // A code into the scan stream, as the one now held.
  function take(code, grabbed, decoded) {
    recent[code] = grabbed;
    held = { code: code, taken: grabbed };
    keep();
    if (!window.FloorScan || !FloorScan.enter(code)) { return; }
    status(say("camera_read", { code: printable(code) }));
    // For bench/camera.py: when the frame was grabbed and when its codes were read.
    document.dispatchEvent(new CustomEvent("floor:camera-read", { detail: { code: code, grabbed: grabbed, decoded: decoded } }));
  }

  function forgetOld(now) {
    Object.keys(recent).forEach(function (code) { if (now - recent[code] >= SAME_READ_MS) { delete recent[code]; } });
    if (held && !(held.code in recent)) { held = null; }
  }

  // Counted again when held in view: an item's code. A bin, a slip (TR-, CNT-) or a PO
  // label sent twice would move the screen on, or be refused, instead of counting.
  function countsWhenHeld(code) {
    if (/^\d+$/.test(code)) { return [8, 12, 13, 14].indexOf(code.length) >= 0 && gtinChecks(code); }
    var gs1 = /^\](C1|e0|d2|Q3|J1)/.test(code) ? code.slice(3) : code;  // BarcodeDetector gives no identifier
    return /^\d\d/.test(gs1) && hasGtin(gs1);
  }

  // EAN/UPC/GTIN-14: the last digit checks the others (weights 3, 1, ... from the right).
  function gtinChecks(digits) {
    var sum = 0;
    for (var i = digits.length - 2, weight = 3; i >= 0; i -= 1, weight = 4 - weight) { sum += weight * Number(digits[i]); }
    return (10 - sum % 10) % 10 === Number(digits[digits.length - 1]);
  }

  // Whether GS1 data (no identifier) has a (01) GTIN: the elements walked one by one.
  function hasGtin(data) {
    var at = 0;
    while (at < data.length) {
      var ai = data.substr(at, 2);
      if (ai === "01") { return /^\d{14}/.test(data.substr(at + 2)); }
      if (GS1_FIXED[ai]) {
        at += GS1_FIXED[ai];
        if (data.charAt(at) === GS) { at += 1; }
      } else {
        var end = data.indexOf(GS, at);
        if (end < 0) { return false; }
        at = end + 1;
      }
    }
    return false;
  }

  // --- Across pages: what was taken, for the next page ------------------------------------

  // The codes taken (seen less than SAME_READ_MS ago) and the one held, with epoch times,
  // as performance.now() starts again on every page.
  function keep() {
    var seen = {};
    Object.keys(recent).forEach(function (code) { seen[code] = performance.timeOrigin + recent[code]; });
    try { sessionStorage.setItem(CAMERA_SEEN, JSON.stringify({ seen: seen, held: held && held.code })); } catch (e) { /* private mode */ }
  }

  function forget() {
    recent = {}; held = null; carried = null;
    try { sessionStorage.removeItem(CAMERA_SEEN); } catch (e) { /* private mode */ }
  }

  // On loading: the codes the last page took, if it was left moments ago.
  function recall() {
    var kept = null, now = performance.timeOrigin + performance.now();
    try { kept = JSON.parse(sessionStorage.getItem(CAMERA_SEEN) || "null"); } catch (e) { /* none */ }
    if (!kept || !kept.seen) { return null; }
    var codes = Object.keys(kept.seen).filter(function (code) { return now - kept.seen[code] < CARRY_MS; });
    return codes.length ? { codes: codes, held: codes.indexOf(kept.held) >= 0 ? kept.held : null } : null;
  }

  // At this page's first frame: the last page's codes count as seen now, so one still in
  // front of the camera is the same label, taken again only after SAME_READ_MS out of view.
  // The one held does not count again when held: it opened this page, it counted nothing.
  function carryOver(now) {
    carried.codes.forEach(function (code) { recent[code] = now; });
    if (carried.held) { held = { code: carried.held, taken: Infinity }; }
    carried = null;
  }

  // A GS1 code as a person reads it: no symbology identifier, separators as spaces.
  function printable(code) { return code.replace(/^\][A-Za-z]\d/, "").replace(/\x1d/g, " "); }

  // --- The readers: the browser's own, or zxing-wasm in a worker --------------------------

  function reader() {
    return nativeDetector().then(function (detector) {
      if (!detector) { return zxingWorker().then(function () { return zxingReader; }); }
      var databar = zxingWorker().then(function () { return zxingReader; });
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
          var codes = aimedFirst(found.filter(function (f) { return f.rawValue; }), v);
          if (codes.length || !zxing || ++empty % DATABAR_EVERY) { return codes; }
          return zxing.decode(v, ["DataBar"]);
        }, function () { return zxing ? zxing.decode(v) : []; });  // the detector failed: zxing reads it all
      }
    };
  }

  // Every code in the frame, the one aimed at (nearest the middle of the picture) first: it
  // is the one taken, as a scanner reads the one it is aimed at; the others still tell
  // whether the code last taken is in view (look()). The worker orders zxing's the same
  // way, a GS1 code first there; BarcodeDetector does not say which is GS1.
  function aimedFirst(found, v) {
    var offCentre = function (f) {
      var box = f.boundingBox, x = box.x + box.width / 2 - v.videoWidth / 2, y = box.y + box.height / 2 - v.videoHeight / 2;
      return x * x + y * y;
    };
    return found.slice().sort(function (a, b) { return offCentre(a) - offCentre(b); })
      .map(function (f) { return f.rawValue; })
      .filter(function (code, i, codes) { return codes.indexOf(code) === i; });
  }

  // The zxing worker, started when the camera is opened and ended when it is closed. One
  // handler and one count of frame ids for the page's life: an answer still on its way
  // from an earlier opening can only ever settle its own frame, never a newer one.
  function zxingWorker() {
    if (worker) { return worker; }
    worker = new Promise(function (resolve, reject) {
      loading = { resolve: resolve, reject: reject };
      decoder = new Worker(panel.getAttribute("data-camera-worker"));
      decoder.onmessage = fromWorker;
      decoder.onerror = workerFailed;
      decoder.postMessage({ type: "load", script: absolute(panel.getAttribute("data-zxing-script")),
                            wasm: absolute(panel.getAttribute("data-zxing-wasm")) });
    });
    var mine = worker;
    worker.catch(function () { if (worker === mine) { endWorker(); } });  // the next press tries again
    return worker;
  }

  function fromWorker(event) {
    var data = event.data || {};
    if (data.type === "codes") { settle(data.id, data.codes); return; }
    if (!loading) { return; }
    if (data.type === "ready") { loading.resolve(); loading = null; }
    else if (data.type === "failed") { loading.reject(new Error(data.error)); loading = null; }
  }

  // The worker's script did not load, or it broke: nothing it was asked is left waiting.
  function workerFailed(error) {
    if (loading) { loading.reject(error); loading = null; }
    settleAll();
  }

  function settle(id, codes) {
    var answer = answers[id];
    if (answer) { delete answers[id]; answer(codes || []); }
  }

  function settleAll() { Object.keys(answers).forEach(function (id) { settle(id, []); }); }

  function endWorker() {
    if (decoder) { decoder.terminate(); decoder = null; }
    worker = null;
    if (loading) { loading.reject(new Error("closed")); loading = null; }
    settleAll();
  }

  // One frame at a time to the worker: its RGBA pixels, handed over without a copy.
  var zxingReader = {
    decode: function (v, formats) {
      var image = decoder && grab(v);
      if (!image) { return Promise.resolve([]); }
      var id = ++asked;
      return new Promise(function (resolve) {
        answers[id] = resolve;
        decoder.postMessage({ type: "frame", id: id, width: image.width, height: image.height,
                              buffer: image.data.buffer, formats: formats }, [image.data.buffer]);
      });
    }
  };

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
