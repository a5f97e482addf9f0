"""Holds pages for supervisors: the list with filters, a new hold, release, write off (any
hold but an expired one: `dispose`, a reason-coded adjustment); and the expiry lists
(expiring in N days, expired) with mark expired and write off against a destruction
reference (`write_off`).

A plain form post gets the whole page, an htmx request the region it swaps (`render`
decides); every refusal lands in the page as a message with its status, never a 500."""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from warehouse import transfers
from warehouse.accounts.models import Role
from warehouse.availability import expiry, holds
from warehouse.availability.models import HoldReason, HoldStatus
from warehouse.core.errors import DomainError
from warehouse.ledger import stock
from warehouse.web.statuses import http_status

from ..htmx import render
from ..i18n import number, translate
from ..keyed import new_key
from ..security import requires
from ..words import word
from . import bp
from .forms import DisposeForm, ExpiryFilterForm, HoldFilterForm, MarkExpiredForm, NewHoldForm, WriteOffForm

ID = "int(max=2147483647)"


@bp.get("")
@requires(Role.SUPERVISOR)
def index():
    return _holds_page("holds/_rows.html", filters=HoldFilterForm(request.args))


@bp.post("/new")
@requires(Role.SUPERVISOR)
def new():
    form = NewHoldForm(locations=stock.locations())
    if not form.validate_on_submit():
        return _holds_page(
            status=422, form=form, outcome=("error", _("Nothing was held. Fix the marked fields."))
        )
    try:
        hold = holds.place_by_codes(
            sku=form.sku.data,
            location_code=form.location.data,
            bin_code=form.bin.data,
            lot_code=form.lot.data or "",
            qty=form.qty.data,
            reason=HoldReason(form.reason.data),
            note=form.note.data or None,
            actor_id=current_user.id,
            key=form.key.data or None,
        )
    except DomainError as refusal:
        return _holds_page(
            status=http_status(refusal), form=form, outcome=("error", translate(refusal.message))
        )
    return _holds_page(
        outcome=(
            "ok",
            _(
                "%(hold)s: %(qty)s × %(sku)s on hold at %(bin)s (%(reason)s). They are not available now.",
                # the reason in running text, lower-case as the English has always said it
                reason=word(hold.reason).lower(),
                **_said(hold),
            ),
        )
    )


@bp.post(f"/<{ID}:id>/release")
@requires(Role.SUPERVISOR)
def release(id):
    try:
        hold = holds.release(id, actor_id=current_user.id)
    except DomainError as refusal:
        return _holds_page(status=http_status(refusal), outcome=("error", translate(refusal.message)))
    return _holds_page(
        outcome=("ok", _("%(hold)s released: %(qty)s × %(sku)s available again at %(bin)s.", **_said(hold)))
    )


@bp.post(f"/<{ID}:id>/dispose")
@requires(Role.SUPERVISOR)
def dispose(id):
    form = DisposeForm()
    if not form.validate_on_submit():
        return _holds_page(
            status=422, outcome=("error", _("Nothing was written off. %(why)s", why=_problems(form)))
        )
    try:
        hold = holds.write_off(
            id, actor_id=current_user.id, note=form.note.data or None, key=form.key.data or None
        )
    except DomainError as refusal:
        return _holds_page(status=http_status(refusal), outcome=("error", translate(refusal.message)))
    said = (
        _("%(hold)s written off: %(qty)s × %(sku)s taken off %(bin)s (damaged).", **_said(hold))
        if hold.reason is HoldReason.DAMAGED
        else _("%(hold)s written off: %(qty)s × %(sku)s taken off %(bin)s (write off).", **_said(hold))
    )
    return _holds_page(outcome=("ok", said))


def _said(hold) -> dict:
    """The values an outcome names a hold by, written the reader's way."""
    return dict(hold=holds.number(hold), qty=number(hold.qty), sku=hold.product.sku, bin=hold.bin.code)


def _problems(form) -> str:
    # str(): a validator's message is a lazy translation, said in the page's language here.
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def _holds_page(
    partial: str = "holds/_holds.html", *, status: int = 200, filters=None, form=None, outcome=None
):
    filters = filters or HoldFilterForm(formdata=None)
    rows = []
    if filters.validate():
        chosen = filters.status.data or "active"
        rows = holds.listing(
            status=None if chosen == "any" else HoldStatus(chosen),
            reason=HoldReason(filters.reason.data) if filters.reason.data else None,
            sku=filters.sku.data or None,
            location_code=filters.location.data or None,
        )
    form = form or NewHoldForm(formdata=None, locations=stock.locations())
    return render(
        "holds/index.html",
        partial,
        status=status,
        filters=filters,
        rows=rows,
        form=form,
        outcome=outcome,
        number=holds.number,
        transfer_ids=transfers.ids_by_number(h.reference_id for h in rows if h.reference_type == "transfer"),
        new_key=new_key,
    )


# --- expiry ------------------------------------------------------------------------------


@bp.get("/expiry")
@requires(Role.SUPERVISOR)
def expiry_lists():
    return _expiry_page(filters=ExpiryFilterForm(request.args))


@bp.post("/expiry/mark")
@requires(Role.SUPERVISOR)
def mark_expired():
    form = MarkExpiredForm()
    if not form.validate_on_submit():
        return _expiry_page(
            status=422, outcome=("error", _("Nothing was marked. Reload the page and try again."))
        )
    try:
        hold = expiry.mark_expired_by_ids(
            form.product_id.data,
            form.bin_id.data,
            form.lot_id.data,
            actor_id=current_user.id,
            key=form.key.data or None,
        )
    except DomainError as refusal:
        return _expiry_page(status=http_status(refusal), outcome=("error", translate(refusal.message)))
    return _expiry_page(
        outcome=(
            "ok",
            _(
                "%(hold)s: %(qty)s × %(sku)s lot %(lot)s at %(bin)s on hold as expired. Write it off once destroyed.",
                lot=hold.lot.code,
                **_said(hold),
            ),
        )
    )


@bp.post(f"/<{ID}:id>/write-off")
@requires(Role.SUPERVISOR)
def write_off(id):
    form = WriteOffForm()
    if not form.validate_on_submit():
        return _expiry_page(
            status=422, outcome=("error", _("Nothing was written off. %(why)s", why=_problems(form)))
        )
    kind, _sep, ident = form.reference.data.partition(":")
    try:
        hold = expiry.write_off(id, actor_id=current_user.id, reference=(kind, ident))
    except DomainError as refusal:
        return _expiry_page(status=http_status(refusal), outcome=("error", translate(refusal.message)))
    return _expiry_page(
        outcome=(
            "ok",
            _(
                "%(hold)s written off: %(qty)s × %(sku)s destroyed (%(reference)s).",
                reference=form.reference.data,
                **_said(hold),
            ),
        )
    )


def _expiry_page(*, status: int = 200, filters=None, outcome=None):
    filters = filters or ExpiryFilterForm(formdata=None)
    locations = stock.locations()
    days, location_id, soon, gone, waiting = 30, None, [], [], []
    if filters.validate():
        days = filters.days.data if filters.days.data is not None else 30
        if filters.location.data:
            location_id = next((loc.id for loc in locations if loc.code == filters.location.data), 0)
        soon, gone = expiry.expiring(days, location_id), expiry.expired(location_id=location_id)
        waiting = expiry.expired_holds(location_id)
    return render(
        "holds/expiry.html",
        "holds/_expiry.html",
        status=status,
        filters=filters,
        days=days,
        locations=locations,
        soon=soon,
        gone=gone,
        waiting=waiting,
        outcome=outcome,
        today=expiry.today_utc(),
        number=holds.number,
        new_key=new_key,
    )
