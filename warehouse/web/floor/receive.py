"""Receiving on the handheld: scan the PO, scan items (lots from GS1 or prompted), finish.
What a scan means is the receive dialogue's business (warehouse/inbound/receive_dialogue.py)."""

from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from warehouse.accounts.models import Role
from warehouse.core.errors import DomainError
from warehouse.inbound import receive_dialogue, receiving
from warehouse.web.statuses import http_status

from ..htmx import render
from ..keyed import KeyedForm
from ..security import requires
from . import bp, stream
from .forms import ScanForm, StartReceiptForm
from .guards import needs_location
from .outcome import Outcome
from .stream import StreamScanForm
from .transfers import opened_slip


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
            Outcome.ok(
                _(
                    "Receipt %(number)s for PO %(po)s. Scan the first item.",
                    number=receipt.number,
                    po=receipt.reference,
                )
            ),
            push=True,
        )
    if request.method == "POST":
        return _start_page(form, Outcome.error(_("Scan or type the PO number.")), 422)
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
    receipt = receiving.header(receipt_id, location_id=current_user.location_id)
    if request.method == "GET":
        return _receipt_page(receipt, None)
    form = StreamScanForm()
    if (opened := opened_slip(form.scan.data)) is not None:
        return opened
    outcome, status = stream.answer(
        form,
        lambda value, scan_id, seq: receive_dialogue.scan(
            receipt.id, value, actor_id=current_user.id, scan_id=scan_id, seq=seq
        ),
        empty=_("Scan an item, or type its count."),
    )
    return _receipt_page(receipt, outcome, status)


@bp.post("/receive/<int(max=2147483647):receipt_id>/skip")
@requires(Role.OPERATOR)
def receive_skip(receipt_id):
    receipt = receiving.header(receipt_id, location_id=current_user.location_id or 0)  # only one's own
    form = KeyedForm()
    if not form.validate_on_submit():
        return _receipt_page(receipt, Outcome.error(_("Reload the page and press Skip again.")), 400)
    step = receive_dialogue.skip(receipt.id, actor_id=current_user.id, key=form.key.data or None)
    return _receipt_page(receipt, Outcome(step.result, step.message))


@bp.post("/receive/<int(max=2147483647):receipt_id>/finish")
@requires(Role.OPERATOR)
def receive_finish(receipt_id):
    receipt = receiving.header(receipt_id, location_id=current_user.location_id or 0)  # only one's own
    form = ScanForm()  # CSRF only
    if not form.validate_on_submit():
        return _receipt_page(receipt, Outcome.error(_("Reload the page and finish again.")), 400)
    try:
        done = receiving.finish(receipt_id, actor_id=current_user.id)
    except DomainError as e:
        return _receipt_page(receipt, Outcome.error(e.message), http_status(e))
    number = done.receipt.number
    outcome = (
        Outcome.warn(_("Receipt %(number)s was already finished.", number=number))
        if done.posted.replayed
        # English says "task(s)" either way; a translation has its own plural forms
        else Outcome.ok(
            ngettext(
                "Received %(number)s: %(num)d put-away task(s) ready.",
                "Received %(number)s: %(num)d put-away task(s) ready.",
                len(done.tasks),
                number=number,
            )
        )
    )
    return _receipt_page(done.receipt, outcome)


def _receipt_page(receipt, outcome, status=200, push=False):
    receipt = receiving.get(receipt.id)  # every line, as committed
    response = render(
        "floor/receive.html",
        "floor/_receive_step.html",
        status=status,
        receipt=receipt,
        dialogue=receive_dialogue.state(receipt.id, current_user.id),
        outcome=outcome,
    )
    if push:
        response.headers["HX-Push-Url"] = url_for("floor.receive_scan", receipt_id=receipt.id)
    return response
