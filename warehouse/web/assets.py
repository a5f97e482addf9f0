"""Serves htmx from node_modules (installed pinned by `npm ci`), never from a CDN:
warehouse Wi-Fi often has no internet. And the floor's service worker (static/sw.js),
which keeps the floor screens and these files for a reload in a dead spot."""

import hashlib
from pathlib import Path

from flask import Blueprint, Response

from .security import public

ROOT = Path(__file__).resolve().parents[2]
HTMX_DIST = ROOT / "node_modules" / "htmx.org" / "dist"
STATIC = ROOT / "static"
# What the worker keeps (its SHELL_FILES); a change to any of them renames its cache.
SHELL = [
    STATIC / "app.css",
    STATIC / "app.js",
    STATIC / "scan-queue.js",
    STATIC / "scan.js",
    HTMX_DIST / "htmx.min.js",
]

bp = Blueprint("vendor", __name__, static_folder=str(HTMX_DIST), static_url_path="/vendor/htmx")
# The blueprint's static endpoint is public like the app's own static files.
public("vendor.static")


@bp.route("/sw.js")
@public
def service_worker():
    """At the site's root, not under /static/, so it may control /floor/. Never cached by
    the browser's HTTP cache: a new version must be seen on the next check."""
    script = (STATIC / "sw.js").read_text(encoding="utf-8")
    response = Response(script.replace("__SHELL_VERSION__", _shell_version()), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _shell_version() -> str:
    digest = hashlib.sha256((STATIC / "sw.js").read_bytes())
    for path in SHELL:
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:12]
