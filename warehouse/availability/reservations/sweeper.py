"""The sweeper (reservations whose TTL ran out) and the reservation list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from warehouse import ledger
from warehouse.availability.models import Reservation, ReservationStatus
from warehouse.availability.reservations.closing import take_row
from warehouse.availability.reservations.common import R, log
from warehouse.catalog.models import Location, Product
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    DomainError,
)
from warehouse.core.extensions import db
from warehouse.integrations import events
from warehouse.ledger.models import MovementType

# --- the sweeper -------------------------------------------------------------------------


def sweep(now: datetime | None = None) -> int:
    """Release every active reservation whose TTL has passed; return how many rows were
    expired. Idempotent and safe beside requests: each row is claimed by a guarded UPDATE
    in the same transaction as its release posting, so a row a fulfil or release changed
    meanwhile is skipped, never released twice."""
    now = now or utcnow()
    due = db.session.execute(
        select(Reservation.id, Reservation.qty_open)
        .where(Reservation.status == R.ACTIVE, Reservation.expires_at <= now)
        .order_by(Reservation.id)
    ).all()
    db.session.rollback()  # end the read; each row gets its own write transaction
    expired = 0
    for row_id, seen in due:
        try:
            expired += ledger.atomically(_expire_one, row_id, seen, now)
        except DomainError as refused:  # one odd row must not keep the rest reserved
            log.warning("reservation %s was not expired: %s", row_id, refused.message)
    return expired


def release_lapsed(product_id: int, location_id: int, now: datetime) -> int:
    """Expire, inside the caller's transaction, the reservations of one SKU at one location
    whose TTL has passed: a reserve calls this first, so a lapsed cart's units are free
    from its expiry time, not only from the sweeper's next run."""
    due = db.session.execute(
        select(Reservation.id, Reservation.qty_open)
        .where(
            Reservation.product_id == product_id,
            Reservation.location_id == location_id,
            Reservation.status == R.ACTIVE,
            Reservation.expires_at <= now,
        )
        .order_by(Reservation.id)
    ).all()
    return sum(_expire_one(row_id, seen, now) for row_id, seen in due)


def _expire_one(row_id: int, seen: int, now: datetime) -> int:
    if not take_row(row_id, seen, seen, R.EXPIRED, now, due_by=now):
        return 0  # fulfilled, released or changed since we read it: not ours any more
    row = db.session.get(Reservation, row_id, populate_existing=True)
    posted = ledger.post(
        MovementType.RELEASE,
        [ledger.Line(row.product_id, row.location_id, row.bin_id, row.lot_id, reserved=-seen)],
        actor_id=None,
        reference=(row.reference_type, row.reference_id),
        note="Reservation expired (time to live passed).",
    )
    events.publish(
        "reservation.expired",
        dict(
            reservation_id=row.id,
            reference=row.reference,
            sku=row.product.sku,
            product_id=row.product_id,
            location=row.location.code,
            location_id=row.location_id,
            channel_id=row.channel_id,
            quantity=seen,
            expired_at=row.expires_at,
            posting_id=posted.posting_id,
        ),
    )
    return 1


# --- reading -----------------------------------------------------------------------------


def listing(
    *,
    status: ReservationStatus | None = None,
    reference: str | None = None,
    sku: str | None = None,
    location_code: str | None = None,
    expiring_before: datetime | None = None,
    limit: int = 200,
) -> list[Reservation]:
    """Reservations newest first. `reference` is "type:id" or just the id."""
    chosen = listing_query(
        status=status,
        reference=reference,
        sku=sku,
        location_code=location_code,
        expiring_before=expiring_before,
    )
    return list(db.session.scalars(chosen.limit(limit)))


def listing_query(
    *,
    status: ReservationStatus | None = None,
    reference: str | None = None,
    sku: str | None = None,
    location_code: str | None = None,
    expiring_before: datetime | None = None,
) -> Select:
    """The reservation list's query, newest first, for a caller that pages it (the API):
    the page's filters, with its product, location, bin and lot loaded."""
    query = (
        select(Reservation)
        .join(Reservation.product)
        .join(Reservation.location)
        .options(
            joinedload(Reservation.product),
            joinedload(Reservation.location),
            joinedload(Reservation.bin),
            joinedload(Reservation.lot),
        )
        .order_by(Reservation.id.desc())
    )
    if status is not None:
        query = query.where(Reservation.status == status)
    if reference:
        kind, sep, ident = reference.strip().partition(":")
        query = (
            query.where(Reservation.reference_type == kind.strip(), Reservation.reference_id == ident.strip())
            if sep
            else query.where(Reservation.reference_id == reference.strip())
        )
    if sku:
        query = query.where(Product.sku == sku)
    if location_code:
        query = query.where(Location.code == location_code)
    if expiring_before is not None:
        query = query.where(Reservation.expires_at.is_not(None), Reservation.expires_at < expiring_before)
    return query
