"""Reservations by reference (an order): reserve, release, fulfil, and returns; and the
reservation list with the page's filters.

Each call is one transaction (the API's command, keyed by the Idempotency-Key when sent);
the reservations service joins it, and a race it loses runs the whole request again.

Behind an operator's blindfold (warehouse/counts/blind.py) the answer withholds what it
would tell of a bin being counted: the key's stock, a reservation row's quantities in that
bin (a reservation that emptied the bin says its available), and the "Available: N" of a
refused reserve whose N sums that bin.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from warehouse.accounts import permissions as P
from warehouse.accounts.models import Role
from warehouse.availability import backorders, channels, reservations
from warehouse.availability.models import Backorder, Channel, Reservation, ReservationStatus
from warehouse.catalog import locations, lots
from warehouse.catalog.models import NO_LOT, Location
from warehouse.core.errors import InsufficientStock, NotFound
from warehouse.core.extensions import db
from warehouse.core.transactions import RaceLost
from warehouse.counts.blind import Blindfold, blindfold_for
from warehouse.ledger import adjustments, stock
from warehouse.web.context import settings

from . import blind, bp, examples, reads
from . import floor_schemas as fs
from . import stock_schemas as s
from .spec import operation
from .stock import key_stocks
from .types import Page


def _location(code: str | None) -> Location | None:
    if code is None:
        return None
    return locations.require(code)


def _lot(product, code: str):
    if not code:
        return None
    lot = lots.existing(product, code)
    if lot is None:
        raise NotFound(f"No lot {code!r} of {product.sku}. Check the label.")
    return lot


_RELATED = {"product", "location", "bin", "lot"}


def _changed(
    reference: tuple[str, str],
    quantity: int,
    rows: list[Reservation],
    blindfold: Blindfold,
    keys: list[tuple[int, int, int]] | None = None,
    waiting: list[Backorder] = (),
) -> s.StockChangeOut:
    keys = keys if keys is not None else list(dict.fromkeys((r.product_id, r.bin_id, r.lot_id) for r in rows))
    if rows and not all(_RELATED <= r.__dict__.keys() for r in rows):
        # One query for the rows with their names (a release or fulfil locked the rows
        # alone); a reserve made its rows with their product, location, bin and lot.
        rows = list(
            db.session.scalars(
                select(Reservation)
                .where(Reservation.id.in_([r.id for r in rows]))
                .options(
                    joinedload(Reservation.product),
                    joinedload(Reservation.location),
                    joinedload(Reservation.bin),
                    joinedload(Reservation.lot),
                )
                .order_by(Reservation.id)
                .execution_options(populate_existing=True)
            )
        )
    channel_codes = channels.codes_of({r.channel_id for r in rows})
    counted = blindfold.counted_totals({b.product_id for b in waiting}) if waiting else frozenset()
    return s.StockChangeOut(
        reference_type=reference[0],
        reference_id=reference[1],
        quantity=quantity,
        backorders=[backorder_out(b, blindfold, (b.product_id, b.location_id) in counted) for b in waiting],
        reservations=[reservation_out(r, blindfold, channel_codes) for r in rows],
        stock=key_stocks(keys, blindfold),
    )


def reservation_out(r: Reservation, blindfold: Blindfold, channel_codes: dict[int, str]) -> s.ReservationOut:
    """A reservation row as a caller may read it (its quantities withheld from a blind
    reader while its bin is being counted); `channel_codes` by channel id."""
    return s.ReservationOut(
        id=r.id,
        sku=r.product.sku,
        location=r.location.code,
        bin=r.bin.code,
        lot=r.lot.code if r.lot_id != NO_LOT else None,
        **blind.shown(
            blindfold,
            blindfold.notes(r.bin_id),
            quantity=r.qty,
            quantity_open=r.qty_open,
            quantity_fulfilled=r.qty_fulfilled,
        ),
        status=r.status.value,
        expires_at=r.expires_at,
        channel=channel_codes.get(r.channel_id),
    )


def backorder_out(b: Backorder, blindfold: Blindfold, counted: bool) -> s.BackorderOut:
    """A backorder as a caller may read it: its quantities withheld from a blind reader
    while that SKU has a bin being counted at its location (`counted`: the order less
    them is what was free)."""
    return s.BackorderOut(
        id=b.id,
        sku=b.product.sku,
        location=b.location.code,
        **blind.shown(blindfold, counted, quantity=b.qty, quantity_waiting=b.qty_open),
        status=b.status.value,
        position=backorders.position(b),
        created_at=b.created_at,
    )


def _channel(code: str | None) -> Channel | None:
    return channels.require(code) if code is not None else None


@operation(
    bp,
    "POST",
    "/stock/reserve",
    summary="Reserve stock for a reference (FEFO, with a TTL)",
    tag="reservations",
    permission=P.INVENTORY_WRITE,
    body=s.ReserveIn,
    response=s.StockChangeOut,
    status=201,
    example=examples.RESERVE_IN,
)
def reserve(caller, body: s.ReserveIn):
    product = stock.product_by_code(body.sku)
    location = _location(body.location)
    bin = adjustments.require_bin(location.code, body.bin) if body.bin else None
    lot = _lot(product, body.lot)
    # Left out: the configured default (a cart: the organisation's cart TTL). An explicit
    # null: held until fulfilled or released.
    if "ttl_seconds" not in body.model_fields_set:
        ttl = settings().reservation_ttl
        if body.reference_type == "cart":
            ttl = reservations.cart_ttl(ttl)
    else:
        ttl = timedelta(seconds=body.ttl_seconds) if body.ttl_seconds else None
    reference = (body.reference_type, body.reference_id)
    blindfold = blindfold_for(caller.role)
    try:
        promised = reservations.promise(
            product,
            location,
            body.quantity,
            reference,
            actor_id=caller.user_id,
            channel=_channel(body.channel),
            bin=bin,
            lot=lot,
            ttl=ttl,
        )
    except InsufficientStock as refused:
        raise _blind_refusal(refused, blindfold, product, location, bin, body.quantity) from refused
    except RaceLost as lost:  # every attempt lost: the caller gets the refusal, withheld too
        if isinstance(lost.refusal, InsufficientStock):
            raise RaceLost(
                _blind_refusal(lost.refusal, blindfold, product, location, bin, body.quantity)
            ) from lost
        raise
    return _changed(reference, body.quantity, promised.rows, blindfold, waiting=promised.backorders)


# "Available: 5" of the ledger's refusal, "Only 5 ... can be promised" of a channel's.
_STATES_AVAILABLE = re.compile(r"\bavailable:? -?\d|\bonly -?\d", re.IGNORECASE)


def _blind_refusal(
    refused: InsufficientStock, blindfold: Blindfold, product, location: Location, bin, quantity: int
) -> InsufficientStock:
    """The refusal as the caller may read it: its "Available: N" sums the units free at
    the location (or in the named bin; a lost race names one bin's), so behind a
    blindfold, when that takes in a bin being counted, the message says so instead of the
    number (one query, only on this path and only while something is being counted). A
    refusal that states no figure (an expired lot) is left as it is."""
    if not blindfold or not _STATES_AVAILABLE.search(refused.message):
        return refused
    if bin is not None:
        counted = blindfold.hides(bin.id)
    else:
        counted = (product.id, location.id) in blindfold.counted_totals([product.id])
    if not counted:
        return refused
    where = location.code + (f" bin {bin.code}" if bin else "")
    return type(refused)(  # the same rule (its code), without the figure
        f"Insufficient stock available for {product.sku} at {where}: requested {quantity}. "
        "A bin there is being counted, so what is available is not shown until the count is "
        "submitted. Reserve fewer or wait for stock."
    )


@operation(
    bp,
    "POST",
    "/stock/release",
    summary="Release a reference's reservations (all, or narrowed)",
    tag="reservations",
    permission=P.INVENTORY_WRITE,
    body=s.ByReferenceIn,
    response=s.StockChangeOut,
    example=examples.BY_REFERENCE_IN,
)
def release(caller, body: s.ByReferenceIn):
    reference = (body.reference_type, body.reference_id)
    whole = body.sku is None and body.location is None and body.quantity is None
    cancelled = backorders.cancel(reference) if whole else []  # the order is cancelled
    try:
        return _close(reservations.release, caller, body, cancelled)
    except NotFound:
        if not cancelled:
            raise
        return _changed(reference, 0, [], blindfold_for(caller.role), waiting=cancelled)


@operation(
    bp,
    "POST",
    "/stock/fulfill",
    summary="Fulfil (sell) a reference's reserved stock",
    tag="reservations",
    permission=P.INVENTORY_WRITE,
    body=s.ByReferenceIn,
    response=s.StockChangeOut,
    example=examples.BY_REFERENCE_IN,
)
def fulfill(caller, body: s.ByReferenceIn):
    return _close(reservations.fulfill, caller, body)


def _close(action, caller, body: s.ByReferenceIn, cancelled: list[Backorder] = ()):
    reference = (body.reference_type, body.reference_id)
    product = stock.product_by_code(body.sku) if body.sku else None
    closed = action(
        reference,
        product=product,
        location=_location(body.location),
        qty=body.quantity,
        actor_id=caller.user_id,
    )
    return _changed(reference, closed.units, closed.rows, blindfold_for(caller.role), waiting=cancelled)


@operation(
    bp,
    "POST",
    "/stock/return",
    summary="Book returned units back into stock",
    tag="reservations",
    permission=P.INVENTORY_WRITE,
    role=Role.SUPERVISOR,
    body=s.ReturnIn,
    response=s.StockChangeOut,
    status=201,
    example=examples.RETURN_IN,
)
def return_stock(caller, body: s.ReturnIn):
    """Returned units land in the named location's receiving bin, else in the `returns`
    location. Needs a supervisor's token: a return adds stock, so an operator's token
    (which may reserve, release and fulfil for orders) may not."""
    product = stock.product_by_code(body.sku)
    reference = (body.reference_type, body.reference_id)
    returned = reservations.return_stock(
        product,
        body.quantity,
        reference,
        body.reason,
        location=_location(body.location),
        lot=_lot(product, body.lot),
        actor_id=caller.user_id,
    )
    lot_id = returned.lot.id if returned.lot else NO_LOT
    keys = [(product.id, returned.bin.id, lot_id)]
    return _changed(reference, body.quantity, [], blindfold_for(caller.role), keys)


# --- the reservation list ----------------------------------------------------------------


@operation(
    bp,
    "GET",
    "/reservations",
    summary="Reservations, newest first (active by default), with filters",
    tag="reservations",
    permission=P.INVENTORY_READ,
    role=Role.SUPERVISOR,
    query=fs.ReservationQuery,
    response=Page[fs.ReservationRow],
)
def list_reservations(caller, query: fs.ReservationQuery):
    """The reservations page's list (a supervisor's, as the page is): `status`
    (active, released, expired, fulfilled or any), `sku`, `location`, `reference` (type:id
    or the id) and `expiring_before` (active rows whose TTL ends before then)."""
    chosen = reservations.listing_query(
        status=None if query.status == "any" else ReservationStatus(query.status),
        reference=query.reference,
        sku=query.sku,
        location_code=query.location,
        expiring_before=query.expiring_before,
    )
    listed = reads.page_of(chosen, query.page, query.limit)
    blindfold = blindfold_for(caller.role)
    return Page[fs.ReservationRow](
        data=[
            fs.ReservationRow(
                id=r.id,
                reference_type=r.reference_type,
                reference_id=r.reference_id,
                sku=r.product.sku,
                location=r.location.code,
                bin=r.bin.code,
                lot=r.lot.code if r.lot_id != NO_LOT else None,
                **blind.shown(
                    blindfold,
                    blindfold.notes(r.bin_id),
                    quantity=r.qty,
                    quantity_open=r.qty_open,
                    quantity_fulfilled=r.qty_fulfilled,
                ),
                status=r.status.value,
                expires_at=r.expires_at,
                created_at=r.created_at,
                closed_at=r.closed_at,
            )
            for r in listed.rows
        ],
        meta=listed.meta,
    )
