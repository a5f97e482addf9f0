// The handheld's scan queue, kept in IndexedDB (docs/architecture.md, "The scan stream on
// the handheld"). Every scan is written here before it is sent and deleted when its answer
// arrives, so a dead spot, a reload or a browser restart loses nothing.
//
// Scans are stored by their sequence number, so reading the store in key order is reading
// them in the order they were scanned. The next number is kept in the same database and
// taken in the same transaction that stores the scan: two tabs, or two scans a few
// milliseconds apart, never get the same one.
//
// window.ScanQueue: add(scan), head(operator), remove(seq), retarget(operator, from, to),
// counts(operator). Every function returns a promise.
(function () {
  "use strict";
  var DB_NAME = "warehouse-floor", DB_VERSION = 1;
  var SCANS = "scans", META = "meta";

  // A browser without IndexedDB (or one that refuses it, e.g. some private modes) still
  // gets one-at-a-time, in-order sending: the queue then lives as long as the page.
  function memoryStore() {
    var scans = [], last = Date.now();
    return {
      add: function (scan) { scan.seq = ++last; scans.push(scan); return Promise.resolve(scan); },
      head: function (operator) {
        return Promise.resolve(scans.filter(function (s) { return s.operator === operator; })[0] || null);
      },
      remove: function (seq) { scans = scans.filter(function (s) { return s.seq !== seq; }); return Promise.resolve(); },
      retarget: function (operator, from, to) {
        scans.forEach(function (s) { if (s.operator === operator && s.action === from) { s.action = to; } });
        return Promise.resolve();
      },
      counts: function (operator) { return Promise.resolve(tally(scans, operator)); }
    };
  }

  function tally(scans, operator) {
    var mine = scans.filter(function (s) { return s.operator === operator; }).length;
    return { mine: mine, others: scans.length - mine };
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        db.createObjectStore(SCANS, { keyPath: "seq" });
        db.createObjectStore(META);
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
      request.onblocked = function () { reject(new Error("IndexedDB blocked")); };
    });
  }

  // Run `work(stores)` in one transaction; resolve with what it set on `out.value` once
  // the transaction has committed (not before: a scan is only "stored" when it is).
  function inTransaction(db, names, mode, work) {
    return new Promise(function (resolve, reject) {
      var tx = db.transaction(names, mode), out = {};
      var stores = {};
      names.forEach(function (name) { stores[name] = tx.objectStore(name); });
      work(stores, out);
      tx.oncomplete = function () { resolve(out.value); };
      tx.onerror = tx.onabort = function () { reject(tx.error); };
    });
  }

  // Visit every stored scan in order; `visit(scan, cursor)` returns true to stop.
  function eachScan(store, visit) {
    store.openCursor().onsuccess = function (event) {
      var cursor = event.target.result;
      if (cursor && !visit(cursor.value, cursor)) { cursor.continue(); }
    };
  }

  function indexedStore(db) {
    return {
      add: function (scan) {
        return inTransaction(db, [META, SCANS], "readwrite", function (stores, out) {
          // The first number is the clock, not 1: if the device's storage is wiped, its
          // numbers still go on increasing.
          stores[META].get("seq").onsuccess = function (event) {
            var last = event.target.result;
            scan.seq = last ? last + 1 : Date.now();
            stores[META].put(scan.seq, "seq");
            stores[SCANS].add(scan);
            out.value = scan;
          };
        });
      },
      head: function (operator) {
        return inTransaction(db, [SCANS], "readonly", function (stores, out) {
          out.value = null;
          eachScan(stores[SCANS], function (scan) {
            if (scan.operator !== operator) { return false; }
            out.value = scan;
            return true;
          });
        });
      },
      remove: function (seq) {
        return inTransaction(db, [SCANS], "readwrite", function (stores) { stores[SCANS].delete(seq); });
      },
      // Scans queued for a screen that has since moved on (a PO scan opened the receipt)
      // go where the operator, waiting for each answer, would have scanned them.
      retarget: function (operator, from, to) {
        return inTransaction(db, [SCANS], "readwrite", function (stores) {
          eachScan(stores[SCANS], function (scan, cursor) {
            if (scan.operator === operator && scan.action === from) { scan.action = to; cursor.update(scan); }
            return false;
          });
        });
      },
      counts: function (operator) {
        return inTransaction(db, [SCANS], "readonly", function (stores, out) {
          stores[SCANS].getAll().onsuccess = function (event) { out.value = tally(event.target.result, operator); };
        });
      }
    };
  }

  // The store is chosen once; calls made before it is ready wait for it.
  var ready = (window.indexedDB ? open().then(indexedStore) : Promise.reject(new Error("no IndexedDB")))
    .catch(function () { return memoryStore(); });

  function call(name) {
    return function () {
      var args = arguments;
      return ready.then(function (store) { return store[name].apply(store, args); });
    };
  }

  window.ScanQueue = {
    add: call("add"), head: call("head"), remove: call("remove"),
    retarget: call("retarget"), counts: call("counts")
  };
})();
