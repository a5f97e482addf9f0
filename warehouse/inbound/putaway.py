"""Put-away: move received goods from the receiving bin into storage.

The system suggests a bin (one already holding the same SKU and lot with room for it,
else the first empty storage bin by bin code); the operator scans the bin to confirm. A
different bin needs a reason, which is recorded. Confirming less than the task's quantity
closes the task for what moved and opens a new task for the rest. Each confirmation is
one bin-to-bin ledger posting; a task is claimed by a guarded UPDATE, so a double scan,
double tap or retried request can never move the goods twice.

Tasks open by themselves when goods land in a receiving bin (a receipt, a transfer, a hold
released there); `create_task` makes one by hand for units there that no task covers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import joinedload

from warehouse import ledger
from warehouse.catalog.models import NO_LOT, Bin, BinKind, Lot, Product
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    AlreadyPutAway,
    LotNotTracked,
    LotOfAnotherProduct,
    LotRequired,
    NotAReceivingBin,
    NotFound,
    NothingWaitingToPutAway,
    QuantityOutOfRange,
    WrongBin,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.inbound.models import PutawayReason, PutawayTask, TaskStatus
from warehouse.ledger.models import Balance, MovementType


def after_arrival(bin: Bin, product_id: int, lot_id: int, qty: int) -> PutawayTask | None:
    """Units that arrived in a receiving bin outside a receipt (an adjustment there, a
    released hold) get a put-away task, as a receipt's units do, so they show on the floor's
    put-away list instead of waiting there unseen. None elsewhere."""
    if qty <= 0 or bin.kind is not BinKind.RECEIVING:
        return None
    return open_task(bin, product_id, lot_id, qty)


def open_task(
    from_bin: Bin,
    product_id: int,
    lot_id: int,
    qty: int,
    *,
    receipt_id: int | None = None,
    split_from_id: int | None = None,
) -> PutawayTask:
    """Open a task (inside the caller's transaction) with a bin suggestion."""
    suggestion = suggest_bin(from_bin.location_id, product_id, lot_id, qty)
    task = PutawayTask(
        location_id=from_bin.location_id,
        product_id=product_id,
        lot_id=lot_id,
        from_bin_id=from_bin.id,
        qty=qty,
        receipt_id=receipt_id,
        split_from_id=split_from_id,
        suggested_bin_id=suggestion.id if suggestion else None,
    )
    db.session.add(task)
    return task


def suggest_bin(location_id: int, product_id: int, lot_id: int, qty: int) -> Bin | None:
    """A storage bin already holding this SKU and lot with room, else the first empty one.

    Units are summed per candidate bin only (a correlated subquery on the bin index), never
    for the whole location: a big warehouse has tens of thousands of balances.
    """
    units_in_bin = (
        select(func.coalesce(func.sum(Balance.on_hand), 0))
        .where(Balance.bin_id == Bin.id)
        .correlate(Bin)
        .scalar_subquery()
    )
    storage = and_(Bin.location_id == location_id, Bin.kind == BinKind.STORAGE, Bin.active.is_(True))
    same_item = db.session.scalar(
        select(Bin)
        .join(Balance, Balance.bin_id == Bin.id)
        .where(
            storage,
            Balance.location_id == location_id,
            Balance.product_id == product_id,
            Balance.lot_id == lot_id,
            Balance.on_hand > 0,
            or_(Bin.capacity.is_(None), Bin.capacity - units_in_bin >= qty),
        )
        .order_by(Bin.code)
        .limit(1)
    )
    if same_item is not None:
        return same_item
    occupied = select(Balance.id).where(Balance.bin_id == Bin.id, Balance.on_hand > 0).correlate(Bin)
    return db.session.scalar(
        select(Bin)
        .where(storage, ~occupied.exists(), or_(Bin.capacity.is_(None), Bin.capacity >= qty))
        .order_by(Bin.code)
        .limit(1)
    )


def open_tasks(location_id: int) -> list[PutawayTask]:
    """The location's open tasks, oldest first (one query, related rows joined)."""
    return list(db.session.scalars(open_tasks_query(location_id=location_id)))


def open_tasks_query(*, location_id: int | None = None, product_id: int | None = None) -> Select:
    """Open tasks oldest first (of one location, of one product, or all), with what a list
    shows joined: for a caller that pages them (the API)."""
    query = (
        select(PutawayTask)
        .options(
            joinedload(PutawayTask.product),
            joinedload(PutawayTask.lot),
            joinedload(PutawayTask.from_bin).joinedload(Bin.location),
            joinedload(PutawayTask.suggested_bin),
        )
        .where(PutawayTask.status == TaskStatus.OPEN)
        .order_by(PutawayTask.id)
    )
    if location_id is not None:
        query = query.where(PutawayTask.location_id == location_id)
    if product_id is not None:
        query = query.where(PutawayTask.product_id == product_id)
    return query


# --- a task by hand ----------------------------------------------------------------------

MAX_QTY = 1_000_000


def create_task(product: Product, bin: Bin, qty: int, *, lot: Lot | None = None) -> PutawayTask:
    """A task by hand for units sitting in a receiving bin that no open task covers (a
    receipt, a transfer or a hold release opens tasks by itself; units counted into a
    receiving bin, or a task lost to a mistake, need one made). No stock moves.

    Checks, in order: the quantity (1 to MAX_QTY); the bin is an active receiving bin
    (NotAReceivingBin); the lot belongs to the product and is given exactly when it is
    lot-tracked; `qty` units of the key are there, free (not reserved or held) and not
    covered by open tasks (NothingWaitingToPutAway)."""
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
        raise QuantityOutOfRange(msg("A put-away task moves 1 to {most:,} units.", most=MAX_QTY))
    if bin.kind is not BinKind.RECEIVING or not bin.active:
        raise NotAReceivingBin(
            msg(
                "{bin} is not an active receiving bin: put-away tasks move units from a receiving bin "
                "into storage. Move units between storage bins with a stock adjustment.",
                bin=bin.code,
            )
        )
    _check_lot(product, lot)
    lot_id = lot.id if lot else NO_LOT

    def run() -> PutawayTask:
        left = waiting(bin, product.id, lot_id, lock=True)
        if qty > left:
            raise NothingWaitingToPutAway(
                msg(
                    "Only {left} {sku} in {bin} wait without a put-away task: "
                    "make a task of {left} or fewer, or use the open tasks.",
                    left=left,
                    sku=product.sku,
                    bin=bin.code,
                )
                if left > 0
                else msg(
                    "No {sku} in {bin} waits without a put-away task: use the open tasks.",
                    sku=product.sku,
                    bin=bin.code,
                )
            )
        task = open_task(bin, product.id, lot_id, qty)
        db.session.flush()
        return task

    return ledger.atomically(run)


def waiting(bin: Bin, product_id: int, lot_id: int, *, lock: bool = False) -> int:
    """Units of a key in a receiving bin that could be put away and no open task covers:
    free (on hand - reserved - held) less the open tasks' quantities. `lock` locks the
    balance row first (PostgreSQL), so two requests cannot both cover the same units."""
    query = select(Balance.on_hand - Balance.reserved - Balance.held).where(
        Balance.product_id == product_id, Balance.bin_id == bin.id, Balance.lot_id == lot_id
    )
    free = db.session.scalar(query.with_for_update() if lock else query) or 0
    tasked = db.session.scalar(
        select(func.coalesce(func.sum(PutawayTask.qty), 0)).where(
            PutawayTask.status == TaskStatus.OPEN,
            PutawayTask.from_bin_id == bin.id,
            PutawayTask.product_id == product_id,
            PutawayTask.lot_id == lot_id,
        )
    )
    return max(free - int(tasked), 0)


def _reserved_to_carry(task: PutawayTask, qty: int) -> int:
    """Units reserved in the receiving bin that must go along with the `qty` put away:
    those the free units there do not cover. Units that arrived for a backorder are
    reserved where they landed (availability/backorders.py); they stay reserved on the
    shelf, and the reservation rows follow them (a ledger listener moves them)."""
    row = db.session.execute(
        select(Balance.on_hand, Balance.reserved, Balance.held)
        .where(
            Balance.product_id == task.product_id,
            Balance.bin_id == task.from_bin_id,
            Balance.lot_id == task.lot_id,
        )
        .with_for_update()
    ).first()
    if row is None or row.reserved == 0:
        return 0
    free = max(row.on_hand - row.reserved - row.held, 0)
    return min(row.reserved, max(qty - free, 0))


def _check_lot(product: Product, lot: Lot | None) -> None:
    if lot is not None and lot.product_id != product.id:
        raise LotOfAnotherProduct(msg("Lot {lot} is not a lot of {sku}.", lot=lot.code, sku=product.sku))
    if product.lot_tracked and lot is None:
        raise LotRequired(msg("{sku} is lot-tracked: say which lot waits to be put away.", sku=product.sku))
    if lot is not None and not product.lot_tracked:
        raise LotNotTracked(msg("{sku} is not lot-tracked: leave the lot empty.", sku=product.sku))


def get(task_id: int, *, location_id: int | None = None) -> PutawayTask:
    """A task; with location_id, only a task of that location (an operator's own)."""
    task = db.session.get(PutawayTask, task_id)
    if task is None or (location_id is not None and task.location_id != location_id):
        raise NotFound(msg("No put-away task #{task_id}. Go back to the task list.", task_id=task_id))
    return task


def begin(task: PutawayTask) -> PutawayTask:
    """The operator is about to carry this task. Keep its suggestion while that bin still
    fits (empty, or holding this SKU and lot); otherwise suggest again from the stock as it
    is now (bins fill up between receipt and put-away)."""
    if task.status is not TaskStatus.OPEN or _still_fits(task):
        return task

    def resuggest():
        suggestion = suggest_bin(task.location_id, task.product_id, task.lot_id, task.qty)
        db.session.execute(
            update(PutawayTask)
            .where(PutawayTask.id == task.id, PutawayTask.status == TaskStatus.OPEN)
            .values(suggested_bin_id=suggestion.id if suggestion else None)
        )

    ledger.atomically(resuggest)
    db.session.refresh(task)
    return task


def _still_fits(task: PutawayTask) -> bool:
    if task.suggested_bin_id is None:
        return False
    others = db.session.scalar(
        select(func.count())
        .select_from(Balance)
        .where(
            Balance.bin_id == task.suggested_bin_id,
            Balance.on_hand > 0,
            or_(Balance.product_id != task.product_id, Balance.lot_id != task.lot_id),
        )
    )
    return others == 0


def task_for_item(location_id: int, product_id: int, lot_id: int | None = None) -> PutawayTask:
    """The oldest open task for a scanned item (and lot, when the scan carried one)."""
    query = select(PutawayTask).where(
        PutawayTask.location_id == location_id,
        PutawayTask.status == TaskStatus.OPEN,
        PutawayTask.product_id == product_id,
    )
    if lot_id is not None:
        query = query.where(PutawayTask.lot_id == lot_id)
    task = db.session.scalar(query.order_by(PutawayTask.id).limit(1))
    if task is None:
        raise NotFound(
            msg(
                "Nothing of this item is waiting to be put away here. "
                "Check the label, or pick a task from the list."
            )
        )
    return task


@dataclass
class Confirmed:
    task: PutawayTask
    rest: PutawayTask | None
    posted: ledger.Posted


def confirm(
    task_id: int, bin: Bin, *, qty: int | None = None, reason: PutawayReason | None = None, actor_id: int
) -> Confirmed:
    """Move the task's goods (or `qty` of them) into `bin`. All or nothing."""
    return ledger.atomically(_confirm, task_id, bin, qty, reason, actor_id)


def _confirm(task_id, bin, qty, reason, actor_id) -> Confirmed:
    task = get(task_id)
    if task.status is TaskStatus.DONE:
        raise AlreadyPutAway(msg("Already put away to {bin}. Scan the next item.", bin=task.to_bin.code))
    qty = task.qty if qty is None else qty
    _check_destination(task, bin, qty, reason)
    rest = task.qty - qty  # before the UPDATE below, which also sets task.qty in memory
    claimed = db.session.execute(
        update(PutawayTask)
        .where(PutawayTask.id == task.id, PutawayTask.status == TaskStatus.OPEN)
        .values(
            status=TaskStatus.DONE,
            qty=qty,
            to_bin_id=bin.id,
            reason=reason,
            user_id=actor_id,
            done_at=utcnow(),
        )
    )
    if claimed.rowcount != 1:  # confirmed by a concurrent request: ours writes nothing
        raise AlreadyPutAway(msg("Already put away on another request. Scan the next item."))
    carried = _reserved_to_carry(task, qty)
    posted = ledger.post(
        MovementType.PUTAWAY,
        [
            ledger.Line(
                task.product_id, task.location_id, task.from_bin_id, task.lot_id, qty=-qty, reserved=-carried
            ),
            ledger.Line(task.product_id, bin.location_id, bin.id, task.lot_id, qty=qty, reserved=carried),
        ],
        actor_id=actor_id,
        key=f"putaway:{task.id}",
        reference=("putaway_task", str(task.id)),
    )
    db.session.execute(
        update(PutawayTask).where(PutawayTask.id == task.id).values(posting_id=posted.posting_id)
    )
    remainder = (
        open_task(
            task.from_bin,
            task.product_id,
            task.lot_id,
            rest,
            receipt_id=task.receipt_id,
            split_from_id=task.id,
        )
        if rest
        else None
    )
    db.session.flush()
    db.session.refresh(task)
    return Confirmed(task, remainder, posted)


def _check_destination(task: PutawayTask, bin: Bin, qty: int, reason: PutawayReason | None) -> None:
    if not 1 <= qty <= task.qty:
        raise QuantityOutOfRange(msg("Put away 1 to {most} units on this task.", most=task.qty))
    if bin.location_id != task.location_id:
        raise WrongBin(msg("{bin} is in another location. Scan a bin here.", bin=bin.code))
    if not bin.active:
        raise WrongBin(msg("{bin} is out of use. Scan another storage bin.", bin=bin.code))
    if bin.kind is not BinKind.STORAGE:
        raise WrongBin(_not_storage(bin))
    suggested = task.suggested_bin
    if suggested is not None and bin.id != suggested.id and reason is None:
        raise WrongBin(
            msg(
                "{bin} is not the suggested bin {suggested}. Scan {suggested}, or choose a reason and scan {bin} again.",
                bin=bin.code,
                suggested=suggested.code,
            )
        )


def _not_storage(bin: Bin):
    """Why goods are not put away into a bin of another kind: one whole sentence per kind,
    for translators."""
    if bin.kind is BinKind.RECEIVING:
        return msg("{bin} is a receiving bin, not storage. Scan a storage bin.", bin=bin.code)
    if bin.kind is BinKind.STAGING:
        return msg("{bin} is a staging bin, not storage. Scan a storage bin.", bin=bin.code)
    if bin.kind is BinKind.SHIPPING:
        return msg("{bin} is a shipping bin, not storage. Scan a storage bin.", bin=bin.code)
    return msg("{bin} is a {kind} bin, not storage. Scan a storage bin.", bin=bin.code, kind=bin.kind)
