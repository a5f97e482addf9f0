"""Transfers on the handheld: pick and ship at the source, receive at the destination.
Scanning a transfer slip's number on any floor screen opens the transfer here."""

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.exceptions import NotFound as HttpNotFound

from warehouse import transfers
from warehouse.accounts.models import Role
from warehouse.catalog.models import Bin
from warehouse.catalog.scan import COUNT_NUMBER, TRANSFER_NUMBER
from warehouse.core import dialogues
from warehouse.core.errors import DomainError
from warehouse.core.extensions import db
from warehouse.transfers import pick_dialogue, receive_dialogue
from warehouse.transfers.models import ReceiveReason, ShortReason, TransferStatus
from warehouse.web.statuses import http_status

from ..htmx import is_htmx, redirect_for_htmx, render
from ..security import requires
from ..words import word
from . import bp, stream
from .forms import ReceiveLineForm, ScanForm, ShortPickForm
from .guards import needs_location
from .outcome import Outcome
from .resolver import resolve
from .stream import StreamScanForm


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


def not_here(transfer) -> Outcome:
    """A slip scanned where it has nothing to do: its status (the status's word, in the
    reader's language) and its way."""
    return Outcome.error(
        _(
            "%(number)s is %(status)s (%(origin)s to %(destination)s): nothing to pick or receive for it here.",
            number=transfer.number,
            status=word(transfer.status).lower(),
            origin=transfer.from_location.code,
            destination=transfer.to_location.code,
        )
    )


# --- picking ----------------------------------------------------------------------------


@bp.route("/pick", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def pick_start():
    return _start_screen("floor.pick_start", _("Pick"), _("Scan the transfer slip"))


@bp.route("/transfer-receive", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def transfer_receive_start():
    return _start_screen("floor.transfer_receive_start", _("Receive transfer"), _("Scan the transfer slip"))


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
                outcome, status = Outcome.error(_("That is not a transfer slip. Scan the TR- number.")), 422
            elif (opened := open_transfer(scan)) is not None:
                return opened
            else:
                outcome, status = not_here(scan.transfer), 409
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
    if request.method == "GET":
        return _pick_page(transfer, None)
    form = StreamScanForm()
    if (opened := opened_slip(form.scan.data)) is not None:
        return opened
    outcome, status = stream.answer(
        form,
        lambda value, scan_id, seq: pick_dialogue.scan(
            transfer.id, value, actor_id=current_user.id, scan_id=scan_id, seq=seq
        ),
        empty=_("Scan a bin, then the item."),
    )
    return _pick_page(transfer, outcome, status)


@bp.post("/pick/<int(max=2147483647):transfer_id>/short")
@requires(Role.OPERATOR)
def short_pick(transfer_id):
    transfer = _mine(transfer_id, "from_location_id")
    form = ShortPickForm()
    if not form.validate_on_submit():
        return _pick_page(transfer, Outcome.from_form(form, _("Choose why the line is short.")), 422)
    try:
        step = pick_dialogue.short(
            transfer.id,
            form.line.data,
            ShortReason(form.reason.data),
            actor_id=current_user.id,
            key=form.key.data or None,
        )
    except DomainError as e:
        return _pick_page(transfer, Outcome.error(e.message), http_status(e))
    status = 422 if step.result == "error" else 200
    return _pick_page(transfer, Outcome(step.result, step.message), status)


@bp.post("/pick/<int(max=2147483647):transfer_id>/ship")
@requires(Role.OPERATOR)
def ship(transfer_id):
    transfer = _mine(transfer_id, "from_location_id")
    if not ScanForm().validate_on_submit():
        return _pick_page(transfer, Outcome.error(_("Reload and ship again.")), 400)
    try:
        transfers.ship(transfer.id, actor_id=current_user.id)
    except DomainError as e:
        return _pick_page(transfer, Outcome.error(e.message), http_status(e))
    return _pick_page(transfer, Outcome.ok(_("Shipped %(number)s into transit.", number=transfer.number)))


def _pick_page(transfer, outcome, status=200):
    transfer = transfers.get(transfer.id)  # every line, pick and allocation, as committed
    dialogue = pick_dialogue.state(transfer.id, current_user.id)
    return render(
        "floor/pick.html",
        "floor/_pick_step.html",
        status=status,
        transfer=transfer,
        dialogue=dialogue,
        armed=dialogues.armed_now(dialogue) or "",
        current_bin=db.session.get(Bin, dialogue["bin"]) if dialogue.get("bin") else None,
        outcome=outcome,
        short_form=ShortPickForm(formdata=None),
        reasons=list(ShortReason),
    )


# --- receiving a transfer ---------------------------------------------------------------


@bp.route("/transfer-receive/<int(max=2147483647):transfer_id>", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def transfer_receive(transfer_id):
    transfer = _mine(transfer_id, "to_location_id")
    if request.method == "GET":
        return _receive_page(transfer, None)
    form = StreamScanForm()
    if (opened := opened_slip(form.scan.data)) is not None:
        return opened
    outcome, status = stream.answer(
        form,
        lambda value, scan_id, seq: receive_dialogue.scan(
            transfer.id, value, actor_id=current_user.id, scan_id=scan_id, seq=seq
        ),
        empty=_("Scan an item."),
    )
    return _receive_page(transfer, outcome, status)


@bp.post("/transfer-receive/<int(max=2147483647):transfer_id>/line")
@requires(Role.OPERATOR)
def transfer_receive_line(transfer_id):
    transfer = _mine(transfer_id, "to_location_id")
    form = ReceiveLineForm()
    if not form.validate_on_submit():
        return _receive_page(transfer, Outcome.from_form(form, _("Check the counts.")), 422)
    try:
        line = transfers.set_received(
            transfer.id,
            form.line.data,
            received=form.received.data,
            damaged=form.damaged.data or 0,
            reason=ReceiveReason(form.reason.data) if form.reason.data else None,
        )
    except DomainError as e:
        return _receive_page(transfer, Outcome.error(e.message), http_status(e))
    return _receive_page(
        transfer,
        Outcome.ok(
            _(
                "%(sku)s: received %(received)s, damaged %(damaged)s.",
                sku=line.product.sku,
                received=line.qty_received,
                damaged=line.qty_damaged,
            )
        ),
    )


@bp.post("/transfer-receive/<int(max=2147483647):transfer_id>/finish")
@requires(Role.OPERATOR)
def transfer_receive_finish(transfer_id):
    transfer = _mine(transfer_id, "to_location_id")
    if not ScanForm().validate_on_submit():
        return _receive_page(transfer, Outcome.error(_("Reload and finish again.")), 400)
    try:
        received = transfers.finish_receiving(transfer.id, actor_id=current_user.id)
    except DomainError as e:
        return _receive_page(transfer, Outcome.error(e.message), http_status(e))
    if received.units_damaged or received.units_missing:  # say where every unit went
        outcome = Outcome.warn(_where_it_went(transfer.number, received))
    else:
        outcome = Outcome.ok(_("Received %(number)s. Put-away tasks are ready.", number=transfer.number))
    return _receive_page(transfer, outcome)


def _where_it_went(number, received) -> str:
    """Where every unit of a transfer received with differences went (the words of
    `Received.summary`), one whole sentence for each case."""
    said = dict(
        number=number,
        damaged=received.units_damaged,
        holds=", ".join(received.holds),
        missing=received.units_missing,
    )
    good = received.units_good
    if received.units_damaged and received.units_missing:
        return ngettext(
            "Received %(number)s: %(num)d good unit in the receiving bin; %(damaged)d damaged on hold "
            "(%(holds)s); %(missing)d missing: a supervisor will resolve it.",
            "Received %(number)s: %(num)d good units in the receiving bin; %(damaged)d damaged on hold "
            "(%(holds)s); %(missing)d missing: a supervisor will resolve it.",
            good,
            **said,
        )
    if received.units_damaged:
        return ngettext(
            "Received %(number)s: %(num)d good unit in the receiving bin; %(damaged)d damaged on hold (%(holds)s).",
            "Received %(number)s: %(num)d good units in the receiving bin; %(damaged)d damaged on hold (%(holds)s).",
            good,
            **said,
        )
    return ngettext(
        "Received %(number)s: %(num)d good unit in the receiving bin; %(missing)d missing: a supervisor will resolve it.",
        "Received %(number)s: %(num)d good units in the receiving bin; %(missing)d missing: a supervisor will resolve it.",
        good,
        **said,
    )


def _receive_page(transfer, outcome, status=200):
    transfer = transfers.get(transfer.id)  # every line, as committed
    return render(
        "floor/transfer_receive.html",
        "floor/_transfer_receive_step.html",
        status=status,
        transfer=transfer,
        dialogue=receive_dialogue.state(transfer.id, current_user.id),
        outcome=outcome,
        reasons=list(ReceiveReason),
    )


# --- shared -----------------------------------------------------------------------------


def _mine(transfer_id, side):
    """The transfer, only when the operator works at its source (picking) or destination."""
    transfer = transfers.header(transfer_id)  # the page loads its lines when it draws them
    if current_user.location_id is None or getattr(transfer, side) != current_user.location_id:
        raise HttpNotFound()  # not theirs: as if it did not exist
    return transfer
