"""Supervisor pages: alerts, and the open-alert count of the header badge."""

from flask import Blueprint
from flask_login import current_user

from warehouse import alerts

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.app_context_processor
def _badge():
    """`open_alert_count()` for base.html: called only where the header is drawn (full
    pages, not partials), only for supervisors and admins: one COUNT per page."""

    def open_alert_count() -> int:
        if not current_user.is_authenticated or current_user.role.value not in ("supervisor", "admin"):
            return 0
        return alerts.open_count()

    return {"open_alert_count": open_alert_count}


from . import views  # noqa: E402,F401  (routes register on bp)
