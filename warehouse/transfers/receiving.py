"""Receiving a transfer at its destination.

Count at the destination (short, over and damaged recorded per line with a reason);
finishing is one transfer_in posting from transit into the destination's receiving bin:
good units land there and get put-away tasks, damaged units land there on a damage hold,
and units short on arrival stay in transit as the line's missing units until a supervisor
says found or lost (missing.py). Nothing shipped vanishes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass

from warehouse import ledger
from warehouse.availability import holds
from warehouse.availability.models import HoldReason
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
from warehouse.core.i18n import Message, msg
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
        raise QuantityOutOfRange(msg("Count 1 to {most:,} units.", most=MAX_QTY))

    def run():
        transfer = _receiving(transfer_id)
        lines = [line for line in transfer.lines if line.product_id == product.id]
        if not lines:
            raise PickRefused(
                msg(
                    "{sku} is not on {number}. Set it aside and tell a supervisor.",
                    sku=product.sku,
                    number=transfer.number,
                )
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


def receive_to_total(transfer_id: int, line_id: int, total: int, *, actor_id: int) -> TransferLine:
    """An operator typed how many of a line's item arrived in all: count the difference in,
    judged under the transfer's lock. Fewer than already counted is refused: the line's
    own Received field corrects it (with a reason)."""
    if not 1 <= total <= MAX_QTY:
        raise QuantityOutOfRange(msg("Count 1 to {most:,} units.", most=MAX_QTY))

    def run() -> TransferLine:
        transfer = _receiving(transfer_id)
        line = next((l for l in transfer.lines if l.id == line_id), None)
        if line is None:
            raise NotFound(msg("No such line on this transfer."))
        more = total - line.qty_received
        if more < 0:
            raise QuantityOutOfRange(
                msg(
                    "{received} {sku} are counted already. To lower it, change Received on its line below.",
                    received=line.qty_received,
                    sku=line.product.sku,
                )
            )
        if more:
            _check_extra_has_a_lot(transfer, line, total, line.qty_damaged)
            line.qty_received = total
            transfer.version += 1
        return line

    return ledger.atomically(run)


def set_received(
    transfer_id: int, line_id: int, *, received: int, damaged: int, reason: ReceiveReason | None
) -> TransferLine:
    """Correct a line's counts and say why they differ from what was shipped."""
    if not (0 <= damaged <= received <= MAX_QTY):
        raise DamagedOutOfRange(msg("Damaged must be between 0 and the units received."))

    def run():
        transfer = _receiving(transfer_id)
        line = next((l for l in transfer.lines if l.id == line_id), None)
        if line is None:
            raise NotFound(msg("No such line on this transfer."))
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
    Finish. Damaged units of such a line are set aside, not booked (see `arrival`), so
    they need no lot."""
    if (
        received - damaged > line.qty_picked
        and line.product.lot_tracked
        and not line.picks
        and line.lot_id == NO_LOT
    ):
        raise UnshippedLotTrackedUnits(
            msg(
                "{sku} was not shipped on {number} and is lot-tracked: set these units aside and book "
                "them with Receive (scan them with their lot), not on this transfer.",
                sku=line.product.sku,
                number=transfer.number,
            )
        )


def _receiving(transfer_id: int) -> Transfer:
    transfer = locked_transfer(transfer_id)
    if transfer.status is not S.IN_TRANSIT:
        raise TransferWrongState(_not_in_transit(transfer))
    return transfer


def _not_in_transit(transfer: Transfer) -> Message:
    """Why a transfer is not received: its status is said in the reader's language (core/i18n.py)."""
    return msg(
        "{number} is {status}: only transfers in transit are received.",
        number=transfer.number,
        status=transfer.status,
    )


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


def receive_as_counted(transfer_id: int, counts: dict[int, LineCount], *, actor_id: int) -> Received:
    """Set the given lines' counts (lines left out arrive as shipped), then finish."""
    transfer = get(transfer_id)
    unknown = set(counts) - {line.id for line in transfer.lines}
    if unknown:
        raise NotFound(msg("No line {line} on {number}.", line=min(unknown), number=transfer.number))
    if transfer.status is S.IN_TRANSIT:
        for line in transfer.lines:
            count = counts.get(line.id, LineCount(line.qty_picked))
            set_received(
                transfer_id, line.id, received=count.received, damaged=count.damaged, reason=count.reason
            )
    return finish_receiving(transfer_id, actor_id=actor_id)


@dataclass(frozen=True)
class Received:
    """What finishing a receive did: the transfer_in posting, the units that landed good
    (put-away tasks opened) and damaged (on hold, `holds`: their HLD- numbers), and the
    units still missing in transit (a supervisor says found or lost). On a replay
    `replayed` is True and the figures are the first answer's."""

    transfer_id: int
    posting_id: int | None  # None when nothing arrived
    units_good: int
    units_damaged: int
    units_missing: int
    holds: tuple[str, ...] = ()
    replayed: bool = False

    @property
    def summary(self) -> str:
        """One sentence for the person who finished, e.g. "3 good units in the receiving
        bin; 1 damaged on hold (HLD-000004); 1 missing: a supervisor will resolve it"."""
        parts = [f"{self.units_good} good unit{_s(self.units_good)} in the receiving bin"]
        if self.units_damaged:
            parts.append(f"{self.units_damaged} damaged on hold ({', '.join(self.holds)})")
        if self.units_missing:
            parts.append(f"{self.units_missing} missing: a supervisor will resolve it")
        return "; ".join(parts)


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def finish_receiving(transfer_id: int, *, actor_id: int, key: str | None = None) -> Received:
    """One transfer_in posting says where every shipped unit is: the units that arrived
    leave transit and land in the destination's receiving bin, the damaged ones on hold
    there (a damage hold with the transfer as reference, on the holds page); the units that
    did not arrive stay in transit as the line's `qty_missing` until a supervisor resolves
    them (missing.resolve_missing). Put-away tasks open for the good units only.

    Refused (nothing written) unless the transfer is in transit and every difference from
    what shipped has a reason. A key makes a retry answer with the first result; without
    one a second finish is refused (TransferWrongState)."""

    def run() -> Received:
        transfer = locked_transfer(transfer_id)
        if transfer.status is not S.IN_TRANSIT:
            move_transfer(transfer, S.RECEIVED, "received")  # refuses with the state in words
        if unexplained := differences(transfer):
            raise DifferenceUnexplained(
                msg(
                    "Say why {skus} differ from what was shipped (short, over or damaged), then finish.",
                    skus=", ".join(unexplained),
                )
            )
        move_transfer(transfer, S.RECEIVED, "received", actor_id=actor_id)
        transfer.received_at = utcnow()
        dock = receiving.receiving_bin(transfer.to_location_id)
        arrivals = {line.id: arrival(line) for line in transfer.lines}
        good, damaged = _landing(transfer, arrivals, "good"), _landing(transfer, arrivals, "damaged")
        lines = _receive_lines(transfer, arrivals, dock, good, damaged)
        posted = None  # nothing arrived: every shipped unit stays in transit, missing
        if lines:
            posted = ledger.post(
                MovementType.TRANSFER_IN,
                lines,
                actor_id=actor_id,
                key=f"transfer:{transfer.id}:receive",
                reference=("transfer", transfer.number),
            )
        for (product_id, lot_id), qty in good.items():
            putaway.open_task(dock, product_id, lot_id, qty)
        placed = [
            holds.record(
                dock,
                product_id,
                lot_id,
                qty,
                HoldReason.DAMAGED,
                posting_id=posted.posting_id,  # damaged units arrived: there is a posting
                reference=("transfer", transfer.number),
                note=f"Damaged on arrival from {transfer.from_location.code} ({transfer.number}).",
                actor_id=actor_id,
            )
            for (product_id, lot_id), qty in damaged.items()
        ]
        for line in transfer.lines:
            line.qty_missing = sum(arrivals[line.id].missing.values())
        return Received(
            transfer.id,
            posted.posting_id if posted else None,
            units_good=sum(good.values()),
            units_damaged=sum(damaged.values()),
            units_missing=transfer.units_missing,
            holds=tuple(holds.number(hold) for hold in placed),
        )

    return commands.run(
        "transfers.finish_receiving",
        run,
        key=key,
        actor_id=actor_id,
        request=[transfer_id],
        remember=lambda done: {k: v for k, v in asdict(done).items() if k != "replayed"},
        recall=lambda stored: Received(**{**stored, "holds": tuple(stored["holds"])}, replayed=True),
    )


@dataclass(frozen=True)
class Arrival:
    """What a line's count means, lot by lot (lot id -> units). The shipped units are taken
    in the order they were picked: first the good ones, then the damaged ones; what is left
    of the picks is missing. Units received beyond what shipped count as the line's last
    picked lot (or its named lot)."""

    good: dict[int, int]
    damaged: dict[int, int]
    missing: dict[int, int]  # shipped, not arrived: still in transit
    arrived: dict[int, int]  # shipped and arrived (good or damaged): leave transit


def arrival(line: TransferLine) -> Arrival:
    good_left, damaged_left = line.qty_received - line.qty_damaged, line.qty_damaged
    out = Arrival(defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int))
    for pick in line.picks:
        good = min(pick.qty, good_left)
        damaged = min(pick.qty - good, damaged_left)
        good_left, damaged_left = good_left - good, damaged_left - damaged
        for kind, qty in (("good", good), ("damaged", damaged), ("arrived", good + damaged)):
            if qty:
                getattr(out, kind)[pick.lot_id] += qty
        if pick.qty - good - damaged:
            out.missing[pick.lot_id] += pick.qty - good - damaged
    extra_lot = line.picks[-1].lot_id if line.picks else line.lot_id
    if good_left:
        out.good[extra_lot] += good_left
    if damaged_left and not (extra_lot == NO_LOT and line.product.lot_tracked):
        # A damaged lot-tracked unit that was never shipped has no lot to be booked on:
        # it is set aside (the line records it), not booked.
        out.damaged[extra_lot] += damaged_left
    return out


def _landing(transfer: Transfer, arrivals: dict[int, Arrival], kind: str) -> dict[tuple[int, int], int]:
    """(product id, lot id) -> units of `kind` (good or damaged) over every line."""
    landing: dict[tuple[int, int], int] = defaultdict(int)
    for line in transfer.lines:
        for lot_id, qty in getattr(arrivals[line.id], kind).items():
            landing[(line.product_id, lot_id)] += qty
    return dict(landing)


def _receive_lines(
    transfer: Transfer, arrivals: dict[int, Arrival], dock: Bin, good: dict, damaged: dict
) -> list[ledger.Line]:
    transit_bin = transit(transfer)
    leaving: dict[tuple[int, int], int] = defaultdict(int)
    for line in transfer.lines:
        for lot_id, qty in arrivals[line.id].arrived.items():
            leaving[(line.product_id, lot_id)] += qty
    out = [
        ledger.Line(product_id, transit_bin.location_id, transit_bin.id, lot_id, qty=-qty)
        for (product_id, lot_id), qty in leaving.items()
    ]
    for product_id, lot_id in sorted(good.keys() | damaged.keys()):
        held = damaged.get((product_id, lot_id), 0)
        units = good.get((product_id, lot_id), 0) + held
        out.append(ledger.Line(product_id, dock.location_id, dock.id, lot_id, qty=units, held=held))
    return out
