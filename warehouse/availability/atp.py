"""Available to promise: what a new reservation on a selling channel could take.

Per SKU x location the ledger gives the units free to promise, the same units a reserve
would take (warehouse/availability/expiry.py fefo_candidates: not in a receiving bin, not
of an expired lot, not reserved or held). A cart reservation whose time to live has passed
is free again from that moment, before the sweeper tidies it. A channel's rule at the
location (ChannelLocation) then narrows them:

    ATP = 0                                   the channel is inactive, has no rule there,
                                              or its rule says it does not sell from there
    ATP = free - buffer                       no share
    ATP = min(free - buffer,
              share% x (sellable - buffer) - reserved on this channel)   with a share

where sellable is the units there a reservation could ever hold (on hand less held, in
those keys), so a channel with a 50% share holds at most half of it, whatever the others
hold. ATP is never negative and never more than free: no channel ever promises a unit the
ledger has not got (docs/api.md, "Channels and available to promise").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, bindparam, case, func, or_, select

from warehouse.availability.models import Channel, ChannelLocation, Reservation, ReservationStatus
from warehouse.catalog.models import Bin, BinKind, Lot, Product
from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.ledger.models import Balance

NO_CHANNEL = None  # reservations that named none (transfers, pages, plain API calls)


@dataclass
class Stock:
    """One SKU at one location as the channels see it."""

    on_hand: int = 0  # every bin, receiving too
    held: int = 0
    reserved: int = 0  # still reserved, expired carts left out
    free: int = 0  # what a reserve could take now (see the module's docstring)
    sellable: int = 0  # on hand less held, in the keys a reserve takes from
    by_channel: dict[int | None, int] = field(default_factory=dict)  # reserved, by channel id

    @property
    def reserved_no_channel(self) -> int:
        """Reserved with no channel named (transfers, pages, plain API calls)."""
        return self.reserved - sum(self.by_channel.values())


def atp(stock: Stock, channel: Channel | None, rule: ChannelLocation | None) -> int:
    """A channel's ATP from the figures and its rule (the formula of the module)."""
    if channel is None:
        return max(stock.free, 0)
    if not sells(channel, rule):
        return 0
    promise = stock.free - rule.buffer
    if rule.share_percent is not None:
        cap = rule.share_percent * (stock.sellable - rule.buffer) // 100
        promise = min(promise, cap - stock.by_channel.get(channel.id, 0))
    return max(promise, 0)


def sells(channel: Channel, rule: ChannelLocation | None) -> bool:
    """Whether the channel sells from the rule's location at all."""
    return channel.active and rule is not None and rule.can_sell


def _figures_statements():
    """The two statements `figures` runs, built once (bound parameters: the product and
    location id lists, today, now): a read pays for its values only."""
    products, places = bindparam("product_ids", expanding=True), bindparam("location_ids", expanding=True)
    takeable = and_(
        Bin.kind != BinKind.RECEIVING, or_(Lot.expiry_date.is_(None), Lot.expiry_date >= bindparam("today"))
    )
    balances = (
        select(
            Balance.product_id,
            Balance.location_id,
            func.sum(Balance.on_hand),
            func.sum(Balance.held),
            func.sum(case((takeable, Balance.on_hand - Balance.held), else_=0)),
            func.sum(case((takeable, Balance.on_hand - Balance.reserved - Balance.held), else_=0)),
        )
        .join(Bin, Bin.id == Balance.bin_id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.product_id.in_(products), Balance.location_id.in_(places))
        .group_by(Balance.product_id, Balance.location_id)
    )
    live = or_(Reservation.expires_at.is_(None), Reservation.expires_at > bindparam("now"))
    reserved = (
        select(
            Reservation.product_id,
            Reservation.location_id,
            Reservation.channel_id,
            func.sum(case((live, Reservation.qty_open), else_=0)),
            func.sum(case((and_(~live, takeable), Reservation.qty_open), else_=0)),
        )
        .join(Bin, Bin.id == Reservation.bin_id)
        .join(Lot, Lot.id == Reservation.lot_id)
        .where(
            Reservation.product_id.in_(products),
            Reservation.location_id.in_(places),
            Reservation.status == ReservationStatus.ACTIVE,
        )
        .group_by(Reservation.product_id, Reservation.location_id, Reservation.channel_id)
    )
    return balances, reserved


_BALANCES, _RESERVED = _figures_statements()


def figures(
    product_ids: Iterable[int], location_ids: Iterable[int], now: datetime | None = None
) -> dict[tuple[int, int], Stock]:
    """Stock per (product id, location id) for the products and locations named, in two
    grouped queries whatever their number (the key index leads with the product)."""
    product_ids, location_ids = sorted(set(product_ids)), sorted(set(location_ids))
    if not product_ids or not location_ids:
        return {}
    now = now or utcnow()
    values = dict(product_ids=product_ids, location_ids=location_ids, today=now.date(), now=now)
    found: dict[tuple[int, int], Stock] = defaultdict(Stock)
    for product_id, location_id, on_hand, held, sellable, free in db.session.execute(_BALANCES, values):
        stock = found[(product_id, location_id)]
        stock.on_hand, stock.held, stock.sellable, stock.free = (
            int(on_hand),
            int(held),
            int(sellable),
            int(free),
        )
    for product_id, location_id, channel_id, still, lapsed in db.session.execute(_RESERVED, values):
        stock = found[(product_id, location_id)]
        stock.reserved += int(still)
        stock.free += int(lapsed)  # a lapsed cart's units are free from its expiry time
        if channel_id is not NO_CHANNEL and still:
            stock.by_channel[channel_id] = stock.by_channel.get(channel_id, 0) + int(still)
    return dict(found)


def rules_at(location_ids: Iterable[int]) -> dict[tuple[int, int], ChannelLocation]:
    """Channel rules by (channel id, location id)."""
    rows = db.session.scalars(
        select(ChannelLocation).where(ChannelLocation.location_id.in_(sorted(set(location_ids))))
    )
    return {(rule.channel_id, rule.location_id): rule for rule in rows}


def lock_product(product_id: int) -> None:
    """Make promises of one product take turns: on PostgreSQL a FOR NO KEY UPDATE on its
    row, which the ledger's own writes (foreign-key checks take KEY SHARE) do not wait for.
    SQLite writers take turns anyway (BEGIN IMMEDIATE): no statement."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Product.id).where(Product.id == product_id).with_for_update(key_share=True))


@dataclass(frozen=True)
class Terms:
    """One channel's rule at one place and the figures its share needs."""

    channel: Channel  # its id and whether it is active
    rule: ChannelLocation | None
    sellable: int  # read only when the rule has a share
    mine: int  # reserved open on this channel here; likewise

    @property
    def sells(self) -> bool:
        return sells(self.channel, self.rule)

    def atp(self, free: int) -> int:
        """The formula, for `free` units free to promise here now."""
        stock = Stock(free=free, sellable=self.sellable, by_channel={self.channel.id: self.mine})
        return atp(stock, self.channel, self.rule)


def _terms_statement():
    """The statement `terms` runs, built once: a reserve on a channel pays for its values
    only (bound parameters product, location, channel, today, now)."""
    product, location = bindparam("product_id"), bindparam("location_id")
    takeable = and_(
        Bin.kind != BinKind.RECEIVING, or_(Lot.expiry_date.is_(None), Lot.expiry_date >= bindparam("today"))
    )
    sellable = (
        select(func.coalesce(func.sum(Balance.on_hand - Balance.held), 0))
        .join(Bin, Bin.id == Balance.bin_id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.product_id == product, Balance.location_id == location, takeable)
        .scalar_subquery()
    )
    mine = (
        select(func.coalesce(func.sum(Reservation.qty_open), 0))
        .where(
            Reservation.product_id == product,
            Reservation.location_id == location,
            Reservation.channel_id == bindparam("channel_id"),
            Reservation.status == ReservationStatus.ACTIVE,
            or_(Reservation.expires_at.is_(None), Reservation.expires_at > bindparam("now")),
        )
        .scalar_subquery()
    )
    shared = ChannelLocation.share_percent.is_not(None)
    return (
        select(
            Channel.active,
            ChannelLocation.can_sell,
            ChannelLocation.buffer,
            ChannelLocation.share_percent,
            case((shared, sellable), else_=0),
            case((shared, mine), else_=0),
        )
        .select_from(Channel)
        .outerjoin(
            ChannelLocation,
            and_(ChannelLocation.channel_id == Channel.id, ChannelLocation.location_id == location),
        )
        .where(Channel.id == bindparam("channel_id"))
    )


_TERMS = _terms_statement()


def terms(product_id: int, location_id: int, channel_id: int, now: datetime) -> Terms:
    """The channel's rule at the location with, when it has a share, the sellable units
    and what the channel holds there (the module's formula): one statement, read once by a
    reserve on a channel in its transaction; the free units come from the FEFO candidates
    it reads anyway."""
    found = db.session.execute(
        _TERMS,
        dict(
            product_id=product_id, location_id=location_id, channel_id=channel_id, today=now.date(), now=now
        ),
    ).one()
    active, can_sell, buffer, share, sellable_units, held_here = found
    # Plain values in transient objects: the formula reads them like the stored rows.
    channel = Channel(id=channel_id, active=active)
    rule = (
        None if can_sell is None else ChannelLocation(can_sell=can_sell, buffer=buffer, share_percent=share)
    )
    return Terms(channel, rule, int(sellable_units or 0), int(held_here or 0))


def promisable(product: Product, location_id: int, channel: Channel | None, now: datetime) -> int:
    """ATP of one SKU at one location on one channel (None: the ledger's free units),
    read inside a reserve's write transaction after its lock (reserving.py)."""
    stock = figures([product.id], [location_id], now).get((product.id, location_id), Stock())
    rule = rules_at([location_id]).get((channel.id, location_id)) if channel is not None else None
    return atp(stock, channel, rule)


def by_place(
    product_ids: Iterable[int],
    location_ids: Iterable[int],
    channel: Channel | None,
    now: datetime | None = None,
) -> dict[tuple[int, int], int]:
    """ATP per (product id, location id) on one channel (None: the ledger's free units),
    for routing an order: three queries whatever the number of lines and locations."""
    stocks = figures(product_ids, location_ids, now)
    rules = rules_at(location_ids) if channel is not None else {}
    return {
        place: atp(stock, channel, rules.get((channel.id, place[1])) if channel is not None else None)
        for place, stock in stocks.items()
    }
