"""What the API answers about the stock as a whole: the analytics of a period (overview,
trends, top movers, the low-stock list) and a storefront's stats (units on hand, stock
value, units sold in the last N days).

The same figures as the supervisor dashboard, from the same functions: stock from the
balances (`analytics.stock_totals`), shortages from the live alerts (`stock_shortages`,
the rule the alert list uses), the period's movements from the per-day rollups
(`rollups.py`: closed days kept in memory, so a request reads the ledger for the last two
days only). Every figure is an aggregate query; nothing is read per product.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from warehouse.alerts.models import Alert, AlertKind
from warehouse.catalog.models import Location, Product
from warehouse.core.extensions import db
from warehouse.ledger.models import Balance
from warehouse.reporting import analytics, periods
from warehouse.reporting.periods import Period
from warehouse.reporting.rollups import daily_rows, outbound_moves_by_place, units_sold
from warehouse.reporting.trends import DayFlow, Mover, day_flows, top_movers

LOW_STOCK_LISTED = 100  # the list is for a glance; the alert list pages through all of them


@dataclass
class Overview:
    total_products: int  # active products in the catalog
    products_in_stock: int  # SKUs with units on hand (at the location)
    units_on_hand: int
    total_stock_value: Decimal
    low_stock_items: int  # SKU x location pairs with a live low-stock alert
    out_of_stock_items: int


@dataclass
class Trends:
    stock_in: int  # units received, transferred in, returned
    stock_out: int  # units sold, fulfilled, transferred out, expired
    adjustments: int  # net units added (+) or removed (-) by adjustments and counts
    steps: list[DayFlow] = field(default_factory=list)


@dataclass
class TopMover:
    mover: Mover
    movement_count: int


@dataclass
class LowStock:
    product_id: int
    sku: str
    name: str
    location: str
    location_name: str
    current_stock: int  # on hand at the location now
    reorder_point: int | None  # the threshold the alert was judged against
    raised_at: datetime


@dataclass
class Insights:
    period: Period
    location: Location | None
    overview: Overview
    trends: Trends
    top_movers: list[TopMover]
    low_stock: list[LowStock]


def insights(location: Location | None, span: Period) -> Insights:
    """The analytics of one location (or all) over the period."""
    location_id = location.id if location else None
    daily = daily_rows(location_id, span)
    return Insights(
        period=span,
        location=location,
        overview=overview(location_id),
        trends=Trends(
            stock_in=sum(row[2] for row in daily),
            stock_out=sum(row[3] for row in daily),
            adjustments=sum(row[4] for row in daily),
            steps=day_flows(daily, span),
        ),
        top_movers=movers(location_id, span),
        low_stock=low_stock(location_id),
    )


def overview(location_id: int | None) -> Overview:
    skus, units, value = analytics.stock_totals(location_id)
    low, out = analytics.stock_shortages(location_id)
    products = db.session.scalar(select(func.count(Product.id)).where(Product.active.is_(True))) or 0
    return Overview(int(products), skus, units, value, low, out)


def movers(location_id: int | None, span: Period) -> list[TopMover]:
    """The SKUs that left most by units (the dashboard's "top movers by units"), each with
    how many outbound movements took them."""
    moves = outbound_moves_by_place(span)
    counted: dict[int, int] = {}
    for (loc, pid), n in moves.items():
        if location_id is None or loc == location_id:
            counted[pid] = counted.get(pid, 0) + n
    return [
        TopMover(m, counted.get(m.product_id, 0)) for m in top_movers(location_id, span)["movers_by_units"]
    ]


def low_stock(location_id: int | None, limit: int = LOW_STOCK_LISTED) -> list[LowStock]:
    """SKU x location pairs with a live low-stock alert, by SKU, with what is on hand there
    now: one query."""
    on_hand = (
        select(func.coalesce(func.sum(Balance.on_hand), 0))
        .where(Balance.product_id == Alert.product_id, Balance.location_id == Alert.location_id)
        .correlate(Alert)
        .scalar_subquery()
    )
    query = (
        select(
            Product.id,
            Product.sku,
            Product.name,
            Location.code,
            Location.name,
            on_hand,
            Alert.threshold,
            Alert.raised_at,
        )
        .join(Product, Product.id == Alert.product_id)
        .join(Location, Location.id == Alert.location_id)
        .where(Alert.live_key.is_not(None), Alert.kind == AlertKind.LOW_STOCK)
        .order_by(Product.sku, Location.code)
        .limit(limit)
    )
    if location_id is not None:
        query = query.where(Alert.location_id == location_id)
    return [LowStock(*row[:5], int(row[5]), row[6], row[7]) for row in db.session.execute(query)]


@dataclass
class Stats:
    days: int
    location: Location | None
    products_in_stock: int
    units_on_hand: int
    stock_value: Decimal
    units_sold: int  # sold and fulfilled over the last `days` whole days, today included


def stats(days: int, location: Location | None) -> Stats:
    location_id = location.id if location else None
    skus, units, value = analytics.stock_totals(location_id)
    sold = units_sold(location_id, periods.last_days(days))
    return Stats(days, location, skus, units, value, sold)
