"""Reservations by reference (an order): reserve, release, fulfil, and returns.

Each call is one transaction (the API's command, keyed by the Idempotency-Key when sent);
the reservations service joins it, and a race it loses runs the whole request again.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from warehouse.accounts import permissions as P
from warehouse.accounts.models import Role
from warehouse.availability import reservations
from warehouse.availability.models import Reservation
from warehouse.catalog import locations, lots
from warehouse.catalog.models import NO_LOT, Location
from warehouse.core.errors import NotFound
from warehouse.core.extensions import db
from warehouse.ledger import adjustments, stock
from warehouse.web.context import settings

from . import bp
from . import stock_schemas as s
from .spec import operation
from .stock import key_stocks


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
    keys: list[tuple[int, int, int]] | None = None,
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
    return s.StockChangeOut(
        reference_type=reference[0],
        reference_id=reference[1],
        quantity=quantity,
        reservations=[
            s.ReservationOut(
                id=r.id,
                sku=r.product.sku,
                location=r.location.code,
                bin=r.bin.code,
                lot=r.lot.code if r.lot_id != NO_LOT else None,
                quantity=r.qty,
                quantity_open=r.qty_open,
                quantity_fulfilled=r.qty_fulfilled,
                status=r.status.value,
                expires_at=r.expires_at,
            )
            for r in rows
        ],
        stock=key_stocks(keys),
    )


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
)
def reserve(caller, body: s.ReserveIn):
    product = stock.product_by_code(body.sku)
    location = _location(body.location)
    bin = adjustments.require_bin(location.code, body.bin) if body.bin else None
    lot = _lot(product, body.lot)
    # Left out: the configured default. An explicit null: held until fulfilled or released.
    if "ttl_seconds" not in body.model_fields_set:
        ttl = settings().reservation_ttl
    else:
        ttl = timedelta(seconds=body.ttl_seconds) if body.ttl_seconds else None
    reference = (body.reference_type, body.reference_id)
    rows = reservations.reserve(
        product,
        location,
        body.quantity,
        reference,
        actor_id=caller.user_id,
        bin=bin,
        lot=lot,
        ttl=ttl,
    )
    return _changed(reference, body.quantity, rows)


@operation(
    bp,
    "POST",
    "/stock/release",
    summary="Release a reference's reservations (all, or narrowed)",
    tag="reservations",
    permission=P.INVENTORY_WRITE,
    body=s.ByReferenceIn,
    response=s.StockChangeOut,
)
def release(caller, body: s.ByReferenceIn):
    return _close(reservations.release, caller, body)


@operation(
    bp,
    "POST",
    "/stock/fulfill",
    summary="Fulfil (sell) a reference's reserved stock",
    tag="reservations",
    permission=P.INVENTORY_WRITE,
    body=s.ByReferenceIn,
    response=s.StockChangeOut,
)
def fulfill(caller, body: s.ByReferenceIn):
    return _close(reservations.fulfill, caller, body)


def _close(action, caller, body: s.ByReferenceIn):
    reference = (body.reference_type, body.reference_id)
    product = stock.product_by_code(body.sku) if body.sku else None
    closed = action(
        reference,
        product=product,
        location=_location(body.location),
        qty=body.quantity,
        actor_id=caller.user_id,
    )
    return _changed(reference, closed.units, closed.rows)


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
    return _changed(reference, body.quantity, [], [(product.id, returned.bin.id, lot_id)])
