"""Reserve: available -> reserved for a reference, FEFO across bins and lots; on a selling
channel, within that channel's ATP; beyond it, for a product that allows backorders, the
rest queued as a backorder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from warehouse import ledger
from warehouse.availability import atp, backorders, expiry
from warehouse.availability.models import Backorder, Channel, Reservation
from warehouse.availability.reservations import common, sweeper
from warehouse.availability.reservations.common import DEFAULT_TTL, MAX_TTL, R, check_qty
from warehouse.catalog import locations
from warehouse.catalog.models import Bin, Location, Lot, Product
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    BinNotAtLocation,
    ChannelAtpExceeded,
    InsufficientStock,
    LocationCannotHoldReservations,
    LotOfAnotherProduct,
    ProductInactive,
    TtlOutOfRange,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import Message, msg
from warehouse.core.transactions import RaceLost
from warehouse.ledger.models import MovementType
from warehouse.ledger.references import check_reference

# --- reserve -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Promised:
    """What a promise made: reservations for what could be taken, and for a product that
    allows backorders, the rest waiting in the location's queue."""

    rows: list[Reservation] = field(default_factory=list)
    backorders: list[Backorder] = field(default_factory=list)

    @property
    def reserved(self) -> int:
        return sum(row.qty for row in self.rows)

    @property
    def backordered(self) -> int:
        return sum(b.qty for b in self.backorders)


def reserve(
    product: Product,
    location: Location,
    qty: int,
    reference: tuple[str, str],
    *,
    actor_id: int | None,
    ttl: timedelta | None = DEFAULT_TTL,
    channel: Channel | None = None,
    bin: Bin | None = None,
    lot: Lot | None = None,
    key: str | None = None,
    now: datetime | None = None,
) -> list[Reservation]:
    """Reserve `qty` of a product at a location for a reference, or refuse and write
    nothing (never a backorder: see `promise`). The rows made."""
    return _promise(
        product, location, qty, reference, actor_id, ttl, channel, bin, lot, key, now, may_backorder=False
    ).rows


def promise(
    product: Product,
    location: Location,
    qty: int,
    reference: tuple[str, str],
    *,
    actor_id: int | None,
    ttl: timedelta | None = DEFAULT_TTL,
    channel: Channel | None = None,
    bin: Bin | None = None,
    lot: Lot | None = None,
    key: str | None = None,
    now: datetime | None = None,
) -> Promised:
    """Reserve `qty` for a reference; for a product that allows backorders, a promise that
    does not expire (an order, not a cart) and names no bin or lot, what is beyond the ATP
    waits as a backorder instead of being refused."""
    return _promise(
        product,
        location,
        qty,
        reference,
        actor_id,
        ttl,
        channel,
        bin,
        lot,
        key,
        now,
        may_backorder=product.allow_backorder and ttl is None and bin is None and lot is None,
    )


def _promise(product, location, qty, reference, actor_id, ttl, channel, bin, lot, key, now, *, may_backorder):
    """The command. ttl=None: no expiry (pending fulfilment). Checks, in order: the
    quantity, the reference, the TTL, the product active, the location able to hold
    reservations, the bin at it and the lot of the product; then, in the write: the key (a
    replay answers with the first call's rows), an expired named lot, the channel's ATP,
    enough unexpired available."""
    check_qty(qty, "Reserve")
    reference = check_reference(reference)
    if ttl is not None and (not isinstance(ttl, timedelta) or not timedelta(0) < ttl <= MAX_TTL):
        raise TtlOutOfRange(msg("The time to live must be more than 0 and at most 366 days."))
    _check_place(product, location, bin, lot)
    note = _reserve_note(product, location, qty, bin, lot, ttl, channel)
    # The channel as plain values: its row is expired when the write begins.
    channel = _Named(channel.id, channel.code) if channel is not None else None

    def work() -> Promised:
        moment = now or utcnow()
        take, candidates = _how_many(
            product, location, qty, channel, bin, lot, moment, may_backorder=may_backorder
        )
        rows = _reserve_rows(
            product,
            location,
            take,
            candidates,
            reference,
            actor_id,
            ttl,
            channel,
            bin,
            lot,
            key,
            note,
            moment,
        )
        waiting = (
            [
                backorders.queue(
                    product,
                    location,
                    qty - take,
                    reference,
                    channel=channel,
                    actor_id=actor_id,
                    at=moment,
                    posting_id=rows[0].posting_id if rows else None,
                )
            ]
            if take < qty
            else []
        )
        return Promised(rows, waiting)

    return commands.run(
        "reservations.reserve",
        work,
        key=key,
        actor_id=actor_id,
        request=[product.id, location.id, qty, list(reference), bin and bin.id, lot and lot.id, note],
        remember=lambda made: {
            "posting_id": made.rows[0].posting_id if made.rows else None,
            "backorders": [b.id for b in made.backorders],
        },
        recall=lambda stored: Promised(
            _by_posting(stored["posting_id"]) if stored["posting_id"] else [],
            backorders.by_ids(stored.get("backorders", [])),
        ),
    )


def _how_many(product, location, qty, channel, bin, lot, moment, *, may_backorder) -> tuple[int, list]:
    """How many of `qty` to reserve now (the rest is backordered), or a refusal; and the
    FEFO candidates to take them from. Lapsed cart reservations are released first, so
    their units count as free from their expiry time. Promises of one product take turns
    (its row is locked first), so a channel's ATP (atp.py), read after the lock, cannot be
    overrun by another promise at the same moment, with or without a channel; the ledger's
    guarded UPDATE stays the last defence against overselling. A channel that does not
    sell here takes nothing, not even a backorder."""
    atp.lock_product(product.id)
    sweeper.release_lapsed(product.id, location.id, moment)
    if may_backorder:
        backorders.fill_queue(product.id, location.id)  # the queue is served before a newcomer
    terms = atp.terms(product.id, location.id, channel.id, moment) if channel is not None else None
    if terms is not None and not terms.sells:
        raise ChannelAtpExceeded(
            msg(
                "Channel {channel} does not sell from {location}: it is inactive, or has no rule "
                "there, or its rule says it may not. Promise from another location, or change the channel's rules.",
                channel=channel.code,
                location=location.code,
            )
        )
    candidates = expiry.fefo_candidates(
        product.id,
        location.id,
        today=moment.date(),
        bin_id=bin.id if bin else None,
        lot_id=lot.id if lot else None,
    )
    if channel is None and not may_backorder:
        return qty, candidates
    free = sum(b.available for b in candidates)
    if bin is None and lot is None:  # the candidates are every unit free here: the ATP's "free"
        limit = terms.atp(free) if terms else free
    else:  # the channel's ATP at the location, and no more than the bin or lot named has
        here = atp.figures([product.id], [location.id], moment).get((product.id, location.id), atp.Stock())
        limit = min(terms.atp(here.free), free) if terms else free
    if qty <= limit:
        return qty, candidates
    if may_backorder:
        return max(limit, 0), candidates
    raise ChannelAtpExceeded(
        msg(
            "Only {limit} {sku} at {location} can be promised on channel {channel} "
            "(requested {qty}): its rule there keeps units back or limits its share. "
            "Reserve fewer, or from another location.",
            limit=limit,
            sku=product.sku,
            location=location.code,
            channel=channel.code,
            qty=qty,
        )
    )


@dataclass(frozen=True)
class _Named:
    """A channel's id and code, read before the write begins."""

    id: int
    code: str


def _reserve_rows(
    product, location, qty, candidates, reference, actor_id, ttl, channel, bin, lot, key, note, moment
):
    """The reserve posting and its rows ([] for nothing to reserve)."""
    if qty == 0:
        return []
    lines, taken = _allocate(product, location, qty, candidates, bin, lot, moment.date())
    try:
        posted = common.post(
            "reserve",
            MovementType.RESERVE,
            lines,
            key=key,
            actor_id=actor_id,
            reference=reference,
            note=note,
        )
    except InsufficientStock as raced:  # another request took units since we read
        raise RaceLost(raced) from raced
    expires_at = moment + ttl if ttl is not None else None
    rows = [
        Reservation(
            reference_type=reference[0],
            reference_id=reference[1],
            # The rows themselves, not only their ids: whoever answers with these
            # reservations (the API) reads their codes without a query.
            product=product,
            location=location,
            bin=balance.bin,
            lot=balance.lot,
            qty=line.reserved,
            qty_open=line.reserved,
            status=R.ACTIVE,
            expires_at=expires_at,
            channel_id=channel.id if channel is not None else None,
            user_id=actor_id,
            posting_id=posted.posting_id,
            created_at=moment,
        )
        for line, balance in zip(lines, taken, strict=True)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def _reserve_note(product, location, qty, bin, lot, ttl, channel=None) -> str:
    """The request as asked, kept as the posting's note."""
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
    on = f" on channel {channel.code}" if channel is not None else ""
    return f"Reserve {qty} {product.sku} at {where}{on}, {keep}."[:500]


def _check_place(product: Product, location: Location, bin: Bin | None, lot: Lot | None) -> None:
    if not product.active:
        raise ProductInactive(msg("{sku} is inactive: it cannot be reserved.", sku=product.sku))
    if not locations.workable(location):
        raise LocationCannotHoldReservations(
            msg(
                "{location} cannot hold reservations (inactive, transit or destruction).",
                location=location.code,
            )
        )
    if bin is not None and bin.location_id != location.id:
        raise BinNotAtLocation(msg("Bin {bin} is not at {location}.", bin=bin.code, location=location.code))
    if lot is not None and lot.product_id != product.id:
        raise LotOfAnotherProduct(msg("Lot {lot} is not a lot of {sku}.", lot=lot.code, sku=product.sku))


def _allocate(product, location, qty, candidates, bin, lot, today: date) -> tuple[list[ledger.Line], list]:
    """Reserve lines taking `qty` from the FEFO candidates (expiry.fefo_candidates), with
    the balance each takes from (its bin and lot loaded), or InsufficientStock."""
    if lot is not None and expiry.is_expired(lot, today):
        raise InsufficientStock(
            msg(
                "Lot {lot} of {sku} expired on {expiry}: it cannot be reserved.",
                lot=lot.code,
                sku=product.sku,
                expiry=lot.expiry_date,
            )
        )
    lines, taken, wanted = [], [], qty
    for balance in candidates:
        take = min(balance.available, wanted)
        lines.append(ledger.Line(product.id, location.id, balance.bin_id, balance.lot_id, reserved=take))
        taken.append(balance)
        wanted -= take
        if wanted == 0:
            return lines, taken
    raise InsufficientStock(_short(product, location, bin, lot, available=qty - wanted, requested=qty))


def _short(product, location, bin, lot, *, available: int, requested: int) -> Message:
    """Not enough to reserve, where it was looked for: a whole sentence for each way of
    naming the place (the location, its bin, its lot)."""
    said = dict(available=available, requested=requested, sku=product.sku, location=location.code)
    if bin and lot:
        return msg(
            "Insufficient stock available. Available: {available}, Requested: {requested} "
            "({sku} at {location} bin {bin} lot {lot}). Reserve fewer or wait for stock.",
            bin=bin.code,
            lot=lot.code,
            **said,
        )
    if bin:
        return msg(
            "Insufficient stock available. Available: {available}, Requested: {requested} "
            "({sku} at {location} bin {bin}). Reserve fewer or wait for stock.",
            bin=bin.code,
            **said,
        )
    if lot:
        return msg(
            "Insufficient stock available. Available: {available}, Requested: {requested} "
            "({sku} at {location} lot {lot}). Reserve fewer or wait for stock.",
            lot=lot.code,
            **said,
        )
    return msg(
        "Insufficient stock available. Available: {available}, Requested: {requested} "
        "({sku} at {location}). Reserve fewer or wait for stock.",
        **said,
    )


def _by_posting(posting_id: int) -> list[Reservation]:
    return list(
        db.session.scalars(
            select(Reservation)
            .where(Reservation.posting_id == posting_id)
            .order_by(Reservation.id)
            .execution_options(populate_existing=True)
        )
    )
