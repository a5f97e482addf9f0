"""Receiving a transfer at its destination.

Count at the destination (short, over and damaged recorded per line with a reason);
finishing is one transfer_in posting from transit into the destination's receiving bin,
and opens put-away tasks. Damaged and short units do not arrive.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from warehouse import ledger
from warehouse.catalog.models import NO_LOT, Bin, Product
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    DamagedOutOfRange,
    DifferenceUnexplained,
    NotFound,
    PickRefused,
    QuantityOutOfRange,
    TransferWrongState,
    UnshippedLotTrackedUnits,
)
from warehouse.inbound import putaway, receiving
from warehouse.ledger.models import MovementType
from warehouse.transfers.lifecycle import MAX_QTY, S, locked_transfer, move_transfer
from warehouse.transfers.models import ReceiveReason, Transfer, TransferLine
from warehouse.transfers.picking import transit
from warehouse.transfers.queries import get


def count_received(
    transfer_id: int, product: Product, qty: int, *, actor_id: int, key: str | None = None
) -> TransferLine:
    """Count units arriving at the destination against the shipped lines.

    Checks, in order: the quantity (1 to MAX_QTY); the transfer is being received
    (TransferWrongState); the item is on it (PickRefused); extra good units have a lot to
    land on. A scan's id as `key` makes a retried scan count once."""
    if not 1 <= qty <= MAX_QTY:
        raise QuantityOutOfRange(f"Count 1 to {MAX_QTY:,} units.")

    def run():
        transfer = _receiving(transfer_id)
        lines = [line for line in transfer.lines if line.product_id == product.id]
        if not lines:
            raise PickRefused(
                f"{product.sku} is not on {transfer.number}. Set it aside and tell a supervisor."
            )
        # The first line still short of what shipped; past that, the last line that has a
        # lot to put extra units on (an item may be on two lines, one picked short to nothing).
        line = next((l for l in lines if l.qty_received < l.qty_picked), None) or next(
            (l for l in reversed(lines) if l.picks or l.lot_id != NO_LOT), lines[-1]
        )
        _check_extra_has_a_lot(transfer, line, line.qty_received + qty, line.qty_damaged)
        line.qty_received += qty
        transfer.version += 1
        return line

    return commands.run(
        "transfers.count_received",
        run,
        key=key,
        actor_id=actor_id,
        request=[transfer_id, product.id, qty],
        **commands.by_id(TransferLine),
    )


def set_received(
    transfer_id: int, line_id: int, *, received: int, damaged: int, reason: ReceiveReason | None
) -> TransferLine:
    """Correct a line's counts and say why they differ from what was shipped."""
    if not (0 <= damaged <= received <= MAX_QTY):
        raise DamagedOutOfRange("Damaged must be between 0 and the units received.")

    def run():
        transfer = _receiving(transfer_id)
        line = next((l for l in transfer.lines if l.id == line_id), None)
        if line is None:
            raise NotFound("No such line on this transfer.")
        _check_extra_has_a_lot(transfer, line, received, damaged)
        wanted = (received, damaged, ReceiveReason(reason) if reason else None)
        if (line.qty_received, line.qty_damaged, line.receive_reason) != wanted:  # a resend changes nothing
            line.qty_received, line.qty_damaged, line.receive_reason = wanted
            transfer.version += 1
        return line

    return ledger.atomically(run)


def _check_extra_has_a_lot(transfer: Transfer, line: TransferLine, received: int, damaged: int) -> None:
    """Good units (received - damaged) beyond what was picked land on the line's last
    picked lot, or its named lot. A lot-tracked line that shipped nothing has no lot to put
    them on, and the ledger never books lot-tracked stock without one: refuse now, not at
    Finish. Damaged units are not booked, so they need no lot."""
    if (
        received - damaged > line.qty_picked
        and line.product.lot_tracked
        and not line.picks
        and line.lot_id == NO_LOT
    ):
        raise UnshippedLotTrackedUnits(
            f"{line.product.sku} was not shipped on {transfer.number} and is lot-tracked: set these "
            "units aside and book them with Receive (scan them with their lot), not on this transfer."
        )


def _receiving(transfer_id: int) -> Transfer:
    transfer = locked_transfer(transfer_id)
    if transfer.status is not S.IN_TRANSIT:
        raise TransferWrongState(
            f"{transfer.number} is {transfer.status.value.replace('_', ' ')}: "
            "only transfers in transit are received."
        )
    return transfer


def differences(transfer: Transfer) -> list[str]:
    """Lines whose count differs from what shipped (or has damage) and lacks a reason."""
    return [
        line.product.sku
        for line in transfer.lines
        if (line.qty_received != line.qty_picked or line.qty_damaged) and line.receive_reason is None
    ]


@dataclass(frozen=True)
class LineCount:
    received: int
    damaged: int = 0
    reason: ReceiveReason | None = None


def receive_as_counted(transfer_id: int, counts: dict[int, LineCount], *, actor_id: int) -> ledger.Posted:
    """Set the given lines' counts (lines left out arrive as shipped), then finish."""
    transfer = get(transfer_id)
    unknown = set(counts) - {line.id for line in transfer.lines}
    if unknown:
        raise NotFound(f"No line {min(unknown)} on {transfer.number}.")
    if transfer.status is S.IN_TRANSIT:
        for line in transfer.lines:
            count = counts.get(line.id, LineCount(line.qty_picked))
            set_received(
                transfer_id, line.id, received=count.received, damaged=count.damaged, reason=count.reason
            )
    return finish_receiving(transfer_id, actor_id=actor_id)


def finish_receiving(transfer_id: int, *, actor_id: int) -> ledger.Posted:
    """Everything shipped leaves transit; the good units land in the destination's
    receiving bin (one transfer_in posting) and put-away tasks open."""

    def run():
        transfer = locked_transfer(transfer_id)
        key = f"transfer:{transfer.id}:receive"
        if transfer.status is not S.IN_TRANSIT:
            move_transfer(transfer, S.RECEIVED, "received")  # refuses with the state in words
        if missing := differences(transfer):
            raise DifferenceUnexplained(
                f"Say why {', '.join(missing)} differ from what was shipped "
                "(short, over or damaged), then finish."
            )
        move_transfer(transfer, S.RECEIVED, "received")
        transfer.received_at = utcnow()
        posted = ledger.post(
            MovementType.TRANSFER_IN,
            _receive_lines(transfer),
            actor_id=actor_id,
            key=key,
            reference=("transfer", transfer.number),
        )
        dock = receiving.receiving_bin(transfer.to_location_id)
        for (product_id, _loc, _bin, lot_id), qty in _good_units(transfer, dock).items():
            putaway.open_task(dock, product_id, lot_id, qty)
        return posted

    return ledger.atomically(run)


def _receive_lines(transfer: Transfer) -> list[ledger.Line]:
    transit_bin = transit(transfer)
    leaving: dict[tuple, int] = defaultdict(int)
    for line in transfer.lines:
        for p in line.picks:
            leaving[(line.product_id, transit_bin.location_id, transit_bin.id, p.lot_id)] -= p.qty
    dock = receiving.receiving_bin(transfer.to_location_id)
    return [ledger.Line(*key, qty=qty) for key, qty in leaving.items()] + [
        ledger.Line(*key, qty=qty) for key, qty in _good_units(transfer, dock).items()
    ]


def _good_units(transfer: Transfer, dock: Bin) -> dict[tuple, int]:
    """Received minus damaged per line, spread over the lots in the order they were picked
    (over-received units count as the line's last lot)."""
    good: dict[tuple, int] = defaultdict(int)
    for line in transfer.lines:
        left = line.qty_received - line.qty_damaged
        lots_picked = [p.lot_id for p in line.picks] or [line.lot_id]
        for p in line.picks:
            take = min(p.qty, left)
            if take:
                good[(line.product_id, dock.location_id, dock.id, p.lot_id)] += take
            left -= take
        if left > 0:
            good[(line.product_id, dock.location_id, dock.id, lots_picked[-1])] += left
    return {key: qty for key, qty in good.items() if qty}
