"""The JSON API under /api: bearer tokens or the browser session, permissions per
endpoint, pydantic schemas that both validate requests and generate /api/openapi.json."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from . import (  # noqa: E402,F401  (routes register on bp)
    alerts,
    counts,
    docs,
    locations,
    products,
    replenishment,
    reservations,
    stock,
    transfers,
)
