"""Floor screens for handheld scanners: one scan input, htmx step swaps, big targets."""

from flask import Blueprint

bp = Blueprint("floor", __name__, url_prefix="/floor")

from . import counting, home, putaway, receive, transfers  # noqa: E402,F401  (routes register on bp)
