"""Admin pages under /setup: products, locations and bins, users and badges, imports and
exports, labels. Linked from the header for admins."""

from flask import Blueprint

bp = Blueprint("setup", __name__, url_prefix="/setup")

from . import home, imports, labels, places, policies, products, users  # noqa: E402,F401  (routes register on bp)
