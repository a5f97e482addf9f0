// The scan loop shared by every floor screen (see DESIGN.md "Scanner screens").
//
// A keyboard-wedge scanner types a code fast and presses Enter, and may fire the next scan
// before the last answer is back. htmx's own form submit reads the input when the request
// fires, so queued scans get glued together. Instead, on Enter we read the value, clear
// the input at once and send one request per scan carrying that value. Answers may come
// back out of order: a region marked data-seq is never replaced by an older answer.
(function () {
  "use strict";
  var SCAN_GAP_MS = 50;  // keys closer than this are a scanner, not a person
  var buffer = "", lastKey = 0;

  function scanInput() { return document.querySelector("input[data-scan]"); }

  function submitScan(input, value) {
    var form = input.form;
    if (!value) { return; }
    if (!window.htmx || !form.hasAttribute("data-scan-form")) {  // scripts half-loaded: plain post
      input.value = value; form.submit(); return;
    }
    input.value = "";
    var values = { scan: value };
    // A fresh key per scan: a retried request is recognised by the server, a second scan is not.
    values.scan_id = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
    htmx.ajax("POST", form.getAttribute("action"), {
      source: form, target: form.getAttribute("hx-target") || "#step", swap: "outerHTML", values: values
    });
  }

  document.addEventListener("keydown", function (event) {
    var input = scanInput();
    if (!input) { return; }
    var now = Date.now();
    if (event.target === input) {
      if (event.key === "Enter") { event.preventDefault(); submitScan(input, input.value.trim()); }
      return;
    }
    // Focus is elsewhere (a button, the page). A burst of fast keys ending in Enter or Tab
    // is a scan: catch it and send it through the scan input. Other fields keep their typing.
    var t = event.target;
    var typingElsewhere = t && (t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
      (t.tagName === "INPUT" && !/^(button|submit|checkbox|radio)$/.test(t.type)));
    if (typingElsewhere) { return; }
    if (now - lastKey > SCAN_GAP_MS * 4) { buffer = ""; }
    lastKey = now;
    if (event.key === "Enter" || event.key === "Tab") {
      if (buffer.length >= 2) { event.preventDefault(); submitScan(input, buffer); input.focus(); }
      buffer = "";
    } else if (event.key.length === 1) {
      event.preventDefault();
      buffer += event.key;
    }
  }, true);

  // Never let an older answer replace a newer one of the same thing (data-seq-of names it,
  // e.g. one receipt; data-seq is its version).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var current = document.querySelector("[data-seq]");
    var match = /data-seq-of="([^"]*)" data-seq="(\d+)"/.exec(event.detail.serverResponse || "");
    if (current && match && current.getAttribute("data-seq-of") === match[1] &&
        Number(match[2]) < Number(current.getAttribute("data-seq"))) {
      event.detail.shouldSwap = false;
    }
  });

  // A swap replaces the scan input. Characters of the next scan typed into the old input
  // while this answer was on its way must survive, and focus must move to the new input at
  // once (autofocus does not apply to swapped-in content).
  var carry = "";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var input = scanInput();
    carry = (event.detail.shouldSwap && input) ? input.value : "";
  });
  document.addEventListener("htmx:afterSwap", function () {
    var input = scanInput();
    if (input && carry) { input.value = carry + input.value; }
    carry = "";
    focusScan();
  });
  document.addEventListener("htmx:afterSettle", function () { feedback(); focusScan(); });
  document.addEventListener("DOMContentLoaded", function () { focusScan(); feedback(); });

  function focusScan() {
    var input = scanInput();
    if (input) { input.focus(); }
  }

  // Sound and vibration: success, warning and error feel different with gloves and noise.
  var audio = null;
  function beep(freq, ms, at) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = freq; osc.connect(gain); gain.connect(audio.destination);
      var start = audio.currentTime + (at || 0);
      gain.gain.setValueAtTime(0.2, start);
      osc.start(start); osc.stop(start + ms / 1000);
    } catch (e) { /* no audio: the colours and text still say it */ }
  }
  function feedback() {
    var outcome = document.querySelector("[data-outcome][data-result]");
    if (!outcome || outcome.dataset.played) { return; }
    outcome.dataset.played = "1";
    var result = outcome.getAttribute("data-result");
    document.body.setAttribute("data-last-result", result);
    if (result === "ok") { beep(1320, 90); vibrate(40); }
    else if (result === "warn") { beep(880, 90); beep(880, 90, 0.15); vibrate([60, 60, 60]); }
    else if (result === "error") { beep(220, 400); vibrate([200, 100, 200]); }
  }
  function vibrate(pattern) { if (navigator.vibrate) { try { navigator.vibrate(pattern); } catch (e) {} } }

  // Phones without a scanner: show the soft keyboard on request.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-keyboard-toggle]");
    if (!toggle) { return; }
    var input = scanInput();
    var typing = input.getAttribute("inputmode") !== "none";
    input.setAttribute("inputmode", typing ? "none" : "text");
    toggle.setAttribute("aria-pressed", typing ? "false" : "true");
    input.blur(); input.focus();
  });
})();
