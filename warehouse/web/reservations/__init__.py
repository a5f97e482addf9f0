"""Supervisor pages: reservations."""

from flask import Blueprint

bp = Blueprint("reservations", __name__, url_prefix="/reservations")

from . import views  # noqa: E402,F401  (routes register on bp)
