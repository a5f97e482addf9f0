"""Stock request pages: requesters ask and follow, supervisors decide."""

from flask import Blueprint

bp = Blueprint("stock_requests", __name__, url_prefix="/stock-requests")

from . import views  # noqa: E402,F401  (routes register on bp)
