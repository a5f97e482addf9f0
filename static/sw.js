// The floor's service worker (scope /floor/, served at /sw.js by warehouse/web/assets.py):
// keeps a copy of the floor screens and of the files they need, so a reload in a dead spot
// still shows the screen, and scans typed there keep queuing on the device (scan-queue.js).
//
// Screens: network first, the kept copy when the network fails. Static files and htmx:
// cache first (the cache's name changes whenever one of them does: the route fills in
// VERSION). POSTs are never touched: every scan goes to the server as it was sent.
// The camera's decoder (its worker script and zxing-wasm's reader, about a megabyte) is
// not fetched at install: only a phone that opens the camera needs it. Cache first too,
// kept the first time it is fetched, so the camera opens in a dead spot after that.
"use strict";

var VERSION = "__SHELL_VERSION__";
var SHELL = "floor-shell-" + VERSION;   // static files and htmx
var SCREENS = "floor-screens";          // copies of floor pages, for one operator at a time
var OPERATOR_KEY = "/floor/__operator__";
var SHELL_FILES = ["/static/app.css", "/static/app.js", "/static/scan-queue.js", "/static/scan.js",
                   "/vendor/htmx/htmx.min.js"];

self.addEventListener("install", function (event) {
  // Each file on its own: one missing file must not stop the worker from installing.
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return Promise.all(SHELL_FILES.map(function (url) {
      return cache.add(url).catch(function () { /* fetched, and kept, on first use */ });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("floor-shell-") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }  // to the network untouched
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  // The landing right after signing in goes to the network as the browser sends it: a
  // worker's own fetch could leave before the new session cookie is stored, and bounce
  // the operator back to the sign-in page. Nobody signs in offline, so nothing is lost.
  if (request.referrer && new URL(request.referrer).pathname.indexOf("/login") === 0) { return; }
  if (request.mode === "navigate" && url.pathname.indexOf("/floor/") === 0) {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/vendor/htmx/") === 0 ||
             url.pathname.indexOf("/vendor/zxing-wasm/") === 0 || url.pathname === "/floor/camera-worker.js") {
    event.respondWith(cacheFirst(request));
  }
});

function networkFirst(request) {
  return fetch(request).then(function (response) {
    if (keepable(response)) {
      var copy = response.clone();
      caches.open(SCREENS).then(function (cache) { return cache.put(request.url, copy); });
    }
    return response;
  }, function () {
    return caches.open(SCREENS).then(function (cache) {
      return cache.match(request.url, { ignoreVary: true });
    }).then(function (kept) { return kept || Response.error(); });
  });
}

function cacheFirst(request) {
  return caches.open(SHELL).then(function (cache) {
    return cache.match(request).then(function (kept) {
      return kept || fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

// Only a screen as the operator saw it: not a sign-in page reached by a redirect, not an
// error page.
function keepable(response) {
  return response.ok && !response.redirected && response.type === "basic";
}

// Each page tells the worker who is signed in ({operator: null} on the sign-in page). A copy
// kept for another operator (or for nobody) is thrown away before anything is kept or shown;
// then the page itself is kept, and the page is told so.
self.addEventListener("message", function (event) {
  var data = event.data || {}, port = event.ports && event.ports[0];
  if (data.type !== "page") { return; }
  event.waitUntil(forOperator(data.operator || "").then(function (cache) {
    return keepPage(cache, data.url, data.operator);
  }).then(function (kept) {
    if (port) { port.postMessage({ url: data.url, kept: kept }); }
  }));
});

function forOperator(operator) {
  return caches.open(SCREENS).then(function (cache) {
    return cache.match(OPERATOR_KEY).then(function (stored) {
      return stored ? stored.text() : null;
    }).then(function (filledFor) {
      if (filledFor === operator) { return cache; }
      return caches.delete(SCREENS).then(function () { return caches.open(SCREENS); }).then(function (fresh) {
        return fresh.put(OPERATOR_KEY, new Response(operator)).then(function () { return fresh; });
      });
    });
  });
}

function keepPage(cache, url, operator) {
  if (!operator || !url || new URL(url).pathname.indexOf("/floor/") !== 0) { return Promise.resolve(false); }
  return cache.match(url, { ignoreVary: true }).then(function (kept) {
    if (kept) { return true; }
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!keepable(response)) { return false; }
      return cache.put(url, response).then(function () { return true; });
    }, function () { return false; });
  });
}
