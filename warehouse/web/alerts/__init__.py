"""Supervisor pages: alerts."""
from flask import Blueprint

bp = Blueprint("alerts", __name__, url_prefix="/alerts")

from . import views  # noqa: E402,F401  (routes register on bp)
