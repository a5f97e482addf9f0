"""Transfers on the handheld: pick and ship at the source, receive at the destination.
Scanning a transfer slip's number on any floor screen opens the transfer here."""

from flask import redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound as HttpNotFound

from warehouse import transfers
from warehouse.accounts.models import Role
from warehouse.catalog.models import Bin
from warehouse.catalog.scan import COUNT_NUMBER, TRANSFER_NUMBER
from warehouse.core.errors import DomainError
from warehouse.core.extensions import db
from warehouse.transfers.models import ReceiveReason, ShortReason, TransferStatus
from warehouse.web.statuses import http_status

from ..htmx import is_htmx, redirect_for_htmx, render
from ..security import requires
from . import bp
from .forms import PickScanForm, ReceiveLineForm, ScanForm, ShortPickForm
from .guards import needs_location
from .outcome import Outcome
from .resolver import resolve


def open_transfer(scan):
    """The response that opens a scanned transfer slip, from any floor screen."""
    transfer = scan.transfer
    location_id = current_user.location_id
    if transfer.status is TransferStatus.APPROVED and transfer.from_location_id == location_id:
        target = url_for("floor.pick", transfer_id=transfer.id)
    elif transfer.status is TransferStatus.IN_TRANSIT and transfer.to_location_id == location_id:
        target = url_for("floor.transfer_receive", transfer_id=transfer.id)
    else:
        return None
    return redirect_for_htmx(target) if is_htmx() else redirect(target)


def opened_slip(code: str | None):
    """When a transfer slip's or count sheet's number is scanned on any floor screen, the
    response that opens it (pick at the source, receive at the destination, count); else
    None."""
    code = (code or "").strip()
    if not (TRANSFER_NUMBER.fullmatch(code) or COUNT_NUMBER.fullmatch(code)):
        return None
    try:
        scan = resolve(code, location_id=current_user.location_id)
    except DomainError:
        return None  # unknown number: the screen's own handling says so
    if scan.kind == "count":
        if scan.batch.location_id != current_user.location_id:
            return None
        target = url_for("floor.count", batch_id=scan.batch.id)
        return redirect_for_htmx(target) if is_htmx() else redirect(target)
    return open_transfer(scan)


def _not_here(transfer) -> Outcome:
    return Outcome.error(
        f"{transfer.number} is {transfer.status.value.replace('_', ' ')} "
        f"({transfer.from_location.code} to {transfer.to_location.code}): "
        "nothing to pick or receive for it here."
    )


# --- picking ----------------------------------------------------------------------------


@bp.route("/pick", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def pick_start():
    return _start_screen("floor.pick_start", "Pick", "Scan the transfer slip")


@bp.route("/transfer-receive", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def transfer_receive_start():
    return _start_screen("floor.transfer_receive_start", "Receive transfer", "Scan the transfer slip")


def _start_screen(endpoint, title, prompt):
    if (redirect_ := needs_location()) is not None:
        return redirect_
    form, outcome, status = ScanForm(), None, 200
    if request.method == "POST":
        try:
            scan = (
                resolve(form.scan.data or "", location_id=current_user.location_id)
                if form.validate_on_submit()
                else None
            )
            if scan is None or scan.kind != "transfer":
                outcome, status = Outcome.error("That is not a transfer slip. Scan the TR- number."), 422
            elif (opened := open_transfer(scan)) is not None:
                return opened
            else:
                outcome, status = _not_here(scan.transfer), 409
        except DomainError as e:
            outcome, status = Outcome.error(e.message), http_status(e)
    return render(
        "floor/transfer_start.html",
        "floor/_transfer_start_step.html",
        status=status,
        endpoint=endpoint,
        title=title,
        prompt=prompt,
        outcome=outcome,
    )


@bp.route("/pick/<int(max=2147483647):transfer_id>", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def pick(transfer_id):
    transfer = _mine(transfer_id, "from_location_id")
    form = PickScanForm()
    if request.method == "GET":
        return _pick_page(transfer, PickScanForm(formdata=None), None)
    if not form.validate_on_submit() or not form.scan.data:
        return _pick_page(transfer, form, Outcome.from_form(form, "Scan a bin, then the item."), 422)
    try:
        outcome = _pick_scan(transfer, form)
    except DomainError as e:
        return _pick_page(transfers.get(transfer_id), form, Outcome.error(e.message), http_status(e))
    if isinstance(outcome, Outcome):
        status = 422 if outcome.result == "error" else 200
        return _pick_page(transfers.get(transfer_id), form, outcome, status)
    return outcome  # a redirect: another slip was scanned


def _pick_scan(transfer, form):
    scan = resolve(form.scan.data, location_id=current_user.location_id)
    if scan.kind == "transfer":
        return open_transfer(scan) or _not_here(scan.transfer)
    if scan.kind == "bin":
        form.bin.data = scan.bin.id
        listed = transfers.pick_bins(transfer)
        if listed and scan.bin.id not in {b.id for b in listed}:
            return Outcome.warn(
                f"Bin {scan.bin.code} is not on the pick list "
                f"({', '.join(b.code for b in listed)}). Scan the item only if you "
                "really take it from here."
            )
        return Outcome.ok(f"Bin {scan.bin.code}. Scan the item.")
    if scan.kind != "product":
        return Outcome.error("Scan a bin label or an item.")
    bin = _current_bin(transfer, form.bin.data)
    if bin is None:
        return Outcome.error("Scan the bin first, then the item.")
    qty = scan.units(form.qty.data)
    picked = transfers.pick(
        transfer.id,
        bin,
        scan.product,
        qty,
        actor_id=current_user.id,
        lot_code=scan.lot_code,
        key=form.scan_id.data or None,
    )
    line = picked.line
    return Outcome.ok(
        f"Picked {qty} {scan.product.sku} from {bin.code}: {line.qty_picked} of {line.qty_requested}."
    )


def _current_bin(transfer, bin_id):
    bin = db.session.get(Bin, bin_id) if bin_id else None
    return bin if bin is not None and bin.location_id == transfer.from_location_id else None


@bp.post("/pick/<int(max=2147483647):transfer_id>/short")
@requires(Role.OPERATOR)
def short_pick(transfer_id):
    transfer = _mine(transfer_id, "from_location_id")
    form = ShortPickForm()
    if not form.validate_on_submit():
        return _pick_page(
            transfer,
            PickScanForm(formdata=None),
            Outcome.from_form(form, "Choose why the line is short."),
            422,
        )
    try:
        line = transfers.short_pick(
            transfer.id, form.line.data, ShortReason(form.reason.data), actor_id=current_user.id
        )
    except DomainError as e:
        return _pick_page(
            transfers.get(transfer_id), PickScanForm(formdata=None), Outcome.error(e.message), http_status(e)
        )
    return _pick_page(
        transfers.get(transfer_id),
        PickScanForm(formdata=None),
        Outcome.warn(
            f"{line.product.sku} short: {line.qty_picked} of {line.qty_requested}. "
            "A count of the bin is queued for the supervisor."
        ),
    )


@bp.post("/pick/<int(max=2147483647):transfer_id>/ship")
@requires(Role.OPERATOR)
def ship(transfer_id):
    transfer = _mine(transfer_id, "from_location_id")
    if not ScanForm().validate_on_submit():
        return _pick_page(transfer, PickScanForm(formdata=None), Outcome.error("Reload and ship again."), 400)
    try:
        transfers.ship(transfer.id, actor_id=current_user.id)
    except DomainError as e:
        return _pick_page(
            transfers.get(transfer_id), PickScanForm(formdata=None), Outcome.error(e.message), http_status(e)
        )
    return _pick_page(
        transfers.get(transfer_id),
        PickScanForm(formdata=None),
        Outcome.ok(f"Shipped {transfer.number} into transit."),
    )


def _pick_page(transfer, form, outcome, status=200):
    return render(
        "floor/pick.html",
        "floor/_pick_step.html",
        status=status,
        transfer=transfer,
        form=form,
        outcome=outcome,
        short_form=ShortPickForm(formdata=None),
        reasons=list(ShortReason),
    )


# --- receiving a transfer ---------------------------------------------------------------


@bp.route("/transfer-receive/<int(max=2147483647):transfer_id>", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def transfer_receive(transfer_id):
    transfer = _mine(transfer_id, "to_location_id")
    form = PickScanForm()
    if request.method == "GET":
        return _receive_page(transfer, PickScanForm(formdata=None), None)
    if not form.validate_on_submit() or not form.scan.data:
        return _receive_page(transfer, form, Outcome.from_form(form, "Scan an item."), 422)
    try:
        scan = resolve(form.scan.data, location_id=current_user.location_id, expect="product")
        if scan.kind == "transfer":
            return open_transfer(scan) or _receive_page(transfer, form, _not_here(scan.transfer), 409)
        if scan.kind != "product":
            return _receive_page(transfer, form, Outcome.error("That is not an item. Scan the item."), 422)
        qty = scan.units(form.qty.data)
        line = transfers.count_received(
            transfer.id, scan.product, qty, actor_id=current_user.id, key=form.scan_id.data or None
        )
    except DomainError as e:
        return _receive_page(transfers.get(transfer_id), form, Outcome.error(e.message), http_status(e))
    counted = (
        f"{line.qty_received} of {line.qty_picked} shipped."
        if line.qty_picked
        else f"{line.qty_received} received, none was shipped: say why on its line (over shipped)."
    )
    return _receive_page(
        transfers.get(transfer_id), form, Outcome.ok(f"+{qty} {scan.product.sku}: {counted}")
    )


@bp.post("/transfer-receive/<int(max=2147483647):transfer_id>/line")
@requires(Role.OPERATOR)
def transfer_receive_line(transfer_id):
    transfer = _mine(transfer_id, "to_location_id")
    form = ReceiveLineForm()
    if not form.validate_on_submit():
        return _receive_page(
            transfer, PickScanForm(formdata=None), Outcome.from_form(form, "Check the counts."), 422
        )
    try:
        line = transfers.set_received(
            transfer.id,
            form.line.data,
            received=form.received.data,
            damaged=form.damaged.data or 0,
            reason=ReceiveReason(form.reason.data) if form.reason.data else None,
        )
    except DomainError as e:
        return _receive_page(
            transfers.get(transfer_id), PickScanForm(formdata=None), Outcome.error(e.message), http_status(e)
        )
    return _receive_page(
        transfers.get(transfer_id),
        PickScanForm(formdata=None),
        Outcome.ok(f"{line.product.sku}: received {line.qty_received}, damaged {line.qty_damaged}."),
    )


@bp.post("/transfer-receive/<int(max=2147483647):transfer_id>/finish")
@requires(Role.OPERATOR)
def transfer_receive_finish(transfer_id):
    transfer = _mine(transfer_id, "to_location_id")
    if not ScanForm().validate_on_submit():
        return _receive_page(
            transfer, PickScanForm(formdata=None), Outcome.error("Reload and finish again."), 400
        )
    try:
        transfers.finish_receiving(transfer.id, actor_id=current_user.id)
    except DomainError as e:
        return _receive_page(
            transfers.get(transfer_id), PickScanForm(formdata=None), Outcome.error(e.message), http_status(e)
        )
    return _receive_page(
        transfers.get(transfer_id),
        PickScanForm(formdata=None),
        Outcome.ok(f"Received {transfer.number}. Put-away tasks are ready."),
    )


def _receive_page(transfer, form, outcome, status=200):
    return render(
        "floor/transfer_receive.html",
        "floor/_transfer_receive_step.html",
        status=status,
        transfer=transfer,
        form=form,
        outcome=outcome,
        reasons=list(ReceiveReason),
    )


# --- shared -----------------------------------------------------------------------------


def _mine(transfer_id, side):
    """The transfer, only when the operator works at its source (picking) or destination."""
    transfer = transfers.get(transfer_id)
    if current_user.location_id is None or getattr(transfer, side) != current_user.location_id:
        raise HttpNotFound()  # not theirs: as if it did not exist
    return transfer
