"""Supervisor pages: holds."""

from flask import Blueprint

bp = Blueprint("holds", __name__, url_prefix="/holds")

from . import views  # noqa: E402,F401  (routes register on bp)
