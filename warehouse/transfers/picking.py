"""Picking and shipping an approved transfer.

- pick: record units taken from a bin for a line (no stock moves yet); a short pick
  closes the line short and asks for a blind count of that bin, since shelf and ledger
  disagree.
- ship: one transfer_out posting: picked units leave their bins, every reservation of
  the transfer is released, and the units land in the transit location.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from warehouse import ledger
from warehouse.catalog import lots
from warehouse.catalog.models import NO_LOT, Bin, Location, LocationType, Product
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import NotFound, PickRefused, SetupMissing, TransferWrongState
from warehouse.core.extensions import db
from warehouse.core.i18n import Message, msg
from warehouse.counts.models import CountRequest
from warehouse.ledger.models import Balance, MovementType
from warehouse.transfers.lifecycle import MAX_QTY, S, locked_transfer, move_transfer, release_lines
from warehouse.transfers.models import ShortReason, Transfer, TransferAllocation, TransferLine, TransferPick
from warehouse.transfers.queries import get


def pick_bins(transfer: Transfer) -> list[Bin]:
    """The bins approval reserved this transfer's stock in (what the pick list walks): one
    query, so a bin scan on the pick screen does not load every line."""
    return list(
        db.session.scalars(
            select(Bin)
            .join(TransferAllocation, TransferAllocation.bin_id == Bin.id)
            .join(TransferLine, TransferLine.id == TransferAllocation.line_id)
            .where(TransferLine.transfer_id == transfer.id)
            .distinct()
            .order_by(Bin.code)
        )
    )


@dataclass
class Picked:
    line: TransferLine
    pick: TransferPick
    replayed: bool = False


def pick(
    transfer_id: int,
    bin: Bin,
    product: Product,
    qty: int,
    *,
    actor_id: int,
    lot_code: str | None = None,
    key: str | None = None,
) -> Picked:
    """Take `qty` of a product from a bin for the transfer. Refused whole or recorded.

    Checks, in order: the quantity (1 to MAX_QTY); the transfer is approved
    (TransferWrongState); the bin is at its source; the item is on it and not picked in
    full; the lot; no over-pick; the bin holds that much for this transfer (PickRefused).
    A scan's id as `key` makes a retried scan pick once: the retry gets the first pick."""
    if not 1 <= qty <= MAX_QTY:
        raise PickRefused(msg("Pick 1 to {most:,} units.", most=MAX_QTY))
    return commands.run(
        "transfers.pick",
        lambda: _pick(transfer_id, bin, product, qty, actor_id, lot_code),
        key=key,
        actor_id=actor_id,
        request=[transfer_id, bin.id, product.id, qty, lot_code],
        remember=lambda picked: {"pick_id": picked.pick.id},
        recall=_picked_before,
    )


def pick_to_total(
    transfer_id: int, line_id: int, bin: Bin, total: int, *, actor_id: int, lot_code: str | None = None
) -> TransferLine:
    """A picker typed how many of a line's item they hold in all: pick the difference from
    `bin`, judged under the transfer's lock (two pickers typing at once never both add).
    Fewer than already picked is refused (PickRefused): putting back is a supervisor's."""

    def run() -> TransferLine:
        transfer = locked_transfer(transfer_id)
        line = db.session.get(TransferLine, line_id)
        if line is None or line.transfer_id != transfer.id:
            raise NotFound(msg("No such line on this transfer."))
        more = total - line.qty_picked
        if more < 0:
            raise PickRefused(
                msg(
                    "{picked} {sku} are picked already: type {picked} or more, or ask a supervisor to put some back.",
                    picked=line.qty_picked,
                    sku=line.product.sku,
                )
            )
        if more:
            _pick(transfer.id, bin, line.product, more, actor_id, lot_code)
        return line

    return ledger.atomically(run)


def _picked_before(stored: dict) -> Picked:
    record = db.session.get(TransferPick, stored["pick_id"])
    return Picked(db.session.get(TransferLine, record.line_id), record, replayed=True)


def _pick(transfer_id, bin, product, qty, actor_id, lot_code) -> Picked:
    transfer = locked_transfer(transfer_id)
    if transfer.status is not S.APPROVED:
        raise TransferWrongState(_not_approved(transfer))
    if bin.location_id != transfer.from_location_id:
        raise PickRefused(
            msg(
                "{bin} is not at {location}. Scan a bin there.",
                bin=bin.code,
                location=transfer.from_location.code,
            )
        )
    line = _line_for(transfer, product)
    lot_id = _pick_lot(line, bin, product, lot_code)
    left = line.qty_requested - line.qty_picked
    if qty > left:
        raise PickRefused(
            msg(
                "Over-pick: only {left} of {sku} left to pick on {number}.",
                left=left,
                sku=product.sku,
                number=transfer.number,
            )
        )
    free = _free_for_transfer(line, bin, lot_id)
    if qty > free:
        raise PickRefused(
            msg(
                "Only {free} of {sku} can be picked from {bin} for this transfer. "
                "Pick from the suggested bin, or short-pick.",
                free=free,
                sku=product.sku,
                bin=bin.code,
            )
        )
    record = TransferPick(line_id=line.id, bin_id=bin.id, lot_id=lot_id, qty=qty, user_id=actor_id)
    line.picks.append(record)  # in the loaded collection too: a ship in this session sees it
    line.qty_picked += qty
    transfer.version += 1
    db.session.flush()
    return Picked(line, record)


def _not_approved(transfer: Transfer) -> Message:
    """Why a transfer is not picked: its status is said in the reader's language (core/i18n.py)."""
    return msg(
        "{number} is {status}: only approved transfers are picked.",
        number=transfer.number,
        status=transfer.status,
    )


def _line_for(transfer: Transfer, product: Product) -> TransferLine:
    lines = [line for line in transfer.lines if line.product_id == product.id]
    if not lines:
        raise PickRefused(
            msg("{sku} is not on {number}. Check the item.", sku=product.sku, number=transfer.number)
        )
    open_lines = [line for line in lines if not line.short_picked and line.qty_picked < line.qty_requested]
    if not open_lines:
        raise PickRefused(
            msg("{sku} is already picked in full on {number}.", sku=product.sku, number=transfer.number)
        )
    return open_lines[0]


def _pick_lot(line: TransferLine, bin: Bin, product: Product, lot_code: str | None) -> int:
    """Which lot the picked units are: from the label, else the only lot in the bin."""
    if not product.lot_tracked:
        return NO_LOT
    if lot_code:
        lot = lots.existing(product, lot_code)
        if lot is None:
            raise PickRefused(msg("No lot {lot} of {sku}. Check the label.", lot=lot_code, sku=product.sku))
        lot_id = lot.id
    else:
        lot_ids = list(
            db.session.scalars(
                select(Balance.lot_id).where(
                    Balance.bin_id == bin.id, Balance.product_id == product.id, Balance.on_hand > 0
                )
            )
        )
        if len(lot_ids) != 1:
            raise PickRefused(
                msg(
                    "{bin} holds {lots} lots of {sku}: scan the item's GS1 label so the lot is known.",
                    bin=bin.code,
                    lots=len(lot_ids),
                    sku=product.sku,
                )
            )
        lot_id = lot_ids[0]
    if line.lot_id not in (NO_LOT, lot_id):
        raise PickRefused(
            msg("Wrong lot: {number} asks for lot {lot}.", number=line.transfer.number, lot=line.lot.code)
        )
    return lot_id


def _free_for_transfer(line: TransferLine, bin: Bin, lot_id: int) -> int:
    """Units in this bin and lot this transfer may take: what is free to anyone plus what
    approval reserved here for this line, minus what was already picked here."""
    on_hand, reserved, held = ledger.balance(line.product_id, bin.id, lot_id)
    same_item = [l for l in line.transfer.lines if l.product_id == line.product_id]
    mine = sum(a.qty for l in same_item for a in l.allocations if (a.bin_id, a.lot_id) == (bin.id, lot_id))
    picked = sum(p.qty for l in same_item for p in l.picks if (p.bin_id, p.lot_id) == (bin.id, lot_id))
    return on_hand - reserved - held + mine - picked


def short_pick(transfer_id: int, line_id: int, reason: ShortReason, *, actor_id: int) -> TransferLine:
    """Close a line short (with a reason) and ask for a blind count of the bins it was
    meant to come from: the shelf and the ledger disagree."""

    def run():
        transfer = locked_transfer(transfer_id)
        if transfer.status is not S.APPROVED:
            raise TransferWrongState(msg("{number} is not being picked.", number=transfer.number))
        line = next((line for line in transfer.lines if line.id == line_id), None)
        if line is None:
            raise NotFound(msg("No such line on this transfer."))
        if line.qty_picked >= line.qty_requested:
            raise PickRefused(msg("{sku} is picked in full: nothing is short.", sku=line.product.sku))
        if line.short_picked:
            raise PickRefused(msg("{sku} is already short-picked.", sku=line.product.sku))
        line.short_picked, line.short_reason = True, ShortReason(reason)
        for bin_id in sorted({a.bin_id for a in line.allocations}):  # one count per bin
            db.session.add(
                CountRequest(
                    location_id=transfer.from_location_id,
                    bin_id=bin_id,
                    product_id=line.product_id,
                    reason=f"short pick ({ShortReason(reason).value})",
                    reference_type="transfer",
                    reference_id=transfer.number,
                )
            )
        transfer.version += 1
        return line

    return ledger.atomically(run)


def ship(transfer_id: int, *, actor_id: int) -> ledger.Posted:
    """Picked units leave their bins into transit; every reservation is released."""

    def run():
        transfer = locked_transfer(transfer_id)
        open_lines = [
            l.product.sku for l in transfer.lines if l.qty_picked < l.qty_requested and not l.short_picked
        ]
        if transfer.status is S.APPROVED and open_lines:
            raise PickRefused(
                msg("Still to pick: {lines}. Pick them or short-pick.", lines=", ".join(open_lines))
            )
        move_transfer(transfer, S.IN_TRANSIT, "shipped", actor_id=actor_id)
        if not any(line.qty_picked for line in transfer.lines):
            raise PickRefused(msg("Nothing was picked. Cancel the transfer instead."))
        transfer.shipped_at = utcnow()
        return ledger.post(
            MovementType.TRANSFER_OUT,
            _ship_lines(transfer),
            actor_id=actor_id,
            key=f"transfer:{transfer.id}:ship",
            reference=("transfer", transfer.number),
        )

    return ledger.atomically(run)


def _ship_lines(transfer: Transfer) -> list[ledger.Line]:
    source: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])  # key -> [qty, reserved]
    for key, qty in _release_lines_by_key(transfer).items():
        source[key][1] -= qty
    transit_bin = transit(transfer)
    arriving: dict[tuple, int] = defaultdict(int)
    for line in transfer.lines:
        for p in line.picks:
            source[(line.product_id, transfer.from_location_id, p.bin_id, p.lot_id)][0] -= p.qty
            arriving[(line.product_id, transit_bin.location_id, transit_bin.id, p.lot_id)] += p.qty
    return [
        ledger.Line(*key, qty=qty, reserved=reserved)
        for key, (qty, reserved) in source.items()
        if qty or reserved
    ] + [ledger.Line(*key, qty=qty) for key, qty in arriving.items()]


def _release_lines_by_key(transfer: Transfer) -> dict[tuple, int]:
    return {
        (line.product_id, line.location_id, line.bin_id, line.lot_id): -line.reserved
        for line in release_lines(transfer)
    }


def transit(transfer: Transfer) -> Bin:
    """The bin of the transit location goods travel in."""
    bin = db.session.scalar(
        select(Bin)
        .join(Location)
        .where(Location.type == LocationType.TRANSIT, Location.active.is_(True))
        .order_by(Location.code, Bin.code)
        .limit(1)
    )
    if bin is None:
        raise SetupMissing(msg("There is no transit location. Ask an admin to add one."))
    return bin


def ship_as_reserved(transfer_id: int, *, actor_id: int) -> ledger.Posted:
    """Pick exactly what approval reserved, bin by bin, then ship (the API's one-step
    ship; on the floor people scan each pick)."""
    transfer = get(transfer_id)
    if transfer.status is S.APPROVED:  # otherwise ship() refuses with the state in words
        for line in transfer.lines:
            for a in line.allocations:
                pick(
                    transfer_id,
                    a.bin,
                    line.product,
                    a.qty,
                    actor_id=actor_id,
                    lot_code=a.lot.code if a.lot_id != NO_LOT else None,
                    key=f"api:{a.id}",
                )
    return ship(transfer_id, actor_id=actor_id)
