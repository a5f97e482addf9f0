"""Put-away tasks: the open ones, a task by hand for units waiting in a receiving bin, and
confirming a task into a bin, with the floor's rules (warehouse/inbound/putaway.py): a
storage bin of the task's location, the suggested one or another with a reason, 1 to the
task's quantity (fewer leaves a task for the rest). Floor work: an operator's token may.

A task's quantity is units waiting in a receiving bin, and receiving bins are never in a
count batch (warehouse/counts/batches.py counts storage): nothing here can give away the
on-hand of a bin being counted, so no figure is withheld.
"""

from __future__ import annotations

from sqlalchemy import select

from warehouse.accounts import permissions as P
from warehouse.catalog import locations, lots
from warehouse.catalog.models import NO_LOT
from warehouse.core.errors import NotFound
from warehouse.core.extensions import db
from warehouse.inbound import putaway, receiving
from warehouse.inbound.models import PutawayReason, PutawayTask, Receipt
from warehouse.ledger import stock

from . import bp, examples, reads
from . import floor_schemas as s
from .spec import operation
from .types import Page


def tasks_out(tasks: list[PutawayTask]) -> list[s.PutawayTaskOut]:
    """Tasks as the API shows them, with their receipts' numbers found in one query."""
    ids = {t.receipt_id for t in tasks if t.receipt_id}
    numbers = {}
    if ids:
        rows = db.session.execute(select(Receipt.id, Receipt.serial).where(Receipt.id.in_(ids)))
        numbers = {receipt_id: f"RCV-{serial:06d}" for receipt_id, serial in rows}
    return [_task_out(t, numbers.get(t.receipt_id)) for t in tasks]


def _task_out(task: PutawayTask, receipt: str | None) -> s.PutawayTaskOut:
    return s.PutawayTaskOut(
        id=task.id,
        status=task.status.value,
        location=task.from_bin.location.code,
        sku=task.product.sku,
        product_name=task.product.name,
        lot=task.lot.code if task.lot_id != NO_LOT else None,
        from_bin=task.from_bin.code,
        quantity=task.qty,
        suggested_bin=task.suggested_bin.code if task.suggested_bin else None,
        to_bin=task.to_bin.code if task.to_bin else None,
        reason=task.reason.value if task.reason else None,
        receipt=receipt,
        created_at=task.created_at,
        done_at=task.done_at,
    )


@operation(
    bp,
    "GET",
    "/putaway",
    summary="Open put-away tasks, oldest first",
    tag="putaway",
    permission=P.INVENTORY_READ,
    query=s.PutawayQuery,
    response=Page[s.PutawayTaskOut],
)
def list_tasks(caller, query: s.PutawayQuery):
    chosen = putaway.open_tasks_query(
        location_id=locations.require(query.location).id if query.location else None,
        product_id=stock.product_by_code(query.sku).id if query.sku else None,
    )
    listed = reads.page_of(chosen, query.page, query.limit)
    return Page[s.PutawayTaskOut](data=tasks_out(listed.rows), meta=listed.meta)


@operation(
    bp,
    "POST",
    "/putaway",
    summary="Open a put-away task for units waiting in a receiving bin without one",
    tag="putaway",
    permission=P.INVENTORY_WRITE,
    body=s.PutawayIn,
    response=s.PutawayTaskOut,
    status=201,
    example=examples.PUTAWAY_IN,
    answer=examples.PUTAWAY_TASK,
)
def create_task(caller, body: s.PutawayIn):
    """No stock moves: the task says what to move where (a storage bin is suggested).
    Receipts, transfer receipts and released holds open their tasks by themselves; this
    covers units that no open task covers (more: `409 nothing_waiting_to_put_away`)."""
    product = stock.product_by_code(body.sku)
    location = locations.require(body.location)
    bin = locations.bin_at(location.code, body.bin) if body.bin else receiving.receiving_bin(location.id)
    if bin is None:
        raise NotFound(f"No bin {body.bin} at {location.code}. Check the bin label.")
    lot = None
    if body.lot:
        lot = lots.existing(product, body.lot)
        if lot is None:
            raise NotFound(f"No lot {body.lot} of {product.sku}. Check the label.")
    task = putaway.create_task(product, bin, body.quantity, lot=lot)
    return tasks_out([putaway.get(task.id)])[0]


@operation(
    bp,
    "POST",
    "/putaway/<int:task_id>/confirm",
    summary="Confirm a put-away task into a storage bin (all of it, or fewer)",
    tag="putaway",
    permission=P.INVENTORY_WRITE,
    body=s.ConfirmIn,
    response=s.ConfirmOut,
    example=examples.CONFIRM_IN,
    answer=examples.CONFIRMED,
)
def confirm_task(caller, task_id: int, body: s.ConfirmIn):
    """One `putaway` posting from the receiving bin into `bin`. Refused as on the floor: a
    bin of another location, not storage or out of use, or other than the suggested one
    without a reason (`409 wrong_bin`); a task done already (`409 already_put_away`); more
    than the task (`422`)."""
    task = putaway.get(task_id)
    bin = locations.bin_at(task.from_bin.location.code, body.bin)
    if bin is None:
        raise NotFound(f"No bin {body.bin} at {task.from_bin.location.code}. Scan the bin label.")
    done = putaway.confirm(
        task.id,
        bin,
        qty=body.quantity,
        reason=PutawayReason(body.reason) if body.reason else None,
        actor_id=caller.user_id,
    )
    shown = tasks_out([done.task] + ([done.rest] if done.rest else []))
    return s.ConfirmOut(
        task=shown[0], rest=shown[1] if done.rest else None, posting_id=done.posted.posting_id
    )
