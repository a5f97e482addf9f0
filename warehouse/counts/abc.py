"""ABC classification for cycle counting.

Classes come from the last 12 months of outbound value per SKU (units shipped out x unit
cost): A = the SKUs making the top 80% of the value, B = the next 15%, C = the rest
(including SKUs that did not move). A-items are counted most often.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from warehouse.catalog.models import Product
from warehouse.core.extensions import db
from warehouse.core.settings import DEFAULT_ABC_EVERY_DAYS, DEFAULT_ABC_SHARES
from warehouse.ledger.models import Balance, Movement, MovementType

OUTBOUND = (MovementType.OUTBOUND_SALE, MovementType.FULFILL, MovementType.TRANSFER_OUT)


@dataclass(frozen=True)
class Classified:
    product: Product
    abc: str
    outbound_value: Decimal
    last_counted_at: datetime | None


def outbound_value(now: datetime, location_id: int | None = None) -> dict[int, Decimal]:
    """Value shipped out per product over the last 12 months (units x unit cost)."""
    query = (
        select(Movement.product_id, func.sum(-Movement.qty))
        .where(
            Movement.type.in_(OUTBOUND),
            Movement.qty < 0,
            Movement.created_at >= now - timedelta(days=365),
            Movement.created_at <= now,
        )
        .group_by(Movement.product_id)
    )
    if location_id is not None:
        query = query.where(Movement.location_id == location_id)
    units = dict(db.session.execute(query).all())
    costs = dict(db.session.execute(select(Product.id, Product.unit_cost).where(Product.id.in_(units))).all())
    return {pid: Decimal(units[pid]) * Decimal(costs[pid] or 0) for pid in units}


def classify(
    now: datetime, *, location_id: int | None = None, shares: tuple[Decimal, Decimal] | None = None
) -> dict[int, str]:
    """Product id -> "A" | "B" | "C" for every active product."""
    shares = shares or DEFAULT_ABC_SHARES
    values = outbound_value(now, location_id)
    total = sum(values.values()) or Decimal(1)
    a_share, b_share = shares
    classes, running = {}, Decimal(0)
    for product_id, value in sorted(values.items(), key=lambda kv: (-kv[1], kv[0])):
        share_before = running / total
        running += value
        if value <= 0:
            break
        classes[product_id] = (
            "A" if share_before < a_share else "B" if share_before < a_share + b_share else "C"
        )
    for product_id in db.session.scalars(select(Product.id).where(Product.active.is_(True))):
        classes.setdefault(product_id, "C")
    return classes


def report(
    now: datetime, *, location_id: int | None = None, shares: tuple[Decimal, Decimal] | None = None
) -> list[Classified]:
    """Every active product with its class, outbound value and when it was last counted."""
    classes = classify(now, location_id=location_id, shares=shares)
    values = outbound_value(now, location_id)
    counted = select(Balance.product_id, func.max(Balance.last_counted_at)).group_by(Balance.product_id)
    if location_id is not None:
        counted = counted.where(Balance.location_id == location_id)
    last = dict(db.session.execute(counted).all())
    products = db.session.scalars(select(Product).where(Product.active.is_(True)).order_by(Product.sku))
    rows = [Classified(p, classes[p.id], values.get(p.id, Decimal(0)), last.get(p.id)) for p in products]
    return sorted(rows, key=lambda r: (r.abc, -r.outbound_value, r.product.sku))


def due_today(
    now: datetime,
    *,
    location_id: int | None = None,
    shares: tuple[Decimal, Decimal] | None = None,
    every_days: Mapping[str, int] | None = None,
) -> list[Classified]:
    """What to count today: products whose class says they are due (never counted first)."""
    rows = report(now, location_id=location_id, shares=shares)
    due = [row for row in rows if is_due(row, now, every_days)]
    return sorted(due, key=lambda r: (r.abc, r.last_counted_at is not None, r.last_counted_at or now))


def is_due(row: Classified, now: datetime, every_days: Mapping[str, int] | None = None) -> bool:
    """Whether a product's class says it is due for a count: never counted, or last counted
    at least its class's number of days ago."""
    every_days = every_days or DEFAULT_ABC_EVERY_DAYS
    return row.last_counted_at is None or row.last_counted_at <= now - timedelta(days=every_days[row.abc])


def due_by_class(
    now: datetime,
    *,
    location_id: int,
    shares: tuple[Decimal, Decimal] | None = None,
    every_days: Mapping[str, int] | None = None,
) -> dict[str, tuple[str, ...]]:
    """The SKUs due today at a location, by class ("A", "B", "C"; classes with none left out),
    as the counts page makes a batch of one class from them."""
    due: dict[str, list[str]] = {}
    for row in due_today(now, location_id=location_id, shares=shares, every_days=every_days):
        due.setdefault(row.abc, []).append(row.product.sku)
    return {abc: tuple(skus) for abc, skus in sorted(due.items())}
