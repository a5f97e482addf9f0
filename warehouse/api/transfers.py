"""Transfers: list, create with lines, read, move through their states, resolve the
units missing on arrival, and where to pick each line (bins at the source)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from warehouse import transfers
from warehouse.accounts import permissions as P
from warehouse.catalog import locations
from warehouse.catalog.models import NO_LOT
from warehouse.core.errors import InvalidPosting, NotFound
from warehouse.counts.blind import blindfold_for
from warehouse.ledger import stock
from warehouse.transfers.models import ReceiveReason, Transfer, TransferLine, TransferStatus
from warehouse.transfers.queries import pick_sources

from . import blind, bp, examples, reads
from . import floor_schemas as fs
from . import transfer_schemas as s
from .spec import operation
from .types import Page


def _out(t: Transfer) -> s.TransferOut:
    return s.TransferOut(
        id=t.id,
        number=t.number,
        status=t.status,
        from_location=t.from_location.code,
        to_location=t.to_location.code,
        note=t.note,
        created_at=t.created_at,
        approved_at=t.approved_at,
        shipped_at=t.shipped_at,
        received_at=t.received_at,
        completed_at=t.completed_at,
        cancelled_at=t.cancelled_at,
        units_missing=t.units_missing,
        lines=[
            s.TransferLineOut(
                id=l.id,
                sku=l.product.sku,
                lot=l.lot.code if l.lot_id != NO_LOT else None,
                quantity_requested=l.qty_requested,
                quantity_picked=l.qty_picked,
                quantity_received=l.qty_received,
                quantity_damaged=l.qty_damaged,
                quantity_missing=l.qty_missing,
                quantity_found=l.qty_found,
                quantity_lost=l.qty_lost,
                short_picked=l.short_picked,
                receive_reason=l.receive_reason.value if l.receive_reason else None,
            )
            for l in t.lines
        ],
    )


@operation(
    bp,
    "GET",
    "/transfers",
    summary="Transfers, newest first",
    tag="transfers",
    permission=P.TRANSFERS_READ,
    query=s.TransferQuery,
    response=Page[s.TransferOut],
)
def list_transfers(caller, query: s.TransferQuery):
    q = (
        select(Transfer)
        .options(
            joinedload(Transfer.from_location),
            joinedload(Transfer.to_location),
            selectinload(Transfer.lines).joinedload(TransferLine.product),
            selectinload(Transfer.lines).joinedload(TransferLine.lot),
        )
        .order_by(Transfer.id.desc())
    )
    if query.status:
        q = q.where(Transfer.status == TransferStatus(query.status))
    listed = reads.page_of(q, query.page, query.limit)
    return Page[s.TransferOut](data=[_out(t) for t in listed.rows], meta=listed.meta)


@operation(
    bp,
    "POST",
    "/transfers",
    summary="Create a draft transfer with its lines",
    tag="transfers",
    permission=P.TRANSFERS_WRITE,
    body=s.TransferIn,
    response=s.TransferOut,
    status=201,
    example=examples.TRANSFER_IN,
)
def create_transfer(caller, body: s.TransferIn):
    source, destination = _location(body.from_location), _location(body.to_location)
    transfer = transfers.create(source.id, destination.id, actor_id=caller.user_id, note=body.note)
    for line in body.lines:
        transfers.add_line(
            transfer.id,
            stock.product_by_code(line.sku),
            line.quantity,
            lot_code=line.lot,
            actor_id=caller.user_id,
        )
    return _out(transfers.get(transfer.id))


@operation(
    bp,
    "GET",
    "/transfers/<int:transfer_id>",
    summary="One transfer with its lines",
    tag="transfers",
    permission=P.TRANSFERS_READ,
    response=s.TransferOut,
)
def get_transfer(caller, transfer_id: int):
    return _out(transfers.get(transfer_id))


@operation(
    bp,
    "PATCH",
    "/transfers/<int:transfer_id>",
    summary="Change a transfer's status (approve, ship, receive, complete, cancel)",
    tag="transfers",
    permission=P.TRANSFERS_WRITE,
    body=s.TransferPatch,
    response=s.TransferOut,
    example=examples.TRANSFER_PATCH,
)
def change_transfer(caller, transfer_id: int, body: s.TransferPatch):
    """Moving to `in_transit` picks exactly what approval reserved, bin by bin, then ships;
    `received` takes line quantities (lines left out arrive as shipped)."""
    if body.lines is not None and body.status != "received":
        raise InvalidPosting("Line quantities go with status 'received' only.")
    actor = caller.user_id
    if body.status == "approved":
        transfers.approve(transfer_id, actor_id=actor)
    elif body.status == "in_transit":
        transfers.ship_as_reserved(transfer_id, actor_id=actor)
    elif body.status == "received":
        counts = {
            line.line_id: transfers.LineCount(
                line.quantity_received,
                line.quantity_damaged,
                ReceiveReason(line.reason) if line.reason else None,
            )
            for line in body.lines or []
        }
        transfers.receive_as_counted(transfer_id, counts, actor_id=actor)
    elif body.status == "completed":
        transfers.complete(transfer_id, actor_id=actor)
    else:
        transfers.cancel(transfer_id, actor_id=actor)
    return _out(transfers.get(transfer_id))


@operation(
    bp,
    "POST",
    "/transfers/<int:transfer_id>/missing",
    summary="Resolve units missing on arrival: found or lost",
    tag="transfers",
    permission=P.TRANSFERS_WRITE,
    body=s.MissingIn,
    response=s.TransferOut,
    example=examples.MISSING_IN,
)
def resolve_missing(caller, transfer_id: int, body: s.MissingIn):
    """The last missing unit resolved completes the transfer."""
    transfers.resolve_missing(
        transfer_id, body.line_id, body.outcome, body.quantity, actor_id=caller.user_id, note=body.note
    )
    return _out(transfers.get(transfer_id))


def _location(code: str):
    return locations.require(code)


# --- where to pick -----------------------------------------------------------------------


@operation(
    bp,
    "GET",
    "/transfers/bins",
    summary="Where to pick each line of a transfer, by its number (TR-000001)",
    tag="transfers",
    permission=P.TRANSFERS_READ,
    query=fs.TransferBinsQuery,
    response=fs.TransferBinsOut,
)
def transfer_bins_by_number(caller, query: fs.TransferBinsQuery):
    """The same answer as `/transfers/{transfer_id}/bins`, for a caller that holds the
    slip's number."""
    found = transfers.by_number(query.transfer)
    if found is None:
        raise NotFound(f"No transfer {query.transfer}. Check the slip (TR-000001).")
    return _bins(transfers.get(found.id), blindfold_for(caller.role))


@operation(
    bp,
    "GET",
    "/transfers/<int:transfer_id>/bins",
    summary="Where to pick each line of a transfer: bins with units at the source, in pick order",
    tag="transfers",
    permission=P.TRANSFERS_READ,
    response=fs.TransferBinsOut,
)
def transfer_bins(caller, transfer_id: int):
    """Draft and approved transfers: per line, the bins approval reserved (in allocation
    order) then the other bins with units free to take, first-expiry-first then fullest
    (never receiving bins or expired lots), each with `available`, `allocated`, `picked`
    and `can_pick` (what the pick screen would take from there). Later states: no bins.
    An operator's token gets a bin being counted with null figures."""
    return _bins(transfers.get(transfer_id), blindfold_for(caller.role))


def _bins(transfer: Transfer, blindfold) -> fs.TransferBinsOut:
    return fs.TransferBinsOut(
        id=transfer.id,
        number=transfer.number,
        status=transfer.status.value,
        from_location=transfer.from_location.code,
        lines=[
            fs.LineBinsOut(
                line_id=found.line.id,
                sku=found.line.product.sku,
                lot=found.line.lot.code if found.line.lot_id != NO_LOT else None,
                quantity_requested=found.line.qty_requested,
                quantity_picked=found.line.qty_picked,
                to_pick=found.to_pick,
                short_picked=found.line.short_picked,
                bins=[
                    fs.PickSourceOut(
                        bin=source.bin.code,
                        lot=source.lot.code if source.lot.id != NO_LOT else None,
                        expiry_date=source.lot.expiry_date,
                        **blind.shown(
                            blindfold,
                            blindfold.notes(source.bin.id),
                            available=source.available,
                            allocated=source.allocated,
                            picked=source.picked,
                            can_pick=source.can_pick,
                        ),
                    )
                    for source in found.sources
                ],
            )
            for found in pick_sources(transfer)
        ],
    )
