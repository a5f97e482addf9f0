"""Alert pages for supervisors: the list with filters, acknowledge and resolve (htmx swaps
one row; a plain post gets the whole page), and alert settings per SKU x location.
The header badge's count comes from the context processor in this blueprint's package."""

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from warehouse import alerts
from warehouse.accounts.models import Role
from warehouse.alerts.models import AlertKind
from warehouse.core.errors import DomainError
from warehouse.ledger import stock
from warehouse.web.statuses import http_status

from ..htmx import render, wants_partial
from ..i18n import translate
from ..security import requires
from . import bp
from .forms import AlertFilterForm, AlertSettingForm

ID = "int(max=2147483647)"  # larger ids are 404 before they reach the database


@bp.get("")
@requires(Role.SUPERVISOR)
def index():
    return _list()


@bp.post(f"/<{ID}:id>/acknowledge")
@requires(Role.SUPERVISOR)
def acknowledge(id):
    return _act(
        id,
        alerts.acknowledge,
        _("Acknowledged: it stays listed until stock recovers or someone resolves it."),
    )


@bp.post(f"/<{ID}:id>/resolve")
@requires(Role.SUPERVISOR)
def resolve(id):
    return _act(
        id,
        alerts.resolve,
        _("Resolved. If the condition still holds, the next stock movement raises it again."),
    )


@bp.route("/settings", methods=["GET", "POST"])
@requires(Role.SUPERVISOR)
def settings():
    places = stock.locations()
    form = AlertSettingForm(locations=places)
    if request.method == "GET":
        return _settings(form)
    if not form.validate_on_submit():
        return _settings(form, 422, ("error", _("Nothing was saved. Fix the marked fields.")))
    try:
        product = stock.product_by_code(form.sku.data)
        location = next(loc for loc in places if loc.code == form.location.data)
        alerts.configure(
            product.id,
            location.id,
            threshold=form.threshold.data,
            recipients=form.recipients.data or "",
            muted=form.muted.data,
            actor_id=current_user.id,
        )
    except DomainError as refusal:
        return _settings(form, http_status(refusal), ("error", translate(refusal.message)))
    return _settings(
        AlertSettingForm(formdata=None, locations=places),
        200,
        (
            "ok",
            _("Saved the alert setting of %(sku)s at %(location)s.", sku=product.sku, location=location.code),
        ),
    )


# --- helpers -----------------------------------------------------------------------------


def _list(status: int = 200, outcome=None):
    form = AlertFilterForm(request.args, locations=stock.locations())
    rows = _rows(form) if form.validate() else []
    return render(
        "alerts/index.html", "alerts/_rows.html", status=status, form=form, rows=rows, outcome=outcome
    )


def _rows(form: AlertFilterForm):
    location = next((loc for loc in stock.locations() if loc.code == form.location.data), None)
    return alerts.listing(
        status=form.status.data or None,
        kind=AlertKind(form.kind.data) if form.kind.data else None,
        location_id=location.id if location else None,
        sku=form.sku.data or None,
    )


def _act(id, service, done: str):
    alerts.get(id)  # 404 for an unknown alert; CSRF was checked app-wide before the view
    try:
        alert = service(id, actor_id=current_user.id)
        outcome, status = ("ok", done), 200
    except DomainError as refusal:
        alert, outcome, status = alerts.get(id), ("error", translate(refusal.message)), http_status(refusal)
    if wants_partial():
        # The header's badge sits outside the row: an out-of-band swap keeps it true.
        return render(
            "alerts/_row.html",
            "alerts/_row.html",
            status=status,
            alert=alert,
            row_outcome=outcome,
            badge_count=alerts.open_count(),
        )
    return _list(status, outcome)


def _settings(form, status: int = 200, outcome=None):
    return render(
        "alerts/settings.html",
        "alerts/_settings.html",
        status=status,
        form=form,
        rows=alerts.settings(),
        outcome=outcome,
        mail_on=bool(current_app.config.get("MAIL_SERVER")),
    )
