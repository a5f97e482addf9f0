// The camera's barcode decoder, in a worker (started by static/camera.js when the operator
// opens the camera). Decoding a 720p frame takes tens of milliseconds: here it never holds
// up the page's own work of sending scans and drawing their answers.
//
// zxing-wasm's reader is served by the app from node_modules (warehouse/web/assets.py),
// never from the CDN it would use by default: locateFile points it at our copy. Compiling
// WebAssembly needs 'wasm-unsafe-eval', which only this script's own policy allows
// (warehouse/web/headers.py, DECODER_POLICY): the pages themselves cannot compile any.
//
// Messages: {type: "load", script, wasm} -> {type: "ready"} or {type: "failed"};
// {type: "frame", id, width, height, buffer (RGBA), formats?} -> {type: "codes", id, codes, ms}:
// every code read in the frame, the one aimed at first (static/camera.js takes that one,
// and the others tell it whether the code it took last is still in view).
"use strict";

// What the floor's labels carry: EAN/UPC, Code 128 (GS1-128 too), GS1 DataBar, QR and
// Data Matrix (GS1 DataMatrix on pharma packs). Fewer formats, less work per frame.
var FORMATS = ["EANUPC", "Code128", "DataBar", "QRCode", "DataMatrix"];
// Symbology identifiers the scan resolver reads as GS1 (warehouse/catalog/scan.py).
var GS1_IDS = ["]C1", "]e0", "]d2", "]Q3", "]J1"];

var loading = null;

self.onmessage = function (event) {
  var message = event.data || {};
  if (message.type === "load") {
    loading = loading || load(message.script, message.wasm);
    loading.then(function () { postMessage({ type: "ready" }); },
                 function (error) { postMessage({ type: "failed", error: String(error) }); });
  } else if (message.type === "frame") {
    decode(message);
  }
};

function load(script, wasm) {
  try {
    importScripts(script);
    return ZXingWASM.prepareZXingModule({
      overrides: { locateFile: function (path, prefix) { return /\.wasm$/.test(path) ? wasm : prefix + path; } },
      fireImmediately: true
    });
  } catch (error) {
    return Promise.reject(error);
  }
}

function decode(frame) {
  var started = performance.now();
  var image = { data: new Uint8ClampedArray(frame.buffer), width: frame.width, height: frame.height };
  ZXingWASM.readBarcodes(image, {
    formats: frame.formats || FORMATS,
    textMode: "Plain",    // the data as encoded, FNC1 separators as GS (0x1d)
    tryInvert: false,     // printed labels are dark on light; half the work without it
    maxNumberOfSymbols: 4
  }).then(function (results) {
    var codes = aimedFirst(results.filter(function (r) { return r.isValid && r.text; }), frame).map(scanned);
    postMessage({ type: "codes", id: frame.id, codes: codes, ms: performance.now() - started });
  }, function (error) {
    postMessage({ type: "codes", id: frame.id, codes: [], ms: performance.now() - started, error: String(error) });
  });
}

// The codes in the order a scanner would pick them: a pack may carry an EAN-13 and a GS1
// DataMatrix of the same item, and the GS1 one comes first (it has the lot and expiry too);
// then the one nearest the middle of the picture, the one aimed at.
function aimedFirst(results, frame) {
  return results.slice().sort(function (a, b) {
    var gs1 = (b.contentType === "GS1") - (a.contentType === "GS1");
    return gs1 || offCentre(a, frame) - offCentre(b, frame);
  });
}

function offCentre(result, frame) {
  var p = result.position;
  var x = (p.topLeft.x + p.topRight.x + p.bottomLeft.x + p.bottomRight.x) / 4 - frame.width / 2;
  var y = (p.topLeft.y + p.topRight.y + p.bottomLeft.y + p.bottomRight.y) / 4 - frame.height / 2;
  return x * x + y * y;
}

// What a wedge scanner set up for GS1 sends: the symbology identifier ("]C1" for GS1-128),
// then the data with GS where the label has an FNC1 separator. Other codes as encoded.
function scanned(result) {
  var id = result.symbologyIdentifier || "";
  return result.contentType === "GS1" && GS1_IDS.indexOf(id) >= 0 ? id + result.text : result.text;
}
