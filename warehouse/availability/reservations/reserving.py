"""Reserve: available -> reserved for a reference, FEFO across bins and lots."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from warehouse import ledger
from warehouse.availability import expiry
from warehouse.availability.models import Reservation
from warehouse.availability.reservations import common
from warehouse.availability.reservations.common import (
    DEFAULT_TTL,
    MAX_TTL,
    R,
    _check_qty,
    _ledger_key,
    _Retry,
    _run,
)
from warehouse.catalog.models import Bin, Location, LocationType, Lot, Product
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    BinNotAtLocation,
    IdempotencyKeyReused,
    InsufficientStock,
    InvalidPosting,
    LotOfAnotherProduct,
    ProductInactive,
)
from warehouse.core.extensions import db
from warehouse.ledger.models import MovementType
from warehouse.ledger.references import check_reference

# --- reserve -----------------------------------------------------------------------------


def reserve(
    product: Product,
    location: Location,
    qty: int,
    reference: tuple[str, str],
    *,
    actor_id: int | None,
    ttl: timedelta | None = DEFAULT_TTL,
    bin: Bin | None = None,
    lot: Lot | None = None,
    key: str | None = None,
    now: datetime | None = None,
) -> list[Reservation]:
    """Reserve `qty` of a product at a location for a reference, or refuse and write
    nothing. ttl=None: no expiry (pending fulfilment)."""
    _check_qty(qty, "Reserve")
    reference = check_reference(reference)
    if ttl is not None and (not isinstance(ttl, timedelta) or not timedelta(0) < ttl <= MAX_TTL):
        raise InvalidPosting("The time to live must be more than 0 and at most 366 days.")
    _check_place(product, location, bin, lot)
    ledger_key = _ledger_key("reserve", key, actor_id)
    note = _reserve_note(product, location, qty, bin, lot, ttl)

    def earlier() -> int | None:
        return (
            common.earlier_posting(ledger_key, MovementType.RESERVE, reference, note) if ledger_key else None
        )

    def replay(posting_id: int) -> list[Reservation]:
        return _replay_reserve(posting_id, product, location, qty, reference, bin, lot, ttl)

    def run() -> list[Reservation]:
        if (done := earlier()) is not None:
            return replay(done)
        moment = now or utcnow()
        lines = _allocate(product, location, qty, bin, lot, moment.date())
        try:
            posted = ledger.post(
                MovementType.RESERVE, lines, actor_id=actor_id, key=ledger_key, reference=reference, note=note
            )
        except InsufficientStock as raced:  # another request took units since we read
            raise _Retry() from raced
        if posted.replayed:
            return replay(posted.posting_id)
        expires_at = moment + ttl if ttl is not None else None
        rows = [
            Reservation(
                reference_type=reference[0],
                reference_id=reference[1],
                product_id=line.product_id,
                location_id=line.location_id,
                bin_id=line.bin_id,
                lot_id=line.lot_id,
                qty=line.reserved,
                qty_open=line.reserved,
                status=R.ACTIVE,
                expires_at=expires_at,
                user_id=actor_id,
                posting_id=posted.posting_id,
                created_at=moment,
            )
            for line in lines
        ]
        db.session.add_all(rows)
        db.session.flush()
        return rows

    return _run(run, earlier, replay)


def _reserve_note(product, location, qty, bin, lot, ttl) -> str:
    """The request as asked, kept as the posting's note: what a key was first used for."""
    where = location.code + (f" bin {bin.code}" if bin else "") + (f" lot {lot.code}" if lot else "")
    if ttl is None:
        keep = "no expiry"
    else:
        seconds = ttl.total_seconds()
        keep = (
            f"expires {seconds / 60:g} min after reserving"
            if seconds % 60 == 0
            else f"expires {seconds:g} s after reserving"
        )
    return f"Reserve {qty} {product.sku} at {where}, {keep}."[:500]


def _check_place(product: Product, location: Location, bin: Bin | None, lot: Lot | None) -> None:
    if not product.active:
        raise ProductInactive(f"{product.sku} is inactive: it cannot be reserved.")
    if not location.active or location.type is LocationType.TRANSIT:
        raise InvalidPosting(f"{location.code} cannot hold reservations (inactive or transit).")
    if bin is not None and bin.location_id != location.id:
        raise BinNotAtLocation(f"Bin {bin.code} is not at {location.code}.")
    if lot is not None and lot.product_id != product.id:
        raise LotOfAnotherProduct(f"Lot {lot.code} is not a lot of {product.sku}.")


def _allocate(product, location, qty, bin, lot, today: date) -> list[ledger.Line]:
    """Reserve lines taking `qty` from the FEFO candidates, or InsufficientStock."""
    if lot is not None and expiry.is_expired(lot, today):
        raise InsufficientStock(
            f"Lot {lot.code} of {product.sku} expired on "
            f"{lot.expiry_date.isoformat()}: it cannot be reserved."
        )
    lines, wanted = [], qty
    for balance in expiry.fefo_candidates(
        product.id, location.id, today=today, bin_id=bin.id if bin else None, lot_id=lot.id if lot else None
    ):
        take = min(balance.available, wanted)
        lines.append(ledger.Line(product.id, location.id, balance.bin_id, balance.lot_id, reserved=take))
        wanted -= take
        if wanted == 0:
            return lines
    where = f"{location.code}" + (f" bin {bin.code}" if bin else "") + (f" lot {lot.code}" if lot else "")
    raise InsufficientStock(
        f"Insufficient stock available. Available: {qty - wanted}, "
        f"Requested: {qty} ({product.sku} at {where}). "
        "Reserve fewer or wait for stock."
    )


def _replay_reserve(
    posting_id: int, product, location, qty, reference, bin=None, lot=None, ttl=None
) -> list[Reservation]:
    """The first call's rows, after checking they answer this request (postings made
    before notes recorded the request are checked on what their rows record)."""
    rows = _by_posting(posting_id)
    if (
        not rows
        or {(r.product_id, r.location_id, r.reference_type, r.reference_id) for r in rows}
        != {(product.id, location.id, *reference)}
        or sum(r.qty for r in rows) != qty
        or (bin is not None and {r.bin_id for r in rows} != {bin.id})
        or (lot is not None and {r.lot_id for r in rows} != {lot.id})
        or {None if r.expires_at is None else r.expires_at - r.created_at for r in rows} != {ttl}
    ):
        raise IdempotencyKeyReused(
            "This request key was already used for a different reservation. Use a new key for a new request."
        )
    return rows


def _by_posting(posting_id: int) -> list[Reservation]:
    return list(
        db.session.scalars(
            select(Reservation)
            .where(Reservation.posting_id == posting_id)
            .order_by(Reservation.id)
            .execution_options(populate_existing=True)
        )
    )
