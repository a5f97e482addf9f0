"""Supervisor dashboard (tiles, server-side SVG charts with drill-down links) and the
reports (valuation as of a date, movement history, count variances) as page, CSV and PDF."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from . import views  # noqa: E402,F401  (routes register on bp)
