"""Receiving on the handheld: scan the PO, scan items (lots from GS1 or prompted), finish."""

import re
from dataclasses import replace
from datetime import date, datetime

from flask import request, url_for
from flask_login import current_user

from warehouse.accounts.models import Role
from warehouse.availability import expiry as shelf_life
from warehouse.catalog import lots
from warehouse.catalog.scan import find_bin, find_product, looks_like_gs1
from warehouse.core.errors import DomainError, InvalidPosting, UnknownScan
from warehouse.inbound import receiving
from warehouse.ledger import stock as catalog
from warehouse.web.statuses import http_status

from ..htmx import render
from ..security import requires
from . import bp
from .forms import ReceiveScanForm, ScanForm, StartReceiptForm
from .guards import needs_location
from .outcome import Outcome
from .resolver import resolve
from .transfers import opened_slip

COUNT = re.compile(r"[0-9]{1,6}")  # a typed count; GTINs are 8+ digits


@bp.route("/receive", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def receive_start():
    if (redirect_ := needs_location()) is not None:
        return redirect_
    form = StartReceiptForm()
    if request.method == "POST" and (opened := opened_slip(form.scan.data)) is not None:
        return opened
    if request.method == "POST" and form.validate_on_submit() and form.scan.data:
        try:
            receipt = receiving.start(
                form.scan.data,
                location_id=current_user.location_id,
                actor_id=current_user.id,
                key=form.key.data or None,
            )
        except DomainError as e:
            return _start_page(form, Outcome.error(e.message), http_status(e))
        return _receipt_page(
            receipt,
            ReceiveScanForm(formdata=None),
            Outcome.ok(f"Receipt {receipt.number} for PO {receipt.reference}. Scan the first item."),
            push=True,
        )
    if request.method == "POST":
        return _start_page(form, Outcome.error("Scan or type the PO number."), 422)
    return _start_page(form, None, 200)


def _start_page(form, outcome, status):
    return render(
        "floor/receive.html", "floor/_receive_start_step.html", status=status, form=form, outcome=outcome
    )


@bp.route("/receive/<int(max=2147483647):receipt_id>", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def receive_scan(receipt_id):
    if (redirect_ := needs_location()) is not None:
        return redirect_
    receipt = receiving.get(receipt_id, location_id=current_user.location_id)
    form = ReceiveScanForm()
    if request.method == "GET":
        return _receipt_page(receipt, ReceiveScanForm(formdata=None), None)
    if (opened := opened_slip(form.scan.data)) is not None:
        return opened
    if not form.validate_on_submit() or not form.scan.data:
        return _receipt_page(receipt, form, Outcome.from_form(form, "Scan an item, or type its count."), 422)
    try:
        outcome = _handle(receipt, form)
    except DomainError as e:
        return _receipt_page(receiving.get(receipt_id), form, Outcome.error(e.message), http_status(e))
    return _receipt_page(receiving.get(receipt_id), form, outcome, 422 if outcome.result == "error" else 200)


def _handle(receipt, form) -> Outcome:
    """One scan on the receive screen; the form's hidden fields say what it answers."""
    value = form.scan.data
    if form.awaiting.data == "lot":
        return _lot_scanned(receipt, form, value)
    if form.awaiting.data == "expiry":
        return _expiry_typed(receipt, form, value)
    try:
        scan = resolve(value, location_id=receipt.location_id, expect="product")
    except UnknownScan:
        # Not a known code: a short number is the count of the item scanned last.
        if COUNT.fullmatch(value) and form.line.data:
            line = receiving.set_count(
                receipt.id,
                form.line.data,
                int(value),
                actor_id=current_user.id,
                key=form.scan_id.data or None,
            )
            return Outcome.ok(f"Count set: {line.qty} x {line.product.sku}.")
        raise
    if scan.kind != "product":
        return Outcome.error("That is not an item. Scan the item's barcode.")
    product = scan.product
    if scan.count == 0:
        return Outcome.error("The label says a count of 0. Scan the item's own barcode.")
    note = ""
    if scan.lot_code and not product.lot_tracked:  # the label carries a lot we do not track
        scan, note = replace(scan, lot_code=None, expiry=None), " (lot on the label ignored: not lot-tracked)"
    form.units.data = scan.units()
    if product.lot_tracked and not scan.lot_code:
        return _ask(
            form,
            "lot",
            product.id,
            None,
            Outcome.warn(f"{product.sku} is lot-tracked. Scan or type the lot."),
        )
    if (
        scan.lot_code
        and product.expiry_tracked
        and not scan.expiry
        and _lot_lacks_expiry(product, scan.lot_code)
    ):
        return _ask(
            form,
            "expiry",
            product.id,
            scan.lot_code,
            Outcome.warn(f"Type the expiry date of lot {scan.lot_code} (YYYY-MM-DD)."),
        )
    return _added(receipt, form, product, scan.units(), scan.lot_code, scan.expiry, note)


def _lot_scanned(receipt, form, value) -> Outcome:
    product = _pending_product(receipt, form)
    expiry = None
    if looks_like_gs1(value):  # a GS1 label: take its (10) lot
        scan = resolve(value, location_id=receipt.location_id, expect="product")
        if not scan.lot_code:
            return _ask(
                form, "lot", product.id, None, Outcome.error("That label has no lot. Scan the lot barcode.")
            )
        value, expiry = scan.lot_code, scan.expiry
    elif find_product(value) or find_bin(value, receipt.location_id):
        return _ask(
            form,
            "lot",
            product.id,
            None,
            Outcome.error(f"{value} is a product or bin code, not a lot. Scan the lot."),
        )
    if len(value) > 64:
        return _ask(form, "lot", product.id, None, Outcome.error("A lot code is at most 64 characters."))
    if expiry is None and product.expiry_tracked and _lot_lacks_expiry(product, value):
        return _ask(
            form,
            "expiry",
            product.id,
            value,
            Outcome.warn(f"Type the expiry date of lot {value} (YYYY-MM-DD)."),
        )
    return _added(receipt, form, product, form.units.data or 1, value, expiry)


def _expiry_typed(receipt, form, value) -> Outcome:
    product = _pending_product(receipt, form)
    expiry = parse_expiry(value)
    if expiry is None:
        return _ask(
            form,
            "expiry",
            product.id,
            form.lot.data,
            Outcome.error(f"{value} is not a date. Type it as YYYY-MM-DD, e.g. 2027-03-31."),
        )
    return _added(receipt, form, product, form.units.data or 1, form.lot.data, expiry)


def _pending_product(receipt, form):
    """The item whose lot or expiry the operator is answering for."""
    product = catalog.product(form.product.data or 0)
    if product is None:
        _ask(form, "item", None, None, None)
        raise InvalidPosting("Scan the item again.")
    return product


def _lot_lacks_expiry(product, lot_code) -> bool:
    lot = lots.existing(product, lot_code)
    return lot is None or lot.expiry_date is None


def _added(receipt, form, product, qty, lot_code, expiry, note="") -> Outcome:
    line = receiving.add(
        receipt.id,
        product,
        qty=qty,
        lot_code=lot_code,
        expiry=expiry,
        actor_id=current_user.id,
        key=form.scan_id.data or None,
    )
    _ask(form, "item", None, None, None)
    form.line.data = line.id
    lot = f" lot {line.lot.code}" if lot_code else ""
    if lot_code and shelf_life.is_expired(line.lot):
        note += (
            f" Lot {line.lot.code} expired on {line.lot.expiry_date:%Y-%m-%d}: set it aside "
            "and tell a supervisor."
        )
    message = f"+{qty} {product.sku}{lot}: now {line.qty}.{note}"
    return Outcome.warn(message) if note else Outcome.ok(message)


def _ask(form, awaiting, product_id, lot_code, outcome):
    form.awaiting.data, form.product.data, form.lot.data = awaiting, product_id, lot_code or ""
    if awaiting == "item":
        form.units.data = None
    return outcome


def parse_expiry(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%y%m%d", "%Y%m%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


@bp.post("/receive/<int(max=2147483647):receipt_id>/finish")
@requires(Role.OPERATOR)
def receive_finish(receipt_id):
    receiving.get(receipt_id, location_id=current_user.location_id or 0)  # only one's own
    form = ScanForm()  # CSRF only
    if not form.validate_on_submit():
        return _receipt_page(
            receiving.get(receipt_id),
            ReceiveScanForm(formdata=None),
            Outcome.error("Reload the page and finish again."),
            400,
        )
    try:
        done = receiving.finish(receipt_id, actor_id=current_user.id)
    except DomainError as e:
        return _receipt_page(
            receiving.get(receipt_id),
            ReceiveScanForm(formdata=None),
            Outcome.error(e.message),
            http_status(e),
        )
    outcome = (
        Outcome.warn(f"Receipt {done.receipt.number} was already finished.")
        if done.posted.replayed
        else Outcome.ok(f"Received {done.receipt.number}: {len(done.tasks)} put-away task(s) ready.")
    )
    return _receipt_page(done.receipt, ReceiveScanForm(formdata=None), outcome)


def _receipt_page(receipt, form, outcome, status=200, push=False):
    response = render(
        "floor/receive.html",
        "floor/_receive_step.html",
        status=status,
        receipt=receipt,
        form=form,
        outcome=outcome,
    )
    if push:
        response.headers["HX-Push-Url"] = url_for("floor.receive_scan", receipt_id=receipt.id)
    return response
