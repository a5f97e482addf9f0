"""Analytics of a period (overview, trends, top movers, low stock) and a storefront's stats
(units on hand, stock value, units sold in the last N days), from warehouse/reporting.

Both are the supervisor dashboard's figures, so they need what the dashboard needs: the
supervisor role (with `inventory.read`). An operator's token never gets them, so no total
that sums a bin being counted reaches a counter from here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from warehouse.accounts import permissions as P
from warehouse.accounts.models import Role
from warehouse.catalog import locations
from warehouse.reporting import insights, periods

from . import aliases, bp
from .aliases import MOVEMENTS, SKU_TX
from .spec import operation
from .types import LocationCode, Out, Query, UtcDateTime

DecimalText = str  # a decimal string, "1250.50": no float rounding on the way


class AnalyticsQuery(Query):
    OTHER_NAMES = (aliases.location("warehouse_id", MOVEMENTS),)

    period: Literal["7d", "30d", "90d", "1y"] = Field(
        periods.DEFAULT_PERIOD, description="whole UTC days ending today"
    )
    location: LocationCode | None = Field(None, description="one location's figures; left out: all")


class OverviewOut(Out):
    total_products: int = Field(description="active products in the catalog")
    products_in_stock: int = Field(description="SKUs with units on hand (at the location)")
    units_on_hand: int
    total_stock_value: DecimalText = Field(description="units on hand x unit cost")
    low_stock_items: int = Field(description="SKU x location pairs with a live low-stock alert")
    out_of_stock_items: int = Field(description="SKU x location pairs with a live out-of-stock alert")


class StepOut(Out):
    day: str = Field(description="first day of the chart step (YYYY-MM-DD)")
    until: str = Field(description="last day of the chart step")
    stock_in: int
    stock_out: int
    adjustments: int


class TrendsOut(Out):
    stock_in: int = Field(description="units received, transferred in, returned")
    stock_out: int = Field(description="units sold, fulfilled, transferred out, expired")
    adjustments: int = Field(description="net units added (+) or removed (-) by adjustments and counts")
    steps: list[StepOut] = Field(description="per day (per week for 90d and 1y)")


class MoverOut(Out):
    product_id: int
    sku: str
    product_name: str
    movement_count: int = Field(description="outbound movements in the period")
    total_quantity: int = Field(description="units out in the period")
    total_value: DecimalText


class LowStockOut(Out):
    product_id: int
    sku: str
    product_name: str
    current_stock: int = Field(description="on hand at the location now")
    reorder_point: int | None = Field(description="the threshold the alert was judged against")
    warehouse: str = Field(description="the location's name")
    location: str
    raised_at: UtcDateTime


class AnalyticsOut(Out):
    period: str
    since: str = Field(description="first day of the period (YYYY-MM-DD)")
    location: str | None
    overview: OverviewOut
    trends: TrendsOut
    top_movers: list[MoverOut] = Field(description="by units out, at most 10")
    low_stock_alerts: list[LowStockOut] = Field(description="live low-stock alerts by SKU, at most 100")


@operation(
    bp,
    "GET",
    "/analytics",
    summary="Analytics of a period: overview, trends, top movers, low stock",
    tag="analytics",
    permission=P.INVENTORY_READ,
    role=Role.SUPERVISOR,
    query=AnalyticsQuery,
    response=AnalyticsOut,
)
def analytics(caller, query: AnalyticsQuery):
    """The dashboard's figures (supervisors and admins): stock now, movements over the
    period from the per-day rollups, shortages from the live alerts."""
    location = locations.require(query.location) if query.location else None
    found = insights.insights(location, periods.period(query.period))
    o, t = found.overview, found.trends
    return AnalyticsOut(
        period=query.period,
        since=found.period.first_day.isoformat(),
        location=location.code if location else None,
        overview=OverviewOut(
            total_products=o.total_products,
            products_in_stock=o.products_in_stock,
            units_on_hand=o.units_on_hand,
            total_stock_value=str(o.total_stock_value),
            low_stock_items=o.low_stock_items,
            out_of_stock_items=o.out_of_stock_items,
        ),
        trends=TrendsOut(
            stock_in=t.stock_in,
            stock_out=t.stock_out,
            adjustments=t.adjustments,
            steps=[
                StepOut(
                    day=f.day.isoformat(),
                    until=f.until.isoformat(),
                    stock_in=f.units_in,
                    stock_out=f.units_out,
                    adjustments=f.adjusted,
                )
                for f in t.steps
            ],
        ),
        top_movers=[
            MoverOut(
                product_id=m.mover.product_id,
                sku=m.mover.sku,
                product_name=m.mover.name,
                movement_count=m.movement_count,
                total_quantity=m.mover.units,
                total_value=str(m.mover.value),
            )
            for m in found.top_movers
        ],
        low_stock_alerts=[
            LowStockOut(
                product_id=row.product_id,
                sku=row.sku,
                product_name=row.name,
                current_stock=row.current_stock,
                reorder_point=row.reorder_point,
                warehouse=row.location_name,
                location=row.location,
                raised_at=row.raised_at,
            )
            for row in found.low_stock
        ],
    )


class StatsQuery(Query):
    OTHER_NAMES = (aliases.location("locationId", SKU_TX),)

    days: int = Field(
        30, ge=1, le=365, description="units sold over the last N whole UTC days, today included"
    )
    location: LocationCode | None = None


class StatsOut(Out):
    days: int
    location: str | None
    products_in_stock: int
    units_on_hand: int
    stock_value: DecimalText
    units_sold: int = Field(description="units sold and fulfilled in the last `days` days")


@operation(
    bp,
    "GET",
    "/stats",
    summary="Stock stats: units on hand, stock value, units sold in the last N days",
    tag="analytics",
    permission=P.INVENTORY_READ,
    role=Role.SUPERVISOR,
    query=StatsQuery,
    response=StatsOut,
)
def stats(caller, query: StatsQuery):
    """The storefront's stats, from the dashboard's figures (supervisors and admins): stock
    now, units sold (sales and fulfilled reservations) from the per-day rollups."""
    location = locations.require(query.location) if query.location else None
    found = insights.stats(query.days, location)
    return StatsOut(
        days=found.days,
        location=location.code if location else None,
        products_in_stock=found.products_in_stock,
        units_on_hand=found.units_on_hand,
        stock_value=str(found.stock_value),
        units_sold=found.units_sold,
    )
