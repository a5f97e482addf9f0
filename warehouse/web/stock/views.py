"""Stock pages: by location/bin/SKU, one SKU everywhere, movement history, adjustments."""

from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from warehouse.accounts.models import Role
from warehouse.core import pagers
from warehouse.core.errors import DomainError
from warehouse.counts.blind import blindfold_for
from warehouse.ledger import adjustments, stock
from warehouse.ledger.models import MovementType
from warehouse.web.statuses import http_status

from ..htmx import render
from ..i18n import number, signed
from ..security import requires
from .forms import AdjustForm, MovementFilterForm, StockFilterForm

bp = Blueprint("stock", __name__)


@bp.get("/")
@requires(Role.OPERATOR)
def home():
    return redirect(url_for("stock.index"))


@bp.get("/stock")
@requires(Role.OPERATOR)
def index():
    form = StockFilterForm(request.args)
    page = (
        stock.stock_rows(
            location_code=form.location.data,
            bin_code=form.bin.data,
            sku=form.sku.data,
            page=form.page.data or 1,
        )
        if form.validate()
        else pagers.Page([], False)
    )
    return render(
        "stock/index.html",
        "stock/_stock_rows.html",
        form=form,
        page=page,
        locations=stock.locations(),
        page_number=form.page.data or 1,
        blindfold=blindfold_for(current_user.role),
    )


@bp.get("/stock/sku/<path:sku>")
@requires(Role.OPERATOR)
def sku(sku):
    if len(sku) > 64:
        abort(404)
    blindfold = blindfold_for(current_user.role)
    item = stock.sku_stock(sku, withheld_bins=blindfold.bins)
    return render("stock/sku.html", "stock/_sku_stock.html", item=item, blindfold=blindfold)


@bp.get("/movements")
@requires(Role.OPERATOR)
def movements():
    form = MovementFilterForm(request.args)
    page, error = pagers.Page([], False), None
    if form.validate():
        reference_type, reference_id = form.reference_key()
        try:
            page = stock.movement_history(
                sku=form.sku.data,
                location_code=form.location.data,
                type=MovementType(form.type.data) if form.type.data else None,
                since=_start_of(form.since.data),
                until=_start_of(form.until.data, next_day=True),
                before_id=form.before.data,
                reference_type=reference_type,
                reference_id=reference_id,
            )
        except DomainError as e:
            error = e.message
    return render(
        "stock/movements.html",
        "stock/_movement_rows.html",
        form=form,
        page=page,
        error=error,
        locations=stock.locations(),
        types=list(MovementType),
        blindfold=blindfold_for(current_user.role),
    )


def _start_of(day, next_day=False):
    if day is None:
        return None
    if next_day and day == date.max:  # "to 9999-12-31": there is no next day to stop before
        return None
    return datetime.combine(day + timedelta(days=1 if next_day else 0), time.min)


@bp.route("/adjust", methods=["GET", "POST"])
@requires(Role.SUPERVISOR)
def adjust():
    form = AdjustForm(locations=stock.locations())
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render("stock/adjust.html", "stock/_adjust_form.html", status=status, form=form)
    try:
        done = adjustments.adjust(
            sku=form.sku.data,
            location_code=form.location.data,
            bin_code=form.bin.data,
            lot_code=form.lot.data or "",
            qty=form.quantity.data,
            reason=form.reason.data,
            reference=form.reference.data or "",
            note=form.note.data or "",
            actor_id=current_user.id,
            key=form.key.data or None,
        )
    except DomainError as refusal:
        return render(
            "stock/adjust.html",
            "stock/_adjust_form.html",
            status=http_status(refusal),
            form=form,
            outcome=("error", refusal.message),
        )
    outcome = _adjust_outcome(form, done.posted)
    fresh = AdjustForm(formdata=None, locations=stock.locations(), location=form.location.data)
    return render("stock/adjust.html", "stock/_adjust_form.html", form=fresh, outcome=outcome)


def _adjust_outcome(form, posted):
    if posted.replayed:
        return (
            "warn",
            _("Already posted (posting #%(posting)s); nothing changed.", posting=posted.posting_id),
        )
    ((on_hand, _reserved, _held),) = posted.balances_after.values()
    return (
        "ok",
        _(
            "Posted #%(posting)s: %(qty)s %(sku)s at %(bin)s. On hand now %(on_hand)s.",
            posting=posted.posting_id,
            qty=signed(form.quantity.data, 0),
            sku=form.sku.data,
            bin=form.bin.data,
            on_hand=number(on_hand),
        ),
    )
