"""Put-away on the handheld: pick a task (or scan the item), scan the bin to confirm."""

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from warehouse.accounts.models import Role
from warehouse.catalog import lots
from warehouse.core.errors import DomainError
from warehouse.core.i18n import msg
from warehouse.inbound import putaway, putaway_dialogue
from warehouse.inbound.models import PutawayReason
from warehouse.web.statuses import http_status

from ..htmx import render
from ..security import requires
from . import bp, stream
from .forms import PutawayScanForm, ScanForm
from .guards import needs_location
from .outcome import Outcome
from .resolver import resolve
from .transfers import opened_slip


@bp.route("/putaway", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def putaway_list():
    if (redirect_ := needs_location()) is not None:
        return redirect_
    form = ScanForm()
    if request.method == "GET":
        return _list_page(None)
    if (opened := opened_slip(form.scan.data)) is not None:
        return opened
    if not form.validate_on_submit() or not form.scan.data:
        return _list_page(Outcome.error(_("Scan an item to put away.")), 422)
    try:
        scan = resolve(form.scan.data, location_id=current_user.location_id, expect="product")
        if scan.kind != "product":
            return _list_page(Outcome.error(_("That is not an item. Scan the item you are holding.")), 422)
        lot = lots.existing(scan.product, scan.lot_code) if scan.lot_code else None
        if scan.lot_code and lot is None:
            return _list_page(
                Outcome.error(
                    msg(
                        "No lot {lot} of {sku} is waiting here. Check the label.",
                        lot=scan.lot_code,
                        sku=scan.product.sku,
                    )
                ),
                404,
            )
        task = putaway.begin(
            putaway.task_for_item(current_user.location_id, scan.product.id, lot.id if lot else None)
        )
    except DomainError as e:
        return _list_page(Outcome.error(e.message), http_status(e))
    return _task_page(task, PutawayScanForm(formdata=None), _where_to(task), push=True)


@bp.route("/putaway/<int(max=2147483647):task_id>", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def putaway_task(task_id):
    if (redirect_ := needs_location()) is not None:
        return redirect_
    task = putaway.get(task_id, location_id=current_user.location_id)
    form = PutawayScanForm()
    if request.method == "GET":
        return _task_page(putaway.begin(task), PutawayScanForm(formdata=None), _where_to(task))
    if (opened := opened_slip(form.scan.data)) is not None:
        return opened
    outcome, status = stream.answer(
        form,
        lambda value, scan_id, seq: putaway_dialogue.scan(
            task.id,
            value,
            qty=form.qty.data,
            reason=PutawayReason(form.reason.data) if form.reason.data else None,
            actor_id=current_user.id,
            scan_id=scan_id,
            seq=seq,
        ),
        empty=_("Scan the bin you put the goods in."),
        warn_on=(putaway.AlreadyPutAway,),  # another scan after it was done: say so, show the list
    )
    if status == 200:
        return _list_page(outcome, push=True)
    return _task_page(putaway.get(task_id), form, outcome, status)


def _where_to(task) -> Outcome:
    if task.suggested_bin is None:
        return Outcome.warn(
            _(
                "%(qty)s %(sku)s: no empty storage bin. Scan any storage bin and choose a reason.",
                qty=task.qty,
                sku=task.product.sku,
            )
        )
    return Outcome.ok(
        _(
            "%(qty)s %(sku)s: take to %(bin)s and scan the bin.",
            qty=task.qty,
            sku=task.product.sku,
            bin=task.suggested_bin.code,
        )
    )


def _list_page(outcome, status=200, push=False):
    response = render(
        "floor/putaway.html",
        "floor/_putaway_list_step.html",
        status=status,
        tasks=putaway.open_tasks(current_user.location_id),
        form=ScanForm(formdata=None),
        outcome=outcome,
    )
    if push:
        response.headers["HX-Push-Url"] = url_for("floor.putaway_list")
    return response


def _task_page(task, form, outcome, status=200, push=False):
    if form.qty.data is None:
        form.qty.data = task.qty
    response = render(
        "floor/putaway.html",
        "floor/_putaway_task_step.html",
        status=status,
        task=task,
        form=form,
        outcome=outcome,
    )
    if push:
        response.headers["HX-Push-Url"] = url_for("floor.putaway_task", task_id=task.id)
    return response
