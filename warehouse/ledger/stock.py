"""Read-side stock queries for pages and the API. Each is one query (no N+1): related
rows come in with joinedload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from warehouse.catalog.models import Bin, Location, LocationType, Product
from warehouse.catalog.scan import find_product
from warehouse.core.errors import NotFound
from warehouse.core.extensions import db
from warehouse.ledger.models import Balance, Movement, MovementType


@dataclass
class Page:
    rows: list
    has_more: bool
    next_cursor: int | None = None


def locations() -> list[Location]:
    return list(db.session.scalars(select(Location).order_by(Location.code)))


def workplaces() -> list[Location]:
    """Where an operator can work: active locations other than transit (stock only passes
    through it), warehouses first so the usual choice is the first one offered."""
    places = [loc for loc in locations() if loc.active and loc.type is not LocationType.TRANSIT]
    return sorted(places, key=lambda loc: (loc.type is not LocationType.WAREHOUSE, loc.name))


def product(product_id: int) -> Product | None:
    return db.session.get(Product, product_id)


def product_by_code(code: str) -> Product:
    """A product by SKU or by any of its barcodes."""
    product = find_product(code)
    if product is None:
        raise NotFound(f"No product with SKU or barcode {code!r}. Check the code and scan again.")
    return product


def stock_rows(
    *,
    location_code: str | None = None,
    bin_code: str | None = None,
    sku: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page:
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
        .where(Balance.on_hand > 0)
        .order_by(Location.code, Bin.code, Product.sku, Balance.lot_id)
    )
    if location_code:
        query = query.where(Location.code == location_code)
    if bin_code:
        query = query.where(Bin.code == bin_code)
    if sku:
        query = query.where(Product.sku.startswith(sku, autoescape=True))
    rows = list(db.session.scalars(query.offset((page - 1) * page_size).limit(page_size + 1)))
    return Page(rows[:page_size], has_more=len(rows) > page_size)


@dataclass
class SkuStock:
    product: Product
    balances: list[Balance]
    by_location: list[tuple[Location, int, int, int, int]]  # location, on_hand, reserved, held, available

    @property
    def totals(self) -> dict[str, int]:
        """on_hand, reserved, held and available over every location."""
        return {
            name: sum(row[i] for row in self.by_location)
            for i, name in enumerate(("on_hand", "reserved", "held", "available"), start=1)
        }


def sku_stock(sku: str) -> SkuStock:
    """One SKU's stock across every location and bin, with totals per location."""
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
    return SkuStock(product, balances, [tuple(t) for t in totals.values()])


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
) -> Page:
    """Movements newest first, keyset-paged by id (stable while new movements arrive).
    `reference_type`/`reference_id` narrow to one business document, e.g. ("transfer",
    "TR-000001"); either alone matches any value of the other."""
    query = (
        select(Movement)
        .options(
            joinedload(Movement.product),
            joinedload(Movement.location),
            joinedload(Movement.bin),
            joinedload(Movement.lot),
            joinedload(Movement.user),
        )
        .order_by(Movement.id.desc())
    )
    if sku:
        query = query.where(Movement.product_id == product_by_code(sku).id)
    if location_code:
        location_id = db.session.scalar(select(Location.id).where(Location.code == location_code))
        if location_id is None:
            raise NotFound(f"No location {location_code!r}.")
        query = query.where(Movement.location_id == location_id)
    if type:
        query = query.where(Movement.type == type)
    if since:
        query = query.where(Movement.created_at >= since)
    if until:
        query = query.where(Movement.created_at < until)
    if before_id:
        query = query.where(Movement.id < before_id)
    if reference_type:
        query = query.where(Movement.reference_type == reference_type)
    if reference_id and reference_id.endswith("/"):  # "CNT-000001/": every line of the batch
        query = query.where(Movement.reference_id.startswith(reference_id, autoescape=True))
    elif reference_id:
        query = query.where(Movement.reference_id == reference_id)
    rows = list(db.session.scalars(query.limit(page_size + 1)))
    page = rows[:page_size]
    return Page(
        page, has_more=len(rows) > page_size, next_cursor=page[-1].id if len(rows) > page_size else None
    )


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
