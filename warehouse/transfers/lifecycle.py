"""Transfers between locations: draft -> approved -> in_transit -> received -> completed.

- approve: reserve every line at the source, in the bins picking should use (FEFO for
  expiring lots, else the bin with the most available), as one reserve posting.
- pick: record units taken from a bin for a line (no stock moves yet); a short pick
  closes the line short and asks for a blind count of that bin, since shelf and ledger
  disagree.
- ship: one transfer_out posting: picked units leave their bins, every reservation of
  the transfer is released, and the units land in the transit location.
- receive: count at the destination (short, over and damaged recorded per line with a
  reason); finishing is one transfer_in posting from transit into the destination's
  receiving bin, and opens put-away tasks. Damaged and short units do not arrive.
- complete: a supervisor closes a received transfer. cancel: before shipping only; it
  releases the reservations.

Every step runs in one write transaction with the transfer row locked, and each posting
carries a key derived from the transfer, so a double tap or retry never posts twice: the
second attempt finds the transfer already moved on and is refused with WrongState.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from warehouse import ledger
from warehouse.availability import expiry
from warehouse.catalog import lots
from warehouse.catalog.models import NO_LOT, Bin, BinKind, Location, LocationType, Lot, Product
from warehouse.core.columns import utcnow
from warehouse.core.errors import DomainError, InsufficientStock, InvalidPosting, NotFound
from warehouse.core.extensions import db
from warehouse.counts.models import CountRequest
from warehouse.inbound import putaway, receiving
from warehouse.integrations import events
from warehouse.ledger.models import Balance, MovementType
from warehouse.transfers.models import (
    ReceiveReason,
    ShortReason,
    Transfer,
    TransferAllocation,
    TransferLine,
    TransferPick,
    TransferStatus,
)

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


class WrongState(DomainError):
    code = "transfer_wrong_state"
    status = 409


class PickRefused(DomainError):
    code = "pick_refused"
    status = 409


def can_move(current: TransferStatus, target: TransferStatus) -> bool:
    return target in TRANSITIONS[current]


# --- reading ----------------------------------------------------------------------------


def get(transfer_id: int) -> Transfer:
    transfer = db.session.get(
        Transfer,
        transfer_id,
        options=[
            joinedload(Transfer.from_location),
            joinedload(Transfer.to_location),
            selectinload(Transfer.lines).joinedload(TransferLine.product),
            selectinload(Transfer.lines).joinedload(TransferLine.lot),
            selectinload(Transfer.lines)
            .selectinload(TransferLine.allocations)
            .joinedload(TransferAllocation.bin),
            selectinload(Transfer.lines)
            .selectinload(TransferLine.allocations)
            .joinedload(TransferAllocation.lot),
            selectinload(Transfer.lines).selectinload(TransferLine.picks).joinedload(TransferPick.bin),
            selectinload(Transfer.lines).selectinload(TransferLine.picks).joinedload(TransferPick.lot),
        ],
        populate_existing=True,
    )
    if transfer is None:
        raise NotFound(f"No transfer TR-{transfer_id:06d}. Check the slip.")
    return transfer


def by_number(number: str) -> Transfer | None:
    """TR-000123 (as printed on the slip) to its transfer."""
    digits = number.strip().upper().removeprefix("TR-")
    if not digits.isdigit() or len(digits) > 9:
        return None
    return db.session.get(Transfer, int(digits))


INBOUND = (S.APPROVED, S.IN_TRANSIT)  # transfers whose units are on their way


def units_arriving():
    """Per transfer line (SQL, for a sum over INBOUND transfers): an approved transfer
    brings what was requested, or what was picked once a line is closed short; one in
    transit brings what was shipped. The alerts and the reorder report count inbound so."""
    return case(
        (
            and_(Transfer.status == S.APPROVED, TransferLine.short_picked.is_(False)),
            TransferLine.qty_requested,
        ),
        else_=TransferLine.qty_picked,
    )


def units_in_transit(transfer: Transfer) -> int:
    """Units of this transfer travelling now (shipped, not yet received)."""
    return sum(line.qty_picked for line in transfer.lines) if transfer.status is S.IN_TRANSIT else 0


def listing(status: TransferStatus | None = None, limit: int = 100) -> list[Transfer]:
    query = (
        select(Transfer)
        .options(
            joinedload(Transfer.from_location), joinedload(Transfer.to_location), selectinload(Transfer.lines)
        )
        .order_by(Transfer.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(Transfer.status == status)
    return list(db.session.scalars(query))


def pick_bins(transfer: Transfer) -> list[Bin]:
    """The bins approval reserved this transfer's stock in (what the pick list walks)."""
    return sorted({a.bin for line in transfer.lines for a in line.allocations}, key=lambda b: b.code)


def available_at(product_id: int, location_id: int, lot_id: int = NO_LOT) -> int:
    """Units of a product a transfer could take from a location: free to promise, outside
    receiving bins (goods still arriving), of one lot when the line names one. The same
    rule approval allocates by."""
    return available_in(product_id, [location_id], lot_id)


def available_in(product_id: int, location_ids: list[int], lot_id: int = NO_LOT) -> int:
    """available_at summed over several locations, in one query."""
    query = (
        select(Balance.available)
        .join(Bin, Bin.id == Balance.bin_id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(
            Balance.product_id == product_id,
            Balance.location_id.in_(location_ids),
            Bin.kind != BinKind.RECEIVING,
            expiry.unexpired(),
        )
    )
    if lot_id != NO_LOT:
        query = query.where(Balance.lot_id == lot_id)
    return sum(max(free, 0) for free in db.session.scalars(query))


def available_for(transfer: Transfer) -> dict[int, int]:
    """available_at for every line of a transfer in one query: line id -> units."""
    product_ids = {line.product_id for line in transfer.lines}
    if not product_ids:
        return {}
    free = Balance.available
    rows = db.session.execute(
        select(Balance.product_id, Balance.lot_id, func.sum(case((free > 0, free), else_=0)))
        .join(Bin, Bin.id == Balance.bin_id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(
            Balance.location_id == transfer.from_location_id,
            Balance.product_id.in_(product_ids),
            Bin.kind != BinKind.RECEIVING,
            expiry.unexpired(),
        )
        .group_by(Balance.product_id, Balance.lot_id)
    )
    by_lot: dict[tuple[int, int], int] = {(p, l): int(q or 0) for p, l, q in rows}
    return {
        line.id: (
            by_lot.get((line.product_id, line.lot_id), 0)
            if line.lot_id != NO_LOT
            else sum(q for (p, _l), q in by_lot.items() if p == line.product_id)
        )
        for line in transfer.lines
    }


def _locked(transfer_id: int) -> Transfer:
    """The transfer row locked for this write transaction (PostgreSQL; SQLite's BEGIN
    IMMEDIATE already serializes writers)."""
    transfer = db.session.get(Transfer, transfer_id, with_for_update=True, populate_existing=True)
    if transfer is None:
        raise NotFound(f"No transfer TR-{transfer_id:06d}. Check the slip.")
    return transfer


def _move(transfer: Transfer, target: TransferStatus, verb: str) -> None:
    if not can_move(transfer.status, target):
        raise WrongState(
            f"{transfer.number} is {transfer.status.value.replace('_', ' ')}: it cannot be {verb} now."
        )
    was = transfer.status
    transfer.status = target
    transfer.version += 1
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


# --- draft ------------------------------------------------------------------------------


def create(
    from_location_id: int, to_location_id: int, *, actor_id: int, note: str = "", key: str | None = None
) -> Transfer:
    """A draft transfer. A form's key makes a double submit return the first draft."""
    if from_location_id == to_location_id:
        raise InvalidPosting("Choose two different locations.")
    if len(note) > 500:
        raise InvalidPosting("Keep the note under 500 characters.")

    key = f"{actor_id}:{key}" if key else None  # one user's key never finds another's draft

    def make():
        if key and (earlier := db.session.scalar(select(Transfer).where(Transfer.request_key == key))):
            return earlier
        for location_id in (from_location_id, to_location_id):
            location = db.session.get(Location, location_id)
            if location is None or not location.active or location.type is LocationType.TRANSIT:
                raise NotFound("Choose one of the listed locations (not transit, not inactive).")
        transfer = Transfer(
            from_location_id=from_location_id,
            to_location_id=to_location_id,
            created_by=actor_id,
            note=note or None,
            request_key=key,
        )
        db.session.add(transfer)
        db.session.flush()
        return transfer

    return ledger.atomically(make)


def add_line(
    transfer_id: int, product: Product, qty: int, *, lot_code: str = "", key: str | None = None
) -> TransferLine:
    """Add a line to a draft. A form's key makes a double submit add it once."""
    if not 1 <= qty <= MAX_QTY:
        raise InvalidPosting(f"Quantity must be 1 to {MAX_QTY:,}.")

    def add():
        transfer = _locked(transfer_id)
        if key and (earlier := next((l for l in transfer.lines if l.request_key == key), None)):
            return earlier
        _editable(transfer)
        lot = _line_lot(product, lot_code)
        line = TransferLine(
            transfer_id=transfer.id,
            product_id=product.id,
            lot_id=lot.id if lot else NO_LOT,
            qty_requested=qty,
            request_key=key,
        )
        db.session.add(line)
        transfer.version += 1
        db.session.flush()
        return line

    return ledger.atomically(add)


def change_line(transfer_id: int, line_id: int, qty: int) -> None:
    """Set a draft line's quantity; 0 removes the line."""
    if not 0 <= qty <= MAX_QTY:
        raise InvalidPosting(f"Quantity must be 0 to {MAX_QTY:,}.")

    def change():
        transfer = _locked(transfer_id)
        _editable(transfer)
        line = db.session.get(TransferLine, line_id)
        if line is None or line.transfer_id != transfer.id:
            raise NotFound("No such line on this transfer.")
        if qty == 0:
            db.session.delete(line)
        else:
            line.qty_requested = qty
        transfer.version += 1

    ledger.atomically(change)


def _editable(transfer: Transfer) -> None:
    if transfer.status is not S.DRAFT:
        raise WrongState(
            f"{transfer.number} is {transfer.status.value.replace('_', ' ')}: only drafts can be edited."
        )


def _line_lot(product: Product, lot_code: str) -> Lot | None:
    if not lot_code:
        return None
    if not product.lot_tracked:
        raise InvalidPosting(f"{product.sku} is not lot-tracked: leave the lot empty.")
    lot = lots.existing(product, lot_code)
    if lot is None:
        raise NotFound(f"No lot {lot_code} of {product.sku}.")
    return lot


# --- approve and cancel -----------------------------------------------------------------


def approve(transfer_id: int, *, actor_id: int) -> Transfer:
    """Reserve every line at the source, or refuse the whole approval."""

    def run():
        transfer = _locked(transfer_id)
        _move(transfer, S.APPROVED, "approved")
        if not transfer.lines:
            raise InvalidPosting(f"{transfer.number} has no lines. Add at least one.")
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
                f"Not enough {line.product.sku} at {transfer.from_location.code}: available "
                f"{have}, requested {line.qty_requested}. Lower the quantity or wait for stock."
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
        transfer = _locked(transfer_id)
        was_approved = transfer.status is S.APPROVED
        _move(transfer, S.CANCELLED, "cancelled")
        if was_approved:
            ledger.post(
                MovementType.RELEASE,
                _release_lines(transfer),
                actor_id=actor_id,
                key=f"transfer:{transfer.id}:cancel",
                reference=("transfer", transfer.number),
            )
        transfer.cancelled_at = utcnow()
        return transfer

    return ledger.atomically(run)


def _release_lines(transfer: Transfer) -> list[ledger.Line]:
    held: dict[tuple, int] = defaultdict(int)
    for line in transfer.lines:
        for allocation in line.allocations:
            held[(line.product_id, transfer.from_location_id, allocation.bin_id, allocation.lot_id)] += (
                allocation.qty
            )
    return [ledger.Line(*key, reserved=-qty) for key, qty in held.items()]


# --- pick and ship ----------------------------------------------------------------------


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
    scan_id: str | None = None,
) -> Picked:
    """Take `qty` of a product from a bin for the transfer. Refused whole or recorded."""
    if not 1 <= qty <= MAX_QTY:
        raise PickRefused(f"Pick 1 to {MAX_QTY:,} units.")
    return ledger.atomically(_pick, transfer_id, bin, product, qty, actor_id, lot_code, scan_id)


def _pick(transfer_id, bin, product, qty, actor_id, lot_code, scan_id) -> Picked:
    transfer = _locked(transfer_id)
    if transfer.status is not S.APPROVED:
        raise WrongState(
            f"{transfer.number} is {transfer.status.value.replace('_', ' ')}: "
            "only approved transfers are picked."
        )
    if bin.location_id != transfer.from_location_id:
        raise PickRefused(f"{bin.code} is not at {transfer.from_location.code}. Scan a bin there.")
    if scan_id and (earlier := _pick_by_scan(transfer, scan_id)) is not None:
        return Picked(db.session.get(TransferLine, earlier.line_id), earlier, replayed=True)
    line = _line_for(transfer, product)
    lot_id = _pick_lot(line, bin, product, lot_code)
    left = line.qty_requested - line.qty_picked
    if qty > left:
        raise PickRefused(f"Over-pick: only {left} of {product.sku} left to pick on {transfer.number}.")
    free = _free_for_transfer(line, bin, lot_id)
    if qty > free:
        raise PickRefused(
            f"Only {free} of {product.sku} can be picked from {bin.code} for this "
            "transfer. Pick from the suggested bin, or short-pick."
        )
    record = TransferPick(
        line_id=line.id, bin_id=bin.id, lot_id=lot_id, qty=qty, scan_id=scan_id, user_id=actor_id
    )
    line.picks.append(record)  # in the loaded collection too: a ship in this session sees it
    line.qty_picked += qty
    transfer.version += 1
    db.session.flush()
    return Picked(line, record)


def _line_for(transfer: Transfer, product: Product) -> TransferLine:
    lines = [line for line in transfer.lines if line.product_id == product.id]
    if not lines:
        raise PickRefused(f"{product.sku} is not on {transfer.number}. Check the item.")
    open_lines = [line for line in lines if not line.short_picked and line.qty_picked < line.qty_requested]
    if not open_lines:
        raise PickRefused(f"{product.sku} is already picked in full on {transfer.number}.")
    return open_lines[0]


def _pick_by_scan(transfer: Transfer, scan_id: str) -> TransferPick | None:
    """A pick this scan already made on any line of the transfer (a retried request)."""
    return db.session.scalar(
        select(TransferPick)
        .join(TransferLine, TransferLine.id == TransferPick.line_id)
        .where(TransferLine.transfer_id == transfer.id, TransferPick.scan_id == scan_id)
    )


def _pick_lot(line: TransferLine, bin: Bin, product: Product, lot_code: str | None) -> int:
    """Which lot the picked units are: from the label, else the only lot in the bin."""
    if not product.lot_tracked:
        return NO_LOT
    if lot_code:
        lot = lots.existing(product, lot_code)
        if lot is None:
            raise PickRefused(f"No lot {lot_code} of {product.sku}. Check the label.")
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
                f"{bin.code} holds {len(lot_ids)} lots of {product.sku}: scan the "
                "item's GS1 label so the lot is known."
            )
        lot_id = lot_ids[0]
    if line.lot_id not in (NO_LOT, lot_id):
        raise PickRefused(f"Wrong lot: {line.transfer.number} asks for lot {line.lot.code}.")
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
        transfer = _locked(transfer_id)
        if transfer.status is not S.APPROVED:
            raise WrongState(f"{transfer.number} is not being picked.")
        line = next((line for line in transfer.lines if line.id == line_id), None)
        if line is None:
            raise NotFound("No such line on this transfer.")
        if line.qty_picked >= line.qty_requested:
            raise PickRefused(f"{line.product.sku} is picked in full: nothing is short.")
        if line.short_picked:
            raise PickRefused(f"{line.product.sku} is already short-picked.")
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
        transfer = _locked(transfer_id)
        open_lines = [
            l.product.sku for l in transfer.lines if l.qty_picked < l.qty_requested and not l.short_picked
        ]
        if transfer.status is S.APPROVED and open_lines:
            raise PickRefused(f"Still to pick: {', '.join(open_lines)}. Pick them or short-pick.")
        _move(transfer, S.IN_TRANSIT, "shipped")
        if not any(line.qty_picked for line in transfer.lines):
            raise PickRefused("Nothing was picked. Cancel the transfer instead.")
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
        for line in _release_lines(transfer)
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
        raise InvalidPosting("There is no transit location. Ask an admin to add one.")
    return bin


# --- receive and complete ---------------------------------------------------------------


def count_received(transfer_id: int, product: Product, qty: int, *, actor_id: int) -> TransferLine:
    """Count units arriving at the destination against the shipped lines."""
    if not 1 <= qty <= MAX_QTY:
        raise InvalidPosting(f"Count 1 to {MAX_QTY:,} units.")

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

    return ledger.atomically(run)


def set_received(
    transfer_id: int, line_id: int, *, received: int, damaged: int, reason: ReceiveReason | None
) -> TransferLine:
    """Correct a line's counts and say why they differ from what was shipped."""
    if not (0 <= damaged <= received <= MAX_QTY):
        raise InvalidPosting("Damaged must be between 0 and the units received.")

    def run():
        transfer = _receiving(transfer_id)
        line = next((l for l in transfer.lines if l.id == line_id), None)
        if line is None:
            raise NotFound("No such line on this transfer.")
        _check_extra_has_a_lot(transfer, line, received, damaged)
        line.qty_received, line.qty_damaged = received, damaged
        line.receive_reason = ReceiveReason(reason) if reason else None
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
        raise InvalidPosting(
            f"{line.product.sku} was not shipped on {transfer.number} and is lot-tracked: set these "
            "units aside and book them with Receive (scan them with their lot), not on this transfer."
        )


def _receiving(transfer_id: int) -> Transfer:
    transfer = _locked(transfer_id)
    if transfer.status is not S.IN_TRANSIT:
        raise WrongState(
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
                    scan_id=f"api:{a.id}",
                )
    return ship(transfer_id, actor_id=actor_id)


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
        transfer = _locked(transfer_id)
        key = f"transfer:{transfer.id}:receive"
        if transfer.status is not S.IN_TRANSIT:
            _move(transfer, S.RECEIVED, "received")  # refuses with the state in words
        if missing := differences(transfer):
            raise InvalidPosting(
                f"Say why {', '.join(missing)} differ from what was shipped "
                "(short, over or damaged), then finish."
            )
        _move(transfer, S.RECEIVED, "received")
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


def complete(transfer_id: int, *, actor_id: int) -> Transfer:
    """A supervisor has looked at the differences and closes the transfer."""

    def run():
        transfer = _locked(transfer_id)
        _move(transfer, S.COMPLETED, "completed")
        transfer.completed_at = utcnow()
        return transfer

    return ledger.atomically(run)
