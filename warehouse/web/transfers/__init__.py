"""Supervisor pages for transfers: list, new, detail with draft editing, approve, cancel,
complete, and the printed slip and pick list."""

from flask import Blueprint

bp = Blueprint("transfers", __name__, url_prefix="/transfers")

from . import views  # noqa: E402,F401  (routes register on bp)
