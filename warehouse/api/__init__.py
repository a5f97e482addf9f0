"""The JSON API under /api: bearer tokens or the browser session, permissions per
endpoint, pydantic schemas that both validate requests and generate /api/openapi.json."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from . import (  # noqa: E402,F401  (routes register on bp)
    adjustments,
    alerts,
    analytics,
    channels,
    counts,
    docs,
    expiry,
    holds,
    locations,
    lot_control,
    orders,
    products,
    putaway,
    replenishment,
    reservations,
    stock,
    stock_request_lists,
    stock_requests,
    transfers,
)
