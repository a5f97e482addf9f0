"""Blind counting on the handheld: scan the batch, then bin by bin: scan the bin, scan
items, "bin empty" when there is nothing (warehouse/counts/count_dialogue.py says what each
scan means). The expected quantity never reaches this screen."""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound as HttpNotFound

from warehouse import counts
from warehouse.accounts.models import Role
from warehouse.core import dialogues
from warehouse.core.errors import DomainError
from warehouse.counts import count_dialogue
from warehouse.web.statuses import http_status

from ..htmx import render
from ..keyed import KeyedForm
from ..security import requires
from . import bp, stream
from .forms import ScanForm
from .guards import needs_location
from .outcome import Outcome
from .stream import StreamScanForm
from .transfers import opened_slip


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
            Outcome.error(_("That is not a count batch of this location. Scan the CNT- number.")),
            422,
        )
    return render(
        "floor/transfer_start.html",
        "floor/_transfer_start_step.html",
        status=status,
        endpoint="floor.count_start",
        title=_("Count"),
        prompt=_("Scan the count sheet (CNT-...)"),
        outcome=outcome,
    )


@bp.route("/count/<int(max=2147483647):batch_id>", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def count(batch_id):
    batch = _mine(batch_id)
    if request.method == "GET":
        return _count_page(batch, None)
    form = StreamScanForm()
    if (opened := opened_slip(form.scan.data)) is not None:
        return opened
    outcome, status = stream.answer(
        form,
        lambda value, scan_id, seq: count_dialogue.scan(
            batch.id, value, actor_id=current_user.id, scan_id=scan_id, seq=seq
        ),
        empty=_("Scan a bin, then its items."),
    )
    return _count_page(batch, outcome, status)


@bp.post("/count/<int(max=2147483647):batch_id>/empty")
@requires(Role.OPERATOR)
def count_bin_empty(batch_id):
    batch = _mine(batch_id)
    form = KeyedForm()
    if not form.validate_on_submit():
        return _count_page(batch, Outcome.error(_("Reload the page and press Bin empty again.")), 400)
    try:
        step = count_dialogue.empty(batch.id, actor_id=current_user.id, key=form.key.data or None)
    except DomainError as e:
        return _count_page(batch, Outcome.error(e.message), http_status(e))
    return _count_page(batch, Outcome(step.result, step.message), 422 if step.result == "error" else 200)


@bp.post("/count/<int(max=2147483647):batch_id>/submit")
@requires(Role.OPERATOR)
def count_submit(batch_id):
    batch = _mine(batch_id)
    if not ScanForm().validate_on_submit():
        return _count_page(batch, Outcome.error(_("Reload and submit again.")), 400)
    try:
        counts.submit(batch.id, actor_id=current_user.id)
    except DomainError as e:
        return _count_page(batch, Outcome.error(e.message), http_status(e))
    return _count_page(
        batch, Outcome.ok(_("%(number)s submitted for review. Thank you.", number=batch.number))
    )


def _count_page(batch, outcome, status=200):
    batch = counts.get(batch.id)  # every line, as committed
    bins = counts.bins_to_count(batch, current_user.id)
    dialogue = count_dialogue.state(batch.id, current_user.id)
    current = next((b for b in bins if b.bin.id == dialogue.get("bin")), None)
    return render(
        "floor/count.html",
        "floor/_count_step.html",
        status=status,
        batch=batch,
        dialogue=dialogue,
        armed=dialogues.armed_now(dialogue),
        empty_form=KeyedForm(formdata=None),
        bins=bins,
        current=current,
        outcome=outcome,
    )


def _mine(batch_id):
    batch = counts.header(batch_id)  # the page loads its lines when it draws them
    if current_user.location_id != batch.location_id:
        raise HttpNotFound()  # another location's batch: as if it did not exist
    return batch
