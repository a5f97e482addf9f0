"""Read queries behind the API's lists: one query per page plus one count, no N+1.

available = on_hand - reserved - held comes from models.Balance.available (a hybrid: the same
expression in SQL as in Python); nothing is stored or decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from warehouse.accounts.models import User
from warehouse.alerts.models import AlertSetting, ReorderPolicy
from warehouse.catalog import locations
from warehouse.catalog.models import Bin, Location, Lot, Product, ProductBarcode
from warehouse.catalog.scan import gtin_candidates
from warehouse.core import pagers
from warehouse.core.errors import NotFound
from warehouse.core.extensions import db
from warehouse.ledger import stock
from warehouse.ledger.models import AverageCost, Balance, Movement, MovementType
from warehouse.setup.products import Inventory, stock_status

from .types import PageMeta


@dataclass
class Listed:
    rows: list
    meta: PageMeta


def page_of(query: Select, page: int, limit: int, *, scalars: bool = True) -> Listed:
    found = pagers.offset(query, page=page, size=limit, count=True, scalars=scalars)
    return Listed(found.rows, PageMeta(total=found.total, page=page, limit=limit, has_more=found.has_more))


def stock_rows(q) -> Listed:
    b = Balance
    available = b.available
    other = aliased(Balance)
    place_total = (
        select(func.sum(other.on_hand))
        .where(other.product_id == b.product_id, other.location_id == b.location_id)
        .correlate(b)
        .scalar_subquery()
    )
    m = aliased(Movement)
    last_movement = (
        select(m.created_at)
        .where(
            m.product_id == b.product_id,
            m.location_id == b.location_id,
            m.bin_id == b.bin_id,
            m.lot_id == b.lot_id,
        )
        .order_by(m.id.desc())
        .limit(1)
        .correlate(b)
        .scalar_subquery()
    )
    query = (
        select(
            Product.sku,
            Product.name,
            Location.code,
            Bin.code,
            Lot.code,
            b.lot_id,
            b.on_hand,
            b.reserved,
            b.held,
            available,
            ReorderPolicy.reorder_point,
            ReorderPolicy.reorder_qty,
            last_movement,
            b.last_counted_at,
            b.bin_id,
            ReorderPolicy.max_level,
            AverageCost.average,
        )
        .join(Product, Product.id == b.product_id)
        .join(Location, Location.id == b.location_id)
        .join(Bin, Bin.id == b.bin_id)
        .join(Lot, Lot.id == b.lot_id)
        .outerjoin(
            ReorderPolicy,
            and_(ReorderPolicy.product_id == b.product_id, ReorderPolicy.location_id == b.location_id),
        )
        .outerjoin(
            AverageCost,
            and_(AverageCost.product_id == b.product_id, AverageCost.location_id == b.location_id),
        )
        .order_by(Location.code, Bin.code, Product.sku, b.lot_id)
    )
    chosen = stock.StockFilter(q.location, q.bin, q.sku, q.lot, out_of_stock=bool(q.out_of_stock))
    query = query.where(*chosen.criteria())
    if q.low_stock:  # the same rule as the low_stock alert: a threshold override beats the reorder point
        setting = aliased(AlertSetting)
        low_at = func.coalesce(setting.low_stock_threshold, ReorderPolicy.reorder_point)
        query = query.outerjoin(
            setting, and_(setting.product_id == b.product_id, setting.location_id == b.location_id)
        ).where(low_at.is_not(None), place_total <= low_at)
    return page_of(query, q.page, q.limit, scalars=False)


def movements(q) -> Listed:
    chosen = movement_filter(q, tuple(MovementType(t) for t in q.types))
    return page_of(stock.MOVEMENTS.where(*chosen.criteria()), q.page, q.limit)


def movement_filter(q, types: tuple[MovementType, ...] = ()) -> stock.MovementFilter:
    """A movement list's filter from its query (sku, location, type, reference, start and
    end days): the movement history's and the adjustments' alike. `types`: any of these
    instead of the one `type`."""
    product_id = None
    if q.sku:
        product_id = db.session.scalar(select(Product.id).where(Product.sku == q.sku))
        if product_id is None:
            raise NotFound(f"No product with SKU {q.sku!r}. Check the code.")
    ref_type, sep, ref_id = (q.reference or "").partition(":")
    return stock.MovementFilter(
        product_id=product_id,
        location_id=locations.require(q.location).id if q.location else None,
        type=None if types else (q.type or None),
        types=types,
        since=datetime.combine(q.start_date, time.min) if q.start_date else None,
        until=(
            datetime.combine(q.end_date + timedelta(days=1), time.min)
            if q.end_date and q.end_date < date.max
            else None
        ),
        # "type:id" matches both exactly (an empty part too); a bare value, the id exactly.
        reference_type=ref_type if q.reference and sep else None,
        reference_id=(ref_id if sep else q.reference) if q.reference else None,
    )


def username(user: User | None) -> str | None:
    return user.username if user else None


def products(q) -> Listed:
    """Products by SKU: `search` in the SKU or name (any part, any case) or a whole barcode
    (a GTIN at any printed length); `active` true or false."""
    query = select(Product).options(selectinload(Product.barcodes)).order_by(Product.sku)
    term = (q.search or "").strip()
    if term:
        by_barcode = select(ProductBarcode.product_id).where(ProductBarcode.code.in_(gtin_candidates(term)))
        query = query.where(
            or_(
                func.lower(Product.sku).contains(term.lower(), autoescape=True),
                func.lower(Product.name).contains(term.lower(), autoescape=True),
                Product.id.in_(by_barcode),
            )
        )
    if q.active is not None:
        query = query.where(Product.active.is_(q.active))
    return page_of(query, q.page, q.limit)


def inventories(listed: list[Product], location_id: int | None = None) -> dict[int, Inventory]:
    """setup.products.inventory for a page of products, in three grouped queries (not three
    per product): the same sums, the same stock_status rule."""
    ids = [p.id for p in listed]
    if not ids:
        return {}
    stock = {row[0]: row[1:] for row in db.session.execute(_stock_sums(ids, location_id))}
    policy = {row[0]: row[1:] for row in db.session.execute(_policy_sums(ids, location_id))}
    moved = dict(db.session.execute(_last_moved(ids, location_id)).all())
    return {p.id: _inventory(p, stock.get(p.id), policy.get(p.id), moved.get(p.id)) for p in listed}


def _inventory(product: Product, sums, policy, last_moved) -> Inventory:
    on_hand, reserved, held, counted = sums or (0, 0, 0, None)
    on_hand, reserved, held = int(on_hand), int(reserved), int(held)
    point, qty = (int(policy[0]), int(policy[1])) if policy else (None, None)
    available = on_hand - reserved - held
    return Inventory(
        on_hand=on_hand,
        reserved=reserved,
        held=held,
        available=available,
        reorder_point=point,
        reorder_qty=qty,
        last_counted_at=counted,
        last_movement_at=last_moved,
        status=stock_status(
            on_hand=on_hand, available=available, reorder_point=point, allow_backorder=product.allow_backorder
        ),
    )


def _stock_sums(ids: list[int], location_id: int | None) -> Select:
    query = select(
        Balance.product_id,
        func.sum(Balance.on_hand),
        func.sum(Balance.reserved),
        func.sum(Balance.held),
        func.max(Balance.last_counted_at),
    ).where(Balance.product_id.in_(ids))
    if location_id is not None:
        query = query.where(Balance.location_id == location_id)
    return query.group_by(Balance.product_id)


def _policy_sums(ids: list[int], location_id: int | None) -> Select:
    query = select(
        ReorderPolicy.product_id, func.sum(ReorderPolicy.reorder_point), func.sum(ReorderPolicy.reorder_qty)
    ).where(ReorderPolicy.product_id.in_(ids))
    if location_id is not None:
        query = query.where(ReorderPolicy.location_id == location_id)
    return query.group_by(ReorderPolicy.product_id)


def _last_moved(ids: list[int], location_id: int | None) -> Select:
    query = select(Movement.product_id, func.max(Movement.created_at)).where(Movement.product_id.in_(ids))
    if location_id is not None:
        query = query.where(Movement.location_id == location_id)
    return query.group_by(Movement.product_id)


def policies(q, location_id: int | None) -> Listed:
    """Reorder policies by SKU then location code, with both codes: `sku` a prefix."""
    query = (
        select(ReorderPolicy, Product.sku, Location.code)
        .join(Product, Product.id == ReorderPolicy.product_id)
        .join(Location, Location.id == ReorderPolicy.location_id)
        .order_by(Product.sku, Location.code)
    )
    if q.sku:
        query = query.where(Product.sku.startswith(q.sku, autoescape=True))
    if location_id is not None:
        query = query.where(ReorderPolicy.location_id == location_id)
    return page_of(query, q.page, q.limit, scalars=False)
