"""Serves htmx from node_modules (installed pinned by `npm ci`), never from a CDN:
warehouse Wi-Fi often has no internet."""

from pathlib import Path

from flask import Blueprint

from .security import public

HTMX_DIST = Path(__file__).resolve().parents[2] / "node_modules" / "htmx.org" / "dist"

bp = Blueprint("vendor", __name__, static_folder=str(HTMX_DIST), static_url_path="/vendor/htmx")
# The blueprint's static endpoint is public like the app's own static files.
public("vendor.static")
