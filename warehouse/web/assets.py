"""Serves htmx from node_modules (installed pinned by `npm ci`), never from a CDN:
warehouse Wi-Fi often has no internet. And the floor's service worker (static/sw.js),
which keeps the floor screens and these files for a reload in a dead spot. And the
camera's barcode decoder: its worker script and zxing-wasm's reader, also from
node_modules, fetched only when an operator opens the camera (static/camera.js)."""

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, abort, send_from_directory

from .headers import DECODER_POLICY
from .security import public_file

ROOT = Path(__file__).resolve().parents[2]
HTMX_DIST = ROOT / "node_modules" / "htmx.org" / "dist"
ZXING_DIST = ROOT / "node_modules" / "zxing-wasm" / "dist"
# The reader alone (no writer): the script the worker imports and the WebAssembly it
# fetches. Nothing else of the package is served.
ZXING_FILES = ("iife/reader/index.js", "reader/zxing_reader.wasm")
STATIC = ROOT / "static"
# What the worker keeps (its SHELL_FILES); a change to any of them renames its cache.
SHELL = [
    STATIC / "app.css",
    STATIC / "app.js",
    STATIC / "scan-queue.js",
    STATIC / "scan.js",
    HTMX_DIST / "htmx.min.js",
]
# Kept by the worker when first used, not installed with it (the camera is optional); they
# rename its cache too, so a new version is never mixed with an old one.
ON_FIRST_USE = [STATIC / "camera.js", STATIC / "camera-worker.js"] + [ZXING_DIST / f for f in ZXING_FILES]

bp = Blueprint("vendor", __name__, static_folder=str(HTMX_DIST), static_url_path="/vendor/htmx")
# The blueprint's static endpoint is public like the app's own static files.
public_file("vendor.static")


@bp.route("/sw.js")
@public_file
def service_worker():
    """At the site's root, not under /static/, so it may control /floor/. Never cached by
    the browser's HTTP cache: a new version must be seen on the next check."""
    script = (STATIC / "sw.js").read_text(encoding="utf-8")
    response = Response(script.replace("__SHELL_VERSION__", _shell_version()), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/floor/camera-worker.js")
@public_file
def camera_worker():
    """The decoder's worker, with its own policy: the one response allowed to compile
    WebAssembly (warehouse/web/headers.py). Under /floor/: a worker is controlled by the
    service worker whose scope holds the worker's own address, so the decoder it fetches
    is kept for a camera opened in a dead spot."""
    response = send_from_directory(STATIC, "camera-worker.js", mimetype="text/javascript")
    response.headers["Content-Security-Policy"] = DECODER_POLICY
    return response


@bp.route("/vendor/zxing-wasm/<path:filename>")
@public_file
def zxing(filename):
    """zxing-wasm's reader as installed by npm (the .wasm as application/wasm, which
    streaming compilation requires)."""
    if filename not in ZXING_FILES:
        abort(404)
    return send_from_directory(ZXING_DIST, filename)


def _shell_version() -> str:
    digest = hashlib.sha256((STATIC / "sw.js").read_bytes())
    for path in SHELL:
        digest.update(path.read_bytes() if path.exists() else b"")
    for path in ON_FIRST_USE:
        digest.update(_digest(path))
    return digest.hexdigest()[:12]


def _digest(path: Path) -> bytes:
    """A file's hash, computed again only when the file changes: the decoder's .wasm is a
    megabyte, and /sw.js (whose version this is part of) is asked for on floor page loads."""
    try:
        stat = path.stat()
    except OSError:
        return b""
    return _digest_of(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _digest_of(path: Path, mtime_ns: int, size: int) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()
