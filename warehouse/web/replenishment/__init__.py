"""Supervisor pages: replenishment."""

from flask import Blueprint

bp = Blueprint("replenishment", __name__, url_prefix="/replenishment")

from . import views  # noqa: E402,F401  (routes register on bp)
