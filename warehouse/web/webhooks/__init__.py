"""Supervisor pages: webhooks."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

from . import views  # noqa: E402,F401  (routes register on bp)
