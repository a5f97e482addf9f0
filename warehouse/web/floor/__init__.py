"""Floor screens for handheld scanners: one scan input, htmx step swaps, big targets."""

from flask import Blueprint

from ..keyed import new_key

bp = Blueprint("floor", __name__, url_prefix="/floor")
# A global, not a context variable: the scan form is a macro imported without context.
bp.add_app_template_global(new_key, "new_scan_id")


from . import counting, home, putaway, receive, transfers  # noqa: E402,F401  (routes register on bp)
