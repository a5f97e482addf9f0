"""Transfer pages for supervisors: list, new, detail (draft editing with htmx), approve,
cancel, complete, resolving units missing on arrival (found or lost), and the printed slip
and pick list.

Every route answers a plain form post with the whole page and an htmx request with the
region it swaps (`render` decides), and every refusal from the domain lands in the page
as a message with the refusal's status, never as a 500."""

from flask import make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select

from warehouse import transfers
from warehouse.accounts.models import Role
from warehouse.availability import holds
from warehouse.catalog import locations
from warehouse.catalog.models import Product
from warehouse.core.errors import DomainError
from warehouse.core.extensions import db
from warehouse.ledger import stock
from warehouse.ledger.models import Balance
from warehouse.paper import slips
from warehouse.transfers.models import TransferStatus
from warehouse.web.statuses import http_status

from ..htmx import is_htmx, redirect_for_htmx, render, wants_partial
from ..i18n import number, translate
from ..security import requires
from . import bp
from .forms import (
    AddLineForm,
    LineQtyForm,
    NewTransferForm,
    ResolveMissingForm,
    SkuSearchForm,
    TransferFilterForm,
)

ID = "int(max=2147483647)"  # larger ids are 404 before they reach the database
PAGE, WHOLE, LINES = "transfers/detail.html", "transfers/_transfer.html", "transfers/_lines.html"
PAPER = ("A4", "LETTER")
S = TransferStatus
ACTIONS = [
    (S.APPROVED, "transfers.approve", _l("Approve"), "primary"),
    (S.COMPLETED, "transfers.complete", _l("Complete"), "primary"),
    (S.CANCELLED, "transfers.cancel", _l("Cancel transfer"), "secondary"),
]


@bp.get("")
@requires(Role.SUPERVISOR)
def index():
    form = TransferFilterForm(request.args)
    rows = transfers.listing(S(form.status.data) if form.status.data else None) if form.validate() else []
    return render("transfers/index.html", "transfers/_rows.html", form=form, rows=rows)


@bp.route("/new", methods=["GET", "POST"])
@requires(Role.SUPERVISOR)
def new():
    form = NewTransferForm(locations=_places())
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render("transfers/new.html", "transfers/_new_form.html", status=status, form=form)
    try:
        transfer = transfers.create(
            form.from_location.data,
            form.to_location.data,
            actor_id=current_user.id,
            note=form.note.data or "",
            key=form.key.data or None,
        )
    except DomainError as refusal:
        return render(
            "transfers/new.html",
            "transfers/_new_form.html",
            status=http_status(refusal),
            form=form,
            outcome=("error", refusal.message),
        )
    target = url_for("transfers.detail", id=transfer.id)
    return redirect_for_htmx(target) if is_htmx() else redirect(target, 303)


@bp.get(f"/<{ID}:id>")
@requires(Role.SUPERVISOR)
def detail(id):
    return _show(transfers.get(id), WHOLE)


@bp.post(f"/<{ID}:id>/lines")
@requires(Role.SUPERVISOR)
def add_line(id):
    transfer = transfers.get(id)
    form = AddLineForm()
    if not form.validate_on_submit():
        return _show(
            transfer,
            LINES,
            status=422,
            add_form=form,
            lines_outcome=("error", _("Nothing was added. Fix the marked fields.")),
        )
    try:
        product = stock.product_by_code(form.code.data)
        transfers.add_line(
            id,
            product,
            form.qty.data,
            lot_code=form.lot.data or "",
            actor_id=current_user.id,
            key=form.key.data or None,
        )
    except DomainError as refusal:
        return _show(
            transfers.get(id),
            LINES,
            status=http_status(refusal),
            add_form=form,
            lines_outcome=("error", refusal.message),
        )
    added = _("Added %(qty)s × %(sku)s.", qty=number(form.qty.data), sku=product.sku)
    return _show(transfers.get(id), LINES, lines_outcome=("ok", added))


@bp.post(f"/<{ID}:id>/lines/<{ID}:line_id>")
@requires(Role.SUPERVISOR)
def change_line(id, line_id):
    transfer = transfers.get(id)
    form = LineQtyForm()
    if not form.validate_on_submit():
        nothing = _("Nothing changed. %(errors)s", errors=_errors(form))
        return _show(transfer, LINES, status=422, lines_outcome=("error", nothing))
    try:
        transfers.change_line(id, line_id, form.qty.data)
    except DomainError as refusal:
        return _show(
            transfers.get(id), LINES, status=http_status(refusal), lines_outcome=("error", refusal.message)
        )
    done = (
        _("Line removed.") if form.qty.data == 0 else _("Quantity set to %(qty)s.", qty=number(form.qty.data))
    )
    return _show(transfers.get(id), LINES, lines_outcome=("ok", done))


@bp.post(f"/<{ID}:id>/approve")
@requires(Role.SUPERVISOR)
def approve(id):
    return _act(
        id,
        transfers.approve,
        _l("%(number)s approved: stock is reserved at the source. Print the pick list."),
    )


@bp.post(f"/<{ID}:id>/cancel")
@requires(Role.SUPERVISOR)
def cancel(id):
    return _act(id, transfers.cancel, _l("%(number)s cancelled: any reservation is released."))


@bp.post(f"/<{ID}:id>/complete")
@requires(Role.SUPERVISOR)
def complete(id):
    return _act(id, transfers.complete, _l("%(number)s completed."))


@bp.post(f"/<{ID}:id>/lines/<{ID}:line_id>/missing")
@requires(Role.SUPERVISOR)
def resolve_missing(id, line_id):
    transfer = transfers.get(id)
    form = ResolveMissingForm()
    if not form.validate_on_submit():
        return _show(
            transfer, WHOLE, status=422, resolving=(line_id, form), outcome=("error", _nothing(form))
        )
    try:
        done = transfers.resolve_missing(
            id,
            line_id,
            form.outcome.data,
            form.qty.data,
            actor_id=current_user.id,
            note=form.note.data or None,
            key=form.key.data or None,
        )
    except DomainError as refusal:
        outcome = ("error", refusal.message)
        return _show(
            transfers.get(id), WHOLE, status=http_status(refusal), resolving=(line_id, form), outcome=outcome
        )
    return _show(transfers.get(id), WHOLE, outcome=("ok", _resolved(transfers.get(id), done)))


@bp.get("/sku-search")
@requires(Role.SUPERVISOR)
def sku_search():
    form = SkuSearchForm(request.args)
    if not form.validate() and form.transfer.errors:
        return render(
            "errors/error.html",
            "partials/_error.html",
            status=400,
            status_code=400,
            message=_("Open a transfer first, then search for SKUs to add."),
        )
    transfer = transfers.get(form.transfer.data)
    matches = _sku_matches(form.q.data, transfer.from_location_id) if form.q.data and not form.errors else []
    return render(
        "transfers/sku_search.html",
        "transfers/_sku_results.html",
        transfer=transfer,
        search=form,
        matches=matches,
        standalone=not wants_partial(),
    )


@bp.get(f"/<{ID}:id>/slip.pdf")
@requires(Role.SUPERVISOR)
def slip(id):
    return _pdf(id, "transfer_slip", "")


@bp.get(f"/<{ID}:id>/pick-list.pdf")
@requires(Role.SUPERVISOR)
def pick_list(id):
    return _pdf(id, "pick_list", "-pick-list")


# --- helpers -----------------------------------------------------------------------------


def _places():
    """Where a transfer can start or end: active locations other than transit."""
    return locations.places()


def _act(id, service, done):
    """`done`: what the page says when the step went through, with the transfer's number."""
    transfer = transfers.get(id)  # CSRF was checked app-wide (CSRFProtect) before the view
    try:
        service(id, actor_id=current_user.id)
    except DomainError as refusal:
        return _show(
            transfers.get(id), WHOLE, status=http_status(refusal), outcome=("error", refusal.message)
        )
    return _show(transfers.get(id), WHOLE, outcome=("ok", str(done) % {"number": transfer.number}))


def _errors(form) -> str:
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def _nothing(form) -> str:
    return _("Nothing was resolved. %(errors)s", errors=_errors(form))


def _resolved(transfer, done) -> str:
    """Two whole sentences: what became of the units, and what is still missing."""
    line = next(l for l in transfer.lines if l.id == done.line_id)
    units = dict(qty=number(done.qty), sku=line.product.sku)
    what = (
        _(
            "%(qty)s × %(sku)s found: received into %(location)s's receiving bin, put-away tasks are ready.",
            location=transfer.to_location.code,
            **units,
        )
        if done.outcome.value == "found"
        else _("%(qty)s × %(sku)s lost: written off from transit.", **units)
    )
    after = (
        _("%(number)s is completed: every unit is accounted for.", number=transfer.number)
        if done.completed
        else _(
            "Still missing on %(number)s: %(qty)s.", number=transfer.number, qty=number(done.still_missing)
        )
    )
    return f"{what} {after}"


def _show(
    transfer,
    partial: str,
    *,
    status: int = 200,
    outcome=None,
    lines_outcome=None,
    add_form=None,
    resolving=None,
):
    """The detail page, or one region of it, with whatever the page shows for its status.
    `resolving` is (line id, form) of a refused resolve form, shown again with its errors."""
    draft = transfer.status is S.DRAFT
    available = transfers.available_for(transfer) if draft else {}
    in_transit = transfers.units_in_transit(transfer)
    actions = [
        (endpoint, label, style)
        for target, endpoint, label, style in ACTIONS
        if transfers.can_move(transfer.status, target)
    ]
    return render(
        PAGE,
        partial,
        status=status,
        transfer=transfer,
        draft=draft,
        available=available,
        in_transit=in_transit,
        actions=actions,
        outcome=outcome,
        lines_outcome=lines_outcome,
        add_form=add_form or AddLineForm(formdata=None),
        search=SkuSearchForm(formdata=None),
        matches=[],
        missing=_missing_forms(transfer, resolving),
        damage_holds=_damage_holds(transfer),
        hold_number=holds.number,
    )


def _missing_forms(transfer, resolving) -> list:
    """(line, form) for each line with units missing on arrival."""
    line_id, refused = resolving or (None, None)
    return [
        (line, refused if line.id == line_id else ResolveMissingForm(formdata=None, qty=line.qty_missing))
        for line in transfers.missing_lines(transfer)
    ]


def _damage_holds(transfer) -> list:
    if transfer.status not in (S.RECEIVED, S.COMPLETED):
        return []
    return holds.listing(status=None, reference=("transfer", transfer.number))


def _sku_matches(text: str, location_id: int) -> list[tuple[Product, int]]:
    """Up to 10 active products whose SKU or name starts with `text`, each with its units
    available at the location: one query (a correlated sum per row, after the limit)."""
    available = (
        select(func.coalesce(func.sum(Balance.available), 0))
        .where(Balance.product_id == Product.id, Balance.location_id == location_id)
        .correlate(Product)
        .scalar_subquery()
    )
    query = (
        select(Product, available)
        .where(
            Product.active.is_(True),
            or_(
                Product.sku.istartswith(text, autoescape=True),
                Product.name.istartswith(text, autoescape=True),
            ),
        )
        .order_by(Product.sku)
        .limit(10)
    )
    return [(product, qty) for product, qty in db.session.execute(query)]


def _pdf(id, maker: str, suffix: str):
    transfer = transfers.get(id)
    size = (request.args.get("size") or "A4").strip().upper()
    if size not in PAPER:
        return render(
            "errors/error.html",
            "partials/_error.html",
            status=400,
            status_code=400,
            message=_("Paper size must be A4 or LETTER (e.g. ?size=A4)."),
        )
    response = make_response(getattr(slips, maker)(transfer, size, say=translate))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{transfer.number}{suffix}.pdf"'
    return response
