"""Transfers between locations: draft -> approved -> in_transit -> received -> completed.

This module owns the state machine and the supervisor's steps: creating and editing
drafts, approving, cancelling and completing. Picking and shipping live in picking.py,
receiving in receiving.py, reads in queries.py.

- approve: reserve every line at the source, in the bins picking should use (FEFO for
  expiring lots, else the bin with the most available), as one reserve posting.
- complete: a supervisor closes a received transfer, once no unit is missing on arrival
  (missing.py). cancel: before shipping only; it releases the reservations.

Every step runs in one write transaction with the transfer row locked, and each posting
carries a key derived from the transfer, so a double tap or retry never posts twice: the
second attempt finds the transfer already moved on and is refused with TransferWrongState.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from warehouse import ledger
from warehouse.availability import expiry
from warehouse.catalog import locations, lots
from warehouse.catalog.models import NO_LOT, Location, Lot, Product
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    InsufficientStock,
    LotNotTracked,
    NoteTooLong,
    NotFound,
    NothingToPost,
    QuantityOutOfRange,
    SameLocation,
    TransferWrongState,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.integrations import events
from warehouse.ledger.models import Balance, MovementType
from warehouse.transfers.models import Transfer, TransferAllocation, TransferLine, TransferStatus

S = TransferStatus
TRANSITIONS = {  # the state machine, as a table (tested as a truth table)
    S.DRAFT: {S.APPROVED, S.CANCELLED},
    S.APPROVED: {S.IN_TRANSIT, S.CANCELLED},
    S.IN_TRANSIT: {S.RECEIVED},
    S.RECEIVED: {S.COMPLETED},
    S.COMPLETED: set(),
    S.CANCELLED: set(),
}
MAX_QTY = 1_000_000


def can_move(current: TransferStatus, target: TransferStatus) -> bool:
    return target in TRANSITIONS[current]


def locked_transfer(transfer_id: int) -> Transfer:
    """The transfer row locked for this write transaction (PostgreSQL; SQLite's BEGIN
    IMMEDIATE already serializes writers)."""
    transfer = db.session.get(Transfer, transfer_id, with_for_update=True, populate_existing=True)
    if transfer is None:
        raise NotFound(msg("No transfer #{id}. Check the slip.", id=transfer_id))
    return transfer


@dataclass(frozen=True)
class TransferMoved:
    """What listeners registered with `after_move` are told, inside the transaction of the
    change (what they write commits or rolls back with it)."""

    transfer_id: int
    number: str
    was: TransferStatus
    now: TransferStatus
    actor_id: int | None


_listeners: list = []


def after_move(listener):
    """Register `listener(TransferMoved)` to run after every status change of a transfer,
    in the same transaction (not on a replay, which changes nothing). A package above
    transfers follows its transfers this way without transfers knowing it: stock requests
    are fulfilled when their transfer is received."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def move_transfer(
    transfer: Transfer, target: TransferStatus, verb: str, *, actor_id: int | None = None
) -> None:
    if not can_move(transfer.status, target):
        raise TransferWrongState(_cannot_be(verb, number=transfer.number, status=transfer.status))
    was = transfer.status
    transfer.status = target
    transfer.version += 1
    moved = TransferMoved(transfer.id, transfer.number, was, target, actor_id)
    for listener in _listeners:
        listener(moved)
    events.publish(
        "transfer.status_changed",
        dict(  # in this transaction: sent only if it commits
            transfer_id=transfer.id,
            number=transfer.number,
            from_status=was.value,
            to_status=target.value,
            from_location_id=transfer.from_location_id,
            to_location_id=transfer.to_location_id,
        ),
    )


def _cannot_be(verb: str, **said) -> str:
    # Each step a whole sentence for translators; a step not listed here is said with its verb.
    if verb == "approved":
        return msg("{number} is {status}: it cannot be approved now.", **said)
    if verb == "shipped":
        return msg("{number} is {status}: it cannot be shipped now.", **said)
    if verb == "received":
        return msg("{number} is {status}: it cannot be received now.", **said)
    if verb == "completed":
        return msg("{number} is {status}: it cannot be completed now.", **said)
    if verb == "cancelled":
        return msg("{number} is {status}: it cannot be cancelled now.", **said)
    return msg("{number} is {status}: it cannot be {verb} now.", verb=verb, **said)


# --- draft ------------------------------------------------------------------------------


def create(
    from_location_id: int, to_location_id: int, *, actor_id: int, note: str = "", key: str | None = None
) -> Transfer:
    """A draft transfer. Checks: two different locations; the note's length; both are
    active and not transit (NotFound). A form's key makes a double submit return the first
    draft."""
    if from_location_id == to_location_id:
        raise SameLocation(msg("Choose two different locations."))
    if len(note) > 500:
        raise NoteTooLong(msg("Keep the note under {limit} characters.", limit=500))

    def make():
        for location_id in (from_location_id, to_location_id):
            location = db.session.get(Location, location_id)
            if location is None or not locations.workable(location):
                raise NotFound(msg("Choose one of the listed locations (not transit, not inactive)."))
        transfer = Transfer(
            from_location_id=from_location_id,
            to_location_id=to_location_id,
            created_by=actor_id,
            note=note or None,
        )
        db.session.add(transfer)
        db.session.flush()
        return transfer

    return commands.run(
        "transfers.create",
        make,
        key=key,
        actor_id=actor_id,
        request=[from_location_id, to_location_id, note],
        **commands.by_id(Transfer),
    )


def add_line(
    transfer_id: int,
    product: Product,
    qty: int,
    *,
    lot_code: str = "",
    actor_id: int | None = None,
    key: str | None = None,
) -> TransferLine:
    """Add a line to a draft. Checks: the quantity; the transfer is a draft
    (TransferWrongState); the lot belongs to the product and is given only when it is
    lot-tracked. A form's key makes a double submit add it once."""
    if not 1 <= qty <= MAX_QTY:
        raise QuantityOutOfRange(msg("Quantity must be 1 to {limit:,}.", limit=MAX_QTY))

    def add():
        transfer = locked_transfer(transfer_id)
        _editable(transfer)
        lot = _line_lot(product, lot_code)
        line = TransferLine(
            transfer_id=transfer.id,
            product_id=product.id,
            lot_id=lot.id if lot else NO_LOT,
            qty_requested=qty,
        )
        db.session.add(line)
        transfer.version += 1
        db.session.flush()
        return line

    return commands.run(
        "transfers.add_line",
        add,
        key=key,
        actor_id=actor_id,
        request=[transfer_id, product.id, qty, lot_code],
        **commands.by_id(TransferLine),
    )


def change_line(transfer_id: int, line_id: int, qty: int) -> None:
    """Set a draft line's quantity; 0 removes the line."""
    if not 0 <= qty <= MAX_QTY:
        raise QuantityOutOfRange(msg("Quantity must be 0 to {limit:,}.", limit=MAX_QTY))

    def change():
        transfer = locked_transfer(transfer_id)
        _editable(transfer)
        line = db.session.get(TransferLine, line_id)
        if line is None or line.transfer_id != transfer.id:
            raise NotFound(msg("No such line on this transfer."))
        if qty == 0:
            db.session.delete(line)
        elif line.qty_requested == qty:
            return  # a resend of the same quantity changes nothing
        else:
            line.qty_requested = qty
        transfer.version += 1

    ledger.atomically(change)


def _editable(transfer: Transfer) -> None:
    if transfer.status is not S.DRAFT:
        raise TransferWrongState(
            msg(
                "{number} is {status}: only drafts can be edited.",
                number=transfer.number,
                status=transfer.status,
            )
        )


def _line_lot(product: Product, lot_code: str) -> Lot | None:
    if not lot_code:
        return None
    if not product.lot_tracked:
        raise LotNotTracked(msg("{sku} is not lot-tracked: leave the lot empty.", sku=product.sku))
    lot = lots.existing(product, lot_code)
    if lot is None:
        raise NotFound(msg("No lot {lot} of {sku}.", lot=lot_code, sku=product.sku))
    return lot


# --- approve and cancel -----------------------------------------------------------------


def approve(transfer_id: int, *, actor_id: int) -> Transfer:
    """Reserve every line at the source, or refuse the whole approval."""

    def run():
        transfer = locked_transfer(transfer_id)
        move_transfer(transfer, S.APPROVED, "approved", actor_id=actor_id)
        if not transfer.lines:
            raise NothingToPost(msg("{number} has no lines. Add at least one.", number=transfer.number))
        reserve = _allocate(transfer)
        ledger.post(
            MovementType.RESERVE,
            reserve,
            actor_id=actor_id,
            key=f"transfer:{transfer.id}:approve",
            reference=("transfer", transfer.number),
        )
        transfer.approved_at = utcnow()
        return transfer

    return ledger.atomically(run)


def _allocate(transfer: Transfer) -> list[ledger.Line]:
    """Choose source bins for each line and record them; return the reserve lines."""
    taken: dict[tuple, int] = defaultdict(int)  # units already allocated per key in this run
    reserve: dict[tuple, int] = defaultdict(int)
    for line in transfer.lines:
        wanted = line.qty_requested
        for balance in allocation_candidates(line, transfer.from_location_id):
            key = (balance.product_id, balance.bin_id, balance.lot_id)
            free = balance.available - taken[key]
            if free <= 0:
                continue
            qty = min(free, wanted)
            taken[key] += qty
            reserve[(line.product_id, balance.location_id, balance.bin_id, balance.lot_id)] += qty
            db.session.add(
                TransferAllocation(line_id=line.id, bin_id=balance.bin_id, lot_id=balance.lot_id, qty=qty)
            )
            wanted -= qty
            if wanted == 0:
                break
        if wanted:
            have = line.qty_requested - wanted
            raise InsufficientStock(
                msg(
                    "Not enough {sku} at {location}: available {available}, requested {requested}. "
                    "Lower the quantity or wait for stock.",
                    sku=line.product.sku,
                    location=transfer.from_location.code,
                    available=have,
                    requested=line.qty_requested,
                )
            )
    return [
        ledger.Line(product_id, location_id, bin_id, lot_id, reserved=qty)
        for (product_id, location_id, bin_id, lot_id), qty in reserve.items()
    ]


def allocation_candidates(line: TransferLine, location_id: int) -> list[Balance]:
    """Bins to pick a line from, in the order reservations take stock (expiry.py):
    first-expiry-first, then the fullest bin; never receiving bins or expired lots."""
    return expiry.fefo_candidates(
        line.product_id, location_id, lot_id=None if line.lot_id == NO_LOT else line.lot_id
    )


def cancel(transfer_id: int, *, actor_id: int) -> Transfer:
    """Cancel before shipping: release every reservation; nothing else changes."""

    def run():
        transfer = locked_transfer(transfer_id)
        was_approved = transfer.status is S.APPROVED
        move_transfer(transfer, S.CANCELLED, "cancelled", actor_id=actor_id)
        if was_approved:
            ledger.post(
                MovementType.RELEASE,
                release_lines(transfer),
                actor_id=actor_id,
                key=f"transfer:{transfer.id}:cancel",
                reference=("transfer", transfer.number),
            )
        transfer.cancelled_at = utcnow()
        return transfer

    return ledger.atomically(run)


def release_lines(transfer: Transfer) -> list[ledger.Line]:
    held: dict[tuple, int] = defaultdict(int)
    for line in transfer.lines:
        for allocation in line.allocations:
            held[(line.product_id, transfer.from_location_id, allocation.bin_id, allocation.lot_id)] += (
                allocation.qty
            )
    return [ledger.Line(*key, reserved=-qty) for key, qty in held.items()]


# --- complete -------------------------------------------------------------------------


def complete(transfer_id: int, *, actor_id: int) -> Transfer:
    """A supervisor has looked at the differences and closes the transfer. Refused while
    units are missing on arrival: each must be said found or lost first (missing.py; the
    last such decision completes the transfer)."""

    def run():
        transfer = locked_transfer(transfer_id)
        if transfer.status is S.RECEIVED and transfer.units_missing:
            waiting = ", ".join(f"{l.qty_missing} × {l.product.sku}" for l in transfer.lines if l.qty_missing)
            said = dict(number=transfer.number, missing=transfer.units_missing, waiting=waiting)
            raise TransferWrongState(
                msg(
                    "{number} has 1 unit missing on arrival ({waiting}), still in transit. "
                    "Say whether they were found or lost: the transfer completes then.",
                    **said,
                )
                if transfer.units_missing == 1
                else msg(
                    "{number} has {missing} units missing on arrival ({waiting}), still in transit. "
                    "Say whether they were found or lost: the transfer completes then.",
                    **said,
                )
            )
        move_transfer(transfer, S.COMPLETED, "completed", actor_id=actor_id)
        transfer.completed_at = utcnow()
        return transfer

    return ledger.atomically(run)
