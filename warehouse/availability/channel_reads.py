"""What the channels may promise, read for people and integrations: the ATP matrix of a
location, one SKU's drill-down, a summary per channel, and the check of quantities on a
channel. Every ATP figure here is atp.atp() over atp.figures() and atp.rules_at(): the one
formula of atp.py, never another, so the page, the API and a reserve agree.

The matrix lists the products that have (or had) stock at the location, i.e. a balance
row there, by SKU: a page is a fixed number of queries whatever its size (the page of
product ids, its count, then the figures and rules of that page only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select

from warehouse.availability import atp, channels
from warehouse.availability.atp import Stock
from warehouse.availability.models import (
    Backorder,
    BackorderStatus,
    Channel,
    ChannelLocation,
    Reservation,
    ReservationStatus,
)
from warehouse.catalog.models import Location, Product
from warehouse.core.columns import utcnow
from warehouse.core.errors import QuantityOutOfRange
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.ledger.models import Balance

MAX_LIMIT = 200
MAX_PAGE = 100_000

# --- the matrix: SKUs of a location x channels --------------------------------------------


@dataclass
class MatrixRow:
    product_id: int
    sku: str
    name: str
    stock: Stock
    atp: dict[int, int]  # channel id -> ATP


@dataclass
class Matrix:
    location: Location
    channels: list[Channel]
    rows: list[MatrixRow]
    total: int
    page: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.page * self.limit < self.total


def matrix(
    location: Location,
    *,
    search: str | None = None,
    channel_codes: list[str] | None = None,
    page: int = 1,
    limit: int = 50,
    now: datetime | None = None,
) -> Matrix:
    """One page of the location's SKUs (by SKU; `search` a part of the SKU or name, any
    case) with on hand, reserved, held, free and the ATP of each channel (all, or those
    named by code or id)."""
    if not 1 <= limit <= MAX_LIMIT or not 1 <= page <= MAX_PAGE:
        raise QuantityOutOfRange(
            msg(
                "A page is 1 to {max_limit} rows, pages 1 to {max_page:,}.",
                max_limit=MAX_LIMIT,
                max_page=MAX_PAGE,
            )
        )
    chosen = channels.named(channel_codes)
    where = _held_at(location.id, search)
    total = _count(location.id, where, searched=bool((search or "").strip()))
    listed = db.session.execute(
        select(Product.id, Product.sku, Product.name)
        .where(*where)
        .order_by(Product.sku)
        .offset((page - 1) * limit)
        .limit(limit)
    ).all()
    now = now or utcnow()
    stocks = atp.figures([p.id for p in listed], [location.id], now)
    rules = atp.rules_at([location.id])
    rows = []
    for product_id, sku, name in listed:
        stock = stocks.get((product_id, location.id), Stock())
        cells = {c.id: atp.atp(stock, c, rules.get((c.id, location.id))) for c in chosen}
        rows.append(MatrixRow(product_id, sku, name, stock, cells))
    return Matrix(location, chosen, rows, total, page, limit)


def _count(location_id: int, where: list, *, searched: bool) -> int:
    """The rows of every page. Unsearched, the products of the location's balances (no
    join with products: half the time at 50k SKUs on PostgreSQL)."""
    if searched:
        return db.session.scalar(select(func.count()).select_from(Product).where(*where)) or 0
    distinct = func.count(Balance.product_id.distinct())
    return db.session.scalar(select(distinct).where(Balance.location_id == location_id)) or 0


def _held_at(location_id: int, search: str | None) -> list:
    """Products with a balance row at the location (the key index leads with the product,
    so each is one index probe), matching the search."""
    held = exists().where(Balance.product_id == Product.id, Balance.location_id == location_id)
    where = [held]
    term = (search or "").strip().lower()
    if term:
        where.append(
            or_(
                func.lower(Product.sku).contains(term, autoescape=True),
                func.lower(Product.name).contains(term, autoescape=True),
            )
        )
    return where


# --- one SKU, per location ---------------------------------------------------------------


@dataclass
class ChannelAtPlace:
    channel: Channel
    rule: ChannelLocation | None
    reserved: int  # reserved open on this channel here
    atp: int


@dataclass
class Place:
    location: Location
    stock: Stock
    channels: list[ChannelAtPlace]

    @property
    def reserved_no_channel(self) -> int:
        return self.stock.reserved_no_channel


def drilldown(
    product: Product, *, location: Location | None = None, now: datetime | None = None
) -> list[Place]:
    """Per location (the one named, or every location where the product has a balance or
    any channel has a rule), by code: the figures, and per channel its rule, what it has
    reserved there and its ATP."""
    places = [location] if location is not None else _places_of(product.id)
    ids = [p.id for p in places]
    stocks = atp.figures([product.id], ids, now or utcnow())
    rules = atp.rules_at(ids)
    every = channels.all_channels()
    out = []
    for place in places:
        stock = stocks.get((product.id, place.id), Stock())
        cells = [
            ChannelAtPlace(
                c,
                rules.get((c.id, place.id)),
                stock.by_channel.get(c.id, 0),
                atp.atp(stock, c, rules.get((c.id, place.id))),
            )
            for c in every
        ]
        out.append(Place(place, stock, cells))
    return out


def _places_of(product_id: int) -> list[Location]:
    stocked = select(Balance.location_id).where(Balance.product_id == product_id)
    ruled = select(ChannelLocation.location_id)
    query = (
        select(Location).where(or_(Location.id.in_(stocked), Location.id.in_(ruled))).order_by(Location.code)
    )
    return list(db.session.scalars(query))


# --- per channel -------------------------------------------------------------------------


@dataclass
class ChannelSummary:
    channel: Channel
    rules: int = 0  # locations it has a rule at
    selling_locations: int = 0  # of which the rule says it sells from there
    reserved: int = 0  # units reserved open on it (carts past their TTL left out, as ATP does)
    open_reservations: int = 0
    backordered: int = 0  # units waiting on backorder on it


def summary(now: datetime | None = None) -> list[ChannelSummary]:
    """Per channel, by code: its rules, what is reserved and backordered on it. Three
    grouped queries over the rules, the live reservations and the waiting backorders (no
    ATP per SKU: that is the matrix's)."""
    now = now or utcnow()
    found = {c.id: ChannelSummary(c) for c in channels.all_channels()}
    sells = func.sum(case((ChannelLocation.can_sell.is_(True), 1), else_=0))
    for channel_id, n, selling in db.session.execute(
        select(ChannelLocation.channel_id, func.count(), sells).group_by(ChannelLocation.channel_id)
    ):
        found[channel_id].rules, found[channel_id].selling_locations = int(n), int(selling or 0)
    live = and_(
        Reservation.status == ReservationStatus.ACTIVE,
        Reservation.channel_id.is_not(None),
        or_(Reservation.expires_at.is_(None), Reservation.expires_at > now),
    )
    for channel_id, units, n in db.session.execute(
        select(Reservation.channel_id, func.sum(Reservation.qty_open), func.count())
        .where(live)
        .group_by(Reservation.channel_id)
    ):
        found[channel_id].reserved, found[channel_id].open_reservations = int(units or 0), int(n)
    waiting = and_(Backorder.status == BackorderStatus.ON_BACKORDER, Backorder.channel_id.is_not(None))
    for channel_id, units in db.session.execute(
        select(Backorder.channel_id, func.sum(Backorder.qty_open))
        .where(waiting)
        .group_by(Backorder.channel_id)
    ):
        found[channel_id].backordered = int(units or 0)
    return list(found.values())


# --- can these quantities be promised on a channel? ----------------------------------------


@dataclass
class Checked:
    product: Product
    quantity: int
    by_place: list[tuple[Location, int]] = field(default_factory=list)  # ATP per location

    @property
    def atp(self) -> int:
        return sum(n for _, n in self.by_place)

    @property
    def ok(self) -> bool:
        return self.atp >= self.quantity


def check(
    lines: list[tuple[Product, int]],
    *,
    channel: Channel,
    location: Location | None = None,
    now: datetime | None = None,
) -> list[Checked]:
    """Per line, the channel's ATP at the location, or at every location it sells from
    (each figure, and their sum), and whether the quantity fits. One reserve is made at
    one location: a sum over several says an order split across them could be filled."""
    places = [location] if location is not None else _selling_places(channel.id)
    ids = [p.id for p in places]
    found = atp.by_place([p.id for p, _ in lines], ids, channel, now)
    return [
        Checked(product, qty, [(place, found.get((product.id, place.id), 0)) for place in places])
        for product, qty in lines
    ]


def _selling_places(channel_id: int) -> list[Location]:
    query = (
        select(Location)
        .join(ChannelLocation, ChannelLocation.location_id == Location.id)
        .where(ChannelLocation.channel_id == channel_id, ChannelLocation.can_sell.is_(True))
        .order_by(Location.code)
    )
    return list(db.session.scalars(query))
