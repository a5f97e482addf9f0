"""Selling channels: the ATP matrix and drill-down (supervisors), and their setup
(channels and their rules per location: admins)."""

from flask import Blueprint

bp = Blueprint("channels", __name__, url_prefix="/channels")

from . import views  # noqa: E402,F401  (routes register on bp)
