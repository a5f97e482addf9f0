// The scan loop shared by every floor screen (docs/architecture.md, "The life of a scan").
//
// A keyboard-wedge scanner types a code fast and presses Enter, and may fire the next scan
// before the last answer is back. htmx's own form submit reads the input when the request
// fires, so queued scans get glued together. Instead, on Enter we read the value, clear
// the input at once and send one request per scan carrying that value. Answers may come
// back out of order: a region marked data-seq is never replaced by an older answer.
(function () {
  "use strict";
  var SCAN_GAP_MS = 50;  // keys closer than this are a scanner, not a person
  var lastKey = 0;

  function scanInput() { return document.querySelector("input[data-scan]"); }

  function submitScan(input, value) {
    var form = input.form;
    if (!value) { return; }
    if (!window.htmx || !window.fetch || !form.hasAttribute("data-scan-form")) {  // plain post
      input.value = value; form.submit(); return;
    }
    // The form as it is now (its hidden fields say what this scan answers), with this value.
    var data = new FormData(form);
    data.set("scan", value);
    data.set("scan_id", (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random());
    input.value = "";
    inFlight(+1);
    send(form, data, value, 1);
  }

  // fetch, not htmx.ajax: htmx keeps one request per element in flight and would queue
  // (and drop) scans that arrive while the server is still answering the previous one.
  // A lost answer is retried once with the same scan_id, which the server counts once.
  function send(form, data, value, retries) {
    fetch(form.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Current-URL": location.href }
    }).then(function (response) {
      var redirect = response.headers.get("HX-Redirect");
      if (redirect) { location.href = redirect; return null; }
      var pushUrl = response.headers.get("HX-Push-Url");
      return response.text().then(function (html) {
        if (response.status >= 500 || !html) { showProblem("Server problem: scan " + value + " again."); return; }
        applyAnswer(form, html, pushUrl);
      });
    }, function () {
      if (retries > 0) { inFlight(+1); setTimeout(function () { send(form, data, value, retries - 1); }, 1000); return; }
      showProblem("No connection: scan " + value + " again when the Wi-Fi is back.");
    }).then(function () { inFlight(-1); });
  }

  // Finishing while scans are still on their way would close the receipt under them.
  document.addEventListener("submit", function (event) {
    if (pending > 0 && event.target.hasAttribute("data-wait-for-scans")) {
      event.preventDefault();
      event.stopPropagation();
      showProblem("Wait a moment: " + pending + " scan(s) still on their way. Then press again.");
    }
  }, true);

  // How many scans are on their way (shown as data-scans-in-flight on <body>, for tests
  // and for a "busy" style).
  var pending = 0;
  function inFlight(change) {
    pending += change;
    document.body.setAttribute("data-scans-in-flight", String(pending));
  }

  function applyAnswer(form, html, pushUrl) {
    var target = document.querySelector(form.getAttribute("hx-target") || "#step");
    if (!target || isStale(target, html)) { return; }
    var carry = scanInput() ? scanInput().value : "";  // the next scan, typed meanwhile
    htmx.swap(target, html, { swapStyle: "outerHTML", swapDelay: 0, settleDelay: 0 }, {
      afterSwapCallback: function () {
        var input = scanInput();
        if (input && carry) { input.value = carry + input.value; }
        focusScan();
        if (pushUrl && pushUrl !== "false") { history.pushState({}, "", pushUrl); }
      }
    });
  }

  // Never let an older answer replace a newer one of the same thing (data-seq-of names it,
  // e.g. one receipt; data-seq is its version).
  function isStale(current, html) {
    var match = /data-seq-of="([^"]*)" data-seq="(\d+)"/.exec(html);
    return Boolean(match && current.getAttribute("data-seq-of") === match[1] &&
                   Number(match[2]) < Number(current.getAttribute("data-seq")));
  }

  function showProblem(message) {
    var outcome = document.querySelector("[data-outcome]");
    if (outcome) { outcome.textContent = message; outcome.setAttribute("data-result", "error"); delete outcome.dataset.played; feedback(); }
    focusScan();
  }

  document.addEventListener("keydown", function (event) {
    var input = scanInput();
    if (!input) { return; }
    var now = Date.now(), fast = now - lastKey < SCAN_GAP_MS;
    lastKey = now;
    if (event.target === input) {
      // Enter ends a scan; so does Tab right after fast keys (scanners set to send Tab).
      if (event.key === "Enter" || (event.key === "Tab" && fast && input.value)) {
        event.preventDefault();
        submitScan(input, input.value.trim());
      }
      return;
    }
    // Focus is elsewhere (a button, the page). Other text fields keep their typing; any
    // other key goes to the scan input, so a scan fired now still lands there.
    var t = event.target;
    var typingElsewhere = t && (t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
      (t.tagName === "INPUT" && !/^(button|submit|checkbox|radio|hidden)$/.test(t.type)));
    if (typingElsewhere || event.ctrlKey || event.altKey || event.metaKey) { return; }
    if (event.key.length === 1) {
      event.preventDefault();
      input.value += event.key;
      input.focus();
    } else if ((event.key === "Enter" || event.key === "Tab") && fast && input.value) {
      event.preventDefault();  // the end of a scan that began elsewhere: not a button press
      submitScan(input, input.value.trim());
    }
  }, true);

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
