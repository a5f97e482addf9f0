"""Supervisor pages for blind cycle counts: list and create batches (by bin range, SKUs,
ABC class or "not counted in N days"), the ABC report with what is due today, the review
of counted lines (accept, recount, reject, auto-accept within tolerance) and the printed
blind count sheet. Operators never see these pages: they show expected quantities."""

from flask import Blueprint

bp = Blueprint("counts", __name__, url_prefix="/counts")

from . import views  # noqa: E402,F401  (routes register on bp)
