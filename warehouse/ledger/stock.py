"""Read-side stock queries for pages and the API. Each is one query (no N+1): related
rows come in with joinedload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from warehouse.catalog.models import Bin, Location, Lot, Product
from warehouse.catalog.scan import find_product
from warehouse.core import pagers
from warehouse.core.errors import NotFound
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.ledger.models import Balance, Movement, MovementType


@dataclass(frozen=True)
class MovementFilter:
    """Which movements a list shows: built by the history page, the API's movement list and
    the movement report alike, so the three never disagree on what a filter means. Codes
    are resolved by the door (each says "not found" in its own words); this holds ids."""

    product_id: int | None = None
    location_id: int | None = None
    type: MovementType | None = None
    types: tuple[MovementType, ...] = ()  # any of these (a transfer: out and in)
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    reference_type: str | None = None  # None: any; "" is a value like any other
    reference_id: str | None = None  # exact
    reference_prefix: str | None = None  # "CNT-000001/": every line of the batch

    def criteria(self) -> list:
        m, found = Movement, []
        if self.product_id is not None:
            found.append(m.product_id == self.product_id)
        if self.location_id is not None:
            found.append(m.location_id == self.location_id)
        if self.type:
            found.append(m.type == self.type)
        if self.types:
            found.append(m.type.in_(self.types))
        if self.since:
            found.append(m.created_at >= self.since)
        if self.until:
            found.append(m.created_at < self.until)
        if self.reference_type is not None:
            found.append(m.reference_type == self.reference_type)
        if self.reference_id is not None:
            found.append(m.reference_id == self.reference_id)
        if self.reference_prefix:
            found.append(m.reference_id.startswith(self.reference_prefix, autoescape=True))
        return found


@dataclass(frozen=True)
class StockFilter:
    """Which balance rows a stock list shows: built by the stock page and by the API's
    stock list alike. The query must join Product, Location, Bin and (for `lot_code`) Lot."""

    location_code: str | None = None
    bin_code: str | None = None
    sku_prefix: str | None = None
    lot_code: str | None = None
    out_of_stock: bool = False  # keys with nothing available (emptied keys too), not keys with stock

    def criteria(self) -> list:
        found = [Balance.available <= 0 if self.out_of_stock else Balance.on_hand > 0]
        if self.sku_prefix:
            found.append(Product.sku.startswith(self.sku_prefix, autoescape=True))
        if self.location_code:
            found.append(Location.code == self.location_code)
        if self.bin_code:
            found.append(Bin.code == self.bin_code)
        if self.lot_code:
            found.append(Lot.code == self.lot_code)
        return found


# Every movement with what a list shows of it, in one query (no N+1), newest first.
MOVEMENTS = (
    select(Movement)
    .options(
        joinedload(Movement.product),
        joinedload(Movement.location),
        joinedload(Movement.bin),
        joinedload(Movement.lot),
        joinedload(Movement.user),
        joinedload(Movement.posting),  # its note
    )
    .order_by(Movement.id.desc())
)


def locations() -> list[Location]:
    return list(db.session.scalars(select(Location).order_by(Location.code)))


def product(product_id: int) -> Product | None:
    return db.session.get(Product, product_id)


def product_by_code(code: str) -> Product:
    """A product by SKU or by any of its barcodes."""
    product = find_product(code)
    if product is None:
        raise NotFound(
            msg("No product with SKU or barcode {code}. Check the code and scan again.", code=repr(code))
        )
    return product


def stock_rows(
    *,
    location_code: str | None = None,
    bin_code: str | None = None,
    sku: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> pagers.Page:
    """Non-empty balances by location, bin and SKU, filtered, one page at a time."""
    query = (
        select(Balance)
        .join(Balance.location)
        .join(Balance.bin)
        .join(Balance.product)
        .options(
            joinedload(Balance.product),
            joinedload(Balance.location),
            joinedload(Balance.bin),
            joinedload(Balance.lot),
        )
        .where(*StockFilter(location_code, bin_code, sku).criteria())
        .order_by(Location.code, Bin.code, Product.sku, Balance.lot_id)
    )
    return pagers.offset(query, page=page, size=page_size)


@dataclass
class SkuStock:
    product: Product
    balances: list[Balance]
    # location, on_hand, reserved, held, available; the four figures None where withheld
    by_location: list[tuple[Location, int | None, int | None, int | None, int | None]]
    withheld_bins: frozenset[int] = frozenset()

    def withholds(self, balance: Balance) -> bool:
        """Whether this reader may not see the balance's figures."""
        return balance.bin_id in self.withheld_bins

    @property
    def withheld(self) -> list[Balance]:
        return [b for b in self.balances if self.withholds(b)]

    @property
    def totals(self) -> dict[str, int | None]:
        """on_hand, reserved, held and available over every location; None when a
        location's figures are withheld (the rest would give them away by subtraction)."""
        names = ("on_hand", "reserved", "held", "available")
        if any(row[1] is None for row in self.by_location):
            return dict.fromkeys(names)
        return {name: sum(row[i] for row in self.by_location) for i, name in enumerate(names, start=1)}


def sku_stock(sku: str, *, withheld_bins: frozenset[int] = frozenset()) -> SkuStock:
    """One SKU's stock across every location and bin, with totals per location.
    `withheld_bins`: bins whose figures this reader may not see (a blind count's): their
    balances are listed, marked, and the totals of their locations are None."""
    product = product_by_code(sku)
    balances = list(
        db.session.scalars(
            select(Balance)
            .join(Balance.location)
            .join(Balance.bin)
            .options(joinedload(Balance.location), joinedload(Balance.bin), joinedload(Balance.lot))
            .where(Balance.product_id == product.id, Balance.on_hand > 0)
            .order_by(Location.code, Bin.code, Balance.lot_id)
        )
    )
    totals: dict[int, list] = {}
    for b in balances:
        t = totals.setdefault(b.location_id, [b.location, 0, 0, 0, 0])
        t[1] += b.on_hand
        t[2] += b.reserved
        t[3] += b.held
        t[4] += b.available
    withheld_at = {b.location_id for b in balances if b.bin_id in withheld_bins}
    by_location = [
        (t[0], None, None, None, None) if location_id in withheld_at else tuple(t)
        for location_id, t in totals.items()
    ]
    return SkuStock(product, balances, by_location, frozenset(withheld_bins))


def movement_history(
    *,
    sku: str | None = None,
    location_code: str | None = None,
    type: MovementType | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    reference_type: str | None = None,
    reference_id: str | None = None,
    page_size: int = 50,
) -> pagers.Page:
    """Movements newest first, keyset-paged by id (stable while new movements arrive).
    `reference_type`/`reference_id` narrow to one business document, e.g. ("transfer",
    "TR-000001"); either alone matches any value of the other."""
    location_id = None
    if location_code:
        location_id = db.session.scalar(select(Location.id).where(Location.code == location_code))
        if location_id is None:
            raise NotFound(msg("No location {location}.", location=repr(location_code)))
    chosen = MovementFilter(
        product_id=product_by_code(sku).id if sku else None,
        location_id=location_id,
        type=type,
        since=since,
        until=until,
        # The page's filter: empty means any, and a batch number ending in "/" every line.
        reference_type=reference_type or None,
        reference_id=reference_id if reference_id and not reference_id.endswith("/") else None,
        reference_prefix=reference_id if reference_id and reference_id.endswith("/") else None,
    )
    return pagers.keyset(MOVEMENTS.where(*chosen.criteria()), Movement.id, before=before_id, size=page_size)


def bin_contents(bin_id: int) -> list[Balance]:
    """What is in one bin, by SKU and lot."""
    return list(
        db.session.scalars(
            select(Balance)
            .join(Balance.product)
            .options(joinedload(Balance.product), joinedload(Balance.lot))
            .where(Balance.bin_id == bin_id, Balance.on_hand > 0)
            .order_by(Product.sku, Balance.lot_id)
        )
    )
