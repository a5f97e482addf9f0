"""Reading transfers: one transfer, by slip number, the listing, units inbound, the
stock a transfer could take from a location (the rule approval allocates by), and where
to pick each line."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from warehouse.availability import expiry
from warehouse.catalog.models import NO_LOT, Bin, BinKind, Lot
from warehouse.core.errors import NotFound
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.ledger.models import Balance
from warehouse.transfers.lifecycle import S
from warehouse.transfers.models import (
    Transfer,
    TransferAllocation,
    TransferLine,
    TransferPick,
    TransferStatus,
)


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
        raise NotFound(msg("No transfer #{id}. Check the slip.", id=transfer_id))
    return transfer


def header(transfer_id: int) -> Transfer:
    """The transfer's own row, without its lines: enough to check who may work on it and
    to read a scan. `get` loads every line, pick and allocation, for drawing a page."""
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None:
        raise NotFound(msg("No transfer #{id}. Check the slip.", id=transfer_id))
    return transfer


def by_number(number: str) -> Transfer | None:
    """TR-000123 (as printed on the slip) to its transfer."""
    digits = number.strip().upper().removeprefix("TR-")
    if not digits.isdigit() or len(digits) > 9:
        return None
    return db.session.scalar(select(Transfer).where(Transfer.serial == int(digits)))  # per organisation


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
    """Units of this transfer in the transit location now: shipped and not yet received,
    or, once received, missing on arrival and not yet found or lost."""
    if transfer.status is S.IN_TRANSIT:
        return sum(line.qty_picked for line in transfer.lines)
    return transfer.units_missing if transfer.status is S.RECEIVED else 0


def ids_by_number(numbers) -> dict[str, int]:
    """TR- numbers to transfer ids, in one query (numbers not of a transfer are left out)."""
    serials = {}
    for number in numbers:
        digits = str(number).strip().upper().removeprefix("TR-")
        if digits.isdigit() and len(digits) <= 9:
            serials[int(digits)] = number
    if not serials:
        return {}
    rows = db.session.execute(select(Transfer.serial, Transfer.id).where(Transfer.serial.in_(serials)))
    return {serials[serial]: id for serial, id in rows}


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


# --- where to pick -----------------------------------------------------------------------


@dataclass(frozen=True)
class PickSource:
    """A bin (and lot) at the source a line can be picked from."""

    bin: Bin
    lot: Lot
    available: int  # free to anyone here now (on hand - reserved - held)
    allocated: int  # reserved here for this line when the transfer was approved
    picked: int  # picked here for this line so far
    can_pick: int  # what this line may still take from here (the pick screen's rule)


@dataclass(frozen=True)
class LineSources:
    line: TransferLine
    to_pick: int  # left to pick on the line (0 once short-picked)
    sources: list[PickSource]


def pick_sources(transfer: Transfer) -> list[LineSources]:
    """Where to pick each line of a draft or approved transfer (other states: nowhere), in
    the pick screen's order: the bins approval reserved, in allocation order, then the other
    bins with units free to take, first-expiry-first then fullest (expiry.fefo_order);
    never receiving bins, never expired lots but those approval reserved. `can_pick` is
    what the pick screen would accept from each (picking._free_for_transfer's rule: free to
    anyone, plus what approval reserved there for the item, less what was picked there).
    One query for the stock of every line (`transfer` as `get` loads it)."""
    pickable = transfer.status in (S.DRAFT, S.APPROVED)
    balances = _source_balances(transfer) if pickable and transfer.lines else []
    free = {(b.product_id, b.bin_id, b.lot_id): b.available for b in balances}
    out = []
    for line in transfer.lines:
        if not pickable:
            out.append(LineSources(line, 0, []))
            continue
        to_pick = 0 if line.short_picked else max(line.qty_requested - line.qty_picked, 0)
        out.append(LineSources(line, to_pick, _line_sources(transfer, line, to_pick, balances, free)))
    return out


def _source_balances(transfer: Transfer) -> list[Balance]:
    return list(
        db.session.scalars(
            select(Balance)
            .join(Balance.bin)
            .join(Balance.lot)
            .options(contains_eager(Balance.bin), contains_eager(Balance.lot))
            .where(
                Balance.location_id == transfer.from_location_id,
                Balance.product_id.in_({line.product_id for line in transfer.lines}),
                Bin.kind != BinKind.RECEIVING,
            )
            .order_by(*expiry.fefo_order())
        )
    )


def _line_sources(transfer, line, to_pick, balances, free) -> list[PickSource]:
    same_item = [l for l in transfer.lines if l.product_id == line.product_id]
    mine, picked_here = Counter(), Counter()
    for other in same_item:
        for a in other.allocations:
            mine[(a.bin_id, a.lot_id)] += a.qty
        for p in other.picks:
            picked_here[(p.bin_id, p.lot_id)] += p.qty
    places = {(a.bin_id, a.lot_id): (a.bin, a.lot) for a in line.allocations}
    for b in balances:
        takes = b.product_id == line.product_id and line.lot_id in (NO_LOT, b.lot_id)
        if takes and b.available > 0 and not expiry.is_expired(b.lot):
            places.setdefault((b.bin_id, b.lot_id), (b.bin, b.lot))
    sources = []
    for key, (bin, lot) in places.items():
        here = free.get((line.product_id, *key), 0)
        sources.append(
            PickSource(
                bin=bin,
                lot=lot,
                available=here,
                allocated=sum(a.qty for a in line.allocations if (a.bin_id, a.lot_id) == key),
                picked=sum(p.qty for p in line.picks if (p.bin_id, p.lot_id) == key),
                can_pick=max(min(to_pick, here + mine[key] - picked_here[key]), 0),
            )
        )
    return sources
