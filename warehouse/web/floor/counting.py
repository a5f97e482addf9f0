"""Blind counting on the handheld: scan the batch, then bin by bin: scan the bin, scan
items (each scan adds one; a typed number sets the count of the item scanned last),
"bin empty" when there is nothing. The expected quantity never reaches this screen."""

import re

from flask import request
from flask_login import current_user
from werkzeug.exceptions import NotFound as HttpNotFound

from warehouse import counts
from warehouse.accounts.models import Role
from warehouse.catalog.models import Bin, Product
from warehouse.core.errors import DomainError, UnknownScan
from warehouse.core.extensions import db
from warehouse.counts.models import CountStatus
from warehouse.web.statuses import http_status

from ..htmx import render
from ..security import requires
from . import bp
from .forms import CountScanForm, ScanForm
from .guards import needs_location
from .outcome import Outcome
from .resolver import resolve
from .transfers import opened_slip

TYPED_COUNT = re.compile(r"[0-9]{1,7}")


@bp.route("/count", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def count_start():
    if (redirect_ := needs_location()) is not None:
        return redirect_
    form, outcome, status = ScanForm(), None, 200
    if request.method == "POST":
        if (opened := opened_slip(form.scan.data)) is not None:
            return opened
        outcome, status = (
            Outcome.error("That is not a count batch of this location. Scan the CNT- number."),
            422,
        )
    return render(
        "floor/transfer_start.html",
        "floor/_transfer_start_step.html",
        status=status,
        endpoint="floor.count_start",
        title="Count",
        prompt="Scan the count sheet (CNT-...)",
        outcome=outcome,
    )


@bp.route("/count/<int(max=2147483647):batch_id>", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def count(batch_id):
    batch = _mine(batch_id)
    form = CountScanForm()
    if request.method == "GET":
        return _count_page(batch, CountScanForm(formdata=None), None)
    if (opened := opened_slip(form.scan.data)) is not None:
        return opened
    if not form.validate_on_submit() or not form.scan.data:
        return _count_page(batch, form, Outcome.from_form(form, "Scan a bin, then its items."), 422)
    try:
        outcome = _count_scan(batch, form)
    except DomainError as e:
        return _count_page(counts.get(batch_id), form, Outcome.error(e.message), http_status(e))
    return _count_page(counts.get(batch_id), form, outcome, 422 if outcome.result == "error" else 200)


def _count_scan(batch, form) -> Outcome:
    value = form.scan.data
    try:
        scan = resolve(value, location_id=batch.location_id)
    except UnknownScan:
        if not TYPED_COUNT.fullmatch(value):
            raise
        if form.bin.data and form.product.data:
            return _record(batch, form, set_to=int(value))
        return Outcome.error(
            "Scan an item first, then type its count."
            if form.bin.data
            else "Scan the bin first, then its items."
        )
    if scan.kind == "bin":
        if batch.status not in (CountStatus.OPEN, CountStatus.COUNTING):
            return Outcome.error(
                f"{batch.number} is {batch.status.value.replace('_', ' ')}: counting is closed."
            )
        if scan.bin.location_id != batch.location_id:
            return Outcome.error(f"{scan.bin.code} is not at {batch.location.code}.")
        form.bin.data, form.product.data, form.lot.data = scan.bin.id, None, ""
        return Outcome.ok(f"Bin {scan.bin.code}: scan each item, or press Bin empty.")
    if scan.kind != "product":
        return Outcome.error("Scan a bin label or an item.")
    if not form.bin.data:
        return Outcome.error("Scan the bin first, then its items.")
    form.product.data, form.lot.data = scan.product.id, scan.lot_code or ""
    return _record(batch, form, add=scan.units())


def _record(batch, form, *, add=None, set_to=None) -> Outcome:
    bin, product = db.session.get(Bin, form.bin.data), db.session.get(Product, form.product.data)
    if bin is None or product is None:
        return Outcome.error("Scan the bin and the item again.")
    line = counts.record(
        batch.id,
        bin,
        product,
        add=add,
        set_to=set_to,
        lot_code=form.lot.data or None,
        actor_id=current_user.id,
        key=form.scan_id.data or None,
    )
    lot = f" lot {line.lot.code}" if line.lot.code else ""
    verb = "Counted" if set_to is not None else f"+{add}"
    extra = " (not expected here: recorded as found)" if line.unexpected else ""
    return Outcome.ok(f"{verb} {product.sku}{lot} in {bin.code}: {line.counted_qty}.{extra}")


@bp.post("/count/<int(max=2147483647):batch_id>/empty")
@requires(Role.OPERATOR)
def count_bin_empty(batch_id):
    batch = _mine(batch_id)
    form = CountScanForm()
    bin = db.session.get(Bin, form.bin.data or 0) if form.validate_on_submit() else None
    if bin is None:
        return _count_page(batch, form, Outcome.error("Scan the bin first, then press Bin empty."), 422)
    try:
        counts.bin_empty(batch.id, bin, actor_id=current_user.id)
    except DomainError as e:
        return _count_page(counts.get(batch_id), form, Outcome.error(e.message), http_status(e))
    form.product.data = None
    return _count_page(counts.get(batch_id), form, Outcome.ok(f"{bin.code} counted as empty."))


@bp.post("/count/<int(max=2147483647):batch_id>/submit")
@requires(Role.OPERATOR)
def count_submit(batch_id):
    batch = _mine(batch_id)
    if not ScanForm().validate_on_submit():
        return _count_page(
            batch, CountScanForm(formdata=None), Outcome.error("Reload and submit again."), 400
        )
    try:
        counts.submit(batch.id, actor_id=current_user.id)
    except DomainError as e:
        return _count_page(
            counts.get(batch_id), CountScanForm(formdata=None), Outcome.error(e.message), http_status(e)
        )
    return _count_page(
        counts.get(batch_id),
        CountScanForm(formdata=None),
        Outcome.ok(f"{batch.number} submitted for review. Thank you."),
    )


def _count_page(batch, form, outcome, status=200):
    bins = counts.bins_to_count(batch, current_user.id)
    current = next((b for b in bins if b.bin.id == form.bin.data), None)
    return render(
        "floor/count.html",
        "floor/_count_step.html",
        status=status,
        batch=batch,
        form=form,
        bins=bins,
        current=current,
        outcome=outcome,
    )


def _mine(batch_id):
    batch = counts.get(batch_id)
    if current_user.location_id != batch.location_id:
        raise HttpNotFound()  # another location's batch: as if it did not exist
    return batch
