"""Read queries behind the API's lists: one query per page plus one count, no N+1.

available = on_hand - reserved - held comes from models.Balance.available (a hybrid: the same
expression in SQL as in Python); nothing is stored or decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased

from warehouse.accounts.models import User
from warehouse.alerts.models import AlertSetting, ReorderPolicy
from warehouse.catalog import locations
from warehouse.catalog.models import Bin, Location, Lot, Product
from warehouse.core import pagers
from warehouse.core.errors import NotFound
from warehouse.core.extensions import db
from warehouse.ledger import stock
from warehouse.ledger.models import Balance, Movement

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
        )
        .join(Product, Product.id == b.product_id)
        .join(Location, Location.id == b.location_id)
        .join(Bin, Bin.id == b.bin_id)
        .join(Lot, Lot.id == b.lot_id)
        .outerjoin(
            ReorderPolicy,
            and_(ReorderPolicy.product_id == b.product_id, ReorderPolicy.location_id == b.location_id),
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
    product_id = None
    if q.sku:
        product_id = db.session.scalar(select(Product.id).where(Product.sku == q.sku))
        if product_id is None:
            raise NotFound(f"No product with SKU {q.sku!r}. Check the code.")
    ref_type, sep, ref_id = (q.reference or "").partition(":")
    chosen = stock.MovementFilter(
        product_id=product_id,
        location_id=locations.require(q.location).id if q.location else None,
        type=q.type or None,
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
    return page_of(stock.MOVEMENTS.where(*chosen.criteria()), q.page, q.limit)


def username(user: User | None) -> str | None:
    return user.username if user else None
