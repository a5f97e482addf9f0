"""Reservations page for supervisors: the list with filters (status, reference, SKU,
location) and a release button per reference (the order-cancel flow by hand).

A plain form post gets the whole page, an htmx request the rows region; a refusal lands
in the page as a message with its status, never a 500."""

from flask import request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from warehouse.accounts.models import Role
from warehouse.availability import reservations
from warehouse.availability.models import ReservationStatus
from warehouse.core.errors import DomainError
from warehouse.ledger import references, stock
from warehouse.web.statuses import http_status

from ..htmx import render
from ..i18n import translate
from ..keyed import new_key
from ..security import requires
from . import bp
from .forms import ReleaseForm, ReservationFilterForm


@bp.get("")
@requires(Role.SUPERVISOR)
def index():
    return _page(ReservationFilterForm(request.args))


@bp.post("/release")
@requires(Role.SUPERVISOR)
def release():
    filters = ReservationFilterForm(request.args)  # the list the button was pressed on
    form = ReleaseForm()
    if not form.validate_on_submit():
        # str(): a validator's message is a lazy translation, said in the page's language here.
        errors = " ".join(str(e) for errs in form.errors.values() for e in errs)
        return _page(filters, status=422, outcome=("error", _("Nothing was released. %(why)s", why=errors)))
    try:
        released = reservations.release(
            references.parse_reference(form.reference.data),
            actor_id=current_user.id,
            key=form.key.data or None,
        )
    except DomainError as refusal:
        return _page(filters, status=http_status(refusal), outcome=("error", translate(refusal.message)))
    skus = ", ".join(sorted({r.product.sku for r in released.rows}))
    said = ngettext(
        "Released %(reference)s (%(skus)s): %(num)d reserved unit available again.",
        "Released %(reference)s (%(skus)s): %(num)d reserved units available again.",
        released.units,
        reference=form.reference.data,
        skus=skus,
    )
    return _page(filters, outcome=("ok", said))


def _page(filters, *, status: int = 200, outcome=None):
    rows = []
    if filters.validate():
        chosen = filters.status.data or "active"
        rows = reservations.listing(
            status=None if chosen == "any" else ReservationStatus(chosen),
            reference=filters.reference.data or None,
            sku=filters.sku.data or None,
            location_code=filters.location.data or None,
        )
    releasable = _first_active_per_reference(rows)
    return render(
        "reservations/index.html",
        "reservations/_rows.html",
        status=status,
        filters=filters,
        rows=rows,
        releasable=releasable,
        outcome=outcome,
        locations=stock.locations(),
        new_key=new_key,
        query=request.args.to_dict(),
    )


def _first_active_per_reference(rows) -> set[int]:
    """Row ids that carry the reference's release button (one button per reference)."""
    seen, ids = set(), set()
    for row in rows:
        if row.status is ReservationStatus.ACTIVE and row.reference not in seen:
            seen.add(row.reference)
            ids.add(row.id)
    return ids
