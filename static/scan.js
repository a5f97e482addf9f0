// The scan stream shared by every floor screen (docs/architecture.md, "The scan stream on
// the handheld").
//
// A keyboard-wedge scanner types a code fast and presses Enter, and may fire the next scan
// before the last answer is back; the Wi-Fi drops in aisles and freezers. So on Enter the
// value is read, the input cleared at once, and the scan stored on the device (IndexedDB,
// static/scan-queue.js) with an id and a sequence number. Scans then leave one at a time,
// in order: the next only when the previous is answered, because what a scan means
// ("4" after an item is that item's count) depends on the scans before it. A scan that
// cannot be sent stays first in line and is tried again; nothing is dropped.
(function () {
  "use strict";
  var SCAN_GAP_MS = 50;  // keys closer than this are a scanner, not a person
  var BACKOFF_MS = [1000, 2000, 5000, 10000];  // then every 10 s, and at once when online

  var body = document.body;
  var operator = body.getAttribute("data-operator") || null;  // the signed-in user's id
  var stored = { mine: 0, others: 0 };  // this operator's unanswered scans, and others'
  var sending = false;       // a scan is out, or the next is being read from the queue
  var stalled = null;        // null, "offline", "retrying" or "signin"
  var retryTimer = null, failures = 0;
  var storing = 0;           // scans entered whose write to the queue has not finished
  var entered = 0;           // scans entered on this page
  var liveIds = {};          // scans entered on this page while the line was up
  var errors = [];           // answers with an error that the operator did not see live
  var errorToneDue = true;   // the error tone sounds once per drain, not per listed error
  var freshToken = null;     // a CSRF token fetched after the page's own was refused

  // --- Words -------------------------------------------------------------------------
  // What this script (and static/camera.js) writes on screen, in the page's language:
  // templates/partials/_js_words.html gives the texts; the English stays as a fallback.

  var WORDS = readWords();

  function readWords() {
    try { return JSON.parse(document.getElementById("js-words").textContent) || {}; } catch (e) { return {}; }
  }

  // say("camera_read", "Read %(code)s.", {code: "A-01"}): the text for `key`, values filled in.
  function say(key, english, values) {
    return fill(typeof WORDS[key] === "string" ? WORDS[key] : english, values);
  }

  // A counted text: the page gives each as said for 1, 2 and 5; the language's plural rule
  // says which of those `n` is said like (Polish: 1, 2-4 and 22-24, 5-21...).
  function sayCounted(key, n, one, other) {
    var said = { one: 0, two: 1, few: 1, many: 2, other: 2 }, category = n === 1 ? "one" : "other";
    try { category = new Intl.PluralRules(document.documentElement.lang || "en").select(n); } catch (e) {}
    var forms = WORDS.counted && WORDS.counted[said[category]];
    var text = forms && typeof forms[key] === "string" ? forms[key] : (n === 1 ? one : other);
    return fill(text, { num: n });
  }

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function scanInput() { return document.querySelector("input[data-scan]"); }
  function scanForm() { var input = scanInput(); return input && input.form; }

  // --- Entering a scan -------------------------------------------------------------

  function submitScan(input, value) {
    var form = input.form;
    if (!value) { return; }
    if (!window.ScanQueue || !window.fetch || !window.htmx || !operator || !form.hasAttribute("data-scan-form")) {
      input.value = value; form.submit(); return;  // plain post, as without scripts
    }
    input.value = "";
    var scan = {
      scan_id: newScanId(), operator: operator, action: form.action, value: value,
      fields: typedFields(form), queued_at: Date.now()
    };
    if (!stalled && navigator.onLine) { liveIds[scan.scan_id] = true; }
    entered += 1; storing += 1; stored.mine += 1; render();
    ScanQueue.add(scan).then(function () { storing -= 1; pump(); }, function () {
      storing -= 1; stored.mine -= 1; render();
      showProblem(say("scan_not_kept", "This device could not keep scan %(code)s: scan it again.", { code: value }));
    });
  }

  function newScanId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // What the operator typed beside the scan (a Qty field, a reason), kept with the scan.
  // Hidden fields are not: the server holds what the screen waits for.
  function typedFields(form) {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && !el.disabled && el.type !== "hidden" && !el.hasAttribute("data-scan") &&
          !/^(button|submit|reset)$/.test(el.type)) { fields[el.name] = el.value; }
    });
    return fields;
  }

  // --- Sending, one at a time --------------------------------------------------------

  function pump() {
    if (sending || retryTimer || !operator || stalled === "signin" || stalled === "leaving") { return; }
    if (!navigator.onLine) { stall("offline"); return; }
    sending = true; stalled = null; showSending();
    next();
  }

  function next() {
    ScanQueue.head(operator).then(function (scan) {
      if (!scan) { idle(); return; }
      send(scan, false);
    }, function () { idle(); });
  }

  function idle() {
    sending = false; showSending();
    if (storing > 0) { return; }  // its write finishing calls pump() again
    errorToneDue = true; liveIds = {};
    var seen = entered;  // count again: another tab may have sent or added some
    ScanQueue.counts(operator).then(function (found) {
      if (seen === entered && !sending) { stored = found; render(); }
    });
  }

  function send(scan, tokenRenewed) {
    fetch(scan.action, {
      method: "POST", body: requestBody(scan), credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Current-URL": location.href }
    }).then(function (response) {
      return response.text().then(function (html) { judge(scan, response, html, tokenRenewed); });
    }).catch(function () { retryLater(); });
  }

  function requestBody(scan) {
    var data = new FormData();
    data.set("csrf_token", csrfToken());
    data.set("scan", scan.value);
    data.set("scan_id", scan.scan_id);
    data.set("seq", String(scan.seq));
    data.set("operator", scan.operator);
    Object.keys(scan.fields || {}).forEach(function (name) { data.set(name, scan.fields[name]); });
    return data;
  }

  // What the answer means for the queue (the protocol with web/floor/stream.py).
  function judge(scan, response, html, tokenRenewed) {
    var redirect = response.headers.get("HX-Redirect");
    if (response.status === 401 || response.status === 403 || isSignIn(redirect) ||
        (response.redirected && isSignIn(response.url))) {
      stall("signin"); return;  // kept: sent once the operator signs in
    }
    if (response.status === 0 || response.status >= 500) { retryLater(); return; }
    if (response.status === 400 && !hasOutcome(html) && !tokenRenewed) {
      renewToken().then(function (ok) { if (ok) { send(scan, true); } }, retryLater);
      return;  // a refused CSRF token: fetch the page for a fresh one, try once more
    }
    failures = 0;
    if (redirect) {  // a scanned slip opens its screen; the rest of the queue follows there
      stalled = "leaving";
      forget(scan).then(function () { location.href = redirect; });
      return;
    }
    answered(scan, response, html);
  }

  function answered(scan, response, html) {
    var outcome = readOutcome(html, response);
    var here = scanForm() && scanForm().action === scan.action;
    var waited = !liveIds[scan.scan_id];
    forget(scan).then(function () {
      // An error the operator will not see on screen (it waited in the queue, belongs to
      // another screen, or later scans are about to replace it) goes into the bar's list.
      if (outcome.result === "error" && (waited || !here || stored.mine + storing > 0)) {
        listError(scan.value, outcome.message, waited || !here);
      }
      if (!here) { return null; }
      if (!/id="step"/.test(html)) { showProblem(outcome.message); return null; }
      // Draining a queue: an answer the next queued scan of this same screen will replace
      // at once is not drawn (the last one is), which halves the device's work per scan.
      if (waited && stored.mine + storing > 0 && answerAction(html) === scan.action) { return null; }
      return applyAnswer(html, response.headers.get("HX-Push-Url"), waited);
    }).then(function (moved) {
      // The screen moved on (a PO scan opened its receipt): scans queued for the old one go
      // where the operator, waiting for each answer, would have scanned them.
      return moved ? ScanQueue.retarget(operator, moved.from, moved.to) : null;
    }).then(next, next);
  }

  // The action of the scan form an answer draws (absolute, as a form's .action reads).
  function answerAction(html) {
    var match = /<form method="post" action="([^"]*)" class="scan-form"/.exec(html);
    return match ? new URL(match[1].replace(/&amp;/g, "&"), location.href).href : null;
  }

  function forget(scan) {
    return ScanQueue.remove(scan.seq).then(function () { stored.mine -= 1; render(); });
  }

  function retryLater() {
    failures += 1; liveIds = {};  // everything queued now has waited
    stall(navigator.onLine ? "retrying" : "offline");
    var delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length) - 1];
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { retryTimer = null; stalled = null; pump(); }, delay);
  }

  function stall(why) { stalled = why; sending = false; showSending(); }

  window.addEventListener("online", function () {
    clearTimeout(retryTimer); retryTimer = null; failures = 0;
    if (stalled !== "signin" && stalled !== "leaving") { stalled = null; }
    pump();
  });
  window.addEventListener("offline", function () { if (!sending) { stall("offline"); } });

  function isSignIn(url) {
    if (!url) { return false; }
    var login = body.getAttribute("data-login-url") || "/login";
    return new URL(url, location.href).pathname === new URL(login, location.href).pathname;
  }

  function hasOutcome(html) { return /data-outcome/.test(html); }

  function readOutcome(html, response) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var el = doc.querySelector("[data-outcome][data-result]") || doc.querySelector("[data-result]");
    var result = el ? el.getAttribute("data-result") : (response.ok ? "ok" : "error");
    var message = el ? messageOf(el) : say("server_answered", "The server answered %(status)s.", { status: response.status });
    return { result: result, message: message };
  }

  // An outcome's message without the word before it ("✕ Error:"): the bar's list says it.
  function messageOf(el) {
    var copy = el.cloneNode(true);
    copy.querySelectorAll(".result-word").forEach(function (word) { word.remove(); });
    return copy.textContent.trim();
  }

  // --- The CSRF token ------------------------------------------------------------------

  function csrfToken() {
    if (freshToken) { return freshToken; }
    var field = document.querySelector("input[name=csrf_token]");
    if (field) { return field.value; }
    try { return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  // Fetch the current page for the token the session holds now. Resolves true when it has
  // one; a page that lands on the sign-in screen, or shows another operator, stalls.
  function renewToken() {
    return fetch(location.href, { credentials: "same-origin" }).then(function (response) {
      if (response.redirected && isSignIn(response.url)) { stall("signin"); return false; }
      return response.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if ((doc.body.getAttribute("data-operator") || null) !== operator) { stall("signin"); return false; }
        var field = doc.querySelector("input[name=csrf_token]");
        if (!field) { throw new Error("no token"); }
        freshToken = field.value;
        body.setAttribute("hx-headers", doc.body.getAttribute("hx-headers"));  // for htmx's buttons
        document.querySelectorAll("input[name=csrf_token]").forEach(function (f) { f.value = freshToken; });
        return true;
      });
    });
  }

  // --- Putting answers on screen -------------------------------------------------------

  // Resolves with {from, to} when the answer gave the scan input another form action.
  function applyAnswer(html, pushUrl, quiet) {
    var target = document.querySelector("#step");
    if (!target || isStale(target, html)) { return Promise.resolve(null); }
    var from = scanForm() && scanForm().action;
    var carry = scanInput() ? scanInput().value : "";  // the next scan, typed meanwhile
    return new Promise(function (resolve) {
      htmx.swap(target, html, { swapStyle: "outerHTML", swapDelay: 0, settleDelay: 0 }, {
        afterSwapCallback: function () {
          var input = scanInput(), outcome = document.querySelector("[data-outcome]");
          if (input && carry) { input.value = carry + input.value; }
          if (quiet && outcome) { outcome.dataset.played = "1"; }  // one tone for the drain
          focusScan();
          if (pushUrl && pushUrl !== "false") { history.pushState({}, "", pushUrl); offlineCopy(); }
          var to = scanForm() && scanForm().action;
          resolve(from && to && from !== to ? { from: from, to: to } : null);
        }
      });
    });
  }

  // Never let an older answer replace a newer one of the same thing (data-seq-of names it,
  // e.g. one receipt; data-seq is its version): another tab may have answered meanwhile.
  function isStale(current, html) {
    var match = /data-seq-of="([^"]*)" data-seq="(\d+)"/.exec(html);
    return Boolean(match && current.getAttribute("data-seq-of") === match[1] &&
                   Number(match[2]) < Number(current.getAttribute("data-seq")));
  }

  function showProblem(message) {
    var outcome = document.querySelector("[data-outcome]");
    if (outcome) {
      outcome.replaceChildren(errorWord(), document.createTextNode(message));
      outcome.setAttribute("data-result", "error"); delete outcome.dataset.played; feedback();
    }
    focusScan();
  }

  // The word before an error, as the templates write it (an icon and "Error:"), then a space.
  function errorWord() {
    var word = document.getElementById("js-result-error"), part = document.createDocumentFragment();
    if (word) { part.appendChild(word.content.cloneNode(true)); part.appendChild(document.createTextNode(" ")); }
    return part;
  }

  // --- The bar: what is waiting, and errors to deal with -------------------------------

  function showSending() {
    body.setAttribute("data-scans-in-flight", sending ? "1" : "0");
    render();
  }

  function render() {
    body.setAttribute("data-scans-queued", String(stored.mine + storing));
    var bar = document.querySelector("[data-scan-queue]");
    if (!bar) { return; }
    var lines = [], waiting = stored.mine + storing;
    if (stalled === "signin" && waiting) {
      lines.push(sayCounted("sign_in_to_send", waiting, "Sign in again to send %(num)s waiting scan.",
                            "Sign in again to send %(num)s waiting scans."));
    } else if (waiting && (stalled || waiting > 1 || (!sending && !storing))) {
      lines.push(sending ? sayCounted("waiting_sending", waiting, "%(num)s scan waiting · sending…", "%(num)s scans waiting · sending…")
        : stalled === "offline" ? sayCounted("waiting_offline", waiting, "%(num)s scan waiting · offline", "%(num)s scans waiting · offline")
        : stalled ? sayCounted("waiting_retrying", waiting, "%(num)s scan waiting · no answer, trying again",
                               "%(num)s scans waiting · no answer, trying again")
        : sayCounted("waiting", waiting, "%(num)s scan waiting", "%(num)s scans waiting"));
    }
    if (stored.others) {
      lines.push(sayCounted("others_kept", stored.others, "%(num)s scan from another sign-in is kept on this device.",
                            "%(num)s scans from another sign-in are kept on this device."));
    }
    bar.querySelector("[data-scan-queue-status]").textContent = lines.join(" ");
    var list = bar.querySelector("[data-scan-queue-errors]");
    list.replaceChildren.apply(list, errors.map(errorItem));
    bar.hidden = !lines.length && !errors.length;
  }

  function listError(value, message, playTone) {
    errors.push({ id: String(Date.now()) + errors.length, text: value + ": " + message });
    if (playTone && errorToneDue) { errorToneDue = false; tone("error"); }
    render();
  }

  function errorItem(error) {
    var item = document.createElement("li"), dismiss = document.createElement("button");
    item.textContent = error.text + " ";
    dismiss.type = "button"; dismiss.className = "dismiss"; dismiss.textContent = say("dismiss", "OK");
    dismiss.setAttribute("data-dismiss-error", error.id);
    dismiss.setAttribute("aria-label", say("dismiss_label", "Dismiss: %(error)s", { error: error.text }));
    item.appendChild(dismiss);
    return item;
  }

  document.addEventListener("click", function (event) {
    var dismiss = event.target.closest("[data-dismiss-error]");
    if (!dismiss) { return; }
    var id = dismiss.getAttribute("data-dismiss-error");
    errors = errors.filter(function (e) { return e.id !== id; });
    render(); focusScan();
  });

  // Finishing while scans are still waiting would close the receipt under them.
  document.addEventListener("submit", function (event) {
    var waiting = stored.mine + storing;
    if ((waiting > 0 || sending) && event.target.hasAttribute("data-wait-for-scans")) {
      event.preventDefault();
      event.stopPropagation();
      showProblem(sayCounted("wait_for_scans", Math.max(waiting, 1), "Wait: %(num)s scan still to be sent. Press again when the bar is gone.",
                             "Wait: %(num)s scans still to be sent. Press again when the bar is gone."));
    }
  }, true);

  // --- The keyboard ----------------------------------------------------------------------

  var lastKey = 0, burst = null;  // burst: a text field that may be receiving a scanner's keys

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
    if (event.ctrlKey || event.altKey || event.metaKey) { return; }
    var t = event.target;
    if (t && (t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
              (t.tagName === "INPUT" && !/^(button|submit|checkbox|radio|hidden)$/.test(t.type)))) {
      takeBurst(event, t, input, fast);
      return;
    }
    // Focus is elsewhere (a button, the page): keys go to the scan input, so a scan fired
    // now still lands there. But Space presses a camera button reached with Tab: a scan's
    // first key moves the focus to the input, and no scan starts with a space.
    if (event.key === " " && t && t.closest && t.closest("[data-camera-toggle], [data-camera-torch]")) { return; }
    if (event.key.length === 1) {
      event.preventDefault();
      input.value += event.key;
      input.focus();
    } else if ((event.key === "Enter" || event.key === "Tab") && fast && input.value) {
      event.preventDefault();  // the end of a scan that began elsewhere: not a button press
      submitScan(input, input.value.trim());
    }
  }, true);

  // Another field (a Qty box) has focus. A person typing there keeps their typing; when a
  // second key follows the first scanner-fast, both (and the rest) are a scan: the first
  // character is taken back out of the field and the burst goes to the scan input.
  function takeBurst(event, field, input, fast) {
    if (event.key.length !== 1) { burst = null; return; }
    if (burst && burst.field === field && fast) {
      event.preventDefault();
      field.value = burst.before;
      input.value += burst.key + event.key;
      input.focus();  // the rest of the burst, and its Enter, land in the scan input
      burst = null;
      return;
    }
    burst = { field: field, before: field.value, key: event.key };
  }

  // --- Other ways in: the camera -------------------------------------------------------

  // A code read some other way (the camera, static/camera.js) joins the same stream as a
  // scanner's: queued with an id and a number, sent in order, answered with the same tones.
  // Whatever the operator was typing in the scan input stays there. False when this screen
  // has no scan input.
  function enterScan(code) {
    var input = scanInput();
    if (!input || !code) { return false; }
    var typed = input.value;
    submitScan(input, code);
    if (typed && !input.value) { input.value = typed; }
    return true;
  }

  window.FloorScan = { enter: enterScan, say: say };

  // The camera button (templates/floor/_scan.html) shows only with scripts. camera.js, and
  // with it the barcode decoder, is fetched on the first press (or when this tab had the
  // camera on at its last screen): a wedge scanner's screens never load either.
  var CAMERA_ON = "floor-camera";  // sessionStorage: the operator left the camera on
  var camera = null;               // a promise of window.FloorCamera

  function showCameraButton() {
    var button = document.querySelector("[data-camera-toggle]");
    if (button) { button.hidden = false; }
    return button;
  }

  function loadCamera(button) {
    camera = camera || new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = button.getAttribute("data-camera-script");
      script.onload = function () { resolve(window.FloorCamera); };
      script.onerror = function () { camera = null; reject(new Error("camera.js")); };
      document.head.appendChild(script);
    });
    return camera;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-camera-toggle]");
    if (!button) { return; }
    loadCamera(button).then(function (c) { c.toggle(); }, function () {
      showProblem(say("camera_reader_failed", "The barcode reader did not load. Check the connection and press Camera again."));
    });
    // A tap goes back to the scan input; pressed from the keyboard (detail 0) the button
    // keeps the focus, so it can be pressed again. A scanner's keys still reach the input.
    if (event.detail) { focusScan(); }
  });

  function resumeCamera() {
    var button = showCameraButton(), left = false;
    try { left = sessionStorage.getItem(CAMERA_ON) === "1"; } catch (e) {}
    if (button && left) { loadCamera(button).then(function (c) { c.open(); }, function () {}); }
  }

  // --- Start-up --------------------------------------------------------------------------

  document.addEventListener("htmx:afterSettle", function () { feedback(); focusScan(); });
  document.addEventListener("htmx:afterSwap", showCameraButton);  // before it is drawn: no flicker

  function start() {
    focusScan(); feedback(); showSending();
    offlineCopy(); resumeCamera();
    if (!window.ScanQueue || !operator) { return; }
    ScanQueue.counts(operator).then(function (found) {
      // Scans entered meanwhile were counted as they came; the store's count is from before.
      stored = { mine: stored.mine + found.mine, others: found.others }; render();
      pump();  // what an earlier page, or an earlier run of the browser, left queued
    });
  }

  // The service worker (static/sw.js) keeps a copy of the floor screens, for a reload in a
  // dead spot. It is told who is signed in: a copy made for one operator is never shown to
  // another. body[data-offline-ready] says this screen's copy is kept.
  function offlineCopy() {
    if (!navigator.serviceWorker || !body.getAttribute("data-service-worker")) { return; }
    body.setAttribute("data-offline-ready", "0");
    navigator.serviceWorker.register(body.getAttribute("data-service-worker"), { scope: "/floor/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) {
          if (event.data && event.data.url === location.href) { body.setAttribute("data-offline-ready", event.data.kept ? "1" : "0"); }
        };
        registration.active.postMessage({ type: "page", operator: operator, url: location.href }, [channel.port2]);
      })
      .catch(function () { /* no copy: the screen still works while the line is up */ });
  }

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
      var begin = audio.currentTime + (at || 0);
      gain.gain.setValueAtTime(0.2, begin);
      osc.start(begin); osc.stop(begin + ms / 1000);
    } catch (e) { /* no audio: the colours and text still say it */ }
  }
  function tone(result) {
    if (result === "ok") { beep(1320, 90); vibrate(40); }
    else if (result === "warn") { beep(880, 90); beep(880, 90, 0.15); vibrate([60, 60, 60]); }
    else if (result === "error") { beep(220, 400); vibrate([200, 100, 200]); }
  }
  function feedback() {
    var outcome = document.querySelector("[data-outcome][data-result]");
    if (!outcome || outcome.dataset.played) { return; }
    outcome.dataset.played = "1";
    body.setAttribute("data-last-result", outcome.getAttribute("data-result"));
    tone(outcome.getAttribute("data-result"));
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

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
